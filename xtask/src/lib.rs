//! The parity command line. `main.rs` only dispatches; each command lives in
//! its own module. The arrows go one way: `harness` -> `guard` -> `git` ->
//! `parity-core`; `git` is the only module that runs git for the guard.
//! The harness sits behind the default-on `harness` feature, so that
//! `--no-default-features` builds the guard alone.

pub mod error;
pub mod git;
pub mod guard;
#[cfg(feature = "harness")]
pub mod harness;

use guard::{hook, parity, scan};
#[cfg(feature = "harness")]
use harness::{bench, demo, fixtures, fuzz};

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
    /// Install a git pre-push hook that runs the guard before a push.
    InstallHook(hook::InstallHookArgs),
    /// Measure the core, scan and a single check (release build).
    #[cfg(feature = "harness")]
    Bench(bench::BenchArgs),
    /// Run what CI runs: fmt, clippy, every test, the fixtures.
    #[cfg(feature = "harness")]
    Ci,
    /// Build every scenario as a git repository and compare the guard's verdicts.
    #[cfg(feature = "harness")]
    Fixtures(fixtures::FixturesArgs),
    /// The guard on the bundled scenarios, with one failing report in full.
    #[cfg(feature = "harness")]
    Demo(demo::DemoArgs),
    /// Fuzz the guard against an independent model of the rules.
    #[cfg(feature = "harness")]
    Fuzz(fuzz::FuzzArgs),
    /// Check the guard's coverage against real SQLite, Alembic and PostgreSQL.
    #[cfg(feature = "harness")]
    Engines(harness::engines::EnginesArgs),
}

/// The exit code of an error (bad input, git failure), as in README's verdict table.
pub const ERROR_EXIT_CODE: u8 = 2;

/// An error as printed on stderr: one line, whatever it quotes (a control
/// character of a path or a value is shown escaped).
pub fn error_line(error: &error::Error) -> String {
    let message = error.to_string();
    format!(
        "parity: error: {}\n",
        parity_core::report::escape_controls(&message)
    )
}

/// A command-line error of clap as one line on stderr, its hint included:
/// `invalid value 'xml' for --format (text, json, github, sarif); see --help`.
pub fn usage_error_line(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let text = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(v)) if !v.is_empty() => Some(v.join(", ")),
        _ => None,
    };
    // `--format <FORMAT>` is named `--format`.
    let arg =
        || text(ContextKind::InvalidArg).map(|a| a.split(' ').next().unwrap_or("").to_string());
    let sentence = match error.kind() {
        ErrorKind::InvalidValue => {
            let value = text(ContextKind::InvalidValue).unwrap_or_default();
            let valid = text(ContextKind::ValidValue)
                .map(|v| format!(" ({v})"))
                .unwrap_or_default();
            match arg() {
                Some(arg) if value.is_empty() => format!("{arg} needs a value{valid}"),
                Some(arg) => format!("invalid value '{value}' for {arg}{valid}"),
                None => format!("invalid value '{value}'{valid}"),
            }
        }
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            "no command given (parity, scan, install-hook, ...)".to_string()
        }
        _ => {
            // clap's own words, without styling, on one line.
            let rendered = error.render().to_string();
            let mut parts: Vec<String> = Vec::new();
            for line in rendered.lines().map(str::trim) {
                if line.is_empty()
                    || line.starts_with("Usage:")
                    || line.starts_with("For more information")
                {
                    continue;
                }
                let line = line.strip_prefix("error: ").unwrap_or(line);
                let line = line.strip_prefix("tip: ").unwrap_or(line);
                parts.push(line.to_string());
            }
            parts.join("; ")
        }
    };
    format!(
        "parity: error: {}; see --help\n",
        parity_core::report::escape_controls(&sentence)
    )
}

/// Parses the command line, runs the command, maps errors to exit code 2.
/// Help and the version go to stdout with exit 0; any other command-line
/// error is one line on stderr, nothing on stdout, exit 2.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            if matches!(
                error.kind(),
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
            ) {
                let _ = guard::output::stdout(&error.render().to_string());
                return ExitCode::SUCCESS;
            }
            guard::output::stderr(&usage_error_line(&error));
            return ExitCode::from(ERROR_EXIT_CODE);
        }
    };
    let result = match cli.command {
        Command::Parity(args) => parity::run(args),
        Command::Scan(args) => scan::run(args),
        Command::InstallHook(args) => hook::run(args).map(|()| 0),
        #[cfg(feature = "harness")]
        Command::Bench(args) => bench::run(args),
        #[cfg(feature = "harness")]
        Command::Ci => harness::ci::run().map(|()| 0),
        #[cfg(feature = "harness")]
        Command::Fixtures(args) => fixtures::run(args),
        #[cfg(feature = "harness")]
        Command::Demo(args) => demo::run(args),
        #[cfg(feature = "harness")]
        Command::Fuzz(args) => fuzz::run(args).map(|()| 0),
        #[cfg(feature = "harness")]
        Command::Engines(args) => harness::engines::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(ERROR_EXIT_CODE)),
        Err(error) => {
            guard::output::stderr(&error_line(&error));
            ExitCode::from(ERROR_EXIT_CODE)
        }
    }
}
