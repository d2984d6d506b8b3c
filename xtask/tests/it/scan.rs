//! `cargo xtask scan` on generated histories: for every commit it gives the
//! report that `cargo xtask parity PARENT COMMIT` gives, with a constant
//! number of git processes.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};

use parity_core::Verdict;
use pretty_assertions::assert_eq;
use serde_json::Value;
use xtask::guard::parity::{report_in_force, RangeRequest};
use xtask::guard::scan::{scan, JudgedCommit, ScanOptions};
use xtask::harness::history::{write_history, GeneratedCommit, HistoryPlan, Shape};
use xtask::harness::repo::FixtureRepo;

/// A generated history in a temporary directory, with its commits by SHA.
struct History {
    _tmp: tempfile::TempDir,
    repo: FixtureRepo,
    by_sha: HashMap<String, GeneratedCommit>,
}

fn history(seed: u64, steps: usize) -> History {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    let mut generated = Vec::new();
    let marks = repo
        .fast_import(|out| {
            generated = write_history(HistoryPlan { seed, steps }, out)?;
            Ok(())
        })
        .unwrap();
    let marks: HashMap<u64, String> = marks.into_iter().collect();
    let by_sha = generated
        .into_iter()
        .map(|c| (marks[&c.mark].clone(), c))
        .collect();
    History {
        _tmp: tmp,
        repo,
        by_sha,
    }
}

fn scan_all(dir: &Path, options: &ScanOptions) -> Vec<JudgedCommit> {
    let mut judged = Vec::new();
    scan(dir, options, |c| {
        judged.push(c.clone());
        Ok(())
    })
    .unwrap();
    judged
}

/// Every judged commit gets parity's own report for PARENT COMMIT. Scan pairs
/// objects only when that can change a verdict (`--strict`), so without it
/// the comparison leaves out parity's object coverage.
fn assert_same_as_parity(dir: &Path, judged: &[JudgedCommit]) {
    assert_same_as_parity_with(dir, judged, &ScanOptions::default());
}

/// As `parity PARENT COMMIT` judges, with the rules in force (the options'
/// `--config`, else the parity.toml at PARENT) and `--strict` as given.
fn assert_same_as_parity_with(dir: &Path, judged: &[JudgedCommit], options: &ScanOptions) {
    for commit in judged {
        let Some(parent) = commit.commit.first_parent() else {
            assert_eq!(commit.report.verdict(), Verdict::Skipped);
            continue;
        };
        let request = RangeRequest::Range {
            base: parent.to_string(),
            head: commit.commit.sha.clone(),
        };
        let (mut parity, rules) = report_in_force(
            dir,
            &request,
            options.config.as_deref(),
            options.strict,
            parity_core::PairingMode::Always,
        )
        .unwrap();
        if !rules.strict {
            parity.coverage.clear();
        }
        // Warnings are about the tree at HEAD, not the commit's change: scan
        // gives them once, for the tip.
        parity.warnings.clear();
        assert_eq!(
            commit.report, parity,
            "commit {} ({})",
            commit.commit.sha, commit.commit.subject
        );
    }
}

#[test]
fn first_parent_scan_gives_parity_s_report_for_every_commit() {
    let h = history(7, 170);
    let judged = scan_all(h.repo.dir(), &ScanOptions::default());

    // Exactly the mainline, newest first, each as the generator meant it.
    let mainline = h.by_sha.values().filter(|c| c.mainline).count();
    assert_eq!(judged.len(), mainline);
    assert!(judged.len() >= 200, "{} commits", judged.len());
    let mut shapes = HashMap::new();
    for commit in &judged {
        let generated = &h.by_sha[&commit.commit.sha];
        assert!(generated.mainline, "{}", commit.commit.subject);
        if let Some(expected) = generated.shape.expected() {
            assert_eq!(
                commit.report.verdict(),
                expected,
                "{:?}: {} {:?}",
                generated.shape,
                commit.report.message(),
                commit.report.integrity
            );
        }
        *shapes.entry(format!("{:?}", generated.shape)).or_insert(0) += 1;
    }
    // The mix holds every kind of step, so the comparison below means something.
    for shape in [
        Shape::Column { revision: false },
        Shape::Column { revision: true },
        Shape::Table { revision: false },
        Shape::Merge { revision: false },
        Shape::Merge { revision: true },
        Shape::DataOnly,
        Shape::DocstringDataOnly,
        Shape::CommentOnly,
        Shape::Rebuild,
        Shape::MetadataDdl,
        Shape::RevisionMovedIn,
        Shape::RevisionEdited,
        Shape::Unwatched,
    ] {
        assert!(
            shapes.contains_key(&format!("{shape:?}")),
            "no {shape:?} in {shapes:?}"
        );
    }
    assert_same_as_parity(h.repo.dir(), &judged);
}

