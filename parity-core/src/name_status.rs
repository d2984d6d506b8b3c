//! A parser for `git diff --name-status -z`: every file the range touched,
//! with its status, so that net-new revisions are found anywhere in the diff;
//! and for `git diff --raw -z --no-abbrev`, the same with each side's mode and
//! object name (`parse_raw`), so that a symlink or a submodule is known as one.

use std::fmt;

use serde::Serialize;

use crate::path::PathBytes;

/// A file's status letter in `--name-status` output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Added,
    Modified,
    Deleted,
    TypeChanged,
    Renamed,
    Copied,
    Unmerged,
    Unknown,
}

impl Status {
    fn from_letter(letter: u8) -> Option<Status> {
        Some(match letter {
            b'A' => Status::Added,
            b'M' => Status::Modified,
            b'D' => Status::Deleted,
            b'T' => Status::TypeChanged,
            b'R' => Status::Renamed,
            b'C' => Status::Copied,
            b'U' => Status::Unmerged,
            b'X' => Status::Unknown,
            _ => return None,
        })
    }

    /// The letter git prints for the status.
    pub fn letter(self) -> char {
        match self {
            Status::Added => 'A',
            Status::Modified => 'M',
            Status::Deleted => 'D',
            Status::TypeChanged => 'T',
            Status::Renamed => 'R',
            Status::Copied => 'C',
            Status::Unmerged => 'U',
            Status::Unknown => 'X',
        }
    }
}

/// One entry: a status and a path (and the source path of a rename or copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameStatus {
    pub status: Status,
    /// The path in HEAD (for `D`, the path that was deleted).
    pub path: PathBytes,
    /// For `R` and `C`, the path the file came from.
    pub from: Option<PathBytes>,
}

/// Output that is not `--name-status -z`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameStatusError {
    /// 0-based index of the NUL-separated field where the problem was seen.
    pub field: usize,
    pub problem: String,
}

impl fmt::Display for NameStatusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "field {} of the name-status list: {}",
            self.field, self.problem
        )
    }
}

impl std::error::Error for NameStatusError {}

/// A push parser for the NUL-separated fields of `--name-status -z`, so that
/// a long stream (`git log --name-status -z`) is read one field at a time.
#[derive(Debug, Default)]
pub struct NameStatusReader {
    /// A record whose paths are still owed: its status, the source path of a
    /// rename or copy once read, and the index of its status field.
    pending: Option<(Status, Option<PathBytes>, usize)>,
    /// 0-based index of the next field.
    field: usize,
}

impl NameStatusReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether a record is complete, so that the next field is a status.
    pub fn at_record_start(&self) -> bool {
        self.pending.is_none()
    }

    /// Reads one field (without its NUL); returns the record it completes.
    pub fn field(&mut self, field: &[u8]) -> Result<Option<NameStatus>, NameStatusError> {
        let index = self.field;
        self.field += 1;
        let error = |problem: String| NameStatusError {
            field: index,
            problem,
        };
        let Some((status, from, status_field)) = self.pending.take() else {
            let (&letter, score) = field
                .split_first()
                .ok_or_else(|| error("an empty status".into()))?;
            let status = Status::from_letter(letter).ok_or_else(|| {
                error(format!(
                    "unknown status {:?}",
                    String::from_utf8_lossy(field)
                ))
            })?;
            if !score.iter().all(u8::is_ascii_digit) {
                return Err(error(format!(
                    "a status with a malformed score: {:?}",
                    String::from_utf8_lossy(field)
                )));
            }
            self.pending = Some((status, None, index));
            return Ok(None);
        };
        if field.is_empty() {
            return Err(NameStatusError {
                field: status_field,
                problem: format!("status {} without its path", status.letter()),
            });
        }
        let path = PathBytes::from(field);
        match (status, from) {
            // A rename or copy names its source first, then its destination.
            (Status::Renamed | Status::Copied, None) => {
                self.pending = Some((status, Some(path), status_field));
                Ok(None)
            }
            (_, from) => Ok(Some(NameStatus { status, path, from })),
        }
    }

    /// Ends the stream; a record still owed a path means it was cut short.
    pub fn finish(self) -> Result<(), NameStatusError> {
        match self.pending {
            None => Ok(()),
            Some((status, _, status_field)) => Err(NameStatusError {
                field: status_field,
                problem: format!("status {} without its path", status.letter()),
            }),
        }
    }
}

/// Parses `STATUS\0PATH\0` and `Rnnn\0FROM\0TO\0` records.
pub fn parse_name_status(bytes: &[u8]) -> Result<Vec<NameStatus>, NameStatusError> {
    let body = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut reader = NameStatusReader::new();
    let mut out = Vec::new();
    for field in body.split(|&b| b == 0) {
        out.extend(reader.field(field)?);
    }
    reader.finish()?;
    Ok(out)
}

/// A tree entry's mode, as git writes it in `--raw` output.
pub mod mode {
    /// Nothing on that side (an added file's old side, a deleted file's new side).
    pub const NONE: u32 = 0;
    pub const FILE: u32 = 0o100644;
    pub const EXECUTABLE: u32 = 0o100755;
    pub const SYMLINK: u32 = 0o120000;
    /// A submodule's commit.
    pub const GITLINK: u32 = 0o160000;
}

