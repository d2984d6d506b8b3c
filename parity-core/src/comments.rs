//! What part of an added line is code, by the file's comment syntax.
//!
//! `#` (Python) is the spec's rule: a line whose first non-blank character is
//! `#` is a comment, any other line counts whole. SQL has `--` to the end of
//! the line and `/* ... */` blocks that may span lines, and `'string'` values
//! that are data (`INSERT ... VALUES ('CREATE TABLE')` is no DDL), so it is
//! scanned: comments and string contents become spaces. That needs state:
//! `CommentTracker` carries it from one added line to the next. Only added
//! lines are seen: a run of consecutive added lines from line 1 (a net-new
//! file, the usual SQL migration) is scanned exactly. A run that starts lower
//! in a file starts in a state the diff does not show (inside a string or a
//! block comment, perhaps), so it is read conservatively: only a line that
//! starts with `--` or `/*` is a comment, and every other line counts whole,
//! strings and all. Guessing the state could hide DDL; this can only count a
//! line too many.

use std::borrow::Cow;

use crate::rules::{trim_start, CommentSyntax};

/// Where a SQL scan stands at the end of a line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum SqlState {
    #[default]
    Code,
    /// Inside `/* */`. Blocks do not nest (SQLite's reading; it counts more
    /// lines as code than PostgreSQL's nesting would, never fewer).
    Block,
    /// Inside a `'string'`: data, where `--` and `/*` are text too.
    Quoted,
    /// Inside a `"quoted identifier"`.
    Identifier,
}

/// Carries comment state through the added lines of one file.
#[derive(Clone, Debug, Default)]
pub struct CommentTracker {
    state: SqlState,
    /// The number of the last line seen: a gap means unseen lines, after
    /// which the state is unknown.
    last_line: Option<u32>,
    /// The current run of lines started at line 1, so `state` is exact.
    known: bool,
}

impl CommentTracker {
    /// A new file starts outside any comment.
    pub fn reset(&mut self) {
        *self = CommentTracker::default();
    }

    /// The code of line `number`, with comments blanked out, or `None` if the
    /// line holds no code: it is a comment, or blank.
    pub fn code<'t>(
        &mut self,
        syntax: CommentSyntax,
        number: u32,
        text: &'t [u8],
    ) -> Option<Cow<'t, [u8]>> {
        if self.last_line.map(|last| last + 1) != Some(number) {
            self.state = SqlState::Code;
            self.known = number == 1;
        }
        self.last_line = Some(number);
        match syntax {
            CommentSyntax::None => Some(Cow::Borrowed(text)),
            CommentSyntax::Hash if text.contains(&b'\r') => hash_code_across_crs(text),
            CommentSyntax::Hash if trim_start(text).first() == Some(&b'#') => None,
            CommentSyntax::Hash => Some(Cow::Borrowed(text)),
            // The state before this run is unknown: the plain reading.
            CommentSyntax::Sql if !self.known => {
                let text_start = trim_start(text);
                let comment = text_start.starts_with(b"--") || text_start.starts_with(b"/*");
                (!comment).then_some(Cow::Borrowed(text))
            }
            CommentSyntax::Sql => {
                let code = self.sql_code(text);
                let blank = code
                    .iter()
                    .all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\x0c' | b'\x0b'));
                (!blank).then_some(Cow::Owned(code))
            }
        }
    }

    /// The line with every comment byte, and every byte inside a string,
    /// replaced by a space, so that words on either side of a comment do not
    /// join and columns keep their place.
    fn sql_code(&mut self, text: &[u8]) -> Vec<u8> {
        let mut code = text.to_vec();
        let mut i = 0;
        while i < text.len() {
            let pair = (text[i], text.get(i + 1).copied());
            match (self.state, pair) {
                (SqlState::Code, (b'-', Some(b'-'))) => {
                    code[i..].fill(b' ');
                    break;
                }
                (SqlState::Code, (b'/', Some(b'*'))) => {
                    self.state = SqlState::Block;
                    code[i..i + 2].fill(b' ');
                    i += 2;
                    continue;
                }
                (SqlState::Code, (b'\'', _)) => self.state = SqlState::Quoted,
                (SqlState::Code, (b'"', _)) => self.state = SqlState::Identifier,
                (SqlState::Block, (b'*', Some(b'/'))) => {
                    self.state = SqlState::Code;
                    code[i..i + 2].fill(b' ');
                    i += 2;
                    continue;
                }
                (SqlState::Block, _) => code[i] = b' ',
                // A doubled quote inside a string closes and reopens it: same state.
                (SqlState::Quoted, (b'\'', _)) | (SqlState::Identifier, (b'"', _)) => {
                    self.state = SqlState::Code
                }
                (SqlState::Quoted, _) => code[i] = b' ',
                _ => {}
            }
            i += 1;
        }
        code
    }
}

