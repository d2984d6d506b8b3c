//! A unified-diff parser over bytes.
//!
//! It follows hunk headers and their line counts, so it always knows whether a
//! line is a hunk line or a header, and it numbers every added line as it will
//! stand in HEAD. An added line whose text starts with `++ ` is therefore
//! `+++ ...` in the diff and is still taken for what it is: an added line.
//!
//! The parser is push-based (`PatchParser::line`) so that a caller can stream
//! a diff of any size through it; `parse_patch` collects a whole diff held in
//! memory for tests and small inputs. A collected file keeps its added lines
//! end to end in one buffer (`AddedLines`), not one allocation per line, or,
//! for a patch whose lines are judged as they stream, only counts them
//! (`FileCollector::counting`).

use std::fmt;

use crate::path::{unquote_c_path, PathBytes};

/// What happened to a file, as the extended headers of `git diff` say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Modified,
    Added,
    Deleted,
    Renamed,
    Copied,
}

/// The header of one file's patch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileHeader {
    /// Path on the base side (`None` for an added file).
    pub old_path: Option<PathBytes>,
    /// Path on the HEAD side (`None` for a deleted file).
    pub new_path: Option<PathBytes>,
    pub kind: FileKind,
    /// `Binary files ... differ`: no lines to read.
    pub binary: bool,
}

/// One added line: its number in the HEAD version of the file and its text,
/// without the leading `+` and without the line ending (`\n` or `\r\n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddedLine<'a> {
    pub number: u32,
    pub text: &'a [u8],
}

/// The added lines of one file, in diff order: their texts end to end in
/// one buffer, so that a file of many lines is not as many allocations.
/// Lines that were judged as they streamed may be only counted, not kept
/// (see [`FileCollector::counting`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddedLines {
    text: Vec<u8>,
    /// Each line's number and where its text ends in `text`.
    lines: Vec<(u32, usize)>,
    /// How many lines were counted and not kept.
    unkept: usize,
}

impl AddedLines {
    /// Room at once for the added lines of a file of `bytes` bytes at HEAD
    /// (they are a part of it), up to 64 MiB: the room never written is
    /// never touched, and the buffers are not copied as they grow.
    pub fn with_room_for(bytes: usize) -> AddedLines {
        let bytes = bytes.min(64 << 20);
        AddedLines {
            text: Vec::with_capacity(bytes),
            lines: Vec::with_capacity(bytes / 16),
            unkept: 0,
        }
    }

    pub fn push(&mut self, number: u32, text: &[u8]) {
        self.text.extend_from_slice(text);
        self.lines.push((number, self.text.len()));
    }

    /// Counts a line without keeping it.
    pub fn count(&mut self) {
        self.unkept += 1;
    }

    /// How many lines the file gained, kept or only counted.
    pub fn len(&self) -> usize {
        self.lines.len() + self.unkept
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every line is kept, so that [`iter`](Self::iter) yields them all.
    pub fn is_kept(&self) -> bool {
        self.unkept == 0
    }

    /// The lines, in diff order. Only lines that are kept can be read:
    /// judging a file by part of its lines would be a silent pass, so
    /// reading counted lines is a bug of the caller, and panics.
    pub fn iter(&self) -> impl Iterator<Item = AddedLine<'_>> {
        assert!(
            self.is_kept(),
            "the added lines were only counted: they were judged as they streamed"
        );
        let starts = std::iter::once(0).chain(self.lines.iter().map(|&(_, end)| end));
        self.lines
            .iter()
            .zip(starts)
            .map(|(&(number, end), start)| AddedLine {
                number,
                text: &self.text[start..end],
            })
    }
}

impl<'a> FromIterator<AddedLine<'a>> for AddedLines {
    fn from_iter<I: IntoIterator<Item = AddedLine<'a>>>(lines: I) -> Self {
        let mut added = AddedLines::default();
        for line in lines {
            added.push(line.number, line.text);
        }
        added
    }
}

/// One file of a parsed diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePatch {
    pub header: FileHeader,
    pub added: AddedLines,
}

impl FilePatch {
    /// The path the file has in HEAD, or on the base side for a deleted file.
    pub fn path(&self) -> &PathBytes {
        self.header
            .new_path
            .as_ref()
            .or(self.header.old_path.as_ref())
            .expect("a file header always has at least one path")
    }
}

/// Receives the parser's findings as they stream by.
pub trait PatchVisitor {
    /// A file's header is complete; the added lines that follow belong to it.
    fn file(&mut self, header: &FileHeader);
    /// An added line of the current file.
    fn added(&mut self, number: u32, text: &[u8]);
}

