//! `parity.toml`: the example layouts, the second layout's decisions as
//! bytes, and a precise error for every kind of bad file.

use parity_core::report::Reason;
use parity_core::{check, parse_name_status, parse_patch, Change, Rules};
use parity_formats::config::{parse, Config};
use pretty_assertions::assert_eq;

/// A layout of `testdata/configs/`, compiled in (the core's tests, like the
/// core, read no file).
fn config_text(name: &str) -> String {
    match name {
        "spec-layout.toml" => include_str!("../../../../testdata/configs/spec-layout.toml"),
        "sqlite-postgres.toml" => include_str!("../../../../testdata/configs/sqlite-postgres.toml"),
        other => panic!("no layout {other} is compiled into the tests"),
    }
    .to_string()
}

fn rules(name: &str) -> Rules {
    parse(&config_text(name)).unwrap().rules().unwrap()
}

#[test]
fn the_spec_layout_file_is_the_spec_layout() {
    assert_eq!(
        parse(&config_text("spec-layout.toml")),
        Ok(Config::spec_layout())
    );
}

/// A change with whole new files (every line added) and modified files.
fn change(new_files: &[(&str, &str)], other_statuses: &str) -> Change {
    let mut patch = String::new();
    let mut statuses = String::new();
    for (path, text) in new_files {
        let count = text.lines().count();
        patch.push_str(&format!(
            "diff --git a/{path} b/{path}\nnew file mode 100644\nindex 0000000..1111111\n--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{count} @@\n"
        ));
        for line in text.lines() {
            patch.push_str(&format!("+{line}\n"));
        }
        statuses.push_str(&format!("A\0{path}\0"));
    }
    statuses.push_str(&other_statuses.replace('|', "\0"));
    Change {
        files: parse_patch(patch.as_bytes()).unwrap(),
        statuses: parse_name_status(statuses.as_bytes()).unwrap(),
    }
}

const SQLITE_DDL: &str = "-- add a notes column\nALTER TABLE agents ADD COLUMN notes TEXT;\n";
const POSTGRES_DDL: &str = "ALTER TABLE agents ADD COLUMN notes TEXT;\n";

#[test]
fn sql_files_layout_a_new_sqlite_file_with_ddl_needs_a_postgres_file() {
    let rules = rules("sqlite-postgres.toml");
    let report = check(
        &change(&[("migrations/sqlite/0002_notes.sql", SQLITE_DDL)], ""),
        &rules,
    );
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(report.entries.len(), 1);
    assert_eq!(report.entries[0].name, "0002_notes");
    assert_eq!(
        report.entries[0].path.display(),
        "migrations/sqlite/0002_notes.sql"
    );
    assert_eq!(
        report
            .evidence
            .iter()
            .map(|e| (e.line, e.pattern))
            .collect::<Vec<_>>(),
        vec![(2, "ALTER TABLE")],
        "one evidence per line: the first pattern it matches"
    );
    assert_eq!(report.revision_dir, "migrations/postgres/");

    let report = check(
        &change(
            &[
                ("migrations/sqlite/0002_notes.sql", SQLITE_DDL),
                ("migrations/postgres/0002_notes.sql", POSTGRES_DDL),
            ],
            "",
        ),
        &rules,
    );
    assert_eq!(report.reason, Reason::BothTracks);
}

#[test]
fn sql_files_layout_comments_and_data_only_files_pass() {
    let rules = rules("sqlite-postgres.toml");
    let commented = "/* Once this would have been\n   ALTER TABLE agents ADD COLUMN notes TEXT;\n*/\n-- DROP TABLE agents;\nSELECT 1;\n";
    let data = "UPDATE agents SET name = 'CREATE TABLE' WHERE name IS NULL;\nINSERT INTO agents (name) VALUES ('x');\n";
    for text in [commented, data] {
        let report = check(
            &change(&[("migrations/sqlite/0002_x.sql", text)], ""),
            &rules,
        );
        assert_eq!(report.entries.len(), 1, "{text}");
        assert!(report.evidence.is_empty(), "{text}");
        assert_eq!(report.reason, Reason::DataOnly, "{text}");
    }
}

#[test]
fn sql_files_layout_only_added_files_in_the_directory_are_entries() {
    let rules = rules("sqlite-postgres.toml");
    // A file with another ending is no entry, and a modified file is none either.
    let report = check(
        &change(
            &[("migrations/sqlite/README.md", "ALTER TABLE x\n")],
            "M|migrations/sqlite/0001_init.sql|",
        ),
        &rules,
    );
    assert_eq!(report.entries, vec![]);
    assert_eq!(report.reason, Reason::NoEntry);
    // A file in a subdirectory is one, as a revision in a subdirectory is.
    let report = check(
        &change(&[("migrations/sqlite/2026/0003.sql", SQLITE_DDL)], ""),
        &rules,
    );
    assert_eq!(report.entries.len(), 1);
    assert_eq!(report.reason, Reason::MissingRevision);
}

