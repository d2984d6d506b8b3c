//! `--format github`: workflow commands that annotate the pull request, and
//! a Markdown summary for the job's page.
//!
//! Only workflow commands go to standard output: any text of the pull
//! request that reaches the log does so escaped inside a command, so a line
//! of the diff can never start a command of its own.

use std::fmt::Write as _;

use super::findings::findings;
use parity_core::report::{CounterpartFound, Report, Verdict};
use parity_core::schema::CoverageStatus;

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

/// The workflow commands of a report: one annotation per finding, on its
/// file and line, or, when there is none, one `::notice` with the verdict.
pub fn render_commands(report: &Report) -> String {
    let mut out = String::new();
    let findings = findings(report);
    for warning in &report.warnings {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            escape_property("parity: configuration"),
            escape_data(warning)
        );
    }
    for pair in &report.other_pairs {
        let kind = match pair.verdict {
            Verdict::Fail => "error",
            _ => "notice",
        };
        let title = format!("parity: {} -> {}", pair.first, pair.second);
        let _ = writeln!(
            out,
            "::{kind} title={}::{}",
            escape_property(&title),
            escape_data(&pair.message)
        );
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
    }
    for finding in findings {
        let _ = writeln!(
            out,
            "::{} file={},line={},title={}::{}",
            finding.level.github(),
            escape_property(&finding.path.display()),
            finding.line,
            escape_property(finding.kind.title),
            escape_data(&finding.message)
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
    let fence = fence_for(&text, 1);
    // A space on each side keeps a backtick at either end out of the fence.
    if text.starts_with('`') || text.ends_with('`') {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// Prose for the summary: hostile characters escaped, and every ASCII
/// character that Markdown or HTML could read as markup backslash-escaped,
/// so that a name or path quoted in a message or note (from the pull
/// request) shows as written and never as a link, an image or a tag.
fn prose(text: &str) -> String {
    let text = super::escape_controls(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '!' | '&' | '#' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Lines as a fenced block of plain text: notes quote the pull request's
/// paths and names, which no escaping keeps from being read as links
/// (GitHub links a bare address whatever its backslashes), but a block shows
/// them as written. The fence is longer than any run of backticks inside.
fn text_block(lines: &[String]) -> String {
    let text: Vec<String> = lines
        .iter()
        .map(|line| super::escape_controls(line).into_owned())
        .collect();
    let text = text.join("\n");
    let fence = fence_for(&text, 3);
    format!("{fence}text\n{text}\n{fence}")
}

/// A run of backticks longer than any inside `text`, and at least `shortest`
/// long: a code span or block that `text` cannot end.
fn fence_for(text: &str, shortest: usize) -> String {
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest_run + 1).max(shortest))
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
        prose(&report.message())
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
                code(evidence.pattern),
                evidence.set,
                code(evidence.text)
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
                CoverageStatus::Mismatched => "⚠️ **mismatched**",
                CoverageStatus::Uncovered => "⚠️ **uncovered**",
                CoverageStatus::Unresolved => "❔ unresolved (name built at run time)",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {status} |",
                code(&coverage.description()),
                code(&coverage.path),
                coverage.line
            );
        }
    }
    if !report.integrity.is_empty() {
        // Ids and paths of the pull request's revisions: a block, as notes.
        let lines: Vec<String> = (report.integrity.iter())
            .map(|finding| {
                let level = match finding.severity {
                    parity_core::alembic::Severity::Fail => "FAIL",
                    parity_core::alembic::Severity::Note => "note",
                };
                format!(
                    "{}:{}  {level}  {}",
                    finding.path, finding.line, finding.message
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "\n### {} revisions after the merge: {}\n\n{}",
            prose(&report.tracks.second),
            report.integrity.len(),
            text_block(&lines)
        );
    }
    if !report.waivers.is_empty() {
        let _ = writeln!(out, "\n### Waivers: {}\n", report.waivers.len());
        for waiver in &report.waivers {
            let why = match &waiver.reason {
                Some(reason) => code(reason),
                None => "**no reason: not a waiver**".to_string(),
            };
            let _ = writeln!(
                out,
                "- {} at {} line {}: {why}",
                code(&waiver.marker),
                code(&waiver.path.display()),
                waiver.line
            );
        }
    }
    if !report.counterparts.is_empty() {
        let _ = writeln!(
            out,
            "\n### Counterparts by name: {}\n",
            report.counterparts.len()
        );
        for c in &report.counterparts {
            let found = match (&c.found, &c.path) {
                (CounterpartFound::Added, Some(path)) => {
                    format!("added in the range: {}", code(&path.display()))
                }
                (CounterpartFound::AtHead, Some(path)) => {
                    format!("already at HEAD: {}", code(&path.display()))
                }
                _ => "**missing**".to_string(),
            };
            let _ = writeln!(
                out,
                "- {} ({}): {found}",
                code(&c.name),
                code(&c.entry.display())
            );
        }
    }
    if !report.other_pairs.is_empty() {
        let _ = writeln!(
            out,
            "\n### Other pairs of tracks (this report: {} → {})\n",
            report.tracks.first, report.tracks.second
        );
        for pair in &report.other_pairs {
            let verdict = match pair.verdict {
                Verdict::Fail => "❌",
                _ => "✅",
            };
            let _ = writeln!(
                out,
                "- {verdict} {} → {}: {}",
                prose(&pair.first),
                prose(&pair.second),
                prose(&pair.message)
            );
        }
    }
    if !report.warnings.is_empty() {
        let _ = writeln!(out, "\n### Warnings\n");
        for warning in &report.warnings {
            let _ = writeln!(out, "- ⚠️ {}", prose(warning));
        }
    }
    if !report.notes.is_empty() {
        let _ = writeln!(out, "\n### Notes\n\n{}", text_block(&report.notes));
    }
    if report.verdict() == Verdict::Fail {
        let advice = report.what_to_do_with(&code);
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
    fn notes_are_a_block_no_line_of_them_can_end() {
        let notes = vec![
            "www.evil.example and pay@evil.example".to_string(),
            "```\n# a heading?".to_string(),
            "a \u{202e} b".to_string(),
        ];
        // A note's own line feed is shown escaped: one note, one line.
        let expected = [
            "````text",
            "www.evil.example and pay@evil.example",
            "```\\n# a heading?",
            "a \\u{202e} b",
            "````",
        ];
        assert_eq!(text_block(&notes), expected.join("\n"));
    }

    #[test]
    fn prose_shows_markup_as_written() {
        // The escape of a hostile character shows as written too.
        assert_eq!(
            prose("index x<img src=y>[a](b) `c` *d* | e\u{202e}"),
            "index x\\<img src=y\\>\\[a\\](b) \\`c\\` \\*d\\* \\| e\\\\u{202e}"
        );
        assert_eq!(prose("plain words, and 1.0"), "plain words, and 1.0");
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
