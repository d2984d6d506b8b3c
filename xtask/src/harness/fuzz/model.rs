//! The independent model: what the guard must report for a generated case,
//! computed from the generator's labels alone. It never calls parity-core's
//! rules; it restates README's rules over what the generator knows it wrote.

use super::case::{on_track, Case, Change, Flaw, Label, Region, RevisionKind, Role};

/// Which reading of the watched Python files the model applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Docstrings {
    /// The plain rule for every file: a line counts, trailing comment and
    /// all, unless its first non-blank character is `#`.
    Plain,
    /// The lexical rule: comments (trailing ones too) and docstrings never
    /// count; code and other string literals do, whatever their first
    /// character. A file that cannot be lexed is read by the plain rule.
    NeverCount,
}

/// The row of README's verdict table the case falls in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedReason {
    NoEntry,
    DataOnly,
    BothTracks,
    MissingRevision,
}

/// A finding on the Alembic track's integrity the generator can provoke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExpectedFinding {
    MultipleHeads,
    MissingDownRevision,
    DuplicateId,
    IdTooLong,
    Unparsable,
    /// A note: the heads are not counted, for a chain problem in a file the
    /// range does not touch.
    ChainUnchecked,
}

impl ExpectedFinding {
    pub const ALL: [ExpectedFinding; 6] = [
        ExpectedFinding::MultipleHeads,
        ExpectedFinding::MissingDownRevision,
        ExpectedFinding::DuplicateId,
        ExpectedFinding::IdTooLong,
        ExpectedFinding::Unparsable,
        ExpectedFinding::ChainUnchecked,
    ];

    /// Whether it fails the verdict (README: every finding but the notes).
    pub fn fails(self) -> bool {
        self != ExpectedFinding::ChainUnchecked
    }

    pub fn name(self) -> &'static str {
        match self {
            ExpectedFinding::MultipleHeads => "multiple-heads",
            ExpectedFinding::MissingDownRevision => "missing-down-revision",
            ExpectedFinding::DuplicateId => "duplicate-id",
            ExpectedFinding::IdTooLong => "id-too-long",
            ExpectedFinding::Unparsable => "unparsable",
            ExpectedFinding::ChainUnchecked => "chain-unchecked",
        }
    }

    pub fn from_name(name: &str) -> Option<ExpectedFinding> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The verdict: a missing revision fails, and so does any failing finding.
pub fn verdict_fails(reason: ExpectedReason, integrity: &[ExpectedFinding]) -> bool {
    reason == ExpectedReason::MissingRevision || integrity.iter().any(|f| f.fails())
}

/// What the report must hold: the reason, and exactly these lines and files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub reason: ExpectedReason,
    /// (path, line number at HEAD) of every new entry.
    pub entries: Vec<(String, u32)>,
    /// (path, line number at HEAD) of every line of DDL evidence.
    pub evidence: Vec<(String, u32)>,
    /// Paths of the net-new revisions.
    pub revisions: Vec<String>,
    /// The kinds of the integrity findings, sorted, each once.
    pub integrity: Vec<ExpectedFinding>,
    /// Whether the verdict is a fail.
    pub fails: bool,
}

pub fn expected(case: &Case, docstrings: Docstrings) -> Expected {
    let mut entries = Vec::new();
    let mut evidence = Vec::new();
    for file in &case.files {
        let mut number = 0u32;
        for line in &file.lines {
            if line.change == Change::Removed {
                continue;
            }
            number += 1;
            if line.change != Change::Added {
                continue;
            }
            let plain = docstrings == Docstrings::Plain || file.unlexable;
            let label = if plain {
                if line.label.hash_led {
                    continue;
                }
                Label {
                    sql: line.label.sql || line.tail.sql,
                    metadata: line.label.metadata || line.tail.metadata,
                    entry: line.label.entry || line.tail.entry,
                    hash_led: false,
                }
            } else {
                match line.region {
                    Region::Comment | Region::Docstring => continue,
                    Region::Blank | Region::Code | Region::String => line.label,
                }
            };
            let is_ddl = match file.role {
                Role::Migrations | Role::Schema => label.sql,
                Role::Tables => label.metadata,
                Role::Unwatched => false,
            };
            if is_ddl {
                evidence.push((file.path.clone(), number));
            }
            if file.role == Role::Migrations && label.entry {
                entries.push((file.path.clone(), number));
            }
        }
    }
    let revisions: Vec<String> = case
        .revisions
        .iter()
        .filter(|r| r.net_new())
        .map(|r| r.path.clone())
        .collect();
    let reason = if entries.is_empty() {
        ExpectedReason::NoEntry
    } else if evidence.is_empty() {
        ExpectedReason::DataOnly
    } else if revisions.is_empty() {
        ExpectedReason::MissingRevision
    } else {
        ExpectedReason::BothTracks
    };
    let integrity = integrity(case);
    Expected {
        reason,
        entries,
        evidence,
        revisions,
        fails: verdict_fails(reason, &integrity),
        integrity,
    }
}

/// The integrity findings, from the track's labels and the revision kinds
/// (README's integrity rules, over the chain the generator lays out: the
/// root, the revisions the range keeps, those it deletes on top; the pull
/// request's new revisions on BASE's tip, the first one flawed as labelled).
pub fn integrity(case: &Case) -> Vec<ExpectedFinding> {
    let touches = |p: &Option<String>| p.as_deref().is_some_and(on_track);
    let touched = case
        .revisions
        .iter()
        .any(|r| on_track(&r.path) || touches(&r.from));
    if !touched {
        return Vec::new();
    }
    let mut out = Vec::new();
    // A copy declares its source's id a second time.
    if case
        .revisions
        .iter()
        .any(|r| r.kind == RevisionKind::Copied && on_track(&r.path))
    {
        out.push(ExpectedFinding::DuplicateId);
    }
    let first_new = case
        .revisions
        .iter()
        .any(|r| r.kind == RevisionKind::NetNew && on_track(&r.path));
    let flaw = if first_new {
        case.track.flaw
    } else {
        Flaw::None
    };
    // The chain's top is deleted, and BASE's new revision revised it.
    let moved = case.track.base_moved;
    let cut_under_moved = moved
        && case
            .revisions
            .iter()
            .any(|r| r.kind == RevisionKind::Deleted && on_track(&r.path));
    match flaw {
        // Nothing is counted of a history parity cannot read whole.
        Flaw::Unparsable => out.push(ExpectedFinding::Unparsable),
        // A reference that names nothing: the heads are not counted.
        Flaw::Dangling => out.push(ExpectedFinding::MissingDownRevision),
        Flaw::None | Flaw::Stale | Flaw::LongId { .. } => {
            if let Flaw::LongId { widened } = flaw {
                // The widening counts only if the long id descends from it.
                let descends = !cut_under_moved;
                if !(widened && descends) {
                    out.push(ExpectedFinding::IdTooLong);
                }
            }
            if cut_under_moved {
                // BASE's revision, which the range leaves alone, names one
                // the range deletes: the range broke that chain.
                out.push(ExpectedFinding::MissingDownRevision);
            } else if flaw == Flaw::Stale && moved {
                out.push(ExpectedFinding::MultipleHeads);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}
