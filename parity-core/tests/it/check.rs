//! The rules of README's "The rules", and the shapes of real history that
//! they must get right (a table added, a column added, a runner refactor, a
//! data-only migration, a comment), fed to the core as bytes.

use parity_core::report::Reason;
use parity_core::rules::{MIGRATIONS, REVISIONS, SCHEMA, TABLES};
use parity_core::{check, parse_name_status, parse_patch, Change, Rules, Verdict};
use pretty_assertions::assert_eq;

/// A diff in which each file gains `lines` after its first line, as git
/// prints it: hunk header, one context line, the added lines.
fn patch(files: &[(&str, &[&str])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (path, lines) in files {
        out.extend_from_slice(
            format!(
                "diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n@@ -1,1 +1,{} @@\n context\n",
                lines.len() + 1
            )
            .as_bytes(),
        );
        for line in *lines {
            out.push(b'+');
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

fn change(files: &[(&str, &[&str])], name_status: &str) -> Change {
    Change {
        files: parse_patch(&patch(files)).unwrap(),
        statuses: parse_name_status(name_status.replace('|', "\0").as_bytes()).unwrap(),
    }
}

fn judge(files: &[(&str, &[&str])], name_status: &str) -> parity_core::Report {
    check(&change(files, name_status), &Rules::default())
}

fn revision(name: &str) -> String {
    format!("A|{REVISIONS}{name}|")
}

const ENTRY: &str = r#"    ("add_notes", _migrate_add_notes),"#;

#[test]
fn a_table_added_without_a_revision_fails() {
    let report = judge(
        &[
            (
                MIGRATIONS,
                &[
                    "def _migrate_notes_tables(cursor, conn):",
                    "    cursor.execute(\"\"\"CREATE TABLE notes (",
                    "        id INTEGER PRIMARY KEY,",
                    "        body TEXT NOT NULL)\"\"\")",
                    "    cursor.execute(\"CREATE INDEX idx_notes_body ON notes(body)\")",
                    r#"    ("notes_tables", _migrate_notes_tables),"#,
                ],
            ),
            (
                SCHEMA,
                &[
                    "CREATE TABLE IF NOT EXISTS notes (",
                    "    id INTEGER PRIMARY KEY,",
                ],
            ),
            (
                TABLES,
                &[
                    "notes = Table(\"notes\", metadata,",
                    "    Column(\"id\", Integer, primary_key=True),",
                ],
            ),
        ],
        "M|src/backend/db/migrations.py|M|src/backend/db/schema.py|M|src/backend/db/tables.py|",
    );
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(report.verdict(), Verdict::Fail);
    assert_eq!(report.verdict().exit_code(), 1);
    assert_eq!(report.entries.len(), 1);
    assert_eq!(report.entries[0].name, "notes_tables");
    assert_eq!(report.entries[0].line, 7);
    let evidence: Vec<_> = report
        .evidence
        .iter()
        .map(|e| (e.path.display(), e.line, e.pattern))
        .collect();
    assert_eq!(
        evidence,
        vec![
            (MIGRATIONS.to_string(), 3, "CREATE TABLE"),
            (MIGRATIONS.to_string(), 6, "CREATE INDEX"),
            (SCHEMA.to_string(), 2, "CREATE TABLE"),
            (TABLES.to_string(), 2, "Table("),
            (TABLES.to_string(), 3, "Column("),
        ]
    );
}

fn add_column(revisions: &str) -> parity_core::Report {
    judge(
        &[
            (
                MIGRATIONS,
                &[
                    "def _migrate_add_notes(cursor, conn):",
                    "    cursor.execute(\"ALTER TABLE agents ADD COLUMN notes TEXT\")",
                    ENTRY,
                ],
            ),
            (SCHEMA, &["    notes TEXT,"]),
            (TABLES, &["    Column(\"notes\", Text),"]),
        ],
        &format!("M|{MIGRATIONS}|M|{SCHEMA}|M|{TABLES}|{revisions}"),
    )
}

#[test]
fn a_column_added_with_a_revision_passes_and_without_fails() {
    let with = add_column(&revision("0042_add_notes.py"));
    assert_eq!(with.reason, Reason::BothTracks);
    assert_eq!(with.verdict(), Verdict::Pass);
    assert_eq!(with.revisions.len(), 1);
    assert_eq!(
        with.revisions[0].path.display(),
        format!("{REVISIONS}0042_add_notes.py")
    );

    let without = add_column("");
    assert_eq!(without.reason, Reason::MissingRevision);
    // `notes TEXT,` inside the CREATE TABLE string is not DDL by itself;
    // the ALTER TABLE and the Column( are.
    let lines: Vec<_> = without
        .evidence
        .iter()
        .map(|e| (e.line, e.pattern))
        .collect();
    assert_eq!(lines, vec![(3, "ALTER TABLE"), (2, "Column(")]);
}

#[test]
fn a_runner_refactor_that_rebuilds_tables_without_an_entry_passes() {
    let report = judge(
        &[(
            MIGRATIONS,
            &[
                "def _atomic_rebuild(cursor, table, ddl):",
                "    cursor.execute(\"CREATE TABLE agents_new (id INTEGER PRIMARY KEY)\")",
                "    cursor.execute(\"INSERT INTO agents_new SELECT * FROM agents\")",
                "    cursor.execute(\"DROP TABLE agents\")",
                "    cursor.execute(\"ALTER TABLE agents_new RENAME TO agents\")",
                "    cursor.execute(\"CREATE INDEX IF NOT EXISTS idx_a ON agents(id)\")",
            ],
        )],
        &format!("M|{MIGRATIONS}|"),
    );
    assert_eq!(report.reason, Reason::NoEntry);
    assert_eq!(report.verdict(), Verdict::Pass);
    assert_eq!(report.evidence.len(), 4);
}

#[test]
fn a_data_only_migration_passes() {
    let report = judge(
        &[(
            MIGRATIONS,
            &[
                "def _migrate_backfill(cursor, conn):",
                "    cursor.execute(\"UPDATE agents SET created_at = updated_at WHERE created_at IS NULL\")",
                "    cursor.execute(\"DELETE FROM sessions WHERE expired = 1\")",
                "    cursor.execute(\"INSERT INTO settings (k, v) VALUES ('renamed_to', 'x')\")",
                r#"    ('backfill', _migrate_backfill),"#,
            ],
        )],
        &format!("M|{MIGRATIONS}|"),
    );
    assert_eq!(report.reason, Reason::DataOnly);
    assert_eq!(report.verdict(), Verdict::Pass);
    assert_eq!(report.entries.len(), 1);
}

#[test]
fn a_comment_that_mentions_alter_table_passes() {
    let report = judge(
        &[(
            MIGRATIONS,
            &[
                "def _migrate_backfill(cursor, conn):",
                "    # we used to ALTER TABLE agents ADD COLUMN here",
                "    cursor.execute(\"UPDATE agents SET x = 1\")",
                ENTRY,
            ],
        )],
        &format!("M|{MIGRATIONS}|"),
    );
    assert_eq!(report.reason, Reason::DataOnly);
}

#[test]
fn a_commented_out_entry_is_no_entry() {
    let report = judge(
        &[(
            MIGRATIONS,
            &[
                "    # (\"add_notes\", _migrate_add_notes),",
                "ALTER TABLE x",
            ],
        )],
        "",
    );
    assert_eq!(report.reason, Reason::NoEntry);
}

#[test]
fn a_data_only_entry_plus_a_column_in_tables_py_fails() {
    let report = judge(
        &[
            (
                MIGRATIONS,
                &[
                    "def _migrate_x(c, k):",
                    "    c.execute(\"UPDATE t SET a = 1\")",
                    ENTRY,
                ],
            ),
            (TABLES, &["    sa.Column(\"notes\", Text),"]),
        ],
        "",
    );
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(report.evidence.len(), 1);
    assert_eq!(report.evidence.first().unwrap().path.display(), TABLES);
}

#[test]
fn ddl_in_an_unwatched_file_is_not_evidence() {
    let report = judge(
        &[
            (MIGRATIONS, &[ENTRY]),
            ("src/backend/db/other.py", &["ALTER TABLE t ADD COLUMN c"]),
            ("docs/schema.md", &["CREATE TABLE t"]),
        ],
        "",
    );
    assert_eq!(report.reason, Reason::DataOnly);
}

#[test]
fn an_entry_outside_migrations_py_is_not_an_entry() {
    let report = judge(&[(SCHEMA, &[ENTRY, "CREATE TABLE t (a)"])], "");
    assert_eq!(report.reason, Reason::NoEntry);
}

#[test]
fn only_added_revisions_count() {
    for name_status in [
        format!("M|{REVISIONS}0001_base.py|"),
        format!("D|{REVISIONS}0001_base.py|"),
        format!("R100|{REVISIONS}0001_a.py|{REVISIONS}0001_b.py|"),
        format!("C100|{REVISIONS}0001_a.py|{REVISIONS}0002_a.py|"),
        revision("__init__.py"),
        revision("README.md"),
        "A|src/backend/migrations/0042_x.py|".to_string(),
    ] {
        let report = add_column(&name_status);
        assert_eq!(report.reason, Reason::MissingRevision, "{name_status}");
    }
}

#[test]
fn a_revision_path_with_spaces_and_non_ascii_counts() {
    let report = add_column(&revision("0042_añadir notas.py"));
    assert_eq!(report.reason, Reason::BothTracks);
}

#[test]
fn removed_lines_never_count() {
    let diff = format!(
        "diff --git a/{MIGRATIONS} b/{MIGRATIONS}\n--- a/{MIGRATIONS}\n+++ b/{MIGRATIONS}\n@@ -1,2 +1,1 @@\n-{ENTRY}\n-ALTER TABLE t ADD COLUMN c\n+x = 1\n"
    );
    let change = Change {
        files: parse_patch(diff.as_bytes()).unwrap(),
        statuses: vec![],
    };
    assert_eq!(check(&change, &Rules::default()).reason, Reason::NoEntry);
}

#[test]
fn a_deleted_watched_file_adds_nothing() {
    let diff = format!(
        "diff --git a/{TABLES} b/{TABLES}\ndeleted file mode 100644\n--- a/{TABLES}\n+++ /dev/null\n@@ -1 +0,0 @@\n-Column(\"x\")\n"
    );
    let mut change = change(&[(MIGRATIONS, &[ENTRY])], "");
    change.files.extend(parse_patch(diff.as_bytes()).unwrap());
    assert_eq!(check(&change, &Rules::default()).reason, Reason::DataOnly);
}

#[test]
fn crlf_and_non_utf8_lines_are_judged_like_any_other() {
    let mut diff = patch(&[(MIGRATIONS, &[])]);
    // Replace the hunk with CRLF lines and a byte that is not UTF-8.
    diff = String::from_utf8(diff)
        .unwrap()
        .replace("+1,1 @@", "+1,3 @@")
        .into_bytes();
    diff.extend_from_slice(b"+    (\"caf\xe9\", _migrate_cafe),\r\n+    cursor.execute(\"ALTER TABLE caf\xe9 ADD COLUMN x\")\r\n");
    let change = Change {
        files: parse_patch(&diff).unwrap(),
        statuses: vec![],
    };
    let report = check(&change, &Rules::default());
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(report.entries[0].name, "caf\u{fffd}");
    assert_eq!(report.evidence.first().unwrap().line, 3);
    assert!(!report.evidence.first().unwrap().text.ends_with('\r'));
}
