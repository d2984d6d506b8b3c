//! The line rules of README's "The rules": `(Change, &Rules) -> Report`.
//!
//! `Checker` does the work as a `PatchVisitor`, so a diff of any size can be
//! streamed through it; `check` is the same over a `Change` held in memory.
//! Given the HEAD contents of the watched files (`Sources`), each file is read
//! by its `Classifier`; without them, every file is read by the plain rules.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::Arc;

use crate::classify::{LexError, LexMemo, PythonFile};
use crate::comments::CommentTracker;
use crate::diff::{FileHeader, FilePatch, PatchVisitor};
use crate::groundwork::Groundwork;
use crate::name_status::NameStatus;
use crate::path::PathBytes;
use crate::report::{Entry, EvidenceList, Reason, Report, Revision, Waiver};
use crate::rules::{Classifier, CommentSyntax, EntryRule, Rules};
use crate::sources::{LexedFiles, Sources};

/// What the range changed: the patch of the watched files and the
/// name-status list of every file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    pub files: Vec<FilePatch>,
    pub statuses: Vec<NameStatus>,
}

impl Change {
    /// The HEAD paths whose contents the check wants: watched files with a
    /// lexical classifier that gained lines (no other file is ever read).
    pub fn sources_wanted(&self, rules: &Rules) -> Vec<PathBytes> {
        self.files
            .iter()
            .filter(|file| !file.added.is_empty())
            .filter_map(|file| file.header.new_path.as_ref())
            .filter(|path| {
                rules
                    .watched_file_in_any(path.as_bytes())
                    .is_some_and(|w| w.classifier != Classifier::Plain)
            })
            .cloned()
            .collect()
    }
}

/// Judges a change held in memory by the plain line rules alone: without
/// HEAD contents no file is classified (see `check_with_sources`).
pub fn check(change: &Change, rules: &Rules) -> Report {
    fed(Checker::new(rules), change).finish(&change.statuses)
}

/// Judges a change held in memory, reading each watched file's HEAD
/// contents from `sources` as its classifier says.
pub fn check_with_sources(change: &Change, rules: &Rules, sources: &Sources) -> Report {
    check_keeping_lexed(change, rules, sources).0
}

/// `check_with_sources`, also handing back the files it lexed, so that
/// object-level pairing need not lex them again.
pub fn check_keeping_lexed<'s>(
    change: &Change,
    rules: &'s Rules,
    sources: &'s Sources,
) -> (Report, LexedFiles<'s>) {
    fed(Checker::with_sources(rules, sources), change).finish_keeping_lexed(&change.statuses)
}

/// A check's report and the files it lexed, for a decision to go on from.
pub type Checked<'s> = (Report, LexedFiles<'s>);

/// `check_keeping_lexed`, taking a file's lexing from `groundwork` where it
/// was laid from these very bytes, else lexing through `memo` (an audit's,
/// which lexes each new version of a file from where it differs from the
/// last), else afresh.
pub fn check_keeping_lexed_with<'s>(
    change: &Change,
    rules: &'s Rules,
    sources: &'s Sources,
    memo: Option<&'s RefCell<LexMemo>>,
    groundwork: Option<&'s RefCell<Groundwork>>,
) -> (Report, LexedFiles<'s>) {
    let checker = Checker {
        memo,
        groundwork,
        ..Checker::with_sources(rules, sources)
    };
    fed(checker, change).finish_keeping_lexed(&change.statuses)
}

/// The checker, once every file of the change has streamed through it.
fn fed<'r>(mut checker: Checker<'r>, change: &Change) -> Checker<'r> {
    for file in &change.files {
        checker.file(&file.header);
        for line in file.added.iter() {
            checker.added(line.number, line.text);
        }
    }
    checker
}

