//! `cargo xtask parity`: the guard on one range.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use parity_core::check::{apply_pairing, Sources};
use parity_core::report::{render_json, render_text, Colour, RangeInfo};
use parity_core::schema::pair::{pair, PairingSources};
use parity_core::{
    check_with_sources, parse_name_status, parse_patch, Change, PathBytes, Reason, Report, Rules,
};

use crate::error::{Error, Result};
use crate::git::{is_null_object_name, Git};

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A report for a person.
    Text,
    /// A stable, versioned JSON document.
    Json,
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

pub fn range_request(
    base_arg: Option<String>,
    head_arg: Option<String>,
    env_base: Option<String>,
    env_head: Option<String>,
) -> RangeRequest {
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let (base, head) = match given(base_arg) {
        // A BASE on the command line is local use: HEAD defaults to HEAD.
        Some(base) => (
            Some(base),
            Some(given(head_arg).unwrap_or_else(|| "HEAD".into())),
        ),
        None => (given(env_base), given(head_arg).or(given(env_head))),
    };
    match (base, head) {
        (None, _) => RangeRequest::Skip(
            "no BASE given (pass BASE HEAD, --base/--head, or set PR_BASE_SHA and PR_HEAD_SHA)"
                .into(),
        ),
        (Some(_), None) => RangeRequest::Skip(
            "no HEAD given (pass BASE HEAD, --base/--head, or set PR_HEAD_SHA)".into(),
        ),
        (Some(base), Some(_)) if is_null_object_name(&base) => RangeRequest::Skip(
            "BASE is the all-zero SHA: there is no base to compare with (a new branch)".into(),
        ),
        (Some(base), Some(head)) => RangeRequest::Range { base, head },
    }
}

/// Judges `base...head` in `repo` with `rules`: the code path of CI.
pub fn judge(repo: &Path, base: &str, head: &str, rules: &Rules) -> Result<Report> {
    let git = Git::new(repo)?;
    let range = git.resolve_range(base, head)?;
    let statuses = git.name_status(&range.merge_base, &range.head)?;
    let patch = git.patch(&range.merge_base, &range.head, &rules.diff_paths())?;
    let change = Change {
        files: parse_patch(&patch)
            .map_err(|e| Error::new(format!("cannot read git's diff: {e}")))?,
        statuses: parse_name_status(&statuses)
            .map_err(|e| Error::new(format!("cannot read git's file list: {e}")))?,
    };
    let mut report = decide(
        &change,
        rules,
        &range.head,
        &range.merge_base,
        PairingMode::Always,
        |requests| git.contents_in(requests),
    )?;
    report.range = Some(RangeInfo {
        base: range.base,
        head: range.head,
        merge_base: range.merge_base,
    });
    Ok(report)
}

/// When `decide` pairs the tracks object by object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairingMode {
    /// Always, so the report lists every object's coverage (`parity`).
    Always,
    /// Only when it can change the verdict, that is under `Rules::strict`
    /// (`scan`, which audits verdicts: pairing reads and lexes every watched
    /// file twice and would dominate a history's cost).
    WhenDecisive,
}

/// The decision on a range's change once git has listed it: the files it
/// wants read at `head` and `merge_base` (by `read`, one `Sources` per
/// `(commit, paths)` request), the check, and object-level pairing. `judge`
/// and `scan` both decide through here.
pub fn decide(
    change: &Change,
    rules: &Rules,
    head: &str,
    merge_base: &str,
    mode: PairingMode,
    read: impl FnOnce(&[(&str, &[PathBytes])]) -> Result<Vec<Sources>>,
) -> Result<Report> {
    // Only watched files that gained lines are read (at HEAD, and at the
    // merge-base for object-level pairing) with the added revisions, all by
    // one process.
    let watched = change.sources_wanted(rules);
    let pairing = mode == PairingMode::Always || rules.strict;
    let revisions: Vec<PathBytes> = match pairing {
        true => change
            .statuses
            .iter()
            .filter(|entry| rules.revisions.counts(entry))
            .map(|entry| entry.path.clone())
            .collect(),
        false => Vec::new(),
    };
    let base_watched: &[PathBytes] = if pairing { &watched } else { &[] };
    let [head_sources, base_sources, revision_sources]: [Sources; 3] = read(&[
        (head, &watched),
        (merge_base, base_watched),
        (head, &revisions),
    ])?
    .try_into()
    .map_err(|_| Error::new("git cat-file answered for the wrong number of commits"))?;
    let mut report = check_with_sources(change, rules, &head_sources);
    if pairing && matches!(report.reason, Reason::BothTracks | Reason::MissingRevision) {
        let pairing = pair(
            rules,
            &report,
            PairingSources {
                base: &base_sources,
                head: &head_sources,
                revisions: &revision_sources,
            },
        );
        apply_pairing(&mut report, pairing, rules.strict);
    }
    Ok(report)
}

/// The report for a range request: judged, or skipped with its reason.
pub fn report_for(repo: &Path, request: &RangeRequest, rules: &Rules) -> Result<Report> {
    match request {
        RangeRequest::Skip(why) => Ok(Report::skipped(why.clone(), rules.revisions.dir.clone())),
        RangeRequest::Range { base, head } => judge(repo, base, head, rules),
    }
}

pub fn render(report: &Report, format: Format, colour: Colour) -> String {
    match format {
        Format::Text => render_text(report, colour),
        Format::Json => render_json(report),
    }
}

/// Whether to colour: `auto` means a terminal on stdout and no `NO_COLOR`.
pub fn colour(choice: ColourChoice) -> Colour {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        ColourChoice::Always => Colour::Always,
        ColourChoice::Never => Colour::Never,
        ColourChoice::Auto if !no_color && std::io::stdout().is_terminal() => Colour::Always,
        ColourChoice::Auto => Colour::Never,
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Runs the command; the exit code is the verdict's.
pub fn run(args: ParityArgs) -> Result<i32> {
    let request = range_request(
        args.base_positional.or(args.base),
        args.head_positional.or(args.head),
        env("PR_BASE_SHA"),
        env("PR_HEAD_SHA"),
    );
    let mut rules = Rules::default();
    rules.strict |= args.strict;
    let report = report_for(&args.repo, &request, &rules)?;
    if args.suggest || args.write_revision {
        crate::suggest::run(&args.repo, &report, &rules, args.write_revision)?;
    } else {
        print!("{}", render(&report, args.format, colour(args.color)));
    }
    Ok(report.verdict.exit_code())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
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
    }
}