/// A diff that does not follow the unified format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffError {
    /// 1-based line of the diff where the problem was seen.
    pub line: u64,
    pub problem: String,
}

impl fmt::Display for DiffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {} of the diff: {}", self.line, self.problem)
    }
}

impl std::error::Error for DiffError {}

/// Where the parser stands.
#[derive(Debug)]
enum State {
    /// Before the first `diff --git` line.
    Start,
    /// Inside a file's extended headers, before any hunk.
    Headers(Pending),
    /// Between hunks of a file (its header was already announced).
    BetweenHunks,
    /// Inside a hunk, with the number of lines still owed on each side.
    Hunk {
        old_left: u64,
        new_left: u64,
        next_new: u32,
    },
}

/// A file header being assembled from the extended header lines.
#[derive(Debug, Default)]
struct Pending {
    git_line_paths: Option<(PathBytes, PathBytes)>,
    minus: Option<Option<PathBytes>>,
    plus: Option<Option<PathBytes>>,
    rename_from: Option<PathBytes>,
    rename_to: Option<PathBytes>,
    copy_from: Option<PathBytes>,
    copy_to: Option<PathBytes>,
    new_file: bool,
    deleted_file: bool,
    binary: bool,
}

impl Pending {
    fn into_header(self) -> FileHeader {
        let (git_old, git_new) = match self.git_line_paths {
            Some((a, b)) => (Some(a), Some(b)),
            None => (None, None),
        };
        let kind = if self.new_file {
            FileKind::Added
        } else if self.deleted_file {
            FileKind::Deleted
        } else if self.rename_to.is_some() {
            FileKind::Renamed
        } else if self.copy_to.is_some() {
            FileKind::Copied
        } else {
            FileKind::Modified
        };
        // The `---`/`+++`, `rename`/`copy` lines are unambiguous; the
        // `diff --git` line is the fallback (binary and mode-only changes).
        let old_path = match self.minus {
            Some(p) => p,
            None => self.rename_from.or(self.copy_from).or(git_old),
        };
        let new_path = match self.plus {
            Some(p) => p,
            None => self.rename_to.or(self.copy_to).or(git_new),
        };
        let (old_path, new_path) = match kind {
            FileKind::Added => (None, new_path.or(old_path)),
            FileKind::Deleted => (old_path.or(new_path), None),
            _ => (old_path, new_path),
        };
        FileHeader {
            old_path,
            new_path,
            kind,
            binary: self.binary,
        }
    }
}

/// A push parser for `git diff -p` output. Feed it one line at a time
/// (with or without its `\n`), then call `finish`.
#[derive(Debug)]
pub struct PatchParser {
    state: State,
    line_no: u64,
}

impl Default for PatchParser {
    fn default() -> Self {
        Self::new()
    }
}

impl PatchParser {
    pub fn new() -> Self {
        PatchParser {
            state: State::Start,
            line_no: 0,
        }
    }

    fn error(&self, problem: impl Into<String>) -> DiffError {
        DiffError {
            line: self.line_no,
            problem: problem.into(),
        }
    }

