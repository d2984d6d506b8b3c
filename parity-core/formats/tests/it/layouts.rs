//! Layouts with several migration tracks, as bytes: moves, waivers, globs
//! and excludes (and the errors for ones that can never match), named
//! patterns, comments from the ending, names from folders, counterparts by
//! name, the advice from the rules, and rules that see nothing.

// The templates are directories of files: these tests read them, as the
// binary would, and hand the core only bytes.
#![allow(clippy::disallowed_methods)]
use parity_core::report::CounterpartFound;
use parity_core::rules::CommentSyntax;
use parity_core::{
    check, decide, parse_name_status, parse_patch, Change, Contents, InForce, PairingMode,
    PathBytes, Reason, Rules,
};
use parity_formats::config::{parse, Config};
use parity_formats::report::{github, render_json, render_text, sarif, Colour};
use pretty_assertions::assert_eq;

/// A change of whole new files (every line added), with more name-status
/// entries (`R|from|to|` style, `|` for NUL).
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

fn rules(text: &str) -> Rules {
    parse(text)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
        .rules()
        .unwrap()
}

fn error(text: &str) -> String {
    parse(text).map(|_| ()).unwrap_err().to_string()
}

const DIESEL: &str = r#"
[tracks]
first = "SQLite"
second = "PostgreSQL"

[[watch]]
glob = "migrations/sqlite/*/up.sql"
set = "sql"

[entry]
kind = "new-file"
globs = ["migrations/sqlite/*/up.sql"]

[revisions]
globs = ["migrations/postgresql/*/up.sql"]
by_name = true
hint = "diesel migration generate <name>"
"#;

const DELTA: &str = r#"
[tracks]
first = "SQLite"
second = "PostgreSQL"

[[watch]]
glob = "schema/**/*.sql.sqlite"
set = "sql"

[[watch]]
glob = "schema/**/delta/*/*.py"
set = "sql"
classifier = "python"

[entry]
kind = "new-file"
globs = ["schema/**/*.sql.sqlite", "schema/**/delta/*/*.py"]
exclude = ["**/full_schemas/**"]

[revisions]
globs = ["schema/**/*.sql.postgres", "schema/**/delta/*/*.py", "schema/**/delta/*/*.sql"]
exclude = ["**/full_schemas/**"]
"#;

const ADD_TAGS: &str = "ALTER TABLE notes ADD COLUMN tags TEXT;\n";

#[test]
fn a_moved_or_copied_first_track_file_is_no_new_entry_and_no_revision() {
    let rules = rules(DIESEL);
    let moved = "R100|migrations/2024-01-01-000000_init/up.sql|migrations/sqlite/2024-01-01-000000_init/up.sql|\
                 C100|migrations/2024-01-01-000000_init/up.sql|migrations/postgresql/2024-01-01-000000_init/up.sql|";
    let report = check(&change(&[], moved), &rules);
    assert_eq!(report.entries, vec![]);
    assert_eq!(report.revisions, vec![]);
    assert_eq!(report.reason, Reason::NoEntry);
    // The same paths, added, are an entry and a revision.
    let report = check(
        &change(
            &[
                ("migrations/sqlite/2024-01-01-000000_init/up.sql", ADD_TAGS),
                (
                    "migrations/postgresql/2024-01-01-000000_init/up.sql",
                    ADD_TAGS,
                ),
            ],
            "",
        ),
        &rules,
    );
    assert_eq!(report.reason, Reason::BothTracks);
}

