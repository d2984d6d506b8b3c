//! `cargo xtask parity`: the guard on one range.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use parity_core::check::Checked;
use parity_core::diff::FileCollector;
use parity_core::report::RangeInfo;
use parity_core::rules::CONFIG_FILE;
use parity_core::{
    decide_grounded, needs, Change, Checker, Contents, FileHeader, FilePatch, InForce, Memo,
    NameStatus, Needs, PairingMode, PatchParser, PatchVisitor, PathBytes, Report, Rules, Sources,
};
use parity_formats::config::{self, Config};
use parity_formats::report::{github, render_json, render_text, sarif, write_report_json, Colour};

use crate::error::{Error, Result};
use crate::git::{
    is_null_object_name, Git, GitStream, LazySession, ReadAhead, ReadContents, Records, Resolved,
    ResolvedRange,
};
use crate::guard::symlinks;
use parity_core::name_status::parse_raw;
use parity_core::rules::Classifier;
use parity_core::PathPattern;

#[derive(Args, Debug)]
#[command(
    about = "Fail a pull request that changes the SQLite schema without an Alembic revision",
    long_about = "Judges the range BASE...HEAD (three dots: from their merge-base to HEAD).\n\
                  The range comes from the positional arguments, else --base/--head, else the \
                  environment's PR_BASE_SHA and PR_HEAD_SHA. When BASE is given on the command \
                  line, HEAD defaults to HEAD.\n\n\
                  Exit codes: 0 pass or skipped, 1 fail, 2 error."
)]
pub struct ParityArgs {
    /// The base of the range (the pull request's target).
    #[arg(value_name = "BASE", conflicts_with = "base")]
    base_positional: Option<String>,
    /// The head of the range (the pull request's branch).
    #[arg(value_name = "HEAD", conflicts_with = "head")]
    head_positional: Option<String>,
    /// The base of the range.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// The head of the range.
    #[arg(long, value_name = "REV")]
    head: Option<String>,
    /// The repository to check.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// How to write the report.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// When to colour the text report (`auto` honours NO_COLOR and a terminal).
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    color: ColourChoice,
    /// Rules from this file, instead of the parity.toml at the base of the range.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print the rules in force, as parity.toml, and exit.
    #[arg(long)]
    print_config: bool,
    /// Fail when an added revision leaves a schema object of the first track
    /// uncovered (otherwise a warning).
    #[arg(long)]
    strict: bool,
    /// Print, instead of the report, an Alembic revision for the uncovered
    /// schema objects (the exit code stays the verdict's).
    #[arg(long)]
    suggest: bool,
    /// Write the suggested revision under the revision directory.
    #[arg(long)]
    write_revision: bool,
    #[command(subcommand)]
    command: Option<ParityCommand>,
}

#[derive(clap::Subcommand, Debug)]
pub enum ParityCommand {
    /// Detect the repository's layout and write a commented parity.toml.
    Init(crate::guard::init::InitArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A report for a person.
    Text,
    /// A stable, versioned JSON document.
    Json,
    /// GitHub workflow annotations, and a Markdown summary appended to the
    /// file `$GITHUB_STEP_SUMMARY` names.
    Github,
    /// A SARIF 2.1.0 log, for code scanning.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColourChoice {
    Auto,
    Always,
    Never,
}

/// Where the range comes from, in order: positionals, flags, environment.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    Range { base: String, head: String },
    Skip(String),
}

/// The names of the environment variables CI sets.
pub const ENV_BASE: &str = "PR_BASE_SHA";
pub const ENV_HEAD: &str = "PR_HEAD_SHA";

/// Where the range comes from: the command line's BASE and HEAD (positional
/// or flags), else the environment's values. Only a missing, empty or blank
/// end, or one of all zeros, skips, and the reason says which end and why; any
/// other value goes to git, which resolves it or the check is an error.
pub fn range_request(
    base_arg: Option<String>,
    head_arg: Option<String>,
    env_base: Option<String>,
    env_head: Option<String>,
) -> RangeRequest {
    const HOW: &str = "pass BASE HEAD, --base/--head, or set PR_BASE_SHA and PR_HEAD_SHA";
    let given = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    // Why an end is missing: which variable, and whether it is unset or blank.
    let missing = |what: &str, arg: &Option<String>, var: &str, value: &Option<String>| {
        let why = match (arg, value) {
            (Some(_), _) => format!("the {what} given on the command line is empty"),
            (None, None) => format!("{var} is not set"),
            (None, Some(v)) if v.is_empty() => format!("{var} is empty"),
            (None, Some(_)) => format!("{var} holds only white space"),
        };
        RangeRequest::Skip(format!("no {what} given: {why} ({HOW})"))
    };
    // An end given on the command line, even empty, is that end: the
    // environment is read only where the command line leaves one out.
    let base = match &base_arg {
        Some(_) => given(&base_arg),
        None => given(&env_base),
    };
    let Some(base) = base else {
        return missing("BASE", &base_arg, ENV_BASE, &env_base);
    };
    let head = match (given(&base_arg), &head_arg) {
        // A HEAD given empty is no HEAD, as an empty BASE is no BASE.
        (_, Some(_)) => given(&head_arg),
        // A BASE on the command line is local use: HEAD defaults to HEAD.
        (Some(_), None) => Some("HEAD".into()),
        (None, None) => given(&env_head),
    };
    let Some(head) = head else {
        return missing("HEAD", &head_arg, ENV_HEAD, &env_head);
    };
    if is_null_object_name(base.trim()) {
        return RangeRequest::Skip(
            "BASE is the all-zero SHA: there is no base to compare with (a new branch)".into(),
        );
    }
    if is_null_object_name(head.trim()) {
        return RangeRequest::Skip(
            "HEAD is the all-zero SHA: there is no commit to check (a deleted branch)".into(),
        );
    }
    RangeRequest::Range { base, head }
}

