//! `cargo xtask fixtures`: every scenario under `testdata/scenarios/` built as
//! a real git repository and judged through the code path of CI.
//!
//! The reusable part is small: [`Scenario::load`] / [`load_scenarios`] read
//! the declarative format (README.md, "Scenarios"), [`materialize`] turns one
//! into a deterministic repository, [`judge_fixture`] runs the guard on it as
//! `cargo xtask parity` would, and [`run_suite`] compares with the goldens.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use parity_core::report::Colour;
use parity_core::{Report, Verdict};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::guard::parity::{range_request, render, report_in_force, Format};
use crate::harness::repo::FixtureRepo;

/// A scenario is `<name>.toml`; its golden report is `<name>.expected.txt`.
pub const SCENARIO_SUFFIX: &str = ".toml";
pub const GOLDEN_SUFFIX: &str = ".expected.txt";
/// Written into an output directory we made, so that only such a directory
/// is ever wiped.
const OUT_MARKER: &str = ".parity-fixtures";
/// The branch the template is committed on, and where new branches start.
pub const BASE_BRANCH: &str = "main";
/// Stands for the fixture repository's path in golden error messages, which
/// would otherwise depend on where the fixtures were built.
pub const REPO_PLACEHOLDER: &str = "$REPO";

#[derive(Args, Debug, Default)]
#[command(
    about = "Build every scenario as a git repository, run the guard, compare with the expected result",
    long_about = "Builds each scenario of testdata/scenarios/ as a deterministic git repository \
                  under --out (wiped first), judges it exactly as `cargo xtask parity` does in CI, \
                  and compares the verdict, the exit code and the text report with the expected \
                  ones. Prints a table; exits 1 if any scenario differs."
)]
pub struct FixturesArgs {
    /// Where the repositories are built (default: target/fixtures).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Only this scenario (repeatable).
    #[arg(long, value_name = "NAME")]
    pub only: Vec<String>,
    /// Rewrite the golden reports with what the guard printed, for review in the diff.
    #[arg(long)]
    pub update: bool,
    /// The directory of scenarios (default: testdata/scenarios).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
}

// ---------------------------------------------------------------------------
// The format, as written in the TOML files.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    description: String,
    #[serde(default = "default_template")]
    template: String,
    expect: Expectation,
    #[serde(default)]
    range: RangeSpec,
    #[serde(default)]
    commit: Vec<CommitFile>,
}

fn default_template() -> String {
    "project".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitFile {
    #[serde(default = "default_branch")]
    branch: String,
    from: Option<String>,
    #[serde(default)]
    orphan: bool,
    message: String,
    merge: Option<String>,
    #[serde(default)]
    edit: Vec<EditFile>,
}

fn default_branch() -> String {
    "pr".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EditFile {
    path: String,
    text: Option<String>,
    replace: Option<String>,
    with: Option<String>,
    after: Option<String>,
    before: Option<String>,
    #[serde(default)]
    delete: bool,
    rename_to: Option<String>,
    #[serde(default)]
    encoding: Encoding,
    #[serde(default)]
    line_ends: LineEnds,
}

/// How an edit's strings become bytes: `latin-1` maps U+0000..U+00FF to one
/// byte each, which is how a scenario writes bytes that are not UTF-8.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
pub enum Encoding {
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "latin-1")]
    Latin1,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum LineEnds {
    #[default]
    Lf,
    Crlf,
}

// ---------------------------------------------------------------------------
// The format, checked and ready to use.

/// What a scenario expects: one of the four outcomes, and the exit code.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub verdict: Outcome,
    pub exit: i32,
}

/// A verdict of the guard, or the error that stopped it.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    Skipped,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skipped => "skipped",
            Outcome::Error => "error",
        }
    }
}

impl From<Verdict> for Outcome {
    fn from(verdict: Verdict) -> Outcome {
        match verdict {
            Verdict::Pass => Outcome::Pass,
            Verdict::Fail => Outcome::Fail,
            Verdict::Skipped => Outcome::Skipped,
        }
    }
}

/// The values CI would pass as `PR_BASE_SHA` and `PR_HEAD_SHA`: branch names,
/// `""` for a missing one, forty zeros for a new branch, or a bad ref.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    #[serde(default = "default_range_base")]
    pub base: String,
    #[serde(default = "default_branch")]
    pub head: String,
}

