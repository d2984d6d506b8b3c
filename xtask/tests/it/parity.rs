//! End to end: real git repositories built in a temporary directory, and the
//! built `xtask parity` binary run on them, checking stdout and the exit code.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{assert_error, parity_in, stderr, stdout, testdata, xtask};
use pretty_assertions::assert_eq;
use xtask::harness::repo::FixtureRepo;

const MIGRATIONS: &str = "src/backend/db/migrations.py";
const SCHEMA: &str = "src/backend/db/schema.py";
const TABLES: &str = "src/backend/db/tables.py";
const VERSIONS: &str = "src/backend/migrations/versions";

const BASE_MIGRATIONS: &str = r#""""SQLite migrations, applied in order."""


def _migrate_agents(cursor, conn):
    cursor.execute("CREATE TABLE IF NOT EXISTS agents (id INTEGER PRIMARY KEY, name TEXT)")


MIGRATIONS = [
    ("agents", _migrate_agents),
]
"#;

const BASE_SCHEMA: &str = r#"SCHEMA = """
CREATE TABLE IF NOT EXISTS agents (
    id INTEGER PRIMARY KEY,
    name TEXT
);
"""
"#;

const BASE_TABLES: &str = r#"from sqlalchemy import Column, Integer, MetaData, Table, Text

metadata = MetaData()

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text),
)
"#;

const BASE_REVISION: &str = r#""""baseline"""
revision = "0001"
down_revision = None
"#;

/// A repository with the base layout on `main` and a branch `pr` checked out.
struct Project {
    repo: FixtureRepo,
    _tmp: tempfile::TempDir,
    base: String,
}

impl Project {
    fn new() -> Project {
        let tmp = tempfile::tempdir().unwrap();
        let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
        repo.write(MIGRATIONS, BASE_MIGRATIONS).unwrap();
        repo.write(SCHEMA, BASE_SCHEMA).unwrap();
        repo.write(TABLES, BASE_TABLES).unwrap();
        repo.write(&format!("{VERSIONS}/0001_baseline.py"), BASE_REVISION)
            .unwrap();
        repo.write(&format!("{VERSIONS}/__init__.py"), "").unwrap();
        let base = repo.commit("baseline").unwrap();
        repo.branch("pr").unwrap();
        Project {
            repo,
            _tmp: tmp,
            base,
        }
    }

    fn dir(&self) -> &Path {
        self.repo.dir()
    }

    /// Adds a column on the SQLite track (migration, entry, schema, tables).
    fn add_column(&self, body: &str) {
        let migrations = BASE_MIGRATIONS
            .replace(
                "\n\nMIGRATIONS = [\n",
                &format!("\n\ndef _migrate_add_notes(cursor, conn):\n{body}\n\n\nMIGRATIONS = [\n"),
            )
            .replace(
                "    (\"agents\", _migrate_agents),\n",
                "    (\"agents\", _migrate_agents),\n    (\"add_notes\", _migrate_add_notes),\n",
            );
        self.repo.write(MIGRATIONS, migrations).unwrap();
        self.repo
            .write(
                SCHEMA,
                BASE_SCHEMA.replace("    name TEXT\n", "    name TEXT,\n    notes TEXT\n"),
            )
            .unwrap();
        self.repo
            .write(
                TABLES,
                BASE_TABLES.replace(
                    "    Column(\"name\", Text),\n",
                    "    Column(\"name\", Text),\n    Column(\"notes\", Text),\n",
                ),
            )
            .unwrap();
    }

    fn add_revision(&self, name: &str) {
        self.repo
            .write(
                &format!("{VERSIONS}/{name}"),
                "revision = \"0002\"\ndown_revision = \"0001\"\n\n\ndef upgrade():\n    op.add_column(\"agents\", sa.Column(\"notes\", sa.Text()))\n",
            )
            .unwrap();
    }

    fn commit(&mut self, message: &str) -> String {
        self.repo.commit(message).unwrap()
    }

    fn parity(&self, args: &[&str]) -> Output {
        parity_in(self.dir(), args, &[])
    }

    fn check(&self, head: &str) -> Output {
        self.parity(&["--color", "never", &self.base, head])
    }
}