/// An environment variable as text: `None` if it is not set, an error if it
/// is set but not valid UTF-8 (it cannot name a commit, and skipping the
/// check would be a silent pass).
pub fn env_text(name: &str, value: Option<std::ffi::OsString>) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(value) => value.into_string().map(Some).map_err(|value| {
            Error::new(format!(
                "{name} is set but is not valid UTF-8 ({:?}): it must name a commit",
                value
            ))
        }),
    }
}

/// Judges `base...head` in `repo` with `rules` given by the caller.
pub fn judge(repo: &Path, base: &str, head: &str, rules: &Rules) -> Result<Report> {
    let git = Git::new(repo)?;
    let range = git.resolve_range(base, head)?;
    let in_force = InForce {
        rules,
        source: None,
    };
    Ok(judge_range(&git, &range, in_force, PairingMode::Always)?.0)
}

/// The check of a resolved range, and the range's name-status list. The
/// guard passes the true merge-base; the fuzzer's self-test passes a range
/// whose "merge-base" is BASE itself, to prove a two-dot range is caught.
/// `mode` is `Always` or, for a fix-it, `WithFixes`.
pub fn judge_range(
    git: &Git,
    range: &ResolvedRange,
    in_force: InForce<'_>,
    mode: PairingMode,
) -> Result<(Report, Vec<NameStatus>)> {
    let rules = in_force.rules;
    let commits = Commits {
        head: &range.head,
        merge_base: &range.merge_base,
        base_tip: &range.base,
    };
    // The contents the decision will likely read, read and lexed while git
    // lists the range and writes its diff (see `Ahead`).
    // Speculative: without a second shell there is simply no read-ahead.
    let ahead = git
        .twin()
        .ok()
        .map(|twin| Ahead::spawn(twin, range, rules.clone(), mode));
    // When every path the diff may need is known before the listing (each
    // watched file an exact path), git starts on the diff at once, beside
    // the listing; the listing then says whether that diff stands (see
    // `ahead_diff_holds`). Speculative: a diff that cannot start is simply
    // started again once the listing is known.
    let diff_ahead = rules.diff_paths_ahead().and_then(|paths| {
        let mut stream = git
            .patch_stream(&range.merge_base, &range.head, &paths)
            .ok()??;
        let lines = stream.records(b'\n');
        Some((paths, stream, lines))
    });
    let listing = git.raw_listing_ahead(&range.merge_base, &range.head)?;
    // The diff asked ahead shows a file only if the range changes a path it
    // asked for: then its first line is awaited (git lists the range
    // meanwhile) and it is checked as it comes, without waiting for the
    // listing either. An empty one (or one that cannot be read) is dropped.
    let ahead_diff = diff_ahead.and_then(|(asked, stream, mut lines)| {
        let first = lines.next_record().ok()??.to_vec();
        Some((asked, stream, lines, first))
    });
    // The watched files lexed, waited for only by a range that changes one.
    let mut early_wanted = ahead_diff.is_some();
    let receive_early = |wanted: bool| match ahead.as_ref().filter(|_| wanted) {
        Some(ahead) => ahead.early.recv().ok(),
        None => None,
    };
    let (mut early_head, early_lexed) = match receive_early(early_wanted) {
        Some(early) => (Some(early.head), early.lexed),
        None => (None, parity_core::Groundwork::default()),
    };
    let early_lexed = RefCell::new(early_lexed);
    // The watched files' sizes at HEAD bound their added lines.
    let sizes_of = |head: Option<&Sources>| -> Vec<(PathBytes, usize)> {
        head.iter()
            .flat_map(|head| head.iter().map(|(path, bytes)| (path, bytes.len())))
            .collect()
    };
    let mut checker = streamed_checker(rules, early_head.as_ref(), &early_lexed);
    let keep = Keep::for_rules(rules);
    let checked_ahead = match ahead_diff {
        Some((asked, stream, lines, first)) => {
            let diff = Diff {
                stream: Some(stream),
                lines: Some(lines),
                first: Some(first),
            };
            // Speculative: a diff asked ahead that fails is simply not taken.
            let sizes = sizes_of(early_head.as_ref());
            let patch = read_patch(diff, checker.as_mut(), &sizes, keep).ok();
            Some((asked, patch))
        }
        None => None,
    };
    let listing = listing.wait()?;
    let listing =
        parse_raw(&listing).map_err(|e| Error::new(format!("cannot read git's file list: {e}")))?;
    let statuses: Vec<NameStatus> = listing.iter().map(|raw| raw.entry.clone()).collect();
    // A range that touches no watched file reads none: it does not wait for
    // them (the thread ends on its own, unheard).
    let touched = statuses.iter().any(|entry| {
        std::iter::once(&entry.path)
            .chain(&entry.from)
            .any(|path| rules.watched_file_in_any(path.as_bytes()).is_some())
    });
    // Each added revision is read (whether it counts depends on what it
    // holds), and the read-ahead cannot know them: the reader they are read
    // through starts up while the patch streams.
    let mut session = LazySession::new(git);
    if statuses.iter().any(|entry| rules.revisions.counts(entry)) {
        session.start();
    }
    let wanted = rules.diff_paths(&statuses);
    let taken =
        checked_ahead.map(|(asked, patch)| diff_from_ahead(&asked, patch, &wanted, &statuses));
    let mut files = match taken {
        Some(Some(files)) => files,
        // The diff asked ahead does not stand: the diff of the wanted paths
        // is read, and the decision runs the line rules itself.
        Some(None) => {
            checker = None;
            read_patch(
                Diff::of(git, range, &wanted)?,
                None,
                &sizes_of(early_head.as_ref()),
                Keep::All,
            )?
            .files
        }
        // git is on the diff (read ahead into memory as it writes), then
        // the watched files lexed arrive: with them the line rules run on
        // the patch as it comes.
        None => {
            let diff = Diff::of(git, range, &wanted)?;
            if touched && !early_wanted {
                early_wanted = true;
                if let Some(early) = receive_early(true) {
                    *early_lexed.borrow_mut() = early.lexed;
                    early_head = Some(early.head);
                }
                checker = streamed_checker(rules, early_head.as_ref(), &early_lexed);
            }
            let sizes = sizes_of(early_head.as_ref());
            read_patch(diff, checker.as_mut(), &sizes, keep)?.files
        }
    };
    // A read-ahead that failed is no read-ahead: the decision reads and
    // works out everything itself. (A panic there aborts a release build,
    // which does not unwind; it would recur in the decision's own work.)
    let mut ahead = match ahead.filter(|_| early_wanted) {
        Some(ahead) => ahead.done.join().unwrap_or_default(),
        None => Ahead::default(),
    };
    let mut link_notes = match ahead.links.take() {
        Some(resolved) => {
            symlinks::follow_resolved(git, range, rules, &listing, &mut files, resolved)?
        }
        None => symlinks::follow(git, range, rules, &listing, &mut files)?,
    };
    let mut change = Change { files, statuses };
    // The streamed check stands for the decision's own only if it judged
    // the same files (no symlink was followed) from the same bytes (every
    // file it read was read ahead, and the decision takes those).
    let asked = parity_core::groundwork::wanted(rules, mode).head;
    let checked = checker
        .filter(|_| link_notes.is_empty())
        .filter(|_| {
            change
                .sources_wanted(rules)
                .iter()
                .all(|p| asked.contains(p))
        })
        .map(|checker| checker.finish_keeping_lexed(&change.statuses));
    // Without it the decision judges the lines itself: those only counted
    // as they streamed are read again, whole (a range whose watched path is
    // a symlink, say).
    if checked.is_none() && change.files.iter().any(|file| !file.added.is_kept()) {
        let diff = Diff::of(git, range, &wanted)?;
        let mut files = read_patch(diff, None, &sizes_of(early_head.as_ref()), Keep::All)?.files;
        link_notes = symlinks::follow(git, range, rules, &listing, &mut files)?;
        change.files = files;
    }
    let (mut report, _) = fetch_and_decide(
        &change,
        in_force,
        mode,
        commits,
        &mut session,
        &mut Memo::default(),
        HeadStart { ahead, checked },
    )?;
    session.finish()?;
    report.notes.extend(link_notes);
    report.range = Some(RangeInfo {
        base: range.base.clone(),
        head: range.head.clone(),
        merge_base: range.merge_base.clone(),
    });
    // A range in which the rules saw nothing: do they see anything at all?
    if report.entries.is_empty() && report.evidence.is_empty() {
        let files = git.files_under(&range.head, "")?;
        report.warnings = rules.unmatched_in(&files);
    }
    Ok((report, change.statuses))
}

