//! One `parity` check of a large pull request against the git calls it makes,
//! and the peak memory of one check on a pull request of 50 MB of DDL (`--memory-mb`).

use std::io::Write;
use std::path::Path;
use std::process::Command;

use parity_core::{Rules, Verdict};

use super::*;
use crate::error::{Error, Result};
use crate::git::Git;
use crate::guard::scan::{scan, ScanOptions};

/// A pull request of `FILES` unwatched files and a large SQLite-track change.
pub(super) const FILES: usize = 2_000;
pub(super) const ADDED_MIGRATIONS: usize = 60_000;

pub(super) fn bench_single_check() -> Result<()> {
    let dir = bench_repo(&format!("large-pr-{FILES}-{ADDED_MIGRATIONS}"), |repo| {
        repo.fast_import(write_large_pull_request).map(|_| ())
    })?;
    let rules = Rules::default();
    let strict = Rules {
        strict: true,
        ..Rules::default()
    };
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
    let mut report = None;
    let mut bytes = 0;
    let mut plain = || -> Result<()> {
        report = Some(crate::guard::parity::judge(&dir, "main", "pr", &rules)?);
        Ok(())
    };
    let mut strict_check =
        || -> Result<()> { crate::guard::parity::judge(&dir, "main", "pr", &strict).map(|_| ()) };
    let mut git_calls = || -> Result<()> {
        bytes = the_git_calls(&dir, &rules, &reads)?;
        Ok(())
    };
    // The three in turn, so that each figure sees the same moments of the
    // machine.
    let [git_time, check_time, strict_time] =
        best_in_turn(7, [&mut git_calls, &mut plain, &mut strict_check])?;
    let report = report.expect("at least one round");
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
    println!(
        "  {:<44} {:>8.3} s   {:.2}x its git calls (target <= 1.2x)",
        "cargo xtask parity --strict main pr",
        secs(strict_time),
        secs(strict_time) / secs(git_time)
    );
    Ok(())
}

/// The calls `judge` makes, in its order, one after the other: finding the
/// repository, resolving, the merge-base, the raw listing, the patch, where
/// the watched paths lead, and the contents (`reads`). Hands back the bytes
/// git wrote.
fn the_git_calls(
    dir: &Path,
    rules: &Rules,
    reads: &[(String, Vec<parity_core::PathBytes>)],
) -> Result<usize> {
    // The calls `judge` makes, in its order: finding the repository,
    // resolving, the merge-base, the raw listing, the patch, where the
    // watched paths lead, and the contents.
    let git = Git::new(dir)?;
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
        .zip(reads)
        .flat_map(|(s, (_, paths))| paths.iter().filter_map(|p| s.get(p.as_bytes())))
        .map(<[u8]>::len)
        .sum();
    Ok(statuses.len() + patch.len() + read)
}

/// The peak memory of one `parity` check (the guard's real path: git, the
/// lexer, pairing, the JSON report) on a pull request that adds `pr_bytes` of DDL
/// lines to `migrations.py`, in a child process, against its target.
pub(super) fn bench_memory(pr_bytes: usize) -> Result<()> {
    let dir = bench_repo(&format!("memory-{pr_bytes}"), |repo| {
        let base = "def _migrate_agents(cursor, conn):\n    cursor.execute(\"CREATE TABLE t (id INTEGER)\")\n\n\nMIGRATIONS = [\n    (\"agents\", _migrate_agents),\n]\n";
        repo.write("src/backend/db/migrations.py", base)?;
        repo.commit("baseline")?;
        repo.branch("pr")?;
        let mut big = String::with_capacity(pr_bytes + 4096);
        big.push_str("def _migrate_big(cursor, conn):\n");
        let mut n = 0u64;
        while big.len() < pr_bytes {
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
    let diff_mb = pr_bytes as f64 / 1e6;
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
pub(super) fn stages(dir: &Path) -> Result<()> {
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
    parity_formats::report::write_report_json(&report, &mut Counted::default())?;
    stage("written as JSON");
    Ok(())
}

/// The child of `bench_memory`: one check as `cargo xtask parity --format
/// json main pr` makes it, the report written as it serializes (to a
/// counter), then `VmHWM`.
pub(super) fn check_child(dir: &Path) -> Result<i32> {
    if std::env::var_os("PARITY_BENCH_STAGES").is_some() {
        stages(dir)?;
    }
    let (report, _) = crate::guard::parity::judge_in_force(
        dir,
        "main",
        "pr",
        None,
        false,
        parity_core::PairingMode::Always,
    )?;
    // Written as `parity --format json` writes it to standard output.
    let mut written = Counted::default();
    let colour = parity_formats::report::Colour::Never;
    crate::guard::parity::write_report(
        &report,
        crate::guard::parity::Format::Json,
        colour,
        &mut written,
    )?;
    if report.verdict() != Verdict::Fail || written.0 == 0 {
        return Err(Error::new("the memory pull request must fail"));
    }
    println!("{}", peak_rss_kib());
    Ok(0)
}

/// A writer that keeps only the count of bytes written to it.
#[derive(Default)]
struct Counted(usize);

impl Write for Counted {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 += bytes.len();
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub(super) fn write_large_pull_request(out: &mut dyn Write) -> std::io::Result<()> {
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
