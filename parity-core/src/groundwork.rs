//! Work a decision can do from file contents alone, before the patch is
//! known: the watched Python files lexed at HEAD, and the schema models of
//! both ends. A single check reads the contents [`wanted`] names while git
//! is still writing the diff, lays the groundwork beside it, and hands it
//! to [`crate::decide::decide_grounded`].
//!
//! Groundwork never changes a report. Each piece keeps the shared bytes it
//! was made from (`Sources` holds `Arc`s), and the decision takes a piece
//! only for a file whose bytes in its own contents are those very bytes;
//! for any other file it does the work itself. It must be laid with the
//! rules the decision is made by.

use std::sync::Arc;

use crate::classify::{Layout, LexError, PythonFile};
use crate::decide::{pairs, Needs, PairingMode};
use crate::path::PathBytes;
use crate::path_pattern::PathPattern;
use crate::rules::{Classifier, Rules};
use crate::schema::model::FileModels;
use crate::schema::pair::{extractor, file_models, pairing_needs};
use crate::sources::Sources;

/// The largest file groundwork is laid for. Its tokens stay beside its
/// models until the check has read them, where a decision alone lets them
/// go first: a larger file is left to the decision, so that a huge change
/// costs no more memory than it did.
pub const LAID_AT_MOST: usize = 8 << 20;

/// What was worked out ahead; see the module's documentation.
#[derive(Debug, Default)]
pub struct Groundwork {
    lexed: Vec<Lexed>,
    models: Vec<Modelled>,
}

#[derive(Clone, Debug)]
struct Lexed {
    path: PathBytes,
    bytes: Arc<Vec<u8>>,
    /// Shared with any copy (`lexed_copy`): copying copies no tokens.
    layout: Result<Arc<Layout>, LexError>,
}

#[derive(Debug)]
struct Modelled {
    /// The index in `Rules::watched` of the file modelled.
    watched: usize,
    head: Option<Arc<Vec<u8>>>,
    base: Option<Arc<Vec<u8>>>,
    models: Result<FileModels, LexError>,
}

/// The contents groundwork is laid from, known before the change is: the
/// watched files named by an exact path that are read as Python, at HEAD,
/// and the files pairing models, at both ends when the decision may pair.
/// Only `head` and `merge_base` are set. A decision may read fewer of them
/// (those the change touches, see `needs`) and others besides.
pub fn wanted(rules: &Rules, mode: PairingMode) -> Needs {
    let mut wanted = Needs {
        head: python_paths(rules),
        ..Needs::default()
    };
    if pairs(rules, mode) {
        for path in pairing_needs(rules) {
            if !wanted.head.contains(&path) {
                wanted.head.push(path.clone());
            }
            if !wanted.merge_base.contains(&path) {
                wanted.merge_base.push(path);
            }
        }
    }
    wanted
}

/// The exact paths of the watched files whose first rule reads them as
/// Python, as the check does.
fn python_paths(rules: &Rules) -> Vec<PathBytes> {
    let mut paths: Vec<PathBytes> = Vec::new();
    for watched in &rules.watched {
        let PathPattern::Exact(exact) = &watched.path else {
            continue;
        };
        let path = PathBytes::from(exact.as_str());
        let first = rules.watched_file(path.as_bytes());
        if first.is_some_and(|w| w.classifier == Classifier::Python) && !paths.contains(&path) {
            paths.push(path);
        }
    }
    paths
}

impl Groundwork {
    /// Lexes and models what `head` and `merge_base` hold of the files
    /// [`wanted`] names, as a decision by `rules` in `mode` would.
    pub fn lay(rules: &Rules, mode: PairingMode, head: &Sources, merge_base: &Sources) -> Self {
        let mut ground = Groundwork::lex_ahead(rules, head);
        ground.model_ahead(rules, mode, merge_base);
        ground
    }

    /// The first half of [`Groundwork::lay`]: each watched Python file at
    /// HEAD lexed (up to [`LAID_AT_MOST`]).
    pub fn lex_ahead(rules: &Rules, head: &Sources) -> Self {
        let mut ground = Groundwork::default();
        for path in python_paths(rules) {
            let Some(bytes) = head
                .shared(path.as_bytes())
                .filter(|b| b.len() <= LAID_AT_MOST)
            else {
                continue;
            };
            ground.lexed.push(Lexed {
                layout: PythonFile::lex(bytes).map(PythonFile::into_layout),
                path,
                bytes: Arc::clone(bytes),
            });
        }
        ground
    }

