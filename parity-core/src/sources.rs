//! File contents handed to the core by the binary: `Sources` (bytes by
//! path, at one commit) and `LexedFiles` (those of them a check lexed, so
//! that pairing need not lex them again).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::classify::PythonFile;
use crate::path::PathBytes;

/// The contents of files at one commit, by path, as Python would read them
/// (a symlink inside the tree read as its target). A path that exists but is
/// no file Python can read (a submodule, a symlink that dangles or leaves the
/// tree) is recorded as unreadable, with why, instead.
///
/// Each file's bytes are shared (`Arc`), so that work done on them ahead of
/// the decision (`Groundwork`) can tell it was done on these very bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sources {
    files: BTreeMap<Vec<u8>, Arc<Vec<u8>>>,
    unreadable: BTreeMap<Vec<u8>, String>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn insert(&mut self, path: impl Into<PathBytes>, contents: impl Into<Vec<u8>>) {
        self.files
            .insert(path.into().as_bytes().to_vec(), Arc::new(contents.into()));
    }

    pub fn get(&self, path: &[u8]) -> Option<&[u8]> {
        self.files.get(path).map(|c| c.as_slice())
    }

    /// The shared bytes of `path`.
    pub fn shared(&self, path: &[u8]) -> Option<&Arc<Vec<u8>>> {
        self.files.get(path)
    }

    /// Takes in everything `other` knows.
    pub fn merge(&mut self, other: Sources) {
        self.files.extend(other.files);
        self.unreadable.extend(other.unreadable);
    }

    /// Copies what `from` knows of `path` (its shared bytes, or why it is
    /// unreadable) into this.
    pub fn copy_entry(&mut self, from: &Sources, path: &[u8]) {
        if let Some(contents) = from.files.get(path) {
            self.files.insert(path.to_vec(), Arc::clone(contents));
        }
        if let Some(why) = from.unreadable.get(path) {
            self.unreadable.insert(path.to_vec(), why.clone());
        }
    }

    /// Every file, by path.
    pub fn iter(&self) -> impl Iterator<Item = (PathBytes, &[u8])> {
        self.files
            .iter()
            .map(|(path, contents)| (PathBytes::from(path.as_slice()), contents.as_slice()))
    }

    /// Records that `path` exists but is no readable file, and why
    /// (`a symlink that leaves the repository`, `a submodule`).
    pub fn insert_unreadable(&mut self, path: impl Into<PathBytes>, why: impl Into<String>) {
        self.unreadable
            .insert(path.into().as_bytes().to_vec(), why.into());
    }

    /// Why `path` is not a readable file, if it was recorded so.
    pub fn why_unreadable(&self, path: &[u8]) -> Option<&str> {
        self.unreadable.get(path).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<P: Into<PathBytes>, C: Into<Vec<u8>>> FromIterator<(P, C)> for Sources {
    fn from_iter<I: IntoIterator<Item = (P, C)>>(iter: I) -> Sources {
        let mut sources = Sources::new();
        for (path, contents) in iter {
            sources.insert(path, contents);
        }
        sources
    }
}

/// Files at HEAD that a check lexed, by path.
#[derive(Debug, Default)]
pub struct LexedFiles<'s> {
    files: Vec<(PathBytes, PythonFile<'s>)>,
}

impl<'s> LexedFiles<'s> {
    pub(crate) fn push(&mut self, path: PathBytes, file: PythonFile<'s>) {
        self.files.push((path, file));
    }

    pub fn get(&self, path: &[u8]) -> Option<&PythonFile<'s>> {
        self.files
            .iter()
            .find(|(p, _)| p.as_bytes() == path)
            .map(|(_, file)| file)
    }

    /// Takes the lexed file out, so that its tokens go as soon as its
    /// reader is done with them.
    pub fn take(&mut self, path: &[u8]) -> Option<PythonFile<'s>> {
        let at = self.files.iter().position(|(p, _)| p.as_bytes() == path)?;
        Some(self.files.swap_remove(at).1)
    }
}