#[test]
fn folder_per_migration_entries_are_named_by_the_folder_without_its_timestamp() {
    let report = check(
        &change(
            &[(
                "migrations/sqlite/2024-01-01-000000_add_users/up.sql",
                ADD_TAGS,
            )],
            "",
        ),
        &rules(DIESEL),
    );
    assert_eq!(report.entries.len(), 1);
    assert_eq!(report.entries[0].name, "add_users");
    // A down.sql is no entry: the glob names up.sql.
    let report = check(
        &change(
            &[(
                "migrations/sqlite/2024-01-01-000000_add_users/down.sql",
                "DROP TABLE users;\n",
            )],
            "",
        ),
        &rules(DIESEL),
    );
    assert_eq!(report.entries, vec![]);
    // A name pattern renames any entry, by its first group.
    let text = DIESEL.replace(
        "globs = [\"migrations/sqlite/*/up.sql\"]",
        "globs = [\"migrations/sqlite/*/up.sql\"]\nname_pattern = '^add_(.+)$'",
    );
    let report = check(
        &change(
            &[(
                "migrations/sqlite/2024-01-01-000000_add_users/up.sql",
                ADD_TAGS,
            )],
            "",
        ),
        &rules(&text),
    );
    assert_eq!(report.entries[0].name, "users");
    // Named by the file, a fixed file name has nothing left.
    let text = DIESEL.replace(
        "globs = [\"migrations/sqlite/*/up.sql\"]",
        "globs = [\"migrations/sqlite/*/up.sql\"]\nname_from = \"file\"",
    );
    let report = check(
        &change(
            &[(
                "migrations/sqlite/2024-01-01-000000_add_users/up.sql",
                ADD_TAGS,
            )],
            "",
        ),
        &rules(&text),
    );
    assert_eq!(report.entries[0].name, "");
}

#[test]
fn glob_alternatives_take_engine_files_and_engine_branching_python_deltas() {
    let rules = rules(DELTA);
    let sqlite_only = check(
        &change(
            &[(
                "schema/main/delta/81/01_fts.sql.sqlite",
                "CREATE TABLE fts (x TEXT);\n",
            )],
            "",
        ),
        &rules,
    );
    assert_eq!(sqlite_only.reason, Reason::MissingRevision);
    assert_eq!(sqlite_only.entries[0].name, "01_fts");
    let paired = check(
        &change(
            &[
                (
                    "schema/main/delta/81/01_fts.sql.sqlite",
                    "CREATE TABLE fts (x TEXT);\n",
                ),
                (
                    "schema/main/delta/81/01_fts.sql.postgres",
                    "CREATE TABLE fts (x TSVECTOR);\n",
                ),
            ],
            "",
        ),
        &rules,
    );
    assert_eq!(paired.reason, Reason::BothTracks);
    // A .py delta that branches on the engine is both tracks at once.
    let python = "def run_create(cur, database_engine):\n    if isinstance(database_engine, Sqlite3Engine):\n        cur.execute(\"ALTER TABLE rooms ADD COLUMN topic TEXT\")\n    else:\n        cur.execute(\"ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT ''\")\n";
    let report = check(
        &change(&[("schema/main/delta/81/02_topic.py", python)], ""),
        &rules,
    );
    assert_eq!(report.entries.len(), 1);
    assert_eq!(report.evidence.len(), 2);
    assert_eq!(report.revisions.len(), 1);
    assert_eq!(report.reason, Reason::BothTracks);
}

#[test]
fn a_path_exclude_really_matches() {
    let report = check(
        &change(
            &[(
                "schema/main/full_schemas/81/full.sql.sqlite",
                "CREATE TABLE rooms (id TEXT);\n",
            )],
            "",
        ),
        &rules(DELTA),
    );
    assert_eq!(report.entries, vec![], "excluded by **/full_schemas/**");
    assert_eq!(report.reason, Reason::NoEntry);
    // A name glob (no `/`) is matched against the file name.
    let text = DIESEL.replace("by_name = true", "by_name = true\nexclude = [\"up.sql\"]");
    let rules = rules(&text);
    let report = check(
        &change(
            &[("migrations/postgresql/2024-01-01-000000_x/up.sql", ADD_TAGS)],
            "",
        ),
        &rules,
    );
    assert_eq!(report.revisions, vec![]);
}