fn default_range_base() -> String {
    BASE_BRANCH.into()
}

impl Default for RangeSpec {
    fn default() -> Self {
        RangeSpec {
            base: default_range_base(),
            head: default_branch(),
        }
    }
}

/// One step of a scenario's history after the template's initial commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub branch: String,
    /// Where `branch` starts if it does not exist yet (default `main`).
    pub from: Option<String>,
    /// A new branch with no history at all.
    pub orphan: bool,
    pub message: String,
    pub change: CommitChange,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CommitChange {
    Edits(Vec<Edit>),
    /// Merge this branch into `Commit::branch`, with a merge commit.
    Merge(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub path: String,
    pub action: EditAction,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditAction {
    Write(Vec<u8>),
    Replace { find: Vec<u8>, with: Vec<u8> },
    InsertAfter { anchor: Vec<u8>, text: Vec<u8> },
    InsertBefore { anchor: Vec<u8>, text: Vec<u8> },
    Delete,
    RenameTo(String),
}

#[derive(Clone, Debug)]
pub struct Scenario {
    /// The file name without `.toml`.
    pub name: String,
    /// The scenario file.
    pub path: PathBuf,
    pub description: String,
    /// The directory whose files make the initial commit.
    pub template: PathBuf,
    pub expect: Expectation,
    pub range: RangeSpec,
    pub commits: Vec<Commit>,
}

impl Scenario {
    /// Reads and checks one scenario file.
    pub fn load(path: &Path) -> Result<Scenario> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("cannot read scenario {shown}: {e}")))?;
        let file: ScenarioFile = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1);
            Error::new(format!(
                "scenario {shown}:{line}: {}",
                e.message().trim().replace('\n', " ")
            ))
        })?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(SCENARIO_SUFFIX))
            .ok_or_else(|| Error::new(format!("scenario {shown}: the name must end in .toml")))?
            .to_string();
        let commits = file
            .commit
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                let what = format!("commit {} ({:?})", i + 1, c.message);
                commit_from_file(c)
                    .map_err(|e| Error::new(format!("scenario {shown}: {what}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let template = path.parent().unwrap_or(Path::new(".")).join(&file.template);
        if !template.is_dir() {
            return Err(Error::new(format!(
                "scenario {shown}: the template {} is not a directory",
                template.display()
            )));
        }
        Ok(Scenario {
            name,
            path: path.to_path_buf(),
            description: file.description,
            template,
            expect: file.expect,
            range: file.range,
            commits,
        })
    }

    /// Where this scenario's golden report lives.
    pub fn golden_path(&self) -> PathBuf {
        self.path
            .with_file_name(format!("{}{GOLDEN_SUFFIX}", self.name))
    }
}

fn commit_from_file(file: CommitFile) -> Result<Commit> {
    check_branch_name(&file.branch)?;
    for name in file.from.iter().chain(&file.merge) {
        check_branch_name(name)?;
    }
    let change = match file.merge {
        Some(_) if !file.edit.is_empty() => {
            return Err(Error::new("a merge commit takes no edits"));
        }
        Some(branch) => CommitChange::Merge(branch),
        None => CommitChange::Edits(
            file.edit
                .into_iter()
                .map(edit_from_file)
                .collect::<Result<_>>()?,
        ),
    };
    Ok(Commit {
        branch: file.branch,
        from: file.from,
        orphan: file.orphan,
        message: file.message,
        change,
    })
}

fn edit_from_file(file: EditFile) -> Result<Edit> {
    let context = |e: Error| Error::new(format!("edit of {}: {e}", file.path));
    check_relative_path(&file.path).map_err(context)?;
    // Line ends convert what is written; what is looked for is quoted as it is.
    let bytes = |s: &String| encode(s, file.encoding, file.line_ends).map_err(context);
    let quoted = |s: &String| encode(s, file.encoding, LineEnds::Lf).map_err(context);
    let action = match (
        &file.text,
        &file.replace,
        &file.with,
        &file.after,
        &file.before,
        file.delete,
        &file.rename_to,
    ) {
        (Some(text), None, None, None, None, false, None) => EditAction::Write(bytes(text)?),
        (None, Some(find), Some(with), None, None, false, None) => EditAction::Replace {
            find: quoted(find)?,
            with: bytes(with)?,
        },
        (Some(text), None, None, Some(anchor), None, false, None) => EditAction::InsertAfter {
            anchor: quoted(anchor)?,
            text: bytes(text)?,
        },
        (Some(text), None, None, None, Some(anchor), false, None) => EditAction::InsertBefore {
            anchor: quoted(anchor)?,
            text: bytes(text)?,
        },
        (None, None, None, None, None, true, None) => EditAction::Delete,
        (None, None, None, None, None, false, Some(to)) => {
            check_relative_path(to).map_err(context)?;
            EditAction::RenameTo(to.clone())
        }
        _ => {
            return Err(context(Error::new(
                "say exactly one of: text; replace and with; after or before with text; \
                 delete = true; rename_to",
            )))
        }
    };
    Ok(Edit {
        path: file.path,
        action,
    })
}

/// A scenario's string as the bytes written to the file.
pub fn encode(text: &str, encoding: Encoding, line_ends: LineEnds) -> Result<Vec<u8>> {
    let text = match line_ends {
        LineEnds::Lf => text.to_string(),
        LineEnds::Crlf => text.replace("\r\n", "\n").replace('\n', "\r\n"),
    };
    match encoding {
        Encoding::Utf8 => Ok(text.into_bytes()),
        Encoding::Latin1 => text
            .chars()
            .map(|c| {
                u8::try_from(u32::from(c)).map_err(|_| {
                    Error::new(format!(
                        "U+{:04X} cannot be written in latin-1 (one byte per character, U+0000 to U+00FF)",
                        u32::from(c)
                    ))
                })
            })
            .collect(),
    }
}

/// Paths stay inside the fixture repository and out of its `.git`.
fn check_relative_path(path: &str) -> Result<()> {
    let inside = !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|part| !matches!(part, "" | "." | ".." | ".git"));
    if inside {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{path:?} must be a relative path inside the repository, with `/` between names, no `..` and no `.git`"
        )))
    }
}