const ADD_COLUMN: &str = "    cursor.execute(\"ALTER TABLE agents ADD COLUMN notes TEXT\")";

/// Compares with a golden file; `UPDATE_GOLDEN=1` rewrites it instead.
fn assert_golden(name: &str, actual: &str) {
    let path = testdata().join("golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(expected, actual);
}

#[test]
fn a_column_without_a_revision_fails_with_a_golden_report() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    let head = p.commit("add notes");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_golden("add-column-fail.txt", &stdout(&out));

    let json = p.parity(&["--format", "json", &p.base, &head]);
    assert_eq!(json.status.code(), Some(1));
    assert_golden("add-column-fail.json", &stdout(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["verdict"], "fail");
}

#[test]
fn a_column_with_a_revision_passes() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    p.add_revision("0002_add_notes.py");
    let head = p.commit("add notes");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_golden("add-column-pass.txt", &stdout(&out));
}

#[test]
fn a_table_added_without_a_revision_fails() {
    let mut p = Project::new();
    p.add_column(
        "    cursor.execute(\"\"\"CREATE TABLE notes (\n        id INTEGER PRIMARY KEY\n    )\"\"\")\n    cursor.execute(\"CREATE INDEX idx_notes ON notes(id)\")",
    );
    let head = p.commit("notes table");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("CREATE INDEX"));
}

#[test]
fn data_only_comment_only_and_refactor_pass() {
    let mut p = Project::new();
    p.add_column(
        "    # ALTER TABLE agents ADD COLUMN notes TEXT was the old way\n    cursor.execute(\"UPDATE agents SET name = 'x' WHERE name IS NULL\")",
    );
    // Only the entry and data lines in migrations.py: restore the other files.
    p.repo.write(SCHEMA, BASE_SCHEMA).unwrap();
    p.repo.write(TABLES, BASE_TABLES).unwrap();
    let head = p.commit("backfill");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("data-only"), "{}", stdout(&out));

    let mut p = Project::new();
    p.repo
        .write(
            MIGRATIONS,
            BASE_MIGRATIONS.replace(
                "\n\nMIGRATIONS",
                "\n\ndef _rebuild(cursor):\n    cursor.execute(\"CREATE TABLE agents_new (id INTEGER PRIMARY KEY)\")\n    cursor.execute(\"ALTER TABLE agents_new RENAME TO agents\")\n\n\nMIGRATIONS",
            ),
        )
        .unwrap();
    let head = p.commit("refactor the runner");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("no new migration entry"));
}

#[test]
fn commits_on_the_base_after_the_fork_are_not_part_of_the_range() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    let head = p.commit("add notes");
    p.repo.checkout("main").unwrap();
    p.add_revision("0002_unrelated.py");
    let main = p.commit("a revision on main after the fork");
    let out = p.parity(&["--color", "never", &main, &head]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("net-new revisions: 0"));
}

#[test]
fn the_range_comes_from_the_environment_and_skips_without_one() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    let head = p.commit("add notes");
    let out = parity_in(
        p.dir(),
        &[],
        &[("PR_BASE_SHA", &p.base), ("PR_HEAD_SHA", &head)],
    );
    assert_eq!(out.status.code(), Some(1));

    let out = parity_in(p.dir(), &[], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("skipped"), "{}", stdout(&out));

    let zeros = "0".repeat(40);
    let out = parity_in(
        p.dir(),
        &[],
        &[("PR_BASE_SHA", &zeros), ("PR_HEAD_SHA", &head)],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("all-zero"));
}

