//! Which repository paths a rule applies to: one exact path, or a glob.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};

/// An exact path (`src/backend/db/tables.py`) or a glob
/// (`migrations/sqlite/*.sql`). Globs follow git's `:(glob)` pathspecs: `*`
/// and `?` stop at `/`, `**` crosses directories, `\` escapes.
#[derive(Clone, Debug)]
pub enum PathPattern {
    Exact(String),
    Glob {
        source: String,
        matcher: GlobMatcher,
    },
}

impl PathPattern {
    /// Compiles a glob; the error says what is wrong with it.
    pub fn glob(source: &str) -> Result<PathPattern, String> {
        let glob = GlobBuilder::new(source)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(PathPattern::Glob {
            source: source.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether a repository-relative path (bytes, as git gives it) matches.
    /// A path that is not UTF-8 is matched with U+FFFD in place of its bad bytes.
    pub fn matches(&self, path: &[u8]) -> bool {
        match self {
            PathPattern::Exact(exact) => exact.as_bytes() == path,
            PathPattern::Glob { matcher, .. } => {
                matcher.is_match(String::from_utf8_lossy(path).as_ref())
            }
        }
    }

    /// The longest directory every match lies under, for a caller that must
    /// give git a literal pathspec: the path itself for an exact path, the
    /// directories before the first wildcard for a glob (empty: the whole tree).
    pub fn literal_prefix(&self) -> &str {
        match self {
            PathPattern::Exact(exact) => exact,
            PathPattern::Glob { source, .. } => {
                let wild = source
                    .find(['*', '?', '[', '{', '\\'])
                    .unwrap_or(source.len());
                match source[..wild].rfind('/') {
                    Some(slash) => &source[..slash],
                    None => "",
                }
            }
        }
    }

    /// The literal text every match ends with: the path itself, or what a
    /// glob has after its last wildcard (`.sql.postgres` of `*.sql.postgres`;
    /// empty for `**`).
    pub fn literal_suffix(&self) -> &str {
        match self {
            PathPattern::Exact(exact) => exact,
            PathPattern::Glob { source, .. } => match source.rfind(['*', '?', ']', '}']) {
                Some(at) => &source[at + 1..],
                None => source,
            },
        }
    }

    /// The path or the glob as written.
    pub fn as_str(&self) -> &str {
        match self {
            PathPattern::Exact(exact) => exact,
            PathPattern::Glob { source, .. } => source,
        }
    }
}

impl From<&str> for PathPattern {
    fn from(exact: &str) -> Self {
        PathPattern::Exact(exact.to_string())
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_paths_match_only_themselves() {
        let exact = PathPattern::from("src/a.py");
        assert!(exact.matches(b"src/a.py"));
        assert!(!exact.matches(b"src/a.pyc"));
        assert!(!exact.matches(b"x/src/a.py"));
    }

    #[test]
    fn a_star_stops_at_a_slash_and_a_double_star_does_not() {
        let one = PathPattern::glob("migrations/sqlite/*.sql").unwrap();
        assert!(one.matches(b"migrations/sqlite/0042_x.sql"));
        assert!(one.matches("migrations/sqlite/caf\u{e9} x.sql".as_bytes()));
        assert!(one.matches(b"migrations/sqlite/caf\xe9.sql"));
        assert!(!one.matches(b"migrations/sqlite/old/0001.sql"));
        assert!(!one.matches(b"migrations/postgres/0042_x.sql"));
        assert!(!one.matches(b"migrations/sqlite/0042_x.sql.bak"));
        let deep = PathPattern::glob("db/**/*.sql").unwrap();
        assert!(deep.matches(b"db/a/b/c.sql"));
        assert!(deep.matches(b"db/c.sql"));
    }

    #[test]
    fn a_bad_glob_is_an_error_that_says_why() {
        let error = PathPattern::glob("migrations/[a.sql").unwrap_err();
        assert!(error.contains("unclosed character class"), "{error}");
    }

    #[test]
    fn a_literal_prefix_covers_every_match() {
        let cases = [
            ("src/a.py", "src/a.py"),
            ("migrations/sqlite/*.sql", "migrations/sqlite"),
            ("db/**/up.sql", "db"),
            ("schema/delta/2?/x.sql", "schema/delta"),
            ("*.sql", ""),
        ];
        for (pattern, prefix) in cases {
            let path = match pattern.contains(['*', '?']) {
                true => PathPattern::glob(pattern).unwrap(),
                false => PathPattern::from(pattern),
            };
            assert_eq!(path.literal_prefix(), prefix, "{pattern}");
        }
    }
}
