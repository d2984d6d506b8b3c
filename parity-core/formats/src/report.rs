//! The renderings of a `Report`: text for a person, the versioned JSON
//! document (and scan's one-line records), and, in `github` and `sarif`, the
//! CI formats. Each is a function of the one `Report` value; none of them
//! decides anything.

pub mod findings;
pub mod github;
pub mod sarif;

use std::fmt::Write as _;

use serde::Serialize;

use parity_core::alembic::Severity;
use parity_core::path::PathBytes;
use parity_core::report::{escape_controls, is_hostile, CounterpartFound, Reason, Report, Verdict};
use parity_core::schema::CoverageStatus;

/// A character serde_json leaves raw inside a string that can act on a
/// reader (serde_json escapes every C0 control itself; outside strings the
/// only C0 characters are the layout's own line feeds).
fn raw_in_json(c: char) -> bool {
    c as u32 >= 0x7f && is_hostile(c)
}

/// Writes `text` with every [`raw_in_json`] character as a `\uXXXX` escape.
fn write_guarded<W: ?Sized + std::io::Write>(out: &mut W, text: &str) -> std::io::Result<()> {
    let mut rest = text;
    while let Some((at, c)) = rest.char_indices().find(|&(_, c)| raw_in_json(c)) {
        out.write_all(&rest.as_bytes()[..at])?;
        write!(out, "\\u{:04x}", c as u32)?;
        rest = &rest[at + c.len_utf8()..];
    }
    out.write_all(rest.as_bytes())
}

/// The two layouts of the project's JSON, chosen when writing starts rather
/// than by type: every value's serializer is made once, for both.
enum Layout {
    Pretty(serde_json::ser::PrettyFormatter<'static>),
    Compact(serde_json::ser::CompactFormatter),
}

/// A serde_json layout whose string contents go through [`write_guarded`]:
/// the document streams to its writer already escaped, never held whole.
struct Guarded(Layout);

/// Calls the layout's own method of that name.
macro_rules! layout {
    ($self:ident.$method:ident($($arg:expr),*)) => {
        match &mut $self.0 {
            Layout::Pretty(f) => f.$method($($arg),*),
            Layout::Compact(f) => f.$method($($arg),*),
        }
    };
}

impl serde_json::ser::Formatter for Guarded {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        write_guarded(writer, fragment)
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        layout!(self.begin_array(w))
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        layout!(self.end_array(w))
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        layout!(self.begin_array_value(w, first))
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        layout!(self.end_array_value(w))
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        layout!(self.begin_object(w))
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        layout!(self.end_object(w))
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        layout!(self.begin_object_key(w, first))
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        layout!(self.begin_object_value(w))
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        layout!(self.end_object_value(w))
    }
}

/// Serializes `value` to `out` in `layout`. Every value the project
/// serializes has string keys and serializes without fail: an error here is
/// the writer's.
fn write_in(
    value: &impl Serialize,
    layout: Layout,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    value
        .serialize(&mut serde_json::Serializer::with_formatter(
            out,
            Guarded(layout),
        ))
        .map_err(std::io::Error::from)
}

/// Writes `value` as indented JSON to `out` as it serializes (no final
/// newline): `--format json` and SARIF. The characters serde_json leaves raw
/// inside strings (DEL, C1, separators, bidi controls) are written as
/// `\uXXXX` escapes: the same document, nothing that can act on a reader.
pub fn write_json(value: &impl Serialize, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let pretty = serde_json::ser::PrettyFormatter::new();
    write_in(value, Layout::Pretty(pretty), out)
}

/// `value` as JSON on one line (scan's records), escaped as [`write_json`]
/// escapes.
pub fn json_line(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    let compact = serde_json::ser::CompactFormatter;
    write_in(value, Layout::Compact(compact), &mut out)
        .expect("a vector takes every write, and every value has string keys");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// One commit of `scan --format json`, with its report.
#[derive(Serialize)]
pub struct ScanCommit<'a> {
    pub sha: &'a str,
    pub parents: &'a [String],
    pub date: &'a str,
    pub subject: &'a str,
    pub report: &'a Report,
}

/// A commit's record of `scan --format json`, on one line. Not generic, so
/// that the report's serializer is made once, here, not again in each
/// crate that writes a record.
pub fn scan_commit_json(commit: &ScanCommit<'_>) -> String {
    json_line(commit)
}

