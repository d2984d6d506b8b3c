//! `--git N`: generated cases written as real repositories and judged through
//! the guard's own code path (`parity::judge`), so git's output and the git
//! layer are fuzzed too.
//!
//! Each repository has the case's BASE on `main`, its HEAD on a branch `pr`,
//! and sometimes commits that landed on `main` after the fork ("drift"):
//! lines the branch still has are deleted there. A three-dot range ignores
//! them; a two-dot range would take them for additions. The revision files
//! are the case's Alembic track (`Case::revision_files`): the merge-base's
//! chain in the base commit, HEAD's on the branch, and the revision BASE
//! gains after the fork, when the track says so, on `main`.

use std::path::Path;

use parity_core::{Report, Rules};
use proptest::collection::vec;
use proptest::prelude::*;

use super::case::{Case, Change, RevisionKind, Role};
use super::generate;
use super::model::{expected, Docstrings, Expected};
use super::property::{observed, Failure, Input};
use crate::error::{Error, Result};
use crate::git::Git;
use crate::guard::parity::{judge, judge_range};
use crate::harness::repo::FixtureRepo;

/// A case for git, and which counting lines of BASE `main` deletes after the fork.
#[derive(Clone, Debug)]
pub struct GitTrial {
    pub case: Case,
    pub drift: bool,
    pub drift_keys: Vec<u16>,
}

pub fn git_trial() -> impl Strategy<Value = GitTrial> {
    (generate::case(), any::<bool>(), vec(any::<u16>(), 1..4)).prop_map(
        |(mut case, drift, drift_keys)| {
            // Without copy detection git reports a copy as an addition.
            case.revisions.retain(|r| r.kind != RevisionKind::Copied);
            GitTrial {
                case,
                drift,
                drift_keys,
            }
        },
    )
}

/// The indices of BASE lines in watched files that `main` deletes after the
/// fork: lines that would count if they were added.
fn drifted(trial: &GitTrial) -> Vec<(usize, usize)> {
    if !trial.drift {
        return Vec::new();
    }
    let mut counting = Vec::new();
    for (f, file) in trial.case.files.iter().enumerate() {
        if file.added || file.role == Role::Unwatched {
            continue;
        }
        for (i, line) in file.lines.iter().enumerate() {
            let counts = line.label.sql || line.label.metadata || line.label.entry;
            if line.change == Change::Context && counts && !line.label.hash_led {
                counting.push((f, i));
            }
        }
    }
    if counting.is_empty() {
        return counting;
    }
    let mut picked: Vec<(usize, usize)> = trial
        .drift_keys
        .iter()
        .map(|&k| counting[usize::from(k) % counting.len()])
        .collect();
    picked.sort();
    picked.dedup();
    picked
}

/// Builds the repository; returns the SHA of the branch's HEAD.
pub fn write_repository(trial: &GitTrial, dir: &Path) -> Result<String> {
    let case = &trial.case;
    let style = &case.style;
    let mut repo = FixtureRepo::init(dir)?;
    repo.write("README.md", "a generated case\n")?;
    for file in case.files.iter().filter(|f| !f.added) {
        repo.write(&file.path, file.base(style))?;
    }
    let revisions = case.revision_files();
    for (path, text) in &revisions.merge_base {
        repo.write(path, text)?;
    }
    repo.commit("base")?;
    repo.branch("pr")?;
    for file in &case.files {
        repo.write(&file.path, file.head(style))?;
    }
    for (path, _) in &revisions.merge_base {
        if !revisions.head.iter().any(|(p, _)| p == path) {
            repo.remove(path)?;
        }
    }
    for (path, text) in &revisions.head {
        repo.write(path, text)?;
    }
    let head = repo.commit("the pull request")?;

    let drift = drifted(trial);
    if !drift.is_empty() {
        repo.checkout("main")?;
        for (f, file) in case.files.iter().enumerate() {
            let mut kept = file.clone();
            let mut index = 0;
            kept.lines.retain(|_| {
                index += 1;
                !drift.contains(&(f, index - 1))
            });
            if kept.lines.len() != file.lines.len() {
                repo.write(&file.path, kept.base(style))?;
            }
        }
        repo.commit("main moves on after the fork")?;
    }
    // BASE gains a revision after the fork.
    let gained: Vec<&(String, String)> = revisions
        .base_tip
        .iter()
        .filter(|tip| !revisions.merge_base.contains(tip))
        .collect();
    if !gained.is_empty() {
        repo.checkout("main")?;
        for (path, text) in gained {
            repo.write(path, text)?;
        }
        repo.commit("main gains a revision after the fork")?;
    }
    Ok(head)
}

/// How a repository is judged: the guard's path, or a broken variant of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Range {
    /// `BASE...HEAD`, as the guard does it.
    ThreeDot,
    /// `BASE..HEAD`: the diff from BASE itself (a broken variant).
    TwoDot,
}

fn judge_repository(dir: &Path, head: &str, rules: &Rules, range: Range) -> Result<Report> {
    match range {
        Range::ThreeDot => judge(dir, "main", head, rules),
        Range::TwoDot => {
            let git = Git::new(dir)?;
            let mut resolved = git.resolve_range("main", head)?;
            resolved.merge_base = resolved.base.clone();
            let in_force = parity_core::InForce {
                rules,
                source: None,
            };
            Ok(judge_range(&git, &resolved, in_force, parity_core::PairingMode::Always)?.0)
        }
    }
}

/// One git trial: the report through git must equal the model's.
pub fn check_git_trial(
    trial: &GitTrial,
    rules: &Rules,
    docstrings: Docstrings,
    range: Range,
) -> std::result::Result<(), Failure> {
    let mut want: Expected = expected(&trial.case, docstrings);
    want.entries.sort();
    want.evidence.sort();
    want.revisions.sort();
    want.integrity.sort();
    let fail = |message: String| Failure {
        property: "git",
        message,
        input: Box::new(Input::of(&trial.case)),
        expected: Some(Box::new(want.clone())),
    };
    let tmp = tempfile::tempdir().map_err(|e| fail(format!("no temporary directory: {e}")))?;
    let dir = tmp.path().join("repo");
    let head = write_repository(trial, &dir).map_err(|e| fail(e.to_string()))?;
    let report = judge_repository(&dir, &head, rules, range).map_err(|e| fail(e.to_string()))?;
    let got = observed(&report).map_err(fail)?;
    if got != want {
        return Err(fail(format!(
            "the model expects {want:?}\nthe guard through git reported {got:?}"
        )));
    }
    Ok(())
}

/// `--git N`: N git trials from `seed`.
pub fn fuzz_git(n: u32, seed: u64, rules: &Rules, docstrings: Docstrings) -> Result<()> {
    let outcome = super::search(&git_trial(), n, seed, super::SHRINK_GIT, |trial| {
        check_git_trial(&trial, rules, docstrings, Range::ThreeDot)
    });
    outcome.map_err(|failure| {
        eprintln!("{}", super::regression::render(&failure, &format!("cargo xtask fuzz --git {n} --seed {seed}")));
        Error::new(format!(
            "a case judged through git disagreed with the model (replay with --git {n} --seed {seed}): {}",
            failure.message.lines().next().unwrap_or("")
        ))
    })
}