/// Collects entries and evidence from a streamed diff.
#[derive(Debug)]
pub struct Checker<'r> {
    rules: &'r Rules,
    /// The current file, if it is watched: its index in `rules.watched` (or
    /// `None` if only the entry rule looks at it) and its path.
    current: Option<(Option<usize>, PathBytes)>,
    current_is_entry_file: bool,
    /// How the current file's lines are read.
    lexical: Lexical<'r>,
    /// Comment state of the plain rules, carried across added lines.
    comments: CommentTracker,
    sources: Option<&'r Sources>,
    /// Where files are lexed, when an audit keeps their last versions.
    memo: Option<&'r RefCell<LexMemo>>,
    /// Files lexed ahead of the check, when a single check laid them.
    groundwork: Option<&'r RefCell<Groundwork>>,
    entries: Vec<Entry>,
    evidence: EvidenceList,
    waivers: Vec<Waiver>,
    notes: Vec<String>,
    /// The files lexed so far, kept for whoever decides after the check.
    lexed: LexedFiles<'r>,
    /// By index in `rules.watched`: its set's name and its patterns' names,
    /// made once and shared by every line of evidence.
    names: Vec<(Arc<str>, Vec<Arc<str>>)>,
}

/// How the current file's added lines are read.
#[derive(Debug)]
enum Lexical<'r> {
    /// One at a time, by the file's comment syntax.
    Plain,
    /// By Python's lexical structure, once the file is lexed: at its first
    /// added line, so that a file without one costs nothing.
    Unlexed,
    /// The file lexed, and its shared bytes (which DDL evidence points into).
    Python(PythonFile<'r>, &'r Arc<Vec<u8>>),
}

impl<'r> Checker<'r> {
    /// A checker that reads every file by the plain line rules.
    pub fn new(rules: &'r Rules) -> Self {
        Checker {
            rules,
            current: None,
            current_is_entry_file: false,
            lexical: Lexical::Plain,
            comments: CommentTracker::default(),
            sources: None,
            memo: None,
            groundwork: None,
            entries: Vec::new(),
            evidence: EvidenceList::default(),
            waivers: Vec::new(),
            notes: Vec::new(),
            lexed: LexedFiles::default(),
            names: rules
                .watched
                .iter()
                .map(|w| {
                    let patterns = w.patterns.patterns.iter().map(|p| Arc::from(&*p.name));
                    (Arc::from(&*w.patterns.name), patterns.collect())
                })
                .collect(),
        }
    }

    /// Keeps the current file's lexing, if it was lexed.
    fn keep_lexed(&mut self) {
        if let Lexical::Python(file, _) = std::mem::replace(&mut self.lexical, Lexical::Plain) {
            if let Some((_, path)) = &self.current {
                self.lexed.push(path.clone(), file);
            }
        }
    }