#[test]
fn an_exclude_or_glob_that_can_never_match_is_an_error_naming_its_key() {
    let sql = "[[watch]]\nglob = \"m/**/*.sql\"\nset = \"sql\"\n[entry]\nkind = \"new-file\"\ndir = \"m/sqlite/\"\nsuffix = \".sql\"\n";
    assert_eq!(
        error(&format!("{sql}[revisions]\ndir = \"m/postgres/\"\nsuffix = \".sql\"\nexclude = [\"other/**\"]\n")),
        "line 11, column 12: key `revisions.exclude[0]`: \"other/**\" can never match: it lies outside `dir` \"m/postgres/\""
    );
    assert_eq!(
        error(&format!("{sql}[revisions]\ndir = \"m/postgres/\"\nsuffix = \".sql\"\nexclude = [\"**/*.py\"]\n")),
        "line 11, column 12: key `revisions.exclude[0]`: \"**/*.py\" can never match: a file of `revisions` ends in \".sql\""
    );
    assert_eq!(
        error(&format!("{sql}[revisions]\ndir = \"m/postgres/\"\nsuffix = \".sql\"\nexclude = [\"__init__.py\"]\n")),
        "line 11, column 12: key `revisions.exclude[0]`: \"__init__.py\" can never match: a file of `revisions` ends in \".sql\""
    );
    assert_eq!(
        error(&format!("{sql}[revisions]\nglobs = [\"m/postgres/*.py\"]\nsuffix = \".sql\"\n")),
        "line 9, column 10: key `revisions.globs[0]`: \"m/postgres/*.py\" can never match: its paths end in \".py\", not in `suffix` \".sql\""
    );
    assert_eq!(
        error(&format!("{sql}[revisions]\ndir = \"m/postgres/\"\nglobs = [\"m/mysql/*.sql\"]\n")),
        "line 10, column 10: key `revisions.globs[0]`: \"m/mysql/*.sql\" can never match: it lies outside `dir` \"m/postgres/\""
    );
    assert_eq!(
        error(&format!("{sql}[revisions]\nglobs = [\"m/postgres/*.sql\"]\nexclude = [\"m/mysql/**\"]\n")),
        "line 10, column 12: key `revisions.exclude[0]`: \"m/mysql/**\" can never match: it lies outside every glob of the table"
    );
    assert_eq!(
        error("[[watch]]\nglob = \"m/*.sql\"\nset = \"sql\"\n[entry]\nkind = \"new-file\"\nglobs = [\"m/*.sql\"]\nexclude = [\"x/**\"]\n[revisions]\ndir = \"p/\"\n"),
        "line 7, column 12: key `entry.exclude[0]`: \"x/**\" can never match: it lies outside every glob of the table"
    );
    assert_eq!(
        error(&format!("{sql}[revisions]\nsuffix = \".sql\"\n")),
        "key `revisions.dir`: missing field `dir` (or `globs`): where do revisions go?"
    );
}

#[test]
fn named_patterns_show_their_name_and_comments_follow_the_ending() {
    let text = r#"
[[watch]]
glob = "db/*.sql.postgres"
patterns = [{ name = "hypertable", regex = '(?i)create_hypertable' }, '(?i)\bCREATE\s+VIEW\b']

[[watch]]
path = "db/migrate.py"
set = "sql"

[entry]
kind = "new-file"
dir = "db/"
suffix = ".sql.postgres"

[revisions]
dir = "other/"
"#;
    let config = parse(text).unwrap();
    assert_eq!(
        parse(&config.to_toml()),
        Ok(config.clone()),
        "{}",
        config.to_toml()
    );
    let rules = config.rules().unwrap();
    assert_eq!(rules.watched[0].comments, CommentSyntax::Sql);
    assert_eq!(rules.watched[1].comments, CommentSyntax::Hash);
    let report = check(
        &change(
            &[(
                "db/0002_x.sql.postgres",
                "-- SELECT create_hypertable('a')\nSELECT create_hypertable('metrics', 'time');\ncreate view v as select 1;\n",
            )],
            "",
        ),
        &rules,
    );
    let patterns: Vec<(u32, &str)> = report
        .evidence
        .iter()
        .map(|e| (e.line, e.pattern))
        .collect();
    assert_eq!(
        patterns,
        vec![(2, "hypertable"), (3, r"(?i)\bCREATE\s+VIEW\b")]
    );
    assert_eq!(report.entries[0].name, "0002_x");
    assert!(
        error("[[watch]]\nglob = \"x/*\"\npatterns = [{ nam = \"a\", regex = 'b' }]\n[entry]\nkind = \"new-file\"\ndir = \"x/\"\n[revisions]\ndir = \"y/\"\n")
            .contains("unknown field `nam`"),
    );
}