    /// Reads one line of the diff.
    pub fn line<V: PatchVisitor + ?Sized>(
        &mut self,
        line: &[u8],
        visitor: &mut V,
    ) -> Result<(), DiffError> {
        self.line_no += 1;
        let line = without_last(line, b'\n');

        if let State::Hunk {
            old_left,
            new_left,
            next_new,
        } = &mut self.state
        {
            // Hunk lines come first: a hunk line is never a header, whatever
            // its text, while the counts say lines are still owed.
            match line.first() {
                Some(b'+') if *new_left > 0 => {
                    let text = without_last(&line[1..], b'\r');
                    visitor.added(*next_new, text);
                    *new_left -= 1;
                    *next_new = next_new.saturating_add(1);
                }
                Some(b'-') if *old_left > 0 => *old_left -= 1,
                // An empty line is a context line whose space was dropped
                // (`diff.suppressBlankEmpty`).
                Some(b' ') | None if *old_left > 0 && *new_left > 0 => {
                    *old_left -= 1;
                    *new_left -= 1;
                    *next_new = next_new.saturating_add(1);
                }
                Some(b'\\') => {}
                _ => {
                    let problem = format!(
                        "the hunk still owes {old_left} old and {new_left} new lines, \
                         but this line is not one of them"
                    );
                    return Err(self.error(problem));
                }
            }
            if *old_left == 0 && *new_left == 0 {
                self.state = State::BetweenHunks;
            }
            return Ok(());
        }

        if line.starts_with(b"\\") {
            // `\ No newline at end of file` after the last line of a hunk.
            return match self.state {
                State::BetweenHunks => Ok(()),
                _ => Err(self.error("a `\\` marker outside a hunk")),
            };
        }

        if let Some(rest) = line.strip_prefix(b"diff --git ") {
            self.close_headers(visitor);
            let paths = split_git_line(rest);
            self.state = State::Headers(Pending {
                git_line_paths: paths,
                ..Pending::default()
            });
            return Ok(());
        }

        if line.starts_with(b"@@ ") {
            let (old_count, new_start, new_count) =
                parse_hunk_header(line).ok_or_else(|| self.error("a malformed hunk header"))?;
            match self.state {
                State::Headers(_) => self.close_headers(visitor),
                State::BetweenHunks => {}
                _ => return Err(self.error("a hunk header before any file header")),
            }
            self.state = if old_count == 0 && new_count == 0 {
                State::BetweenHunks
            } else {
                State::Hunk {
                    old_left: old_count,
                    new_left: new_count,
                    next_new: new_start.max(1),
                }
            };
            return Ok(());
        }

        let State::Headers(pending) = &mut self.state else {
            return match self.state {
                // Tolerate blank lines between files; nothing else.
                _ if line.is_empty() => Ok(()),
                _ => Err(self.error("a line that is neither a header nor part of a hunk")),
            };
        };
        if let Some(rest) = line.strip_prefix(b"--- ") {
            pending.minus = Some(header_path(rest, b"a/"));
        } else if let Some(rest) = line.strip_prefix(b"+++ ") {
            pending.plus = Some(header_path(rest, b"b/"));
        } else if let Some(rest) = line.strip_prefix(b"rename from ") {
            pending.rename_from = Some(unquote_c_path(rest));
        } else if let Some(rest) = line.strip_prefix(b"rename to ") {
            pending.rename_to = Some(unquote_c_path(rest));
        } else if let Some(rest) = line.strip_prefix(b"copy from ") {
            pending.copy_from = Some(unquote_c_path(rest));
        } else if let Some(rest) = line.strip_prefix(b"copy to ") {
            pending.copy_to = Some(unquote_c_path(rest));
        } else if line.starts_with(b"new file mode ") {
            pending.new_file = true;
        } else if line.starts_with(b"deleted file mode ") {
            pending.deleted_file = true;
        } else if line.starts_with(b"Binary files ") || line == b"GIT binary patch" {
            pending.binary = true;
        } else if [
            &b"index "[..],
            b"old mode ",
            b"new mode ",
            b"similarity index ",
            b"dissimilarity index ",
            b"literal ",
            b"delta ",
        ]
        .iter()
        .any(|p| line.starts_with(p))
            || pending.binary
        {
            // Informational, or the body of a binary patch.
        } else {
            return Err(self.error("an unknown line among a file's headers"));
        }
        Ok(())
    }

    /// Announces the pending file header, if any.
    fn close_headers<V: PatchVisitor + ?Sized>(&mut self, visitor: &mut V) {
        if let State::Headers(pending) = std::mem::replace(&mut self.state, State::BetweenHunks) {
            visitor.file(&pending.into_header());
        }
    }

    /// Ends the diff; a hunk still owed lines means the diff was cut short.
    pub fn finish<V: PatchVisitor + ?Sized>(mut self, visitor: &mut V) -> Result<(), DiffError> {
        if let State::Hunk {
            old_left, new_left, ..
        } = self.state
        {
            return Err(self.error(format!(
                "the diff ends inside a hunk that still owes {old_left} old and {new_left} new lines"
            )));
        }
        self.close_headers(visitor);
        Ok(())
    }
}

/// Splits `a/x b/y` of a `diff --git` line. Quoted paths are unambiguous;
/// unquoted ones are split where both halves name the same path, which holds
/// for every change but a rename (whose paths come from `rename from/to`).
fn split_git_line(rest: &[u8]) -> Option<(PathBytes, PathBytes)> {
    if rest.first() == Some(&b'"') {
        let end = crate::path::quoted_end(rest)?;
        let (a, b) = rest.split_at(end);
        let b = b.strip_prefix(b" ")?;
        return Some((
            strip_prefix_path(unquote_c_path(a), b"a/"),
            strip_prefix_path(unquote_c_path(b), b"b/"),
        ));
    }
    if rest.len() % 2 == 1 {
        let half = rest.len() / 2;
        let (a, b) = (&rest[..half], &rest[half + 1..]);
        if rest[half] == b' ' && a.get(2..) == b.get(2..) {
            return Some((
                strip_prefix_path(PathBytes::from(a), b"a/"),
                strip_prefix_path(PathBytes::from(b), b"b/"),
            ));
        }
    }
    None
}

