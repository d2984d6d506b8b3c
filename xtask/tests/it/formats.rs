//! The report formats end to end: GitHub workflow commands and the step
//! summary, SARIF read back by a real consumer (sarif-tools), and colour.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{parity_in, sql_layout_baseline, stderr, stdout};
use pretty_assertions::assert_eq;
use xtask::harness::repo::FixtureRepo;

/// A failing change on the SQL-files layout, in a file whose name needs
/// escaping in a workflow command and encoding in a URI.
const ODD_NAME: &str = "migrations/sqlite/0002 notes,v2: 100%.sql";
/// The same name as a relative URI: percent-encoded bytes.
const ODD_NAME_URI: &str = "migrations/sqlite/0002%20notes%2Cv2%3A%20100%25.sql";
const ADD_NOTES: &str =
    "-- notes\nALTER TABLE agents ADD COLUMN notes TEXT;\nCREATE INDEX idx_notes ON agents(notes);\n";

struct Range {
    _tmp: tempfile::TempDir,
    repo: FixtureRepo,
    base: String,
    head: String,
}

impl Range {
    /// A SQL-layout repository whose branch adds `files`.
    fn new(files: &[(&str, &str)]) -> Range {
        let (tmp, mut repo, base) = sql_layout_baseline("repo");
        repo.branch("pr").unwrap();
        for (path, text) in files {
            repo.write(path, text).unwrap();
        }
        let head = repo.commit("change").unwrap();
        Range {
            _tmp: tmp,
            repo,
            base,
            head,
        }
    }

    fn failing() -> Range {
        Range::new(&[(ODD_NAME, ADD_NOTES)])
    }

    fn passing() -> Range {
        Range::new(&[
            (ODD_NAME, ADD_NOTES),
            ("migrations/postgres/0002_notes.sql", ADD_NOTES),
        ])
    }

    fn dir(&self) -> &Path {
        self.repo.dir()
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let all = [args, &[self.base.as_str(), self.head.as_str()]].concat();
        parity_in(self.dir(), &all, env)
    }

    /// The evidence of the JSON report: (path, line) of each DDL line.
    fn evidence(&self) -> Vec<(String, u64)> {
        let out = self.run(&["--format", "json"], &[]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().unwrap().to_string(),
                    e["line"].as_u64().unwrap(),
                )
            })
            .collect()
    }
}

#[test]
fn github_format_puts_an_error_on_every_ddl_line() {
    let range = Range::failing();
    let evidence = range.evidence();
    assert_eq!(evidence.len(), 2);
    let out = range.run(&["--format", "github"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), evidence.len(), "{text}");
    for (line, (path, number)) in lines.iter().zip(&evidence) {
        let file = path
            .replace('%', "%25")
            .replace(':', "%3A")
            .replace(',', "%2C");
        let prefix = format!(
            "::error file={file},line={number},title=parity%3A schema change without a revision::"
        );
        assert!(line.starts_with(&prefix), "{line}\nwanted {prefix}");
        assert!(line.contains("under migrations/postgres/"), "{line}");
    }
    assert!(text.contains("migrations/sqlite/0002 notes%2Cv2%3A 100%25.sql"));
}

