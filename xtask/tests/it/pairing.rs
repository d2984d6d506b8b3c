//! Object-level pairing end to end: scenarios built as real repositories, the
//! built binary run with `--strict`, `--suggest` and `--write-revision`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{parity_in, stdout};
use pretty_assertions::assert_eq;
use xtask::harness::fixtures::{materialize, Scenario};
use xtask::harness::repo::FixtureRepo;

fn scenario(name: &str) -> Scenario {
    let path = crate::common::testdata()
        .join("scenarios")
        .join(format!("{name}.toml"));
    Scenario::load(&path).unwrap()
}

/// The scenario built in a fresh temporary directory, on its `pr` branch.
fn build(name: &str) -> (tempfile::TempDir, FixtureRepo) {
    let tmp = tempfile::tempdir().unwrap();
    let repo = materialize(&scenario(name), &tmp.path().join("repo")).unwrap();
    repo.checkout("pr").unwrap();
    (tmp, repo)
}

fn parity(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--color", "never"];
    all.extend_from_slice(args);
    parity_in(dir, &all, &[])
}

fn uncovered(report: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("UNCOVERED"))
        .map(|l| l.split("UNCOVERED").nth(1).unwrap().trim().to_string())
        .collect()
}

#[test]
fn a_fully_dual_tracked_change_passes_strict_and_fails_once_an_operation_is_removed() {
    let (_tmp, mut repo) = build("pairing-table-and-indexes");
    let out = parity(repo.dir(), &["--strict", "main", "pr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("8 covered, 0 uncovered"),
        "{}",
        stdout(&out)
    );

    // Drop the unique index from the revision: strict now fails and names it.
    let revision = "src/backend/migrations/versions/0004_task_comments.py";
    let source = std::fs::read_to_string(repo.dir().join(revision)).unwrap();
    let without = source.replace(
        "    op.execute(\n        \"CREATE UNIQUE INDEX ux_task_comments_created \"\n        \"ON task_comments (task_id, created_at)\"\n    )\n",
        "",
    );
    assert_ne!(
        without, source,
        "the operation to remove must be in the revision"
    );
    repo.write(revision, without).unwrap();
    repo.commit("Forget the unique index").unwrap();

    let out = parity(repo.dir(), &["--strict", "main", "pr"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(
        uncovered(&stdout(&out)),
        vec!["index ux_task_comments_created (added)".to_string()]
    );
    assert!(stdout(&out).contains("--strict"));

    // Without --strict the same range passes with a warning.
    let out = parity(repo.dir(), &["main", "pr"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("warning: 1 schema object(s)"));
}

#[test]
fn strict_fails_a_partial_and_an_unrelated_revision() {
    for (name, missing) in [
        (
            "pairing-partial-revision",
            "column tasks.reminder_at (added)",
        ),
        (
            "pairing-unrelated-revision",
            "column projects.archived (added)",
        ),
    ] {
        let (_tmp, repo) = build(name);
        let out = parity(repo.dir(), &["--strict", "main", "pr"]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        assert_eq!(
            uncovered(&stdout(&out)),
            vec![missing.to_string()],
            "{name}"
        );
    }
}

#[test]
fn unresolved_names_never_fail_strict() {
    let (_tmp, repo) = build("pairing-unresolved-and-rebuild");
    let out = parity(repo.dir(), &["--strict", "--format", "json", "main", "pr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<(String, String)> = doc["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["description"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        vec![
            (
                "column tasks.tags (added)".to_string(),
                "covered".to_string()
            ),
            (
                "column {table}.note (added)".to_string(),
                "unresolved".to_string()
            ),
            (
                "column task_events.source (added)".to_string(),
                "covered".to_string()
            ),
        ]
    );
}

fn python() -> PathBuf {
    PathBuf::from("python3")
}

#[test]
fn the_suggested_revision_compiles_and_covers_what_was_missing() {
    let (tmp, mut repo) = build("add-table-without-revision");
    let out = parity(repo.dir(), &["--suggest", "main", "pr"]);
    // The exit code stays the verdict's; stdout is only the revision.
    assert_eq!(out.status.code(), Some(1));
    let source = stdout(&out);
    assert!(
        source.contains("revision = \"0004\"\ndown_revision = \"0003\"\n"),
        "{source}"
    );
    assert!(
        source.contains("op.create_table(\n        \"task_comments\","),
        "{source}"
    );
    assert!(
        source.contains("op.drop_table(\"task_comments\")"),
        "{source}"
    );

    let file = tmp.path().join("suggested.py");
    std::fs::write(&file, &source).unwrap();
    let compiled = Command::new(python())
        .args(["-m", "py_compile"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );

    // Written into the project and committed, it covers every object: the
    // same range now passes --strict.
    let out = parity(repo.dir(), &["--write-revision", "main", "pr"]);
    assert_eq!(out.status.code(), Some(1));
    let written = repo
        .dir()
        .join("src/backend/migrations/versions/0004_create_task_comments_and_more.py");
    assert_eq!(
        stdout(&out),
        format!("wrote {}\n", written.display()),
        "the file name follows the project's NNNN_<slug>.py convention"
    );
    assert_eq!(std::fs::read_to_string(&written).unwrap(), source);
    repo.commit("Add the suggested revision").unwrap();
    let out = parity(repo.dir(), &["--strict", "main", "pr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(uncovered(&stdout(&out)).is_empty());

    // A second write does not overwrite.
    let out = parity(repo.dir(), &["--write-revision", "main", "pr~1"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
}

#[cfg(unix)]
#[test]
fn write_revision_never_writes_through_a_symlink_out_of_the_tree() {
    let (tmp, repo) = build("add-table-without-revision");
    let versions = repo.dir().join("src/backend/migrations/versions");
    let name = "0004_create_task_comments_and_more.py";
    let outside = tmp.path().join("outside");
    std::fs::create_dir(&outside).unwrap();

    // A dangling symlink where the revision would go.
    std::os::unix::fs::symlink(outside.join("stray.py"), versions.join(name)).unwrap();
    let out = parity(repo.dir(), &["--write-revision", "main", "pr"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    assert!(!outside.join("stray.py").exists());
    std::fs::remove_file(versions.join(name)).unwrap();

    // The revision directory itself a symlink out of the tree.
    let moved = outside.join("versions");
    std::fs::rename(&versions, &moved).unwrap();
    std::os::unix::fs::symlink(&moved, &versions).unwrap();
    let out = parity(repo.dir(), &["--write-revision", "main", "pr"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("leads out of the work tree"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!moved.join(name).exists());
}

#[test]
fn nothing_uncovered_means_nothing_to_suggest() {
    let (_tmp, repo) = build("pairing-table-and-indexes");
    let out = parity(repo.dir(), &["--suggest", "main", "pr"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to suggest"));
}

#[test]
fn uncovered_objects_are_github_warnings_or_errors_under_strict() {
    let (_tmp, repo) = build("pairing-partial-revision");
    let line = "file=src/backend/db/migrations.py,line=71,title=parity%3A schema object missing from the revisions::column tasks.reminder_at (added) is in no added revision";

    let out = parity(repo.dir(), &["--format", "github", "main", "pr"]);
    assert_eq!(out.status.code(), Some(0));
    let commands: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("::notice "), "{commands:?}");
    assert!(
        commands[1].starts_with(&format!("::warning {line};")),
        "{commands:?}"
    );

    let out = parity(
        repo.dir(),
        &["--strict", "--format", "github", "main", "pr"],
    );
    assert_eq!(out.status.code(), Some(1));
    let commands: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(commands.len(), 1, "{commands:?}");
    assert!(
        commands[0].starts_with(&format!("::error {line} (--strict);")),
        "{commands:?}"
    );
}

#[test]
fn uncovered_objects_are_sarif_results_of_their_own_rule() {
    let (_tmp, repo) = build("pairing-partial-revision");
    for (args, level) in [
        (&["main", "pr"][..], "warning"),
        (&["--strict", "main", "pr"][..], "error"),
    ] {
        let mut all = vec!["--format", "sarif"];
        all.extend_from_slice(args);
        let out = parity(repo.dir(), &all);
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let results = log["runs"][0]["results"].as_array().unwrap();
        let summary: Vec<(String, String, String, u64)> = results
            .iter()
            .map(|r| {
                let location = &r["locations"][0]["physicalLocation"];
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["level"].as_str().unwrap().to_string(),
                    location["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    location["region"]["startLine"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![(
                "parity/schema-object-missing-from-revisions".to_string(),
                level.to_string(),
                "src/backend/db/migrations.py".to_string(),
                71
            )]
        );
        // Each result's rule is the one its index names.
        let run = &log["runs"][0];
        let index = run["results"][0]["ruleIndex"].as_u64().unwrap() as usize;
        let rule = &run["tool"]["driver"]["rules"][index];
        assert_eq!(rule["id"], "parity/schema-object-missing-from-revisions");
    }
}

#[test]
fn the_fix_it_for_mismatched_attributes_makes_the_tracks_equal() {
    let (tmp, mut repo) = build("pairing-attributes-mismatched");
    let out = parity(repo.dir(), &["--suggest", "main", "pr"]);
    let source = stdout(&out);
    for expected in [
        // Dropped by the name PostgreSQL gave the unnamed constraint.
        "op.drop_constraint(\"task_labels_task_id_fkey\", \"task_labels\", type_=\"foreignkey\")",
        "op.create_foreign_key(\"fk_task_labels_task_id_tasks\", \"task_labels\", \"tasks\", [\"task_id\"], [\"id\"], ondelete=\"CASCADE\")",
        "op.create_unique_constraint(\"uq_task_labels_code\", \"task_labels\", [\"code\"])",
        "op.alter_column(\"task_labels\", \"weight\", nullable=False, server_default=sa.text(\"1\"))",
        "op.alter_column(\"task_labels\", \"added_at\", type_=sa.DateTime(), existing_type=sa.Text(), postgresql_using=\"added_at::timestamp\")",
        "op.drop_constraint(\"task_votes_pkey\", \"task_votes\", type_=\"primary\")",
        "op.create_primary_key(\"task_votes_pkey\", \"task_votes\", [\"task_id\", \"voter\"])",
    ] {
        assert!(source.contains(expected), "{expected}\n{source}");
    }
    let file = tmp.path().join("suggested.py");
    std::fs::write(&file, &source).unwrap();
    let compiled = Command::new(python())
        .args(["-m", "py_compile"])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        compiled.status.success(),
        "{}",
        String::from_utf8_lossy(&compiled.stderr)
    );

    let out = parity(repo.dir(), &["--write-revision", "main", "pr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    repo.commit("Add the suggested revision").unwrap();
    let out = parity(repo.dir(), &["--format", "json", "main", "pr"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = doc["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["covered"; 10]);
}

#[test]
fn the_suggestion_for_an_index_on_another_table_names_what_it_mends() {
    let (_tmp, repo) = build("pairing-index-on-another-table");
    let out = parity(repo.dir(), &["--strict", "--suggest", "main", "pr"]);
    assert_eq!(out.status.code(), Some(1));
    let source = stdout(&out);
    assert!(
        source.contains("- re-create index idx_created (index-table)"),
        "{source}"
    );
    assert!(
        source.contains("op.create_index(\"idx_created\", \"tasks\", [\"created_at\"]"),
        "{source}"
    );
}

#[test]
fn the_step_summary_shows_the_alembic_findings_it_tells_to_mend() {
    let (tmp, repo) = build("both-tracks-but-two-heads");
    let summary = tmp.path().join("summary.md");
    let out = parity_in(
        repo.dir(),
        &["--format", "github", "main", "pr"],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    );
    assert_eq!(out.status.code(), Some(1));
    let markdown = std::fs::read_to_string(&summary).unwrap();
    let section = markdown
        .split("### Alembic revisions after the merge: 1")
        .nth(1)
        .unwrap_or_else(|| panic!("no findings section: {markdown}"));
    assert!(
        section.contains(
            "0004_created_index.py:6  FAIL  after the merge the revision history has 2 heads"
        ),
        "{section}"
    );
    assert!(
        markdown.contains("Mend the Alembic revisions"),
        "{markdown}"
    );
}

#[test]
fn suggest_writes_what_the_model_sees_whatever_the_plain_rules_say() {
    // The plain rules call an entry whose ALTER TABLE is split over adjacent
    // strings data-only; the revision to suggest is still the column.
    let (_tmp, repo) = build("strict-entry-ddl-in-adjacent-strings");
    let plain = crate::common::testdata().join("configs/spec-layout.toml");
    let plain = plain.to_str().unwrap();
    let out = parity(repo.dir(), &["--config", plain, "main", "pr"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("data-only"), "{}", stdout(&out));
    let out = parity(repo.dir(), &["--config", plain, "--suggest", "main", "pr"]);
    assert_eq!(out.status.code(), Some(0));
    let source = stdout(&out);
    assert!(
        source.contains("op.add_column(\"tasks\", sa.Column(\"due\", sa.Text()))"),
        "{source}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