/// The line rules run on the patch as it streams, from the watched files
/// read and lexed ahead; none without them.
fn streamed_checker<'r>(
    rules: &'r Rules,
    head: Option<&'r Sources>,
    lexed: &'r RefCell<parity_core::Groundwork>,
) -> Option<Checker<'r>> {
    head.map(|head| Checker::with_sources(rules, head).with_groundwork(lexed))
}

/// The range's diff from the diff asked ahead, if that stands: it was read
/// whole, git paired no two paths in it, and the listing says it holds
/// (`ahead_diff_holds`). Its files at the wanted paths (sorted) are the
/// range's diff; the rest are watched files the range deleted.
fn diff_from_ahead(
    asked: &[PathBytes],
    patch: Option<Patch>,
    wanted: &[PathBytes],
    statuses: &[NameStatus],
) -> Option<Vec<FilePatch>> {
    let patch = patch.filter(|patch| !patch.paired)?;
    if !parity_core::rules::ahead_diff_holds(asked, wanted, statuses) {
        return None;
    }
    let mut files = patch.files;
    files.retain(|file| wanted.binary_search(file.path()).is_ok());
    Some(files)
}

/// A patch as git streams it (no stream when there is nothing to diff).
struct Diff<'g> {
    stream: Option<GitStream<'g>>,
    lines: Option<Records<ReadAhead>>,
    /// Its first line, if it was read before the rest.
    first: Option<Vec<u8>>,
}

