//! The scenario suite under `cargo test`: every scenario of
//! `testdata/scenarios/` built as a git repository and judged, so that a
//! broken rule fails the tests; and the `fixtures` and `demo` commands run as
//! a user runs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pretty_assertions::assert_eq;
use xtask::harness::fixtures::{
    load_scenarios, materialize, run_suite, Outcome, Scenario, GOLDEN_SUFFIX, SCENARIO_SUFFIX,
};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios")
}

fn scenarios() -> Vec<Scenario> {
    load_scenarios(&scenarios_dir()).unwrap()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_scenario_gives_its_expected_verdict_exit_code_and_report() {
    let tmp = tempfile::tempdir().unwrap();
    let results = run_suite(&scenarios(), &tmp.path().join("out"), false).unwrap();
    // One line per scenario, so that a failure shows every difference at once.
    let expected: Vec<String> = results
        .iter()
        .map(|r| format!("{}: {:?} {}", r.name, r.expect.verdict, r.expect.exit))
        .collect();
    let got: Vec<String> = results
        .iter()
        .map(|r| format!("{}: {:?} {}", r.name, r.got.outcome, r.got.exit))
        .collect();
    assert_eq!(expected, got);
    for result in &results {
        let golden = result.golden.as_deref().unwrap_or_else(|| {
            panic!(
                "{}: no golden report (cargo xtask fixtures --update)",
                result.name
            )
        });
        assert_eq!(golden, result.got.text, "{}", result.name);
    }
}

#[test]
fn the_scenarios_cover_every_row_of_the_verdict_table() {
    let scenarios = scenarios();
    assert!(scenarios.len() >= 20, "{} scenarios", scenarios.len());
    let mut outcomes: Vec<Outcome> = scenarios.iter().map(|s| s.expect.verdict).collect();
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
    for scenario in &scenarios {
        let exit = match scenario.expect.verdict {
            Outcome::Pass | Outcome::Skipped => 0,
            Outcome::Fail => 1,
            Outcome::Error => 2,
        };
        assert_eq!(scenario.expect.exit, exit, "{}", scenario.name);
    }
}

#[test]
fn every_golden_report_belongs_to_a_scenario() {
    let names: Vec<String> = scenarios().into_iter().map(|s| s.name).collect();
    for entry in std::fs::read_dir(scenarios_dir()).unwrap() {
        let file = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(name) = file.strip_suffix(GOLDEN_SUFFIX) {
            assert!(names.iter().any(|n| n == name), "orphan golden {file}");
        }
    }
}

#[test]
fn a_scenario_builds_the_same_commits_every_time() {
    let scenario = scenarios()
        .into_iter()
        .find(|s| s.name == "pr-merges-topic-with-revision")
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let heads = |dir: &Path| {
        let repo = materialize(&scenario, dir).unwrap();
        repo.git(&["for-each-ref", "--format=%(refname) %(objectname)"])
            .unwrap()
    };
    let first = heads(&tmp.path().join("one"));
    assert_eq!(first.lines().count(), 3, "{first}");
    assert_eq!(first, heads(&tmp.path().join("two")));
}

/// A scenario directory of its own: a one-file template and one scenario.
fn tiny_suite(dir: &Path, verdict: &str, exit: i32) {
    std::fs::create_dir_all(dir.join("project/src/backend/db")).unwrap();
    std::fs::write(
        dir.join("project/src/backend/db/migrations.py"),
        "MIGRATIONS = [\n]\n",
    )
    .unwrap();
    let scenario = format!(
        "description = \"a new table, no revision\"\n\n\
         [expect]\nverdict = \"{verdict}\"\nexit = {exit}\n\n\
         [[commit]]\nmessage = \"x\"\n\n\
         [[commit.edit]]\npath = \"src/backend/db/migrations.py\"\n\
         after = \"MIGRATIONS = [\\n\"\n\
         text = \"    ('x', _migrate_x), 'CREATE TABLE x',\\n\"\n"
    );
    std::fs::write(dir.join(format!("tiny{SCENARIO_SUFFIX}")), scenario).unwrap();
}

#[test]
fn the_command_writes_goldens_on_update_and_exits_1_on_a_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = tmp.path().join("scenarios");
    let out = tmp.path().join("out");
    tiny_suite(&suite, "fail", 1);
    let args = |extra: &[&str]| {
        let mut args = vec!["fixtures", "--scenarios", suite.to_str().unwrap()];
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(extra);
        xtask(&args)
    };

    let missing = args(&[]);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(stdout(&missing).contains("no golden report"));

    let updated = args(&["--update"]);
    assert_eq!(updated.status.code(), Some(0), "{}", stdout(&updated));
    let golden = std::fs::read_to_string(suite.join(format!("tiny{GOLDEN_SUFFIX}"))).unwrap();
    assert!(golden.starts_with("parity: FAIL"), "{golden}");
    assert!(golden.contains("CREATE TABLE"), "{golden}");

    let clean = args(&["--only", "tiny"]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(stdout(&clean).contains("1 scenarios: 1 as expected, 0 mismatched"));
    assert!(
        out.join("tiny/.git").is_dir(),
        "the repository stays for a look"
    );

    // A scenario that expects the wrong verdict is a mismatch, even with --update.
    tiny_suite(&suite, "pass", 0);
    for extra in [&[][..], &["--update"][..]] {
        let wrong = args(extra);
        assert_eq!(wrong.status.code(), Some(1), "{extra:?}");
        let table = stdout(&wrong);
        assert!(table.contains("MISMATCH"), "{table}");
        assert!(
            table.contains("expected pass (exit 0), got fail (exit 1)"),
            "{table}"
        );
    }
}

/// Asserts a usage error: exit 2, one line on stderr, nothing on stdout.
fn assert_error(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", stderr(output));
    assert_eq!(stdout(output), "");
    let err = stderr(output);
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn bad_scenarios_and_bad_arguments_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let suite = tmp.path().join("scenarios");
    tiny_suite(&suite, "fail", 1);
    let out = tmp.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec!["fixtures", "--scenarios", suite.to_str().unwrap()];
        args.extend(["--out", out.to_str().unwrap()]);
        args.extend(extra);
        xtask(&args)
    };
    assert_error(&run(&["--only", "nope"]), "no scenario named \"nope\"");

    let path = suite.join("tiny.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("message = \"x\"", "mesage = \"x\"")).unwrap();
    assert_error(&run(&[]), "tiny.toml:8: unknown field `mesage`");

    std::fs::write(
        &path,
        text.replace("after = ", "before = \"nowhere\"\nafter = "),
    )
    .unwrap();
    assert_error(&run(&[]), "say exactly one of");

    std::fs::write(
        &path,
        text.replace("after = \"MIGRATIONS", "after = \"NOWHERE"),
    )
    .unwrap();
    assert_error(&run(&[]), "\"NOWHERE = [\\n\" does not occur in the file");

    // Never wipe a directory this command did not make.
    tiny_suite(&suite, "fail", 1);
    let precious = tmp.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("keep.txt"), "mine").unwrap();
    let mut args = vec!["fixtures", "--scenarios", suite.to_str().unwrap()];
    args.extend(["--out", precious.to_str().unwrap()]);
    assert_error(&xtask(&args), "was not made by `cargo xtask fixtures`");
    assert!(precious.join("keep.txt").is_file());
}