/// Branch names reach git's command line: keep them plain.
fn check_branch_name(name: &str) -> Result<()> {
    let plain = !name.is_empty()
        && !name.starts_with(['-', '.', '/'])
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if plain {
        Ok(())
    } else {
        Err(Error::new(format!(
            "branch {name:?} must be letters, digits, `-`, `_`, `.` or `/`, not starting with `-`, `.` or `/`"
        )))
    }
}

/// Every scenario in `dir`, sorted by name.
pub fn load_scenarios(dir: &Path) -> Result<Vec<Scenario>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::new(format!(
            "cannot read the scenarios in {}: {e}",
            dir.display()
        ))
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let is_scenario = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.ends_with(SCENARIO_SUFFIX));
        if is_scenario && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    paths.iter().map(|p| Scenario::load(p)).collect()
}

/// The scenarios named in `only` (all of them if it is empty).
pub fn select(scenarios: Vec<Scenario>, only: &[String]) -> Result<Vec<Scenario>> {
    if let Some(unknown) = only
        .iter()
        .find(|name| !scenarios.iter().any(|s| &s.name == *name))
    {
        return Err(Error::new(format!(
            "no scenario named {unknown:?}: the names are the .toml files of the scenario directory"
        )));
    }
    Ok(scenarios
        .into_iter()
        .filter(|s| only.is_empty() || only.contains(&s.name))
        .collect())
}

// ---------------------------------------------------------------------------
// Building the repository.

/// Builds `scenario` as a git repository in `dir` (which must not exist or be
/// empty): the template as the first commit on `main`, then each commit.
pub fn materialize(scenario: &Scenario, dir: &Path) -> Result<FixtureRepo> {
    let context = |what: String| {
        let name = scenario.name.clone();
        move |e: Error| Error::new(format!("scenario {name}: {what}: {e}"))
    };
    let mut repo = FixtureRepo::init(dir).map_err(context("git init".into()))?;
    copy_template(&repo, &scenario.template, Path::new(""))
        .map_err(context("the template".into()))?;
    repo.commit("Initial project")
        .map_err(context("the initial commit".into()))?;
    let mut branches = BTreeSet::from([BASE_BRANCH.to_string()]);
    let mut current = BASE_BRANCH.to_string();
    for (i, commit) in scenario.commits.iter().enumerate() {
        let what = format!("commit {} ({:?})", i + 1, commit.message);
        apply_commit(&mut repo, commit, &mut branches, &mut current).map_err(context(what))?;
    }
    Ok(repo)
}