impl<'g> Diff<'g> {
    /// The diff of exactly `paths`.
    fn of(git: &'g Git, range: &ResolvedRange, paths: &[PathBytes]) -> Result<Diff<'g>> {
        let mut stream = git.patch_stream(&range.merge_base, &range.head, paths)?;
        let lines = stream.as_mut().map(|stream| stream.records(b'\n'));
        Ok(Diff {
            stream,
            lines,
            first: None,
        })
    }
}

/// The files of a streamed patch, and whether git paired two different
/// paths in it (a rename or a copy).
struct Patch {
    files: Vec<FilePatch>,
    paired: bool,
}

/// The files of a patch streamed from git, each line also judged by
/// `checker` if the line rules run as it comes. Lines the checker judges
/// are only counted, not kept, unless `keep` says something reads them after.
fn read_patch(
    diff: Diff<'_>,
    checker: Option<&mut Checker<'_>>,
    sizes: &[(PathBytes, usize)],
    keep: Keep,
) -> Result<Patch> {
    let diff_error = |e: &dyn std::fmt::Display| Error::new(format!("cannot read git's diff: {e}"));
    let mut files = match (&checker, keep) {
        (Some(_), Keep::Unjudged) => FileCollector::counting(),
        _ => FileCollector::sized(sizes.iter().cloned()),
    };
    let mut both = Both {
        files: &mut files,
        checker,
        paired: false,
    };
    let mut parser = PatchParser::new();
    if let Some(first) = &diff.first {
        parser.line(first, &mut both).map_err(|e| diff_error(&e))?;
    }
    if let Some(mut lines) = diff.lines {
        while let Some(line) = lines.next_record().map_err(|e| diff_error(&e))? {
            parser.line(line, &mut both).map_err(|e| diff_error(&e))?;
        }
    }
    // The records are done with before git is waited for.
    if let Some(stream) = diff.stream {
        stream.finish()?;
    }
    parser.finish(&mut both).map_err(|e| diff_error(&e))?;
    let paired = both.paired;
    Ok(Patch {
        files: files.into_files(),
        paired,
    })
}

/// Which added lines a streamed patch keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keep {
    /// Every line.
    All,
    /// None, when a checker streams them: every file of the diff is one the
    /// line rules judge (the diff holds only watched and entry files), and
    /// nothing reads its lines again. No further pair of tracks re-checks
    /// the change, and each file read as Python is one the read-ahead
    /// reads, so the streamed check stands (where it does not, a range
    /// through a symlink, the diff is read again whole).
    Unjudged,
}

impl Keep {
    fn for_rules(rules: &Rules) -> Keep {
        let read_ahead = rules
            .watched
            .iter()
            .filter(|watched| watched.classifier != Classifier::Plain)
            .all(|watched| matches!(watched.path, PathPattern::Exact(_)));
        match rules.pairings.is_empty() && read_ahead {
            true => Keep::Unjudged,
            false => Keep::All,
        }
    }
}

/// The read-ahead thread: the files lexed, as soon as they are, then all.
pub struct AheadThread {
    pub early: std::sync::mpsc::Receiver<Early>,
    pub done: std::thread::JoinHandle<Ahead>,
}

/// The watched files read ahead at HEAD (their bytes shared with `Ahead`'s)
/// and their lexing (shared too: the copy copies no tokens), for the line
/// rules while the patch streams.
pub struct Early {
    pub head: Sources,
    pub lexed: parity_core::Groundwork,
}

/// The two visitors of a streamed patch: the files kept for the decision,
/// and the line rules' checker, if it runs as the patch comes.
struct Both<'a, 'r> {
    files: &'a mut FileCollector,
    checker: Option<&'a mut Checker<'r>>,
    /// git paired two different paths in a file's header.
    paired: bool,
}

impl PatchVisitor for Both<'_, '_> {
    fn file(&mut self, header: &FileHeader) {
        self.paired |= matches!(
            (&header.old_path, &header.new_path),
            (Some(old), Some(new)) if old != new
        );
        self.files.file(header);
        if let Some(checker) = self.checker.as_mut() {
            checker.file(header);
        }
    }

    fn added(&mut self, number: u32, text: &[u8]) {
        self.files.added(number, text);
        if let Some(checker) = self.checker.as_mut() {
            checker.added(number, text);
        }
    }
}

/// What one check reads and works out before its change is known: the
/// contents `parity_core::groundwork::wanted` names, at HEAD and at the
/// merge-base, and the groundwork laid from them. It is read on a thread of
/// its own while git lists the range and writes the diff; the decision then
/// takes from it what `needs` asks for and fetches only the rest.
/// Speculative: if reading it fails, it is empty, and the decision fetches
/// (and reports the failure of) what it needs itself.
#[derive(Debug, Default)]
pub struct Ahead {
    head: Option<ReadAt>,
    merge_base: Option<ReadAt>,
    groundwork: parity_core::Groundwork,
    /// Where the watched paths lead at both ends (`symlinks::resolve`).
    links: Option<[Vec<Resolved>; 2]>,
}

/// What was read ahead at one commit: the paths asked, and git's answers.
#[derive(Debug)]
struct ReadAt {
    commit: String,
    asked: Vec<PathBytes>,
    sources: Sources,
}

