//! `cargo xtask scan`: a history audit. Every commit of a range is judged as
//! `cargo xtask parity PARENT COMMIT` would judge it (PARENT is its first
//! parent: for a merge, the whole pull request), in one pass over git's
//! output.
//!
//! Two git processes serve the whole history, read in lockstep: the patch
//! stream (every commit, with the patch of the watched files) drives, and the
//! added-files stream (only commits that add files) is consumed whenever its
//! next commit is the one being judged. Each commit's patch is streamed
//! through a fresh `PatchParser`, collected as the commit's `Change`, and
//! judged by the same core calls as `parity` (with the HEAD contents of the
//! watched files it wants, from one `git cat-file --batch` kept open for the
//! whole audit); memory depends on the largest commit, never on the length
//! of the history.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use parity_core::diff::FileCollector;
use parity_core::log::{commit_header, AddedFiles, AddedFilesReader, CommitHeader};
use parity_core::name_status::Status;
use parity_core::report::RangeInfo;
use parity_core::{
    parse_patch, Change, NameStatus, PatchParser, PathBytes, Report, Rules, Sources, Verdict,
};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::git::{validate_revision, CatFileSession, Git, GitStream, LogWalk, Records};

#[derive(Args, Debug)]
#[command(
    about = "Audit a history: every commit judged as a pull request against its first parent",
    long_about = "Judges every commit of the range as `cargo xtask parity PARENT COMMIT` would, \
                  PARENT being its first parent (for a merge commit, the whole pull request). \
                  Prints the commits that would fail and a summary.\n\n\
                  Exit codes: 0 no commit fails, 1 some commit fails, 2 error."
)]
pub struct ScanArgs {
    /// The repository to audit.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// The commits to audit: `A..B` (reachable from B, not from A), `A..`,
    /// `..B`, or one revision for its whole history. Default: HEAD.
    #[arg(long, value_name = "A..B")]
    range: Option<String>,
    /// Walk every parent (the commits of merged branches too), not only the
    /// first-parent line; each commit is still judged against its first parent.
    #[arg(long)]
    all_parents: bool,
    /// Start at the first commit where the revision directory exists.
    #[arg(long)]
    since_revisions: bool,
    /// How to write the audit.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    format: ScanFormat,
    /// Judge as `parity --strict` does: a revision that leaves a schema object
    /// uncovered fails (and each commit's report lists its objects).
    #[arg(long)]
    strict: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// A table for a person.
    Text,
    /// One JSON document, written as the history is read.
    Json,
}

/// What to audit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// `A..B`, `A..`, `..B` or one revision; `None` is HEAD.
    pub range: Option<String>,
    pub all_parents: bool,
    pub since_revisions: bool,
}

/// One commit and its judgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JudgedCommit {
    pub commit: CommitHeader,
    pub report: Report,
    /// The files read to judge it, as `(commit, paths)` requests.
    pub reads: Vec<(String, Vec<parity_core::PathBytes>)>,
}

/// Counts over the audit, and remarks on how it was made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    pub commits: u64,
    pub fail: u64,
    pub pass: u64,
    /// Commits without a parent (a root, or the boundary of a shallow clone).
    pub skipped: u64,
    pub notes: Vec<String>,
}

/// Splits `A..B` into the tip and the excluded revision.
pub fn parse_range(range: Option<&str>) -> Result<(String, Option<String>)> {
    let Some(range) = range.map(str::trim) else {
        return Ok(("HEAD".into(), None));
    };
    if range.contains("...") {
        return Err(Error::new(format!(
            "the range {range:?} has three dots: an audit walks A..B (two dots)"
        )));
    }
    let (tip, excluded) = match range.split_once("..") {
        Some(("", "")) | None if range.is_empty() || range == ".." => {
            return Err(Error::new(
                "the range is empty: pass A..B, A.., ..B or one revision",
            ))
        }
        Some((from, to)) => {
            let or_head = |s: &str| if s.is_empty() { "HEAD" } else { s }.to_string();
            (or_head(to), Some(or_head(from)))
        }
        None => (range.to_string(), None),
    };
    validate_revision("the range's end", &tip)?;
    if let Some(excluded) = &excluded {
        validate_revision("the range's start", excluded)?;
    }
    Ok((tip, excluded))
}

