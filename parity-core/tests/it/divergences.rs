//! The deliberate divergences from the plain line rules (README, "Deliberate
//! divergences from the plain rules"): each watched Python file is read at
//! HEAD by the lexical classifier, so comments and docstrings never count,
//! while code and other string literals do.

use parity_core::report::Reason;
use parity_core::rules::{Classifier, MIGRATIONS, SCHEMA, TABLES};
use parity_core::{
    check, check_with_sources, parse_patch, Change, PathBytes, Report, Rules, Sources,
};
use pretty_assertions::assert_eq;

/// A diff of `base` -> `head` for one file as a single hunk over the whole
/// file: a longest common subsequence of lines is context, the rest is
/// removed or added.
fn diff(path: &str, base: &str, head: &str) -> String {
    let old: Vec<&str> = base.lines().collect();
    let new: Vec<&str> = head.lines().collect();
    // common[i][j]: the LCS length of old[i..] and new[j..].
    let mut common = vec![vec![0usize; new.len() + 1]; old.len() + 1];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            common[i][j] = if old[i] == new[j] {
                common[i + 1][j + 1] + 1
            } else {
                common[i + 1][j].max(common[i][j + 1])
            };
        }
    }
    let mut out = format!(
        "diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1,{} +1,{} @@\n",
        old.len(),
        new.len()
    );
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            out += &format!(" {}\n", old[i]);
            (i, j) = (i + 1, j + 1);
        } else if j < new.len() && (i == old.len() || common[i][j + 1] >= common[i + 1][j]) {
            out += &format!("+{}\n", new[j]);
            j += 1;
        } else {
            out += &format!("-{}\n", old[i]);
            i += 1;
        }
    }
    out
}

/// A pull request that turns each file's `base` into `head`: the change, and
/// the HEAD contents of every file.
fn pull_request(files: &[(&str, &str, &str)]) -> (Change, Sources) {
    let patch: String = files
        .iter()
        .map(|(path, base, head)| diff(path, base, head))
        .collect();
    let change = Change {
        files: parse_patch(patch.as_bytes()).unwrap(),
        statuses: vec![],
    };
    let sources = files
        .iter()
        .map(|(path, _, head)| (*path, head.as_bytes()))
        .collect();
    (change, sources)
}

/// The report with the classifier, and the one by the plain rules alone.
fn judge_both(files: &[(&str, &str, &str)]) -> (Report, Report) {
    let (change, sources) = pull_request(files);
    let rules = Rules::default();
    (
        check_with_sources(&change, &rules, &sources),
        check(&change, &rules),
    )
}

fn evidence(report: &Report) -> Vec<(String, u32, String)> {
    report
        .evidence
        .iter()
        .map(|e| (e.path.display(), e.line, e.pattern.to_string()))
        .collect()
}

const BASE_MIGRATIONS: &str = "\
\"\"\"SQLite migrations, applied in order.\"\"\"


def _migrate_agents(cursor, conn):
    cursor.execute(\"CREATE TABLE IF NOT EXISTS agents (id INTEGER PRIMARY KEY)\")


MIGRATIONS = [
    (\"agents\", _migrate_agents),
]
";

/// `BASE_MIGRATIONS` with a new migration function and its entry.
fn with_migration(function: &str) -> String {
    BASE_MIGRATIONS
        .replace(
            "\n\nMIGRATIONS = [\n",
            &format!("\n\n{function}\n\n\nMIGRATIONS = [\n"),
        )
        .replace(
            "    (\"agents\", _migrate_agents),\n",
            "    (\"agents\", _migrate_agents),\n    (\"backfill\", _migrate_backfill),\n",
        )
}

#[test]
fn a_docstring_that_mentions_ddl_in_a_data_only_migration_passes() {
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    \"\"\"Backfill after ADD COLUMN x.\"\"\"\n    cursor.execute(\"UPDATE agents SET x = 0 WHERE x IS NULL\")",
    );
    let (lexical, plain) = judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    assert_eq!(lexical.reason, Reason::DataOnly);
    assert!(lexical.evidence.is_empty());
    assert_eq!(lexical.entries.len(), 1);
    assert_eq!(lexical.notes, Vec::<String>::new());
    // The plain rules are fooled: that is the divergence.
    assert_eq!(plain.reason, Reason::MissingRevision);
}

#[test]
fn the_same_words_in_cursor_execute_fail() {
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    \"\"\"Backfill after a column.\"\"\"\n    cursor.execute(\"\"\"\n        ALTER TABLE agents\n        ADD COLUMN x INTEGER\n    \"\"\")",
    );
    let (lexical, plain) = judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    assert_eq!(lexical.reason, Reason::MissingRevision);
    let expected = vec![
        (MIGRATIONS.to_string(), 11, "ALTER TABLE".to_string()),
        (MIGRATIONS.to_string(), 12, "ADD COLUMN".to_string()),
    ];
    assert_eq!(evidence(&lexical), expected);
    assert_eq!(evidence(&plain), expected);
}

