//! The engines harness on the real engines: PostgreSQL's lifecycle, both
//! catalogs read, Alembic's integrity failures, and every case of
//! `cargo xtask engines` (the pairing scenarios and 200 generated changes).
//! Without PostgreSQL or the pinned Python packages these tests fail with the
//! install command; they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use pretty_assertions::assert_eq;
use xtask::harness::engines::catalog::{catalog_differences, Catalog, Engine};
use xtask::harness::engines::cluster::{find_postgres_bin_dir, process_runs, Cluster, Worker};
use xtask::harness::engines::integrity::LONG_REVISION;
use xtask::harness::engines::{check_integrity, render, run_suite, Engines, UpgradeOutcome};

const TEMPLATE: &str = "testdata/scenarios/project";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn guard() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_xtask"))
}

fn engines() -> Engines {
    Engines::start().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_cluster_runs_on_a_socket_and_stops_when_dropped_or_on_a_panic() {
    let cluster = Cluster::start().unwrap_or_else(|e| panic!("{e}"));
    assert!(cluster.is_running());
    let conf = std::fs::read_to_string(cluster.data_path().join("postmaster.opts")).unwrap();
    assert!(conf.contains("listen_addresses="), "{conf}");
    assert!(cluster.socket_dir().join(".s.PGSQL.5432").exists());
    let pid = cluster
        .postmaster_pid()
        .expect("a running server has its pid file");
    assert!(process_runs(pid));
    drop(cluster);
    assert!(!process_runs(pid), "the server outlived its Cluster");

    // A panic while the cluster runs: the unwinding drop stops it.
    let (send, receive) = std::sync::mpsc::channel();
    let outcome = std::thread::spawn(move || {
        let cluster = Cluster::start().unwrap_or_else(|e| panic!("{e}"));
        send.send(cluster.postmaster_pid().expect("its pid file"))
            .unwrap();
        panic!("a failing case");
    })
    .join();
    assert!(outcome.is_err());
    let pid = receive.recv().unwrap();
    assert!(!process_runs(pid), "the server outlived a panic");
}

#[test]
fn a_missing_component_is_an_error_naming_its_install_command() {
    let nowhere = tempfile::tempdir().unwrap();
    let error = find_postgres_bin_dir(Some(nowhere.path().as_os_str()), nowhere.path())
        .unwrap_err()
        .to_string();
    assert!(error.contains("apt-get install -y postgresql"), "{error}");

    // A python3 without its site-packages has none of the pinned packages.
    let wrapper = nowhere.path().join("python-without-site");
    std::fs::write(&wrapper, "#!/bin/sh\nexec python3 -S \"$@\"\n").unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .unwrap();
    let error = Worker::start_with(&wrapper, &nowhere.path().join("log"))
        .err()
        .expect("the worker must refuse to start")
        .to_string();
    assert!(
        error.contains("python3 -m pip install -r testdata/engines/requirements.txt"),
        "{error}"
    );
}

#[test]
fn the_template_projects_two_tracks_give_equivalent_catalogs() {
    let mut engines = engines();
    let template = root().join(TEMPLATE);
    let db_file = engines.work_dir().join("template.db");
    let sqlite = engines
        .sqlite_track(&template, &template, &db_file)
        .unwrap();
    assert_eq!(sqlite.error, None);
    let sqlite = Catalog::from_raw(Engine::Sqlite, sqlite.base.as_ref().unwrap());
    let db = engines.create_db().unwrap();
    let versions = template.join("src/backend/migrations/versions");
    assert_eq!(
        engines.alembic_upgrade(&db, &versions).unwrap(),
        UpgradeOutcome::Upgraded
    );
    let raw = engines.pg_catalog(&db).unwrap();
    // alembic_version is there, and left out of the schema.
    assert!(raw.tables.iter().any(|t| t.name == "alembic_version"));
    let postgres = Catalog::from_raw(Engine::Postgres, &raw);
    assert_eq!(
        catalog_differences(&sqlite, &postgres),
        Vec::<String>::new()
    );

    // What was read, on both sides.
    for catalog in [&sqlite, &postgres] {
        let tasks = &catalog.tables["tasks"];
        let status = tasks.column("status").unwrap();
        assert_eq!(status.class.to_string(), "text");
        assert!(status.not_null);
        assert_eq!(status.default.as_ref().unwrap().to_string(), "DEFAULT open");
        let fk = &tasks.column("project_id").unwrap().foreign_keys[0];
        assert_eq!(
            fk.to_string(),
            "(project_id) REFERENCES projects(id) ON DELETE NO ACTION ON UPDATE NO ACTION"
        );
        assert!(tasks.column("id").unwrap().primary_key);
        assert!(catalog.tables["projects"].column("name").unwrap().unique);
        assert_eq!(
            catalog.indexes["idx_tasks_project"].columns,
            vec!["project_id"]
        );
        let events = &catalog.tables["task_events"];
        assert_eq!(
            events.column("task_id").unwrap().foreign_keys[0].on_delete,
            "CASCADE"
        );
    }
    engines.drop_db(&db).unwrap();
}

const SCHEMA_PY: &str =
    "ALL = [\"CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL)\"]\n";

fn project(dir: &Path, migration: &str) {
    let db = dir.join("src/backend/db");
    std::fs::create_dir_all(&db).unwrap();
    std::fs::write(db.join("schema.py"), SCHEMA_PY).unwrap();
    let migrations = if migration.is_empty() {
        "MIGRATIONS = []\n".to_string()
    } else {
        format!(
            "def _migrate_x(cursor, conn):\n    cursor.executescript(\"\"\"{migration}\"\"\")\n\n\nMIGRATIONS = [(\"x\", _migrate_x)]\n"
        )
    };
    std::fs::write(db.join("migrations.py"), migrations).unwrap();
}

const SQLITE_DDL: &str = "
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL ON UPDATE CASCADE,
    code VARCHAR(12) NOT NULL UNIQUE,
    weight REAL DEFAULT 1.5,
    done BOOLEAN NOT NULL DEFAULT 0,
    seen_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX ux_items_open ON items (project_id, code) WHERE code <> '';
CREATE INDEX ix_items_code ON items (LOWER(code), weight DESC);
CREATE TRIGGER trg_items AFTER UPDATE ON items BEGIN SELECT 1; END;
";

fn pg_revision(where_clause: &str) -> String {
    format!(
        "revision = \"0001\"\ndown_revision = None\nfrom alembic import op\n\n\ndef upgrade():\n    op.execute(\"\"\"
CREATE TABLE projects (id SERIAL PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE items (
    id INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL ON UPDATE CASCADE,
    code CHARACTER VARYING(12) NOT NULL UNIQUE,
    weight DOUBLE PRECISION DEFAULT 1.5,
    done BOOLEAN NOT NULL DEFAULT false,
    seen_at TIMESTAMP WITH TIME ZONE DEFAULT now()
);
CREATE UNIQUE INDEX ux_items_open ON items (project_id, code){where_clause};
CREATE INDEX ix_items_code ON items (lower(code), weight DESC);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER trg_items AFTER UPDATE ON items FOR EACH ROW EXECUTE FUNCTION touch();
\"\"\")\n"
    )
}

#[test]
fn both_catalogs_read_keys_references_partial_indexes_and_triggers_alike() {
    let mut engines = engines();
    let (base, head) = (
        engines.work_dir().join("p-base"),
        engines.work_dir().join("p-head"),
    );
    project(&base, "");
    project(&head, SQLITE_DDL);
    let run = engines
        .sqlite_track(&base, &head, &engines.work_dir().join("p.db"))
        .unwrap();
    assert_eq!(run.error, None);
    let raw = run.upgraded.unwrap();
    let index = raw
        .indexes
        .iter()
        .find(|i| i.name == "ux_items_open")
        .unwrap();
    assert_eq!(index.predicate.as_deref(), Some("code <> ''"));
    assert!(index.unique);
    // An expression's text comes from the statement (index_info names none).
    let expression = raw
        .indexes
        .iter()
        .find(|i| i.name == "ix_items_code")
        .unwrap();
    assert_eq!(
        expression.columns,
        vec![Some("LOWER(code)".to_string()), Some("weight".to_string())]
    );
    assert_eq!(raw.triggers[0].name, "trg_items");
    let sqlite = Catalog::from_raw(Engine::Sqlite, &raw);
    let fk = &sqlite.tables["items"]
        .column("project_id")
        .unwrap()
        .foreign_keys[0];
    assert_eq!(
        (fk.on_delete.as_str(), fk.on_update.as_str()),
        ("SET NULL", "CASCADE")
    );

    for (where_clause, expected) in [
        (" WHERE code <> ''", vec![]),
        (
            "",
            vec![
                "index ux_items_open: index-where: SQLite WHERE code<>'', PostgreSQL no WHERE"
                    .to_string(),
            ],
        ),
    ] {
        let db = engines.create_db().unwrap();
        let versions = engines.work_dir().join(format!("v-{db}"));
        std::fs::create_dir_all(&versions).unwrap();
        std::fs::write(versions.join("0001_items.py"), pg_revision(where_clause)).unwrap();
        assert_eq!(
            engines.alembic_upgrade(&db, &versions).unwrap(),
            UpgradeOutcome::Upgraded
        );
        let postgres = Catalog::from_raw(Engine::Postgres, &engines.pg_catalog(&db).unwrap());
        assert_eq!(catalog_differences(&sqlite, &postgres), expected);
        engines.drop_db(&db).unwrap();
    }
}

#[test]
fn real_alembic_fails_on_two_heads_a_long_id_and_a_missing_down_revision() {
    let mut engines = engines();
    let results = check_integrity(&mut engines).unwrap();
    let shown: Vec<(&str, bool)> = results.iter().map(|r| (r.name, r.passed)).collect();
    assert_eq!(
        shown,
        vec![
            ("linear", true),
            ("two-heads", true),
            ("revision-id-too-long", true),
            ("missing-down-revision", true),
            ("widened-version-table", true),
        ],
        "{results:#?}"
    );
    let outcome = |name: &str| {
        results
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .outcome
            .clone()
    };
    let UpgradeOutcome::Failed(error) = outcome("two-heads") else {
        panic!("two heads upgraded")
    };
    assert!(
        error.contains("Multiple head revisions are present"),
        "{error}"
    );
    let UpgradeOutcome::Failed(error) = outcome("missing-down-revision") else {
        panic!("a missing down_revision upgraded")
    };
    assert!(error.starts_with("KeyError"), "{error}");
    assert_eq!(outcome("widened-version-table"), UpgradeOutcome::Upgraded);
    assert!(LONG_REVISION.len() > 32);

    // The function the lead checks the guard's integrity findings with.
    let single = "revision = \"only\"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n";
    assert_eq!(
        engines.run_revisions(&[("0001_only.py", single)]).unwrap(),
        UpgradeOutcome::Upgraded
    );
    let broken = "revision = \"x\"\ndown_revision = None\n\n\ndef upgrade():\n    raise RuntimeError(\"boom\")\n";
    assert_eq!(
        engines.run_revisions(&[("0001_x.py", broken)]).unwrap(),
        UpgradeOutcome::Failed("RuntimeError: boom".into())
    );
}

/// How many `pairing-*` scenarios there are.
fn pairing_scenarios() -> usize {
    std::fs::read_dir(root().join("testdata/scenarios"))
        .unwrap()
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with("pairing-") && name.ends_with(".toml")
        })
        .count()
}