const WAIVED: &str = "-- parity: sqlite-only SQLite needs the table rebuilt; PostgreSQL alters in place\nALTER TABLE notes ADD COLUMN x TEXT;\n";

#[test]
fn a_waiver_with_its_reason_passes_its_file_and_is_reported_in_every_format() {
    let rules = rules(DIESEL);
    let path = "migrations/sqlite/2024-03-01-000000_x/up.sql";
    let report = check(&change(&[(path, WAIVED)], ""), &rules);
    assert_eq!(report.reason, Reason::Waived);
    assert_eq!(report.waivers.len(), 1);
    assert_eq!(
        report.waivers[0].reason.as_deref(),
        Some("SQLite needs the table rebuilt; PostgreSQL alters in place")
    );
    let text = render_text(&report, Colour::Never);
    assert!(
        text.starts_with(
            "parity: pass — a SQLite schema change without a net-new PostgreSQL revision, waived"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "waivers: 1\n  {path}:1  sqlite-only  SQLite needs"
        )),
        "{text}"
    );
    let json = render_json(&report);
    assert!(json.contains("\"kind\": \"waived\""), "{json}");
    assert!(json.contains("\"marker\": \"sqlite-only\""), "{json}");
    let commands = github::render_commands(&report);
    assert!(
        commands.contains(&format!(
            "::notice file={},line=1,title=parity%3A waiver::waived (sqlite-only): SQLite needs",
            github::escape_property(path)
        )),
        "{commands}"
    );
    assert!(
        commands.contains("::notice title=parity%3A pass::"),
        "{commands}"
    );
    let summary = github::render_summary(&report);
    assert!(summary.contains("### Waivers: 1\n"), "{summary}");
    let log = sarif::render_sarif(&report);
    assert!(
        log.contains("\"ruleId\": \"parity/one-track-waiver\""),
        "{log}"
    );
    assert!(log.contains("\"level\": \"note\""), "{log}");

    // It waives its own file only.
    let other = "migrations/sqlite/2024-03-01-000001_y/up.sql";
    let report = check(&change(&[(path, WAIVED), (other, ADD_TAGS)], ""), &rules);
    assert_eq!(report.reason, Reason::MissingRevision);
}

#[test]
fn a_waiver_without_a_reason_fails_and_every_format_says_so() {
    let rules = rules(DIESEL);
    let path = "migrations/sqlite/2024-03-01-000000_x/up.sql";
    let bare = "-- parity: sqlite-only\nALTER TABLE notes ADD COLUMN x TEXT;\n";
    let report = check(&change(&[(path, bare)], ""), &rules);
    assert_eq!(report.reason, Reason::InvalidWaiver);
    assert_eq!(report.verdict().exit_code(), 1);
    // Even with the counterpart, a marker without a reason is an error.
    let with_revision = check(
        &change(
            &[
                (path, bare),
                ("migrations/postgresql/2024-03-01-000000_x/up.sql", ADD_TAGS),
            ],
            "",
        ),
        &rules,
    );
    assert_eq!(with_revision.reason, Reason::InvalidWaiver);
    let commands = github::render_commands(&report);
    assert!(commands.starts_with("::error file="), "{commands}");
    assert!(
        commands.contains("without a reason waives nothing"),
        "{commands}"
    );
    assert!(sarif::render_sarif(&report).contains("\"level\": \"error\""));
    assert!(render_text(&report, Colour::Never).contains("NO REASON: not a waiver"));
    assert!(github::render_summary(&report).contains("**no reason: not a waiver**"));
}

