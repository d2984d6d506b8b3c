//! The result of a check, and its renderings. Each format is a function of
//! the one `Report` value; none of them decides anything.

pub mod evidence;
pub mod findings;
pub mod github;
pub mod sarif;

use std::fmt::Write as _;

use serde::Serialize;

use crate::alembic::{IntegrityFinding, Severity};
use crate::path::PathBytes;
use crate::rules::Tracks;
use crate::schema::{Coverage, CoverageStatus};

pub use evidence::{Evidence, EvidenceList};

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

/// A serde_json layout whose string contents go through [`write_guarded`]:
/// the document streams to its writer already escaped, never held whole.
struct Guarded<F>(F);

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Guarded<F> {
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        write_guarded(writer, fragment)
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Writes `value` as indented JSON to `out` as it serializes (no final
/// newline): `--format json` and SARIF. The characters serde_json leaves raw
/// inside strings (DEL, C1, separators, bidi controls) are written as
/// `\uXXXX` escapes: the same document, nothing that can act on a reader.
/// One function a layout, so that a value's serializer is made only for the
/// layout it is written in.
pub fn write_json(value: &impl Serialize, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let pretty = Guarded(serde_json::ser::PrettyFormatter::new());
    // Every value the project serializes has string keys and serializes
    // without fail: an error here is the writer's.
    value
        .serialize(&mut serde_json::Serializer::with_formatter(out, pretty))
        .map_err(std::io::Error::from)
}

/// `value` as JSON on one line (scan's records), escaped as [`write_json`]
/// escapes.
pub fn json_line(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    let compact = Guarded(serde_json::ser::CompactFormatter);
    value
        .serialize(&mut serde_json::Serializer::with_formatter(
            &mut out, compact,
        ))
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    Skipped,
}

impl Verdict {
    /// The process exit code of README's verdict table (errors, 2, are not verdicts).
    pub fn exit_code(self) -> i32 {
        match self {
            Verdict::Fail => 1,
            Verdict::Pass | Verdict::Skipped => 0,
        }
    }
}

/// Why the verdict is what it is: one row of README's verdict table.
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
    /// the first track is missing from every added revision, or differs there.
    UncoveredObjects,
    /// `--strict`: the first track's schema changed without a migration
    /// entry, and no added revision covers the change.
    SchemaChangeWithoutEntry,
    /// `--strict`: a new migration entry whose schema change no DDL line
    /// shows (the model reads SQL the line rules cannot, such as a statement
    /// split over adjacent strings), and no revision was added.
    UnseenSchemaChange,
    /// `--strict`: a new entry with DDL, but the schema is what it was (a
    /// rebuild that changes no definition): no revision is needed.
    SchemaUnchanged,
    /// No net-new revision, but every DDL line lies in a file whose waiver
    /// says the change is for the first track alone (`-- parity: sqlite-only <reason>`).
    Waived,
    /// A waiver marker without a reason: no waiver, and a failure.
    InvalidWaiver,
    /// No net-new revision, but the counterpart of every new migration, by
    /// name, is already at HEAD (the other track merged it first).
    CounterpartsAtHead,
}

impl Reason {
    pub fn verdict(&self) -> Verdict {
        match self {
            Reason::Skipped(_) => Verdict::Skipped,
            Reason::MissingRevision
            | Reason::UncoveredObjects
            | Reason::SchemaChangeWithoutEntry
            | Reason::UnseenSchemaChange
            | Reason::InvalidWaiver => Verdict::Fail,
            Reason::NoEntry
            | Reason::DataOnly
            | Reason::BothTracks
            | Reason::SchemaUnchanged
            | Reason::Waived
            | Reason::CounterpartsAtHead => Verdict::Pass,
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
            Reason::SchemaChangeWithoutEntry => format!(
                "the {first} schema changes without a migration entry, and no {second} \
                 revision covers the change (--strict): an existing database never gets it"
            ),
            Reason::UnseenSchemaChange => format!(
                "a new migration entry whose {first} schema change no DDL line shows (the \
                 schema model reads it), without a net-new {second} revision (--strict)"
            ),
            Reason::SchemaUnchanged => format!(
                "a new migration entry with DDL that leaves the {first} schema as it was \
                 (--strict): no {second} revision is needed"
            ),
            Reason::Waived => format!(
                "a {first} schema change without a net-new {second} revision, waived: \
                 every DDL line is in a file marked {first}-only, with a reason"
            ),
            Reason::InvalidWaiver => format!(
                "a {first}-only waiver without a reason: a waiver must say why the {second} \
                 track needs no change"
            ),
            Reason::CounterpartsAtHead => format!(
                "a {first} schema change whose {second} counterpart, by name, is already at \
                 HEAD: a catch-up of the other track"
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

/// A waiver marker on an added line of a first-track file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub path: PathBytes,
    pub line: u32,
    /// The marker word (`sqlite-only`).
    pub marker: String,
    /// Why; `None` is a marker without a reason, which waives nothing.
    pub reason: Option<String>,
}

/// The counterpart, by name, of a new migration entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Counterpart {
    /// The entry's name.
    pub name: String,
    pub entry: PathBytes,
    /// The second-track file of the same name, if there is one.
    pub path: Option<PathBytes>,
    /// `added` (in the range), `at-head` (already there), `missing`.
    pub found: CounterpartFound,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CounterpartFound {
    Added,
    AtHead,
    Missing,
}

/// What a failing report advises, from the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advice {
    /// The path shape of a counterpart (`a file under migrations/postgres/
    /// ending in .sql`).
    pub shape: String,
    /// The project's command that makes one (`diesel migration generate`).
    pub hint: Option<String>,
    /// The second track is Alembic revisions that pairing reads: the advice
    /// may name `alembic revision` and `--suggest`.
    pub alembic: bool,
    /// The exact paths counterparts would have, where the rules say them.
    pub expected: Vec<String>,
    /// The waiver's marker word, for a deliberate one-track change.
    pub waiver: Option<String>,
}

impl Advice {
    /// The spec's advice: an Alembic revision under `revision_dir`.
    pub fn alembic(revision_dir: &str) -> Advice {
        Advice {
            shape: format!("a revision file under {revision_dir}"),
            hint: None,
            alembic: true,
            expected: Vec::new(),
            waiver: None,
        }
    }
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
    pub evidence: EvidenceList,
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
    /// The Alembic track's integrity after the merge (empty unless the range
    /// touches the revisions of an Alembic track).
    pub integrity: Vec<IntegrityFinding>,
    /// Waiver markers on the added lines of first-track files.
    pub waivers: Vec<Waiver>,
    /// Counterparts by name (only when the rules match names).
    pub counterparts: Vec<Counterpart>,
    /// Problems with the rules themselves (a watched path that exists
    /// nowhere at HEAD): never a verdict, always shown.
    pub warnings: Vec<String>,
    /// What to do on a failure.
    pub advice: Advice,
    /// The other pairs of tracks the rules judge (`[[counterparts]]`,
    /// `both_directions`), when there are any.
    pub other_pairs: Vec<crate::pairings::PairOutcome>,
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
    evidence: &'a EvidenceList,
    revisions: &'a [Revision],
    revision_dir: &'a str,
    notes: &'a [String],
    coverage: &'a [Coverage],
    integrity: &'a [IntegrityFinding],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    waivers: &'a [Waiver],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    counterparts: &'a [Counterpart],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    other_pairs: &'a [crate::pairings::PairOutcome],
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
            integrity: &self.integrity,
            waivers: &self.waivers,
            counterparts: &self.counterparts,
            warnings: &self.warnings,
            other_pairs: &self.other_pairs,
        }
        .serialize(serializer)
    }
}

impl Report {
    pub fn new(
        reason: Reason,
        entries: Vec<Entry>,
        evidence: EvidenceList,
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
            advice: Advice::alembic(&revision_dir),
            revision_dir,
            tracks: tracks.clone(),
            notes: Vec::new(),
            coverage: Vec::new(),
            integrity: Vec::new(),
            waivers: Vec::new(),
            counterparts: Vec::new(),
            warnings: Vec::new(),
            other_pairs: Vec::new(),
        }
    }

    /// The failing findings on the Alembic track's integrity.
    pub fn integrity_failures(&self) -> usize {
        self.integrity
            .iter()
            .filter(|f| f.severity == Severity::Fail)
            .count()
    }

    /// What a failing pull request needs, in one sentence, from the rules:
    /// the counterpart's path shape and the project's command; the Alembic
    /// advice only where the second track is Alembic.
    pub fn what_to_do(&self) -> String {
        self.what_to_do_with(&|text| format!("`{text}`"))
    }

    /// [`Report::what_to_do`] with each value that comes from the layout or
    /// the pull request (a path, a marker, a hint) written by `span`: the
    /// step summary writes them as Markdown code spans that a backtick in a
    /// file name cannot end.
    pub fn what_to_do_with(&self, span: &dyn Fn(&str) -> String) -> String {
        // The rules pass, but the revisions break after the merge: another
        // revision would not help; mending these does.
        if self.reason.verdict() != Verdict::Fail && self.integrity_failures() > 0 {
            return format!(
                "mend the {} revisions as each finding about them says, commit the fix on \
                 this branch and push.",
                self.tracks.second
            );
        }
        if self.reason == Reason::InvalidWaiver {
            let marker = self.waivers.iter().find(|w| w.reason.is_none());
            let marker = marker.map_or("<marker>", |w| w.marker.as_str());
            return format!(
                "give the waiver its reason on the same line ({}), or {}.",
                span(&format!(
                    "parity: {marker} <why the {} track needs no change>",
                    self.tracks.second
                )),
                self.counterpart_advice(span)
            );
        }
        let advice = &self.advice;
        if advice.alembic && advice.hint.is_none() {
            return what_to_do(&self.revision_dir);
        }
        let mut out = self.counterpart_advice(span);
        if let Some(marker) = &advice.waiver {
            out.push_str(&format!(
                "; or, for a deliberate {}-only change, say why in a comment of the file: {}",
                self.tracks.first,
                span(&format!("parity: {marker} <reason>"))
            ));
        }
        out.push('.');
        out
    }

    /// `add <shape> on the <second> track ..., commit it on this branch and push`.
    fn counterpart_advice(&self, span: &dyn Fn(&str) -> String) -> String {
        let advice = &self.advice;
        if advice.alembic && advice.hint.is_none() {
            let spec = what_to_do(&self.revision_dir);
            return spec.trim_end_matches('.').to_string();
        }
        let mut out = format!(
            "add {} on the {} track that makes the same schema change",
            advice.shape, self.tracks.second
        );
        let mut aside = Vec::new();
        if !advice.expected.is_empty() {
            let paths: Vec<String> = advice
                .expected
                .iter()
                .map(|p| span(&p.to_string()))
                .collect();
            aside.push(format!("here: {}", paths.join(" or ")));
        }
        match (&advice.hint, advice.alembic) {
            (Some(hint), false) => aside.push(format!("{} makes one", span(hint))),
            (Some(hint), true) => aside.push(format!(
                "{} makes one, `cargo xtask parity --suggest` prints one",
                span(hint)
            )),
            (None, _) => {}
        }
        if !aside.is_empty() {
            out.push_str(&format!(" ({})", aside.join("; ")));
        }
        out.push_str(", commit it on this branch and push");
        out
    }

    /// The reason's verdict, and a fail whenever the Alembic track's
    /// integrity fails (that breaks PostgreSQL whatever the first track did).
    pub fn verdict(&self) -> Verdict {
        match self.reason.verdict() {
            Verdict::Pass if self.integrity_failures() > 0 => Verdict::Fail,
            verdict => verdict,
        }
    }

    /// One sentence for a person, in the tracks' names.
    pub fn message(&self) -> String {
        let message = self.reason.message(&self.tracks);
        match self.integrity_failures() {
            0 => message,
            n => format!(
                "{message}; but the {} revisions break after the merge ({n} finding{})",
                self.tracks.second,
                if n == 1 { "" } else { "s" }
            ),
        }
    }

    /// A report for a range that cannot be checked because it is not there.
    pub fn skipped(why: impl Into<String>, revision_dir: String) -> Report {
        Report::new(
            Reason::Skipped(why.into()),
            Vec::new(),
            EvidenceList::default(),
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