fn apply_commit(
    repo: &mut FixtureRepo,
    commit: &Commit,
    branches: &mut BTreeSet<String>,
    current: &mut String,
) -> Result<()> {
    if !branches.contains(&commit.branch) {
        if commit.orphan {
            repo.git(&["checkout", "--quiet", "--orphan", &commit.branch])?;
            repo.git(&["rm", "-r", "-q", "-f", "--ignore-unmatch", "."])?;
        } else {
            repo.checkout(commit.from.as_deref().unwrap_or(BASE_BRANCH))?;
            repo.branch(&commit.branch)?;
        }
        branches.insert(commit.branch.clone());
    } else if *current != commit.branch {
        repo.checkout(&commit.branch)?;
    }
    current.clone_from(&commit.branch);
    match &commit.change {
        CommitChange::Merge(other) => {
            repo.merge(other, &commit.message)?;
        }
        CommitChange::Edits(edits) => {
            for edit in edits {
                apply_edit(repo, edit)?;
            }
            repo.commit(&commit.message)?;
        }
    }
    Ok(())
}

/// Writes the template's files, in a stable order, below `relative`.
fn copy_template(repo: &FixtureRepo, template: &Path, relative: &Path) -> Result<()> {
    let dir = template.join(relative);
    let mut entries = std::fs::read_dir(&dir)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", dir.display())))?
        .collect::<std::io::Result<Vec<_>>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_template(repo, template, &path)?;
        } else {
            let name = path
                .to_str()
                .ok_or_else(|| Error::new(format!("{} is not a UTF-8 path", path.display())))?;
            repo.write(name, std::fs::read(entry.path())?)?;
        }
    }
    Ok(())
}

/// Applies one edit to the repository's working tree.
pub fn apply_edit(repo: &FixtureRepo, edit: &Edit) -> Result<()> {
    let path = repo.dir().join(&edit.path);
    let context = |e: std::io::Error| Error::new(format!("{}: {e}", edit.path));
    match &edit.action {
        EditAction::Write(bytes) => repo.write(&edit.path, bytes),
        EditAction::Delete => repo.remove(&edit.path),
        EditAction::RenameTo(to) => {
            let target = repo.dir().join(to);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(context)?;
            }
            std::fs::rename(&path, &target).map_err(context)
        }
        action => {
            let content = std::fs::read(&path).map_err(context)?;
            let edited = edit_bytes(&content, action)
                .map_err(|e| Error::new(format!("{}: {e}", edit.path)))?;
            repo.write(&edit.path, edited)
        }
    }
}

/// Replaces or inserts around a piece of text that must occur exactly once,
/// so that an edit never lands somewhere its author did not mean.
pub fn edit_bytes(content: &[u8], action: &EditAction) -> Result<Vec<u8>> {
    let (anchor, replacement) = match action {
        EditAction::Replace { find, with } => (find, with.clone()),
        EditAction::InsertAfter { anchor, text } => (anchor, [&anchor[..], text].concat()),
        EditAction::InsertBefore { anchor, text } => (anchor, [&text[..], anchor].concat()),
        EditAction::Write(_) | EditAction::Delete | EditAction::RenameTo(_) => {
            return Err(Error::new("this edit does not change text inside a file"))
        }
    };
    let shown = String::from_utf8_lossy(anchor);
    if anchor.is_empty() {
        return Err(Error::new("the text to find is empty"));
    }
    let found: Vec<usize> = content
        .windows(anchor.len())
        .enumerate()
        .filter(|(_, window)| *window == anchor.as_slice())
        .map(|(at, _)| at)
        .collect();
    match found.as_slice() {
        [at] => Ok([&content[..*at], &replacement, &content[at + anchor.len()..]].concat()),
        [] => Err(Error::new(format!("{shown:?} does not occur in the file"))),
        _ => Err(Error::new(format!(
            "{shown:?} occurs {} times; quote more of the file so that it occurs once",
            found.len()
        ))),
    }
}