#[test]
fn a_multi_line_docstring_never_counts_on_any_of_its_lines() {
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    \"\"\"Fill the column.\n\n    The column came with ALTER TABLE agents\n    ADD COLUMN x; no CREATE INDEX here.\n    \"\"\"\n    cursor.execute(\"UPDATE agents SET x = 0\")",
    );
    let (lexical, plain) = judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    assert_eq!(lexical.reason, Reason::DataOnly);
    assert_eq!(plain.reason, Reason::MissingRevision);
    assert_eq!(evidence(&plain).len(), 2);
}

#[test]
fn a_trailing_comment_after_code_no_longer_counts() {
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    cursor.execute(\"UPDATE agents SET x = 0\")  # needs the ALTER TABLE of 0041",
    );
    let (lexical, plain) = judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    assert_eq!(lexical.reason, Reason::DataOnly);
    assert_eq!(plain.reason, Reason::MissingRevision);
}

#[test]
fn an_entry_inside_a_docstring_is_no_entry() {
    let head = BASE_MIGRATIONS.replace(
        "    cursor.execute(",
        "    \"\"\"Register as\n    (\"agents\", _migrate_agents),\n    \"\"\"\n    cursor.execute(",
    );
    let (lexical, plain) = judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    assert_eq!(lexical.reason, Reason::NoEntry);
    assert_eq!(plain.entries.len(), 1);
}

#[test]
fn sql_in_the_strings_of_schema_py_still_counts() {
    let base = "SCHEMA = \"\"\"\nCREATE TABLE IF NOT EXISTS agents (\n    id INTEGER PRIMARY KEY\n);\n\"\"\"\n";
    let head = base.replace(
        ");\n\"\"\"",
        ");\n\nCREATE TABLE IF NOT EXISTS notes (\n    id INTEGER PRIMARY KEY\n);\n\"\"\"",
    );
    let entry = with_migration("def _migrate_backfill(cursor, conn):\n    pass");
    let (lexical, _) = judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &entry), (SCHEMA, base, &head)]);
    assert_eq!(lexical.reason, Reason::MissingRevision);
    assert_eq!(
        evidence(&lexical),
        vec![(SCHEMA.to_string(), 6, "CREATE TABLE".to_string())]
    );
}

#[test]
fn a_hash_line_inside_a_sql_string_is_string_content_and_counts() {
    let base = "SCHEMA = \"\"\"\nCREATE TABLE agents (id INTEGER);\n\"\"\"\n";
    let head =
        "SCHEMA = \"\"\"\nCREATE TABLE agents (id INTEGER);\n# ALTER TABLE agents ADD COLUMN x\n\"\"\"\n";
    let entry = with_migration("def _migrate_backfill(cursor, conn):\n    pass");
    let (lexical, plain) =
        judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &entry), (SCHEMA, base, head)]);
    assert_eq!(lexical.reason, Reason::MissingRevision);
    assert_eq!(
        evidence(&lexical),
        vec![(SCHEMA.to_string(), 3, "ALTER TABLE".to_string())]
    );
    assert_eq!(plain.reason, Reason::DataOnly);
}