#[test]
fn the_waiver_marker_is_configurable_and_checked() {
    let text = DIESEL.replace(
        "second = \"PostgreSQL\"",
        "second = \"PostgreSQL\"\nwaiver = \"lite-only\"",
    );
    let rules = rules(&text);
    let path = "migrations/sqlite/2024-03-01-000000_x/up.sql";
    let report = check(
        &change(&[(path, &WAIVED.replace("sqlite-only", "lite-only"))], ""),
        &rules,
    );
    assert_eq!(report.reason, Reason::Waived);
    // The derived marker is no longer one.
    let report = check(&change(&[(path, WAIVED)], ""), &rules);
    assert_eq!(report.reason, Reason::MissingRevision);
    let bad = DIESEL.replace(
        "second = \"PostgreSQL\"",
        "second = \"PostgreSQL\"\nwaiver = \"two words\"",
    );
    assert_eq!(
        error(&bad),
        "line 5, column 10: key `tracks.waiver`: \"two words\" is not a marker word (letters, digits, `-`, `_`, `.`)"
    );
    // A Python delta waives with `#`.
    let python = self::rules(DELTA);
    let delta = "# parity: sqlite-only the FTS table exists on SQLite alone\ndef run_create(cur, database_engine):\n    cur.execute(\"CREATE TABLE fts (x TEXT)\")\n";
    let report = check(
        &change(&[("schema/main/delta/81/03_fts.sql.sqlite", delta)], ""),
        &python,
    );
    assert_eq!(report.reason, Reason::Waived);
}

fn decided(change: &Change, rules: &Rules, head_files: &[&str]) -> parity_core::Report {
    let contents = Contents {
        head_files: head_files.iter().map(|p| PathBytes::from(*p)).collect(),
        ..Contents::default()
    };
    let in_force = InForce {
        rules,
        source: None,
    };
    decide(change, in_force, PairingMode::WhenDecisive, &contents)
}

#[test]
fn a_counterpart_by_name_already_at_head_passes_the_catch_up_and_says_so() {
    let rules = rules(DIESEL);
    let sqlite = "migrations/sqlite/2024-03-02-093000_add_tags/up.sql";
    let postgres = "migrations/postgresql/2024-03-01-000000_add_tags/up.sql";
    let change = change(&[(sqlite, ADD_TAGS)], "");
    let needs = parity_core::needs(&change, &rules, PairingMode::WhenDecisive);
    assert_eq!(
        needs.head_listing,
        vec!["migrations/postgresql".to_string()]
    );
    let report = decided(
        &change,
        &rules,
        &[
            sqlite,
            postgres,
            "migrations/postgresql/2024-03-01-000000_add_tags/down.sql",
        ],
    );
    assert_eq!(report.reason, Reason::CounterpartsAtHead);
    assert_eq!(report.counterparts.len(), 1);
    assert_eq!(report.counterparts[0].found, CounterpartFound::AtHead);
    assert_eq!(
        report.counterparts[0].path.as_ref().map(|p| p.display()),
        Some(postgres.to_string())
    );
    assert!(render_text(&report, Colour::Never)
        .contains(&format!("add_tags  already at HEAD: {postgres}")));
    // Another name at HEAD is no counterpart.
    let report = decided(
        &change,
        &rules,
        &[
            sqlite,
            "migrations/postgresql/2024-03-01-000000_add_topics/up.sql",
        ],
    );
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(report.counterparts[0].found, CounterpartFound::Missing);
    // Without `by_name` nothing is listed and the old rule holds.
    let plain = self::rules(&DIESEL.replace("by_name = true\n", ""));
    assert!(parity_core::needs(&change, &plain, PairingMode::Always)
        .head_listing
        .is_empty());
    assert_eq!(
        decided(&change, &plain, &[postgres]).reason,
        Reason::MissingRevision
    );
}