// ---------------------------------------------------------------------------
// Judging and comparing.

/// What the guard did on a fixture.
#[derive(Clone, Debug)]
pub struct Judged {
    pub outcome: Outcome,
    pub exit: i32,
    /// The text report without colour, or the error line as printed on
    /// stderr (with the repository's path replaced by `$REPO`).
    pub text: String,
    pub report: Option<Report>,
}

/// Runs the guard on `dir` as CI does: the range comes in as the values of
/// `PR_BASE_SHA` and `PR_HEAD_SHA`, the rules from `parity.toml` at the
/// merge-base (or the defaults).
pub fn judge_fixture(dir: &Path, range: &RangeSpec) -> Judged {
    judge_fixture_with(dir, range, None)
}

/// `judge_fixture`, with the rules of a `--config` file if one is given.
pub fn judge_fixture_with(dir: &Path, range: &RangeSpec, config: Option<&Path>) -> Judged {
    let request = range_request(
        None,
        None,
        Some(range.base.clone()),
        Some(range.head.clone()),
    );
    match report_in_force(dir, &request, config, false).map(|(report, _)| report) {
        Ok(report) => Judged {
            outcome: report.verdict().into(),
            exit: report.verdict().exit_code(),
            text: render(&report, Format::Text, Colour::Never),
            report: Some(report),
        },
        Err(error) => Judged {
            outcome: Outcome::Error,
            exit: crate::ERROR_EXIT_CODE.into(),
            // git names the top level with symlinks resolved.
            text: {
                let line = crate::error_line(&error);
                let line = match dir.canonicalize() {
                    Ok(real) => line.replace(&real.display().to_string(), REPO_PLACEHOLDER),
                    Err(_) => line,
                };
                line.replace(&dir.display().to_string(), REPO_PLACEHOLDER)
            },
            report: None,
        },
    }
}

/// One scenario, built and judged.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    pub name: String,
    pub expect: Expectation,
    pub got: Judged,
    pub repo: PathBuf,
    pub golden_path: PathBuf,
    /// The golden report as it was before this run, if there was one.
    pub golden: Option<String>,
}

impl ScenarioResult {
    /// What differs from the expectation, one sentence each.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if (self.expect.verdict, self.expect.exit) != (self.got.outcome, self.got.exit) {
            problems.push(format!(
                "expected {} (exit {}), got {} (exit {})",
                self.expect.verdict.as_str(),
                self.expect.exit,
                self.got.outcome.as_str(),
                self.got.exit
            ));
        }
        match &self.golden {
            None => problems.push(format!(
                "no golden report at {} (run with --update to write it)",
                self.golden_path.display()
            )),
            Some(golden) if *golden != self.got.text => {
                problems.push(first_difference(golden, &self.got.text))
            }
            Some(_) => {}
        }
        problems
    }

    pub fn matches(&self) -> bool {
        self.problems().is_empty()
    }
}

/// The first line where the golden report and the guard's differ.
fn first_difference(expected: &str, got: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut got_lines = got.lines();
    let mut number = 1;
    loop {
        match (expected_lines.next(), got_lines.next()) {
            (Some(e), Some(g)) if e == g => number += 1,
            (None, None) => return "the reports differ only in their line ends".into(),
            (e, g) => {
                return format!(
                    "the report differs from the golden one at line {number}:\n      expected: {}\n      got:      {}",
                    e.unwrap_or("(end of report)"),
                    g.unwrap_or("(end of report)")
                )
            }
        }
    }
}

