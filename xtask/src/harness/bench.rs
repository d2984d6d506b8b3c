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

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Args;
use parity_core::log::commit_header;
use parity_core::{Checker, PatchParser, Report, Rules, Verdict};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::git::{Git, LogWalk};
use crate::guard::scan::{scan, ScanOptions};
use crate::harness::ci::project_root;
use crate::harness::history::Rng;
use crate::harness::history::{write_history, HistoryPlan};
use crate::harness::repo::FixtureRepo;

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
    /// Only the memory of one check on a 50 MB pull request.
    #[arg(long)]
    memory_only: bool,
    /// Internal: run one check of `main...pr` in DIR and print the peak memory.
    #[arg(long, hide = true, value_name = "DIR")]
    check_child: Option<PathBuf>,
}

pub fn run(args: BenchArgs) -> Result<i32> {
    if let Some(spec) = &args.core_child {
        return core_child(spec);
    }
    if let Some(dir) = &args.check_child {
        return check_child(dir);
    }
    if cfg!(debug_assertions) {
        return rerun_in_release();
    }
    println!("parity bench: {}", machine());
    println!();
    bench_memory()?;
    if args.memory_only {
        return Ok(0);
    }
    println!();
    bench_core(args.core_mib)?;
    println!();
    bench_scan(args.steps, !args.no_loop)?;
    println!();
    bench_single_check()?;
    println!();
    crate::harness::build_time::bench_build_times()?;
    Ok(0)
}

