//! `--format sarif`: a SARIF 2.1.0 log for code scanning: one result per DDL
//! line of a check that lacks a revision, and (a second rule) one per schema
//! object that the added revisions leave uncovered. Built from serde types;
//! the field names are the standard's (camelCase).

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use super::{what_to_do, Reason, Report};
use crate::path::PathBytes;
use crate::schema::CoverageStatus;

pub const SARIF_VERSION: &str = "2.1.0";
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The guard's rule: a schema change without a revision.
pub const RULE_ID: &str = "parity/schema-change-without-revision";
/// Object-level pairing's rule: a schema object no added revision covers.
pub const UNCOVERED_RULE_ID: &str = "parity/schema-object-missing-from-revisions";

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    /// Relative to the checkout, which code scanning resolves.
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

fn text(text: impl Into<String>) -> Message {
    Message { text: text.into() }
}

/// Everything but RFC 3986's unreserved characters and `/` is encoded.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

/// A repository path as a relative URI reference: its bytes, percent-encoded.
pub fn path_uri(path: &PathBytes) -> String {
    percent_encode(path.as_bytes(), URI_PATH).to_string()
}

/// The log, pretty-printed, with a final newline.
pub fn render_sarif(report: &Report) -> String {
    let mut results: Vec<SarifResult> = if report.reason == Reason::MissingRevision {
        report
            .evidence
            .iter()
            .map(|evidence| SarifResult {
                rule_id: RULE_ID,
                rule_index: 0,
                level: "error",
                message: text(format!(
                    "`{}` ({} set) changes the schema on the first track, and the range adds \
                     no revision under {}.",
                    evidence.pattern, evidence.set, report.revision_dir
                )),
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation {
                            uri: path_uri(&evidence.path),
                            uri_base_id: "%SRCROOT%",
                        },
                        region: Region {
                            start_line: evidence.line,
                        },
                    },
                }],
            })
            .collect()
    } else {
        Vec::new()
    };
    // With a revision added, each schema object it leaves uncovered: an error
    // under --strict, a warning otherwise.
    if report.revisions.is_empty() {
        // Every object is uncovered, and the DDL lines already say so.
    } else {
        let level = if report.reason == Reason::UncoveredObjects {
            "error"
        } else {
            "warning"
        };
        results.extend(
            report
                .coverage
                .iter()
                .filter(|c| c.status == CoverageStatus::Uncovered)
                .map(|coverage| SarifResult {
                    rule_id: UNCOVERED_RULE_ID,
                    rule_index: 1,
                    level,
                    message: text(format!(
                        "{} is in no added revision under {}.",
                        coverage.description, report.revision_dir
                    )),
                    locations: vec![Location {
                        physical_location: PhysicalLocation {
                            artifact_location: ArtifactLocation {
                                uri: path_uri(&PathBytes::from(coverage.path.as_str())),
                                uri_base_id: "%SRCROOT%",
                            },
                            region: Region {
                                start_line: coverage.line,
                            },
                        },
                    }],
                }),
        );
    }
    let log = Log {
        schema: SARIF_SCHEMA,
        version: SARIF_VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "parity",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: vec![Rule {
                        id: RULE_ID,
                        name: "SchemaChangeWithoutRevision",
                        short_description: text(
                            "A schema change on one migration track without a revision on the other",
                        ),
                        full_description: text(
                            "A pull request adds a migration entry and DDL on the first track \
                             but no net-new revision file on the second, so the second \
                             database never gets the change.",
                        ),
                        help: text(what_to_do(&report.revision_dir)),
                        default_configuration: Configuration { level: "error" },
                    }, Rule {
                        id: UNCOVERED_RULE_ID,
                        name: "SchemaObjectMissingFromRevisions",
                        short_description: text(
                            "A schema object changed on one track and missing from the revisions",
                        ),
                        full_description: text(
                            "The pull request adds a revision, but no added revision changes this \
                             table, column, index or trigger as the first track does \
                             (object-level pairing; an error under --strict).",
                        ),
                        help: text(
                            "Add the operation to the revision; `cargo xtask parity --suggest` \
                             prints a revision that covers every missing object.",
                        ),
                        default_configuration: Configuration { level: "warning" },
                    }],
                },
            },
            results,
        }],
    };
    let mut out = super::escape_json_text(
        serde_json::to_string_pretty(&log).expect("a SARIF log always serializes"),
    );
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn paths_become_relative_uris() {
        assert_eq!(
            path_uri(&PathBytes::from("src/backend/db/migrations.py")),
            "src/backend/db/migrations.py"
        );
        assert_eq!(
            path_uri(&PathBytes::from("migrations/añadir notas#1.sql")),
            "migrations/a%C3%B1adir%20notas%231.sql"
        );
        assert_eq!(path_uri(&PathBytes::from(&b"caf\xe9"[..])), "caf%E9");
    }
}