impl ReadAt {
    /// Takes into `contents` what `read` (if it was made at `commit`) holds
    /// of the paths `wanted` names; hands back those it did not ask, to be
    /// fetched.
    fn supply(
        read: Option<&ReadAt>,
        commit: &str,
        wanted: &[PathBytes],
        contents: &mut Sources,
    ) -> Vec<PathBytes> {
        let Some(read) = read.filter(|read| read.commit == commit) else {
            return wanted.to_vec();
        };
        let mut rest = Vec::new();
        for path in wanted {
            match read.asked.contains(path) {
                true => contents.copy_entry(&read.sources, path.as_bytes()),
                false => rest.push(path.clone()),
            }
        }
        rest
    }
}

impl Ahead {
    /// Reads ahead on a thread of its own, which owns what it reads from.
    pub fn spawn(git: Git, range: &ResolvedRange, rules: Rules, mode: PairingMode) -> AheadThread {
        let range = range.clone();
        let (send, early) = std::sync::mpsc::sync_channel(1);
        let done = std::thread::spawn(move || {
            Ahead::read(&git, &range, &rules, mode, |early| {
                let _ = send.send(early);
            })
        });
        AheadThread { early, done }
    }

    /// Reads ahead; hands `early` the files lexed as soon as they are,
    /// before the models are built.
    pub fn read(
        git: &Git,
        range: &ResolvedRange,
        rules: &Rules,
        mode: PairingMode,
        early: impl FnOnce(Early),
    ) -> Ahead {
        let asked = parity_core::groundwork::wanted(rules, mode);
        let read = git.contents_in(&[
            (&range.head, &asked.head),
            (&range.merge_base, &asked.merge_base),
        ]);
        let Ok(Ok([head, merge_base])) = read.map(<[Sources; 2]>::try_from) else {
            return Ahead::default();
        };
        let mut groundwork = parity_core::Groundwork::lex_ahead(rules, &head);
        early(Early {
            head: head.clone(),
            lexed: groundwork.lexed_copy(),
        });
        let links = symlinks::resolve(git, range, rules).ok();
        groundwork.model_ahead(rules, mode, &merge_base);
        let at = |commit: &str, asked, sources| ReadAt {
            commit: commit.to_string(),
            asked,
            sources,
        };
        Ahead {
            head: Some(at(&range.head, asked.head, head)),
            merge_base: Some(at(&range.merge_base, asked.merge_base, merge_base)),
            groundwork,
            links,
        }
    }
}

/// The commits a decision reads from.
#[derive(Clone, Copy, Debug)]
pub struct Commits<'a> {
    pub head: &'a str,
    pub merge_base: &'a str,
    /// BASE itself: what the merge will contain besides HEAD.
    pub base_tip: &'a str,
}

/// What a single check did before its change was known: the read-ahead,
/// and the line rules' check if it was made as the patch streamed in (see
/// `parity_core::decide_grounded`). An audit has none.
#[derive(Default)]
pub struct HeadStart<'a> {
    pub ahead: Ahead,
    pub checked: Option<Checked<'a>>,
}

/// Reads what the core's decision needs (`parity_core::needs`) through
/// `reader` and decides, keeping in `memo` what the next decision of the same
/// run can reuse; also hands back what was read. `parity` and `scan` both
/// decide through here. It takes what `start` read, laid
/// and checked already (a single check's; an audit's is empty).
pub fn fetch_and_decide(
    change: &Change,
    in_force: InForce<'_>,
    mode: PairingMode,
    commits: Commits<'_>,
    reader: &mut impl ReadContents,
    memo: &mut Memo,
    start: HeadStart<'_>,
) -> Result<(Report, Needs)> {
    let HeadStart { ahead, checked } = start;
    let needs = needs(change, in_force.rules, mode);
    let (mut head, mut merge_base) = (Sources::new(), Sources::new());
    let head_rest = ReadAt::supply(ahead.head.as_ref(), commits.head, &needs.head, &mut head);
    let base_rest = ReadAt::supply(
        ahead.merge_base.as_ref(),
        commits.merge_base,
        &needs.merge_base,
        &mut merge_base,
    );
    let [head_read, base_read]: [Sources; 2] = reader
        .contents_in(&[(commits.head, &head_rest), (commits.merge_base, &base_rest)])?
        .try_into()
        .map_err(|_| Error::new("git cat-file answered for the wrong number of commits"))?;
    head.merge(head_read);
    merge_base.merge(base_read);
    let base_tip = match &needs.base_tip_dir {
        Some(dir) => reader.files_in_dir(commits.base_tip, dir)?,
        None => Sources::new(),
    };
    let mut head_files = Vec::new();
    for dir in &needs.head_listing {
        head_files.extend(reader.files_under(commits.head, dir)?);
    }
    let contents = Contents {
        head,
        merge_base,
        base_tip,
        head_files,
    };
    let report = decide_grounded(
        change,
        in_force,
        mode,
        &contents,
        ahead.groundwork,
        checked,
        memo,
    );
    Ok((report, needs))
}

/// The rules the guard applies, and where they come from.
pub struct RulesInForce {
    pub config: Config,
    pub rules: Rules,
    /// `None` for the defaults; else the file, for a person.
    pub source: Option<String>,
}

