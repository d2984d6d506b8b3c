//! Waivers a reviewer can see: a comment in a first-track file that says a
//! change is meant for that track alone, and why.
//!
//! ```sql
//! -- parity: sqlite-only SQLite cannot drop a column in place; PostgreSQL needs nothing
//! ```
//!
//! The marker word is `<first track>-only` (lower case, `sqlite-only` for a
//! track named `SQLite`) unless `[tracks] waiver` names another. A marker is
//! read only on an added line that is a comment (`--`, `#`, `//`, `/*`). A
//! waiver covers the DDL of the file it is in; a range whose every DDL line is
//! covered passes as *waived*, and every report says so. A marker without a
//! reason is no waiver: it fails the check, so that no change is waived
//! without a word.

use regex::bytes::Regex;

use crate::report::{Evidence, EvidenceList, Reason, Waiver};

/// The marker a range's first-track files may carry.
#[derive(Clone, Debug)]
pub struct WaiverRule {
    /// The marker word (`sqlite-only`).
    pub marker: String,
    regex: Regex,
}

impl WaiverRule {
    /// The rule for a marker word; `None` if the word is not one (letters,
    /// digits, `-`, `_`, `.`).
    pub fn new(marker: &str) -> Option<WaiverRule> {
        let word = !marker.is_empty()
            && marker
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !word {
            return None;
        }
        let source = format!(
            r"(?i-u)^[ \t]*(?:--|#|//|/\*+|\*)[ \t]*parity[ \t]*:[ \t]*{}(?:[ \t]*:)?(?:[ \t]+(.*?))?[ \t]*(?:\*/)?[ \t]*\r?$",
            regex::escape(marker)
        );
        let regex = Regex::new(&source).ok()?;
        Some(WaiverRule {
            marker: marker.to_string(),
            regex,
        })
    }

    /// The rule whose marker is derived from the first track's name:
    /// `SQLite` -> `sqlite-only`, `first-track` -> `first-track-only`.
    pub fn for_track(first: &str) -> WaiverRule {
        let mut word: String = first
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        word = word.trim_matches('-').to_string();
        if word.is_empty() {
            word = "first-track".into();
        }
        word.push_str("-only");
        WaiverRule::new(&word).expect("a derived marker is a word")
    }

    /// The marker on a line, if any: `Some(Some(reason))` for a waiver,
    /// `Some(None)` for a marker without a reason.
    pub fn find(&self, line: &[u8]) -> Option<Option<String>> {
        // The marker stands in a comment that opens the line, after blank
        // space: any other line is rejected before the regex runs.
        let first = line.iter().find(|&&b| b != b' ' && b != b'\t')?;
        if !matches!(first, b'-' | b'#' | b'/' | b'*') {
            return None;
        }
        let captures = self.regex.captures(line)?;
        let reason = captures
            .get(1)
            .map(|m| String::from_utf8_lossy(m.as_bytes()).trim().to_string())
            .filter(|r| r.chars().any(char::is_alphanumeric));
        Some(reason)
    }
}

/// The reason once waivers are read: a marker without a reason fails the
/// check; a missing revision whose every DDL line lies in a file with a
/// waiver passes as waived; any other reason stands.
pub fn apply(reason: Reason, evidence: &EvidenceList, waivers: &[Waiver]) -> Reason {
    if waivers.iter().any(|w| w.reason.is_none()) {
        return Reason::InvalidWaiver;
    }
    let waived = |e: Evidence<'_>| waivers.iter().any(|w| &w.path == e.path);
    if reason == Reason::MissingRevision && !evidence.is_empty() && evidence.iter().all(waived) {
        return Reason::Waived;
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn find(line: &str) -> Option<Option<String>> {
        WaiverRule::for_track("SQLite").find(line.as_bytes())
    }

    #[test]
    fn the_marker_needs_a_comment_and_reads_the_reason() {
        let reason = |r: &str| Some(Some(r.to_string()));
        assert_eq!(
            find("-- parity: sqlite-only no column drop in place"),
            reason("no column drop in place")
        );
        assert_eq!(
            find("# parity: SQLite-only: fts5 only"),
            reason("fts5 only")
        );
        assert_eq!(find("  /* parity: sqlite-only why */"), reason("why"));
        assert_eq!(
            find("\t * parity: sqlite-only in a block"),
            reason("in a block")
        );
        assert_eq!(find(" \t// parity: sqlite-only slashes"), reason("slashes"));
        assert_eq!(find("   "), None);
        assert_eq!(find("x -- parity: sqlite-only x"), None);
        assert_eq!(find("-- parity: sqlite-only"), Some(None));
        assert_eq!(find("-- parity: sqlite-only   ...  "), Some(None));
        assert_eq!(find("-- parity: sqlite-onlyish x"), None);
        assert_eq!(find("SELECT 1; -- parity: sqlite-only x"), None);
        assert_eq!(find("-- parity: postgres-only x"), None);
    }

    #[test]
    fn the_derived_marker_is_the_track_name_in_lower_case() {
        assert_eq!(WaiverRule::for_track("SQLite").marker, "sqlite-only");
        assert_eq!(WaiverRule::for_track("My SQL 8").marker, "my-sql-8-only");
        assert_eq!(WaiverRule::for_track("***").marker, "first-track-only");
        assert!(WaiverRule::new("has space").is_none());
        assert!(WaiverRule::new("").is_none());
    }
}