/// Audits the history of `repo`, calling `each` for every commit, newest first.
pub fn scan(
    repo: &Path,
    options: &ScanOptions,
    rules: &Rules,
    mut each: impl FnMut(&JudgedCommit) -> Result<()>,
) -> Result<ScanSummary> {
    let git = Git::new(repo)?;
    let (tip, excluded) = parse_range(options.range.as_deref())?;
    let mut summary = ScanSummary::default();
    if git.is_shallow()? {
        summary.notes.push(
            "this is a shallow clone: commits at its boundary have no parent here and are \
             skipped; fetch the full history to audit it all"
                .into(),
        );
    }
    let mut walk = resolve_walk(&git, &tip, excluded.as_deref(), !options.all_parents)?;
    if options.since_revisions && !since_revisions(&git, rules, &mut walk, &mut summary)? {
        return Ok(summary);
    }

    let mut patches = git.log_patches(&walk, &rules.fixed_diff_paths())?;
    // Renames too: a watched file moved into place must be diffed with its
    // source, as `parity` does (see `CommitInProgress::judge`).
    let mut listed = rules.revisions.statuses.clone();
    if !listed.contains(&Status::Renamed) {
        listed.push(Status::Renamed);
    }
    let mut added = Some(git.log_added_files(&walk, &listed)?);
    let mut added_records = AddedStream::new(added.as_mut());
    let mut contents = Contents {
        git: &git,
        session: None,
    };
    let mut lines = patches.records(b'\n');
    let mut current: Option<CommitInProgress> = None;
    while let Some(line) = lines.next_record()? {
        if let Some(header) = commit_header(line) {
            let header = header.map_err(|e| Error::new(format!("cannot read git's log: {e}")))?;
            if let Some(done) = current.take() {
                let judged = done.judge(&mut added_records, &mut contents)?;
                summary.count(&judged.report);
                each(&judged)?;
            }
            current = Some(CommitInProgress::new(header, rules));
            continue;
        }
        let Some(commit) = &mut current else {
            return Err(Error::new(
                "cannot read git's log: it does not start with a commit",
            ));
        };
        commit.line(line)?;
    }
    if let Some(done) = current.take() {
        let judged = done.judge(&mut added_records, &mut contents)?;
        summary.count(&judged.report);
        each(&judged)?;
    }
    added_records.expect_end()?;
    drop(lines);
    patches.finish()?;
    if let Some(added) = added {
        added.finish()?;
    }
    if let Some(session) = contents.session {
        session.finish()?;
    }
    Ok(summary)
}

impl ScanSummary {
    fn count(&mut self, report: &Report) {
        self.commits += 1;
        match report.verdict {
            Verdict::Fail => self.fail += 1,
            Verdict::Pass => self.pass += 1,
            Verdict::Skipped => self.skipped += 1,
        }
    }
}

/// Resolves the range's ends to commits (names travel on standard input).
fn resolve_walk(
    git: &Git,
    tip: &str,
    excluded: Option<&str>,
    first_parent: bool,
) -> Result<LogWalk> {
    let mut names = vec![tip];
    names.extend(excluded);
    let resolved = git.resolve_commits(&names)?;
    let mut shas = Vec::new();
    for result in resolved {
        match result {
            Ok(sha) => shas.push(sha),
            Err(name) => {
                return Err(Error::new(format!(
                "the range's {name:?} does not name a commit: pass an existing branch, tag or SHA"
            )))
            }
        }
    }
    let tip = shas.remove(0);
    Ok(LogWalk {
        tip,
        excluded: shas,
        first_parent,
    })
}