impl RulesInForce {
    /// The rules and their source, as the core's decision takes them.
    pub fn core(&self) -> InForce<'_> {
        InForce {
            rules: &self.rules,
            source: self.source.as_deref(),
        }
    }

    pub fn defaults() -> RulesInForce {
        RulesInForce {
            config: Config::spec_layout(),
            rules: Rules::default(),
            source: None,
        }
    }

    /// How a report names the `parity.toml` read at `commit`, on `side`.
    pub fn source_at(commit: &str, side: &str) -> String {
        format!("{CONFIG_FILE} at {side} {}", short(commit))
    }

    /// Parses a configuration; errors name `source` (the file).
    pub fn parse(text: &[u8], source: String) -> Result<RulesInForce> {
        let text = std::str::from_utf8(text)
            .map_err(|e| Error::new(format!("{source} is not UTF-8 text: {e}")))?;
        let config = config::parse(text).map_err(|e| Error::new(format!("{source}: {e}")))?;
        let rules = config
            .rules()
            .map_err(|e| Error::new(format!("{source}: {e}")))?;
        Ok(RulesInForce {
            config,
            rules,
            source: Some(source),
        })
    }

    /// The rules of a file given with `--config`.
    pub fn from_file(path: &Path) -> Result<RulesInForce> {
        let text = std::fs::read(path).map_err(|e| {
            Error::new(format!(
                "cannot read the configuration {}: {e}",
                path.display()
            ))
        })?;
        RulesInForce::parse(&text, path.display().to_string())
    }

    /// The rules of `parity.toml` at `commit`, or the defaults without one.
    /// Read from the base side, so that a pull request cannot weaken its own check.
    pub fn at_commit(git: &Git, commit: &str, side: &str) -> Result<RulesInForce> {
        let files = git.contents_at(commit, &[PathBytes::from(CONFIG_FILE)])?;
        match files.get(CONFIG_FILE.as_bytes()) {
            None => Ok(RulesInForce::defaults()),
            Some(text) => RulesInForce::parse(text, RulesInForce::source_at(commit, side)),
        }
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// The guard as CI runs it: the range resolved; the rules from `--config`,
/// else the merge-base's `parity.toml`, else the defaults; the check; and a
/// note when the range changes `parity.toml` or when the rules are not the
/// defaults.
/// `strict` (the `--strict` flag) adds to the configuration's own; `mode` is
/// `judge_range`'s.
pub fn judge_in_force(
    repo: &Path,
    base: &str,
    head: &str,
    config: Option<&Path>,
    strict: bool,
    mode: PairingMode,
) -> Result<(Report, Rules)> {
    let git = Git::new(repo)?;
    let range = git.resolve_range(base, head)?;
    let mut in_force = match config {
        Some(path) => RulesInForce::from_file(path)?,
        None => RulesInForce::at_commit(&git, &range.merge_base, "the merge-base")?,
    };
    in_force.rules.strict |= strict;
    let (report, _) = judge_range(&git, &range, in_force.core(), mode)?;
    Ok((report, in_force.rules))
}

/// The report for a range request as CI makes it: skipped with its reason,
/// or judged by `judge_in_force`. A `--config` file is read even for a skip,
/// so that a bad one is always an error.
pub fn report_in_force(
    repo: &Path,
    request: &RangeRequest,
    config: Option<&Path>,
    strict: bool,
    mode: PairingMode,
) -> Result<(Report, Rules)> {
    match request {
        RangeRequest::Skip(_) => {
            let mut in_force = match config {
                Some(path) => RulesInForce::from_file(path)?,
                None => RulesInForce::defaults(),
            };
            in_force.rules.strict |= strict;
            let report = report_for(repo, request, &in_force.rules)?;
            Ok((report, in_force.rules))
        }
        RangeRequest::Range { base, head } => {
            judge_in_force(repo, base, head, config, strict, mode)
        }
    }
}

/// The report for a range request with given rules: judged, or skipped with its reason.
pub fn report_for(repo: &Path, request: &RangeRequest, rules: &Rules) -> Result<Report> {
    match request {
        RangeRequest::Skip(why) => Ok(Report::skipped(why.clone(), rules.revisions.dir.clone())),
        RangeRequest::Range { base, head } => judge(repo, base, head, rules),
    }
}

/// Writes what goes to standard output to `out`; JSON is written as it
/// serializes, never held whole.
pub fn write_report(
    report: &Report,
    format: Format,
    colour: Colour,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => write_report_json(report, out),
        Format::Sarif => sarif::write_sarif(report, out),
        Format::Text | Format::Github => out.write_all(render(report, format, colour).as_bytes()),
    }
}

/// What goes to standard output.
pub fn render(report: &Report, format: Format, colour: Colour) -> String {
    match format {
        Format::Text => render_text(report, colour),
        Format::Json => render_json(report),
        Format::Github => github::render_commands(report),
        Format::Sarif => sarif::render_sarif(report),
    }
}

/// Colour for `--color`: `auto` colours a terminal unless `NO_COLOR` is set
/// to something; `always` and `never` are what they say.
pub fn colour_for(choice: ColourChoice, no_color: bool, terminal: bool) -> Colour {
    match choice {
        ColourChoice::Always => Colour::Always,
        ColourChoice::Never => Colour::Never,
        ColourChoice::Auto if !no_color && terminal => Colour::Always,
        ColourChoice::Auto => Colour::Never,
    }
}

