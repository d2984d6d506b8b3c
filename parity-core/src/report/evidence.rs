//! A report's DDL evidence, held compactly: a pull request can add a
//! million lines that match a pattern, so each line costs its text in one
//! shared buffer and a row of sixteen bytes, and what many lines share (the
//! file, the pattern and its set) is held once.

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
    /// What rows share: a file and a pattern of a set.
    labels: Vec<Label>,
    /// Where the labels of the file last pushed start in `labels`.
    file_labels: usize,
    /// Every line's text, end to end.
    text: String,
    rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Label {
    path: PathBytes,
    pattern: Arc<str>,
    set: Arc<str>,
}

#[derive(Clone, Copy, Debug)]
struct Row {
    /// Where its text ends in `text`.
    end: usize,
    line: u32,
    /// Its index in `labels`.
    label: u32,
}

// The size the module's documentation promises.
const _: () = assert!(std::mem::size_of::<Row>() == 16);

impl EvidenceList {
    /// Adds a line of `path` that `pattern` (of `set`) matched; its text is
    /// shown as UTF-8, each invalid sequence replaced.
    pub fn push(
        &mut self,
        path: &PathBytes,
        line: u32,
        pattern: &Arc<str>,
        set: &Arc<str>,
        text: &[u8],
    ) {
        let label = self.label(path, pattern, set);
        self.text.push_str(&String::from_utf8_lossy(text));
        self.rows.push(Row {
            end: self.text.len(),
            line,
            label,
        });
    }

    /// The index of a label, added if it is new. Lines come file by file,
    /// so only the labels of the last file are searched.
    fn label(&mut self, path: &PathBytes, pattern: &Arc<str>, set: &Arc<str>) -> u32 {
        let same_file = self.labels.last().is_some_and(|l| &l.path == path);
        if !same_file {
            self.file_labels = self.labels.len();
        }
        let found = self.labels[self.file_labels..]
            .iter()
            .position(|l| *l.pattern == **pattern && *l.set == **set);
        let at = match found {
            Some(at) => self.file_labels + at,
            None => {
                self.labels.push(Label {
                    path: path.clone(),
                    pattern: Arc::clone(pattern),
                    set: Arc::clone(set),
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
            start: 0,
        }
    }
}

/// The lines of an [`EvidenceList`], in order.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    list: &'a EvidenceList,
    rows: std::slice::Iter<'a, Row>,
    /// Where the next row's text starts.
    start: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Evidence<'a>;

    fn next(&mut self) -> Option<Evidence<'a>> {
        let row = self.rows.next()?;
        let label = &self.list.labels[row.label as usize];
        let text = &self.list.text[self.start..row.end];
        self.start = row.end;
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
