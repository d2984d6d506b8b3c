//! A report's DDL evidence, held compactly: a pull request can add a
//! million lines that match a pattern, so each line costs a row of sixteen
//! bytes, and what many lines share (the file, the pattern and its set) is
//! held once. A line of a file the check read at HEAD is not copied at all:
//! its row points into that file's bytes, which the report then shares
//! (`push_shared`); any other line's text is kept in the list's own buffer.

use std::ops::Range;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::path::PathBytes;

/// An added line of a watched file that matched its pattern set, as a
/// report lists it (borrowed from its [`EvidenceList`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Evidence<'a> {
    pub path: &'a PathBytes,
    pub line: u32,
    /// The pattern that matched (`ALTER TABLE`, `Column(`).
    pub pattern: &'a str,
    /// The set it belongs to (`sql`, `metadata`).
    pub set: &'a str,
    pub text: &'a str,
}

/// The lines of DDL evidence of a report, in the order they were found.
#[derive(Clone, Debug, Default)]
pub struct EvidenceList {
    /// What rows share: a file, a pattern of a set, and where their text is.
    labels: Vec<Label>,
    /// Where the labels of the file last pushed start in `labels`.
    file_labels: usize,
    /// The text of the lines not shared with a file, end to end, in
    /// buffers of under 4 GiB (so that a row's places fit in 32 bits).
    own: Vec<String>,
    rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Label {
    path: PathBytes,
    pattern: Arc<str>,
    set: Arc<str>,
    text: Text,
}

/// Where the text of a label's rows is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Text {
    /// In `EvidenceList::own`, at this index.
    Own(usize),
    /// In the file itself (each row's line was checked to be UTF-8 when it
    /// was pushed).
    File(SharedFile),
}

/// A pushed line's [`Text`], borrowed: a label holds it only when it is new.
#[derive(Clone, Copy)]
enum TextAt<'a> {
    Own(usize),
    File(&'a Arc<Vec<u8>>),
}

impl TextAt<'_> {
    fn is(self, text: &Text) -> bool {
        match (self, text) {
            (TextAt::Own(a), Text::Own(b)) => a == *b,
            (TextAt::File(a), Text::File(b)) => Arc::ptr_eq(a, &b.0),
            _ => false,
        }
    }

    fn held(self) -> Text {
        match self {
            TextAt::Own(buffer) => Text::Own(buffer),
            TextAt::File(file) => Text::File(SharedFile(Arc::clone(file))),
        }
    }
}

/// A file's bytes as the check read them at HEAD.
#[derive(Clone)]
struct SharedFile(Arc<Vec<u8>>);

impl PartialEq for SharedFile {
    fn eq(&self, other: &SharedFile) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for SharedFile {}

impl std::fmt::Debug for SharedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SharedFile({} bytes)", self.0.len())
    }
}

#[derive(Clone, Copy, Debug)]
struct Row {
    /// Where its text starts and how long it is, in its label's text.
    from: u32,
    len: u32,
    line: u32,
    /// Its index in `labels`.
    label: u32,
}

// The size the module's documentation promises.
const _: () = assert!(std::mem::size_of::<Row>() == 16);

impl EvidenceList {
    /// Adds a line of `path` that `pattern` (of `set`) matched; its text is
    /// copied, shown as UTF-8, each invalid sequence replaced.
    pub fn push(
        &mut self,
        path: &PathBytes,
        line: u32,
        pattern: &Arc<str>,
        set: &Arc<str>,
        text: &[u8],
    ) {
        let mut text = String::from_utf8_lossy(text);
        // A row's places are 32 bits: a line of 4 GiB or more (which no
        // lexed file holds) is shown up to that length.
        if text.len() > u32::MAX as usize {
            let mut end = u32::MAX as usize;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.to_mut().truncate(end);
        }
        let room = self
            .own
            .last()
            .map_or(0, |own| u32::MAX as usize - own.len());
        if self.own.is_empty() || room < text.len() {
            self.own.push(String::new());
        }
        let buffer = self.own.len() - 1;
        let own = &mut self.own[buffer];
        let (from, len) = (own.len(), text.len());
        own.push_str(&text);
        let label = self.label(path, pattern, set, TextAt::Own(buffer));
        self.push_row(from, len, line, label);
    }

    /// [`push`](Self::push) for a line that is `file[span]`, the bytes of
    /// `path` that the check read: the row points into them instead of
    /// copying the line (unless the line is not UTF-8, or too far into a
    /// file of over 4 GiB, when it is copied as `push` copies it).
    pub fn push_shared(
        &mut self,
        path: &PathBytes,
        line: u32,
        pattern: &Arc<str>,
        set: &Arc<str>,
        file: &Arc<Vec<u8>>,
        span: Range<usize>,
    ) {
        let text = &file[span.clone()];
        let fits = u32::try_from(span.end).is_ok();
        if !fits || std::str::from_utf8(text).is_err() {
            return self.push(path, line, pattern, set, text);
        }
        let label = self.label(path, pattern, set, TextAt::File(file));
        self.push_row(span.start, span.len(), line, label);
    }

    fn push_row(&mut self, from: usize, len: usize, line: u32, label: u32) {
        let place = |n: usize| u32::try_from(n).expect("a buffer's places fit in 32 bits");
        self.rows.push(Row {
            from: place(from),
            len: place(len),
            line,
            label,
        });
    }

