//! The independent model: what the guard must report for a generated case,
//! computed from the generator's labels alone. It never calls parity-core's
//! rules; it restates README's rules over what the generator knows it wrote.

use super::case::{Case, Change, Label, Region, Role};

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
}

impl Expected {
    pub fn fails(&self) -> bool {
        self.reason == ExpectedReason::MissingRevision
    }
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
    Expected {
        reason,
        entries,
        evidence,
        revisions,
    }
}
