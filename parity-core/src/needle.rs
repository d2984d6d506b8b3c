//! A literal that every match of an expression contains, found in the
//! expression's syntax: a line without it cannot match, and a substring
//! search rejects it for a fraction of what a search with the expression
//! costs (the entry pattern requires `_migrate_`, which almost no added line
//! holds).
//!
//! Only what is certain counts: a literal at the top of the expression, or
//! one that a part every match must contain (a group, a repetition of at
//! least one, a sequence) requires. An alternation, a case-insensitive word
//! or an expression that does not parse gives none, and then the expression
//! alone decides.

use memchr::memmem::Finder;
use regex_syntax::hir::{Hir, HirKind};

/// The longest literal every match of `source` contains, ready to search
/// for; `None` if the syntax requires none (or does not parse as the
/// `regex::bytes` engine parses it).
pub(crate) fn required(source: &str) -> Option<Finder<'static>> {
    let hir = crate::rules::syntax(source).ok()?;
    let literal = longest_required(&hir)?;
    Some(Finder::new(&literal).into_owned())
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn needle(source: &str) -> Option<String> {
        required(source).map(|f| String::from_utf8_lossy(f.needle()).into_owned())
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
            let needle = required(&source);
            for line in &lines {
                if regex.is_match(line.as_bytes()) {
                    prop_assert!(
                        needle.as_ref().is_none_or(|n| n.find(line.as_bytes()).is_some()),
                        "{source:?} matches {line:?} without {:?}",
                        needle.as_ref().map(|n| String::from_utf8_lossy(n.needle()).into_owned())
                    );
                }
            }
        }
    }
}