/// Makes `out` an empty directory, refusing to wipe one this command did not make.
pub fn prepare_out_dir(out: &Path) -> Result<()> {
    if out.exists() {
        let ours = out.join(OUT_MARKER).is_file();
        let empty = out.is_dir() && std::fs::read_dir(out)?.next().is_none();
        if !ours && !empty {
            return Err(Error::new(format!(
                "{} exists and was not made by `cargo xtask fixtures`: pick another --out, or remove it yourself",
                out.display()
            )));
        }
        std::fs::remove_dir_all(out)
            .map_err(|e| Error::new(format!("cannot wipe {}: {e}", out.display())))?;
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", out.display())))?;
    std::fs::write(
        out.join(OUT_MARKER),
        "built by cargo xtask fixtures; wiped on each run\n",
    )?;
    Ok(())
}

/// Builds and judges every scenario under `out` (wiped first). With `update`,
/// the golden reports are rewritten with what the guard printed.
pub fn run_suite(scenarios: &[Scenario], out: &Path, update: bool) -> Result<Vec<ScenarioResult>> {
    prepare_out_dir(out)?;
    let mut results = Vec::new();
    for scenario in scenarios {
        let repo = materialize(scenario, &out.join(&scenario.name))?;
        let got = judge_fixture(repo.dir(), &scenario.range);
        let golden_path = scenario.golden_path();
        let golden = std::fs::read_to_string(&golden_path).ok();
        if update && golden.as_deref() != Some(got.text.as_str()) {
            std::fs::write(&golden_path, &got.text)
                .map_err(|e| Error::new(format!("cannot write {}: {e}", golden_path.display())))?;
        }
        results.push(ScenarioResult {
            name: scenario.name.clone(),
            expect: scenario.expect.clone(),
            golden: if update {
                Some(got.text.clone())
            } else {
                golden
            },
            got,
            repo: repo.dir().to_path_buf(),
            golden_path,
        });
    }
    Ok(results)
}

/// The table of results, then one paragraph per mismatch.
pub fn render_table(results: &[ScenarioResult]) -> String {
    let cell = |outcome: Outcome, exit: i32| format!("{} ({exit})", outcome.as_str());
    let name_width = results
        .iter()
        .map(|r| r.name.len())
        .chain(["scenario".len()])
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<name_width$}  {:<12}  {:<12}  result",
        "scenario", "expected", "got"
    );
    let _ = writeln!(out, "{}", "-".repeat(name_width + 36));
    for result in results {
        let _ = writeln!(
            out,
            "{:<name_width$}  {:<12}  {:<12}  {}",
            result.name,
            cell(result.expect.verdict, result.expect.exit),
            cell(result.got.outcome, result.got.exit),
            if result.matches() { "ok" } else { "MISMATCH" }
        );
    }
    let mismatched: Vec<&ScenarioResult> = results.iter().filter(|r| !r.matches()).collect();
    let _ = writeln!(
        out,
        "\n{} scenarios: {} as expected, {} mismatched",
        results.len(),
        results.len() - mismatched.len(),
        mismatched.len()
    );
    for result in mismatched {
        let _ = writeln!(out, "\n{} ({}):", result.name, result.repo.display());
        for problem in result.problems() {
            let _ = writeln!(out, "  - {problem}");
        }
    }
    out
}

/// The scenario directory of the repository, `testdata/scenarios`.
pub fn default_scenarios_dir() -> PathBuf {
    crate::harness::ci::project_root()
        .join("testdata")
        .join("scenarios")
}

/// Where the fixture repositories are built unless `--out` says otherwise.
pub fn default_out_dir() -> PathBuf {
    crate::harness::ci::project_root()
        .join("target")
        .join("fixtures")
}

/// Loads the scenarios the arguments select and runs them.
pub fn suite_for(args: &FixturesArgs) -> Result<Vec<ScenarioResult>> {
    let dir = args.scenarios.clone().unwrap_or_else(default_scenarios_dir);
    let scenarios = select(load_scenarios(&dir)?, &args.only)?;
    if scenarios.is_empty() {
        return Err(Error::new(format!(
            "no scenarios in {}: a scenario is a <name>.toml file",
            dir.display()
        )));
    }
    let out = args.out.clone().unwrap_or_else(default_out_dir);
    run_suite(&scenarios, &out, args.update)
}

