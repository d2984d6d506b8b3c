//! The result of a check, and its renderings. Each format is a function of
//! the one `Report` value; none of them decides anything.

pub mod github;
pub mod sarif;

use std::fmt::Write as _;

use serde::Serialize;

use crate::path::PathBytes;
use crate::rules::Tracks;
use crate::schema::{Coverage, CoverageStatus};

/// Whether a character can act on whoever reads the output (a terminal, a
/// CI log that splits lines on CR): the C0 controls but tab, DEL, the C1
/// controls, the line and paragraph separators, and the bidirectional
/// overrides and isolates.
pub fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text with every hostile character (see [`is_hostile`]) shown escaped:
/// `\r`, `\n`, `\x1b`, `\u{9b}`. Text without one is borrowed as it is.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if is_hostile(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_hostile(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// JSON text with the characters serde_json leaves raw inside strings (DEL,
/// C1, separators, bidi controls) written as `\uXXXX` escapes: the same
/// document, nothing that can act on a reader. Outside strings a document is
/// ASCII, so every such character is inside a string.
pub fn escape_json_text(json: String) -> String {
    // serde_json escapes every C0 control inside a string; outside strings
    // the only C0 characters are the layout's own line feeds.
    let raw = |c: char| c as u32 >= 0x7f && is_hostile(c);
    if !json.chars().any(raw) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if raw(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// The version of the JSON document; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    Skipped,
}

impl Verdict {
    /// The process exit code of SPEC.md's table (errors, 2, are not verdicts).
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Fail => 1,
            Verdict::Pass | Verdict::Skipped => 0,
        }
    }
}

/// Why the verdict is what it is: one row of SPEC.md's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "why")]
pub enum Reason {
    /// No range to check (no BASE or HEAD, or BASE is the all-zero SHA).
    Skipped(String),
    NoEntry,
    DataOnly,
    BothTracks,
    MissingRevision,
    /// Both tracks updated, but with `--strict` a resolvable schema object of
    /// the first track is missing from every added revision.
    UncoveredObjects,
}

impl Reason {
    pub fn verdict(&self) -> Verdict {
        match self {
            Reason::Skipped(_) => Verdict::Skipped,
            Reason::MissingRevision | Reason::UncoveredObjects => Verdict::Fail,
            Reason::NoEntry | Reason::DataOnly | Reason::BothTracks => Verdict::Pass,
        }
    }

    /// One sentence for a person, naming the tracks as the rules do.
    pub fn message(&self, tracks: &Tracks) -> String {
        let Tracks { first, second } = tracks;
        match self {
            // The verdict already says "skipped": the message is why.
            Reason::Skipped(why) => why.clone(),
            Reason::NoEntry => {
                "no new migration entry: a refactor, a rebuild or a non-schema edit".into()
            }
            Reason::DataOnly => "a new migration entry, but no DDL in any watched file: \
                                 a data-only migration"
                .into(),
            Reason::BothTracks => {
                format!(
                    "a {first} schema change with a net-new {second} revision: both tracks updated"
                )
            }
            Reason::MissingRevision => {
                format!("a {first} schema change without a net-new {second} revision")
            }
            Reason::UncoveredObjects => format!(
                "a net-new {second} revision, but it does not cover every schema object \
                 the {first} change touches (--strict)"
            ),
        }
    }
}

/// A new migration entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub path: PathBytes,
    pub line: u32,
    pub name: String,
    pub text: String,
}

/// An added line of a watched file that matched its pattern set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub path: PathBytes,
    pub line: u32,
    /// The pattern that matched (`ALTER TABLE`, `Column(`).
    pub pattern: String,
    /// The set it belongs to (`sql`, `metadata`).
    pub set: String,
    pub text: String,
}

/// A net-new revision file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub path: PathBytes,
}

/// The range that was checked, as resolved commits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RangeInfo {
    pub base: String,
    pub head: String,
    pub merge_base: String,
}

