//! The findings of a report: each problem on one line of one file, with its
//! kind from the one table (`parity_core::kinds`) and a message that names the
//! specifics. The github and SARIF printers lay these out; none words a
//! finding itself.

use parity_core::alembic::Severity;
use parity_core::kinds::{
    Kind, Level, INVALID_WAIVER, ONE_TRACK_WAIVER, SCHEMA_CHANGE_WITHOUT_REVISION,
    SCHEMA_OBJECT_MISMATCHED, SCHEMA_OBJECT_UNCOVERED,
};
use parity_core::path::PathBytes;
use parity_core::report::{Reason, Report};
use parity_core::schema::CoverageStatus;

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
    // Every waiver: a note with its reason, an error without one.
    for waiver in &report.waivers {
        let (kind, level, message) = match &waiver.reason {
            Some(reason) => (
                &ONE_TRACK_WAIVER,
                Level::Note,
                format!(
                    "waived ({}): {reason}; the {} track gets no change from this file",
                    waiver.marker, report.tracks.second
                ),
            ),
            None => (
                &INVALID_WAIVER,
                Level::Error,
                format!(
                    "`parity: {}` without a reason waives nothing: {}",
                    waiver.marker,
                    report.what_to_do()
                ),
            ),
        };
        out.push(Finding {
            kind,
            level,
            path: waiver.path.clone(),
            line: waiver.line,
            message,
        });
    }
    if report.reason == Reason::MissingRevision {
        for evidence in &report.evidence {
            out.push(Finding {
                kind: &SCHEMA_CHANGE_WITHOUT_REVISION,
                level: Level::Error,
                path: evidence.path.clone(),
                line: evidence.line,
                message: format!(
                    "`{}` ({} set) changes the {} schema, and the range adds no {} revision \
                     ({}): {}",
                    evidence.pattern,
                    evidence.set,
                    report.tracks.first,
                    report.tracks.second,
                    report.advice.shape,
                    report.what_to_do()
                ),
            });
        }
    }
    // With a revision added (or, under --strict, whenever the schema decided),
    // each schema object the revisions leave uncovered or make differently;
    // without any revision and an entry, the DDL lines already say it.
    let strict = matches!(
        report.reason,
        Reason::UncoveredObjects | Reason::SchemaChangeWithoutEntry | Reason::UnseenSchemaChange
    );
    if !report.revisions.is_empty() || strict {
        let level = if strict { Level::Error } else { Level::Warning };
        let marker = if strict { " (--strict)" } else { "" };
        let suggest = match report.advice.alembic {
            true => "; `cargo xtask parity --suggest` prints a revision that",
            false => "",
        };
        for coverage in &report.coverage {
            let (kind, message) = match coverage.status {
                CoverageStatus::Uncovered => (
                    &SCHEMA_OBJECT_UNCOVERED,
                    format!(
                        "{} is in no added revision{marker}{}.",
                        coverage.description(),
                        if suggest.is_empty() {
                            String::new()
                        } else {
                            format!("{suggest} adds it")
                        }
                    ),
                ),
                CoverageStatus::Mismatched => (
                    &SCHEMA_OBJECT_MISMATCHED,
                    format!(
                        "{} differs in the added revisions{marker}: {}{}.",
                        coverage.description(),
                        coverage.mismatch_summary(),
                        if suggest.is_empty() {
                            String::new()
                        } else {
                            format!("{suggest} makes them equal")
                        }
                    ),
                ),
                CoverageStatus::Covered | CoverageStatus::Unresolved => continue,
            };
            out.push(Finding {
                kind,
                level,
                path: PathBytes::from(&*coverage.path),
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
