//! `cargo xtask fuzz`: proptest's runner, driven from code, over generated
//! pull requests checked against an independent model of the rules.
//!
//! - `case.rs`: a generated change with labelled lines and a labelled
//!   Alembic track, and its renderings (the revision files included);
//! - `generate.rs`: the strategies;
//! - `model.rs`: the expected report, from the labels alone;
//! - `property.rs`: the properties, each "engine on input = model on input";
//! - `regression.rs`: failing inputs kept under `testdata/` and replayed;
//! - `git_case.rs`: cases written as real repositories (`--git`);
//! - `self_test.rs`: broken variants of the rules that must all be caught.

pub mod case;
pub mod generate;
pub mod git_case;
pub mod model;
pub mod property;
pub mod regression;
pub mod self_test;

use std::cell::Cell;
use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use parity_core::Rules;
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

use crate::error::{Error, Result};
use model::Docstrings;
use property::Failure;

#[derive(Args, Debug)]
#[command(about = "Check the guard against an independent model on generated pull requests")]
pub struct FuzzArgs {
    /// How many generated cases to check in memory (default 10000; for
    /// `--self-test`, 20000 per variant).
    #[arg(long)]
    pub cases: Option<u64>,
    /// The seed of the run (default: from the clock, printed so it can be replayed).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Also write N cases as real repositories and judge them through git
    /// (for `--self-test`: the repositories the range variant may take, default 40).
    #[arg(long, value_name = "N")]
    pub git: Option<u32>,
    /// Run the properties against broken variants of the rules, which must all be caught.
    #[arg(long)]
    pub self_test: bool,
}

/// Cases per runner: a failure names the slice's seed, which replays it alone.
const SLICE: u64 = 100_000;

/// The proptest configuration: no persistence file (regressions are ours),
/// a bounded shrink, no fork.
pub fn config(cases: u32, max_shrink_iters: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        max_shrink_iters,
        ..Config::default()
    }
}

/// A runner whose random numbers come from `seed` alone.
pub fn runner(cases: u32, seed: u64, max_shrink_iters: u32) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let word = seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    TestRunner::new_with_rng(
        config(cases, max_shrink_iters),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// Shrink steps for a failure in memory, and through git (a repository a step).
pub const SHRINK_IN_MEMORY: u32 = 5_000;
pub const SHRINK_GIT: u32 = 60;

/// Runs `test` on `cases` values of `strategy`; the shrunk failure, if any.
pub fn search<S: Strategy>(
    strategy: &S,
    cases: u32,
    seed: u64,
    max_shrink_iters: u32,
    test: impl Fn(S::Value) -> std::result::Result<(), Failure>,
) -> std::result::Result<(), Failure> {
    let last = std::sync::Mutex::new(None);
    let result = runner(cases, seed, max_shrink_iters).run(strategy, |value| match test(value) {
        Ok(()) => Ok(()),
        Err(failure) => {
            let message = format!("{}: {}", failure.property, failure.message);
            *last.lock().expect("not poisoned") = Some(failure);
            Err(TestCaseError::fail(message))
        }
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, _)) => {
            // The runner re-runs the minimal value last, so the failure kept
            // is the shrunk one; a panic leaves none, and is reported as such.
            let kept = last.lock().expect("not poisoned").take();
            Err(kept.unwrap_or_else(|| Failure {
                property: "never-panics",
                message: reason.to_string(),
                input: Box::new(property::Input::empty()),
                expected: None,
            }))
        }
        Err(TestError::Abort(reason)) => Err(Failure {
            property: "runner",
            message: format!("the runner gave up: {reason}"),
            input: Box::new(property::Input::empty()),
            expected: None,
        }),
    }
}

fn regressions_dir() -> PathBuf {
    crate::harness::ci::project_root().join("testdata/fuzz-regressions")
}

