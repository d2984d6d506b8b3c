//! `cargo xtask parity init`: reads the paths of the repository at HEAD (one
//! `git ls-tree`), asks `parity_core::init::detect` which layout they have,
//! and writes the commented `parity.toml` (or prints it with `--stdout`). An
//! existing file is never replaced without `--force`.

use std::path::PathBuf;

use clap::Args;
use parity_core::rules::CONFIG_FILE;
use parity_formats::init::detect;

use crate::error::{Error, Result};
use crate::git::Git;

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The repository to read (at HEAD) and write parity.toml into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Print the file instead of writing it.
    #[arg(long)]
    stdout: bool,
    /// Replace an existing parity.toml.
    #[arg(long)]
    force: bool,
}

pub fn run(args: InitArgs) -> Result<i32> {
    let git = Git::new(&args.repo)?;
    let head = git.resolve_commits(&["HEAD"])?.remove(0).map_err(|_| {
        Error::new(format!(
            "{} has no commit to read the layout from",
            git.given().display()
        ))
    })?;
    let files = git.files_under(&head, "")?;
    let paths: Vec<String> = files.iter().map(|p| p.display()).collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let Some(detected) = detect(&paths) else {
        return Err(Error::new(
            "no known layout at HEAD (Alembic + migrations.py, delta folders, diesel, \
             the engine in the file name, SQL files per engine): write parity.toml by hand \
             (README, \"Other layouts\")",
        ));
    };
    if args.stdout {
        crate::guard::output::stdout(&detected.toml)?;
        return Ok(0);
    }
    // Where the guard reads it: the top level, wherever it was pointed.
    let Some(top) = git.work_tree() else {
        return Err(Error::new(format!(
            "{} has no work tree to write {CONFIG_FILE} in: pass --stdout to see the proposal",
            git.given().display()
        )));
    };
    let target = top.join(CONFIG_FILE);
    // A symlink is a file too, dangling or not: never written through.
    crate::guard::write_new_file(&target, detected.toml.as_bytes(), args.force).map_err(
        |e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::new(format!(
                "{} exists: pass --force to replace it, or --stdout to see the proposal",
                target.display()
            )),
            _ => Error::new(format!("cannot write {}: {e}", target.display())),
        },
    )?;
    crate::guard::output::stdout(&format!(
        "wrote {} ({} layout: {})\n",
        target.display(),
        detected.kind,
        detected.summary
    ))?;
    Ok(0)
}