    /// The second half: the models of both ends of every file lexed that
    /// pairing reads, when the decision may pair.
    pub fn model_ahead(&mut self, rules: &Rules, mode: PairingMode, merge_base: &Sources) {
        if !pairs(rules, mode) {
            return;
        }
        for lexed in std::mem::take(&mut self.lexed) {
            let Lexed {
                path,
                bytes,
                layout,
            } = lexed;
            let file = layout.map(|layout| layout.attach(&bytes));
            for (index, watched) in rules.watched.iter().enumerate() {
                let Some(extract) = extractor(&watched.patterns.name) else {
                    continue;
                };
                let PathPattern::Exact(exact) = &watched.path else {
                    continue;
                };
                if exact.as_bytes() != path.as_bytes() {
                    continue;
                }
                let base = merge_base.shared(path.as_bytes());
                let head = file.as_ref().map(Some).map_err(|e| *e);
                self.models.push(Modelled {
                    watched: index,
                    head: Some(Arc::clone(&bytes)),
                    base: base.cloned(),
                    models: file_models(exact, extract, head, base.map(|b| b.as_slice())),
                });
            }
            let layout = file.map(PythonFile::into_layout);
            self.lexed.push(Lexed {
                path,
                bytes,
                layout,
            });
        }
    }

    /// A copy of the files lexed so far, without the models: for a check
    /// that starts before the models are built. It shares their bytes and
    /// their lexing, so it costs a few reference counts.
    pub fn lexed_copy(&self) -> Groundwork {
        Groundwork {
            lexed: self.lexed.clone(),
            models: Vec::new(),
        }
    }

    /// Lets go of every lexing laid: once the line rules have read them, the
    /// models made ahead are all that pairing needs (a file's tokens can be
    /// larger than the file).
    pub(crate) fn release_lexing(&mut self) {
        self.lexed = Vec::new();
    }

    /// The lexing of `path` at HEAD, if it was laid from `bytes` (taken out:
    /// each is used once).
    pub(crate) fn take_lexed(
        &mut self,
        path: &[u8],
        bytes: &Arc<Vec<u8>>,
    ) -> Option<Result<Arc<Layout>, LexError>> {
        let at = self
            .lexed
            .iter()
            .position(|l| l.path.as_bytes() == path && Arc::ptr_eq(&l.bytes, bytes))?;
        Some(self.lexed.swap_remove(at).layout)
    }

    /// The models of the watched file at `watched`, if they were made from
    /// `head` and `base` (absent at both, or the same shared bytes).
    pub(crate) fn take_models(
        &mut self,
        watched: usize,
        head: Option<&Arc<Vec<u8>>>,
        base: Option<&Arc<Vec<u8>>>,
    ) -> Option<Result<FileModels, LexError>> {
        let same = |laid: &Option<Arc<Vec<u8>>>, now: Option<&Arc<Vec<u8>>>| match (laid, now) {
            (None, None) => true,
            (Some(laid), Some(now)) => Arc::ptr_eq(laid, now),
            _ => false,
        };
        let at = self
            .models
            .iter()
            .position(|m| m.watched == watched && same(&m.head, head) && same(&m.base, base))?;
        Some(self.models.swap_remove(at).models)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::MIGRATIONS;

    fn laid(head_size: usize) -> Groundwork {
        let mut head = Sources::new();
        let line = "x = 1\n";
        head.insert(
            PathBytes::from(MIGRATIONS),
            line.repeat(head_size / line.len()),
        );
        Groundwork::lay(
            &Rules::default(),
            PairingMode::Always,
            &head,
            &Sources::new(),
        )
    }

    #[test]
    fn a_watched_file_is_lexed_and_modelled_ahead_up_to_the_limit_and_not_past_it() {
        let small = laid(LAID_AT_MOST);
        assert_eq!((small.lexed.len(), small.models.len()), (1, 1));
        let large = laid(LAID_AT_MOST + 64);
        assert_eq!((large.lexed.len(), large.models.len()), (0, 0));
    }

    #[test]
    fn nothing_is_modelled_ahead_when_the_decision_cannot_pair() {
        let mut head = Sources::new();
        head.insert(PathBytes::from(MIGRATIONS), "x = 1\n");
        let ground = Groundwork::lay(&Rules::default(), PairingMode::WhenDecisive, &head, &head);
        assert_eq!((ground.lexed.len(), ground.models.len()), (1, 0));
        assert!(wanted(&Rules::default(), PairingMode::WhenDecisive)
            .merge_base
            .is_empty());
    }
}