/// Python ends a line at a lone CR too: each part of a git line between
/// CRs is its own line, and a part whose first non-blank is `#` is a comment,
/// blanked; the code of the other parts is kept. `None` if none is left.
fn hash_code_across_crs(text: &[u8]) -> Option<Cow<'_, [u8]>> {
    let mut code = Vec::with_capacity(text.len());
    let mut any = false;
    for (i, part) in text.split(|&b| b == b'\r').enumerate() {
        if i > 0 {
            code.push(b'\r');
        }
        let trimmed = trim_start(part);
        match trimmed.first() {
            Some(&b'#') => code.extend(std::iter::repeat_n(b' ', part.len())),
            first => {
                any |= first.is_some();
                code.extend_from_slice(part);
            }
        }
    }
    any.then_some(Cow::Owned(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    /// Runs consecutive lines from line 1 and shows each line's code.
    fn sql(lines: &[&str]) -> Vec<Option<String>> {
        let mut tracker = CommentTracker::default();
        lines
            .iter()
            .zip(1..)
            .map(|(line, number)| {
                tracker
                    .code(CommentSyntax::Sql, number, line.as_bytes())
                    .map(|code| String::from_utf8(code.into_owned()).unwrap())
            })
            .collect()
    }

    fn some(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    #[test]
    fn dash_dash_comments_end_at_the_end_of_the_line() {
        assert_eq!(
            sql(&[
                "-- ALTER TABLE t ADD COLUMN c",
                "   -- indented",
                "UPDATE t SET a = 1; -- DROP TABLE t",
                "ALTER TABLE t ADD COLUMN c TEXT;",
            ]),
            vec![
                None,
                None,
                some("UPDATE t SET a = 1;                "),
                some("ALTER TABLE t ADD COLUMN c TEXT;"),
            ]
        );
    }

    #[test]
    fn block_comments_span_lines_and_leave_code_around_them() {
        assert_eq!(
            sql(&[
                "/* This migration used to",
                "   ALTER TABLE t ADD COLUMN c;",
                "   now it only backfills. */",
                "UPDATE t SET c = 0; /* CREATE INDEX i */",
                "/* a */ CREATE /* b */ TABLE x (id INTEGER);",
            ]),
            vec![
                None,
                None,
                None,
                some(&format!("{:<40}", "UPDATE t SET c = 0;")),
                some("        CREATE         TABLE x (id INTEGER);"),
            ]
        );
    }

    #[test]
    fn strings_are_data_and_hide_comment_markers() {
        assert_eq!(
            sql(&[
                "INSERT INTO t VALUES ('-- not a comment', 'it''s /* text');",
                "UPDATE t SET note = 'ALTER TABLE",
                "   spans lines' WHERE id = 1; -- done",
                "ALTER TABLE \"odd--name\" ADD COLUMN c;",
            ]),
            vec![
                some("INSERT INTO t VALUES ('                ', '  ''         ');"),
                some("UPDATE t SET note = '           "),
                some("              ' WHERE id = 1;        "),
                some("ALTER TABLE \"odd--name\" ADD COLUMN c;"),
            ]
        );
    }

    #[test]
    fn a_run_after_a_gap_is_read_conservatively() {
        let mut tracker = CommentTracker::default();
        assert_eq!(tracker.code(CommentSyntax::Sql, 1, b"/* open"), None);
        assert_eq!(tracker.code(CommentSyntax::Sql, 2, b"ALTER TABLE t"), None);
        // Lines 3 to 8 are not shown: whatever they did, line 9 counts.
        assert!(tracker
            .code(CommentSyntax::Sql, 9, b"ALTER TABLE t")
            .is_some());
        // A run from line 1 is exact.
        tracker.reset();
        assert_eq!(tracker.code(CommentSyntax::Sql, 1, b"/* open"), None);
        tracker.reset();
        assert!(tracker
            .code(CommentSyntax::Sql, 2, b"ALTER TABLE t")
            .is_some());
    }

    #[test]
    fn a_quote_closing_an_unseen_string_cannot_hide_ddl() {
        // Line 40 closes a string that began on a line the diff does not
        // show; a scan that guessed "outside any string" would take the quote
        // for an opening one and the DDL after it for string contents.
        let mut tracker = CommentTracker::default();
        let code = tracker
            .code(
                CommentSyntax::Sql,
                40,
                b"  end of note'; ALTER TABLE t ADD COLUMN c TEXT;",
            )
            .unwrap();
        assert!(code.windows(11).any(|w| w == b"ALTER TABLE"));
        let code = tracker
            .code(CommentSyntax::Sql, 41, b"CREATE INDEX i ON t (c);")
            .unwrap();
        assert!(code.starts_with(b"CREATE INDEX"));
        assert_eq!(tracker.code(CommentSyntax::Sql, 42, b"-- a comment"), None);
    }

    #[test]
    fn hash_comments_are_whole_lines_as_the_spec_says() {
        let mut tracker = CommentTracker::default();
        assert_eq!(
            tracker.code(CommentSyntax::Hash, 1, b"  # ALTER TABLE"),
            None
        );
        assert_eq!(tracker.code(CommentSyntax::Hash, 1, b"\t#"), None);
        let quoted: &[u8] = b"\"# not a comment\"";
        assert_eq!(
            tracker.code(CommentSyntax::Hash, 2, quoted),
            Some(Cow::Borrowed(quoted))
        );
        let line: &[u8] = b"x = 1  # ALTER TABLE";
        assert_eq!(
            tracker.code(CommentSyntax::Hash, 2, line),
            Some(Cow::Borrowed(line))
        );
        assert_eq!(
            tracker.code(CommentSyntax::None, 3, b"# x"),
            Some(Cow::Borrowed(&b"# x"[..]))
        );
    }
}
