//! `cargo xtask bench`: where the time goes, printed side by side.
//!
//! - the core (PatchParser -> Checker) over a generated diff, against a plain
//!   `memchr` line count of the same bytes, with the peak memory of a child
//!   process that does nothing else;
//! - `scan` over a generated history, against the raw `git log` streams it
//!   reads (the floor) and against a loop of two git calls per commit;
//! - one `parity` check of a large pull request, against the git calls it makes;
//! - the cold release build of the guard alone beside the full build.
//!
//! Figures, not assertions: no test times anything. A debug build re-runs
//! itself in release mode first.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Args;

use crate::error::Result;
use crate::harness::ci::project_root;
use crate::harness::repo::FixtureRepo;

mod build;
mod check;
mod core;
mod scan;

use self::check::*;
use self::core::*;
use self::scan::*;

#[derive(Args, Debug)]
#[command(about = "Measure the core, scan and a single check (release build; prints figures)")]
pub struct BenchArgs {
    /// Size of the generated diff for the core, in MiB.
    #[arg(long, default_value_t = 128)]
    core_mib: usize,
    /// Mainline steps of the generated history for scan (about 1.2 commits
    /// each: the default makes about 10,000 commits).
    #[arg(long, default_value_t = 8300)]
    steps: usize,
    /// Skip the per-commit loop (the slowest part).
    #[arg(long)]
    no_loop: bool,
    /// Internal: measure the core alone in this process, as `MODE:MIB`.
    #[arg(long, hide = true, value_name = "MODE:MIB")]
    core_child: Option<String>,
    /// Only these parts, in the usual order (repeat, or separate by commas).
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Part>,
    /// Size of the DDL the memory figure's pull request adds, in MB.
    #[arg(long, default_value_t = 50)]
    memory_mb: usize,
    /// Internal: run one check of `main...pr` in DIR and print the peak memory.
    #[arg(long, hide = true, value_name = "DIR")]
    check_child: Option<PathBuf>,
}

/// The parts of the bench, in the order they run.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Core,
    Scan,
    Check,
    Build,
    Memory,
}

impl BenchArgs {
    fn runs(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

/// Set (to anything) to let a debug build print its own figures instead of
/// re-running in release: for the command-line tests of the flags, whose
/// figures mean nothing.
pub const ALLOW_DEBUG: &str = "PARITY_BENCH_ALLOW_DEBUG";

pub fn run(args: BenchArgs) -> Result<i32> {
    if let Some(spec) = &args.core_child {
        return core_child(spec);
    }
    if let Some(dir) = &args.check_child {
        return check_child(dir);
    }
    let debug = cfg!(debug_assertions);
    if debug && std::env::var_os(ALLOW_DEBUG).is_none() {
        return rerun_in_release();
    }
    println!("parity bench: {}", machine());
    if debug {
        println!("  (a debug build: these figures are not comparable)");
    }
    println!();
    if args.runs(Part::Core) {
        bench_core(args.core_mib)?;
        println!();
    }
    if args.runs(Part::Scan) {
        bench_scan(args.steps, !args.no_loop)?;
        println!();
    }
    if args.runs(Part::Check) {
        bench_single_check()?;
        println!();
    }
    if args.runs(Part::Build) {
        build::bench_build_times()?;
        println!();
    }
    // Last: the slowest figure, so that the others are printed first.
    if args.runs(Part::Memory) {
        bench_memory(args.memory_mb * 1_000_000)?;
    }
    Ok(0)
}

/// `cargo run --release` of this very command, so that figures are never
/// taken from a debug build.
pub(super) fn rerun_in_release() -> Result<i32> {
    eprintln!("parity bench: building in release mode first");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .current_dir(project_root())
        .args([
            "run",
            "--quiet",
            "--release",
            "--package",
            "xtask",
            "--",
            "bench",
        ])
        .args(std::env::args_os().skip(2))
        .status()?;
    Ok(status.code().unwrap_or(2))
}

/// CPU model, cores and load: the figures mean little without them.
pub(super) fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into());
    format!("{model}, {cores} cores, load average {load} at the start (figures are noisy on a shared machine)")
}

pub(super) fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The best of `n` runs: the least disturbed by the rest of the machine.
pub(super) fn best_of<T>(n: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Duration, T)> {
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..n {
        let start = Instant::now();
        let value = f()?;
        let took = start.elapsed();
        if best.as_ref().is_none_or(|(b, _)| took < *b) {
            best = Some((took, value));
        }
    }
    Ok(best.expect("at least one run"))
}

/// The best time of each of `runs`, taken in turn `rounds` times over
/// (`a b c a b c ...`): a figure compared with another is measured under
/// the same moments of the machine, not in a block of its own.
pub(super) fn best_in_turn<const N: usize>(
    rounds: usize,
    runs: [&mut dyn FnMut() -> Result<()>; N],
) -> Result<[Duration; N]> {
    let mut best = [Duration::MAX; N];
    let mut runs = runs;
    for _ in 0..rounds {
        for (run, best) in runs.iter_mut().zip(&mut best) {
            let start = Instant::now();
            run()?;
            *best = (*best).min(start.elapsed());
        }
    }
    Ok(best)
}

/// Builds (or reuses) a generated history under `target/bench/`.
pub(super) fn bench_repo(
    name: &str,
    build: impl FnOnce(&mut FixtureRepo) -> Result<()>,
) -> Result<PathBuf> {
    let dir = project_root().join("target").join("bench").join(name);
    let done = dir.join(".git").join("parity-bench-complete");
    if done.exists() {
        return Ok(dir);
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let mut repo = FixtureRepo::init(&dir)?;
    build(&mut repo)?;
    std::fs::write(&done, "")?;
    Ok(dir)
}
