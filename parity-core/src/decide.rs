//! The decision: one call that every command makes (`parity`, `scan`, the
//! fixtures, the fuzzer's git trials, the bench), so that no two commands can
//! judge the same change two ways.
//!
//! The binary lists the change (`Change`: the patch of the watched files and
//! the name-status list), asks [`needs`] which file contents the decision
//! reads, fetches exactly those, and calls [`decide`]. The decision runs the
//! line rules, pairs the tracks object by object when that is asked for or
//! can change the verdict, and lets strictness turn uncovered objects into a
//! fail. The verdict and the message follow from the report's reason.

use crate::check::{check_keeping_lexed, Change};
use crate::config::CONFIG_FILE;
use crate::name_status::NameStatus;
use crate::path::PathBytes;
use crate::report::{Reason, Report};
use crate::rules::Rules;
use crate::schema::pair::{pair, PairingSources};
use crate::schema::CoverageStatus;
use crate::sources::Sources;

/// When the decision pairs the tracks object by object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairingMode {
    /// Always, so the report lists every object's coverage (`parity`).
    Always,
    /// Only when it can change the verdict, that is under `Rules::strict`
    /// (`scan`, which audits verdicts: pairing reads and lexes the watched
    /// files at both ends of every commit and would dominate a history's cost).
    WhenDecisive,
}

/// The rules a change is judged by, and where they come from.
#[derive(Clone, Copy, Debug)]
pub struct InForce<'a> {
    pub rules: &'a Rules,
    /// `None` for the defaults; else where they were read, for a person
    /// (`parity.toml at the merge-base 0123456789ab`, or a `--config` path).
    pub source: Option<&'a str>,
}

/// The file contents a decision reads, by commit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Paths to read at HEAD.
    pub head: Vec<PathBytes>,
    /// Paths to read at the merge-base.
    pub merge_base: Vec<PathBytes>,
}

impl Needs {
    pub fn is_empty(&self) -> bool {
        self.head.is_empty() && self.merge_base.is_empty()
    }
}

/// What the binary fetched for a decision, as [`needs`] asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    pub head: Sources,
    pub merge_base: Sources,
}

fn pairs(rules: &Rules, mode: PairingMode) -> bool {
    mode == PairingMode::Always || rules.strict
}

/// The contents [`decide`] reads for `change`: the watched files with a
/// lexical classifier that gained lines (at HEAD, and at the merge-base when
/// pairing), and the added revisions at HEAD (a revision counts only if it is
/// a file there, and pairing reads it). No other file is ever read.
pub fn needs(change: &Change, rules: &Rules, mode: PairingMode) -> Needs {
    let watched = change.sources_wanted(rules);
    let mut head = watched.clone();
    for revision in added_revisions(&change.statuses, rules) {
        if !head.contains(&revision) {
            head.push(revision);
        }
    }
    let merge_base = match pairs(rules, mode) {
        true => watched,
        false => Vec::new(),
    };
    Needs { head, merge_base }
}

fn added_revisions(statuses: &[NameStatus], rules: &Rules) -> Vec<PathBytes> {
    statuses
        .iter()
        .filter(|entry| rules.revisions.counts(entry))
        .map(|entry| entry.path.clone())
        .collect()
}

/// Judges `change` by the rules in force, from the contents [`needs`] named.
pub fn decide(
    change: &Change,
    in_force: InForce<'_>,
    mode: PairingMode,
    contents: &Contents,
) -> Report {
    let rules = in_force.rules;
    let (mut report, head_lexed) = check_keeping_lexed(change, rules, &contents.head);
    drop_unreadable_revisions(&mut report, &contents.head);
    let pairing_can_matter = matches!(report.reason, Reason::BothTracks | Reason::MissingRevision);
    if pairs(rules, mode) && pairing_can_matter {
        let revisions: Vec<PathBytes> = report.revisions.iter().map(|r| r.path.clone()).collect();
        let pairing = pair(
            rules,
            &revisions,
            PairingSources {
                base: &contents.merge_base,
                head: &contents.head,
                head_lexed: &head_lexed,
                revisions: &contents.head,
            },
        );
        let uncovered = pairing
            .coverage
            .iter()
            .any(|c| c.status == CoverageStatus::Uncovered);
        report.coverage = pairing.coverage;
        report.notes.extend(pairing.notes);
        if rules.strict && uncovered && report.reason == Reason::BothTracks {
            report.reason = Reason::UncoveredObjects;
        }
    }
    if let Some(source) = in_force.source {
        report.notes.push(format!("rules from {source}"));
    }
    if change.statuses.iter().any(touches_config) {
        let applied = in_force.source.unwrap_or("the defaults");
        report.notes.push(format!(
            "this range changes {CONFIG_FILE}; the check used {applied}, and the change \
             takes effect once it is on the base branch"
        ));
    }
    report
}

/// A revision counts only if Alembic could import it: an added path that is
/// a submodule, or a symlink that dangles or leaves the tree, is no revision,
/// and the report says why.
fn drop_unreadable_revisions(report: &mut Report, head: &Sources) {
    let mut notes = Vec::new();
    report.revisions.retain(
        |revision| match head.why_unreadable(revision.path.as_bytes()) {
            None => true,
            Some(why) => {
                notes.push(format!(
                    "{} was added but is {why}: Alembic cannot import it, so it is not a revision",
                    revision.path
                ));
                false
            }
        },
    );
    if report.revisions.is_empty() && report.reason == Reason::BothTracks {
        report.reason = Reason::MissingRevision;
    }
    report.notes.extend(notes);
}

fn touches_config(entry: &NameStatus) -> bool {
    let is_config = |path: &PathBytes| path.as_bytes() == CONFIG_FILE.as_bytes();
    is_config(&entry.path) || entry.from.as_ref().is_some_and(is_config)
}