/// The outcome of a check. The verdict and the message are not stored: they
/// follow from the reason (and the tracks' names), so they can never disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub reason: Reason,
    pub range: Option<RangeInfo>,
    pub entries: Vec<Entry>,
    pub evidence: Vec<Evidence>,
    pub revisions: Vec<Revision>,
    /// Where a missing revision belongs.
    pub revision_dir: String,
    /// The names the messages give the two tracks.
    pub tracks: Tracks,
    /// Remarks on how the check was made (a fallback, a config change).
    pub notes: Vec<String>,
    /// Object-level pairing: each schema object the first track changes and
    /// whether an added revision covers it (empty unless the range has a new
    /// entry with DDL evidence).
    pub coverage: Vec<Coverage>,
}

/// The report as serialized: the derived verdict and message in their places.
#[derive(Serialize)]
struct ReportView<'a> {
    verdict: Verdict,
    reason: &'a Reason,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: &'a Option<RangeInfo>,
    entries: &'a [Entry],
    evidence: &'a [Evidence],
    revisions: &'a [Revision],
    revision_dir: &'a str,
    notes: &'a [String],
    coverage: &'a [Coverage],
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ReportView {
            verdict: self.verdict(),
            reason: &self.reason,
            message: self.message(),
            range: &self.range,
            entries: &self.entries,
            evidence: &self.evidence,
            revisions: &self.revisions,
            revision_dir: &self.revision_dir,
            notes: &self.notes,
            coverage: &self.coverage,
        }
        .serialize(serializer)
    }
}

impl Report {
    pub fn new(
        reason: Reason,
        entries: Vec<Entry>,
        evidence: Vec<Evidence>,
        revisions: Vec<Revision>,
        revision_dir: String,
        tracks: &Tracks,
    ) -> Report {
        Report {
            reason,
            range: None,
            entries,
            evidence,
            revisions,
            revision_dir,
            tracks: tracks.clone(),
            notes: Vec::new(),
            coverage: Vec::new(),
        }
    }

    pub fn verdict(&self) -> Verdict {
        self.reason.verdict()
    }

    /// One sentence for a person, in the tracks' names.
    pub fn message(&self) -> String {
        self.reason.message(&self.tracks)
    }

    /// A report for a range that cannot be checked because it is not there.
    pub fn skipped(why: impl Into<String>, revision_dir: String) -> Report {
        Report::new(
            Reason::Skipped(why.into()),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            revision_dir,
            // A skip names no track.
            &Tracks::generic(),
        )
    }
}

/// The JSON document: the report under a version number.
#[derive(Serialize)]
struct JsonDocument<'a> {
    version: u32,
    tool: &'static str,
    #[serde(flatten)]
    report: &'a Report,
}

/// The stable, versioned JSON document, pretty-printed, with a final newline.
pub fn render_json(report: &Report) -> String {
    let document = JsonDocument {
        version: JSON_VERSION,
        tool: "parity",
        report,
    };
    let mut out = escape_json_text(
        serde_json::to_string_pretty(&document).expect("a report always serializes"),
    );
    out.push('\n');
    out
}

/// Whether the text report may use ANSI colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    Never,
    Always,
}

struct Paint(Colour);

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        match self.0 {
            Colour::Never => text.to_string(),
            Colour::Always => format!("\x1b[{code}m{text}\x1b[0m"),
        }
    }
}