/// Runs the command: 0 if every scenario is as expected, 1 otherwise.
pub fn run(args: FixturesArgs) -> Result<i32> {
    let results = suite_for(&args)?;
    print!("{}", render_table(&results));
    Ok(if results.iter().all(ScenarioResult::matches) {
        0
    } else {
        1
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn crlf_and_latin1_turn_text_into_the_intended_bytes() {
        assert_eq!(
            encode("a\nb\r\nc", Encoding::Utf8, LineEnds::Crlf).unwrap(),
            b"a\r\nb\r\nc".to_vec()
        );
        assert_eq!(
            encode("caf\u{e9}\n", Encoding::Latin1, LineEnds::Lf).unwrap(),
            b"caf\xe9\n".to_vec()
        );
        assert_eq!(
            encode("caf\u{e9}", Encoding::Utf8, LineEnds::Lf).unwrap(),
            "caf\u{e9}".as_bytes().to_vec()
        );
        let err = encode("\u{20ac}", Encoding::Latin1, LineEnds::Lf).unwrap_err();
        assert!(err.to_string().contains("U+20AC"), "{err}");
    }

    #[test]
    fn edits_need_their_anchor_exactly_once() {
        let insert = |anchor: &str, text: &str| EditAction::InsertAfter {
            anchor: anchor.into(),
            text: text.into(),
        };
        assert_eq!(
            edit_bytes(b"a\nb\n", &insert("a\n", "x\n")).unwrap(),
            b"a\nx\nb\n".to_vec()
        );
        let before = EditAction::InsertBefore {
            anchor: "b\n".into(),
            text: "x\n".into(),
        };
        assert_eq!(
            edit_bytes(b"a\nb\n", &before).unwrap(),
            b"a\nx\nb\n".to_vec()
        );
        let replace = EditAction::Replace {
            find: "b".into(),
            with: "c".into(),
        };
        assert_eq!(edit_bytes(b"a\nb\n", &replace).unwrap(), b"a\nc\n".to_vec());
        let missing = edit_bytes(b"a\n", &insert("z", "x")).unwrap_err();
        assert!(missing.to_string().contains("does not occur"), "{missing}");
        let twice = edit_bytes(b"a\na\n", &insert("a", "x")).unwrap_err();
        assert!(twice.to_string().contains("occurs 2 times"), "{twice}");
    }

    #[test]
    fn paths_and_branches_stay_plain() {
        for good in ["a.py", "src/with space/x.py", "versions/0004 \u{f1}.py"] {
            assert!(check_relative_path(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            ".git/config",
            "a//b",
            "a\\b",
        ] {
            assert!(check_relative_path(bad).is_err(), "{bad}");
        }
        for good in ["pr", "main", "feature/x-1", "topic_2.0"] {
            assert!(check_branch_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "--output=y", ".hidden", "a b", "a;b"] {
            assert!(check_branch_name(bad).is_err(), "{bad}");
        }
    }

    fn edit(toml_text: &str) -> Result<Edit> {
        edit_from_file(toml::from_str(toml_text).unwrap())
    }

    #[test]
    fn an_edit_says_exactly_one_thing() {
        assert_eq!(
            edit("path = \"a\"\ndelete = true").unwrap().action,
            EditAction::Delete
        );
        assert_eq!(
            edit("path = \"a\"\nrename_to = \"b\"").unwrap().action,
            EditAction::RenameTo("b".into())
        );
        assert_eq!(
            edit("path = \"a\"\ntext = \"x\\n\"\nline_ends = \"crlf\"")
                .unwrap()
                .action,
            EditAction::Write(b"x\r\n".to_vec())
        );
        for ambiguous in [
            "path = \"a\"",
            "path = \"a\"\ntext = \"x\"\ndelete = true",
            "path = \"a\"\nreplace = \"x\"",
            "path = \"a\"\nafter = \"x\"",
            "path = \"a\"\ntext = \"x\"\nafter = \"y\"\nbefore = \"z\"",
        ] {
            let err = edit(ambiguous).unwrap_err();
            assert!(
                err.to_string().contains("exactly one"),
                "{ambiguous}: {err}"
            );
        }
        assert!(edit("path = \"../a\"\ndelete = true").is_err());
    }

    #[test]
    fn the_first_difference_names_the_line() {
        assert_eq!(
            first_difference("a\nb\nc\n", "a\nx\nc\n"),
            "the report differs from the golden one at line 2:\n      expected: b\n      got:      x"
        );
        assert!(first_difference("a\n", "a\nb\n").contains("(end of report)"));
    }
}