#[test]
fn the_advice_names_the_tracks_the_shape_and_the_hint_and_alembic_only_for_alembic() {
    let rules = rules(DIESEL);
    let report = check(
        &change(
            &[(
                "migrations/sqlite/2024-03-05-120000_pin_notes/up.sql",
                ADD_TAGS,
            )],
            "",
        ),
        &rules,
    );
    let advice = report.what_to_do();
    assert_eq!(
        advice,
        "add a file matching `migrations/postgresql/*/up.sql` on the PostgreSQL track that makes the same schema change (here: `migrations/postgresql/2024-03-05-120000_pin_notes/up.sql`; `diesel migration generate <name>` makes one), commit it on this branch and push; or, for a deliberate SQLite-only change, say why in a comment of the file: `parity: sqlite-only <reason>`."
    );
    let commands = github::render_commands(&report);
    assert!(commands.contains("changes the SQLite schema, and the range adds no PostgreSQL revision (a file matching `migrations/postgresql/*/up.sql`)"), "{commands}");
    for text in [
        commands,
        sarif::render_sarif(&report),
        github::render_summary(&report),
        render_text(&report, Colour::Never),
    ] {
        assert!(
            !text.contains("lembic")
                && !text.contains("--suggest")
                && !text.contains("first track"),
            "{text}"
        );
    }
    // The defaults keep the Alembic advice, word for word.
    let spec = Rules::default();
    assert!(spec.alembic_advice());
    assert!(Config::spec_layout().rules().unwrap().alembic_advice());
    assert!(!rules.alembic_advice());
}

#[test]
fn rules_that_see_no_file_at_head_say_so() {
    let rules = rules(DELTA);
    let moved_away: Vec<PathBytes> = [
        "synapse/storage/schema/main/delta/80/01_x.sql.sqlite",
        "README.md",
    ]
    .iter()
    .map(|p| PathBytes::from(*p))
    .collect();
    let warnings = rules.unmatched_in(&moved_away);
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert!(
        warnings[0].starts_with(
            "no file at HEAD is watched (`schema/**/*.sql.sqlite`, `schema/**/delta/*/*.py`)"
        ),
        "{}",
        warnings[0]
    );
    let present: Vec<PathBytes> = [
        "schema/main/delta/80/01_x.sql.sqlite",
        "schema/main/delta/80/01_x.sql.postgres",
    ]
    .iter()
    .map(|p| PathBytes::from(*p))
    .collect();
    assert_eq!(rules.unmatched_in(&present), Vec::<String>::new());
}

const ENGINE_NAME: &str = r#"
[tracks]
first = "SQLite"
second = "PostgreSQL"
both_directions = true

[[watch]]
glob = "migrations/*.sqlite.up.sql"
set = "sql"

[entry]
kind = "new-file"
globs = ["migrations/*.sqlite.up.sql", "migrations/*.all.up.sql"]

[revisions]
globs = ["migrations/*.postgres.up.sql", "migrations/*.all.up.sql"]
by_name = true

[[counterparts]]
track = "MySQL"
globs = ["migrations/*.mysql.up.sql", "migrations/*.all.up.sql"]
"#;