#[test]
fn a_base_alone_checks_against_head() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    p.commit("add notes");
    let out = p.parity(&["--base", "main"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn not_a_repository_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = parity_in(tmp.path(), &["a", "b"], &[]);
    assert_error(&out, "is not a git repository");
    let out = parity_in(&tmp.path().join("missing"), &["a", "b"], &[]);
    assert_error(&out, "is not a directory");
}

#[test]
fn a_ref_that_does_not_exist_is_an_error() {
    let p = Project::new();
    let out = p.parity(&["main", "no-such-branch"]);
    assert_error(&out, "HEAD \"no-such-branch\" does not name a commit");
    let out = p.parity(&["nope", "main"]);
    assert_error(&out, "BASE \"nope\" does not name a commit");
}

#[test]
fn unrelated_histories_are_an_error() {
    let mut p = Project::new();
    p.repo
        .git(&["checkout", "--quiet", "--orphan", "other"])
        .unwrap();
    p.repo.write("x.txt", "x").unwrap();
    let other = p.commit("unrelated");
    let out = p.parity(&[&p.base, &other]);
    assert_error(&out, "no common history");
}

#[test]
fn a_shallow_clone_names_the_fix() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    p.commit("one");
    p.repo.write("x.txt", "x").unwrap();
    p.commit("two");
    let clone = p.dir().parent().unwrap().join("shallow");
    let url = format!("file://{}", p.dir().display());
    let status = Command::new("git")
        .args([
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--branch",
            "pr",
            "--no-single-branch",
            &url,
        ])
        .arg(&clone)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .status()
        .unwrap();
    assert!(status.success());
    let out = parity_in(&clone, &["origin/main", "HEAD"], &[]);
    assert_error(&out, "fetch-depth: 0");
}

#[test]
fn option_like_revisions_are_refused_before_git_sees_them() {
    let p = Project::new();
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("x");
    let injected = format!("--output={}", target.display());
    let out = parity_in(
        p.dir(),
        &[],
        &[("PR_BASE_SHA", &injected), ("PR_HEAD_SHA", "HEAD")],
    );
    assert_error(&out, "starts with '-'");
    let out = parity_in(
        p.dir(),
        &[],
        &[("PR_BASE_SHA", "main"), ("PR_HEAD_SHA", "-p")],
    );
    assert_error(&out, "starts with '-'");
    let out = p.parity(&[&format!("--base={injected}"), "--head", "HEAD"]);
    assert_error(&out, "starts with '-'");
    assert!(!target.exists(), "git must never have seen the option");
}

