//! Tidy: the house keeps its shape. The arrows go one way (harness -> guard
//! -> git -> parity-core, and guard -> parity-formats -> parity-core), the
//! two libraries do no I/O, the docs name only what
//! exists, and every flag a command documents is exercised by a test.

use std::path::{Path, PathBuf};

use clap::CommandFactory;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Every `.rs` file under `dir`, with its text.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    assert!(!out.is_empty(), "no sources under {}", dir.display());
    out
}

/// The lines of `text` that are code, not comments.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
}

fn assert_never_named(dirs: &[&str], forbidden: &[&str]) {
    let mut found = Vec::new();
    for dir in dirs {
        for (path, text) in sources(&root().join(dir)) {
            for (number, line) in code_lines(&text) {
                for word in forbidden {
                    if line.contains(word) {
                        found.push(format!("{}:{number}: {word}", path.display()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_arrows_go_one_way() {
    // The guard and git never name the harness; git never names the guard.
    assert_never_named(&["xtask/src/guard", "xtask/src/git"], &["harness"]);
    assert_never_named(&["xtask/src/git"], &["crate::guard"]);
    // The core never names the formats built over it.
    assert_never_named(&["parity-core/src"], &["parity_formats"]);
}

#[test]
fn parity_core_and_its_formats_do_no_io() {
    assert_never_named(
        &["parity-core/src", "parity-core/formats/src"],
        &[
            "std::fs",
            "std::env",
            "std::process",
            "std::net",
            "print!",
            "println!",
            "eprint",
            "dbg!",
        ],
    );
    for lib in ["parity-core/src/lib.rs", "parity-core/formats/src/lib.rs"] {
        let text = std::fs::read_to_string(root().join(lib)).unwrap();
        for lint in ["clippy::print_stdout", "clippy::disallowed_methods"] {
            assert!(text.contains(lint), "{lib} denies {lint}");
        }
    }
    let clippy = std::fs::read_to_string(root().join("parity-core/clippy.toml")).unwrap();
    for call in ["std::fs::read", "std::env::var", "std::process::Command"] {
        assert!(
            clippy.contains(call),
            "parity-core/clippy.toml disallows {call}"
        );
    }
}

#[test]
fn the_project_cites_only_its_own_files() {
    // Spelled in pieces, so that this test does not cite them itself.
    let cited = [["SPEC", ".md"].concat(), ["..", "/shared"].concat()];
    let cites = |text: &str| cited.iter().any(|c| text.contains(c.as_str()));
    let mut found = Vec::new();
    for dir in ["parity-core", "xtask"] {
        for (path, text) in sources(&root().join(dir)) {
            for (number, line) in text.lines().enumerate() {
                if cites(line) {
                    found.push(format!("{}:{}", path.display(), number + 1));
                }
            }
        }
    }
    // The data and CI too: every text file under testdata/, and .ci/run.
    let mut stack = vec![root().join("testdata"), root().join(".ci")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                if cites(&text) {
                    found.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "cites a file outside the repository: {found:?}"
    );
}

/// Backticked tokens of ARCHITECTURE.md that look like repository paths.
fn architecture_paths() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let mut paths = Vec::new();
    for (i, chunk) in text.split('`').enumerate() {
        let looks_like_path = chunk.contains('/')
            && !chunk.contains(' ')
            && !chunk.contains("::")
            && !chunk.starts_with(['-', '/'])
            && !chunk.contains('*')
            && !chunk.contains('<');
        if i % 2 == 1 && looks_like_path {
            paths.push(chunk.trim_end_matches('/').to_string());
        }
    }
    paths
}

#[test]
fn architecture_names_only_paths_that_exist() {
    let paths = architecture_paths();
    assert!(paths.len() >= 10, "{paths:?}");
    let missing: Vec<&String> = paths.iter().filter(|p| !root().join(p).exists()).collect();
    assert!(missing.is_empty(), "ARCHITECTURE.md names {missing:?}");
}

/// The end-to-end tests' text, where a flag must be used to count as tested.
fn test_text() -> String {
    sources(&root().join("xtask/tests/it"))
        .into_iter()
        .filter(|(path, _)| !path.ends_with("tidy.rs"))
        .map(|(_, text)| text)
        .collect()
}

#[test]
fn every_documented_flag_of_every_command_is_exercised_by_a_test() {
    let tests = test_text();
    let cli = xtask::Cli::command();
    let mut untested = Vec::new();
    let mut seen = 0;
    for command in cli.get_subcommands() {
        for arg in command.get_arguments().filter(|arg| !arg.is_hide_set()) {
            let Some(long) = arg.get_long() else {
                continue;
            };
            if matches!(long, "help" | "version") {
                continue;
            }
            seen += 1;
            if !tests.contains(&format!("\"--{long}\"")) {
                untested.push(format!("{} --{long}", command.get_name()));
            }
        }
    }
    assert!(seen >= 20, "{seen} flags");
    assert!(untested.is_empty(), "no test passes {untested:?}");
}

#[test]
fn the_example_workflow_builds_the_guard_alone_and_ci_checks_that_build() {
    let workflow = std::fs::read_to_string(root().join(".github/workflows/parity.yml")).unwrap();
    assert!(
        workflow.contains("cargo build --release --locked --package xtask --no-default-features"),
        "{workflow}"
    );
    let ci = std::fs::read_to_string(root().join("xtask/src/harness/ci.rs")).unwrap();
    assert!(
        ci.contains("--no-default-features"),
        "ci checks the lean build"
    );
    let manifest = std::fs::read_to_string(root().join("xtask/Cargo.toml")).unwrap();
    for optional in [
        "proptest = { workspace = true, optional = true }",
        "tempfile = { workspace = true, optional = true }",
    ] {
        assert!(
            manifest.contains(optional),
            "the guard builds without {optional}"
        );
    }
}
