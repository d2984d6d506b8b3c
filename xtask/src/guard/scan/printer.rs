//! The audit's output, written as the history is read: a table of the
//! failing commits, or of every judged commit (or one JSON document), and a
//! closing summary.

use parity_core::report::escape_controls;
use parity_core::Verdict;
use parity_formats::report::{json_line, scan_commit_json, ScanCommit};

use super::{short, JudgedCommit, ScanFormat, ScanSummary};

/// Writes the audit as it goes: nothing is held back but the counts.
pub struct Printer {
    format: ScanFormat,
    walk: String,
    /// Every judged commit is listed (`--all-commits`), not only the failing ones.
    all: bool,
    /// Commits written so far.
    written: u64,
}

const SUBJECT_WIDTH: usize = 40;
const ENTRIES_WIDTH: usize = 24;
/// Evidence shown per row; the rest is counted.
const EVIDENCE_SHOWN: usize = 3;

impl Printer {
    pub fn new(format: ScanFormat, walk: String, all: bool) -> Printer {
        Printer {
            format,
            walk,
            all,
            written: 0,
        }
    }

    /// Whether `judged` is listed: a failing commit always, any other with
    /// `--all-commits`.
    pub fn lists(&self, judged: &JudgedCommit) -> bool {
        self.all || judged.report.verdict() == Verdict::Fail
    }

    /// The text for one listed commit (and, before the first, the opening).
    pub fn commit(&mut self, judged: &JudgedCommit) -> String {
        let mut out = String::new();
        let first = self.written == 0;
        self.written += 1;
        match self.format {
            ScanFormat::Text => {
                if first {
                    if self.all {
                        out.push_str("VERDICT  ");
                    }
                    out.push_str(&format!(
                        "{:<12}  {:<10}  {:<SUBJECT_WIDTH$}  {:<ENTRIES_WIDTH$}  DDL EVIDENCE\n",
                        "COMMIT", "DATE", "SUBJECT", "NEW ENTRIES"
                    ));
                }
                if self.all {
                    let verdict = match judged.report.verdict() {
                        Verdict::Pass => "pass",
                        Verdict::Fail => "FAIL",
                        Verdict::Skipped => "skipped",
                    };
                    out.push_str(&format!("{verdict:<7}  "));
                }
                out.push_str(&text_row(judged));
            }
            ScanFormat::Json => {
                match first {
                    true => out.push_str(&self.json_opening()),
                    false => out.push_str(",\n"),
                }
                let commit = ScanCommit {
                    sha: &judged.commit.sha,
                    parents: &judged.commit.parents,
                    date: &judged.commit.date,
                    subject: &judged.commit.subject,
                    report: &judged.report,
                };
                out.push_str(&scan_commit_json(&commit));
            }
        }
        out
    }

    fn json_opening(&self) -> String {
        format!(
            "{{\"version\":{},\"tool\":\"parity-scan\",\"walk\":{},\"{}\":[\n",
            parity_formats::report::JSON_VERSION,
            serde_json::to_string(&self.walk).expect("a string serializes"),
            if self.all { "commits" } else { "failing" }
        )
    }

    /// The summary that closes the audit.
    pub fn end(&self, summary: &ScanSummary) -> String {
        match self.format {
            ScanFormat::Text => {
                let mut out = String::new();
                if self.written > 0 {
                    out.push('\n');
                }
                for note in &summary.notes {
                    out.push_str(&format!("note: {}\n", escape_controls(note)));
                }
                for warning in &summary.warnings {
                    out.push_str(&format!("warning: {warning}\n"));
                }
                let verdict = if summary.fail > 0 { "FAIL" } else { "pass" };
                out.push_str(&format!(
                    "parity scan: {verdict}: {} commits judged on {}: {} fail, {} pass, {} skipped (no parent)\n",
                    summary.commits, self.walk, summary.fail, summary.pass, summary.skipped
                ));
                out
            }
            ScanFormat::Json => {
                let opening = match self.written {
                    0 => self.json_opening(),
                    _ => "\n".into(),
                };
                format!("{opening}],\"summary\":{}}}\n", json_line(summary))
            }
        }
    }
}

/// One row of the text table: who, when, what, and the evidence.
fn text_row(judged: &JudgedCommit) -> String {
    let commit = &judged.commit;
    let report = &judged.report;
    let date = commit.date.get(..10).unwrap_or(&commit.date);
    let entries = report
        .entries
        .iter()
        .map(|e| e.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let mut evidence = report
        .evidence
        .iter()
        .take(EVIDENCE_SHOWN)
        .map(|e| format!("{}:{} {}", e.path, e.line, escape_controls(e.pattern)))
        .collect::<Vec<_>>()
        .join("; ");
    if report.evidence.len() > EVIDENCE_SHOWN {
        evidence.push_str(&format!(
            "; and {} more",
            report.evidence.len() - EVIDENCE_SHOWN
        ));
    }
    format!(
        "{:<12}  {:<10}  {}  {}  {evidence}\n",
        short(&commit.sha),
        date,
        fit(&commit.subject, SUBJECT_WIDTH),
        fit(&entries, ENTRIES_WIDTH),
    )
}

/// Pads or cuts (with an ellipsis) to exactly `width` characters, every
/// character that could act on the reader shown escaped (`\x1b`, `\u{202e}`).
fn fit(text: &str, width: usize) -> String {
    // A tab is harmless but would break the columns.
    let text = escape_controls(text).replace('\t', " ");
    if text.chars().count() <= width {
        return format!("{text:<width$}");
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn text_cells_are_fitted_to_their_width() {
        assert_eq!(fit("short", 8), "short   ");
        assert_eq!(fit("exactly8", 8), "exactly8");
        assert_eq!(fit("much too long", 8), "much to…");
        assert_eq!(fit("tab\there", 8), "tab here");
    }

    #[test]
    fn text_cells_show_what_could_act_on_the_reader_escaped() {
        assert_eq!(fit("a\u{202e}b", 12), "a\\u{202e}b  ");
        assert_eq!(fit("x\u{2028}\u{2066}", 20), "x\\u{2028}\\u{2066}   ");
        assert_eq!(fit("esc\x1b[31m\r", 12), "esc\\x1b[31m…");
        assert_eq!(fit("c1\u{9b}", 10), "c1\\u{9b}  ");
    }
}