/// Narrows the walk to the commits from the first one where the revision
/// directory exists; `false` if it never exists in the range.
fn since_revisions(
    git: &Git,
    rules: &Rules,
    walk: &mut LogWalk,
    summary: &mut ScanSummary,
) -> Result<bool> {
    let dir = rules.revisions.dir.trim_end_matches('/');
    if dir.is_empty() {
        return Ok(true);
    }
    match git.oldest_commit_touching(walk, &format!("{dir}/"))? {
        Some((first, Some(parent))) => {
            if !git.paths_exist(&[(parent.clone(), dir.to_string())])?[0] {
                summary.notes.push(format!(
                    "starting at {}, the first commit where {dir}/ exists",
                    short(&first)
                ));
                walk.excluded.push(parent);
            }
            Ok(true)
        }
        // It exists from the root commit on.
        Some((_, None)) => Ok(true),
        None if git.paths_exist(&[(walk.tip.clone(), dir.to_string())])?[0] => Ok(true),
        None => {
            summary.notes.push(format!(
                "{dir}/ exists in no commit of the range: nothing to audit"
            ));
            Ok(false)
        }
    }
}

/// A commit whose patch is being read.
struct CommitInProgress<'r> {
    rules: &'r Rules,
    header: CommitHeader,
    parser: PatchParser,
    files: FileCollector,
}

impl<'r> CommitInProgress<'r> {
    fn new(header: CommitHeader, rules: &'r Rules) -> Self {
        CommitInProgress {
            rules,
            header,
            parser: PatchParser::new(),
            files: FileCollector::default(),
        }
    }

    fn line(&mut self, line: &[u8]) -> Result<()> {
        self.parser
            .line(line, &mut self.files)
            .map_err(|e| self.unreadable(e))
    }

    fn unreadable(&self, e: impl std::fmt::Display) -> Error {
        Error::new(format!(
            "cannot read git's diff of commit {}: {e}",
            self.header.sha
        ))
    }

    /// Ends the commit's patch and decides, with its added files.
    fn judge(self, added: &mut AddedStream, contents: &mut Contents) -> Result<JudgedCommit> {
        let CommitInProgress {
            rules,
            header,
            parser,
            mut files,
        } = self;
        if let Err(e) = parser.finish(&mut files) {
            return Err(Error::new(format!(
                "cannot read git's diff of commit {}: {e}",
                header.sha
            )));
        }
        let statuses = added.statuses_of(&header.sha)?;
        let mut reads = Vec::new();
        let report = match header.first_parent() {
            None => Report::skipped(
                "the commit has no parent to compare with (a root commit, or a shallow clone's boundary)",
                rules.revisions.dir.clone(),
            ),
            Some(parent) => {
                let mut files = files.into_files();
                // The log's pathspecs hold only the watched paths, so git
                // could not pair a watched file with the source it was
                // renamed from and shows every line as added. `parity`
                // diffs the source too: so does the audit, for such a commit.
                let sources: Vec<PathBytes> = statuses
                    .iter()
                    .filter(|entry| entry.status == Status::Renamed)
                    .filter(|entry| {
                        let path = entry.path.as_bytes();
                        rules.watched_file(path).is_some() || rules.line_entry_for(path).is_some()
                    })
                    .filter_map(|entry| entry.from.clone())
                    .collect();
                if !sources.is_empty() {
                    let mut paths: Vec<PathBytes> = files
                        .iter()
                        .filter_map(|file| file.header.new_path.clone())
                        .collect();
                    paths.extend(sources);
                    let patch = contents.git.patch(parent, &header.sha, &paths)?;
                    files = parse_patch(&patch).map_err(|e| {
                        Error::new(format!(
                            "cannot read git's diff of commit {}: {e}",
                            header.sha
                        ))
                    })?;
                }
                let change = Change {
                    files,
                    statuses,
                };
                // The range PARENT...COMMIT: its merge-base is PARENT.
                let mut report =
                    crate::guard::parity::decide(
                        &change,
                        rules,
                        &header.sha,
                        parent,
                        crate::guard::parity::PairingMode::WhenDecisive,
                        |requests| {
                        reads = requests
                            .iter()
                            .filter(|(_, paths)| !paths.is_empty())
                            .map(|(commit, paths)| (commit.to_string(), paths.to_vec()))
                            .collect();
                            contents.read(requests)
                        },
                    )?;
                report.range = Some(RangeInfo {
                    base: parent.to_string(),
                    head: header.sha.clone(),
                    merge_base: parent.to_string(),
                });
                report
            }
        };
        Ok(JudgedCommit {
            commit: header,
            report,
            reads,
        })
    }
}

