//! The framing of the `git log` streams that a history audit reads.
//!
//! Two streams walk the same commits in the same order:
//!
//! - the *patch stream* (`git log -p --format=PATCH_LOG_FORMAT`) has a commit
//!   line for every commit, followed by the patch of the watched files against
//!   the commit's first parent;
//! - the *added-files stream* (`git log --name-status -z --diff-filter=...
//!   --format=ADDED_LOG_FORMAT`) has a record only for the commits that added
//!   files, with their name-status entries.
//!
//! Both mark a commit with a leading ASCII record separator (0x1e): no diff
//! line, diff header or name-status field can start with that byte.

use std::fmt;

use crate::name_status::{NameStatus, NameStatusError, NameStatusReader};

/// The first byte of every commit line or record.
pub const COMMIT_MARK: u8 = 0x1e;

/// `--format` of the patch stream: mark, SHA, parents, then the committer
/// date and the subject after unit separators (the subject comes last, so
/// whatever it holds it cannot shift the other fields).
pub const PATCH_LOG_FORMAT: &str = "%x1e%H %P%x1f%cI%x1f%s";

/// `--format` of the added-files stream: mark and SHA.
pub const ADDED_LOG_FORMAT: &str = "%x1e%H";

/// A commit as the patch stream introduces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommitHeader {
    pub sha: String,
    /// In the commit's order; the first is the one it is judged against.
    pub parents: Vec<String>,
    /// Committer date, ISO 8601.
    pub date: String,
    /// The subject line (invalid UTF-8 shows as U+FFFD).
    pub subject: String,
}

impl CommitHeader {
    pub fn first_parent(&self) -> Option<&str> {
        self.parents.first().map(String::as_str)
    }
}

/// Output of `git log` that does not follow the framing asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogError {
    pub problem: String,
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.problem)
    }
}

impl std::error::Error for LogError {}

impl From<NameStatusError> for LogError {
    fn from(e: NameStatusError) -> Self {
        LogError {
            problem: e.to_string(),
        }
    }
}

/// A full hexadecimal object name (SHA-1 or SHA-256).
fn object_name(bytes: &[u8]) -> Option<String> {
    let ok = matches!(bytes.len(), 40 | 64) && bytes.iter().all(u8::is_ascii_hexdigit);
    ok.then(|| String::from_utf8_lossy(bytes).into_owned())
}

/// Reads a commit line of the patch stream; `None` if the line is not one
/// (it belongs to the patch).
pub fn commit_header(line: &[u8]) -> Option<Result<CommitHeader, LogError>> {
    let rest = line.strip_prefix(&[COMMIT_MARK])?;
    let rest = rest.strip_suffix(b"\n").unwrap_or(rest);
    Some(parse_commit_header(rest).ok_or_else(|| LogError {
        problem: format!(
            "a malformed commit line in git's log: {:?}",
            String::from_utf8_lossy(line)
        ),
    }))
}

fn parse_commit_header(rest: &[u8]) -> Option<CommitHeader> {
    let mut fields = rest.splitn(3, |&b| b == 0x1f);
    let (names, date, subject) = (fields.next()?, fields.next()?, fields.next()?);
    let mut names = names.split(|&b| b == b' ').filter(|n| !n.is_empty());
    let sha = object_name(names.next()?)?;
    let parents = names.map(object_name).collect::<Option<Vec<_>>>()?;
    Some(CommitHeader {
        sha,
        parents,
        date: String::from_utf8_lossy(date).into_owned(),
        subject: String::from_utf8_lossy(subject).into_owned(),
    })
}

/// One commit's record in the added-files stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedFiles {
    pub sha: String,
    pub statuses: Vec<NameStatus>,
}

/// A push parser for the added-files stream, one NUL-separated field at a
/// time; it hands back each commit's record once the next one begins.
#[derive(Debug, Default)]
pub struct AddedFilesReader {
    current: Option<AddedFiles>,
    entries: NameStatusReader,
}

