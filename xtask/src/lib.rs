//! The parity command line. `main.rs` only dispatches; each command lives in
//! its own module, and `git` is the only module that runs git for the guard.

pub mod ci;
pub mod error;
pub mod git;
pub mod hook;
pub mod parity;
pub mod repo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about = "parity: a guard for a database schema kept on two migration tracks"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the guard on a range (what CI runs).
    Parity(parity::ParityArgs),
    /// Run what CI runs: fmt, clippy, every test.
    Ci,
    /// Install a git pre-push hook that runs the guard before a push.
    InstallHook(hook::InstallHookArgs),
}

/// Parses the command line, runs the command, maps errors to exit code 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parity(args) => parity::run(args),
        Command::Ci => ci::run().map(|()| 0),
        Command::InstallHook(args) => hook::run(args).map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(error) => {
            eprintln!("parity: error: {error}");
            ExitCode::from(2)
        }
    }
}
