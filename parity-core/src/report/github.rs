//! `--format github`: workflow commands that annotate the pull request, and
//! a Markdown summary for the job's page.
//!
//! Only workflow commands go to standard output: any text of the pull
//! request that reaches the log does so escaped inside a command, so a line
//! of the diff can never start a command of its own.

use std::fmt::Write as _;

use super::{what_to_do, Reason, Report, Verdict};
use crate::schema::{Coverage, CoverageStatus};

/// The title of every annotation on a DDL line.
pub const ERROR_TITLE: &str = "parity: schema change without a revision";

/// A command's message, escaped as the runner unescapes it (`%`, CR, LF);
/// every other control character is shown escaped (`\x1b`), so that none
/// reaches the log raw.
pub fn escape_data(text: &str) -> String {
    let escaped = text
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::escape_controls(&escaped).into_owned()
}

/// A command's property value (`file=`, `title=`): also `:` and `,`, which
/// separate properties.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The title of an annotation on a schema object no added revision covers.
pub const UNCOVERED_TITLE: &str = "parity: schema object missing from the revisions";

/// One annotation on the line of an uncovered schema object.
fn uncovered_command(out: &mut String, kind: &str, coverage: &Coverage, strict: bool) {
    let message = format!(
        "{} is in no added revision{}; `cargo xtask parity --suggest` prints a revision that adds it.",
        coverage.description,
        if strict { " (--strict)" } else { "" }
    );
    let _ = writeln!(
        out,
        "::{kind} file={},line={},title={}::{}",
        escape_property(&coverage.path),
        coverage.line,
        escape_property(UNCOVERED_TITLE),
        escape_data(&message)
    );
}

/// An `::error` on every DDL line of a check that lacks a revision, or on
/// every uncovered object of one that fails `--strict`; otherwise one
/// `::notice`, and a `::warning` on every uncovered object.
pub fn render_commands(report: &Report) -> String {
    let mut out = String::new();
    let uncovered = report
        .coverage
        .iter()
        .filter(|c| c.status == CoverageStatus::Uncovered);
    if report.reason == Reason::UncoveredObjects {
        for coverage in uncovered {
            uncovered_command(&mut out, "error", coverage, true);
        }
        return out;
    }
    if report.verdict() != Verdict::Fail {
        let title = match report.verdict() {
            Verdict::Skipped => "parity: skipped",
            _ => "parity: pass",
        };
        let _ = writeln!(
            out,
            "::notice title={}::{}",
            escape_property(title),
            escape_data(&report.message())
        );
        for coverage in uncovered {
            uncovered_command(&mut out, "warning", coverage, false);
        }
        return out;
    }
    for evidence in &report.evidence {
        let message = format!(
            "`{}` ({} set) changes the schema on the first track, and the range adds no \
             revision under {}: {}",
            evidence.pattern,
            evidence.set,
            report.revision_dir,
            what_to_do(&report.revision_dir)
        );
        let _ = writeln!(
            out,
            "::error file={},line={},title={}::{}",
            escape_property(&evidence.path.display()),
            evidence.line,
            escape_property(ERROR_TITLE),
            escape_data(&message)
        );
    }
    out
}

/// Text as a Markdown code span that shows it literally, in a table cell or
/// not: a fence longer than any run of backticks inside, `|` escaped for the
/// table, control characters shown as U+FFFD.
fn code(text: &str) -> String {
    let text: String = text
        .trim()
        .chars()
        .map(|c| if super::is_hostile(c) { '\u{fffd}' } else { c })
        .collect::<String>()
        .replace('|', "\\|");
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // A space on each side keeps a backtick at either end out of the fence.
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// The Markdown summary: verdict, entries, evidence table, revisions, notes,
/// and what to do.
pub fn render_summary(report: &Report) -> String {
    let mut out = String::new();
    let verdict = match report.verdict() {
        Verdict::Pass => "✅ pass",
        Verdict::Fail => "❌ fail",
        Verdict::Skipped => "⏭️ skipped",
    };
    let _ = writeln!(
        out,
        "## parity: {verdict}\n\n{}\n",
        super::escape_controls(&report.message())
    );
    if let Some(range) = &report.range {
        let _ = writeln!(
            out,
            "Range {}...{} (merge-base {}).\n",
            code(&range.base),
            code(&range.head),
            code(&range.merge_base)
        );
    }
    if report.verdict() == Verdict::Skipped {
        return out;
    }
    let _ = writeln!(out, "### New migration entries: {}\n", report.entries.len());
    for entry in &report.entries {
        let _ = writeln!(
            out,
            "- {} at {} line {}",
            code(&entry.name),
            code(&entry.path.display()),
            entry.line
        );
    }
    let _ = writeln!(out, "\n### DDL evidence: {}\n", report.evidence.len());
    if !report.evidence.is_empty() {
        let _ = writeln!(out, "| file | line | pattern | set | text |");
        let _ = writeln!(out, "|---|---:|---|---|---|");
        for evidence in &report.evidence {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(&evidence.path.display()),
                evidence.line,
                code(&evidence.pattern),
                evidence.set,
                code(&evidence.text)
            );
        }
    }
    let _ = writeln!(out, "\n### Net-new revisions: {}\n", report.revisions.len());
    for revision in &report.revisions {
        let _ = writeln!(out, "- {}", code(&revision.path.display()));
    }
    if !report.coverage.is_empty() {
        let _ = writeln!(out, "\n### Schema objects: {}\n", report.coverage.len());
        let _ = writeln!(out, "| object | file | line | in a revision |");
        let _ = writeln!(out, "|---|---|---:|---|");
        for coverage in &report.coverage {
            let status = match coverage.status {
                CoverageStatus::Covered => "✅ covered",
                CoverageStatus::Uncovered => "⚠️ **uncovered**",
                CoverageStatus::Unresolved => "❔ unresolved (name built at run time)",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {status} |",
                code(&coverage.description),
                code(&coverage.path),
                coverage.line
            );
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\n### Notes\n");
        for note in &report.notes {
            let _ = writeln!(out, "- {}", super::escape_controls(note));
        }
    }
    if report.verdict() == Verdict::Fail {
        let advice = what_to_do(&report.revision_dir);
        let (first, rest) = advice.split_at(1);
        let _ = writeln!(out, "\n### What to do\n\n{}{rest}", first.to_uppercase());
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn data_and_properties_are_escaped_as_the_runner_wants() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A".to_string());
    }

    #[test]
    fn code_spans_survive_backticks_pipes_and_control_characters() {
        assert_eq!(code("ALTER TABLE t"), "`ALTER TABLE t`");
        assert_eq!(code("a | b"), "`a \\| b`");
        assert_eq!(code("x = `y`"), "`` x = `y` ``");
        assert_eq!(code("a ``` b"), "````a ``` b````");
        assert_eq!(code("a\u{1b}[31m\r"), "`a\u{fffd}[31m`");
    }
}