/// The watched files' contents at each commit, from one `git cat-file
/// --batch` started when a commit first needs it.
struct Contents<'g> {
    git: &'g Git,
    session: Option<CatFileSession<'g>>,
}

impl Contents<'_> {
    /// One `Sources` per `(commit, paths)` request, as `Git::contents_in`.
    fn read(&mut self, requests: &[(&str, &[parity_core::PathBytes])]) -> Result<Vec<Sources>> {
        if requests.iter().all(|(_, paths)| paths.is_empty()) {
            return Ok(requests.iter().map(|_| Sources::new()).collect());
        }
        let session = match &mut self.session {
            Some(session) => session,
            None => self.session.insert(self.git.cat_file_session()?),
        };
        session.contents_in(requests)
    }
}

/// The added-files stream, read one record ahead.
struct AddedStream {
    records: Option<Records<std::process::ChildStdout>>,
    reader: Option<AddedFilesReader>,
    next: Option<AddedFiles>,
}

impl AddedStream {
    fn new(stream: Option<&mut GitStream<'_>>) -> Self {
        let records = stream.map(|s| s.records(0));
        AddedStream {
            reader: records.as_ref().map(|_| AddedFilesReader::new()),
            records,
            next: None,
        }
    }

    /// The next record of the stream, or `None` at its end.
    fn read(&mut self) -> Result<Option<AddedFiles>> {
        let unreadable = |e: parity_core::log::LogError| {
            Error::new(format!("cannot read git's list of added files: {e}"))
        };
        let Some(records) = &mut self.records else {
            return Ok(None);
        };
        while let Some(field) = records.next_record()? {
            let field = field.strip_suffix(b"\0").unwrap_or(field);
            let reader = self.reader.as_mut().expect("a reader with every stream");
            if let Some(record) = reader.field(field).map_err(unreadable)? {
                return Ok(Some(record));
            }
        }
        match self.reader.take() {
            Some(reader) => reader.finish().map_err(unreadable),
            None => Ok(None),
        }
    }

    /// The statuses of `sha` if its record is next (the stream lists only
    /// the commits that add files, in the order of the patch stream).
    fn statuses_of(&mut self, sha: &str) -> Result<Vec<NameStatus>> {
        if self.next.is_none() {
            self.next = self.read()?;
        }
        match &self.next {
            Some(record) if record.sha == sha => Ok(self.next.take().unwrap().statuses),
            _ => Ok(Vec::new()),
        }
    }

