//! Line ends as Python reads them: LF, CRLF and a lone CR all end a line,
//! while git (and so the diff and the report's line numbers) ends a line at
//! LF only. A comment can never hide the code that follows a lone CR on the
//! same git line, in the lexer's reading or in the plain one.

use parity_core::report::Reason;
use parity_core::rules::{Classifier, MIGRATIONS};
use parity_core::{check, check_with_sources, parse_patch, Change, Report, Rules, Sources};
use pretty_assertions::assert_eq;
use proptest::prelude::*;

/// What a logical (Python) line is, for the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Comment,
    Blank,
    Ddl,
    Entry,
    Data,
}

fn text(kind: Kind, n: usize) -> String {
    match kind {
        Kind::Comment => format!("# ALTER TABLE t ADD COLUMN c{n} (\"x\", _migrate_x),"),
        Kind::Blank => "   ".into(),
        Kind::Ddl => format!("cursor.execute(\"ALTER TABLE t ADD COLUMN c{n} TEXT\")"),
        Kind::Entry => format!("MIGRATIONS.append((\"m{n}\", _migrate_m{n}))"),
        Kind::Data => format!("cursor.execute(\"UPDATE t SET c{n} = 1\")"),
    }
}

/// `migrations.py` added whole: the diff git would give (lines end at LF),
/// and the file's bytes.
fn added_file(source: &[u8]) -> Change {
    let lines: Vec<&[u8]> = source
        .strip_suffix(b"\n")
        .unwrap_or(source)
        .split(|&b| b == b'\n')
        .collect();
    let mut diff = format!(
        "diff --git a/{MIGRATIONS} b/{MIGRATIONS}\nnew file mode 100644\n--- /dev/null\n+++ b/{MIGRATIONS}\n@@ -0,0 +1,{} @@\n",
        lines.len()
    )
    .into_bytes();
    for line in lines {
        diff.push(b'+');
        diff.extend_from_slice(line);
        diff.push(b'\n');
    }
    Change {
        files: parse_patch(&diff).unwrap(),
        statuses: vec![],
    }
}

/// (git line number, is an entry line, is a DDL line) of a report.
fn lines_of(report: &Report) -> (Vec<u32>, Vec<u32>) {
    (
        report.entries.iter().map(|e| e.line).collect(),
        report.evidence.iter().map(|e| e.line).collect(),
    )
}

fn judge(source: &[u8], rules: &Rules) -> Report {
    let change = added_file(source);
    let sources: Sources = [(MIGRATIONS, source.to_vec())].into_iter().collect();
    check_with_sources(&change, rules, &sources)
}

#[test]
fn a_comment_never_hides_code_after_a_lone_cr() {
    let source = b"# note\r    cursor.execute(\"ALTER TABLE t ADD COLUMN c TEXT\")\n\
x = 1  # trailing\rMIGRATIONS.append((\"m\", _migrate_m))\n";
    let report = judge(source, &Rules::default());
    assert_eq!(lines_of(&report), (vec![2], vec![1]));
    assert_eq!(report.reason, Reason::MissingRevision);
    assert!(
        report.notes.is_empty(),
        "lexed, not a fallback: {:?}",
        report.notes
    );
    // The plain reading (no lexer) does not hide it either.
    let plain = check(&added_file(source), &Rules::default());
    assert_eq!(lines_of(&plain), (vec![2], vec![1]));
}

#[test]
fn a_lone_cr_ends_a_single_quoted_string_as_python_does() {
    // Python: the literal is unterminated at the CR, so the file cannot be
    // lexed; the guard says so and reads it by the plain rules.
    let source = b"x = \"ALTER TABLE\r\"\n";
    let report = judge(source, &Rules::default());
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("could not be lexed")),
        "{:?}",
        report.notes
    );
}

#[test]
fn a_docstring_closed_across_a_lone_cr_is_still_a_docstring() {
    let source = b"\"\"\"ALTER TABLE t ADD COLUMN c\r still the docstring\"\"\"\rx = 1\n";
    let report = judge(source, &Rules::default());
    assert_eq!(lines_of(&report), (vec![], vec![]), "{report:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Logical lines joined by any mix of LF, CRLF and lone CR: a git line is
    /// an entry (or DDL) line exactly when one of its logical lines is.
    #[test]
    fn any_mix_of_line_ends_reads_as_python_does(
        parts in proptest::collection::vec(
            (prop_oneof![
                Just(Kind::Comment), Just(Kind::Blank), Just(Kind::Ddl),
                Just(Kind::Entry), Just(Kind::Data)
            ], 0..3usize),
            1..24,
        ),
        lexer in any::<bool>(),
    ) {
        let mut source = String::new();
        let (mut entries, mut ddl) = (Vec::new(), Vec::new());
        let mut git_line = 1u32;
        for (i, (kind, end)) in parts.iter().enumerate() {
            source.push_str(&text(*kind, i));
            if *kind == Kind::Entry && entries.last() != Some(&git_line) {
                entries.push(git_line);
            }
            // An entry line also runs `_migrate_`; only DDL lines are evidence.
            if *kind == Kind::Ddl && ddl.last() != Some(&git_line) {
                ddl.push(git_line);
            }
            source.push_str(["\n", "\r\n", "\r"][*end]);
            if *end != 2 {
                git_line += 1;
            }
        }
        source.push('\n');
        let mut rules = Rules::default();
        if !lexer {
            for watched in &mut rules.watched {
                watched.classifier = Classifier::Plain;
            }
        }
        let report = judge(source.as_bytes(), &rules);
        prop_assert_eq!(lines_of(&report), (entries, ddl));
    }
}
