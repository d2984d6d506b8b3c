//! The cold release build of the guard alone (`--no-default-features`:
//! parity, scan, install-hook, without the harness and what only it needs)
//! beside the full build, each in a fresh target directory: what a project's
//! CI pays to build the guard from the base branch. A figure, not a test.

use std::time::{Duration, Instant};

use xshell::{cmd, Shell};

use crate::error::Result;
use crate::harness::ci::project_root;

/// The target for the guard alone on a 2-core machine.
pub const GUARD_TARGET: Duration = Duration::from_secs(30);

/// One cold `cargo build --release --locked -p xtask` with `features`.
fn cold_build(features: &[&str]) -> Result<Duration> {
    let sh = Shell::new()?;
    sh.change_dir(project_root());
    let target = tempfile::tempdir()?;
    let dir = target.path();
    let start = Instant::now();
    cmd!(
        sh,
        "cargo build --release --locked --quiet -p xtask --target-dir {dir} {features...}"
    )
    .run()?;
    Ok(start.elapsed())
}

/// Prints both figures, the guard's beside its target.
pub fn bench_build_times() -> Result<()> {
    let guard = cold_build(&["--no-default-features"])?;
    let full = cold_build(&[])?;
    let verdict = if guard <= GUARD_TARGET {
        "within"
    } else {
        "OVER"
    };
    println!(
        "build: the guard alone (--no-default-features) {:.1} s cold, release, {verdict} its \
         target of {} s; everything {:.1} s",
        guard.as_secs_f64(),
        GUARD_TARGET.as_secs(),
        full.as_secs_f64()
    );
    Ok(())
}
