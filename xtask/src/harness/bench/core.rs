//! The core alone (PatchParser -> Checker) over a generated diff, against a
//! plain line count of the same bytes, with its peak memory in a child process.

use std::process::Command;
use std::time::Instant;

use parity_core::log::commit_header;
use parity_core::{Checker, PatchParser, Report, Rules, Verdict};
use serde::{Deserialize, Serialize};

use super::*;
use crate::error::{Error, Result};
use crate::harness::history::Rng;

/// What a core child measured.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CoreFigures {
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
pub(super) enum CoreMode {
    /// One diff, one Checker: a pull request of that size.
    OneDiff,
    /// A log of commit patches, a Checker per commit: what scan does.
    Log,
}

pub(super) fn bench_core(mib: usize) -> Result<()> {
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
pub(super) fn core_child(spec: &str) -> Result<i32> {
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
pub(super) enum CpuClock {
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
pub(super) fn peak_rss_kib() -> u64 {
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
pub(super) struct CoreJudge<'r> {
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
pub(super) struct DiffGenerator {
    rng: Rng,
    mode: CoreMode,
    files_in_commit: u64,
    serial: u64,
}

pub(super) const UNWATCHED_LINES: [&str; 8] = [
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
