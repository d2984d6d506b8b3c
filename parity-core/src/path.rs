//! Paths as git gives them: bytes, not necessarily UTF-8, sometimes C-quoted.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A repository-relative path exactly as git stores it. A clone shares the
/// bytes: a report names one path on each of its many lines.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PathBytes(Arc<[u8]>);

impl PathBytes {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The last component (`__init__.py` of `a/b/__init__.py`).
    pub fn file_name(&self) -> &[u8] {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(at) => &self.0[at + 1..],
            None => &self.0,
        }
    }

    /// The path for a person: invalid UTF-8 shows as U+FFFD, and a control
    /// character (a newline, ESC...) escaped, so that no path can act on
    /// the reader (`crate::report::escape_controls`).
    pub fn display(&self) -> String {
        crate::report::escape_controls(&String::from_utf8_lossy(&self.0)).into_owned()
    }
}

impl From<&[u8]> for PathBytes {
    fn from(bytes: &[u8]) -> Self {
        PathBytes(Arc::from(bytes))
    }
}

impl From<Vec<u8>> for PathBytes {
    fn from(bytes: Vec<u8>) -> Self {
        PathBytes(Arc::from(bytes))
    }
}

impl From<&str> for PathBytes {
    fn from(text: &str) -> Self {
        PathBytes(Arc::from(text.as_bytes()))
    }
}

impl fmt::Debug for PathBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

/// As `display`: control characters escaped.
impl fmt::Display for PathBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

impl Serialize for PathBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&String::from_utf8_lossy(&self.0))
    }
}

/// The index just past the closing quote of a C-quoted string that starts at
/// `bytes[0] == b'"'`, or `None` if it never closes.
pub(crate) fn quoted_end(bytes: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Undoes git's C-style quoting (`"dir/na\tme.py"`, octal escapes for bytes
/// that are not printable ASCII). A path that is not quoted comes back as is;
/// a malformed escape is kept literally rather than refused.
pub fn unquote_c_path(raw: &[u8]) -> PathBytes {
    let inner = match raw {
        [b'"', inner @ .., b'"'] if raw.len() >= 2 => inner,
        _ => return PathBytes::from(raw),
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        if b != b'\\' || i + 1 == inner.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let e = inner[i + 1];
        let simple = match e {
            b'a' => Some(7),
            b'b' => Some(8),
            b't' => Some(b'\t'),
            b'n' => Some(b'\n'),
            b'v' => Some(11),
            b'f' => Some(12),
            b'r' => Some(b'\r'),
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            _ => None,
        };
        if let Some(c) = simple {
            out.push(c);
            i += 2;
            continue;
        }
        let octal = inner
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)) && d[0] <= b'3');
        match octal {
            Some(d) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(b'\\');
                i += 1;
            }
        }
    }
    PathBytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn plain_paths_come_back_unchanged() {
        assert_eq!(
            unquote_c_path(b"b/dir/file.py").as_bytes(),
            b"b/dir/file.py"
        );
    }

    #[test]
    fn c_escapes_and_octal_bytes_are_undone() {
        assert_eq!(
            unquote_c_path(br#""b/dir/na\tme \"q\" \\.py""#).as_bytes(),
            b"b/dir/na\tme \"q\" \\.py"
        );
        // "é" in UTF-8 is 0xC3 0xA9, which git prints as \303\251.
        assert_eq!(
            unquote_c_path(br#""b/caf\303\251.py""#).display(),
            "b/café.py"
        );
    }

    #[test]
    fn malformed_escapes_do_not_panic() {
        assert_eq!(unquote_c_path(br#""a\9""#).as_bytes(), b"a\\9");
        assert_eq!(unquote_c_path(br#""a\""#).as_bytes(), b"a\\");
        assert_eq!(unquote_c_path(b"\"").as_bytes(), b"\"");
    }

    #[test]
    fn file_name_is_the_last_component() {
        assert_eq!(
            PathBytes::from("a/b/__init__.py").file_name(),
            b"__init__.py"
        );
        assert_eq!(PathBytes::from("x.py").file_name(), b"x.py");
    }
}
