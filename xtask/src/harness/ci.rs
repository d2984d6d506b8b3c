//! `cargo xtask ci`: what CI runs, in the order a failure is cheapest to see:
//! fmt, clippy (the workspace, then the guard alone), the tests, then the
//! fixture scenarios' table and a bounded fuzz.

use xshell::{cmd, Shell};

use crate::error::{Error, Result};
use crate::harness::fixtures;

pub fn run() -> Result<()> {
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    cmd!(sh, "cargo fmt --all -- --check").run()?;
    cmd!(
        sh,
        "cargo clippy --workspace --all-targets --locked -- -D warnings"
    )
    .run()?;
    // The guard alone, as the example workflow builds it.
    cmd!(
        sh,
        "cargo clippy --package xtask --no-default-features --locked -- -D warnings"
    )
    .run()?;
    cmd!(sh, "cargo test --workspace --locked").run()?;
    // The tests ran the scenarios already; the table shows them at a glance.
    if fixtures::run(fixtures::FixturesArgs::default())? != 0 {
        return Err(Error::new(
            "a fixture scenario did not give its expected result (see the table above)",
        ));
    }
    // A bounded fuzz and the self-test; `cargo xtask fuzz --cases 1000000` is the deep one.
    crate::harness::fuzz::bounded()?;
    Ok(())
}

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