/// `cargo run --release` of this very command, so that figures are never
/// taken from a debug build.
fn rerun_in_release() -> Result<i32> {
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
fn machine() -> String {
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

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The best of `n` runs: the least disturbed by the rest of the machine.
fn best_of<T>(n: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Duration, T)> {
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

// ---------------------------------------------------------------- the core

/// What a core child measured.
#[derive(Debug, Serialize, Deserialize)]
struct CoreFigures {
    bytes: u64,
    lines: u64,
    core_secs: f64,
    count_secs: f64,
    peak_kib: u64,
    commits: u64,
    failing: u64,
    evidence: u64,
}

/// How the generated diff is judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CoreMode {
    /// One diff, one Checker: a pull request of that size.
    OneDiff,
    /// A log of commit patches, a Checker per commit: what scan does.
    Log,
}

fn bench_core(mib: usize) -> Result<()> {
    println!(
        "core: PatchParser -> Checker on a generated diff, streamed in 1 MiB chunks, one core"
    );
    println!(
        "  {:<34} {:>9} {:>9} {:>9} {:>9} {:>7} {:>10}",
        "input", "core s", "core MB/s", "count s", "floor MB/s", "ratio", "peak RSS"
    );
    let runs = [
        (CoreMode::OneDiff, mib),
        (CoreMode::Log, mib),
        (CoreMode::Log, mib * 2),
    ];
    for (mode, size) in runs {
        let spec = format!(
            "{}:{size}",
            if mode == CoreMode::Log { "log" } else { "one" }
        );
        let out = Command::new(std::env::current_exe()?)
            .args(["bench", "--core-child", &spec])
            .output()?;
        if !out.status.success() {
            return Err(Error::new(format!(
                "the core benchmark failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let f: CoreFigures = serde_json::from_slice(&out.stdout)
            .map_err(|e| Error::new(format!("the core benchmark answered oddly: {e}")))?;
        let mb = f.bytes as f64 / 1e6;
        let label = match mode {
            CoreMode::OneDiff => format!("{size} MiB, one pull request"),
            CoreMode::Log => format!("{size} MiB, log of {} commits", f.commits),
        };
        println!(
            "  {label:<34} {:>9.3} {:>9.0} {:>9.3} {:>10.0} {:>6.1}x {:>7.1} MiB",
            f.core_secs,
            mb / f.core_secs,
            f.count_secs,
            mb / f.count_secs,
            f.core_secs / f.count_secs,
            f.peak_kib as f64 / 1024.0
        );
        eprintln!(
            "    ({} lines, {} DDL evidence lines, {} failing)",
            f.lines, f.evidence, f.failing
        );
    }
    println!("  target: >= 500 MB/s on one core; peak < 64 MiB and flat as the diff grows");
    Ok(())
}

/// Runs in a child process so that its peak memory is the core's alone.
fn core_child(spec: &str) -> Result<i32> {
    let bad = || Error::new(format!("--core-child wants MODE:MIB, not {spec:?}"));
    let (mode, mib) = spec.split_once(':').ok_or_else(bad)?;
    let mode = match mode {
        "one" => CoreMode::OneDiff,
        "log" => CoreMode::Log,
        _ => return Err(bad()),
    };
    let mib: u64 = mib.parse().map_err(|_| bad())?;
    let rules = Rules::default();
    let mut generator = DiffGenerator::new(mode);
    let mut chunk = Vec::with_capacity(1 << 21);
    let mut figures = CoreFigures {
        bytes: 0,
        lines: 0,
        core_secs: 0.0,
        count_secs: 0.0,
        peak_kib: 0,
        commits: 0,
        failing: 0,
        evidence: 0,
    };
    let mut judge = CoreJudge::new(&rules);
    while figures.bytes < mib << 20 {
        chunk.clear();
        generator.fill(&mut chunk, 1 << 20);
        figures.bytes += chunk.len() as u64;

        let start = CpuClock::now();
        let mut lines = 0u64;
        let mut at = 0;
        for end in memchr::memchr_iter(b'\n', &chunk) {
            judge.line(&chunk[at..=end])?;
            at = end + 1;
            lines += 1;
        }
        figures.core_secs += start.elapsed();

        // A wall clock: a count of 1 MiB takes tens of microseconds, below
        // the tick at which the thread's CPU time advances.
        let start = Instant::now();
        let counted = memchr::memchr_iter(b'\n', std::hint::black_box(&chunk)).count() as u64;
        figures.count_secs += start.elapsed().as_secs_f64();
        if counted != lines {
            return Err(Error::new("the line count and the core disagree"));
        }
        figures.lines += lines;
    }
    let start = CpuClock::now();
    judge.end()?;
    figures.core_secs += start.elapsed();
    figures.commits = judge.commits;
    figures.failing = judge.failing;
    figures.evidence = judge.evidence;
    figures.peak_kib = peak_rss_kib();
    println!(
        "{}",
        serde_json::to_string(&figures).expect("figures serialize")
    );
    Ok(0)
}

/// The CPU time this thread has run, from `/proc/thread-self/schedstat`
/// (nanoseconds), so that a busy machine slows the figures less than a wall
/// clock would; the wall clock where that file is missing.
enum CpuClock {
    Thread(u64),
    Wall(Instant),
}

impl CpuClock {
    fn read() -> Option<u64> {
        let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        text.split_whitespace().next()?.parse().ok()
    }

    fn now() -> CpuClock {
        match CpuClock::read() {
            Some(ns) => CpuClock::Thread(ns),
            None => CpuClock::Wall(Instant::now()),
        }
    }

    /// Seconds since `now`.
    fn elapsed(&self) -> f64 {
        match self {
            CpuClock::Thread(start) => {
                CpuClock::read().map_or(0.0, |ns| ns.saturating_sub(*start) as f64 / 1e9)
            }
            CpuClock::Wall(start) => secs(start.elapsed()),
        }
    }
}

/// The peak resident set of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}

/// The core fed line by line; a commit line (as in scan's patch stream)
/// starts a fresh parser and checker.
struct CoreJudge<'r> {
    rules: &'r Rules,
    parser: PatchParser,
    checker: Checker<'r>,
    commits: u64,
    failing: u64,
    evidence: u64,
}

impl<'r> CoreJudge<'r> {
    fn new(rules: &'r Rules) -> Self {
        CoreJudge {
            rules,
            parser: PatchParser::new(),
            checker: Checker::new(rules),
            commits: 0,
            failing: 0,
            evidence: 0,
        }
    }

    fn line(&mut self, line: &[u8]) -> Result<()> {
        if line.first() == Some(&parity_core::log::COMMIT_MARK) {
            commit_header(line)
                .expect("a marked line")
                .map_err(|e| Error::new(e.to_string()))?;
            self.end()?;
            return Ok(());
        }
        self.parser
            .line(line, &mut self.checker)
            .map_err(|e| Error::new(format!("the generated diff is broken: {e}")))
    }

    fn end(&mut self) -> Result<()> {
        let parser = std::mem::take(&mut self.parser);
        let mut checker = std::mem::replace(&mut self.checker, Checker::new(self.rules));
        parser
            .finish(&mut checker)
            .map_err(|e| Error::new(format!("the generated diff is broken: {e}")))?;
        let report: Report = checker.finish(&[]);
        self.commits += 1;
        self.evidence += report.evidence.len() as u64;
        if report.verdict() == Verdict::Fail {
            self.failing += 1;
        }
        Ok(())
    }
}

/// Writes a realistic diff: most files unwatched, the watched ones mostly
/// code, data statements and comments, with a little DDL and a few entries.
struct DiffGenerator {
    rng: Rng,
    mode: CoreMode,
    files_in_commit: u64,
    serial: u64,
}

const UNWATCHED_LINES: [&str; 8] = [
    "        return self.session.query(Agent).filter(Agent.id == agent_id).first()",
    "    # the handler keeps the connection open until the response is sent",
    "def list_agents(request, limit=50, offset=0):",
    "    payload = {\"id\": agent.id, \"name\": agent.name, \"created_at\": agent.created_at}",
    "QUERY = \"ALTER TABLE agents ADD COLUMN notes TEXT\"  # unwatched: never counts",
    "",
    "        logger.info(\"agent %s updated by %s\", agent.id, user.id)",
    "    assert response.status_code == 200, response.text",
];

impl DiffGenerator {
    fn new(mode: CoreMode) -> Self {
        DiffGenerator {
            rng: Rng(42),
            mode,
            files_in_commit: 0,
            serial: 0,
        }
    }

    /// Appends whole files (and, in log mode, commit lines) until `target` bytes.
    fn fill(&mut self, out: &mut Vec<u8>, target: usize) {
        while out.len() < target {
            if self.mode == CoreMode::Log && self.files_in_commit == 0 {
                self.serial += 1;
                let sha = format!("{:040x}", self.serial);
                let parent = format!("{:040x}", self.serial.wrapping_mul(31));
                out.extend_from_slice(
                    format!(
                        "\x1e{sha} {parent}\x1f2026-01-01T00:00:00+00:00\x1fcommit {}\n\n",
                        self.serial
                    )
                    .as_bytes(),
                );
                self.files_in_commit = 1 + self.rng.below(12) as u64;
            }
            self.file(out);
            self.files_in_commit = self.files_in_commit.saturating_sub(1);
        }
    }

    fn file(&mut self, out: &mut Vec<u8>) {
        self.serial += 1;
        let n = self.serial;
        let path = match self.rng.below(10) {
            0 | 1 => "src/backend/db/migrations.py".to_string(),
            2 => "src/backend/db/schema.py".to_string(),
            3 => "src/backend/db/tables.py".to_string(),
            k => format!("src/backend/api/module_{}_{k}.py", n % 97),
        };
        out.extend_from_slice(
            format!("diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n--- a/{path}\n+++ b/{path}\n")
                .as_bytes(),
        );
        for hunk in 0..1 + self.rng.below(4) {
            let added = 4 + self.rng.below(40);
            let removed = self.rng.below(4);
            let start = 10 + hunk * 200;
            out.extend_from_slice(
                format!(
                    "@@ -{start},{} +{start},{} @@ def f():\n",
                    6 + removed,
                    6 + added
                )
                .as_bytes(),
            );
            for _ in 0..3 {
                out.extend_from_slice(b"     cursor = conn.cursor()\n");
            }
            for _ in 0..removed {
                out.extend_from_slice(b"-    cursor.execute(\"UPDATE agents SET name = name\")\n");
            }
            for _ in 0..added {
                out.push(b'+');
                self.added_line(&path, out);
                out.push(b'\n');
            }
            for _ in 0..3 {
                out.extend_from_slice(b"     conn.commit()\n");
            }
        }
    }

    fn added_line(&mut self, path: &str, out: &mut Vec<u8>) {
        let n = self.rng.below(100_000);
        let roll = self.rng.below(1000);
        let line = match path {
            "src/backend/db/migrations.py" => match roll {
                0..=9 => format!("    cursor.execute(\"ALTER TABLE agents ADD COLUMN c_{n} TEXT\")"),
                10..=14 => format!("    (\"m_{n}\", _migrate_m_{n}),"),
                15..=199 => format!("    # {n}: ALTER TABLE is not needed, the column exists"),
                200..=599 => format!("    cursor.execute(\"UPDATE agents SET score = {n} WHERE id = ?\", (agent_id,))"),
                600..=699 => format!("def _migrate_m_{n}(cursor, conn):"),
                700..=799 => String::new(),
                _ => format!("    rows = cursor.fetchall()  # {n} rows created_at altered_by"),
            },
            "src/backend/db/schema.py" => match roll {
                0..=9 => format!("CREATE TABLE IF NOT EXISTS t_{n} ("),
                10..=499 => format!("    c_{n} TEXT,"),
                500..=699 => format!("-- {n}: see ALTER TABLE notes in the changelog"),
                _ => "    id INTEGER PRIMARY KEY".to_string(),
            },
            "src/backend/db/tables.py" => match roll {
                0..=29 => format!("    Column(\"c_{n}\", Text),"),
                30..=299 => format!("    # {n}: Column(\"old\") was dropped"),
                _ => format!("    \"t_{n}\","),
            },
            _ => UNWATCHED_LINES[roll % 8].to_string(),
        };
        out.extend_from_slice(line.as_bytes());
    }
}

// ---------------------------------------------------------------- scan

/// Builds (or reuses) a generated history under `target/bench/`.
fn bench_repo(name: &str, build: impl FnOnce(&mut FixtureRepo) -> Result<()>) -> Result<PathBuf> {
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

fn bench_scan(steps: usize, with_loop: bool) -> Result<()> {
    let plan = HistoryPlan { seed: 2026, steps };
    let start = Instant::now();
    let dir = bench_repo(&format!("history-{}-{}", plan.seed, plan.steps), |repo| {
        repo.fast_import(|out| write_history(plan, out).map(|_| ()))?;
        Ok(())
    })?;
    let built = start.elapsed();
    let rules = Rules::default();
    let options = ScanOptions::default();

    let (scan_time, (commits, failing, reads)) = best_of(3, || {
        let mut commits = Vec::new();
        let mut reads = Vec::new();
        let mut failing = 0u64;
        scan(&dir, &options, |judged| {
            if let Some(parent) = judged.commit.first_parent() {
                commits.push((parent.to_string(), judged.commit.sha.clone()));
            }
            reads.extend(judged.reads.iter().cloned());
            failing += u64::from(judged.report.verdict() == Verdict::Fail);
            Ok(())
        })?;
        Ok((commits, failing, reads))
    })?;
    println!(
        "scan: {} commits on the first-parent line of a generated history ({} fail), built in {:.1} s under {}",
        commits.len() + 1,
        failing,
        secs(built),
        dir.strip_prefix(project_root()).unwrap_or(&dir).display()
    );

    let git = Git::new(&dir)?;
    let tip = git
        .resolve_commits(&["HEAD"])?
        .remove(0)
        .map_err(|_| Error::new("the generated history has no HEAD"))?;
    let walk = LogWalk {
        tip,
        excluded: Vec::new(),
        first_parent: true,
    };
    let (floor, bytes) = best_of(3, || raw_git(&git, &walk, &rules, &reads))?;
    println!(
        "  {:<44} {:>8.3} s   ({:.1} MB of git output)",
        "raw git: 2 logs + cat-file (the floor)",
        secs(floor),
        bytes as f64 / 1e6
    );
    println!(
        "  {:<44} {:>8.3} s   {:.2}x the floor (target <= 1.5x)",
        "scan",
        secs(scan_time),
        secs(scan_time) / secs(floor)
    );
    // The same history judged by a parity.toml given with --config (the
    // layout of the defaults, written out): the rules come from a file, and
    // the pass must cost what the built-in rules cost.
    let config = ScanOptions {
        config: Some(project_root().join("testdata/configs/spec-layout.toml")),
        ..ScanOptions::default()
    };
    let (config_time, config_failing) = best_of(3, || {
        let mut failing = 0u64;
        scan(&dir, &config, |judged| {
            failing += u64::from(judged.report.verdict() == Verdict::Fail);
            Ok(())
        })?;
        Ok(failing)
    })?;
    println!(
        "  {:<44} {:>8.3} s   {:.2}x the floor (target <= 1.5x); {} fail",
        "scan --config testdata/configs/spec-layout.toml",
        secs(config_time),
        secs(config_time) / secs(floor),
        config_failing
    );
    if config_failing != failing {
        return Err(Error::new(format!(
            "scan --config found {config_failing} failing commits and scan {failing}"
        )));
    }
    if with_loop {
        let (naive, naive_failing) = best_of(1, || per_commit_loop(&git, &commits, &rules))?;
        println!(
            "  {:<44} {:>8.3} s   {:.0}x slower than scan (target >= 50x); {} fail",
            "per-commit loop (2-3 git calls per commit)",
            secs(naive),
            secs(naive) / secs(scan_time),
            naive_failing
        );
        if naive_failing != failing {
            return Err(Error::new(format!(
                "the per-commit loop found {naive_failing} failing commits and scan {failing}"
            )));
        }
    }
    Ok(())
}

/// The git work scan needs, without scan: its two `git log` streams drained
/// and its `cat-file` requests answered, all at once as scan runs them;
/// returns the bytes read.
fn raw_git(
    git: &Git,
    walk: &LogWalk,
    rules: &Rules,
    reads: &[(String, Vec<parity_core::PathBytes>)],
) -> Result<u64> {
    let mut patches = git.log_patches(walk, &rules.history_pathspecs())?;
    let mut added = git.log_added_files(walk, &rules.revisions.statuses)?;
    let mut session = git.cat_file_session()?;
    let mut added_out = added.records(0);
    let mut patch_out = patches.records(b'\n');
    let drain = |records: &mut crate::git::Records<std::process::ChildStdout>| {
        let mut n = 0u64;
        while let Some(r) = records.next_record()? {
            n += r.len() as u64;
        }
        std::io::Result::Ok(n)
    };
    // The streams drain on threads; the cat-file session (tied to `git`)
    // answers here.
    let bytes = std::thread::scope(|scope| {
        let side = scope.spawn(|| drain(&mut added_out));
        let main = scope.spawn(|| drain(&mut patch_out));
        let mut blobs = 0u64;
        for (sha, paths) in reads {
            let sources = session.contents_at(sha, paths)?;
            blobs += paths
                .iter()
                .filter_map(|p| sources.get(p.as_bytes()))
                .map(|c| c.len() as u64)
                .sum::<u64>();
        }
        let side = side.join().expect("the drain thread does not panic")?;
        let main = main.join().expect("the drain thread does not panic")?;
        Result::Ok(main + side + blobs)
    })?;
    drop((added_out, patch_out));
    patches.finish()?;
    added.finish()?;
    session.finish()?;
    Ok(bytes)
}

/// What a naive audit does: for each commit, the file list and the patch
/// against its parent (two git processes), the watched files' contents when
/// the check wants them (a third), then the check.
fn per_commit_loop(git: &Git, commits: &[(String, String)], rules: &Rules) -> Result<u64> {
    let mut failing = 0;
    for (parent, sha) in commits {
        let statuses = parity_core::parse_name_status(&git.name_status(parent, sha)?)
            .map_err(|e| Error::new(e.to_string()))?;
        let patch = git.patch(parent, sha, &rules.diff_paths(&statuses))?;
        let change = parity_core::Change {
            files: parity_core::parse_patch(&patch).map_err(|e| Error::new(e.to_string()))?,
            statuses,
        };
        // Judged as scan judges: verdicts, pairing only when decisive.
        let in_force = parity_core::InForce {
            rules,
            source: None,
        };
        let commits = crate::guard::parity::Commits {
            head: sha,
            merge_base: parent,
            base_tip: parent,
        };
        let mut session = git.cat_file_session()?;
        let (report, _) = crate::guard::parity::fetch_and_decide(
            &change,
            in_force,
            parity_core::PairingMode::WhenDecisive,
            commits,
            &mut session,
        )?;
        session.finish()?;
        failing += u64::from(report.verdict() == Verdict::Fail);
    }
    Ok(failing)
}

// ---------------------------------------------------------------- one check

/// A pull request of `FILES` unwatched files and a large SQLite-track change.
const FILES: usize = 2_000;
const ADDED_MIGRATIONS: usize = 60_000;

fn bench_single_check() -> Result<()> {
    let dir = bench_repo(&format!("large-pr-{FILES}-{ADDED_MIGRATIONS}"), |repo| {
        repo.fast_import(write_large_pull_request).map(|_| ())
    })?;
    let rules = Rules::default();
    let (check_time, report) = best_of(5, || {
        crate::guard::parity::judge(&dir, "main", "pr", &rules)
    })?;
    // The files `judge` reads, found once by a scan of the same range.
    let mut reads = Vec::new();
    let range = crate::guard::scan::ScanOptions {
        range: Some("main..pr".into()),
        ..ScanOptions::default()
    };
    scan(&dir, &range, |judged| {
        reads = judged.reads.clone();
        Ok(())
    })?;
    let (git_time, bytes) = best_of(5, || {
        // The calls `judge` makes, in its order: finding the repository,
        // resolving, the merge-base, the raw listing, the patch, where the
        // watched paths lead, and the contents.
        let git = Git::new(&dir)?;
        let resolved = git.resolve_commits(&["main", "pr"])?;
        let [Ok(base), Ok(head)] = &resolved[..] else {
            return Err(Error::new("the large pull request's branches are missing"));
        };
        let merge_base = git
            .merge_base(base, head)?
            .ok_or_else(|| Error::new("no merge-base"))?;
        let statuses = git.raw_listing(&merge_base, head)?;
        let listed: Vec<_> = parity_core::name_status::parse_raw(&statuses)
            .map_err(|e| Error::new(e.to_string()))?
            .into_iter()
            .map(|raw| raw.entry)
            .collect();
        let patch = git.patch(&merge_base, head, &rules.diff_paths(&listed))?;
        let watched: Vec<parity_core::PathBytes> = [
            parity_core::rules::MIGRATIONS,
            parity_core::rules::SCHEMA,
            parity_core::rules::TABLES,
        ]
        .into_iter()
        .map(parity_core::PathBytes::from)
        .collect();
        git.resolve_paths(&[(merge_base.as_str(), &watched), (head.as_str(), &watched)])?;
        let requests: Vec<(&str, &[parity_core::PathBytes])> = reads
            .iter()
            .map(|(commit, paths)| (commit.as_str(), paths.as_slice()))
            .collect();
        let sources = git.contents_in(&requests)?;
        let read: usize = sources
            .iter()
            .zip(&reads)
            .flat_map(|(s, (_, paths))| paths.iter().filter_map(|p| s.get(p.as_bytes())))
            .map(<[u8]>::len)
            .sum();
        Ok(statuses.len() + patch.len() + read)
    })?;
    println!(
        "single check: a pull request of {} files, {} added lines in migrations.py, {} DDL lines ({:.1} MB of git output)",
        FILES + 4,
        ADDED_MIGRATIONS,
        report.evidence.len(),
        bytes as f64 / 1e6
    );
    println!(
        "  {:<44} {:>8.3} s",
        "its git calls (7 processes)",
        secs(git_time)
    );
    println!(
        "  {:<44} {:>8.3} s   {:.2}x its git calls (target <= 1.2x)",
        "cargo xtask parity main pr",
        secs(check_time),
        secs(check_time) / secs(git_time)
    );
    Ok(())
}

/// The size of the DDL a pull request adds to `migrations.py` for the memory figure.
const MEMORY_PR_BYTES: usize = 50_000_000;

/// The peak memory of one `parity` check (the guard's real path: git, the
/// lexer, pairing, the JSON report) on a pull request that adds 50 MB of DDL
/// lines to `migrations.py`, in a child process, against its target.
fn bench_memory() -> Result<()> {
    let dir = bench_repo(&format!("memory-{MEMORY_PR_BYTES}"), |repo| {
        let base = "def _migrate_agents(cursor, conn):\n    cursor.execute(\"CREATE TABLE t (id INTEGER)\")\n\n\nMIGRATIONS = [\n    (\"agents\", _migrate_agents),\n]\n";
        repo.write("src/backend/db/migrations.py", base)?;
        repo.commit("baseline")?;
        repo.branch("pr")?;
        let mut big = String::with_capacity(MEMORY_PR_BYTES + 4096);
        big.push_str("def _migrate_big(cursor, conn):\n");
        let mut n = 0u64;
        while big.len() < MEMORY_PR_BYTES {
            let _ = std::fmt::Write::write_fmt(
                &mut big,
                format_args!("    cursor.execute(\"ALTER TABLE t ADD COLUMN c{n} TEXT\")\n"),
            );
            n += 1;
        }
        let head = base.replace(
            "\n\nMIGRATIONS = [\n",
            &format!("\n\n{big}\n\nMIGRATIONS = [\n"),
        );
        let head = head.replace(
            "    (\"agents\", _migrate_agents),\n",
            "    (\"agents\", _migrate_agents),\n    (\"big\", _migrate_big),\n",
        );
        repo.write("src/backend/db/migrations.py", head)?;
        repo.commit("a huge schema change")?;
        Ok(())
    })?;
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .args(["bench", "--check-child"])
        .arg(&dir)
        .output()?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "the memory child failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let peak_kib: u64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .map_err(|_| Error::new("the memory child printed no figure"))?;
    let diff_mb = MEMORY_PR_BYTES as f64 / 1e6;
    let peak_mb = peak_kib as f64 * 1024.0 / 1e6;
    let target_mb = 4.0 * diff_mb + 64.0 * 1.048_576;
    println!(
        "memory: one check of a pull request adding {diff_mb:.0} MB of DDL lines to migrations.py (git, lexer, pairing, JSON)"
    );
    println!(
        "  peak {peak_mb:.0} MB = {:.1}x the diff   target < {target_mb:.0} MB (4x the diff + 64 MiB)",
        peak_mb / diff_mb
    );
    Ok(())
}

/// The high-water mark after each stage of a check, on stderr (set
/// `PARITY_BENCH_STAGES` to see where the memory of `bench_memory` goes).
fn stages(dir: &Path) -> Result<()> {
    use parity_core::{decide, InForce, PairingMode};
    let stage = |what: &str| eprintln!("  {what:<40} VmHWM {:>6} MiB", peak_rss_kib() / 1024);
    let git = Git::new(dir)?;
    let range = git.resolve_range("main", "pr")?;
    let rules = Rules::default();
    let listing = git.raw_listing(&range.merge_base, &range.head)?;
    let listing =
        parity_core::name_status::parse_raw(&listing).map_err(|e| Error::new(e.to_string()))?;
    let statuses: Vec<_> = listing.iter().map(|r| r.entry.clone()).collect();
    let patch = git.patch(&range.merge_base, &range.head, &rules.diff_paths(&statuses))?;
    stage("the patch read");
    let files = parity_core::parse_patch(&patch).map_err(|e| Error::new(e.to_string()))?;
    drop(patch);
    stage("the patch parsed");
    let change = parity_core::Change { files, statuses };
    let needs = parity_core::needs(&change, &rules, PairingMode::Always);
    let mut sources = git.contents_in(&[
        (&range.head, &needs.head),
        (&range.merge_base, &needs.merge_base),
    ])?;
    stage("the contents read");
    let contents = parity_core::Contents {
        merge_base: sources.pop().unwrap_or_default(),
        head: sources.pop().unwrap_or_default(),
        ..parity_core::Contents::default()
    };
    let in_force = InForce {
        rules: &rules,
        source: None,
    };
    let report = decide(&change, in_force, PairingMode::WhenDecisive, &contents);
    stage("checked (lexer, no pairing)");
    drop(report);
    let report = decide(&change, in_force, PairingMode::Always, &contents);
    stage("checked and paired");
    let json = parity_core::report::render_json(&report);
    stage("rendered as JSON");
    drop(json);
    Ok(())
}

/// The child of `bench_memory`: one check as `cargo xtask parity --format
/// json main pr` makes it, the report rendered and dropped, then `VmHWM`.
fn check_child(dir: &Path) -> Result<i32> {
    if std::env::var_os("PARITY_BENCH_STAGES").is_some() {
        stages(dir)?;
    }
    let (report, _) = crate::guard::parity::judge_in_force(dir, "main", "pr", None, false)?;
    let json = parity_core::report::render_json(&report);
    if report.verdict() != Verdict::Fail || json.is_empty() {
        return Err(Error::new("the memory pull request must fail"));
    }
    drop(json);
    println!("{}", peak_rss_kib());
    Ok(0)
}

fn write_large_pull_request(out: &mut dyn Write) -> std::io::Result<()> {
    let author = "Parity Fixture <fixture@parity.invalid> 1767225600 +0000";
    let file = |out: &mut dyn Write, path: &str, text: &[u8]| -> std::io::Result<()> {
        writeln!(out, "M 100644 inline {path}")?;
        writeln!(out, "data {}", text.len())?;
        out.write_all(text)?;
        writeln!(out)
    };
    let migrations = |n: usize| {
        let mut text = String::from("\"\"\"SQLite migrations.\"\"\"\n\n");
        for i in 0..n / 4 {
            text.push_str(&format!(
                "def _migrate_m{i}(cursor, conn):\n    cursor.execute(\"UPDATE agents SET score = {i}\")\n    conn.commit()\n\n"
            ));
        }
        if n > 0 {
            text.push_str("def _migrate_big(cursor, conn):\n    cursor.execute(\"ALTER TABLE agents ADD COLUMN big TEXT\")\n\n");
        }
        text.push_str("MIGRATIONS = [\n");
        if n > 0 {
            text.push_str("    (\"big\", _migrate_big),\n");
        }
        text.push_str("]\n");
        text
    };
    let module = |i: usize, version: usize| {
        let mut text = String::new();
        for line in 0..40 {
            text.push_str(&format!(
                "def handler_{i}_{line}(request):\n    return {version}\n"
            ));
        }
        text
    };
    writeln!(
        out,
        "commit refs/heads/main\nmark :1\nauthor {author}\ncommitter {author}\ndata 4\nbase"
    )?;
    file(
        out,
        "src/backend/db/migrations.py",
        migrations(0).as_bytes(),
    )?;
    file(out, "src/backend/db/schema.py", b"SCHEMA = \"\"\n")?;
    file(out, "src/backend/db/tables.py", b"metadata = None\n")?;
    for i in 0..FILES {
        file(
            out,
            &format!("src/app/module_{i}.py"),
            module(i, 1).as_bytes(),
        )?;
    }
    writeln!(
        out,
        "\ncommit refs/heads/pr\nmark :2\nauthor {author}\ncommitter {author}\ndata 2\npr\nfrom :1"
    )?;
    file(
        out,
        "src/backend/db/migrations.py",
        migrations(ADDED_MIGRATIONS).as_bytes(),
    )?;
    for i in 0..FILES {
        file(
            out,
            &format!("src/app/module_{i}.py"),
            module(i, 2).as_bytes(),
        )?;
    }
    file(
        out,
        "src/backend/migrations/versions/0002_big.py",
        b"revision = \"0002\"\ndown_revision = None\n",
    )?;
    writeln!(out, "\ndone")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_diff_parses_and_has_every_kind_of_line() {
        let rules = Rules::default();
        for mode in [CoreMode::OneDiff, CoreMode::Log] {
            let mut generator = DiffGenerator::new(mode);
            let mut chunk = Vec::new();
            generator.fill(&mut chunk, 1 << 20);
            let mut judge = CoreJudge::new(&rules);
            for line in chunk.split_inclusive(|&b| b == b'\n') {
                judge.line(line).unwrap();
            }
            judge.end().unwrap();
            assert!(judge.evidence > 0, "{mode:?}");
            assert!(judge.failing > 0, "{mode:?}");
            let text = String::from_utf8_lossy(&chunk);
            assert!(text.contains("+    # "), "comments");
            assert!(text.contains("src/backend/api/"), "unwatched files");
            if mode == CoreMode::Log {
                assert!(judge.commits > 10, "{}", judge.commits);
            }
        }
    }
}
