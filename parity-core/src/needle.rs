//! What every match of an expression contains, found in the expression's
//! syntax: a line without it cannot match, and a substring search rejects
//! it for a fraction of what a search with the expression costs. Two kinds:
//!
//! - the longest literal every match contains (the entry pattern requires
//!   `_migrate_`, which almost no added line holds);
//! - a set of at most three bytes of which every match contains one (the
//!   entry's name is in `"` or `'`, which a `def _migrate_x(cursor, conn):`
//!   line lacks).
//!
//! Only what is certain counts: a literal at the top of the expression, or
//! one that a part every match must contain (a group, a repetition of at
//! least one, a sequence) requires; for the bytes, also an alternation whose
//! every branch requires one of them. A case-insensitive word, a class of
//! many bytes or an expression that does not parse gives none, and then the
//! expression alone decides.

use memchr::memmem::Finder;
use regex_syntax::hir::{Class, Hir, HirKind};

/// What every match of an expression contains.
#[derive(Clone, Debug, Default)]
pub(crate) struct Required {
    literal: Option<Finder<'static>>,
    /// One to three bytes.
    one_of: Option<Vec<u8>>,
}

impl Required {
    /// Whether `line` lacks what every match contains, so that it cannot match.
    pub(crate) fn rejects(&self, line: &[u8]) -> bool {
        let lacks_literal = self
            .literal
            .as_ref()
            .is_some_and(|l| l.find(line).is_none());
        lacks_literal
            || match self.one_of.as_deref() {
                Some(&[a]) => memchr::memchr(a, line).is_none(),
                Some(&[a, b]) => memchr::memchr2(a, b, line).is_none(),
                Some(&[a, b, c]) => memchr::memchr3(a, b, c, line).is_none(),
                _ => false,
            }
    }
}

/// What every match of `source` contains (nothing if it does not parse as
/// the `regex::bytes` engine parses it).
pub(crate) fn required(source: &str) -> Required {
    let Ok(hir) = crate::rules::syntax(source) else {
        return Required::default();
    };
    Required {
        literal: longest_required(&hir).map(|literal| Finder::new(&literal).into_owned()),
        one_of: bytes_required(&hir),
    }
}

fn longest_required(hir: &Hir) -> Option<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(literal) if !literal.0.is_empty() => Some(literal.0.to_vec()),
        HirKind::Capture(capture) => longest_required(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => longest_required(&repetition.sub),
        HirKind::Concat(parts) => parts
            .iter()
            .filter_map(longest_required)
            .max_by_key(Vec::len),
        _ => None,
    }
}

