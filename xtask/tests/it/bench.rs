//! `bench`'s flags, through the binary: each one changes what is measured.
//! The figures of a debug build mean nothing, so only their lines are read
//! (the bench re-runs itself in release unless told not to).

use std::process::Output;

use crate::common::{stderr, stdout, xtask};

fn bench(args: &[&str]) -> Output {
    xtask()
        .arg("bench")
        .args(args)
        .env("PARITY_BENCH_ALLOW_DEBUG", "1")
        .output()
        .unwrap()
}

fn passed(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "stderr: {}", stderr(output));
    stdout(output)
}

/// The number of commits the scan figure's line names.
fn scanned_commits(text: &str) -> usize {
    let line = text
        .lines()
        .find(|l| l.starts_with("scan: "))
        .unwrap_or_else(|| panic!("no scan figure in {text}"));
    line["scan: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no commit count in {line}"))
}

#[test]
fn only_and_core_mib_choose_and_size_the_core_figure() {
    let text = passed(&bench(&["--only", "core", "--core-mib", "1"]));
    assert!(text.contains("1 MiB, one pull request"), "{text}");
    assert!(text.contains("2 MiB, log of"), "{text}");
    for other in ["scan: ", "single check: ", "build: ", "memory: "] {
        assert!(
            !text.lines().any(|l| l.starts_with(other)),
            "--only core also ran {other:?}: {text}"
        );
    }
}

#[test]
fn steps_sizes_the_history_and_no_loop_leaves_out_the_per_commit_loop() {
    let small = passed(&bench(&["--only", "scan", "--steps", "3"]));
    assert!(small.contains("per-commit loop"), "{small}");
    let larger = passed(&bench(&["--only", "scan", "--steps", "9", "--no-loop"]));
    assert!(!larger.contains("per-commit loop"), "{larger}");
    assert!(!larger.lines().any(|l| l.starts_with("core: ")), "{larger}");
    assert!(
        scanned_commits(&larger) > scanned_commits(&small),
        "{small}\n{larger}"
    );
}

#[test]
fn memory_mb_sizes_the_memory_figure() {
    let text = passed(&bench(&["--only", "memory", "--memory-mb", "1"]));
    assert!(
        text.contains("a pull request adding 1 MB of DDL lines"),
        "{text}"
    );
    assert!(text.contains("target < 71 MB"), "{text}");
}

#[test]
fn an_unknown_part_is_a_usage_error() {
    let output = bench(&["--only", "everything"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains("--only"), "{}", stderr(&output));
}
