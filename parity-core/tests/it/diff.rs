//! The unified-diff parser, one diff feature per test.

use parity_core::diff::{parse_patch, AddedLine, FileKind};
use pretty_assertions::assert_eq;

fn added(diff: &[u8]) -> Vec<(String, u32, Vec<u8>)> {
    parse_patch(diff)
        .unwrap()
        .into_iter()
        .flat_map(|file| {
            let path = file.path().display();
            file.added
                .iter()
                .map(|AddedLine { number, text }| (path.clone(), number, text.to_vec()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn added_lines_carry_their_number_in_head() {
    let diff = b"diff --git a/m.py b/m.py
index 1111111..2222222 100644
--- a/m.py
+++ b/m.py
@@ -10,4 +10,5 @@ def f():
 context 10
-removed
+added 11
+added 12
 context 13
 context 14
@@ -30,0 +33,1 @@
+added 33
";
    assert_eq!(
        added(diff),
        vec![
            ("m.py".into(), 11, b"added 11".to_vec()),
            ("m.py".into(), 12, b"added 12".to_vec()),
            ("m.py".into(), 33, b"added 33".to_vec()),
        ]
    );
}

#[test]
fn an_added_line_that_starts_with_plus_plus_space_is_not_a_header() {
    // The file gains the line `++ ALTER TABLE t ADD COLUMN c`, and then a
    // line `-- x`, which show as `+++ ...` and `+-- x` in the diff.
    let diff = b"diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1,1 +1,4 @@
 keep
+++ ALTER TABLE t ADD COLUMN c
+--- not a header either
+@@ -1 +1 @@ nor this
";
    assert_eq!(
        added(diff),
        vec![
            ("m.py".into(), 2, b"++ ALTER TABLE t ADD COLUMN c".to_vec()),
            ("m.py".into(), 3, b"--- not a header either".to_vec()),
            ("m.py".into(), 4, b"@@ -1 +1 @@ nor this".to_vec()),
        ]
    );
}

#[test]
fn hunk_header_without_counts_means_one_line() {
    let diff = b"diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1 +1 @@
-old
+new
";
    assert_eq!(added(diff), vec![("m.py".into(), 1, b"new".to_vec())]);
}

#[test]
fn no_newline_marker_is_skipped_inside_and_after_a_hunk() {
    let diff = b"diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1,2 +1,2 @@
 a
-b
\\ No newline at end of file
+b
\\ No newline at end of file
";
    assert_eq!(added(diff), vec![("m.py".into(), 2, b"b".to_vec())]);
}

#[test]
fn crlf_line_ends_are_stripped_from_the_text() {
    let diff = b"diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -0,0 +1,2 @@\n+ALTER TABLE t\r\n+x = 1\r\n";
    assert_eq!(
        added(diff),
        vec![
            ("m.py".into(), 1, b"ALTER TABLE t".to_vec()),
            ("m.py".into(), 2, b"x = 1".to_vec()),
        ]
    );
}

#[test]
fn empty_context_lines_from_suppress_blank_empty_count_as_context() {
    let diff =
        b"diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,4 @@\n a\n\n+new\n b\n";
    assert_eq!(added(diff), vec![("m.py".into(), 3, b"new".to_vec())]);
}

#[test]
fn binary_new_deleted_renamed_and_copied_files() {
    let diff = b"diff --git a/img.png b/img.png
new file mode 100644
index 0000000..1111111
Binary files /dev/null and b/img.png differ
diff --git a/gone.py b/gone.py
deleted file mode 100644
index 1111111..0000000
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x
diff --git a/new.py b/new.py
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/new.py
@@ -0,0 +1 @@
+hello
diff --git a/old name.py b/new name.py
similarity index 90%
rename from old name.py
rename to new name.py
index 1111111..2222222 100644
--- a/old name.py
+++ b/new name.py
@@ -1 +1,2 @@
 a
+b
diff --git a/src.py b/copy.py
similarity index 100%
copy from src.py
copy to copy.py
diff --git a/mode.sh b/mode.sh
old mode 100644
new mode 100755
";
    let files = parse_patch(diff).unwrap();
    let summary: Vec<_> = files
        .iter()
        .map(|f| {
            (
                f.header.old_path.as_ref().map(|p| p.display()),
                f.header.new_path.as_ref().map(|p| p.display()),
                f.header.kind,
                f.header.binary,
                f.added.len(),
            )
        })
        .collect();
    let s = |x: &str| Some(x.to_string());
    assert_eq!(
        summary,
        vec![
            (None, s("img.png"), FileKind::Added, true, 0),
            (s("gone.py"), None, FileKind::Deleted, false, 0),
            (None, s("new.py"), FileKind::Added, false, 1),
            (
                s("old name.py"),
                s("new name.py"),
                FileKind::Renamed,
                false,
                1
            ),
            (s("src.py"), s("copy.py"), FileKind::Copied, false, 0),
            (s("mode.sh"), s("mode.sh"), FileKind::Modified, false, 0),
        ]
    );
}

#[test]
fn c_quoted_paths_are_unquoted() {
    let diff = b"diff --git \"a/dir/na\\tme.py\" \"b/dir/na\\tme.py\"
--- \"a/dir/na\\tme.py\"
+++ \"b/dir/na\\tme.py\"
@@ -0,0 +1 @@
+x
diff --git \"a/caf\\303\\251.bin\" \"b/caf\\303\\251.bin\"
index 1111111..2222222 100644
Binary files \"a/caf\\303\\251.bin\" and \"b/caf\\303\\251.bin\" differ
";
    let files = parse_patch(diff).unwrap();
    assert_eq!(files[0].path().as_bytes(), b"dir/na\tme.py");
    assert_eq!(files[1].path().display(), "café.bin");
    assert!(files[1].header.binary);
}

#[test]
fn bytes_that_are_not_utf8_pass_through() {
    let diff = b"diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -0,0 +1 @@\n+s = '\xff\xfe ALTER TABLE'\n";
    assert_eq!(
        added(diff),
        vec![("m.py".into(), 1, b"s = '\xff\xfe ALTER TABLE'".to_vec())]
    );
}

#[test]
fn a_trailing_tab_after_a_path_with_spaces_is_dropped() {
    let diff = b"diff --git a/a b.py b/a b.py\n--- a/a b.py\t\n+++ b/a b.py\t\n@@ -0,0 +1 @@\n+x\n";
    assert_eq!(added(diff), vec![("a b.py".into(), 1, b"x".to_vec())]);
}

#[test]
fn a_trailing_tab_after_a_quoted_path_with_a_space_is_dropped() {
    // A name with a space and a tab: git quotes it and appends the tab.
    let diff = b"diff --git \"a/m/0002 a\\tb.sql\" \"b/m/0002 a\\tb.sql\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/m/0002 a\\tb.sql\"\t\n@@ -0,0 +1 @@\n+CREATE TABLE b (id INTEGER);\n";
    assert_eq!(
        added(diff),
        vec![(
            "m/0002 a\tb.sql".into(),
            1,
            b"CREATE TABLE b (id INTEGER);".to_vec()
        )]
    );
}

#[test]
fn an_empty_diff_has_no_files() {
    assert_eq!(parse_patch(b"").unwrap(), vec![]);
}

#[test]
fn malformed_diffs_are_errors_with_a_line_number() {
    let cases: [(&[u8], u64); 5] = [
        // A hunk cut short.
        (
            b"diff --git a/m b/m\n--- a/m\n+++ b/m\n@@ -1,2 +1,2 @@\n a\n",
            5,
        ),
        // More lines than the hunk header promised.
        (
            b"diff --git a/m b/m\n--- a/m\n+++ b/m\n@@ -1 +1 @@\n a\n+b\n",
            6,
        ),
        // A hunk header before any file.
        (b"@@ -1 +1 @@\n", 1),
        // Garbage among headers.
        (b"diff --git a/m b/m\nwhat is this\n", 2),
        // A malformed hunk header.
        (b"diff --git a/m b/m\n--- a/m\n+++ b/m\n@@ -x +1 @@\n", 4),
    ];
    for (diff, line) in cases {
        let error = parse_patch(diff).unwrap_err();
        assert_eq!(error.line, line, "{error}");
    }
}

#[test]
fn a_counting_collector_keeps_headers_and_counts_but_no_lines() {
    use parity_core::diff::{feed, FileCollector};
    let diff = b"diff --git a/m.py b/m.py
--- a/m.py
+++ b/m.py
@@ -1,1 +1,3 @@
 context
+one
+two
";
    let mut counting = FileCollector::counting();
    feed(diff, &mut counting).unwrap();
    let files = counting.into_files();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].path().display(), "m.py");
    assert_eq!(files[0].added.len(), 2);
    assert!(!files[0].added.is_empty() && !files[0].added.is_kept());
    let kept = parse_patch(diff).unwrap();
    assert!(kept[0].added.is_kept() && kept[0].added.len() == 2);
}

#[test]
#[should_panic(expected = "only counted")]
fn counted_lines_cannot_be_read_as_if_there_were_none() {
    use parity_core::diff::{feed, FileCollector};
    let diff = b"diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -0,0 +1,1 @@\n+one\n";
    let mut counting = FileCollector::counting();
    feed(diff, &mut counting).unwrap();
    let _ = counting.into_files()[0].added.iter().count();
}