/// At most three bytes, sorted, of which every match contains one.
fn bytes_required(hir: &Hir) -> Option<Vec<u8>> {
    const MOST: usize = 3;
    match hir.kind() {
        HirKind::Literal(literal) => literal.0.first().map(|&b| vec![b]),
        HirKind::Class(class) => {
            let bytes: Vec<u8> = match class {
                Class::Bytes(bytes) => bytes
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .take(MOST + 1)
                    .collect(),
                // A character class names bytes only where it is ASCII.
                Class::Unicode(chars) => chars
                    .ranges()
                    .iter()
                    .flat_map(|r| r.start()..=r.end())
                    .take(MOST + 1)
                    .map(|c| u8::try_from(c).ok().filter(u8::is_ascii))
                    .collect::<Option<_>>()?,
            };
            (!bytes.is_empty() && bytes.len() <= MOST).then_some(bytes)
        }
        HirKind::Capture(capture) => bytes_required(&capture.sub),
        HirKind::Repetition(repetition) if repetition.min >= 1 => bytes_required(&repetition.sub),
        // Any part's bytes: the fewest, from a part that is not a literal if
        // one gives some (a literal of the sequence is the `literal`
        // requirement's, or shorter than it, so its bytes add little).
        HirKind::Concat(parts) => {
            let fewest = |literal: bool| {
                parts
                    .iter()
                    .filter(|part| matches!(part.kind(), HirKind::Literal(_)) == literal)
                    .filter_map(bytes_required)
                    .min_by_key(Vec::len)
            };
            fewest(false).or_else(|| fewest(true))
        }
        // Every branch's bytes together.
        HirKind::Alternation(branches) => {
            let mut all = Vec::new();
            for branch in branches {
                all.extend(bytes_required(branch)?);
            }
            all.sort_unstable();
            all.dedup();
            (all.len() <= MOST).then_some(all)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn needle(source: &str) -> Option<String> {
        required(source)
            .literal
            .map(|f| String::from_utf8_lossy(f.needle()).into_owned())
    }

    fn bytes(source: &str) -> Option<String> {
        required(source)
            .one_of
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    #[test]
    fn one_of_a_few_bytes_is_required_where_every_branch_needs_one() {
        assert_eq!(
            bytes(crate::rules::SPEC_ENTRY_PATTERN).as_deref(),
            Some("\"'")
        );
        let entry = required(crate::rules::SPEC_ENTRY_PATTERN);
        assert!(entry.rejects(b"def _migrate_m1(cursor, conn):"));
        assert!(!entry.rejects(b"    (\"big\", _migrate_big),"));
        assert_eq!(bytes(r"(?:ab|cd)x").as_deref(), Some("ac"));
        assert_eq!(bytes(r"x").as_deref(), Some("x"));
        assert_eq!(bytes(r"ab|cd|ef").as_deref(), Some("ace"));
        assert_eq!(bytes(r"[xy]+").as_deref(), Some("xy"));
        for source in [
            r"ab|cd|ef|gh",
            r"\w",
            r"(?:ab)?",
            r"[a-z]",
            r"ab|\s",
            "(unclosed",
        ] {
            assert_eq!(bytes(source), None, "{source}");
        }
    }

    #[test]
    fn the_longest_literal_of_a_sequence_is_required() {
        assert_eq!(
            needle(crate::rules::SPEC_ENTRY_PATTERN).as_deref(),
            Some("_migrate_")
        );
        assert_eq!(needle(r"(?:abc)+x?cd").as_deref(), Some("abc"));
        assert_eq!(needle(r"(a(bcd))").as_deref(), Some("bcd"));
        assert_eq!(
            needle(r"\bop\.add_column\s*\(").as_deref(),
            Some("op.add_column")
        );
    }

    #[test]
    fn what_a_match_may_lack_is_not_required() {
        for source in [
            r"(?i)create\s+table",
            r"abc|abd",
            r"(?:abc)?",
            r"(?:abc)*",
            r"(?:abc){0,2}",
            r"\s+",
            r"",
            // Does not parse: the engine reports it; no needle is guessed.
            r"(unclosed",
        ] {
            assert_eq!(needle(source), None, "{source}");
        }
    }

    /// Expressions built from literals, classes, assertions, groups,
    /// alternations and repetitions of every bound.
    fn expression() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            "[abc_(.]{1,4}".prop_map(|s| regex_syntax::escape(&s)),
            Just(r"[ab]".to_string()),
            Just(r"\s".to_string()),
            Just(r"\w".to_string()),
            Just(".".to_string()),
            Just(r"(?i:ab)".to_string()),
            Just(r"\b".to_string()),
            Just("^".to_string()),
        ];
        atom.prop_recursive(4, 24, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 1..4).prop_map(|parts| parts.concat()),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(?:{a}|{b})")),
                inner.clone().prop_map(|a| format!("({a})")),
                (
                    inner,
                    prop_oneof![
                        Just("*"),
                        Just("+"),
                        Just("?"),
                        Just("{2}"),
                        Just("{0,2}"),
                        Just("{1,3}")
                    ]
                )
                    .prop_map(|(a, bound)| format!("(?:{a}){bound}")),
            ]
        })
    }

    proptest! {
        /// Every line an expression matches holds its required literal.
        #[test]
        fn a_line_that_matches_holds_the_needle(
            source in expression(),
            lines in proptest::collection::vec("[abcAB_( .\n]{0,12}", 1..8),
        ) {
            let regex = regex::bytes::Regex::new(&source).unwrap();
            let required = required(&source);
            for line in &lines {
                if regex.is_match(line.as_bytes()) {
                    prop_assert!(
                        !required.rejects(line.as_bytes()),
                        "{source:?} matches {line:?} without {:?}",
                        required
                    );
                }
            }
        }
    }
}