/// Asserts the exact one-line error for a bad configuration.
fn assert_error(text: &str, expected: &str) {
    let error = parse(text).map(|_| ()).unwrap_err().to_string();
    assert_eq!(error, expected, "for:\n{text}");
    assert_eq!(error.lines().count(), 1);
}

const ENTRY: &str = "[entry]\nkind = \"line\"\nfile = \"m.py\"\npattern = \"x\"\n";
const REVISIONS: &str = "[revisions]\ndir = \"v/\"\n";

#[test]
fn an_unknown_key_is_named_with_its_table_and_line() {
    assert_error(
        &format!("watch = []\n{ENTRY}{REVISIONS}sufix = \".py\"\n"),
        "line 8, column 1: key `revisions.sufix`: unknown field `sufix`, expected one of `dir`, `suffix`, `exclude`, `globs`, `name_from`, `name_pattern`, `hint`, `by_name`, `alembic`",
    );
    assert_error(
        &format!("[[watch]]\npath = \"a.py\"\nset = \"sql\"\ncomments = \"hash\"\npatern = \"x\"\n{ENTRY}{REVISIONS}"),
        "line 5, column 1: key `watch[0].patern`: unknown field `patern`, expected one of `path`, `glob`, `set`, `patterns`, `comments`, `classifier`",
    );
    assert_error(
        &format!("watch = []\nentries = 1\n{ENTRY}{REVISIONS}"),
        "line 2, column 1: key `entries`: unknown field `entries`, expected one of `tracks`, `watch`, `entry`, `revisions`, `counterparts`, `strict`",
    );
}

#[test]
fn a_missing_field_is_named() {
    assert_error(
        &format!("watch = []\n{ENTRY}"),
        "line 1, column 1: key `revisions`: missing field `revisions`",
    );
    // `comments` defaults from the ending; an ending that says nothing needs it.
    assert_error(
        &format!("[[watch]]\npath = \"a.txt\"\nset = \"sql\"\n{ENTRY}{REVISIONS}"),
        "key `watch[0].comments`: missing field `comments`: the ending of \"a.txt\" does not say (`.sql` would be \"sql\", `.py` \"hash\"); give \"sql\", \"hash\" or \"none\"",
    );
    assert_error(
        &format!("[[watch]]\nset = \"sql\"\ncomments = \"hash\"\n{ENTRY}{REVISIONS}"),
        "key `watch[0]`: missing `path` or `glob`: which file does this table watch?",
    );
    assert_error(
        &format!("[[watch]]\npath = \"a.sql\"\ncomments = \"sql\"\n{ENTRY}{REVISIONS}"),
        "key `watch[0]`: missing `set` or `patterns`: which lines are DDL in this file?",
    );
    assert_error(
        &format!("watch = []\n[entry]\nkind = \"new-file\"\nsuffix = \".sql\"\n{REVISIONS}"),
        "line 3, column 8: key `entry.dir`: missing field: an entry of kind \"new-file\" needs it",
    );
    assert_error(
        &format!("watch = []\n[entry]\nkind = \"line\"\nfile = \"m.py\"\n{REVISIONS}"),
        "line 3, column 8: key `entry.pattern`: missing field: an entry of kind \"line\" needs it",
    );
}

#[test]
fn keys_of_the_other_entry_kind_are_refused() {
    assert_error(
        &format!("watch = []\n{ENTRY}dir = \"m/\"\n{REVISIONS}"),
        "line 3, column 8: key `entry.dir`: not a key of an entry of kind \"line\"",
    );
}

#[test]
fn a_bad_value_is_named_with_what_would_do() {
    assert_error(
        &format!(
            "[[watch]]\npath = \"a.py\"\nset = \"ddl\"\ncomments = \"hash\"\n{ENTRY}{REVISIONS}"
        ),
        "line 3, column 7: key `watch[0].set`: unknown variant `ddl`, expected `sql` or `metadata`",
    );
    assert_error(
        &format!("[[watch]]\npath = \"a.py\"\nset = \"sql\"\ncomments = \"c\"\n{ENTRY}{REVISIONS}"),
        "line 4, column 12: key `watch[0].comments`: unknown variant `c`, expected one of `none`, `hash`, `sql`",
    );
    assert_error(
        &format!("watch = []\n[entry]\nkind = \"each-file\"\n{REVISIONS}"),
        "line 3, column 8: key `entry.kind`: unknown variant `each-file`, expected `line` or `new-file`",
    );
    assert_error(
        &format!("watch = []\n{ENTRY}[revisions]\ndir = 3\n"),
        "line 7, column 7: key `revisions.dir`: invalid type: integer `3`, expected a string",
    );
    assert_error(
        &format!("[[watch]]\npath = \"a\"\nglob = \"b\"\nset = \"sql\"\ncomments = \"sql\"\n{ENTRY}{REVISIONS}"),
        "key `watch[0]`: give either `path` or `glob`, not both",
    );
}