    /// Every record was matched to a commit; anything left means the two
    /// logs did not walk the same commits.
    fn expect_end(&mut self) -> Result<()> {
        if self.next.is_none() {
            self.next = self.read()?;
        }
        match &self.next {
            None => Ok(()),
            Some(record) => Err(Error::new(format!(
                "git's two logs of the history disagree: commit {} is missing from the patch log",
                record.sha
            ))),
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// Runs the command: the table (or JSON) of failing commits, then a summary.
pub fn run(args: ScanArgs) -> Result<i32> {
    let options = ScanOptions {
        range: args.range.clone(),
        all_parents: args.all_parents,
        since_revisions: args.since_revisions,
    };
    let rules = Rules::default();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut printer = Printer::new(args.format, describe_walk(&options));
    let summary = scan(&args.repo, &options, &rules, |judged| {
        if judged.report.verdict == Verdict::Fail {
            out.write_all(printer.failing(judged).as_bytes())?;
            out.flush()?;
        }
        Ok(())
    })?;
    out.write_all(printer.end(&summary).as_bytes())?;
    out.flush()?;
    Ok(if summary.fail > 0 { 1 } else { 0 })
}

fn describe_walk(options: &ScanOptions) -> String {
    let range = options.range.as_deref().unwrap_or("HEAD");
    let parents = match options.all_parents {
        true => "every parent",
        false => "first parent",
    };
    let since = match options.since_revisions {
        true => ", since the revision directory exists",
        false => "",
    };
    format!("{range} ({parents}{since})")
}

/// Writes the audit as it goes: nothing is held back but the counts.
pub struct Printer {
    format: ScanFormat,
    walk: String,
    /// Failing commits written so far.
    written: u64,
}

/// A failing commit in the JSON document.
#[derive(Serialize)]
struct JsonCommit<'a> {
    sha: &'a str,
    parents: &'a [String],
    date: &'a str,
    subject: &'a str,
    report: &'a Report,
}

const SUBJECT_WIDTH: usize = 40;
const ENTRIES_WIDTH: usize = 24;
/// Evidence shown per row; the rest is counted.
const EVIDENCE_SHOWN: usize = 3;

impl Printer {
    pub fn new(format: ScanFormat, walk: String) -> Printer {
        Printer {
            format,
            walk,
            written: 0,
        }
    }

    /// The text for one failing commit (and, before the first, the opening).
    pub fn failing(&mut self, judged: &JudgedCommit) -> String {
        let mut out = String::new();
        let first = self.written == 0;
        self.written += 1;
        match self.format {
            ScanFormat::Text => {
                if first {
                    out.push_str(&format!(
                        "{:<12}  {:<10}  {:<SUBJECT_WIDTH$}  {:<ENTRIES_WIDTH$}  DDL EVIDENCE\n",
                        "COMMIT", "DATE", "SUBJECT", "NEW ENTRIES"
                    ));
                }
                out.push_str(&text_row(judged));
            }
            ScanFormat::Json => {
                match first {
                    true => out.push_str(&self.json_opening()),
                    false => out.push_str(",\n"),
                }
                let commit = JsonCommit {
                    sha: &judged.commit.sha,
                    parents: &judged.commit.parents,
                    date: &judged.commit.date,
                    subject: &judged.commit.subject,
                    report: &judged.report,
                };
                out.push_str(&serde_json::to_string(&commit).expect("a commit serializes"));
            }
        }
        out
    }

    fn json_opening(&self) -> String {
        format!(
            "{{\"version\":{},\"tool\":\"parity-scan\",\"walk\":{},\"failing\":[\n",
            parity_core::report::JSON_VERSION,
            serde_json::to_string(&self.walk).expect("a string serializes")
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
                    out.push_str(&format!("note: {note}\n"));
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
                format!(
                    "{opening}],\"summary\":{}}}\n",
                    serde_json::to_string(summary).expect("a summary serializes")
                )
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
        .map(|e| format!("{}:{} {}", e.path, e.line, e.pattern))
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

/// Pads or cuts (with an ellipsis) to exactly `width` characters.
fn fit(text: &str, width: usize) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
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
    fn ranges_split_into_tip_and_excluded() {
        let ok = |r: Option<&str>| parse_range(r).unwrap();
        assert_eq!(ok(None), ("HEAD".into(), None));
        assert_eq!(ok(Some("main")), ("main".into(), None));
        assert_eq!(ok(Some("v1..v2")), ("v2".into(), Some("v1".into())));
        assert_eq!(ok(Some("v1..")), ("HEAD".into(), Some("v1".into())));
        assert_eq!(ok(Some("..v2")), ("v2".into(), Some("HEAD".into())));
    }

    #[test]
    fn bad_ranges_are_refused() {
        for range in ["a...b", "", "..", "--all", "a..--output=x", "-p..main"] {
            assert!(parse_range(Some(range)).is_err(), "{range:?}");
        }
    }

    #[test]
    fn text_cells_are_fitted_to_their_width() {
        assert_eq!(fit("short", 8), "short   ");
        assert_eq!(fit("exactly8", 8), "exactly8");
        assert_eq!(fit("much too long", 8), "much to…");
        assert_eq!(fit("tab\there", 8), "tabhere ");
    }
}
