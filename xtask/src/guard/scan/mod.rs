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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use clap::{Args, ValueEnum};
use parity_core::diff::{FileCollector, FilePatch};
use parity_core::log::{commit_header, AddedFiles, AddedFilesReader, CommitHeader};
use parity_core::name_status::Status;
use parity_core::report::RangeInfo;
use parity_core::rules::NewFileRule;
use parity_core::rules::CONFIG_FILE;
use parity_core::{
    parse_name_status, parse_patch, Change, Memo, NameStatus, PairingMode, PatchParser, PathBytes,
    Report, Rules, Verdict,
};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::git::{
    validate_revision, CatFileSession, CheckSession, Git, GitStream, LogWalk, Records,
    ResolvedRange,
};
use crate::guard::output::{self, Progress};
use crate::guard::parity::{fetch_and_decide, Commits, HeadStart, RulesInForce};
use crate::guard::symlinks;
use parity_core::name_status::parse_raw;

mod printer;
pub use printer::Printer;

#[derive(Args, Debug)]
#[command(
    about = "Audit a history: every commit judged as a pull request against its first parent",
    long_about = "Judges every commit of the range as `cargo xtask parity PARENT COMMIT` would, \
                  PARENT being its first parent (for a merge commit, the whole pull request), \
                  with the same rules: --config FILE, else the parity.toml at PARENT, else the \
                  defaults. Prints the commits that would fail and a summary.\n\n\
                  Exit codes: 0 no commit fails, 1 some commit fails, 2 error."
)]
pub struct ScanArgs {
    /// The repository to audit.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    #[command(flatten)]
    options: ScanOptions,
    /// How to write the audit.
    #[arg(long, value_enum, default_value_t = ScanFormat::Text)]
    format: ScanFormat,
    /// List every judged commit, not only the failing ones (the table gains a
    /// VERDICT column; JSON: each with its report under "commits" instead of
    /// "failing").
    #[arg(long)]
    all_commits: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// A table for a person.
    Text,
    /// One JSON document, written as the history is read.
    Json,
}

/// What to audit, and by which rules: the command line, parsed once.
#[derive(Args, Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// The commits to audit: `A..B` (reachable from B, not from A), `A..`,
    /// `..B`, or one revision for its whole history. Default: HEAD.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Walk every parent (the commits of merged branches too), not only the
    /// first-parent line; each commit is still judged against its first parent.
    #[arg(long)]
    pub all_parents: bool,
    /// Judge only the commits where the revision directory of the rules in
    /// force exists (on every line of the walk).
    #[arg(long)]
    pub since_revisions: bool,
    /// Rules from this file for every commit, instead of the parity.toml at
    /// each commit's parent.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Judge as `parity --strict` does: a revision that leaves a schema object
    /// uncovered fails (and each commit's report lists its objects).
    #[arg(long)]
    pub strict: bool,
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
    /// Rules that see nothing at the tip (one line each).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
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

/// The rules each commit is judged by: one file for the whole audit
/// (`--config`), or the `parity.toml` at each commit's parent, parsed once
/// per version (by object name) and the defaults where there is none.
enum RulesSource {
    File {
        rules: Rc<Rules>,
        source: Option<String>,
    },
    PerParent {
        defaults: Rc<Rules>,
        /// Parsed versions of the file, by object name.
        versions: HashMap<String, Rc<Rules>>,
        strict: bool,
    },
}

/// The rules in force for one commit, and where they come from.
struct CommitRules {
    rules: Rc<Rules>,
    source: Option<String>,
}

impl RulesSource {
    fn new(options: &ScanOptions) -> Result<RulesSource> {
        Ok(match &options.config {
            Some(path) => {
                let mut in_force = RulesInForce::from_file(path)?;
                in_force.rules.strict |= options.strict;
                RulesSource::File {
                    rules: Rc::new(in_force.rules),
                    source: in_force.source,
                }
            }
            None => {
                let mut defaults = Rules::default();
                defaults.strict |= options.strict;
                RulesSource::PerParent {
                    defaults: Rc::new(defaults),
                    versions: HashMap::new(),
                    strict: options.strict,
                }
            }
        })
    }