#[test]
fn github_format_notices_a_pass_and_a_skip() {
    let out = Range::passing().run(&["--format", "github"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "::notice title=parity%3A pass::a SQLite schema change with a net-new PostgreSQL revision: both tracks updated\n"
    );
    let range = Range::passing();
    let out = parity_in(range.dir(), &["--format", "github"], &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).starts_with("::notice title=parity%3A skipped::no BASE given"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn github_format_appends_a_markdown_summary() {
    let range = Range::failing();
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let env = [("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())];
    let out = range.run(&["--format", "github"], &env);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(
        text.starts_with("earlier step\n## parity: ❌ fail\n"),
        "{text}"
    );
    assert!(text.contains("### New migration entries: 1\n"), "{text}");
    assert!(text.contains("| file | line | pattern | set | text |\n"));
    assert!(
        text.contains(
            "| `migrations/sqlite/0002 notes,v2: 100%.sql` | 2 | `ALTER TABLE` | sql | `ALTER TABLE agents ADD COLUMN notes TEXT;` |\n"
        ),
        "{text}"
    );
    assert!(text.contains("### Net-new revisions: 0\n"));
    assert!(
        text.contains("### What to do\n\nAdd a file under migrations/postgres/ ending in .sql on the PostgreSQL track"),
        "{text}"
    );
    // The SQL layout's second track is not Alembic: no Alembic advice.
    assert!(
        !text.contains("alembic") && !text.contains("--suggest"),
        "{text}"
    );

    // Without the variable, nothing is written anywhere but stdout.
    let out = range.run(&["--format", "github"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), text);

    // A summary that cannot be written is an error, not a silent pass.
    let env = [("GITHUB_STEP_SUMMARY", tmp.path().to_str().unwrap())];
    let out = Range::passing().run(&["--format", "github"], &env);
    crate::common::assert_error(&out, "cannot append the summary to");
}

/// The `sarif` command of sarif-tools; .ci/run installs it.
fn sarif_tools() -> Command {
    let probe = Command::new("sarif").arg("--version").output();
    if !probe.is_ok_and(|out| out.status.success()) {
        panic!(
            "the `sarif` command of sarif-tools is not on PATH: install it with \
             `pip install sarif-tools` (.ci/run does) to check the SARIF output"
        );
    }
    Command::new("sarif")
}

/// The results that sarif-tools lists, as (rule, severity, location, line).
fn results_listed_by_sarif_tools(log: &[u8]) -> Vec<(String, String, String, String)> {
    let tmp = tempfile::tempdir().unwrap();
    let log_path = tmp.path().join("parity.sarif");
    let csv_path = tmp.path().join("results.csv");
    std::fs::write(&log_path, log).unwrap();
    let out = sarif_tools()
        .arg("csv")
        .arg(&log_path)
        .arg("--output")
        .arg(&csv_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "sarif csv: {}", stderr(&out));
    let mut reader = csv::Reader::from_path(&csv_path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (code, severity, location, line) = (
        column("Code"),
        column("Severity"),
        column("Location"),
        column("Line"),
    );
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            (
                record[code].to_string(),
                record[severity].to_string(),
                record[location].to_string(),
                record[line].to_string(),
            )
        })
        .collect()
}

#[test]
fn sarif_tools_lists_one_error_per_ddl_line() {
    let range = Range::failing();
    let out = range.run(&["--format", "sarif"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let listed = results_listed_by_sarif_tools(&out.stdout);
    let expected: Vec<_> = range
        .evidence()
        .into_iter()
        .map(|(path, line)| {
            assert_eq!(path, ODD_NAME);
            (
                "parity/schema-change-without-revision".to_string(),
                "error".to_string(),
                ODD_NAME_URI.to_string(),
                line.to_string(),
            )
        })
        .collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(listed, expected);

    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["runs"][0]["tool"]["driver"]["name"], "parity");
}

#[test]
fn sarif_tools_lists_nothing_on_a_pass() {
    let out = Range::passing().run(&["--format", "sarif"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(results_listed_by_sarif_tools(&out.stdout), vec![]);
}

#[test]
fn colour_is_on_only_when_asked_for_or_on_a_terminal() {
    let range = Range::failing();
    let always = range.run(&["--color", "always"], &[]);
    assert!(stdout(&always).contains("\x1b[1;31mparity: FAIL\x1b[0m"));
    let never = range.run(&["--color", "never"], &[]);
    assert!(!stdout(&never).contains('\x1b'));
    // `auto` on a pipe, with or without NO_COLOR, is plain; the terminal
    // case is the unit test of `colour_for`.
    let auto = range.run(&[], &[("NO_COLOR", "1")]);
    assert_eq!(stdout(&auto), stdout(&never));
    let auto = range.run(&[], &[]);
    assert_eq!(stdout(&auto), stdout(&never));
}
