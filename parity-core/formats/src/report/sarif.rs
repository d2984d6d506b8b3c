//! `--format sarif`: a SARIF 2.1.0 log for code scanning: the finding kinds
//! as rules, each finding (`report::findings`) as a result. Built from serde
//! types; the field names are the standard's (camelCase).

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use super::findings::findings;
use parity_core::kinds::{self, Kind};
use parity_core::path::PathBytes;
use parity_core::report::Report;

pub const SARIF_VERSION: &str = "2.1.0";
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
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

/// The log, pretty-printed, with a final newline: every finding as a
/// result, and the kind of each (from `parity_core::kinds`) as a rule.
pub fn render_sarif(report: &Report) -> String {
    let mut out = Vec::new();
    write_sarif(report, &mut out).expect("a vector takes every write");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render_sarif`] written to `out` as it serializes.
pub fn write_sarif(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let findings = findings(report);
    // The rules of the kinds it reports, in the table's order.
    let used: Vec<&'static Kind> = kinds::all()
        .filter(|kind| findings.iter().any(|f| f.kind.id == kind.id))
        .collect();
    let results = findings
        .into_iter()
        .map(|finding| SarifResult {
            rule_id: finding.kind.id,
            rule_index: used
                .iter()
                .position(|kind| kind.id == finding.kind.id)
                .expect("every finding's kind is among the rules"),
            level: finding.level.sarif(),
            message: text(finding.message),
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: path_uri(&finding.path),
                        uri_base_id: "%SRCROOT%",
                    },
                    region: Region {
                        start_line: finding.line,
                    },
                },
            }],
        })
        .collect();
    let rules = used
        .iter()
        .map(|kind| Rule {
            id: kind.id,
            name: kind.name,
            short_description: text(kind.title),
            full_description: text(kind.help),
            help: text(kind.help),
            default_configuration: Configuration {
                level: kind.level.sarif(),
            },
        })
        .collect();
    let log = Log {
        schema: SARIF_SCHEMA,
        version: SARIF_VERSION,
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "parity",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
    };
    super::write_json(&log, out)?;
    out.write_all(b"\n")
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