/// The version of the JSON document; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

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
    let mut out = Vec::new();
    write_report_json(report, &mut out).expect("a vector takes every write");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render_json`] written to `out` as it serializes: a report of a million
/// objects is never held as text.
pub fn write_report_json(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let document = JsonDocument {
        version: JSON_VERSION,
        tool: "parity",
        report,
    };
    write_json(&document, out)?;
    out.write_all(b"\n")
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
        .chain(report.evidence.iter().map(|e| location(e.path, e.line)))
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
            location(evidence.path, evidence.line),
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
        let mismatched = match count(CoverageStatus::Mismatched) {
            0 => String::new(),
            n => format!("{n} mismatched, "),
        };
        let _ = writeln!(
            out,
            "\nschema objects: {} ({} covered, {mismatched}{} uncovered, {} unresolved)",
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
                CoverageStatus::Mismatched => paint.paint("1;31", "MISMATCHED"),
                CoverageStatus::Uncovered => paint.paint("1;31", "UNCOVERED "),
                CoverageStatus::Unresolved => paint.paint("33", "unresolved"),
            };
            let _ = writeln!(
                out,
                "  {:<loc_width$}  {status}  {}",
                escape_controls(&format!("{}:{}", c.path, c.line)),
                escape_controls(&c.description())
            );
            let here = c.path.rsplit('/').next().unwrap_or(&c.path);
            for mismatch in c.mismatches() {
                let _ = writeln!(
                    out,
                    "  {:<loc_width$}              {}",
                    "",
                    mismatch.describe(here)
                );
            }
        }
        let uncovered = count(CoverageStatus::Uncovered);
        let mismatched = count(CoverageStatus::Mismatched);
        if uncovered + mismatched > 0 && report.verdict() == Verdict::Pass {
            let suggest = match report.advice.alembic {
                true => ", `--suggest` writes the missing revision",
                false => "",
            };
            let what = match mismatched {
                0 => "are in no added revision".to_string(),
                _ => "are in no added revision or differ from it".to_string(),
            };
            let _ = writeln!(
                out,
                "\n{} {} schema object(s) above {what}; \
                 `--strict` makes this a failure{suggest}.",
                paint.paint("1;33", "warning:"),
                uncovered + mismatched
            );
        }
    }
    if !report.integrity.is_empty() {
        let _ = writeln!(
            out,
            "\n{} revisions after the merge: {} finding(s)",
            report.tracks.second,
            report.integrity.len()
        );
        for finding in &report.integrity {
            let level = match finding.severity {
                Severity::Fail => paint.paint("1;31", "FAIL"),
                Severity::Note => paint.paint("33", "note"),
            };
            let _ = writeln!(
                out,
                "  {}:{}  {level}  {}\n    {}",
                finding.path,
                finding.line,
                finding.message,
                finding.kind.info().help
            );
        }
    }
    if !report.waivers.is_empty() {
        let _ = writeln!(out, "\nwaivers: {}", report.waivers.len());
        for waiver in &report.waivers {
            let why = match &waiver.reason {
                Some(reason) => reason.clone(),
                None => paint.paint("1;31", "NO REASON: not a waiver"),
            };
            let _ = writeln!(
                out,
                "  {}:{}  {}  {why}",
                waiver.path, waiver.line, waiver.marker
            );
        }
    }
    if !report.counterparts.is_empty() {
        let _ = writeln!(out, "\ncounterparts by name: {}", report.counterparts.len());
        for c in &report.counterparts {
            let found = match (&c.found, &c.path) {
                (CounterpartFound::Added, Some(path)) => format!("added in the range: {path}"),
                (CounterpartFound::AtHead, Some(path)) => format!("already at HEAD: {path}"),
                _ => paint.paint("1;31", "MISSING"),
            };
            let _ = writeln!(out, "  {}  {}  {found}", c.entry, c.name);
        }
    }
    if !report.other_pairs.is_empty() {
        let _ = writeln!(
            out,
            "\nthis report: {} -> {}; the other pairs of tracks:",
            report.tracks.first, report.tracks.second
        );
        for pair in &report.other_pairs {
            let verdict = match pair.verdict {
                Verdict::Fail => paint.paint("1;31", "FAIL"),
                _ => paint.paint("32", "pass"),
            };
            let _ = writeln!(
                out,
                "  {} -> {}: {verdict} — {}",
                pair.first, pair.second, pair.message
            );
            for line in &pair.evidence {
                let _ = writeln!(out, "    {line}");
            }
        }
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "\n{} {warning}", paint.paint("1;33", "warning:"));
    }
    for note in &report.notes {
        let _ = writeln!(out, "\nnote: {}", escape_controls(note));
    }
    if report.reason == Reason::UncoveredObjects {
        let suggest = match report.advice.alembic {
            true => " (`cargo xtask parity --suggest` prints a revision that does)",
            false => "",
        };
        let _ = writeln!(
            out,
            "\n{} add the UNCOVERED objects above to the revision under {}{suggest}, \
             commit it and push.",
            paint.paint("1", "what to do:"),
            report.revision_dir
        );
    } else if report.verdict() == Verdict::Fail {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint.paint("1", "what to do:"),
            report.what_to_do()
        );
    }
    out
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}
