//! `parity.toml` end to end: a second layout (hand-written SQL for SQLite and
//! PostgreSQL, one file per migration), rules read from the base side of the
//! range, `--config`, `--print-config`, and bad files.

use std::path::Path;
use std::process::Output;

use crate::common::{assert_error, parity_in, stderr, stdout, testdata, testdata_text};
use parity_core::{Report, Rules};
use parity_formats::config::{parse, Config};
use pretty_assertions::assert_eq;
use xtask::guard::parity::{range_request, report_for};
use xtask::harness::fixtures::{
    judge_fixture_with, load_scenarios, materialize, Outcome, REPO_PLACEHOLDER,
};
use xtask::harness::repo::FixtureRepo;

const SQLITE_INIT: &str = "CREATE TABLE agents (\n    id INTEGER PRIMARY KEY,\n    name TEXT\n);\n";
const POSTGRES_INIT: &str =
    "CREATE TABLE agents (\n    id SERIAL PRIMARY KEY,\n    name TEXT\n);\n";
const ADD_NOTES: &str = "-- notes on each agent\nALTER TABLE agents ADD COLUMN notes TEXT;\n";

/// A repository of the SQL-files layout, with its `parity.toml` on `main`
/// and a branch `pr` checked out.
struct SqlProject {
    repo: FixtureRepo,
    _tmp: tempfile::TempDir,
    base: String,
}

impl SqlProject {
    fn new() -> SqlProject {
        SqlProject::with_config(Some(&testdata_text("configs/sqlite-postgres.toml")))
    }

    fn with_config(config: Option<&str>) -> SqlProject {
        let tmp = tempfile::tempdir().unwrap();
        let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
        repo.write("migrations/sqlite/0001_init.sql", SQLITE_INIT)
            .unwrap();
        repo.write("migrations/postgres/0001_init.sql", POSTGRES_INIT)
            .unwrap();
        if let Some(config) = config {
            repo.write("parity.toml", config).unwrap();
        }
        let base = repo.commit("baseline").unwrap();
        repo.branch("pr").unwrap();
        SqlProject {
            repo,
            _tmp: tmp,
            base,
        }
    }

    fn dir(&self) -> &Path {
        self.repo.dir()
    }

    /// Commits `files` on the branch and checks the range with `args`.
    fn check_with(&mut self, files: &[(&str, &str)], args: &[&str]) -> Output {
        for (path, text) in files {
            self.repo.write(path, text).unwrap();
        }
        let head = self.repo.commit("change").unwrap();
        let mut all = vec!["--color", "never", &self.base, &head];
        all.extend_from_slice(args);
        parity_in(self.dir(), &all, &[])
    }

    fn check(&mut self, files: &[(&str, &str)]) -> Output {
        self.check_with(files, &[])
    }
}