#[test]
fn a_watched_file_moved_into_place_is_judged_by_its_rename_as_parity_does() {
    // parity diffs the rename's source too, so git pairs the two and only the
    // lines the move changed are added; the audit must see the same lines.
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    let migrations = "\"\"\"SQLite migrations.\"\"\"\n\n\ndef _migrate_agents(cursor, conn):\n    cursor.execute(\"CREATE TABLE agents (id INTEGER PRIMARY KEY)\")\n\n\nMIGRATIONS = [\n    (\"agents\", _migrate_agents),\n]\n";
    repo.write("src/backend/migrations.py", migrations).unwrap();
    repo.write("src/backend/migrations/versions/__init__.py", "")
        .unwrap();
    repo.commit("baseline").unwrap();
    repo.remove("src/backend/migrations.py").unwrap();
    repo.write(
        "src/backend/db/migrations.py",
        migrations.replace("SQLite migrations.", "SQLite migrations, moved."),
    )
    .unwrap();
    let moved = repo.commit("Move the migrations under db/").unwrap();

    let judged = scan_all(repo.dir(), &ScanOptions::default());
    assert_eq!(judged[0].commit.sha, moved);
    assert_eq!(judged[0].report.verdict(), Verdict::Pass);
    assert!(
        judged[0].report.entries.is_empty(),
        "{:?}",
        judged[0].report
    );
    assert_same_as_parity(repo.dir(), &judged);
}

#[test]
fn a_strict_scan_pairs_objects_and_gives_parity_s_strict_report() {
    let h = history(5, 60);
    let options = ScanOptions {
        strict: true,
        ..ScanOptions::default()
    };
    let judged = scan_all(h.repo.dir(), &options);
    assert!(
        judged.iter().any(|c| !c.report.coverage.is_empty()),
        "the history has schema changes to pair"
    );
    assert_same_as_parity_with(h.repo.dir(), &judged, &options);
}

