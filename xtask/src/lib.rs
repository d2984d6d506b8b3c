//! The parity command line. `main.rs` only dispatches; each command lives in
//! its own module, and `git` is the only module that runs git for the guard.

pub mod bench;
pub mod ci;
pub mod error;
pub mod git;
pub mod history;
pub mod parity;
pub mod repo;
pub mod scan;

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
    /// Audit a history: every commit judged against its first parent.
    Scan(scan::ScanArgs),
    /// Measure the core, scan and a single check (release build).
    Bench(bench::BenchArgs),
    /// Run what CI runs: fmt, clippy, every test.
    Ci,
}

/// Parses the command line, runs the command, maps errors to exit code 2.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Parity(args) => parity::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Ci => ci::run().map(|()| 0),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(error) => {
            eprintln!("parity: error: {error}");
            ExitCode::from(2)
        }
    }
}