/// The report for a person: what happened and, on failure, what to do.
/// Every text that comes from the pull request (lines, paths, names, notes)
/// is shown with its control characters escaped ([`escape_controls`]), so
/// no byte of the diff can drive a terminal or start a line of a CI log
/// that splits on CR: the only raw escapes are the colours the guard adds.
pub fn render_text(report: &Report, colour: Colour) -> String {
    let paint = Paint(colour);
    let mut out = String::new();
    let head = match report.verdict() {
        Verdict::Pass => paint.paint("1;32", "parity: pass"),
        Verdict::Fail => paint.paint("1;31", "parity: FAIL"),
        Verdict::Skipped => paint.paint("1;33", "parity: skipped"),
    };
    let _ = writeln!(out, "{head} — {}", escape_controls(&report.message()));
    if let Some(range) = &report.range {
        let _ = writeln!(
            out,
            "range: {}...{} (merge-base {})",
            short(&range.base),
            short(&range.head),
            short(&range.merge_base)
        );
    }
    if let Verdict::Skipped = report.verdict() {
        return out;
    }

    // Locations and pattern names padded to one column each, so that the
    // lines of code line up.
    let location = |path: &PathBytes, line: u32| format!("{path}:{line}");
    let loc_width = (report.entries.iter().map(|e| location(&e.path, e.line)))
        .chain(report.evidence.iter().map(|e| location(&e.path, e.line)))
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "\nnew migration entries: {}", report.entries.len());
    for entry in &report.entries {
        let _ = writeln!(
            out,
            "  {:<loc_width$}  {}",
            location(&entry.path, entry.line),
            escape_controls(entry.text.trim())
        );
    }
    let _ = writeln!(out, "\nDDL evidence: {}", report.evidence.len());
    let width = report
        .evidence
        .iter()
        .map(|e| e.pattern.chars().count())
        .max()
        .unwrap_or(0);
    for evidence in &report.evidence {
        let pattern = format!("{:<width$}", evidence.pattern);
        let _ = writeln!(
            out,
            "  {:<loc_width$}  {}  {}",
            location(&evidence.path, evidence.line),
            paint.paint("1", &escape_controls(&pattern)),
            escape_controls(evidence.text.trim()),
        );
    }
    let _ = writeln!(out, "\nnet-new revisions: {}", report.revisions.len());
    for revision in &report.revisions {
        let _ = writeln!(out, "  {}", revision.path);
    }
    if !report.coverage.is_empty() {
        let count = |status| {
            report
                .coverage
                .iter()
                .filter(|c| c.status == status)
                .count()
        };
        let _ = writeln!(
            out,
            "\nschema objects: {} ({} covered, {} uncovered, {} unresolved)",
            report.coverage.len(),
            count(CoverageStatus::Covered),
            count(CoverageStatus::Uncovered),
            count(CoverageStatus::Unresolved)
        );
        let loc_width = report
            .coverage
            .iter()
            .map(|c| format!("{}:{}", c.path, c.line).chars().count())
            .max()
            .unwrap_or(0);
        for c in &report.coverage {
            let status = match c.status {
                CoverageStatus::Covered => paint.paint("32", "covered   "),
                CoverageStatus::Uncovered => paint.paint("1;31", "UNCOVERED "),
                CoverageStatus::Unresolved => paint.paint("33", "unresolved"),
            };
            let _ = writeln!(
                out,
                "  {:<loc_width$}  {status}  {}",
                escape_controls(&format!("{}:{}", c.path, c.line)),
                escape_controls(&c.description)
            );
        }
        let uncovered = count(CoverageStatus::Uncovered);
        if uncovered > 0 && report.verdict() == Verdict::Pass {
            let _ = writeln!(
                out,
                "\n{} {uncovered} schema object(s) above are in no added revision; \
                 `--strict` makes this a failure, `--suggest` writes the missing revision.",
                paint.paint("1;33", "warning:")
            );
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "\nnote: {}", escape_controls(note));
    }
    if report.reason == Reason::UncoveredObjects {
        let _ = writeln!(
            out,
            "\n{} add the UNCOVERED objects above to the revision under {} \
             (`cargo xtask parity --suggest` prints a revision that does), commit it and push.",
            paint.paint("1", "what to do:"),
            report.revision_dir
        );
    } else if report.verdict() == Verdict::Fail {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint.paint("1", "what to do:"),
            what_to_do(&report.revision_dir)
        );
    }
    out
}

/// What a failing pull request needs, in one sentence; every format says it.
pub fn what_to_do(revision_dir: &str) -> String {
    format!(
        "add a revision file under {revision_dir} that makes the same schema change \
         (for an Alembic track: `alembic revision -m \"<what changed>\"`, or \
         `cargo xtask parity --suggest` to print one), commit it on this branch and push."
    )
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