#[test]
fn every_parent_scan_judges_branch_commits_as_parity_does() {
    let h = history(11, 50);
    let options = ScanOptions {
        all_parents: true,
        ..ScanOptions::default()
    };
    let judged = scan_all(h.repo.dir(), &options);
    assert_eq!(judged.len(), h.by_sha.len(), "every commit, branches too");
    assert!(judged
        .iter()
        .any(|c| !h.by_sha[&c.commit.sha].mainline && c.report.verdict() == Verdict::Fail));
    assert_same_as_parity(h.repo.dir(), &judged);
    // The same walk through the command line; without the flag, the mainline.
    let every = scanned_through_the_binary(h.repo.dir(), &["--all-parents"]);
    assert_eq!(every.len(), h.by_sha.len());
    let mainline = scanned_through_the_binary(h.repo.dir(), &[]);
    assert_eq!(
        mainline.len(),
        h.by_sha.values().filter(|c| c.mainline).count()
    );
    assert!(mainline.len() < every.len());
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env_remove("GIT_DIR")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_command_lists_failing_commits_and_exits_1() {
    let h = history(3, 40);
    let dir = h.repo.dir().to_str().unwrap().to_string();
    let judged = scan_all(h.repo.dir(), &ScanOptions::default());
    let failing: Vec<&JudgedCommit> = judged
        .iter()
        .filter(|c| c.report.verdict() == Verdict::Fail)
        .collect();
    assert!(!failing.is_empty());

    let out = xtask(&["scan", "--repo", &dir]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let rows: Vec<&str> = stdout.lines().skip(1).take(failing.len()).collect();
    for (row, commit) in rows.iter().zip(&failing) {
        assert!(row.starts_with(&commit.commit.sha[..12]), "{row}");
        assert!(row.contains(&commit.commit.date[..10]), "{row}");
        let evidence = commit.report.evidence.first().unwrap();
        assert!(
            row.contains(&format!("{}:{}", evidence.path, evidence.line)),
            "{row}"
        );
    }
    assert!(
        stdout.lines().next().unwrap().starts_with("COMMIT"),
        "{stdout}"
    );
    let summary = stdout.lines().last().unwrap();
    assert_eq!(
        summary,
        format!(
            "parity scan: FAIL: {} commits judged on HEAD (first parent): {} fail, {} pass, 1 skipped (no parent)",
            judged.len(),
            failing.len(),
            judged.len() - failing.len() - 1
        )
    );

    let out = xtask(&["scan", "--repo", &dir, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    let shas: Vec<&str> = doc["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = failing.iter().map(|c| c.commit.sha.as_str()).collect();
    assert_eq!(shas, expected);
    assert_eq!(doc["failing"][0]["report"]["verdict"], "fail");
    assert_eq!(doc["summary"]["fail"], failing.len() as u64);
}

#[test]
fn a_clean_range_exits_0_and_a_range_limits_the_walk() {
    let h = history(5, 30);
    let dir = h.repo.dir().to_str().unwrap().to_string();
    let judged = scan_all(h.repo.dir(), &ScanOptions::default());
    // The newest run of passing commits, as a range of its own.
    let clean = judged
        .iter()
        .take_while(|c| c.report.verdict() != Verdict::Fail)
        .count();
    assert!(clean > 0 && clean < judged.len(), "{clean}");
    let range = format!("{}..HEAD", judged[clean].commit.sha);
    let out = xtask(&["scan", "--repo", &dir, "--range", &range]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("{clean} commits judged on {range}")),
        "{stdout}"
    );
    assert!(!stdout.contains("COMMIT"), "{stdout}");

    let options = ScanOptions {
        range: Some(range),
        ..ScanOptions::default()
    };
    assert_eq!(scan_all(h.repo.dir(), &options), judged[..clean].to_vec());
}

/// A `migrations.py` whose entries each add a column to `t`.
fn migrations(entries: &[&str]) -> String {
    let mut text = String::new();
    for e in entries {
        text.push_str(&format!(
            "def _migrate_{e}(cursor, conn):\n    cursor.execute(\"ALTER TABLE t ADD COLUMN {e} TEXT\")\n\n"
        ));
    }
    text.push_str("MIGRATIONS = [\n");
    for e in entries {
        text.push_str(&format!("    (\"{e}\", _migrate_{e}),\n"));
    }
    text + "]\n"
}

#[test]
fn since_revisions_starts_where_the_revision_directory_appears() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    repo.write("src/backend/db/migrations.py", migrations(&["a"]))
        .unwrap();
    repo.commit("root").unwrap();
    repo.write("src/backend/db/migrations.py", migrations(&["a", "b"]))
        .unwrap();
    let before = repo.commit("a schema change before any revision").unwrap();
    repo.write(
        "src/backend/migrations/versions/0001_base.py",
        "revision = \"0001\"\ndown_revision = None\n",
    )
    .unwrap();
    let first = repo.commit("alembic arrives").unwrap();
    repo.write("src/backend/db/migrations.py", migrations(&["a", "b", "c"]))
        .unwrap();
    let after = repo.commit("a schema change without its revision").unwrap();

    let failing = |options: &ScanOptions| -> Vec<String> {
        scan_all(repo.dir(), options)
            .into_iter()
            .filter(|c| c.report.verdict() == Verdict::Fail)
            .map(|c| c.commit.sha)
            .collect()
    };
    assert_eq!(
        failing(&ScanOptions::default()),
        vec![after.clone(), before]
    );
    let since = ScanOptions {
        since_revisions: true,
        ..ScanOptions::default()
    };
    assert_eq!(failing(&since), vec![after.clone()]);
    let judged = scan_all(repo.dir(), &since);
    assert_eq!(judged.last().unwrap().commit.sha, first);

    let dir = repo.dir().to_str().unwrap();
    let out = xtask(&["scan", "--repo", dir, "--since-revisions"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(
            "note: 2 commit(s) where the revision directory of the rules in force does not exist yet were not judged"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("2 commits judged"), "{stdout}");

    // Before the directory exists there is nothing to audit.
    let range = format!("{first}~1");
    let out = xtask(&[
        "scan",
        "--repo",
        dir,
        "--since-revisions",
        "--range",
        &range,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("nothing to audit"),
        "{}",
        text(&out.stdout)
    );
}

/// Asserts an error: exit 2, one line on stderr, nothing on stdout.
fn assert_error(out: &Output, needle: &str) {
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn bad_input_is_an_error_with_exit_2() {
    let h = history(1, 3);
    let dir = h.repo.dir().to_str().unwrap();
    assert_error(
        &xtask(&["scan", "--repo", dir, "--range", "a...b"]),
        "three dots",
    );
    assert_error(
        &xtask(&["scan", "--repo", dir, "--range", "nope..HEAD"]),
        "does not name a commit",
    );
    assert_error(
        &xtask(&["scan", "--repo", dir, "--range=--output=x"]),
        "starts with '-'",
    );
    let tmp = tempfile::tempdir().unwrap();
    assert_error(
        &xtask(&["scan", "--repo", tmp.path().to_str().unwrap()]),
        "is not a git repository",
    );
}

#[test]
fn an_error_met_mid_walk_leaves_nothing_on_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    repo.write(
        "src/backend/db/migrations.py",
        "def _migrate_a(cursor, conn):\n    cursor.execute(\"CREATE TABLE a (id INTEGER)\")\n\n\nMIGRATIONS = [\n]\n",
    )
    .unwrap();
    repo.commit("root").unwrap();
    // Rules that cannot be read, in force for the commit after them...
    repo.write("parity.toml", "[[watch]\n").unwrap();
    repo.commit("a broken parity.toml").unwrap();
    repo.remove("parity.toml").unwrap();
    repo.commit("judged by the broken rules").unwrap();
    // ... and a failing commit after that, judged (and listed) first.
    repo.write(
        "src/backend/db/migrations.py",
        "def _migrate_a(cursor, conn):\n    cursor.execute(\"CREATE TABLE a (id INTEGER)\")\n\n\ndef _migrate_b(cursor, conn):\n    cursor.execute(\"ALTER TABLE a ADD COLUMN b TEXT\")\n\n\nMIGRATIONS = [\n    (\"b\", _migrate_b),\n]\n",
    )
    .unwrap();
    repo.commit("an entry and DDL without a revision").unwrap();
    let listed = xtask(&[
        "scan",
        "--repo",
        repo.dir().to_str().unwrap(),
        "--range",
        "HEAD~1..HEAD",
    ]);
    assert_eq!(listed.status.code(), Some(1), "{}", text(&listed.stderr));
    let dir = repo.dir().to_str().unwrap();
    for format in ["text", "json"] {
        assert_error(
            &xtask(&["scan", "--repo", dir, "--format", format]),
            "parity.toml",
        );
    }
}

/// A `git` on PATH that logs each run, then runs the real one.
#[cfg(unix)]
fn counting_git(dir: &Path) -> (std::path::PathBuf, std::ffi::OsString) {
    use std::os::unix::fs::PermissionsExt;
    let real = Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .unwrap();
    let real = text(&real.stdout).trim().to_string();
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("git-runs.log");
    let script = format!(
        "#!/bin/sh\necho run >> '{}'\nexec '{real}' \"$@\"\n",
        log.display()
    );
    std::fs::write(bin.join("git"), script).unwrap();
    std::fs::set_permissions(bin.join("git"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    (log, path)
}

#[cfg(unix)]
#[test]
fn the_number_of_git_processes_does_not_grow_with_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let (log, path) = counting_git(tmp.path());
    let runs = |steps: usize, args: &[&str]| {
        let h = history(2, steps);
        let _ = std::fs::remove_file(&log);
        let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["scan", "--repo", h.repo.dir().to_str().unwrap()])
            .args(args)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            text(&out.stderr)
        );
        std::fs::read_to_string(&log).unwrap().lines().count()
    };
    let small = runs(5, &[]);
    assert_eq!(runs(120, &[]), small);
    // rev-parse, resolve, two logs, one cat-file --batch, and two
    // cat-file --batch-check (where the watched paths lead, followed or not).
    assert!(small <= 7, "{small} git processes");
    assert_eq!(
        runs(120, &["--since-revisions"]),
        runs(5, &["--since-revisions"])
    );
}

/// `scan --all-commits --format json` with `extra` flags: each judged
/// commit's SHA, first parent and report.
fn scanned_through_the_binary(dir: &Path, extra: &[&str]) -> Vec<(String, Option<String>, Value)> {
    let mut args = vec!["scan", "--repo", dir.to_str().unwrap()];
    args.extend(["--all-commits", "--format", "json"]);
    args.extend(extra);
    let out = crate::common::xtask().args(&args).output().unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        text(&out.stderr)
    );
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    document["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|commit| {
            let parent = commit["parents"][0].as_str().map(str::to_string);
            let sha = commit["sha"].as_str().unwrap().to_string();
            (sha, parent, commit["report"].clone())
        })
        .collect()
}

/// Asserts that scan's report of every commit is the one `parity PARENT
/// COMMIT` prints with the same `extra` flags (coverage left out unless
/// `--strict`, as scan pairs only where that can change a verdict).
fn assert_scan_is_parity_through_the_binary(dir: &Path, extra: &[&str]) -> usize {
    let scanned = scanned_through_the_binary(dir, extra);
    let strict = extra.contains(&"--strict");
    for (sha, parent, report) in &scanned {
        let Some(parent) = parent else {
            assert_eq!(report["verdict"], "skipped");
            continue;
        };
        let mut args = vec!["--format", "json", parent.as_str(), sha.as_str()];
        args.extend(extra);
        let out = crate::common::parity_in(dir, &args, &[]);
        let mut expected: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", text(&out.stderr)));
        let object = expected.as_object_mut().unwrap();
        object.remove("version");
        object.remove("tool");
        // Rules that see nothing at HEAD: scan says so once, for the walk.
        object.remove("warnings");
        if !strict {
            object.insert("coverage".into(), Value::Array(Vec::new()));
        }
        assert_eq!(report, &expected, "{extra:?} commit {sha}");
    }
    scanned.len()
}

#[test]
fn through_the_binary_scan_gives_parity_s_report_for_every_commit_and_every_layout() {
    let h = history(3, 16);
    let configs: Vec<String> = std::fs::read_dir(crate::common::testdata().join("configs"))
        .unwrap()
        .map(|entry| entry.unwrap().path().display().to_string())
        .collect();
    assert!(configs.len() >= 2, "{configs:?}");
    let mut runs: Vec<Vec<&str>> = vec![vec![], vec!["--strict"]];
    for config in &configs {
        runs.push(vec!["--config", config]);
        runs.push(vec!["--config", config, "--strict"]);
    }
    for extra in runs {
        let judged = assert_scan_is_parity_through_the_binary(h.repo.dir(), &extra);
        assert!(judged >= 16, "{extra:?}: {judged} commits");
    }
}

/// Revisions named by globs (diesel's `migrations/postgresql/*/up.sql`):
/// `--since-revisions` starts where the globs' directory exists.
#[test]
fn since_revisions_starts_where_the_globs_directory_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    let config = crate::common::testdata_text("scenarios/diesel-project/parity.toml");
    repo.write("parity.toml", &config).unwrap();
    repo.commit("root").unwrap();
    let sqlite = |name: &str| format!("migrations/sqlite/{name}/up.sql");
    repo.write(
        &sqlite("2024-01-01-000000_a"),
        "CREATE TABLE a (id INTEGER);\n",
    )
    .unwrap();
    repo.commit("a, before the PostgreSQL track").unwrap();
    repo.write(
        "migrations/postgresql/2024-01-02-000000_b/up.sql",
        "CREATE TABLE b (id INT);\n",
    )
    .unwrap();
    repo.commit("the PostgreSQL track begins").unwrap();
    repo.write(
        &sqlite("2024-01-03-000000_c"),
        "CREATE TABLE c (id INTEGER);\n",
    )
    .unwrap();
    repo.commit("c, without its counterpart").unwrap();
    let dir = repo.dir().to_str().unwrap();
    let out = xtask(&[
        "scan",
        "--repo",
        dir,
        "--format",
        "json",
        "--since-revisions",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failing: Vec<&str> = document["failing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["c, without its counterpart"], "{document}");
    // Without the flag the commit before the track fails too.
    let out = xtask(&["scan", "--repo", dir, "--format", "json"]);
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        document["failing"].as_array().unwrap().len(),
        2,
        "{document}"
    );
}

/// A `parity.toml` whose lines are only removed, then the file deleted:
/// both are changes to it, noted by scan as by `parity`.
#[test]
fn a_parity_toml_trimmed_or_deleted_is_noted_by_scan_as_by_parity() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    let spec = crate::common::testdata_text("configs/spec-layout.toml");
    repo.write("parity.toml", format!("strict = true\n{spec}"))
        .unwrap();
    repo.write("notes.txt", "a\n").unwrap();
    repo.commit("root").unwrap();
    repo.write("parity.toml", &spec).unwrap();
    repo.commit("no longer strict").unwrap();
    repo.remove("parity.toml").unwrap();
    repo.commit("the defaults").unwrap();
    let judged = assert_scan_is_parity_through_the_binary(repo.dir(), &[]);
    assert_eq!(judged, 3);
    let scanned = scanned_through_the_binary(repo.dir(), &[]);
    for (_, parent, report) in &scanned[..2] {
        assert!(parent.is_some());
        assert!(
            report["notes"].as_array().unwrap().iter().any(|n| n
                .as_str()
                .unwrap()
                .starts_with("this range changes parity.toml")),
            "{report}"
        );
    }
}

/// A history that adopts a `parity.toml` of another layout half-way: each
/// commit is judged by the file at its parent, as `parity` judges it.
#[test]
fn scan_honours_the_parity_toml_at_each_parent_and_config_overrides_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    let migrations = |entries: &[&str]| {
        let mut text = String::from("\"\"\"SQLite migrations.\"\"\"\n\n");
        for e in entries {
            text.push_str(&format!(
                "def _migrate_{e}(cursor, conn):\n    cursor.execute(\"ALTER TABLE t ADD COLUMN {e} TEXT\")\n\n\n"
            ));
        }
        text.push_str("MIGRATIONS = [\n");
        for e in entries {
            text.push_str(&format!("    (\"{e}\", _migrate_{e}),\n"));
        }
        text + "]\n"
    };
    repo.write("src/backend/db/migrations.py", migrations(&["a"]))
        .unwrap();
    repo.write(
        "migrations/sqlite/0001_t.sql",
        "CREATE TABLE t (id INTEGER);\n",
    )
    .unwrap();
    repo.write(
        "migrations/postgres/0001_t.sql",
        "CREATE TABLE t (id INTEGER);\n",
    )
    .unwrap();
    repo.commit("root").unwrap();
    repo.write("src/backend/db/migrations.py", migrations(&["a", "b"]))
        .unwrap();
    let by_defaults = repo.commit("an entry and DDL without a revision").unwrap();
    let config = crate::common::testdata_text("configs/sqlite-postgres.toml");
    repo.write("parity.toml", &config).unwrap();
    let adopts = repo.commit("adopt the SQL layout").unwrap();
    repo.write(
        "migrations/sqlite/0002_notes.sql",
        "ALTER TABLE t ADD COLUMN notes TEXT;\n",
    )
    .unwrap();
    let by_config = repo
        .commit("a SQLite migration without its counterpart")
        .unwrap();
    repo.write("src/backend/db/migrations.py", migrations(&["a", "b", "c"]))
        .unwrap();
    repo.commit("no longer watched").unwrap();

    let failing = |extra: &[&str]| -> Vec<String> {
        scanned_through_the_binary(repo.dir(), extra)
            .into_iter()
            .filter(|(_, _, report)| report["verdict"] == "fail")
            .map(|(sha, _, _)| sha)
            .collect()
    };
    assert_eq!(failing(&[]), vec![by_config.clone(), by_defaults.clone()]);
    let scanned = scanned_through_the_binary(repo.dir(), &[]);
    let adopting = scanned.iter().find(|(sha, _, _)| *sha == adopts).unwrap();
    assert!(
        adopting.2["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("this range changes parity.toml"),
        "{}",
        adopting.2
    );
    let spec = crate::common::testdata().join("configs/spec-layout.toml");
    let spec = spec.to_str().unwrap();
    assert_eq!(
        failing(&["--config", spec]),
        vec![
            repo.git(&["rev-parse", "HEAD"]).unwrap().trim().to_string(),
            by_defaults
        ]
    );
    assert_scan_is_parity_through_the_binary(repo.dir(), &[]);
    assert_scan_is_parity_through_the_binary(repo.dir(), &["--strict"]);
    assert_scan_is_parity_through_the_binary(repo.dir(), &["--config", spec]);

    // The text table lists every judged commit with --all-commits, and
    // --strict is named in the walk it reports on.
    let dir = repo.dir().to_str().unwrap();
    let out = xtask(&["scan", "--repo", dir, "--all-commits", "--strict"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("pass ")).count(),
        2,
        "{stdout}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("FAIL ")).count(),
        2,
        "{stdout}"
    );
    assert!(stdout.contains("(first parent, --strict)"), "{stdout}");
}

/// With `--all-parents`, `--since-revisions` starts every line of the walk
/// where the revision directory exists: a branch that forked before it did is
/// not judged until it has it.
#[test]
fn since_revisions_on_every_parent_skips_a_branch_until_it_has_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
    repo.write("src/backend/db/migrations.py", migrations(&["a"]))
        .unwrap();
    repo.commit("root").unwrap();
    let main = repo.git(&["rev-parse", "--abbrev-ref", "HEAD"]).unwrap();
    let main = main.trim().to_string();
    repo.branch("old-topic").unwrap();
    repo.write("src/backend/db/migrations.py", migrations(&["a", "b"]))
        .unwrap();
    let on_branch = repo
        .commit("a schema change on a branch from before Alembic")
        .unwrap();
    repo.checkout(&main).unwrap();
    repo.write(
        "src/backend/migrations/versions/0001_base.py",
        "revision = \"0001\"\ndown_revision = None\n",
    )
    .unwrap();
    let alembic = repo.commit("alembic arrives").unwrap();
    let merge = repo.merge("old-topic", "Merge old-topic").unwrap();

    let judged = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["--all-parents"];
        args.extend(extra);
        scanned_through_the_binary(repo.dir(), &args)
            .into_iter()
            .map(|(sha, _, _)| sha)
            .collect()
    };
    let every = judged(&[]);
    assert!(every.contains(&on_branch), "{every:?}");
    let since = judged(&["--since-revisions"]);
    assert!(!since.contains(&on_branch), "{since:?}");
    assert!(
        since.contains(&alembic) && since.contains(&merge),
        "{since:?}"
    );
    assert_eq!(since.len(), 2, "{since:?}");
}
