//! Several pairs of tracks in one `parity.toml`: `[[counterparts]]` (a
//! SQLite change needs PostgreSQL *and* MySQL) and `[tracks] both_directions`
//! (a PostgreSQL change needs SQLite too). Each pair is judged by its own
//! `Rules` exactly as the first; the report is the first failing pair's (or
//! the first pair's when none fails), and lists every other pair's outcome,
//! so that each format names each track.

use serde::Serialize;

use crate::check::{check_keeping_lexed, Change};
use crate::counterpart;
use crate::path::PathBytes;
use crate::report::{Report, Verdict};
use crate::rules::Rules;
use crate::sources::Sources;

/// The outcome of one pair of tracks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PairOutcome {
    pub first: String,
    pub second: String,
    pub verdict: Verdict,
    pub message: String,
    /// The DDL lines of a failing pair, `path:line`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

fn outcome(report: &Report) -> PairOutcome {
    let failing = report.verdict() == Verdict::Fail;
    PairOutcome {
        first: report.tracks.first.clone(),
        second: report.tracks.second.clone(),
        verdict: report.verdict(),
        message: report.message(),
        evidence: match failing {
            true => (report.evidence.iter())
                .map(|e| format!("{}:{}", e.path, e.line))
                .collect(),
            false => Vec::new(),
        },
    }
}

/// Judges the further pairs of `rules` and folds them into `first`, the
/// first pair's report.
pub fn combine(
    first: Report,
    change: &Change,
    rules: &Rules,
    head: &Sources,
    head_files: &[PathBytes],
) -> Report {
    if rules.pairings.is_empty() {
        return first;
    }
    let mut reports = vec![first];
    for pairing in &rules.pairings {
        let (mut report, _) = check_keeping_lexed(change, pairing, head);
        counterpart::resolve(&mut report, pairing, &change.statuses, head_files);
        reports.push(report);
    }
    let chosen = (reports.iter())
        .position(|r| r.verdict() == Verdict::Fail)
        .unwrap_or(0);
    let others: Vec<PairOutcome> = (reports.iter().enumerate())
        .filter(|(i, _)| *i != chosen)
        .map(|(_, r)| outcome(r))
        .collect();
    let mut report = reports.swap_remove(chosen);
    report.other_pairs = others;
    report
}