/// One record of `git diff --raw -z --no-abbrev`: the name-status entry and,
/// for each side, the mode and object name (all zeros for no object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawEntry {
    pub entry: NameStatus,
    pub old_mode: u32,
    pub new_mode: u32,
    pub old_object: String,
    pub new_object: String,
}

/// Parses `:OLDMODE NEWMODE OLDSHA NEWSHA STATUS\0PATH\0` records (two paths
/// for a rename or copy).
pub fn parse_raw(bytes: &[u8]) -> Result<Vec<RawEntry>, NameStatusError> {
    let body = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if body.is_empty() {
        return Ok(Vec::new());
    }
    let mut reader = NameStatusReader::new();
    let mut sides: Option<(u32, u32, String, String)> = None;
    let mut out = Vec::new();
    // Fields end at NUL: found by a vector search, not byte by byte.
    let mut from = 0;
    let ends = memchr::memchr_iter(0, body).chain(std::iter::once(body.len()));
    let fields = ends.map(|end| {
        let field = &body[from..end];
        from = end + 1;
        field
    });
    for (index, field) in fields.enumerate() {
        if reader.at_record_start() {
            let error = |problem: &str| NameStatusError {
                field: index,
                problem: format!("{problem}: {:?}", String::from_utf8_lossy(field)),
            };
            let text =
                std::str::from_utf8(field).map_err(|_| error("a raw record that is not text"))?;
            let rest = text
                .strip_prefix(':')
                .ok_or_else(|| error("a raw record without its ':'"))?;
            let mut words = rest.split(' ');
            let (
                Some(old_mode),
                Some(new_mode),
                Some(old_object),
                Some(new_object),
                Some(status),
                None,
            ) = (
                words.next(),
                words.next(),
                words.next(),
                words.next(),
                words.next(),
                words.next(),
            )
            else {
                return Err(error("a raw record without five fields"));
            };
            let mode = |m: &str| u32::from_str_radix(m, 8).map_err(|_| error("a malformed mode"));
            sides = Some((
                mode(old_mode)?,
                mode(new_mode)?,
                old_object.to_string(),
                new_object.to_string(),
            ));
            reader.field(status.as_bytes())?;
            continue;
        }
        if let Some(entry) = reader.field(field)? {
            let (old_mode, new_mode, old_object, new_object) = sides
                .take()
                .expect("a record's sides come before its paths");
            out.push(RawEntry {
                entry,
                old_mode,
                new_mode,
                old_object,
                new_object,
            });
        }
    }
    reader.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn ns(status: Status, path: &str, from: Option<&str>) -> NameStatus {
        NameStatus {
            status,
            path: path.into(),
            from: from.map(Into::into),
        }
    }

    #[test]
    fn every_status_and_two_path_records() {
        let raw = b"A\0new.py\0M\0mod.py\0D\0gone.py\0T\0link\0R087\0old name.py\0new name.py\0C100\0src.py\0copy.py\0";
        assert_eq!(
            parse_name_status(raw).unwrap(),
            vec![
                ns(Status::Added, "new.py", None),
                ns(Status::Modified, "mod.py", None),
                ns(Status::Deleted, "gone.py", None),
                ns(Status::TypeChanged, "link", None),
                ns(Status::Renamed, "new name.py", Some("old name.py")),
                ns(Status::Copied, "copy.py", Some("src.py")),
            ]
        );
    }

    #[test]
    fn paths_are_raw_bytes() {
        let raw = b"A\0dir/caf\xc3\xa9\ttab\n\xff.py\0";
        let parsed = parse_name_status(raw).unwrap();
        assert_eq!(parsed[0].path.as_bytes(), b"dir/caf\xc3\xa9\ttab\n\xff.py");
    }

    #[test]
    fn raw_records_carry_modes_and_objects() {
        let (a, b) = ("1".repeat(40), "2".repeat(40));
        let zero = "0".repeat(40);
        let raw = format!(
            ":000000 160000 {zero} {a} A\0sub.py\0:100644 120000 {a} {b} T\0link\0\
             :100644 100644 {a} {b} R090\0old.py\0new\nname.py\0"
        );
        let parsed = parse_raw(raw.as_bytes()).unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0].entry, ns(Status::Added, "sub.py", None));
        assert_eq!(
            (parsed[0].old_mode, parsed[0].new_mode),
            (mode::NONE, mode::GITLINK)
        );
        assert_eq!(parsed[0].new_object, a);
        assert_eq!(parsed[1].new_mode, mode::SYMLINK);
        assert_eq!(
            parsed[2].entry,
            ns(Status::Renamed, "new\nname.py", Some("old.py"))
        );
        assert!(parse_raw(b":100644 x A\0p\0").is_err());
        assert!(parse_raw(b"A\0p\0").is_err());
        assert!(parse_raw(format!(":000000 100644 {zero} {a} A\0").as_bytes()).is_err());
    }

    #[test]
    fn empty_output_is_no_change() {
        assert_eq!(parse_name_status(b"").unwrap(), vec![]);
    }

    #[test]
    fn malformed_records_are_errors() {
        assert!(parse_name_status(b"Z\0x\0").is_err());
        assert!(parse_name_status(b"A\0").is_err());
        assert!(parse_name_status(b"R100\0only-one\0").is_err());
        assert!(parse_name_status(b"Mxx\0a\0").is_err());
        assert!(parse_name_status(b"\0a\0").is_err());
    }
}