#[test]
fn the_demo_shows_the_table_and_one_failing_report_in_full() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let demo = xtask(&["demo", "--out", out.to_str().unwrap(), "--color", "never"]);
    assert_eq!(demo.status.code(), Some(0), "{}", stderr(&demo));
    let text = stdout(&demo);
    for needle in [
        "add-table-without-revision",
        "as expected, 0 mismatched",
        "One failing pull request as CI shows it (scenario add-table-without-revision)",
        "$ PR_BASE_SHA=",
        "parity: FAIL",
        "what to do:",
        "(exit code 1)",
    ] {
        assert!(text.contains(needle), "{needle:?} in:\n{text}");
    }
    assert!(!text.contains('\x1b'), "--color never");
    let shown = std::fs::read_to_string(
        scenarios_dir().join(format!("add-table-without-revision{GOLDEN_SUFFIX}")),
    )
    .unwrap();
    assert!(text.contains(&shown), "the report shown is the golden one");
}

#[test]
fn the_readme_example_is_a_scenario_that_gives_its_verdict() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    // The ```toml block with an `[expect]` table (others show parity.toml).
    let example = readme
        .split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("[expect]"))
        .expect("README.md shows the scenario format in a ```toml block");
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(format!("example{SCENARIO_SUFFIX}"));
    let template = scenarios_dir().join("project");
    let text = format!("template = {:?}\n{example}", template.to_str().unwrap());
    std::fs::write(&path, text).unwrap();
    let scenario = Scenario::load(&path).unwrap();
    let repo = materialize(&scenario, &tmp.path().join("repo")).unwrap();
    let got = xtask::harness::fixtures::judge_fixture(repo.dir(), &scenario.range);
    assert_eq!(
        (scenario.expect.verdict, scenario.expect.exit),
        (got.outcome, got.exit),
        "{}",
        got.text
    );
}