    /// The rules `parity PARENT COMMIT` would use.
    fn for_parent(&mut self, parent: &str, contents: &mut Contents) -> Result<CommitRules> {
        let (defaults, versions, strict) = match self {
            RulesSource::File { rules, source } => {
                return Ok(CommitRules {
                    rules: Rc::clone(rules),
                    source: source.clone(),
                })
            }
            RulesSource::PerParent {
                defaults,
                versions,
                strict,
            } => (defaults, versions, *strict),
        };
        let Some(object) = contents
            .session()?
            .object_at(parent, CONFIG_FILE)?
            .filter(|o| o.is_blob)
        else {
            return Ok(CommitRules {
                rules: Rc::clone(defaults),
                source: None,
            });
        };
        let source = RulesInForce::source_at(parent, "the merge-base");
        let rules = match versions.get(&object.name) {
            Some(rules) => Rc::clone(rules),
            None => {
                let mut in_force = RulesInForce::parse(&object.contents, source.clone())?;
                in_force.rules.strict |= strict;
                let rules = Rc::new(in_force.rules);
                versions.insert(object.name, Rc::clone(&rules));
                rules
            }
        };
        Ok(CommitRules {
            rules,
            source: Some(source),
        })
    }

    /// Literal pathspecs for the history's patch stream: those of the
    /// configured rules, or those of the defaults and of the `parity.toml`
    /// at the tip, and the file itself, so that each commit's patch shows
    /// whether it changes the rules. A commit whose rules need more is
    /// diffed on its own (`CommitInProgress::judge`).
    fn history_pathspecs(&self, tip_rules: Option<&Rules>) -> Vec<String> {
        let mut paths: Vec<String> = match self {
            RulesSource::File { rules, .. } => rules.history_pathspecs(),
            RulesSource::PerParent { defaults, .. } => {
                let mut paths = defaults.history_pathspecs();
                paths.extend(tip_rules.map(Rules::history_pathspecs).unwrap_or_default());
                paths
            }
        }
        .into_iter()
        .map(str::to_string)
        .collect();
        paths.push(CONFIG_FILE.to_string());
        paths.sort();
        paths.dedup();
        paths
    }
}