    /// The index of a label, added if it is new. Lines come file by file,
    /// so only the labels of the last file are searched.
    fn label(&mut self, path: &PathBytes, pattern: &Arc<str>, set: &Arc<str>, text: TextAt) -> u32 {
        let same_file = self.labels.last().is_some_and(|l| &l.path == path);
        if !same_file {
            self.file_labels = self.labels.len();
        }
        let found = self.labels[self.file_labels..]
            .iter()
            .position(|l| *l.pattern == **pattern && *l.set == **set && text.is(&l.text));
        let at = match found {
            Some(at) => self.file_labels + at,
            None => {
                self.labels.push(Label {
                    path: path.clone(),
                    pattern: Arc::clone(pattern),
                    set: Arc::clone(set),
                    text: text.held(),
                });
                self.labels.len() - 1
            }
        };
        u32::try_from(at).expect("fewer than 2^32 labels: each is a file and a pattern")
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn first(&self) -> Option<Evidence<'_>> {
        self.iter().next()
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            rows: self.rows.iter(),
        }
    }
}

/// The lines of an [`EvidenceList`], in order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    list: &'a EvidenceList,
    rows: std::slice::Iter<'a, Row>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Evidence<'a>;

    fn next(&mut self) -> Option<Evidence<'a>> {
        let row = self.rows.next()?;
        let label = &self.list.labels[row.label as usize];
        let span = row.from as usize..row.from as usize + row.len as usize;
        let text = match &label.text {
            Text::Own(buffer) => &self.list.own[*buffer][span],
            Text::File(file) => std::str::from_utf8(&file.0[span])
                .expect("a shared line was checked to be UTF-8 when it was pushed"),
        };
        Some(Evidence {
            path: &label.path,
            line: row.line,
            pattern: &label.pattern,
            set: &label.set,
            text,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rows.size_hint()
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl PartialEq for EvidenceList {
    fn eq(&self, other: &EvidenceList) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for EvidenceList {}

impl<'a> IntoIterator for &'a EvidenceList {
    type Item = Evidence<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Serialize for EvidenceList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_as_pushed_with_their_labels_shared() {
        let (sql, alter, create) = (
            Arc::from("sql"),
            Arc::from("ALTER TABLE"),
            Arc::from("CREATE TABLE"),
        );
        let (a, b) = (PathBytes::from("a.py"), PathBytes::from("b.py"));
        let mut list = EvidenceList::default();
        list.push(&a, 3, &alter, &sql, b"ALTER TABLE t ADD c");
        list.push(&a, 4, &create, &sql, b"CREATE TABLE u (\xff)");
        list.push(&a, 9, &alter, &sql, b"");
        list.push(&b, 1, &alter, &sql, b"ALTER TABLE v");
        let read: Vec<(String, u32, &str, &str)> = list
            .iter()
            .map(|e| (e.path.to_string(), e.line, e.pattern, e.text))
            .collect();
        pretty_assertions::assert_eq!(
            read,
            vec![
                ("a.py".to_string(), 3, "ALTER TABLE", "ALTER TABLE t ADD c"),
                (
                    "a.py".to_string(),
                    4,
                    "CREATE TABLE",
                    "CREATE TABLE u (\u{fffd})"
                ),
                ("a.py".to_string(), 9, "ALTER TABLE", ""),
                ("b.py".to_string(), 1, "ALTER TABLE", "ALTER TABLE v"),
            ]
        );
        assert_eq!(list.labels.len(), 3, "a.py's ALTER TABLE is one label");
        assert_eq!(list.len(), 4);
    }

    #[test]
    fn a_shared_line_reads_as_its_file_holds_it_and_is_not_copied() {
        let (sql, alter) = (Arc::from("sql"), Arc::from("ALTER TABLE"));
        let a = PathBytes::from("a.py");
        let file = Arc::new(b"x = 1\nALTER TABLE t ADD c\n\xff ALTER TABLE u\n".to_vec());
        let mut list = EvidenceList::default();
        list.push_shared(&a, 2, &alter, &sql, &file, 6..25);
        list.push(&a, 5, &alter, &sql, b"ALTER TABLE v");
        list.push_shared(&a, 3, &alter, &sql, &file, 26..41);
        let read: Vec<(u32, &str)> = list.iter().map(|e| (e.line, e.text)).collect();
        pretty_assertions::assert_eq!(
            read,
            vec![
                (2, "ALTER TABLE t ADD c"),
                (5, "ALTER TABLE v"),
                (3, "\u{fffd} ALTER TABLE u"),
            ]
        );
        // Only the lines that are not the file's UTF-8 are copied.
        assert_eq!(list.own.concat(), "ALTER TABLE v\u{fffd} ALTER TABLE u");
        assert_eq!(
            list.labels.len(),
            2,
            "one label for the file's text, one for the copies"
        );
        assert_eq!(Arc::strong_count(&file), 2, "the list shares the file");
        let mut copied = EvidenceList::default();
        for e in &list {
            copied.push(e.path, e.line, &alter, &sql, e.text.as_bytes());
        }
        assert_eq!(
            list, copied,
            "equal by what the lines say, wherever they are held"
        );
    }

    #[test]
    fn lists_equal_by_their_lines_not_by_how_labels_fell() {
        let (sql, alter) = (Arc::from("sql"), Arc::from("ALTER TABLE"));
        let (a, b) = (PathBytes::from("a.py"), PathBytes::from("b.py"));
        let mut one = EvidenceList::default();
        one.push(&a, 1, &alter, &sql, b"x");
        one.push(&b, 2, &alter, &sql, b"y");
        one.push(&a, 3, &alter, &sql, b"z");
        let mut other = EvidenceList::default();
        for e in &one {
            other.push(e.path, e.line, &alter, &sql, e.text.as_bytes());
        }
        assert_eq!(one, other);
        other.push(&a, 4, &alter, &sql, b"w");
        assert_ne!(one, other);
    }
}