#[test]
fn metadata_in_a_docstring_of_tables_py_does_not_count() {
    let base = "from sqlalchemy import Column, Table\n\nagents = Table(\"agents\", metadata, Column(\"id\", Integer))\n";
    let head = "\"\"\"Tables. Add a Column(\"x\") to Table(\"agents\") with a migration.\"\"\"\nfrom sqlalchemy import Column, Table\n\nagents = Table(\"agents\", metadata, Column(\"id\", Integer))\n";
    let entry = with_migration("def _migrate_backfill(cursor, conn):\n    pass");
    let (lexical, plain) =
        judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &entry), (TABLES, base, head)]);
    assert_eq!(lexical.reason, Reason::DataOnly);
    assert_eq!(plain.reason, Reason::MissingRevision);
}

#[test]
fn an_unlexable_file_falls_back_to_the_plain_rules_with_a_note() {
    // The docstring never closes: Python would not import this file.
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    \"\"\"Backfill after ADD COLUMN x.\n    cursor.execute(\"UPDATE agents SET x = 0\")",
    );
    let (lexical, plain) = judge_both(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    assert_eq!(lexical.reason, Reason::MissingRevision);
    assert_eq!(
        lexical.notes,
        vec![format!(
            "{MIGRATIONS} could not be lexed as Python (an unterminated triple-quoted \
             string starts on line 9), so the plain line rules judged it"
        )]
    );
    assert_eq!(evidence(&lexical), evidence(&plain));
}

#[test]
fn a_file_missing_from_the_sources_falls_back_with_a_note() {
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    \"\"\"Backfill after ADD COLUMN x.\"\"\"",
    );
    let (change, _) = pull_request(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    let report = check_with_sources(&change, &Rules::default(), &Sources::new());
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(
        report.notes,
        vec![format!(
            "{MIGRATIONS} was not available at HEAD, so the plain line rules judged it"
        )]
    );
}

#[test]
fn a_diff_that_does_not_match_the_head_contents_is_judged_plainly_with_a_note() {
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    \"\"\"Backfill after ADD COLUMN x.\"\"\"",
    );
    let (change, _) = pull_request(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    let other = head.replace("Backfill after", "Fill after");
    let sources: Sources = [(MIGRATIONS, other.into_bytes())].into_iter().collect();
    let report = check_with_sources(&change, &Rules::default(), &sources);
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(report.notes.len(), 1);
    assert!(report.notes[0].starts_with(&format!("line 9 of {MIGRATIONS} in the diff differs")));
}

#[test]
fn a_plain_classifier_is_just_another_rules_value() {
    let head = with_migration(
        "def _migrate_backfill(cursor, conn):\n    \"\"\"Backfill after ADD COLUMN x.\"\"\"",
    );
    let (change, sources) = pull_request(&[(MIGRATIONS, BASE_MIGRATIONS, &head)]);
    let mut rules = Rules::default();
    for watched in &mut rules.watched {
        watched.classifier = Classifier::Plain;
    }
    let report = check_with_sources(&change, &rules, &sources);
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(report.notes, Vec::<String>::new());
}

#[test]
fn only_watched_python_files_with_added_lines_are_wanted() {
    let (change, _) = pull_request(&[
        (
            MIGRATIONS,
            BASE_MIGRATIONS,
            &with_migration("def _migrate_backfill(c, k):\n    pass"),
        ),
        (SCHEMA, "a\nb\n", "a\n"),
        ("src/backend/db/other.py", "a\n", "a\nb\n"),
        (TABLES, "a\n", "a\nb\n"),
    ]);
    let wanted: Vec<PathBytes> = change.sources_wanted(&Rules::default());
    assert_eq!(
        wanted,
        vec![PathBytes::from(MIGRATIONS), PathBytes::from(TABLES)]
    );
}