impl AddedFilesReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads one field (without its NUL); returns the record it completes.
    pub fn field(&mut self, field: &[u8]) -> Result<Option<AddedFiles>, LogError> {
        if self.entries.at_record_start() {
            if let Some(rest) = field.strip_prefix(&[COMMIT_MARK]) {
                let sha = object_name(rest).ok_or_else(|| LogError {
                    problem: format!(
                        "a malformed commit record in git's log: {:?}",
                        String::from_utf8_lossy(field)
                    ),
                })?;
                let next = AddedFiles {
                    sha,
                    statuses: Vec::new(),
                };
                return Ok(self.current.replace(next));
            }
        }
        let Some(current) = &mut self.current else {
            return Err(LogError {
                problem: "git's log has a file status before any commit".into(),
            });
        };
        // The first status after a commit line follows the blank line that
        // separates a commit's header from its diff.
        let field = match self.entries.at_record_start() {
            true => field.strip_prefix(b"\n").unwrap_or(field),
            false => field,
        };
        current.statuses.extend(self.entries.field(field)?);
        Ok(None)
    }

    /// Ends the stream and returns the last record.
    pub fn finish(self) -> Result<Option<AddedFiles>, LogError> {
        self.entries.finish()?;
        Ok(self.current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name_status::Status;
    use pretty_assertions::assert_eq;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const C: &str = "3333333333333333333333333333333333333333";

    #[test]
    fn commit_lines_carry_sha_parents_date_and_subject() {
        let line = format!("\x1e{A} {B} {C}\x1f2026-01-01T00:00:00+00:00\x1fmerge \x1f pr #1\n");
        assert_eq!(
            commit_header(line.as_bytes()).unwrap().unwrap(),
            CommitHeader {
                sha: A.into(),
                parents: vec![B.into(), C.into()],
                date: "2026-01-01T00:00:00+00:00".into(),
                subject: "merge \u{1f} pr #1".into(),
            }
        );
        let root = format!("\x1e{A} \x1f2026-01-01T00:00:00+00:00\x1f\n");
        let root = commit_header(root.as_bytes()).unwrap().unwrap();
        assert_eq!(root.first_parent(), None);
        assert_eq!(root.subject, "");
    }

    #[test]
    fn other_lines_are_not_commit_lines_and_bad_ones_are_errors() {
        assert_eq!(commit_header(b"+\x1e added"), None);
        assert_eq!(commit_header(b"diff --git a/x b/x\n"), None);
        assert!(commit_header(b"\x1enot-a-sha \x1fd\x1fs\n")
            .unwrap()
            .is_err());
        assert!(commit_header(format!("\x1e{A}\n").as_bytes())
            .unwrap()
            .is_err());
    }

    fn read_all(stream: &[u8]) -> Result<Vec<AddedFiles>, LogError> {
        let body = stream.strip_suffix(b"\0").unwrap_or(stream);
        let mut reader = AddedFilesReader::new();
        let mut out = Vec::new();
        for field in body.split(|&b| b == 0) {
            out.extend(reader.field(field)?);
        }
        out.extend(reader.finish()?);
        Ok(out)
    }

    #[test]
    fn added_files_records_follow_git_log_z_framing() {
        let stream = format!(
            "\x1e{A}\0\nA\0v/0002.py\0R100\0old.py\0v/\x1emoved.py\0\x1e{B}\0\x1e{C}\0\nA\0x y.py\0"
        );
        let ns = |status, path: &str, from: Option<&str>| NameStatus {
            status,
            path: path.into(),
            from: from.map(Into::into),
        };
        assert_eq!(
            read_all(stream.as_bytes()).unwrap(),
            vec![
                AddedFiles {
                    sha: A.into(),
                    statuses: vec![
                        ns(Status::Added, "v/0002.py", None),
                        ns(Status::Renamed, "v/\x1emoved.py", Some("old.py")),
                    ],
                },
                AddedFiles {
                    sha: B.into(),
                    statuses: vec![],
                },
                AddedFiles {
                    sha: C.into(),
                    statuses: vec![ns(Status::Added, "x y.py", None)],
                },
            ]
        );
    }

    #[test]
    fn malformed_added_files_streams_are_errors() {
        assert!(read_all(b"A\0x.py\0").is_err());
        assert!(read_all(b"\x1eabc\0").is_err());
        assert!(read_all(format!("\x1e{A}\0\nA\0").as_bytes()).is_err());
        assert!(read_all(format!("\x1e{A}\0\nZ\0x\0").as_bytes()).is_err());
    }
}