/// Whether `covered` (literal pathspecs; an empty one is the whole tree)
/// covers every path `rules` reads.
fn covers(covered: &[String], rules: &Rules) -> bool {
    rules.history_pathspecs().iter().all(|needed| {
        covered.iter().any(|path| {
            path.is_empty()
                || needed == path
                || needed
                    .strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    })
}

/// Audits the history of `repo`, calling `each` for every commit judged,
/// newest first.
pub fn scan(
    repo: &Path,
    options: &ScanOptions,
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
    let walk = resolve_walk(&git, &tip, excluded.as_deref(), !options.all_parents)?;
    let mut rules_source = RulesSource::new(options)?;
    let mut contents = Contents {
        git: &git,
        session: None,
        links: None,
        links_seen: Vec::new(),
    };
    // The tip's own rules widen the stream's pathspecs; a bad file there is
    // reported by the commit that is judged by it, not here.
    let tip_rules = match &rules_source {
        RulesSource::File { .. } => None,
        RulesSource::PerParent { .. } => rules_source
            .for_parent(&walk.tip, &mut contents)
            .ok()
            .map(|r| r.rules),
    };
    let pathspecs = rules_source.history_pathspecs(tip_rules.as_deref());
    let paths: Vec<&str> = pathspecs.iter().map(String::as_str).collect();
    let mut patches = git.log_patches(&walk, &paths)?;
    // Renames too: a watched file moved into place must be diffed with its
    // source, as `parity` does (see `CommitInProgress::judge`).
    let mut listed = vec![Status::Added, Status::Renamed, Status::Copied];
    for rules in [tip_rules.as_deref(), Some(&Rules::default())]
        .into_iter()
        .flatten()
    {
        for status in &rules.revisions.statuses {
            if !listed.contains(status) {
                listed.push(*status);
            }
        }
    }
    let mut added = Some(git.log_added_files(&walk, &listed)?);
    let mut added_records = AddedStream::new(added.as_mut());
    let mut audit = Audit {
        rules: rules_source,
        pathspecs,
        since_revisions: options.since_revisions,
        not_yet: 0,
        memo: Memo::for_audit(),
    };
    let mut lines = patches.records(b'\n');
    let mut current: Option<CommitInProgress> = None;
    let mut finish = |done: CommitInProgress,
                      added: &mut AddedStream,
                      contents: &mut Contents,
                      audit: &mut Audit,
                      summary: &mut ScanSummary|
     -> Result<()> {
        if let Some(judged) = done.judge(added, contents, audit)? {
            summary.count(&judged.report);
            each(&judged)?;
        }
        Ok(())
    };
    while let Some(line) = lines.next_record()? {
        if let Some(header) = commit_header(line) {
            let header = header.map_err(|e| Error::new(format!("cannot read git's log: {e}")))?;
            if let Some(done) = current.take() {
                finish(
                    done,
                    &mut added_records,
                    &mut contents,
                    &mut audit,
                    &mut summary,
                )?;
            }
            current = Some(CommitInProgress::new(header));
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
        finish(
            done,
            &mut added_records,
            &mut contents,
            &mut audit,
            &mut summary,
        )?;
    }
    added_records.expect_end()?;
    drop(lines);
    patches.finish()?;
    if let Some(added) = added {
        added.finish()?;
    }
    // An audit that found nothing: do the tip's rules see anything at all?
    // Asked of the open `cat-file` session: an exact path, or the directory
    // before a glob's first wildcard.
    if summary.fail == 0 {
        let rules = match &audit.rules {
            RulesSource::File { rules, .. } => rules.clone(),
            RulesSource::PerParent { defaults, .. } => {
                tip_rules.clone().unwrap_or_else(|| defaults.clone())
            }
        };
        let mut seen = false;
        for watched in &rules.watched {
            let path = watched.path.literal_prefix();
            if path.is_empty() || contents.path_exists(&walk.tip, path)? {
                seen = true;
                break;
            }
        }
        if !seen {
            let paths: Vec<String> = (rules.watched.iter())
                .map(|w| format!("`{}`", w.path))
                .collect();
            summary.warnings.push(format!(
                "no watched path exists at the tip ({}): the rules can never see a {} schema change",
                paths.join(", "),
                rules.tracks.first
            ));
        }
    }
    if let Some(session) = contents.session {
        session.finish()?;
    }
    if audit.not_yet > 0 {
        summary.notes.push(match summary.commits {
            0 => "the revision directory exists in no commit of the range: nothing to audit"
                .to_string(),
            _ => format!(
                "{} commit(s) where the revision directory of the rules in force does not \
                 exist yet were not judged",
                audit.not_yet
            ),
        });
    }
    Ok(summary)
}

/// What the audit carries from commit to commit.
struct Audit {
    rules: RulesSource,
    /// The patch stream's pathspecs.
    pathspecs: Vec<String>,
    since_revisions: bool,
    /// Commits left out by `--since-revisions`.
    not_yet: u64,
    /// What one commit's decision keeps for the next.
    memo: Memo,
}

impl ScanSummary {
    fn count(&mut self, report: &Report) {
        self.commits += 1;
        match report.verdict() {
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

/// A commit whose patch is being read.
struct CommitInProgress {
    header: CommitHeader,
    parser: PatchParser,
    files: FileCollector,
}

impl CommitInProgress {
    fn new(header: CommitHeader) -> Self {
        CommitInProgress {
            header,
            parser: PatchParser::new(),
            files: FileCollector::default(),
        }
    }

    fn line(&mut self, line: &[u8]) -> Result<()> {
        self.parser
            .line(line, &mut self.files)
            .map_err(|e| unreadable_diff(&self.header.sha, e))
    }

    /// Ends the commit's patch and decides, with its added files; `None`
    /// for a commit that `--since-revisions` leaves out.
    fn judge(
        self,
        added: &mut AddedStream,
        contents: &mut Contents,
        audit: &mut Audit,
    ) -> Result<Option<JudgedCommit>> {
        let CommitInProgress {
            header,
            parser,
            mut files,
        } = self;
        let sha = header.sha.as_str();
        parser
            .finish(&mut files)
            .map_err(|e| unreadable_diff(sha, e))?;
        let mut statuses = added.statuses_of(sha)?;
        let Some(parent) = header.first_parent() else {
            let revisions = match &audit.rules {
                RulesSource::File { rules, .. } => &rules.revisions,
                RulesSource::PerParent { defaults, .. } => &defaults.revisions,
            };
            let dir = revisions.dir.clone();
            if audit.since_revisions && !contents.revisions_exist(sha, revisions)? {
                audit.not_yet += 1;
                return Ok(None);
            }
            let report = Report::skipped(
                "the commit has no parent to compare with (a root commit, or a shallow clone's boundary)",
                dir,
            );
            return Ok(Some(JudgedCommit {
                commit: header,
                report,
                reads: Vec::new(),
            }));
        };
        let in_commit = |e: Error| Error::new(format!("judging commit {}: {e}", short(sha)));
        let CommitRules { rules, source } = audit
            .rules
            .for_parent(parent, contents)
            .map_err(in_commit)?;
        if audit.since_revisions && !contents.revisions_exist(sha, &rules.revisions)? {
            audit.not_yet += 1;
            return Ok(None);
        }
        let mut files = files.into_files();
        note_config_change(&files, &mut statuses);
        let git = contents.git;
        if !covers(&audit.pathspecs, &rules) {
            // Rules that read files outside the stream's pathspecs: list the
            // commit as `parity` lists a range.
            let listed = git.name_status(parent, sha)?;
            statuses = parse_name_status(&listed)
                .map_err(|e| Error::new(format!("cannot read git's file list: {e}")))?;
            let patch = git.patch(parent, sha, &rules.diff_paths(&statuses))?;
            files = parse_patch(&patch).map_err(|e| unreadable_diff(sha, e))?;
        } else {
            // The log's pathspecs hold only the watched paths, so git could
            // not pair a watched file with the source it was renamed from and
            // shows every line as added. `parity` diffs the source too: so
            // does the audit, for such a commit.
            let sources: Vec<PathBytes> = statuses
                .iter()
                .filter(|entry| matches!(entry.status, Status::Renamed | Status::Copied))
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
                let patch = git.patch(parent, sha, &paths)?;
                files = parse_patch(&patch).map_err(|e| unreadable_diff(sha, e))?;
            }
        }
        // A watched path reached through a symlink, at the commit or its
        // parent: list and diff the commit as `parity` does, and follow it.
        let mut link_notes = Vec::new();
        let exact = symlinks::exact_paths(&rules);
        if !exact.is_empty() && contents.involves_symlinks(sha, parent, &exact)? {
            let listing = git.raw_listing(parent, sha)?;
            let listing = parse_raw(&listing)
                .map_err(|e| Error::new(format!("cannot read git's file list: {e}")))?;
            statuses = listing.iter().map(|raw| raw.entry.clone()).collect();
            let patch = git.patch(parent, sha, &rules.diff_paths(&statuses))?;
            files = parse_patch(&patch).map_err(|e| unreadable_diff(sha, e))?;
            let range = ResolvedRange {
                base: parent.to_string(),
                head: sha.to_string(),
                merge_base: parent.to_string(),
            };
            link_notes =
                symlinks::follow(git, &range, &rules, &listing, &mut files).map_err(in_commit)?;
        }
        let change = Change { files, statuses };
        let in_force = parity_core::InForce {
            rules: &rules,
            source: source.as_deref(),
        };
        // The range PARENT...COMMIT: its merge-base and its BASE are PARENT.
        let commits = Commits {
            head: sha,
            merge_base: parent,
            base_tip: parent,
        };
        let (mut report, needs) = fetch_and_decide(
            &change,
            in_force,
            PairingMode::WhenDecisive,
            commits,
            contents.session()?,
            &mut audit.memo,
            HeadStart::default(),
        )?;
        let mut reads = Vec::new();
        for (commit, paths) in [(sha, needs.head), (parent, needs.merge_base)] {
            if !paths.is_empty() {
                reads.push((commit.to_string(), paths));
            }
        }
        report.notes.extend(link_notes);
        report.range = Some(RangeInfo {
            base: parent.to_string(),
            head: header.sha.clone(),
            merge_base: parent.to_string(),
        });
        Ok(Some(JudgedCommit {
            commit: header,
            report,
            reads,
        }))
    }
}

/// The added-files stream lists added, renamed and copied files only; a
/// `parity.toml` modified or deleted shows in the patch stream (its
/// pathspecs hold it), and the decision notes any change to it, as in
/// `parity`'s listing of the range.
fn note_config_change(files: &[FilePatch], statuses: &mut Vec<NameStatus>) {
    if statuses.iter().any(parity_core::decide::touches_config) {
        return;
    }
    let is_config =
        |path: Option<&PathBytes>| path.is_some_and(|p| p.as_bytes() == CONFIG_FILE.as_bytes());
    let header = files
        .iter()
        .map(|file| &file.header)
        .find(|h| is_config(h.new_path.as_ref()) || is_config(h.old_path.as_ref()));
    if let Some(header) = header {
        let status = match (&header.old_path, &header.new_path) {
            (None, _) => Status::Added,
            (_, None) => Status::Deleted,
            _ => Status::Modified,
        };
        statuses.push(NameStatus {
            status,
            path: PathBytes::from(CONFIG_FILE.as_bytes()),
            from: None,
        });
    }
}

fn unreadable_diff(sha: &str, e: impl std::fmt::Display) -> Error {
    Error::new(format!("cannot read git's diff of commit {sha}: {e}"))
}

/// The watched files' contents at each commit, from one `git cat-file
/// --batch` started when a commit first needs it; and where the watched
/// paths lead, with and without following symlinks (two `--batch-check`).
struct Contents<'g> {
    git: &'g Git,
    session: Option<CatFileSession<'g>>,
    links: Option<(CheckSession<'g>, CheckSession<'g>)>,
    /// The last commits asked about, and whether a watched path led elsewhere.
    links_seen: Vec<(String, bool)>,
}

impl<'g> Contents<'g> {
    /// Whether a path of `paths` leads elsewhere once symlinks are followed,
    /// at `commit` or at `parent`. A commit's answer is kept for the next
    /// commit of the walk, whose parent it usually is.
    fn involves_symlinks(
        &mut self,
        commit: &str,
        parent: &str,
        paths: &[PathBytes],
    ) -> Result<bool> {
        Ok(self.leads_elsewhere(commit, paths)? || self.leads_elsewhere(parent, paths)?)
    }

    fn leads_elsewhere(&mut self, at: &str, paths: &[PathBytes]) -> Result<bool> {
        if let Some(&(_, answer)) = self.links_seen.iter().find(|(sha, _)| sha == at) {
            return Ok(answer);
        }
        if self.links.is_none() {
            self.links = Some((
                self.git.check_session(false)?,
                self.git.check_session(true)?,
            ));
        }
        let (plain, followed) = self.links.as_mut().expect("the sessions were just started");
        // Both asked before either is read: the two gits answer at once.
        plain.send(at, paths)?;
        followed.send(at, paths)?;
        let answer = plain.receive(paths)? != followed.receive(paths)?;
        if self.links_seen.len() == 2 {
            self.links_seen.remove(0);
        }
        self.links_seen.push((at.to_string(), answer));
        Ok(answer)
    }

    fn session(&mut self) -> Result<&mut CatFileSession<'g>> {
        if self.session.is_none() {
            self.session = Some(self.git.cat_file_session()?);
        }
        Ok(self.session.as_mut().expect("the session was just started"))
    }

    /// Whether `path` (a file or a directory) exists in `commit`.
    fn path_exists(&mut self, commit: &str, path: &str) -> Result<bool> {
        let path = path.trim_end_matches('/');
        Ok(self.session()?.object_at(commit, path)?.is_some())
    }

    /// Whether the revision track exists at `commit`: one of the
    /// directories its rule's files lie under.
    fn revisions_exist(&mut self, commit: &str, rule: &NewFileRule) -> Result<bool> {
        for dir in rule.directories() {
            if self.dir_exists(commit, dir)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Whether `dir` is a directory at `commit` (an empty `dir`, the whole
    /// tree, always is).
    fn dir_exists(&mut self, commit: &str, dir: &str) -> Result<bool> {
        let dir = dir.trim_end_matches('/');
        if dir.is_empty() {
            return Ok(true);
        }
        Ok(self
            .session()?
            .object_at(commit, dir)?
            .is_some_and(|object| !object.is_blob))
    }
}

/// The added-files stream, read one record ahead.
struct AddedStream {
    records: Option<Records<crate::git::ReadAhead>>,
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

/// Runs the command: the table (or JSON) of failing commits, then a summary.
pub fn run(args: ScanArgs) -> Result<i32> {
    let mut printer = Printer::new(args.format, describe_walk(&args.options), args.all_commits);
    // The report is written whole once the walk is done: an error met on
    // the way (an unreadable parity.toml at some commit, git failing) leaves
    // nothing on stdout, never a table cut short or half a JSON document.
    let mut report = Vec::new();
    // A count of the commits judged, on a terminal's stderr only.
    let mut progress = Progress::new();
    let mut judged_count = 0u64;
    let summary = scan(&args.repo, &args.options, |judged| {
        judged_count += 1;
        if printer.lists(judged) {
            report.extend_from_slice(printer.commit(judged).as_bytes());
        }
        if judged_count.is_multiple_of(64) {
            progress.show(&format!("parity scan: {judged_count} commits judged"));
        }
        Ok(())
    });
    progress.finish();
    let summary = summary?;
    report.extend_from_slice(printer.end(&summary).as_bytes());
    // A reader that has gone changes nothing: the exit code is the verdict's.
    output::write_all(&mut std::io::stdout().lock(), &report)?;
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
    let strict = match options.strict {
        true => ", --strict",
        false => "",
    };
    format!("{range} ({parents}{since}{strict})")
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
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
}