fn strip_prefix_path(path: PathBytes, prefix: &[u8]) -> PathBytes {
    match path.as_bytes().strip_prefix(prefix) {
        Some(rest) => PathBytes::from(rest),
        None => path,
    }
}

/// The path of a `---`/`+++` line; `None` for `/dev/null`.
fn header_path(rest: &[u8], prefix: &[u8]) -> Option<PathBytes> {
    // git appends a tab after a path that holds a space, quoted or not. A
    // tab of the path itself is always C-quoted (`\t`), so a raw trailing
    // tab is git's.
    let rest = rest.strip_suffix(b"\t").unwrap_or(rest);
    if rest == b"/dev/null" {
        return None;
    }
    Some(strip_prefix_path(unquote_c_path(rest), prefix))
}

/// Parses `@@ -a[,b] +c[,d] @@ ...` into (b, c, d).
fn parse_hunk_header(line: &[u8]) -> Option<(u64, u32, u64)> {
    let rest = line.strip_prefix(b"@@ -")?;
    let (old, rest) = split_once(rest, b' ')?;
    let rest = rest.strip_prefix(b"+")?;
    let (new, rest) = split_once(rest, b' ')?;
    if !rest.starts_with(b"@@") {
        return None;
    }
    let (_, old_count) = range(old)?;
    let (new_start, new_count) = range(new)?;
    Some((old_count, u32::try_from(new_start).ok()?, new_count))
}

fn split_once(bytes: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|&b| b == sep)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

/// `start[,count]`; a missing count means one line.
fn range(bytes: &[u8]) -> Option<(u64, u64)> {
    match split_once(bytes, b',') {
        Some((start, count)) => Some((number(start)?, number(count)?)),
        None => Some((number(bytes)?, 1)),
    }
}

fn number(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 19 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')),
    )
}

/// A visitor that keeps every file and its added lines, for a diff that is
/// streamed but judged as a whole (one commit of a history, say).
#[derive(Debug, Default)]
pub struct FileCollector {
    files: Vec<FilePatch>,
    /// The size at HEAD of files whose contents are known (see `sized`).
    sizes: Vec<(PathBytes, usize)>,
    /// Whether added lines are only counted (see `counting`).
    counting: bool,
}

impl FileCollector {
    /// A collector that knows the size at HEAD of some files, and makes
    /// room at once for their added lines (`AddedLines::with_room_for`).
    pub fn sized(sizes: impl IntoIterator<Item = (PathBytes, usize)>) -> FileCollector {
        FileCollector {
            files: Vec::new(),
            sizes: sizes.into_iter().collect(),
            counting: false,
        }
    }

    /// A collector of each file's header and how many lines it gained, not
    /// the lines: for a patch whose lines are judged as they stream, so that
    /// a pull request's text is never held once it is judged.
    pub fn counting() -> FileCollector {
        FileCollector {
            counting: true,
            ..FileCollector::default()
        }
    }

    pub fn into_files(self) -> Vec<FilePatch> {
        self.files
    }
}

impl PatchVisitor for FileCollector {
    fn file(&mut self, header: &FileHeader) {
        let size = header
            .new_path
            .as_ref()
            .and_then(|path| self.sizes.iter().find(|(p, _)| p == path))
            .map(|&(_, size)| size);
        self.files.push(FilePatch {
            header: header.clone(),
            added: (size.filter(|_| !self.counting))
                .map(AddedLines::with_room_for)
                .unwrap_or_default(),
        });
    }
    fn added(&mut self, number: u32, text: &[u8]) {
        if let Some(file) = self.files.last_mut() {
            match self.counting {
                true => file.added.count(),
                false => file.added.push(number, text),
            }
        }
    }
}

/// Collects every file of a diff held in memory.
pub fn parse_patch(diff: &[u8]) -> Result<Vec<FilePatch>, DiffError> {
    let mut collect = FileCollector::default();
    feed(diff, &mut collect)?;
    Ok(collect.into_files())
}

/// Streams a diff held in memory through a visitor.
pub fn feed<V: PatchVisitor + ?Sized>(diff: &[u8], visitor: &mut V) -> Result<(), DiffError> {
    let mut parser = PatchParser::new();
    for line in diff.split_inclusive(|&b| b == b'\n') {
        parser.line(line, visitor)?;
    }
    parser.finish(visitor)
}

/// `line` without its last byte if that is `end`: a slice pattern, which
/// compiles in place, where `strip_suffix` is a call on every line of a patch.
fn without_last(line: &[u8], end: u8) -> &[u8] {
    match line {
        [rest @ .., last] if *last == end => rest,
        _ => line,
    }
}