/// Runs every case once (the pairing scenarios and 200 generated changes):
/// what the harness itself must get right (the generated cases' truth is
/// what the generator wrote; real Alembic fails where it must), two
/// scenarios' truth pinned, and the guard's agreement with the engines on
/// every object and every `--write-revision`. The table, with every
/// disagreement in full, is printed on failure.
#[test]
fn the_guard_agrees_with_the_engines_on_every_case() {
    let report = run_suite(&guard(), 200, 20_260_101).unwrap_or_else(|e| panic!("{e}"));
    let table = render(&report, false);
    assert_eq!(report.scenarios.len(), pairing_scenarios(), "{table}");
    assert_eq!(report.generated.len(), 200, "{table}");
    assert!(report.harness_ok(), "{table}");

    // Two scenarios' truth, pinned: what the engines say whatever the guard does.
    let truth = |name: &str| -> Vec<String> {
        report
            .scenarios
            .iter()
            .find(|r| r.name == name)
            .unwrap()
            .truth
            .iter()
            .map(|t| format!("{} {}", t.key, t.status.name()))
            .collect()
    };
    assert_eq!(
        truth("pairing-partial-revision"),
        vec![
            "column tasks.due_date (created) covered",
            "column tasks.estimate (created) covered",
            "column tasks.reminder_at (created) uncovered",
            "column tasks.start_date (created) covered",
        ]
    );
    assert_eq!(
        truth("pairing-table-and-indexes"),
        vec![
            "table task_comments (created) covered",
            "column task_comments.body (created) covered",
            "column task_comments.created_at (created) covered",
            "column task_comments.id (created) covered",
            "column task_comments.task_id (created) covered",
            "column tasks.colour (created) covered",
            "index idx_task_comments_task (created) covered",
            "index ux_task_comments_created (created) covered",
        ]
    );
    let disagreeing: Vec<&str> = report
        .scenarios
        .iter()
        .chain(&report.generated)
        .filter(|r| !r.agrees())
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(disagreeing, Vec::<&str>::new(), "{table}");
    assert!(report.guard_agrees(), "{table}");
}

