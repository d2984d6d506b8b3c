//! `scan` over a generated history against the raw git work it reads (the
//! floor), with `--config`, and against a naive loop of git calls per commit.

use std::time::Instant;

use parity_core::{Rules, Verdict};

use super::*;
use crate::error::{Error, Result};
use crate::git::{Git, LogWalk};
use crate::guard::scan::{scan, ScanOptions};
use crate::harness::ci::project_root;
use crate::harness::history::{write_history, HistoryPlan};

pub(super) fn bench_scan(steps: usize, with_loop: bool) -> Result<()> {
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
pub(super) fn raw_git(
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
    let drain = |records: &mut crate::git::Records<crate::git::ReadAhead>| {
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
pub(super) fn per_commit_loop(
    git: &Git,
    commits: &[(String, String)],
    rules: &Rules,
) -> Result<u64> {
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
            &mut parity_core::Memo::default(),
            crate::guard::parity::HeadStart::default(),
        )?;
        session.finish()?;
        failing += u64::from(report.verdict() == Verdict::Fail);
    }
    Ok(failing)
}