#[test]
fn a_new_sqlite_file_with_ddl_and_no_postgres_file_fails() {
    let mut p = SqlProject::new();
    let out = p.check(&[("migrations/sqlite/0002_notes.sql", ADD_NOTES)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("migrations/sqlite/0002_notes.sql:2  ALTER TABLE"),
        "{text}"
    );
    assert!(text.contains("new file migrations/sqlite/0002_notes.sql"));
    assert!(text.contains("under migrations/postgres/"), "{text}");
    assert!(text.contains("rules from parity.toml at the merge-base"));
}

#[test]
fn a_new_sqlite_file_whose_name_holds_a_space_and_a_tab_still_fails() {
    // git C-quotes the name (the tab) and appends a tab to the header (the
    // space): the header's path must still be the file's.
    for name in [
        "0002 add\tnotes.sql",
        "0002_add\tnotes.sql",
        "0002 add notes.sql",
    ] {
        let mut p = SqlProject::new();
        let path = format!("migrations/sqlite/{name}");
        let out = p.check_with(&[(&path, ADD_NOTES)], &["--format", "json"]);
        assert_eq!(out.status.code(), Some(1), "{name:?}: {}", stdout(&out));
        let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(report["evidence"][0]["path"], path.as_str(), "{report}");
    }
}

#[test]
fn a_backtick_in_a_file_name_cannot_end_the_summarys_code_span() {
    let mut p = SqlProject::new();
    let name = "0002_x`<img src=x>[click](https:evil).sql";
    let summary = p.dir().parent().unwrap().join("summary.md");
    let path = format!("migrations/sqlite/{name}");
    let out = p.check_with(&[(&path, ADD_NOTES)], &["--format", "github"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let _ = std::fs::remove_file(&summary);
    let head = p.repo.git(&["rev-parse", "HEAD"]).unwrap();
    let out = parity_in(
        p.dir(),
        &["--format", "github", &p.base, head.trim()],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let markdown = std::fs::read_to_string(&summary).unwrap();
    let advice = markdown
        .split("### What to do")
        .nth(1)
        .expect("a What to do section");
    assert!(
        advice.contains(&format!("``migrations/postgres/{name}``")),
        "{advice}"
    );
}

#[test]
fn a_new_sqlite_file_with_its_postgres_file_passes() {
    let mut p = SqlProject::new();
    let out = p.check(&[
        ("migrations/sqlite/0002_notes.sql", ADD_NOTES),
        (
            "migrations/postgres/0002_notes.sql",
            "ALTER TABLE agents ADD COLUMN notes TEXT;\n",
        ),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("both tracks updated"));
}

#[test]
fn comment_only_and_data_only_sqlite_files_pass() {
    let commented = "/* We thought about\n   ALTER TABLE agents ADD COLUMN notes TEXT;\n   but did not. */\n-- DROP TABLE agents;\n";
    let data = "UPDATE agents SET name = 'CREATE TABLE' WHERE name IS NULL;\nINSERT INTO agents (name) VALUES ('x');\n";
    for text in [commented, data] {
        let mut p = SqlProject::new();
        let out = p.check(&[("migrations/sqlite/0002_x.sql", text)]);
        assert_eq!(out.status.code(), Some(0), "{text}\n{}", stdout(&out));
        assert!(stdout(&out).contains("data-only"), "{}", stdout(&out));
        assert!(stdout(&out).contains("DDL evidence: 0"));
    }
}

#[test]
fn the_rules_come_from_the_base_so_a_pull_request_cannot_weaken_them() {
    // The PR points revisions at the SQLite directory, which would pass it.
    let mut p = SqlProject::new();
    let weakened = testdata_text("configs/sqlite-postgres.toml").replace(
        "dir = \"migrations/postgres/\"",
        "dir = \"migrations/sqlite/\"",
    );
    let out = p.check(&[
        ("parity.toml", &weakened),
        ("migrations/sqlite/0002_notes.sql", ADD_NOTES),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(
            "note: this range changes parity.toml; the check used parity.toml at the merge-base"
        ),
        "{}",
        stdout(&out)
    );

    // A PR that brings the first parity.toml is judged by the defaults.
    let mut p = SqlProject::with_config(None);
    let out = p.check(&[
        (
            "parity.toml",
            &testdata_text("configs/sqlite-postgres.toml"),
        ),
        ("migrations/sqlite/0002_notes.sql", ADD_NOTES),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("the check used the defaults"));
}

#[test]
fn config_overrides_the_base_side() {
    let mut p = SqlProject::with_config(None);
    let config = testdata().join("configs/sqlite-postgres.toml");
    let out = p.check_with(
        &[("migrations/sqlite/0002_notes.sql", ADD_NOTES)],
        &["--config", config.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("rules from {}", config.display())));
}

#[test]
fn print_config_shows_the_rules_in_force_as_toml() {
    let p = SqlProject::new();
    let out = parity_in(p.dir(), &["--print-config", &p.base, "HEAD"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("# The rules in force: parity.toml at the merge-base "),
        "{first}"
    );
    assert_eq!(
        parse(&text),
        parse(&testdata_text("configs/sqlite-postgres.toml"))
    );

    // No parity.toml anywhere, and no range: the defaults, from HEAD.
    let p = SqlProject::with_config(None);
    let out = parity_in(p.dir(), &["--print-config"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("# The rules in force: the defaults (no parity.toml at HEAD "));
    assert_eq!(parse(&stdout(&out)), Ok(Config::spec_layout()));

    // A --config path with a line feed and ESC: still one comment line, and
    // the output reads back as the same rules.
    let odd = p.dir().parent().unwrap().join("odd\nname\x1b[2J.toml");
    std::fs::write(&odd, testdata_text("configs/sqlite-postgres.toml")).unwrap();
    let out = parity_in(
        p.dir(),
        &["--print-config", "--config", odd.to_str().unwrap()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("odd\\nname\\x1b[2J.toml"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "{text}");
    assert_eq!(
        parse(&text),
        parse(&testdata_text("configs/sqlite-postgres.toml"))
    );
}

#[test]
fn a_bad_parity_toml_at_the_base_is_an_error_that_names_file_key_and_line() {
    let broken = testdata_text("configs/sqlite-postgres.toml")
        .replace("suffix = \".sql\"\n\n# Its", "sufix = \".sql\"\n\n# Its");
    assert_ne!(broken, testdata_text("configs/sqlite-postgres.toml"));
    let mut p = SqlProject::with_config(Some(&broken));
    let out = p.check(&[("migrations/sqlite/0002_notes.sql", ADD_NOTES)]);
    assert_error(&out, "parity.toml at the merge-base ");
    assert!(
        stderr(&out).contains(": line 19, column 1: key `entry.sufix`: unknown field `sufix`"),
        "{}",
        stderr(&out)
    );

    let bad_regex = "[[watch]]\nglob = \"*.sql\"\npatterns = ['CREATE (TABLE']\ncomments = \"sql\"\n[entry]\nkind = \"new-file\"\ndir = \"m/\"\n[revisions]\ndir = \"p/\"\n";
    let mut p = SqlProject::with_config(Some(bad_regex));
    let out = p.check(&[]);
    assert_error(
        &out,
        "line 3, column 13: key `watch[0].patterns[0]`: invalid regular expression \"CREATE (TABLE\": unclosed group at character 8 of the pattern",
    );

    let missing = p.dir().join("no-such.toml");
    let out = parity_in(
        p.dir(),
        &["--config", missing.to_str().unwrap(), &p.base, "HEAD"],
        &[],
    );
    assert_error(&out, "cannot read the configuration");
}

/// A report as far as the rules decide it: without the notes, which say
/// where the rules came from.
fn decided(report: Option<Report>) -> Option<Report> {
    report.map(|mut report| {
        report.notes.clear();
        report
    })
}

#[test]
fn the_spec_layout_written_out_gives_the_defaults_verdicts_on_every_scenario() {
    let scenarios = load_scenarios(&testdata().join("scenarios")).unwrap();
    let spec = testdata().join("configs/spec-layout.toml");
    let tmp = tempfile::tempdir().unwrap();
    let mut outcomes = Vec::new();
    for scenario in &scenarios {
        let repo = materialize(scenario, &tmp.path().join(&scenario.name)).unwrap();
        let request = range_request(
            None,
            None,
            Some(scenario.range.base.clone()),
            Some(scenario.range.head.clone()),
        );
        let defaults = report_for(repo.dir(), &request, &Rules::default());
        let explicit = judge_fixture_with(repo.dir(), &scenario.range, Some(&spec));
        let name = &scenario.name;
        match defaults {
            Ok(report) => {
                assert_eq!(explicit.exit, report.verdict().exit_code(), "{name}");
                assert_eq!(decided(explicit.report), decided(Some(report)), "{name}");
            }
            Err(error) => {
                assert_eq!(explicit.exit, 2, "{name}");
                let shown = error
                    .to_string()
                    .replace(&repo.dir().display().to_string(), REPO_PLACEHOLDER);
                assert!(explicit.text.contains(&shown), "{name}: {shown}");
            }
        }
        outcomes.push(explicit.outcome);
    }
    // Every kind of outcome is among them, so the comparison means something.
    outcomes.sort();
    outcomes.dedup();
    assert_eq!(
        outcomes,
        vec![
            Outcome::Pass,
            Outcome::Fail,
            Outcome::Skipped,
            Outcome::Error
        ]
    );
}

#[test]
fn the_sql_scenario_template_carries_the_documented_config() {
    assert_eq!(
        testdata_text("scenarios/sql-project/parity.toml"),
        testdata_text("configs/sqlite-postgres.toml")
    );
}

/// A repository of the diesel layout (`testdata/scenarios/diesel-project`'s
/// parity.toml) with one migration per engine on `main`.
fn diesel_project() -> (tempfile::TempDir, FixtureRepo, String) {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    repo.write(
        "parity.toml",
        testdata_text("scenarios/diesel-project/parity.toml"),
    )
    .unwrap();
    for engine in ["sqlite", "postgresql"] {
        repo.write(
            &format!("migrations/{engine}/2024-01-01-000000_create_notes/up.sql"),
            "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n",
        )
        .unwrap();
    }
    let base = repo.commit("baseline").unwrap();
    repo.branch("pr").unwrap();
    (tmp, repo, base)
}

const WAIVED_UP: &str = "-- parity: sqlite-only SQLite rebuilds the index; PostgreSQL's is right\nDROP INDEX idx;\nCREATE INDEX idx ON notes(id);\n";

#[test]
fn a_waiver_is_shown_in_every_format_end_to_end() {
    let (_tmp, mut repo, base) = diesel_project();
    let path = "migrations/sqlite/2024-03-01-000000_fix_index/up.sql";
    repo.write(path, WAIVED_UP).unwrap();
    let head = repo.commit("SQLite-only index fix").unwrap();
    let summary = repo.dir().join("summary.md");
    let run = |format: &str| {
        parity_in(
            repo.dir(),
            &["--format", format, &base, &head],
            &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
        )
    };
    let text = run("text");
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    assert!(stdout(&text).contains("waived"), "{}", stdout(&text));
    assert!(stdout(&text).contains(&format!(
        "waivers: 1\n  {path}:1  sqlite-only  SQLite rebuilds"
    )));
    let json: serde_json::Value = serde_json::from_slice(&run("json").stdout).unwrap();
    assert_eq!(json["reason"]["kind"], "waived");
    assert_eq!(json["waivers"][0]["line"], 1);
    let github = stdout(&run("github"));
    assert!(
        github.contains("::notice file=migrations/sqlite/2024-03-01-000000_fix_index/up.sql,line=1,title=parity%3A waiver::waived (sqlite-only)"),
        "{github}"
    );
    assert!(std::fs::read_to_string(&summary)
        .unwrap()
        .contains("### Waivers: 1"));
    let sarif: serde_json::Value = serde_json::from_slice(&run("sarif").stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "parity/one-track-waiver");
    assert_eq!(results[0]["level"], "note");
}

#[test]
fn a_missing_counterpart_names_the_tracks_and_never_alembic_in_any_format() {
    let (_tmp, mut repo, base) = diesel_project();
    repo.write(
        "migrations/sqlite/2024-03-05-120000_pin_notes/up.sql",
        "ALTER TABLE notes ADD COLUMN pinned INTEGER;\n",
    )
    .unwrap();
    let head = repo.commit("pin").unwrap();
    for format in ["text", "json", "github", "sarif"] {
        let out = parity_in(repo.dir(), &["--format", format, &base, &head], &[]);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            !text.contains("lembic") && !text.contains("--suggest"),
            "{format}: {text}"
        );
        assert!(!text.contains("first track"), "{format}: {text}");
        if format != "json" {
            assert!(text.contains("PostgreSQL"), "{format}: {text}");
        }
    }
    let github = stdout(&parity_in(
        repo.dir(),
        &["--format", "github", &base, &head],
        &[],
    ));
    assert!(
        github
            .contains("::error file=migrations/sqlite/2024-03-05-120000_pin_notes/up.sql,line=1,"),
        "{github}"
    );
    assert!(github.contains("changes the SQLite schema, and the range adds no PostgreSQL revision (a file matching `migrations/postgresql/*/up.sql`)"), "{github}");
    assert!(
        github.contains("here: `migrations/postgresql/2024-03-05-120000_pin_notes/up.sql`"),
        "{github}"
    );
    // `--suggest` writes Alembic revisions only: here it says why not.
    let out = parity_in(repo.dir(), &["--suggest", &base, &head], &[]);
    assert_error(
        &out,
        "--suggest writes Alembic revisions, and the PostgreSQL track of these rules is not one",
    );
}

#[test]
fn rules_that_see_nothing_warn_in_parity_and_in_one_line_of_scan() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    repo.write(
        "parity.toml",
        testdata_text("scenarios/diesel-project/parity.toml"),
    )
    .unwrap();
    repo.write(
        "db/sqlite/0001_init/up.sql",
        "CREATE TABLE notes (id INTEGER);\n",
    )
    .unwrap();
    let base = repo.commit("baseline").unwrap();
    repo.write(
        "db/sqlite/0002_x/up.sql",
        "ALTER TABLE notes ADD COLUMN x TEXT;\n",
    )
    .unwrap();
    let head = repo.commit("a change the rules cannot see").unwrap();
    let out = parity_in(repo.dir(), &["--color", "never", &base, &head], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("warning: no file at HEAD is watched (`migrations/sqlite/*/up.sql`)"),
        "{}",
        stdout(&out)
    );
    let github = stdout(&parity_in(
        repo.dir(),
        &["--format", "github", &base, &head],
        &[],
    ));
    assert!(
        github.starts_with("::warning title=parity%3A configuration::no file at HEAD is watched"),
        "{github}"
    );
    let scan = crate::common::xtask()
        .args(["scan", "--repo", repo.dir().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(scan.status.code(), Some(0), "{}", stderr(&scan));
    let warnings: Vec<String> = stdout(&scan)
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .map(str::to_string)
        .collect();
    assert_eq!(
        warnings,
        vec!["warning: no watched path exists at the tip (`migrations/sqlite/*/up.sql`): the rules can never see a SQLite schema change".to_string()]
    );
}

#[test]
fn parity_init_writes_the_detected_layout_and_never_replaces_a_file_unasked() {
    let (_tmp, repo, _base) = diesel_project();
    let init = |args: &[&str]| {
        crate::common::xtask()
            .args(["parity", "init", "--repo", repo.dir().to_str().unwrap()])
            .args(args)
            .output()
            .unwrap()
    };
    // The committed parity.toml is there: refused, and --stdout shows the proposal.
    assert_error(&init(&[]), "parity.toml exists: pass --force");
    let shown = init(&["--stdout"]);
    assert_eq!(shown.status.code(), Some(0), "{}", stderr(&shown));
    assert!(stdout(&shown).contains("globs = [\"migrations/postgresql/*/up.sql\"]"));
    let written = init(&["--force"]);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert!(
        stdout(&written).contains("(diesel layout: "),
        "{}",
        stdout(&written)
    );
    let text = std::fs::read_to_string(repo.dir().join("parity.toml")).unwrap();
    assert_eq!(text, stdout(&shown));
    parse(&text).unwrap().rules().unwrap();
    // `init` is a subcommand only in first place: a range still works.
    let out = parity_in(repo.dir(), &["HEAD", "HEAD"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // From a subdirectory, or pointed at the git directory: written where
    // the guard reads it, at the top level, and named by its full path.
    std::fs::remove_file(repo.dir().join("parity.toml")).unwrap();
    for at in ["migrations/sqlite", ".git"] {
        let out = crate::common::xtask()
            .args(["parity", "init"])
            .current_dir(repo.dir().join(at))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{at}: {}", stderr(&out));
        let top = std::fs::canonicalize(repo.dir()).unwrap();
        assert!(
            stdout(&out).starts_with(&format!("wrote {}", top.join("parity.toml").display())),
            "{at}: {}",
            stdout(&out)
        );
        assert!(!repo.dir().join(at).join("parity.toml").exists(), "{at}");
        assert_eq!(
            std::fs::read_to_string(repo.dir().join("parity.toml")).unwrap(),
            stdout(&shown)
        );
        std::fs::remove_file(repo.dir().join("parity.toml")).unwrap();
    }

    // A parity.toml that is a symlink, dangling or not, is a file: refused
    // without --force, replaced itself with it, never written through.
    #[cfg(unix)]
    {
        let outside = repo.dir().parent().unwrap().join("outside.toml");
        std::os::unix::fs::symlink(&outside, repo.dir().join("parity.toml")).unwrap();
        assert_error(&init(&[]), "parity.toml exists: pass --force");
        assert!(!outside.exists());
        std::fs::write(&outside, "# someone else's\n").unwrap();
        let written = init(&["--force"]);
        assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
        assert_eq!(
            std::fs::read_to_string(&outside).unwrap(),
            "# someone else's\n"
        );
        let link = std::fs::symlink_metadata(repo.dir().join("parity.toml")).unwrap();
        assert!(link.file_type().is_file());
    }

    let tmp = tempfile::tempdir().unwrap();
    let mut bare = FixtureRepo::init(&tmp.path().join("plain")).unwrap();
    bare.write("README.md", "nothing here\n").unwrap();
    bare.commit("init").unwrap();
    let out = crate::common::xtask()
        .args(["parity", "init", "--repo", bare.dir().to_str().unwrap()])
        .output()
        .unwrap();
    assert_error(&out, "no known layout at HEAD");
}

/// The first ```toml block after `heading` in README.md.
fn readme_block(readme: &str, heading: &str) -> String {
    let at = readme.find(heading).unwrap_or_else(|| panic!("{heading}"));
    let rest = &readme[at..];
    let start = rest.find("```toml\n").unwrap() + "```toml\n".len();
    let end = rest[start..].find("```").unwrap();
    rest[start..start + end].to_string()
}

#[test]
fn the_readme_shows_each_templates_parity_toml() {
    let readme = std::fs::read_to_string(testdata().join("../README.md")).unwrap();
    for (heading, template) in [
        (
            "### diesel: a folder per migration and engine",
            "diesel-project",
        ),
        ("### Delta folders", "delta-project"),
        (
            "### The engine in the file name, both directions",
            "engine-name-project",
        ),
    ] {
        let shown = readme_block(&readme, heading);
        let file = testdata_text(&format!("scenarios/{template}/parity.toml"));
        assert_eq!(parse(&shown), parse(&file), "{heading}");
        assert!(parse(&file).is_ok(), "{template}");
    }
}

#[test]
fn a_verbose_pattern_that_ends_in_a_comment_is_judged_beside_others() {
    // Joined with the others as written, the comment would swallow the rest
    // of the set's expression, and the file would be refused.
    let config = testdata_text("configs/sqlite-postgres.toml").replace(
        "set = \"sql\"",
        "patterns = ['(?x) ALTER \\s+ TABLE  # columns and renames', 'DROP\\s+TABLE']",
    );
    for (text, code) in [
        (ADD_NOTES, 1),
        ("DROP TABLE agents;\n", 1),
        ("-- columns and renames\nUPDATE agents SET name = 'x';\n", 0),
    ] {
        let mut p = SqlProject::with_config(Some(&config));
        let out = p.check(&[("migrations/sqlite/0002_x.sql", text)]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{text}\n{}{}",
            stdout(&out),
            stderr(&out)
        );
    }
}
