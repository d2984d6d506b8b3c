//! The findings of a report: each problem on one line of one file, with its
//! kind from the one table (`crate::kinds`) and a message that names the
//! specifics. The github and SARIF printers lay these out; none words a
//! finding itself.

use super::{what_to_do, Reason, Report};
use crate::alembic::Severity;
use crate::kinds::{
    Kind, Level, SCHEMA_CHANGE_WITHOUT_REVISION, SCHEMA_OBJECT_MISMATCHED, SCHEMA_OBJECT_UNCOVERED,
};
use crate::path::PathBytes;
use crate::schema::CoverageStatus;

/// One finding, on one line of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: &'static Kind,
    pub level: Level,
    pub path: PathBytes,
    pub line: u32,
    /// One or two sentences naming the specifics.
    pub message: String,
}

/// The findings of a report, in the order its parts list them: each DDL
/// line of a check that lacks a revision; each schema object the added
/// revisions leave uncovered (an error under `--strict`, a warning
/// otherwise; without any revision the DDL lines already say it); each
/// finding on the Alembic track's integrity.
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
    // With a revision added (or, under --strict, whenever the schema decided),
    // each schema object the revisions leave uncovered or make differently;
    // without any revision and an entry, the DDL lines already say it.
    let strict = matches!(
        report.reason,
        Reason::UncoveredObjects | Reason::SchemaChangeWithoutEntry
    );
    if !report.revisions.is_empty() || strict {
        let level = if strict { Level::Error } else { Level::Warning };
        let marker = if strict { " (--strict)" } else { "" };
        for coverage in &report.coverage {
            let (kind, message) = match coverage.status {
                CoverageStatus::Uncovered => (
                    &SCHEMA_OBJECT_UNCOVERED,
                    format!(
                        "{} is in no added revision{marker}; `cargo xtask parity --suggest` \
                         prints a revision that adds it.",
                        coverage.description
                    ),
                ),
                CoverageStatus::Mismatched => (
                    &SCHEMA_OBJECT_MISMATCHED,
                    format!(
                        "{} differs in the added revisions{marker}: {}; `cargo xtask parity \
                         --suggest` prints a revision that makes them equal.",
                        coverage.description,
                        coverage.mismatch_summary()
                    ),
                ),
                CoverageStatus::Covered | CoverageStatus::Unresolved => continue,
            };
            out.push(Finding {
                kind,
                level,
                path: PathBytes::from(coverage.path.as_str()),
                line: coverage.line,
                message,
            });
        }
    }
    for finding in &report.integrity {
        out.push(Finding {
            kind: finding.kind.info(),
            level: match finding.severity {
                Severity::Fail => Level::Error,
                Severity::Note => Level::Note,
            },
            path: finding.path.clone(),
            line: finding.line,
            message: finding.message.clone(),
        });
    }
    out
}