    /// Lexes `source`, the shared bytes of `path` in `sources`.
    fn lex(&self, path: &[u8], source: &'r Arc<Vec<u8>>) -> Result<PythonFile<'r>, LexError> {
        let laid =
            (self.groundwork).and_then(|ground| ground.borrow_mut().take_lexed(path, source));
        let source = source.as_slice();
        if let Some(layout) = laid {
            return layout.map(|layout| layout.attach(source));
        }
        match self.memo {
            Some(memo) => memo.borrow_mut().lex(path, source),
            None => PythonFile::lex(source),
        }
    }

    /// A checker that reads each watched file's HEAD contents from
    /// `sources` as its classifier says.
    pub fn with_sources(rules: &'r Rules, sources: &'r Sources) -> Self {
        Checker {
            sources: Some(sources),
            ..Checker::new(rules)
        }
    }

    /// This checker, taking a file's lexing from `groundwork` where it was
    /// laid from the very bytes of its `sources` (see `check_keeping_lexed_with`).
    pub fn with_groundwork(self, groundwork: &'r RefCell<Groundwork>) -> Self {
        Checker {
            groundwork: Some(groundwork),
            ..self
        }
    }

    /// Adds the revisions (and new-file entries) from the name-status list
    /// and decides.
    pub fn finish(self, statuses: &[NameStatus]) -> Report {
        self.finish_keeping_lexed(statuses).0
    }

    /// `finish`, also handing back the files lexed on the way.
    pub fn finish_keeping_lexed(mut self, statuses: &[NameStatus]) -> (Report, LexedFiles<'r>) {
        self.keep_lexed();
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
        let reason = crate::waiver::apply(reason, &self.evidence, &self.waivers);
        let advice = self.rules.advice(&self.entries);
        let mut report = Report::new(
            reason,
            self.entries,
            self.evidence,
            revisions,
            self.rules.revisions.dir.clone(),
            &self.rules.tracks,
        );
        report.notes = self.notes;
        report.waivers = self.waivers;
        report.advice = advice;
        (report, self.lexed)
    }

    /// The bytes of an added line that the rules may read: the line with its
    /// comments and docstrings (or SQL comments and strings) blanked, or
    /// `None` if it holds no code.
    fn readable<'t>(&mut self, number: u32, text: &'t [u8]) -> Option<Cow<'t, [u8]>>
    where
        'r: 't,
    {
        let Some((watched, path)) = &self.current else {
            return None;
        };
        let watched = watched.map(|i| &self.rules.watched[i]);
        if let Lexical::Unlexed = self.lexical {
            self.lexical = match self.sources.and_then(|s| s.shared(path.as_bytes())) {
                None => {
                    let note = format!(
                        "{path} was not available at HEAD, so the plain line rules judged it"
                    );
                    self.notes.push(note);
                    Lexical::Plain
                }
                Some(source) => match self.lex(path.as_bytes(), source) {
                    Ok(file) => Lexical::Python(file, source),
                    Err(error) => {
                        let note = format!(
                            "{path} could not be lexed as Python ({error}), \
                             so the plain line rules judged it"
                        );
                        self.notes.push(note);
                        Lexical::Plain
                    }
                },
            };
        }
        if let Lexical::Python(file, _) = &self.lexical {
            if file.line_text(number) == Some(text) {
                return file.masked_line(number);
            }
            // Not the file the diff was made from: trust the diff alone.
            let note = format!(
                "line {number} of {path} in the diff differs from the file at HEAD, \
                 so the plain line rules judged the file from that line on"
            );
            self.notes.push(note);
            self.lexical = Lexical::Plain;
        }
        // An entry file that is not watched has no comment syntax: every line counts.
        let syntax = watched.map_or(CommentSyntax::None, |w| w.comments);
        self.comments.code(syntax, number, text)
    }
}

impl PatchVisitor for Checker<'_> {
    fn file(&mut self, header: &FileHeader) {
        self.keep_lexed();
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
            let lexical = watched.map(|i| self.rules.watched[i].classifier);
            if self.sources.is_some() && lexical == Some(Classifier::Python) {
                self.lexical = Lexical::Unlexed;
            }
        }
    }

    fn added(&mut self, number: u32, text: &[u8]) {
        // A waiver is a comment, so it is read before comments are blanked.
        if let Some((_, path)) = &self.current {
            if let Some(reason) = self.rules.waiver.find(text) {
                self.waivers.push(Waiver {
                    path: path.clone(),
                    line: number,
                    marker: self.rules.waiver.marker.clone(),
                    reason,
                });
            }
        }
        let Some(readable) = self.readable(number, text) else {
            return;
        };
        let Some((watched, path)) = &self.current else {
            return;
        };
        let watched = *watched;
        let shown = || String::from_utf8_lossy(text).into_owned();
        if self.current_is_entry_file {
            let entry_rule = self.rules.line_entry_for(path.as_bytes());
            if let Some(name) = entry_rule.and_then(|rule| rule.name_in(&readable)) {
                self.entries.push(Entry {
                    path: path.clone(),
                    line: number,
                    name,
                    text: shown(),
                });
            }
        }
        if let Some(index) = watched {
            let patterns = &self.rules.watched[index].patterns;
            if let Some(at) = patterns.first_match_index(&readable) {
                let (set, names) = &self.names[index];
                // A line of the file lexed at HEAD is that file's bytes (the
                // same, byte for byte, as the diff's line): the evidence
                // shares them instead of copying the line.
                let shared = match &self.lexical {
                    Lexical::Python(file, bytes) => file
                        .line_span(number)
                        .filter(|span| bytes.get(span.clone()) == Some(text))
                        .map(|span| (*bytes, span)),
                    _ => None,
                };
                match shared {
                    Some((file, span)) => self
                        .evidence
                        .push_shared(path, number, &names[at], set, file, span),
                    None => self.evidence.push(path, number, &names[at], set, text),
                }
            }
        }
    }
}
