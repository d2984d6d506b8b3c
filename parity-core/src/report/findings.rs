//! The findings of a report, and the one table of their kinds that every
//! printer reads: each kind's stable id (SARIF's rule id, the JSON's kind),
//! its name, the title of its annotations, what it means and what to do.
//! A printer never words a finding itself; it lays out these.

use super::{what_to_do, Reason, Report};
use crate::path::PathBytes;
use crate::schema::CoverageStatus;

/// A kind of finding.
#[derive(Debug, PartialEq, Eq)]
pub struct FindingKind {
    /// Stable and unique: `parity/<kebab-case>`.
    pub id: &'static str,
    /// SARIF's rule name (PascalCase).
    pub name: &'static str,
    /// The title of an annotation.
    pub title: &'static str,
    /// One line on what it is.
    pub summary: &'static str,
    /// What it means, in a few sentences.
    pub description: &'static str,
    /// What to do about it, in general (a finding's message names the specifics).
    pub help: &'static str,
    /// How serious it is when nothing else raises it.
    pub default_level: Level,
}

/// How serious one finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    /// The word GitHub's workflow commands and SARIF both use.
    pub fn github(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        }
    }

    pub fn sarif(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

pub const SCHEMA_CHANGE_WITHOUT_REVISION: FindingKind = FindingKind {
    id: "parity/schema-change-without-revision",
    name: "SchemaChangeWithoutRevision",
    title: "parity: schema change without a revision",
    summary: "A schema change on one migration track without a revision on the other",
    description: "A pull request adds a migration entry and DDL on the first track \
                  but no net-new revision file on the second, so the second \
                  database never gets the change.",
    help: "Add a revision file that makes the same schema change on the other track, \
           commit it on this branch and push.",
    default_level: Level::Error,
};

pub const SCHEMA_OBJECT_UNCOVERED: FindingKind = FindingKind {
    id: "parity/schema-object-missing-from-revisions",
    name: "SchemaObjectMissingFromRevisions",
    title: "parity: schema object missing from the revisions",
    summary: "A schema object changed on one track and missing from the revisions",
    description: "The pull request adds a revision, but no added revision changes this \
                  table, column, index or trigger as the first track does \
                  (object-level pairing; an error under --strict).",
    help: "Add the operation to the revision; `cargo xtask parity --suggest` \
           prints a revision that covers every missing object.",
    default_level: Level::Warning,
};

/// Every kind, in a fixed order (SARIF's rule indexes).
pub const KINDS: &[&FindingKind] = &[&SCHEMA_CHANGE_WITHOUT_REVISION, &SCHEMA_OBJECT_UNCOVERED];

/// The position of `kind` in [`KINDS`].
pub fn kind_index(kind: &FindingKind) -> usize {
    KINDS
        .iter()
        .position(|k| k.id == kind.id)
        .expect("every kind is in KINDS")
}

/// One finding, on one line of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: &'static FindingKind,
    pub level: Level,
    pub path: PathBytes,
    pub line: u32,
    /// One or two sentences naming the specifics.
    pub message: String,
}

/// The findings of a report, in the order its parts list them: each DDL
/// line of a check that lacks a revision, then each schema object the added
/// revisions leave uncovered (an error under `--strict`, a warning otherwise;
/// without any revision the DDL lines already say it).
pub fn findings(report: &Report) -> Vec<Finding> {
    let mut out = Vec::new();
    if report.reason == Reason::MissingRevision {
        for evidence in &report.evidence {
            out.push(Finding {
                kind: &SCHEMA_CHANGE_WITHOUT_REVISION,
                level: Level::Error,
                path: evidence.path.clone(),
                line: evidence.line,
                message: format!(
                    "`{}` ({} set) changes the schema on the {} track, and the range adds no \
                     revision under {}: {}",
                    evidence.pattern,
                    evidence.set,
                    report.tracks.first,
                    report.revision_dir,
                    what_to_do(&report.revision_dir)
                ),
            });
        }
    }
    if !report.revisions.is_empty() {
        let strict = report.reason == Reason::UncoveredObjects;
        let uncovered = report
            .coverage
            .iter()
            .filter(|c| c.status == CoverageStatus::Uncovered);
        for coverage in uncovered {
            out.push(Finding {
                kind: &SCHEMA_OBJECT_UNCOVERED,
                level: if strict { Level::Error } else { Level::Warning },
                path: PathBytes::from(coverage.path.as_str()),
                line: coverage.line,
                message: format!(
                    "{} is in no added revision{}; `cargo xtask parity --suggest` \
                     prints a revision that adds it.",
                    coverage.description,
                    if strict { " (--strict)" } else { "" }
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_unique_ids_and_names() {
        for (i, a) in KINDS.iter().enumerate() {
            assert!(a.id.starts_with("parity/"), "{}", a.id);
            assert_eq!(kind_index(a), i);
            for b in &KINDS[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
                assert_ne!(a.title, b.title);
            }
        }
    }
}