/// Whether to colour: `auto` means a terminal on stdout and no `NO_COLOR`.
pub fn colour(choice: ColourChoice) -> Colour {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    colour_for(choice, no_color, std::io::stdout().is_terminal())
}

/// Appends the Markdown summary to the file `$GITHUB_STEP_SUMMARY` names.
fn write_step_summary(report: &Report) -> Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    let path = PathBuf::from(path);
    let cannot = |e: std::io::Error| {
        Error::new(format!(
            "cannot append the summary to {} ($GITHUB_STEP_SUMMARY): {e}",
            path.display()
        ))
    };
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(&path)
        .map_err(cannot)?;
    std::io::Write::write_all(&mut file, github::render_summary(report).as_bytes()).map_err(cannot)
}

/// `--print-config`: the rules the same arguments would check with.
fn print_config(args: &ParityArgs, request: &RangeRequest) -> Result<i32> {
    let (in_force, origin) = match (&args.config, request) {
        (Some(path), _) => (RulesInForce::from_file(path)?, "--config".to_string()),
        (None, RangeRequest::Range { base, head }) => {
            let git = Git::new(&args.repo)?;
            let range = git.resolve_range(base, head)?;
            let in_force = RulesInForce::at_commit(&git, &range.merge_base, "the merge-base")?;
            (
                in_force,
                format!("the merge-base {}", short(&range.merge_base)),
            )
        }
        // No range: what the checked-out commit would give a range based on it.
        (None, RangeRequest::Skip(_)) => {
            let git = Git::new(&args.repo)?;
            let head = git.resolve_commits(&["HEAD"])?.remove(0).map_err(|_| {
                Error::new(format!(
                    "{} has no commit to read {CONFIG_FILE} from",
                    git.root().display()
                ))
            })?;
            let in_force = RulesInForce::at_commit(&git, &head, "HEAD")?;
            (in_force, format!("HEAD {}", short(&head)))
        }
    };
    let source = match &in_force.source {
        // One comment line, whatever bytes the path holds.
        Some(source) => format!(
            "# The rules in force: {}.\n",
            parity_core::report::escape_controls(&source.to_string())
        ),
        None => format!("# The rules in force: the defaults (no {CONFIG_FILE} at {origin}).\n"),
    };
    crate::guard::output::stdout(&format!("{source}{}", in_force.config.to_toml()))?;
    Ok(0)
}

fn env(name: &str) -> Result<Option<String>> {
    env_text(name, std::env::var_os(name))
}

