//! `cargo xtask ci`: what CI runs, in the order a failure is cheapest to see.

use xshell::{cmd, Shell};

use crate::error::Result;

pub fn run() -> Result<()> {
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    cmd!(sh, "cargo fmt --all -- --check").run()?;
    cmd!(
        sh,
        "cargo clippy --workspace --all-targets --locked -- -D warnings"
    )
    .run()?;
    cmd!(sh, "cargo test --workspace --locked").run()?;
    Ok(())
}

/// The workspace root (the parent of `xtask/`).
pub fn project_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}
