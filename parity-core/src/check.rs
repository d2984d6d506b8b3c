//! The decision of SPEC.md: `(Change, &Rules) -> Report`.
//!
//! `Checker` does the work as a `PatchVisitor`, so a diff of any size can be
//! streamed through it; `check` is the same over a `Change` held in memory.

use crate::comments::CommentTracker;
use crate::diff::{FileHeader, FilePatch, PatchVisitor};
use crate::name_status::NameStatus;
use crate::path::PathBytes;
use crate::report::{Entry, Evidence, Reason, Report, Revision};
use crate::rules::{CommentSyntax, EntryRule, Rules};

/// What the range changed: the patch of the watched files and the
/// name-status list of every file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub files: Vec<FilePatch>,
    pub statuses: Vec<NameStatus>,
}

/// Judges a change held in memory.
pub fn check(change: &Change, rules: &Rules) -> Report {
    let mut checker = Checker::new(rules);
    for file in &change.files {
        checker.file(&file.header);
        for line in &file.added {
            checker.added(line.number, &line.text);
        }
    }
    checker.finish(&change.statuses)
}

/// Collects entries and evidence from a streamed diff.
#[derive(Debug)]
pub struct Checker<'r> {
    rules: &'r Rules,
    /// The current file, if it is watched: its index in `rules.watched` (or
    /// `None` if only the entry rule looks at it) and its path.
    current: Option<(Option<usize>, PathBytes)>,
    current_is_entry_file: bool,
    comments: CommentTracker,
    entries: Vec<Entry>,
    evidence: Vec<Evidence>,
}

impl<'r> Checker<'r> {
    pub fn new(rules: &'r Rules) -> Self {
        Checker {
            rules,
            current: None,
            current_is_entry_file: false,
            comments: CommentTracker::default(),
            entries: Vec::new(),
            evidence: Vec::new(),
        }
    }

    /// Adds the revisions (and new-file entries) from the name-status list
    /// and decides.
    pub fn finish(mut self, statuses: &[NameStatus]) -> Report {
        if let EntryRule::NewFile(rule) = &self.rules.entry {
            // A new file stands for its migration from its first line.
            let new_files = statuses.iter().filter(|entry| rule.counts(entry));
            self.entries.extend(new_files.map(|entry| Entry {
                path: entry.path.clone(),
                line: 1,
                name: rule.entry_name(&entry.path),
                text: format!("new file {}", entry.path),
            }));
        }
        let revisions: Vec<Revision> = statuses
            .iter()
            .filter(|entry| self.rules.revisions.counts(entry))
            .map(|entry| Revision {
                path: entry.path.clone(),
            })
            .collect();
        let reason = if self.entries.is_empty() {
            Reason::NoEntry
        } else if self.evidence.is_empty() {
            Reason::DataOnly
        } else if !revisions.is_empty() {
            Reason::BothTracks
        } else {
            Reason::MissingRevision
        };
        Report::new(
            reason,
            self.entries,
            self.evidence,
            revisions,
            self.rules.revisions.dir.clone(),
        )
    }
}

impl PatchVisitor for Checker<'_> {
    fn file(&mut self, header: &FileHeader) {
        self.current = None;
        self.current_is_entry_file = false;
        self.comments.reset();
        // A deleted file adds nothing; only the HEAD path is judged.
        let Some(path) = &header.new_path else {
            return;
        };
        let watched = self
            .rules
            .watched
            .iter()
            .position(|w| w.path.matches(path.as_bytes()));
        let is_entry_file = self.rules.line_entry_for(path.as_bytes()).is_some();
        if watched.is_some() || is_entry_file {
            self.current = Some((watched, path.clone()));
            self.current_is_entry_file = is_entry_file;
        }
    }

    fn added(&mut self, number: u32, text: &[u8]) {
        let Some((watched, path)) = &self.current else {
            return;
        };
        let watched = watched.map(|i| &self.rules.watched[i]);
        // An entry file that is not watched has no comment syntax: every line counts.
        let syntax = watched.map_or(CommentSyntax::None, |w| w.comments);
        let Some(code) = self.comments.code(syntax, number, text) else {
            return;
        };
        let shown = || String::from_utf8_lossy(text).into_owned();
        if self.current_is_entry_file {
            let entry_rule = self.rules.line_entry_for(path.as_bytes());
            if let Some(name) = entry_rule.and_then(|rule| rule.name_in(&code)) {
                self.entries.push(Entry {
                    path: path.clone(),
                    line: number,
                    name,
                    text: shown(),
                });
            }
        }
        if let Some(file) = watched {
            if let Some(pattern) = file.patterns.first_match(&code) {
                self.evidence.push(Evidence {
                    path: path.clone(),
                    line: number,
                    pattern: pattern.name.clone(),
                    set: file.patterns.name.clone(),
                    text: shown(),
                });
            }
        }
    }
}
