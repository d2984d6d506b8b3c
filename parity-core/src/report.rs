//! The result of a check: the one `Report` value that every printer of
//! `parity-formats` renders. What can be derived (the verdict, the message,
//! what to do) is derived here, so that no printer words it itself.

pub mod evidence;

use std::fmt::Write as _;

use serde::Serialize;

use crate::alembic::{IntegrityFinding, Severity};
use crate::path::PathBytes;
use crate::rules::Tracks;
use crate::schema::Coverage;

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

/// What a failing pull request needs, in one sentence; every format says it.
pub fn what_to_do(revision_dir: &str) -> String {
    format!(
        "add a revision file under {revision_dir} that makes the same schema change \
         (for an Alembic track: `alembic revision -m \"<what changed>\"`, or \
         `cargo xtask parity --suggest` to print one), commit it on this branch and push."
    )
}