/// Prints a failure and keeps it as a regression file.
fn report_failure(failure: &Failure, seed: u64, cases: u64) -> Result<PathBuf> {
    let found_by = format!("cargo xtask fuzz --seed {seed} --cases {cases}");
    eprintln!("fuzz: property `{}` failed", failure.property);
    eprintln!("fuzz: replay with `{found_by}`");
    eprintln!("fuzz: the shrunk minimal case:\n{}", failure.message);
    let text = regression::render(failure, &found_by);
    eprintln!("{text}");
    let dir = regressions_dir();
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{}-{seed}.txt", failure.property));
    std::fs::write(&path, text)?;
    Ok(path)
}

/// The in-memory fuzz: `cases` trials in slices; returns the cases per second.
pub fn fuzz_in_memory(cases: u64, seed: u64, rules: &Rules, docstrings: Docstrings) -> Result<f64> {
    let strategy = property::trial();
    let started = Instant::now();
    let mut done = 0u64;
    let mut slice = 0u64;
    // A deep run shows its progress on a terminal, and stays quiet in CI.
    let mut progress = crate::guard::output::Progress::new();
    while done < cases {
        let size = (cases - done).min(SLICE);
        let slice_seed = seed.wrapping_add(slice);
        let checked = Cell::new(0u64);
        let outcome = search(
            &strategy,
            size as u32,
            slice_seed,
            SHRINK_IN_MEMORY,
            |trial| {
                checked.set(checked.get() + 1);
                property::check_trial(&trial, rules, docstrings)
            },
        );
        if let Err(failure) = outcome {
            let path = report_failure(&failure, slice_seed, size)?;
            return Err(Error::new(format!(
                "property `{}` failed; the case is kept in {}",
                failure.property,
                path.display()
            )));
        }
        done += size;
        slice += 1;
        if cases > SLICE {
            let rate = done as f64 / started.elapsed().as_secs_f64();
            progress.show(&format!(
                "fuzz: {done} of {cases} cases passed ({rate:.0} per second)"
            ));
        }
    }
    Ok(done as f64 / started.elapsed().as_secs_f64().max(1e-9))
}

fn clock_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

pub fn run(args: FuzzArgs) -> Result<()> {
    let seed = args.seed.unwrap_or_else(clock_seed);
    let rules = Rules::default();
    if args.self_test {
        // A smaller run shrinks less, so that it stays small.
        let cases = args.cases.map_or(self_test::FULL.cases, |n| {
            u32::try_from(n).unwrap_or(u32::MAX)
        });
        let budget = self_test::Budget {
            cases,
            repositories: args.git.unwrap_or(self_test::FULL.repositories),
            shrink: (cases / 4).min(self_test::FULL.shrink),
        };
        return self_test::run(seed, budget);
    }
    let cases = args.cases.unwrap_or(10_000);
    println!("fuzz: seed {seed}, {cases} cases in memory");
    let rate = fuzz_in_memory(cases, seed, &rules, property::ENGINE_DOCSTRINGS)?;
    println!("fuzz: {cases} cases passed every property ({rate:.0} cases per second)");
    if let Some(n) = args.git {
        println!("fuzz: {n} cases through git");
        git_case::fuzz_git(n, seed, &rules, property::ENGINE_DOCSTRINGS)?;
        println!("fuzz: {n} repositories judged as the model expects");
    }
    Ok(())
}

/// What `cargo xtask ci` runs: a bounded fuzz with a fixed seed (so CI is
/// reproducible), a few repositories through git, and the bounded self-test.
pub fn bounded() -> Result<()> {
    const SEED: u64 = 20_260_101;
    let rules = Rules::default();
    let rate = fuzz_in_memory(2_000, SEED, &rules, property::ENGINE_DOCSTRINGS)?;
    println!("fuzz: 2000 cases passed every property ({rate:.0} cases per second)");
    git_case::fuzz_git(10, SEED, &rules, property::ENGINE_DOCSTRINGS)?;
    println!("fuzz: 10 repositories judged as the model expects");
    self_test::run(SEED, self_test::BOUNDED)
}

/// Where regression files are kept (the tests replay them).
pub fn regressions_path() -> PathBuf {
    regressions_dir()
}