#[test]
fn three_tracks_both_ways_the_first_failing_pair_gives_the_report_and_names_its_tracks() {
    let rules = rules(ENGINE_NAME);
    // SQLite -> PostgreSQL, SQLite -> MySQL, and each reversed.
    let pairs: Vec<(String, String)> = rules
        .with_pairings()
        .map(|r| (r.tracks.first.clone(), r.tracks.second.clone()))
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(
        pairs,
        vec![
            pair("SQLite", "PostgreSQL"),
            pair("SQLite", "MySQL"),
            pair("PostgreSQL", "SQLite"),
            pair("MySQL", "SQLite"),
        ]
    );
    let sqlite = ("migrations/20240301_tags.sqlite.up.sql", ADD_TAGS);
    let postgres = ("migrations/20240301_tags.postgres.up.sql", ADD_TAGS);
    let mysql = ("migrations/20240301_tags.mysql.up.sql", ADD_TAGS);

    let report = decided(&change(&[sqlite, postgres], ""), &rules, &[]);
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(
        (report.tracks.first.as_str(), report.tracks.second.as_str()),
        ("SQLite", "MySQL")
    );
    assert_eq!(report.other_pairs.len(), 3);
    let text = render_text(&report, Colour::Never);
    assert!(
        text.starts_with("parity: FAIL — a SQLite schema change without a net-new MySQL revision"),
        "{text}"
    );
    assert!(text.contains("  SQLite -> PostgreSQL: pass — "), "{text}");
    assert!(text.contains("  PostgreSQL -> SQLite: pass — "), "{text}");
    let commands = github::render_commands(&report);
    assert!(
        commands.contains("::notice title=parity%3A SQLite -> PostgreSQL::"),
        "{commands}"
    );
    assert!(
        commands.contains("changes the SQLite schema, and the range adds no MySQL revision"),
        "{commands}"
    );
    assert!(render_json(&report).contains("\"other_pairs\""));

    assert_eq!(
        decided(&change(&[sqlite, postgres, mysql], ""), &rules, &[]).reason,
        Reason::BothTracks
    );

    // A change that starts on the PostgreSQL side needs SQLite.
    let report = decided(&change(&[postgres], ""), &rules, &[]);
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(
        (report.tracks.first.as_str(), report.tracks.second.as_str()),
        ("PostgreSQL", "SQLite")
    );
    assert!(
        report
            .what_to_do()
            .contains("`parity: postgresql-only <reason>`"),
        "{}",
        report.what_to_do()
    );
    // A file for every engine is its own counterpart everywhere.
    let all = ("migrations/20240301_tags.all.up.sql", ADD_TAGS);
    let report = decided(&change(&[all], ""), &rules, &[]);
    assert_eq!(
        report.verdict().exit_code(),
        0,
        "{}",
        render_text(&report, Colour::Never)
    );
    // Only the pairs the file asks for: without both_directions, PostgreSQL alone passes.
    let one_way = self::rules(&ENGINE_NAME.replace("both_directions = true\n", ""));
    assert_eq!(one_way.pairings.len(), 1);
    assert_eq!(
        decided(&change(&[postgres], ""), &one_way, &[]).reason,
        Reason::NoEntry
    );
    // The other direction's DDL is in the diff the binary asks git for.
    let statuses = parse_name_status(b"A\0migrations/20240301_tags.postgres.up.sql\0").unwrap();
    assert_eq!(rules.diff_paths(&statuses).len(), 1);
    assert_eq!(one_way.diff_paths(&statuses).len(), 0);
    assert!(error(&ENGINE_NAME.replace("[entry]\nkind = \"new-file\"\nglobs = [\"migrations/*.sqlite.up.sql\", \"migrations/*.all.up.sql\"]", "[entry]\nkind = \"line\"\nfile = \"m.py\"\npattern = \"x\"").replace("by_name = true\n", "")).contains("key `tracks.both_directions`"));
}