#[test]
fn hostile_git_configuration_gives_the_same_verdict() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    let head = p.commit("add notes");
    let clean = p.parity(&["--format", "json", &p.base, &head]);
    assert_eq!(clean.status.code(), Some(1));

    let script = p.dir().parent().unwrap().join("external-diff.sh");
    std::fs::write(&script, "#!/bin/sh\necho 'nothing to see'\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = script.display().to_string();
    let settings: &[&[(&str, &str)]] = &[
        &[("diff.noprefix", "true")],
        &[("diff.mnemonicPrefix", "true")],
        &[("color.ui", "always"), ("color.diff", "always")],
        &[("diff.external", &script)],
        &[("core.quotePath", "true")],
        &[("diff.relative", "true")],
        &[("diff.suppressBlankEmpty", "true")],
        &[("diff.algorithm", "patience"), ("diff.context", "0")],
        &[("diff.renames", "false")],
        &[("diff.renameLimit", "1")],
        &[("diff.orderFile", "/nonexistent/order")],
        &[("diff.submodule", "log")],
        &[
            ("core.pager", "sed s/ALTER/nothing/"),
            ("pager.diff", "true"),
        ],
        &[("diff.hide.textconv", "true")],
    ];
    // A textconv driver and a `-diff` attribute would hide the lines.
    p.repo
        .write(".git/info/attributes", "*.py diff=hide\n*.py -diff\n")
        .unwrap();
    for pairs in settings {
        for (key, value) in *pairs {
            p.repo.git(&["config", key, value]).unwrap();
        }
        let out = p.parity(&["--format", "json", &p.base, &head]);
        assert_eq!(out.status.code(), Some(1), "{pairs:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&clean), "{pairs:?}");
        for (key, _) in *pairs {
            p.repo.git(&["config", "--unset", key]).unwrap();
        }
    }
}

#[test]
fn hostile_git_environment_gives_the_same_verdict_in_parity_and_scan() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    let head = p.commit("add notes");
    let script = p.dir().parent().unwrap().join("external-diff.sh");
    std::fs::write(&script, "#!/bin/sh\necho 'nothing to see'\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = script.display().to_string();
    let scan = |env: &[(&str, &str)]| {
        let mut cmd = xtask();
        cmd.args(["scan", "--format", "json", "--repo"])
            .arg(p.dir());
        cmd.envs(env.iter().copied());
        cmd.output().unwrap()
    };
    let check =
        |env: &[(&str, &str)]| parity_in(p.dir(), &["--format", "json", &p.base, &head], env);
    let (clean, clean_scan) = (check(&[]), scan(&[]));
    assert_eq!(clean.status.code(), Some(1), "{}", stderr(&clean));
    assert_eq!(clean_scan.status.code(), Some(1), "{}", stderr(&clean_scan));
    let settings: &[&[(&str, &str)]] = &[
        // Pathspecs made literal: the guard's globs would name no file.
        &[("GIT_LITERAL_PATHSPECS", "1")],
        &[("GIT_GLOB_PATHSPECS", "1")],
        &[("GIT_NOGLOB_PATHSPECS", "1")],
        &[("GIT_ICASE_PATHSPECS", "1")],
        &[("GIT_EXTERNAL_DIFF", &script)],
        &[("GIT_DIFF_OPTS", "--unified=0")],
        &[
            ("GIT_CONFIG_COUNT", "1"),
            ("GIT_CONFIG_KEY_0", "diff.noprefix"),
            ("GIT_CONFIG_VALUE_0", "true"),
        ],
        &[("GIT_ATTR_SOURCE", "HEAD~1")],
        &[("GIT_TRACE", "1")],
        &[("GIT_INDEX_FILE", "/nonexistent/index")],
    ];
    for env in settings {
        let out = check(env);
        assert_eq!(out.status.code(), Some(1), "{env:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&clean), "{env:?}");
        // Nothing of git's own on stderr either (GIT_TRACE writes there).
        assert_eq!(stderr(&out), stderr(&clean), "{env:?}");
        let out = scan(env);
        assert_eq!(out.status.code(), Some(1), "{env:?}: {}", stderr(&out));
        assert_eq!(stdout(&out), stdout(&clean_scan), "{env:?}");
        assert_eq!(stderr(&out), stderr(&clean_scan), "{env:?}");
    }
}

#[test]
fn odd_bytes_crlf_and_odd_revision_paths_are_judged() {
    // A migration written with CRLF line ends and a byte that is not UTF-8.
    let mut p = Project::new();
    let mut migrations = BASE_MIGRATIONS
        .replace(
            "\n\nMIGRATIONS = [\n",
            "\n\ndef _migrate_caf(cursor, conn):\n    cursor.execute(\"ALTER TABLE agents ADD COLUMN caf\u{e9} TEXT\")\n\n\nMIGRATIONS = [\n",
        )
        .replace("    (\"agents\", _migrate_agents),\n", "    (\"agents\", _migrate_agents),\n    (\"caf\", _migrate_caf),\n")
        .replace('\n', "\r\n")
        .into_bytes();
    let at = migrations
        .windows(5)
        .position(|w| w == "caf\u{e9}".as_bytes())
        .unwrap();
    migrations.splice(at + 3..at + 5, [0xe9]);
    p.repo.write(MIGRATIONS, &migrations).unwrap();
    let head = p.commit("crlf and latin-1");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("ALTER TABLE"));

    p.repo
        .write(
            &format!("{VERSIONS}/0002_a\u{f1}adir notas \"x\".py"),
            "revision = \"0002\"\ndown_revision = \"0001\"\n",
        )
        .unwrap();
    let head = p.commit("revision with an odd name");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("0002_a\u{f1}adir notas \"x\".py"));
}

#[test]
fn an_added_line_starting_with_plus_plus_space_is_still_read() {
    let mut p = Project::new();
    p.repo
        .write(
            MIGRATIONS,
            BASE_MIGRATIONS.replace(
                "    (\"agents\", _migrate_agents),\n",
                "    (\"agents\", _migrate_agents),\n    (\"x\", _migrate_x),\n++ ALTER TABLE agents ADD COLUMN x\n",
            ),
        )
        .unwrap();
    let head = p.commit("odd line");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("++ ALTER TABLE agents ADD COLUMN x"));
}