#[test]
fn the_command_prints_the_table() {
    let output = Command::new(guard())
        .args(["engines", "--cases", "3", "--seed", "5", "--verbose"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("case "), "{stdout}");
    assert!(stdout.contains("generated-002"), "{stdout}");
    // --verbose: every case's objects, the agreed ones too.
    assert!(stdout.contains("\ngenerated-000:\n"), "{stdout}");
    assert!(stdout.contains("  agreed: "), "{stdout}");
    assert!(stdout.contains("Alembic integrity:"), "{stdout}");
    let scenarios = pairing_scenarios();
    assert!(
        stdout.contains(&format!(
            "{} cases ({scenarios} scenarios, 3 generated)",
            scenarios + 3
        )),
        "{stdout}"
    );
    // The exit code is the table's verdict.
    let agrees = stdout.contains(", 0 disagree; harness checks: ok");
    assert_eq!(
        output.status.code(),
        Some(if agrees { 0 } else { 1 }),
        "{stdout}"
    );
}

/// `--verbose` details every case, the agreeing ones too.
#[test]
fn verbose_details_the_cases_that_agree_too() {
    let run = |verbose: bool| {
        let mut args = vec!["engines", "--cases", "1", "--seed", "5"];
        if verbose {
            args.push("--verbose");
        }
        let output = Command::new(guard()).args(&args).output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let (plain, verbose) = (run(false), run(true));
    let details = |text: &str| text.lines().any(|l| l == "pairing-metadata-file-added:");
    assert!(!details(&plain), "{plain}");
    assert!(details(&verbose), "{verbose}");
}

/// One scenario of `testdata/alembic-integrity/`: the merged revision tree,
/// the command a deploy runs, what real Alembic does, and the guard's findings.
#[derive(serde::Deserialize)]
struct IntegrityScenario {
    parity: Vec<String>,
    command: String,
    outcome: String,
}

/// The Alembic integrity corpus on real Alembic and PostgreSQL: each
/// scenario's command fails exactly where its recorded outcome says, and the
/// guard fails (a finding of an error kind, as the core's corpus test pins)
/// exactly where the engine fails.
#[test]
fn real_alembic_fails_exactly_where_the_guard_fails_on_the_integrity_corpus() {
    let corpus = root().join("testdata/alembic-integrity");
    let default_env = std::fs::read_to_string(corpus.join("env.py")).unwrap();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 19, "{dirs:?}");
    let mut engines = engines();
    let mut disagreements = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let scenario: IntegrityScenario =
            toml::from_str(&std::fs::read_to_string(dir.join("scenario.toml")).unwrap()).unwrap();
        let env =
            std::fs::read_to_string(dir.join("env.py")).unwrap_or_else(|_| default_env.clone());
        let target = scenario.command.strip_prefix("upgrade ").unwrap();
        let db = engines.create_db().unwrap();
        let outcome = engines
            .alembic_upgrade_to(&db, &dir.join("versions"), target, Some(&env))
            .unwrap();
        engines.drop_db(&db).unwrap();
        let engine_fails = matches!(outcome, UpgradeOutcome::Failed(_));
        let guard_fails = scenario.parity.iter().any(|id| {
            parity_core::kinds::all()
                .find(|kind| kind.id == id)
                .unwrap_or_else(|| panic!("{name}: no kind {id}"))
                .level
                == parity_core::kinds::Level::Error
        });
        if engine_fails != (scenario.outcome == "fails") || engine_fails != guard_fails {
            disagreements.push(format!(
                "{name}: alembic {}: {outcome:?}; recorded {}; guard {}",
                scenario.command,
                scenario.outcome,
                if guard_fails { "fails" } else { "passes" }
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