#[test]
fn an_invalid_regular_expression_gives_its_position() {
    assert_error(
        &format!("watch = []\n[entry]\nkind = \"line\"\nfile = \"m.py\"\npattern = '\\(\\s*(\"[a-z]+\"'\n{REVISIONS}"),
        "line 5, column 11: key `entry.pattern`: invalid regular expression \"\\\\(\\\\s*(\\\"[a-z]+\\\"\": unclosed group at character 6 of the pattern",
    );
    assert_error(
        &format!("[[watch]]\npath = \"a.sql\"\ncomments = \"sql\"\npatterns = [\n  '(?i)\\bCREATE\\s+VIEW\\b',\n  'CREATE [z-a]',\n]\n{ENTRY}{REVISIONS}"),
        "line 6, column 3: key `watch[0].patterns[1]`: invalid regular expression \"CREATE [z-a]\": invalid character class range, the start must be <= the end at character 9 of the pattern",
    );
}

#[test]
fn an_invalid_glob_or_toml_says_what_is_wrong() {
    assert_error(
        &format!("[[watch]]\nglob = \"db/[ab.sql\"\nset = \"sql\"\ncomments = \"sql\"\n{ENTRY}{REVISIONS}"),
        "line 2, column 8: key `watch[0].glob`: invalid glob \"db/[ab.sql\": unclosed character class; missing ']'",
    );
    assert_error(
        "watch = [\n",
        "line 1, column 10: unclosed array, expected `]`",
    );
}

#[test]
fn user_patterns_join_a_builtin_set() {
    let text = format!(
        "[[watch]]\npath = \"a.sql\"\nset = \"sql\"\npatterns = ['(?i)\\bCREATE\\s+VIEW\\b']\ncomments = \"sql\"\n{ENTRY}{REVISIONS}"
    );
    let rules = parse(&text).unwrap().rules().unwrap();
    let patterns = &rules.watched[0].patterns;
    assert_eq!(patterns.name, "sql+patterns");
    let matched = |line: &str| {
        patterns
            .first_match(line.as_bytes())
            .map(|p| p.name.clone())
    };
    assert_eq!(
        matched("create view v as select 1").as_deref(),
        Some(r"(?i)\bCREATE\s+VIEW\b")
    );
    assert_eq!(matched("ALTER TABLE t").as_deref(), Some("ALTER TABLE"));
    assert_eq!(matched("SELECT 1"), None);
}

#[test]
fn strict_is_off_unless_the_file_says_so() {
    let lenient = format!("watch = []\n{ENTRY}{REVISIONS}");
    assert!(!parse(&lenient).unwrap().rules().unwrap().strict);
    let strict = format!("strict = true\nwatch = []\n{ENTRY}{REVISIONS}");
    let config = parse(&strict).unwrap();
    assert!(config.rules().unwrap().strict);
    assert_eq!(parse(&config.to_toml()), Ok(config.clone()));
    assert!(config.to_toml().contains("strict = true\n"));
}

#[test]
fn tracks_name_the_two_tracks_in_the_reports() {
    let named = parse(&format!(
        "[tracks]\nfirst = \"MySQL\"\nsecond = \"Flyway\"\n[[watch]]\npath = \"m.py\"\nset = \"sql\"\ncomments = \"hash\"\n{ENTRY}{REVISIONS}"
    ))
    .unwrap()
    .rules()
    .unwrap();
    assert_eq!(named.tracks.first, "MySQL");
    assert_eq!(named.tracks.second, "Flyway");
    let unnamed = parse(&format!(
        "[[watch]]\npath = \"m.py\"\nset = \"sql\"\ncomments = \"hash\"\n{ENTRY}{REVISIONS}"
    ))
    .unwrap()
    .rules()
    .unwrap();
    assert_eq!(unnamed.tracks.first, "first-track");
    assert_error(
        &format!("[tracks]\nfirst = \"a\"\n{ENTRY}{REVISIONS}"),
        "line 1, column 1: key `tracks.second`: missing field `second`",
    );
}

#[test]
fn the_revision_track_lies_under_its_dir_its_globs_literal_part_or_its_paths_folder() {
    let with = |revisions: &str| {
        let text = config_text("sqlite-postgres.toml");
        let start = text.find("[revisions]").unwrap();
        let end = text[start + 1..]
            .find("\n[")
            .map_or(text.len(), |i| start + 1 + i);
        let text = format!(
            "{}[revisions]\n{revisions}\n{}",
            &text[..start],
            &text[end..]
        );
        let rules = parse(&text).unwrap().rules().unwrap();
        rules
            .revisions
            .directories()
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        with("dir = \"migrations/postgres/\"\nsuffix = \".sql\""),
        ["migrations/postgres/"]
    );
    assert_eq!(
        with("globs = [\"migrations/postgresql/*/up.sql\", \"pg/**/x.sql\"]"),
        ["migrations/postgresql", "pg"]
    );
    assert_eq!(with("globs = [\"**/versions/*.py\"]"), [""]);
}