/// Every file under a template directory of `testdata/scenarios`, as paths.
fn template_paths(name: &str) -> Vec<String> {
    fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/scenarios")
        .join(name);
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

#[test]
fn init_detects_each_template_layout_and_writes_rules_that_parse() {
    use parity_formats::init::detect;
    let cases = [
        ("project", "alembic"),
        ("delta-project", "delta"),
        ("diesel-project", "diesel"),
        ("engine-name-project", "engine-in-name"),
        ("sql-project", "sql-dirs"),
    ];
    for (template, kind) in cases {
        let paths = template_paths(template);
        let paths: Vec<&str> = paths
            .iter()
            .map(String::as_str)
            .filter(|p| *p != "parity.toml")
            .collect();
        let detected = detect(&paths).unwrap_or_else(|| panic!("{template}: no layout"));
        assert_eq!(detected.kind, kind, "{template}");
        assert!(detected
            .toml
            .starts_with("# parity.toml, written by `cargo xtask parity init`"));
        let config =
            parse(&detected.toml).unwrap_or_else(|e| panic!("{template}: {e}\n{}", detected.toml));
        config.rules().unwrap();
    }
    // The spec's project gets exactly the defaults.
    let paths = template_paths("project");
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    assert_eq!(
        parse(&detect(&paths).unwrap().toml),
        Ok(Config::spec_layout())
    );
    // diesel with three engines: MySQL is a counterpart track.
    let paths = template_paths("diesel-project");
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let rules = parse(&detect(&paths).unwrap().toml)
        .unwrap()
        .rules()
        .unwrap();
    assert_eq!(rules.tracks.first, "SQLite");
    assert_eq!(rules.tracks.second, "PostgreSQL");
    assert_eq!(rules.pairings.len(), 1);
    assert_eq!(rules.pairings[0].tracks.second, "MySQL");
    assert!(rules.match_names);
    // The template's own rules and the detected ones judge alike.
    let sqlite_only = change(
        &[(
            "migrations/sqlite/2024-03-05-120000_pin_notes/up.sql",
            ADD_TAGS,
        )],
        "",
    );
    assert_eq!(check(&sqlite_only, &rules).reason, Reason::MissingRevision);
    // Engine in the name: both directions and the `.all.` alternative.
    let paths = template_paths("engine-name-project");
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let text = detect(&paths).unwrap().toml;
    assert!(text.contains("both_directions = true"), "{text}");
    assert!(
        text.contains("globs = [\"migrations/*.postgres.up.sql\", \"migrations/*.all.up.sql\"]"),
        "{text}"
    );
    // Nothing known: no layout.
    assert_eq!(detect(&["README.md", "src/main.rs", "db/one.sql"]), None);
}

#[test]
fn the_spec_layout_takes_a_waiver_as_a_hash_comment_in_migrations_py() {
    let rules = Rules::default();
    let text = "    # parity: sqlite-only SQLite keeps a shadow table the Alembic track never had\n    cursor.execute(\"CREATE TABLE shadow (id INTEGER)\")\n    (\"shadow\", _migrate_shadow),\n";
    let patch = format!(
        "diff --git a/src/backend/db/migrations.py b/src/backend/db/migrations.py\nindex 1111111..2222222 100644\n--- a/src/backend/db/migrations.py\n+++ b/src/backend/db/migrations.py\n@@ -10,0 +11,3 @@\n{}",
        text.lines().map(|l| format!("+{l}\n")).collect::<String>()
    );
    let change = Change {
        files: parse_patch(patch.as_bytes()).unwrap(),
        statuses: parse_name_status(b"M\0src/backend/db/migrations.py\0").unwrap(),
    };
    let report = check(&change, &rules);
    assert_eq!(
        report.reason,
        Reason::Waived,
        "{}",
        render_text(&report, Colour::Never)
    );
    assert_eq!(report.waivers[0].line, 11);
    // Without the marker, the defaults fail as ever, with the Alembic advice word for word.
    let plain = Change {
        files: parse_patch(patch.replace("# parity: sqlite-only", "# note:").as_bytes()).unwrap(),
        statuses: change.statuses.clone(),
    };
    let report = check(&plain, &rules);
    assert_eq!(report.reason, Reason::MissingRevision);
    assert_eq!(
        report.what_to_do(),
        parity_core::report::what_to_do(parity_core::rules::REVISIONS)
    );
}

#[test]
fn init_finds_the_schema_directory_and_migrations_at_the_root() {
    use parity_formats::init::detect;
    let synapse = detect(&[
        "synapse/storage/schema/main/delta/80/01_a.sql.sqlite",
        "synapse/storage/schema/main/delta/80/01_a.sql.postgres",
        "synapse/storage/schema/main/full_schemas/72/full.sql.postgres",
    ])
    .unwrap();
    assert_eq!(synapse.kind, "delta");
    assert!(
        synapse
            .toml
            .contains("glob = \"synapse/storage/schema/**/*.sql.sqlite\""),
        "{}",
        synapse.toml
    );
    let rules = parse(&synapse.toml).unwrap().rules().unwrap();
    let report = check(
        &change(
            &[(
                "synapse/storage/schema/main/delta/81/01_b.sql.sqlite",
                ADD_TAGS,
            )],
            "",
        ),
        &rules,
    );
    assert_eq!(report.reason, Reason::MissingRevision);
    let root = detect(&[
        "sqlite/2024-01-01-000000_a/up.sql",
        "postgres/2024-01-01-000000_a/up.sql",
    ])
    .unwrap();
    assert_eq!(root.kind, "diesel");
    assert!(
        root.toml.contains("globs = [\"sqlite/*/up.sql\"]"),
        "{}",
        root.toml
    );
    // Every template's rules survive `--print-config` (to_toml and back).
    for template in [
        "delta-project",
        "diesel-project",
        "engine-name-project",
        "sql-project",
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/scenarios")
            .join(template)
            .join("parity.toml");
        let config = parse(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(parse(&config.to_toml()), Ok(config.clone()), "{template}");
    }
}