/// Runs the command; the exit code is the verdict's.
pub fn run(args: ParityArgs) -> Result<i32> {
    if let Some(ParityCommand::Init(init)) = args.command {
        return crate::guard::init::run(init);
    }
    let base = args.base_positional.clone().or(args.base.clone());
    let head = args.head_positional.clone().or(args.head.clone());
    // The environment is read only where the command line leaves an end to it.
    let env_base = match base {
        None => env(ENV_BASE)?,
        Some(_) => None,
    };
    let env_head = match (&base, &head) {
        (None, None) => env(ENV_HEAD)?,
        _ => None,
    };
    if args.suggest && args.write_revision {
        return Err(Error::new(
            "--suggest and --write-revision cannot be used together: \
             --suggest prints the revision, --write-revision writes it",
        ));
    }
    let request = range_request(base, head, env_base, env_head);
    if args.print_config {
        return print_config(&args, &request);
    }
    let fix_it = args.suggest || args.write_revision;
    let mode = match fix_it {
        true => PairingMode::WithFixes,
        false => PairingMode::Always,
    };
    let (report, rules) = report_in_force(
        &args.repo,
        &request,
        args.config.as_deref(),
        args.strict,
        mode,
    )?;
    if fix_it {
        crate::guard::suggest::run(&args.repo, &report, &rules, args.write_revision)?;
        return Ok(report.verdict().exit_code());
    }
    if args.format == Format::Github {
        write_step_summary(&report)?;
    }
    // A reader that has gone (`| head`) changes nothing: the exit code is the verdict's.
    let colour = colour(args.color);
    crate::guard::output::stdout_with(|out| write_report(&report, args.format, colour, out))?;
    Ok(report.verdict().exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    /// A patch held in memory, streamed as git's would be, its first line
    /// read before the rest.
    fn diff_of(patch: &str) -> Diff<'static> {
        let (first, rest) = patch.split_at(patch.find('\n').map_or(0, |at| at + 1));
        let reader = ReadAhead::new(std::io::Cursor::new(rest.as_bytes().to_vec()));
        Diff {
            stream: None,
            lines: Some(Records::new(reader, b'\n')),
            first: Some(first.as_bytes().to_vec()),
        }
    }

    #[test]
    fn a_streamed_patch_keeps_every_file_and_says_when_git_paired_two_paths() {
        let patch = "diff --git a/db/m.py b/db/m.py\nindex 1..2 100644\n--- a/db/m.py\n+++ b/db/m.py\n@@ -1 +1,2 @@\n x\n+CREATE TABLE t (id INTEGER)\ndiff --git a/db/s.py b/db/s.py\ndeleted file mode 100644\nindex 3..0\n--- a/db/s.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-y\n";
        let read = read_patch(diff_of(patch), None, &[], Keep::All).unwrap();
        assert!(!read.paired);
        let whole = parity_core::parse_patch(patch.as_bytes()).unwrap();
        assert_eq!(read.files, whole);
        assert_eq!(read.files.len(), 2);
        let renamed = "diff --git a/db/s.py b/db/m.py\nsimilarity index 90%\nrename from db/s.py\nrename to db/m.py\n--- a/db/s.py\n+++ b/db/m.py\n@@ -1 +1,2 @@\n x\n+CREATE TABLE t (id INTEGER)\n";
        let read = read_patch(diff_of(renamed), None, &[], Keep::All).unwrap();
        assert!(read.paired);
        assert_eq!(read.files[0].added.len(), 1);
    }

    #[test]
    fn the_diff_asked_ahead_is_taken_only_whole_unpaired_and_held() {
        use parity_core::name_status::Status;
        let patch = "diff --git a/src/backend/db/migrations.py b/src/backend/db/migrations.py\nindex 1..2 100644\n--- a/src/backend/db/migrations.py\n+++ b/src/backend/db/migrations.py\n@@ -1 +1,2 @@\n x\n+y\ndiff --git a/src/backend/db/schema.py b/src/backend/db/schema.py\ndeleted file mode 100644\nindex 3..0\n--- a/src/backend/db/schema.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-y\n";
        let rules = Rules::default();
        let asked = rules.diff_paths_ahead().unwrap();
        let entry = |status, path: &str, from: Option<&str>| NameStatus {
            status,
            path: path.into(),
            from: from.map(PathBytes::from),
        };
        let statuses = [
            entry(Status::Modified, parity_core::rules::MIGRATIONS, None),
            entry(Status::Deleted, parity_core::rules::SCHEMA, None),
        ];
        let wanted = rules.diff_paths(&statuses);
        let read = || read_patch(diff_of(patch), None, &[], Keep::All).ok();
        let taken = diff_from_ahead(&asked, read(), &wanted, &statuses).expect("it stands");
        assert_eq!(taken.len(), 1, "the deleted schema is not the range's diff");
        assert_eq!(
            taken[0].path().as_bytes(),
            parity_core::rules::MIGRATIONS.as_bytes()
        );
        // Not read whole (git failed), or paired by git: not taken.
        assert_eq!(diff_from_ahead(&asked, None, &wanted, &statuses), None);
        let mut paired = read().unwrap();
        paired.paired = true;
        assert_eq!(
            diff_from_ahead(&asked, Some(paired), &wanted, &statuses),
            None
        );
        // The listing says the entry file came from elsewhere: not taken.
        let moved = [entry(
            Status::Renamed,
            parity_core::rules::MIGRATIONS,
            Some("db/old.py"),
        )];
        let wanted = rules.diff_paths(&moved);
        assert_eq!(diff_from_ahead(&asked, read(), &wanted, &moved), None);
    }

    fn range(base: &str, head: &str) -> RangeRequest {
        RangeRequest::Range {
            base: base.into(),
            head: head.into(),
        }
    }

    #[test]
    fn command_line_beats_environment() {
        assert_eq!(
            range_request(s("a"), s("b"), s("x"), s("y")),
            range("a", "b")
        );
        assert_eq!(range_request(None, None, s("x"), s("y")), range("x", "y"));
        assert_eq!(range_request(None, s("b"), s("x"), s("y")), range("x", "b"));
    }

    #[test]
    fn a_base_on_the_command_line_defaults_head_to_head() {
        assert_eq!(
            range_request(s("origin/dev"), None, None, s("y")),
            range("origin/dev", "HEAD")
        );
    }

    #[test]
    fn auto_colour_needs_a_terminal_and_no_no_color() {
        use ColourChoice::*;
        let cases = [
            (Auto, false, true, Colour::Always),
            (Auto, true, true, Colour::Never),
            (Auto, false, false, Colour::Never),
            (Always, true, false, Colour::Always),
            (Never, false, true, Colour::Never),
        ];
        for (choice, no_color, terminal, expected) in cases {
            assert_eq!(
                colour_for(choice, no_color, terminal),
                expected,
                "{choice:?} NO_COLOR={no_color} terminal={terminal}"
            );
        }
    }

    #[test]
    fn missing_or_null_ends_skip() {
        assert!(matches!(
            range_request(None, None, None, None),
            RangeRequest::Skip(_)
        ));
        assert!(matches!(
            range_request(None, None, s("x"), None),
            RangeRequest::Skip(_)
        ));
        assert!(matches!(
            range_request(None, None, s(""), s("y")),
            RangeRequest::Skip(_)
        ));
        assert!(matches!(
            range_request(None, None, Some("0".repeat(40)), s("y")),
            RangeRequest::Skip(_)
        ));
        // An end given empty on the command line is empty, whatever the
        // environment holds.
        for (base, head) in [(s(""), None), (s("main"), s("")), (s(" "), s("HEAD"))] {
            let request = range_request(base.clone(), head.clone(), s("x"), s("y"));
            match request {
                RangeRequest::Skip(why) => {
                    assert!(why.contains("given on the command line is empty"), "{why}")
                }
                other => panic!("{base:?} {head:?}: {other:?}"),
            }
        }
        assert!(matches!(
            range_request(s("main"), None, None, s("y")),
            RangeRequest::Range { head, .. } if head == "HEAD"
        ));
    }
}