#[test]
fn renamed_modified_and_deleted_revisions_do_not_count() {
    let mut p = Project::new();
    p.add_column(ADD_COLUMN);
    p.repo
        .git(&[
            "mv",
            &format!("{VERSIONS}/0001_baseline.py"),
            &format!("{VERSIONS}/0001_base.py"),
        ])
        .unwrap();
    let head = p.commit("rename a revision");
    assert_eq!(p.check(&head).status.code(), Some(1));
    p.repo
        .write(
            &format!("{VERSIONS}/0001_base.py"),
            format!("{BASE_REVISION}# touched\n"),
        )
        .unwrap();
    let head = p.commit("modify a revision");
    assert_eq!(p.check(&head).status.code(), Some(1));
    p.repo.remove(&format!("{VERSIONS}/0001_base.py")).unwrap();
    p.repo.write(&format!("{VERSIONS}/README"), "x").unwrap();
    let head = p.commit("delete a revision");
    assert_eq!(p.check(&head).status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2() {
    let out = xtask()
        .args(["parity", "--format", "yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
}

/// Keeps only the migrations.py side of `add_column`: a data-only change
/// unless the migration body itself holds DDL.
fn only_migrations(p: &Project) {
    p.repo.write(SCHEMA, BASE_SCHEMA).unwrap();
    p.repo.write(TABLES, BASE_TABLES).unwrap();
}

#[test]
fn docstrings_and_comments_never_count_but_executed_sql_does() {
    let mut p = Project::new();
    p.add_column(
        "    \"\"\"Backfill after ADD COLUMN notes.\n\n    The column came with ALTER TABLE agents.\n    \"\"\"\n    cursor.execute(\"UPDATE agents SET name = '' WHERE name IS NULL\")  # see ALTER TABLE in 0041",
    );
    only_migrations(&p);
    let head = p.commit("backfill");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("data-only"), "{}", stdout(&out));
    assert!(stdout(&out).contains("DDL evidence: 0"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("note:"), "{}", stdout(&out));

    p.add_column(
        "    \"\"\"Add the notes column.\"\"\"\n    cursor.execute(\"\"\"\n        ALTER TABLE agents ADD COLUMN notes TEXT\n    \"\"\")",
    );
    only_migrations(&p);
    let head = p.commit("the column itself");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("DDL evidence: 1\n  src/backend/db/migrations.py:11"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_unlexable_watched_file_is_judged_by_the_plain_rules_with_a_note() {
    let mut p = Project::new();
    p.add_column(
        "    \"\"\"Backfill after ADD COLUMN notes.\n    cursor.execute(\"UPDATE agents SET name = ''\")",
    );
    only_migrations(&p);
    let head = p.commit("an unterminated docstring");
    let out = p.check(&head);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "note: src/backend/db/migrations.py could not be lexed as Python \
             (an unterminated triple-quoted string starts on line 9), \
             so the plain line rules judged it"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_watched_file_moved_into_place_adds_only_the_lines_the_move_changed() {
    // git starts on the diff of the watched paths before the listing is
    // known; a watched file renamed from a path not watched must still be
    // diffed against its source, or every line of it would count as added.
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    let moved_from = "src/backend/old_migrations.py";
    repo.write(moved_from, BASE_MIGRATIONS).unwrap();
    repo.write(&format!("{VERSIONS}/0001_baseline.py"), BASE_REVISION)
        .unwrap();
    let base = repo.commit("baseline").unwrap();
    repo.remove(moved_from).unwrap();
    repo.write(
        MIGRATIONS,
        BASE_MIGRATIONS.replace("applied in order.", "applied in order, moved."),
    )
    .unwrap();
    let moved = repo.commit("Move the migrations under db/").unwrap();
    let out = parity_in(repo.dir(), &["--format", "json", &base, &moved], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(report["entries"], serde_json::json!([]), "{report}");
    assert_eq!(report["evidence"], serde_json::json!([]), "{report}");
    // The same file added whole, with no source: its entry and DDL count.
    repo.git(&["checkout", "-q", &base]).unwrap();
    repo.write(MIGRATIONS, BASE_MIGRATIONS).unwrap();
    let added = repo.commit("Add the migrations under db/").unwrap();
    let out = parity_in(repo.dir(), &["--format", "json", &base, &added], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}
