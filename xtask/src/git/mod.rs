//! The one place that builds git command lines for the guard.
//!
//! Every invocation is fixed so that no user, system or repository
//! configuration, nor the environment, can change what git prints: no pager,
//! no colour, no external diff, no textconv, no replace refs, `a/` and `b/`
//! prefixes, rename detection on, one diff algorithm, every file diffed as
//! text, paths raw, no `GIT_*` variable but where git's configuration and
//! programs are.
//! Revisions reach git only as full object names that git itself resolved
//! from standard input, so no user-supplied value is ever parsed as an option.

use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::thread::JoinHandle;

use parity_core::log::{ADDED_LOG_FORMAT, PATCH_LOG_FORMAT};
use parity_core::name_status::{mode, Status};
use parity_core::{PathBytes, Sources};
use xshell::{Cmd, Shell};

use crate::error::{Error, Result};

mod batch;
mod stream;

pub use batch::*;
pub use stream::*;

/// The caller's `GIT_*` variables that git is still given: where its
/// configuration files are (a `safe.directory` may be there; what they say
/// is pinned below where it matters), where git is installed, and how it
/// reaches a remote (a partial clone fetches missing blobs as they are read),
/// none of which changes what git prints. Every other one is removed: they redirect git (`GIT_DIR`, `GIT_INDEX_FILE`), change
/// what it prints (`GIT_EXTERNAL_DIFF`, `GIT_DIFF_OPTS`, `GIT_ATTR_SOURCE`,
/// `GIT_TRACE` on stderr) or which paths a pathspec names
/// (`GIT_LITERAL_PATHSPECS` would make the guard's globs literal and see no
/// watched file), and git adds more with its versions.
const KEPT_GIT_ENV: &[&str] = &[
    "GIT_CONFIG_GLOBAL",
    "GIT_CONFIG_SYSTEM",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_EXEC_PATH",
    "GIT_CEILING_DIRECTORIES",
    "GIT_DISCOVERY_ACROSS_FILESYSTEM",
    "GIT_ASKPASS",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSH_VARIANT",
];

/// Prefixes of the transport's variables that are kept too
/// (`GIT_SSL_CAINFO`, `GIT_HTTP_PROXY_AUTHMETHOD`, `GIT_PROXY_COMMAND`).
const KEPT_GIT_ENV_PREFIXES: &[&str] = &["GIT_SSL_", "GIT_HTTP_", "GIT_PROXY_"];

/// The variables of this process's environment that git must not see: every
/// `GIT_*` but those kept, and the pager.
fn scrubbed_env() -> &'static [std::ffi::OsString] {
    static SCRUBBED: std::sync::OnceLock<Vec<std::ffi::OsString>> = std::sync::OnceLock::new();
    SCRUBBED.get_or_init(|| {
        std::env::vars_os()
            .map(|(name, _)| name)
            .filter(|name| {
                let name = name.as_encoded_bytes();
                let kept = KEPT_GIT_ENV.iter().any(|kept| kept.as_bytes() == name)
                    || (KEPT_GIT_ENV_PREFIXES.iter()).any(|kept| name.starts_with(kept.as_bytes()));
                (name.starts_with(b"GIT_") && !kept) || name == b"PAGER"
            })
            .collect()
    })
}

/// Configuration pinned on every command line; `-c` beats every config file.
const PINNED_CONFIG: &[&str] = &[
    "core.quotePath=false",
    "core.pager=cat",
    "color.ui=never",
    "color.diff=never",
    "diff.noprefix=false",
    "diff.mnemonicPrefix=false",
    "diff.relative=false",
    "diff.renames=true",
    // Unlimited: past a limit git stops pairing renames, and a renamed
    // revision would show as added and count.
    "diff.renameLimit=0",
    // An order file only reorders, but one that cannot be read is fatal.
    "diff.orderFile=/dev/null",
    "diff.suppressBlankEmpty=false",
    "diff.submodule=short",
    "diff.algorithm=myers",
    "diff.indentHeuristic=true",
    "log.showSignature=false",
    // For `git log`: a root commit shows no diff (it has no parent to be
    // judged against), no `--follow`, subjects in UTF-8.
    "log.showRoot=false",
    "log.follow=false",
    "i18n.logOutputEncoding=UTF-8",
];

/// What the raw listing is, in an error that quotes git.
const LISTING: &str = "list the files of the range";

/// Options for every `git diff` the guard reads.
const DIFF_OPTIONS: &[&str] = &[
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--no-relative",
    "--find-renames",
    // Copies too: a migration copied from one track to another (and moved
    // into its own) must show as a copy, never as a new file.
    "--find-copies",
    "--diff-algorithm=myers",
    "--submodule=short",
    "--ignore-submodules=none",
];

/// A repository, and the hardened way to ask git about it.
///
/// Where the guard is pointed (`--repo`, or the current directory) may be the
/// top level of a work tree, any directory inside it, a linked worktree, a
/// work tree whose `.git` is a file, or a bare repository (or the inside of
/// a git directory). `Git::new` asks git once where the repository is, and
/// every later command runs from there: the top level of the work tree, or
/// the git directory when there is none. So pathspecs and reported paths are
/// always relative to the top level; the guard reads objects only, so a bare
/// repository needs no work tree.
pub struct Git {
    sh: Shell,
    /// Where every git command runs: the top level, else the git directory.
    root: PathBuf,
    /// The top level of the work tree, `None` for a bare repository.
    work_tree: Option<PathBuf>,
    /// The path the user gave, for messages.
    given: PathBuf,
    shallow: bool,
}
/// The two ends of a range, resolved to commits, and their merge-base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedRange {
    pub base: String,
    pub head: String,
    pub merge_base: String,
}

/// Refuses a revision that git could take for an option or that cannot be
/// passed on one line; `what` names it for the message (`BASE`, `HEAD`).
pub fn validate_revision(what: &str, revision: &str) -> Result<()> {
    if revision.starts_with('-') {
        return Err(Error::new(format!(
            "{what} {revision:?} starts with '-' and is refused: a revision is never an option"
        )));
    }
    if revision.chars().any(char::is_control) {
        return Err(Error::new(format!(
            "{what} {revision:?} contains a control character and is refused"
        )));
    }
    Ok(())
}

impl Git {
    /// Finds the repository at or above `repo` (one `git rev-parse`; two for
    /// a bare repository), or says why there is none.
    pub fn new(repo: &Path) -> Result<Git> {
        if !repo.is_dir() {
            return Err(Error::new(format!(
                "{} is not a directory: pass --repo with the path of a git repository",
                repo.display()
            )));
        }
        let sh = Shell::new().map_err(|e| Error::new(format!("cannot start a shell: {e}")))?;
        let mut git = Git {
            sh,
            root: repo.to_path_buf(),
            work_tree: None,
            // Named by its full path in messages, never as `.`.
            given: std::path::absolute(repo).unwrap_or_else(|_| repo.to_path_buf()),
            shallow: false,
        };
        let probe = |git: &Git, top: bool| {
            // Both paths are absolute (`--path-format` would need git 2.31).
            let mut cmd =
                git.cmd()
                    .args(["rev-parse", "--absolute-git-dir", "--is-shallow-repository"]);
            if top {
                cmd = cmd.arg("--show-toplevel");
            }
            git.output(cmd)
        };
        let output = probe(&git, true)?;
        let (output, top) = match output.status.success() {
            true => (output, true),
            // Outside a work tree (a bare repository, a git directory):
            // ask again without the top level.
            false if String::from_utf8_lossy(&output.stderr).contains("work tree") => {
                (probe(&git, false)?, false)
            }
            false => return Err(git.git_failed("read the repository", &output)),
        };
        if !output.status.success() {
            return Err(git.git_failed("read the repository", &output));
        }
        let text = std::str::from_utf8(&output.stdout)
            .map_err(|_| Error::new(format!("the path of {} is not UTF-8", repo.display())))?;
        let lines: Vec<&str> = text.lines().collect();
        let (git_dir, shallow, top_level) = match (top, &lines[..]) {
            (true, [dir, shallow, top]) => (*dir, *shallow, Some(*top)),
            (false, [dir, shallow]) => (*dir, *shallow, None),
            _ => return Err(Error::new("git rev-parse answered in an unexpected format")),
        };
        git.shallow = shallow == "true";
        git.work_tree = match top_level {
            Some(top) => Some(PathBuf::from(top)),
            // Pointed inside the git directory of a repository that has a
            // work tree (`--repo .git`): that work tree, where git would
            // find this git directory from it.
            None => git.work_tree_of(Path::new(git_dir)),
        };
        git.root = match &git.work_tree {
            Some(top) => top.clone(),
            None => PathBuf::from(git_dir),
        };
        Ok(git)
    }

    /// The work tree whose git directory is `git_dir`, if it has one: the
    /// directory above it (`<top>/.git`), or, for a linked worktree's, the
    /// one its `gitdir` file names. A candidate counts only if git, run
    /// there, finds this very git directory.
    fn work_tree_of(&self, git_dir: &Path) -> Option<PathBuf> {
        let linked = std::fs::read_to_string(git_dir.join("gitdir"))
            .ok()
            // Relative to the git directory when `worktree.useRelativePaths`
            // wrote it so (`join` keeps an absolute path as it is).
            .and_then(|file| Some(git_dir.join(file.trim_end()).parent()?.to_path_buf()));
        let candidates = git_dir
            .parent()
            .map(Path::to_path_buf)
            .into_iter()
            .chain(linked);
        candidates.into_iter().find_map(|candidate| {
            let cmd = self.cmd().arg("-C").arg(&candidate).args([
                "rev-parse",
                "--absolute-git-dir",
                "--show-toplevel",
            ]);
            let output = self.output(cmd).ok().filter(|o| o.status.success())?;
            let text = String::from_utf8(output.stdout).ok()?;
            let mut lines = text.lines();
            let (dir, top) = (lines.next()?, lines.next()?);
            (Path::new(dir) == git_dir).then(|| PathBuf::from(top))
        })
    }

    /// The same repository, for another thread (a shell is not shared).
    pub fn twin(&self) -> Result<Git> {
        Ok(Git {
            sh: Shell::new().map_err(|e| Error::new(format!("cannot start a shell: {e}")))?,
            root: self.root.clone(),
            work_tree: self.work_tree.clone(),
            given: self.given.clone(),
            shallow: self.shallow,
        })
    }

    /// The top level of the work tree, or `None` for a bare repository.
    pub fn work_tree(&self) -> Option<&Path> {
        self.work_tree.as_deref()
    }

    /// The repository as the user named it, made absolute, for messages.
    pub fn given(&self) -> &Path {
        &self.given
    }

    /// Where git runs: the top level of the work tree, else the git directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `git` with the pinned global options and a scrubbed environment.
    fn cmd(&self) -> Cmd<'_> {
        let mut cmd = self
            .sh
            .cmd("git")
            .arg("--no-pager")
            .arg("--no-replace-objects")
            .arg("-C")
            .arg(&self.root);
        for pair in PINNED_CONFIG {
            cmd = cmd.arg("-c").arg(pair);
        }
        for var in scrubbed_env() {
            cmd = cmd.env_remove(var);
        }
        cmd.env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .quiet()
            .ignore_status()
    }

    /// Runs a command, turning a failure to start or a non-zero exit into an
    /// error that quotes git's own first line.
    fn run(&self, cmd: Cmd<'_>, what: &str) -> Result<Vec<u8>> {
        let output = self.output(cmd)?;
        if !output.status.success() {
            return Err(self.git_failed(what, &output));
        }
        Ok(output.stdout)
    }

    fn output(&self, cmd: Cmd<'_>) -> Result<Output> {
        cmd.output().map_err(|e| {
            Error::new(format!(
                "cannot run git ({e}): is git installed and on PATH?"
            ))
        })
    }

    fn git_failed(&self, what: &str, output: &Output) -> Error {
        self.failure(what, &output.stderr)
    }

    fn failure(&self, what: &str, stderr: &[u8]) -> Error {
        let stderr = String::from_utf8_lossy(stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if first.contains("not a git repository") {
            return Error::new(format!(
                "{} is not a git repository: run the guard inside one, or pass --repo",
                self.given.display()
            ));
        }
        Error::new(format!("git could not {what}: {}", first.trim()))
    }

    /// Whether the repository is a shallow clone (read by `Git::new`).
    pub fn is_shallow(&self) -> Result<bool> {
        Ok(self.shallow)
    }

    /// Resolves each revision to a commit, in one process: the names travel on
    /// standard input, never on the command line. Returns full object names,
    /// or for each that fails, its name.
    pub fn resolve_commits(
        &self,
        revisions: &[&str],
    ) -> Result<Vec<std::result::Result<String, String>>> {
        let mut input = String::new();
        for rev in revisions {
            input.push_str(rev);
            input.push_str("^{commit}\n");
        }
        let lines = self.batch_check(
            "%(objectname) %(objecttype)",
            input,
            revisions.len(),
            "resolve the revisions",
        )?;
        Ok(revisions
            .iter()
            .zip(lines)
            .map(|(rev, line)| match line.split_once(' ') {
                Some((sha, "commit")) if is_object_name(sha) => Ok(sha.to_string()),
                _ => Err(rev.to_string()),
            })
            .collect())
    }

    /// The merge-base of two commits, or `None` if they share no history.
    pub fn merge_base(&self, base: &str, head: &str) -> Result<Option<String>> {
        let output = self.output(self.cmd().args(["merge-base", base, head]))?;
        match output.status.code() {
            Some(0) => {
                let sha = String::from_utf8_lossy(&output.stdout).trim().to_string();
                Ok(Some(sha).filter(|s| is_object_name(s)))
            }
            // Exit 1 with nothing on stderr: no common ancestor.
            Some(1) if output.stderr.trim_ascii().is_empty() => Ok(None),
            _ => Err(self.git_failed("find the merge-base", &output)),
        }
    }

    /// Resolves BASE and HEAD and finds their merge-base, or explains why not.
    pub fn resolve_range(&self, base: &str, head: &str) -> Result<ResolvedRange> {
        validate_revision("BASE", base)?;
        validate_revision("HEAD", head)?;
        let shallow = self.is_shallow()?;
        let shallow_hint = if shallow {
            " This is a shallow clone: fetch the full history (with actions/checkout, set `fetch-depth: 0`)."
        } else {
            ""
        };
        let resolved = self.resolve_commits(&[base, head])?;
        let mut shas = Vec::new();
        for ((what, rev), result) in [("BASE", base), ("HEAD", head)].iter().zip(resolved) {
            match result {
                Ok(sha) => shas.push(sha),
                Err(_) => {
                    return Err(Error::new(format!(
                        "{what} {rev:?} does not name a commit in {}: fetch it, or check the name.{shallow_hint}",
                        self.root.display()
                    )))
                }
            }
        }
        let (base_sha, head_sha) = (shas.remove(0), shas.remove(0));
        match self.merge_base(&base_sha, &head_sha)? {
            Some(merge_base) => Ok(ResolvedRange {
                base: base_sha,
                head: head_sha,
                merge_base,
            }),
            None if shallow => Err(Error::new(
                "BASE and HEAD have no merge-base in this shallow clone: fetch the full history \
                 (with actions/checkout, set `fetch-depth: 0`) so that the pull request's range can be computed.",
            )),
            None => Err(Error::new(format!(
                "BASE {base:?} and HEAD {head:?} have no common history: \
                 a pull request's range needs a merge-base"
            ))),
        }
    }

    /// The directory git runs hooks from (`core.hooksPath` honoured).
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        let out = self.run(
            self.cmd().args(["rev-parse", "--git-path", "hooks"]),
            "find the hooks directory",
        )?;
        let dir = PathBuf::from(String::from_utf8_lossy(&out).trim_end_matches('\n'));
        Ok(self.root.join(dir))
    }

    /// `git diff --name-status -z` of the whole range, as bytes.
    pub fn name_status(&self, from: &str, to: &str) -> Result<Vec<u8>> {
        self.run(
            self.cmd().arg("diff").args(DIFF_OPTIONS).args([
                "--name-status",
                "-z",
                "--end-of-options",
                from,
                to,
                "--",
            ]),
            "list the files of the range",
        )
    }

    /// The unified diff of the given paths over the range, as bytes. Paths
    /// go to git as literal pathspecs, byte for byte; no path, no diff (git
    /// would take an empty pathspec list for the whole tree).
    pub fn patch(&self, from: &str, to: &str, paths: &[PathBytes]) -> Result<Vec<u8>> {
        if paths.is_empty() {
            return Ok(Vec::new());
        }
        self.run(self.patch_cmd(from, to, paths), "diff the watched files")
    }

    /// `patch`, read as git writes it; `None` when there is nothing to diff.
    pub fn patch_stream(
        &self,
        from: &str,
        to: &str,
        paths: &[PathBytes],
    ) -> Result<Option<GitStream<'_>>> {
        if paths.is_empty() {
            return Ok(None);
        }
        let cmd = self.patch_cmd(from, to, paths);
        self.spawn(cmd, "diff the watched files").map(Some)
    }

    fn patch_cmd(&self, from: &str, to: &str, paths: &[PathBytes]) -> Cmd<'_> {
        let pathspecs = paths.iter().map(|path| {
            let mut spec = b":(literal)".to_vec();
            spec.extend_from_slice(path.as_bytes());
            os_string(spec)
        });
        self.cmd()
            .arg("diff")
            .args(DIFF_OPTIONS)
            .args(["--text", "-U3", "--end-of-options", from, to, "--"])
            .args(pathspecs)
    }

    /// The contents of `paths` in `commit` (a full object name), read by one
    /// process whatever their number, as Python reads them: a symlink inside
    /// the tree is read as its target. A path absent from the commit is absent
    /// from the result; one that is no readable file (a submodule, a
    /// directory, a symlink that dangles or leaves the tree) is recorded as
    /// unreadable, with why.
    pub fn contents_at(&self, commit: &str, paths: &[PathBytes]) -> Result<Sources> {
        let mut all = self.contents_in(&[(commit, paths)])?;
        Ok(all.pop().unwrap_or_default())
    }

    /// The contents of paths in several commits, read by one process: one
    /// `Sources` per `(commit, paths)` request, in order. A path that holds a
    /// line break cannot be asked for on a line: it is found by one `git
    /// ls-tree` of its commit and asked for by its object name.
    pub fn contents_in(&self, requests: &[(&str, &[PathBytes])]) -> Result<Vec<Sources>> {
        let (plans, out) = self.ask_batch(requests, &BATCH, "read files of the range")?;
        let mut rest: &[u8] = &out;
        let sources = requests
            .iter()
            .zip(&plans)
            .map(|((_, paths), plan)| parse_batch(&mut rest, paths, plan))
            .collect::<Result<Vec<_>>>()?;
        if !rest.is_empty() {
            return Err(malformed_batch());
        }
        Ok(sources)
    }

    /// One `cat-file` (with `args`) asked every request's paths at once: how
    /// each path was asked (see `plan`), and git's answers; no process when
    /// nothing is to be asked.
    fn ask_batch(
        &self,
        requests: &[(&str, &[PathBytes])],
        args: &[&str],
        what: &'static str,
    ) -> Result<(Vec<Vec<Ask>>, Vec<u8>)> {
        let plans = requests
            .iter()
            .map(|(commit, paths)| self.plan(commit, paths))
            .collect::<Result<Vec<_>>>()?;
        let input = request_lines(&plans);
        let out = match input.is_empty() {
            true => Vec::new(),
            false => self.run(self.cmd().args(args).stdin(input), what)?,
        };
        Ok((plans, out))
    }

    /// How each path of `commit` is asked for (see `Ask`).
    fn plan(&self, commit: &str, paths: &[PathBytes]) -> Result<Vec<Ask>> {
        let odd: Vec<&PathBytes> = paths.iter().filter(|p| has_line_break(p)).collect();
        let entries = match odd.is_empty() {
            true => Vec::new(),
            false => self.tree_entries(commit, &odd)?,
        };
        Ok(paths
            .iter()
            .map(|path| {
                if !has_line_break(path) {
                    let mut line = format!("{commit}:").into_bytes();
                    line.extend_from_slice(path.as_bytes());
                    line.push(b'\n');
                    return Ask::Line(line);
                }
                match entries.iter().find(|(p, _, _)| p == path) {
                    None => Ask::Not(None),
                    Some((_, mode::FILE | mode::EXECUTABLE, object)) => {
                        Ask::Line(format!("{object}\n").into_bytes())
                    }
                    Some((_, mode::SYMLINK, _)) => Ask::Not(Some(
                        "a symlink whose name holds a line break, which the guard does not follow"
                            .into(),
                    )),
                    Some((_, mode::GITLINK, _)) => Ask::Not(Some("a submodule".into())),
                    Some(_) => Ask::Not(Some("a directory".into())),
                }
            })
            .collect())
    }

    /// The tree entries of `paths` in `commit`: path, mode, object name. One
    /// `git ls-tree -z`, which takes any path.
    fn tree_entries(
        &self,
        commit: &str,
        paths: &[&PathBytes],
    ) -> Result<Vec<(PathBytes, u32, String)>> {
        let pathspecs = paths.iter().map(|path| {
            let mut spec = b":(literal)".to_vec();
            spec.extend_from_slice(path.as_bytes());
            os_string(spec)
        });
        let out = self.run(
            self.cmd()
                .args([
                    "ls-tree",
                    "-r",
                    "-z",
                    "--full-tree",
                    "--end-of-options",
                    commit,
                    "--",
                ])
                .args(pathspecs),
            "list files whose names hold a line break",
        )?;
        let mut entries = Vec::new();
        for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            let tab = memchr::memchr(b'\t', record).ok_or_else(malformed_batch)?;
            let meta = String::from_utf8_lossy(&record[..tab]);
            let fields: Vec<&str> = meta.split(' ').collect();
            let [mode, _, object] = fields[..] else {
                return Err(malformed_batch());
            };
            let mode = u32::from_str_radix(mode, 8).map_err(|_| malformed_batch())?;
            entries.push((
                PathBytes::from(&record[tab + 1..]),
                mode,
                object.to_string(),
            ));
        }
        Ok(entries)
    }

    /// Where each path leads in each commit, as Python would open it
    /// (symlinks followed inside the tree), by one process: one answer per
    /// `(commit, paths)` request and path, in order.
    pub fn resolve_paths(&self, requests: &[(&str, &[PathBytes])]) -> Result<Vec<Vec<Resolved>>> {
        let (plans, out) = self.ask_batch(
            requests,
            &["cat-file", "--batch-check", "--follow-symlinks"],
            "resolve the watched paths",
        )?;
        let mut rest: &[u8] = &out;
        let mut all = Vec::new();
        for plan in &plans {
            let mut answers = Vec::new();
            for ask in plan {
                answers.push(match ask {
                    Ask::Not(None) => Resolved::Missing,
                    Ask::Not(Some(why)) => Resolved::NotAFile(why.clone()),
                    Ask::Line(_) => match batch_header(take_line(&mut rest)?)? {
                        Answer::Missing => Resolved::Missing,
                        Answer::Object { name, kind, .. } if kind == "blob" => Resolved::Blob(name),
                        Answer::Object { kind, .. } => Resolved::NotAFile(not_a_file(&kind)),
                        Answer::NotAsked(why) => Resolved::NotAFile(why),
                        Answer::Link { kind, size } => {
                            let detail = take_body(&mut rest, size)?;
                            let why = link_problem(&kind, detail);
                            Resolved::BadLink { kind, why }
                        }
                    },
                });
            }
            all.push(answers);
        }
        Ok(all)
    }

    /// The tree `commit:dir` leads to, symlinks followed, if it is one.
    pub fn tree_of(&self, commit: &str, dir: &PathBytes) -> Result<Option<String>> {
        if has_line_break(dir) {
            return Ok(None);
        }
        let mut request = format!("{commit}:").into_bytes();
        request.extend_from_slice(dir.as_bytes());
        request.push(b'\n');
        let out = self.run(
            self.cmd()
                .args(["cat-file", "--batch-check", "--follow-symlinks"])
                .stdin(request),
            "resolve a watched directory",
        )?;
        let mut rest: &[u8] = &out;
        match batch_header(take_line(&mut rest)?)? {
            Answer::Object { name, kind, .. } if kind == "tree" => Ok(Some(name)),
            _ => Ok(None),
        }
    }

    /// The unified diff from one blob to another (full object names), as
    /// bytes, with the same options as `patch`; its header names the blobs.
    pub fn blob_patch(&self, from: &str, to: &str) -> Result<Vec<u8>> {
        self.run(
            self.cmd().arg("diff").args(DIFF_OPTIONS).args([
                "--text",
                "-U3",
                "--end-of-options",
                from,
                to,
            ]),
            "diff a watched file reached through a symlink",
        )
    }

    /// `git diff --raw -z --no-abbrev` of the whole range: every file with its
    /// status, and each side's mode and object name.
    pub fn raw_listing(&self, from: &str, to: &str) -> Result<Vec<u8>> {
        self.run(self.raw_listing_cmd(from, to), LISTING)
    }

    /// `raw_listing`, started now and read into memory on a thread as git
    /// writes it, for a caller with other work meanwhile.
    pub fn raw_listing_ahead(&self, from: &str, to: &str) -> Result<Listing<'_>> {
        let mut stream = self.spawn(self.raw_listing_cmd(from, to), LISTING)?;
        let output = stream.read_ahead();
        Ok(Listing { stream, output })
    }

    fn raw_listing_cmd(&self, from: &str, to: &str) -> Cmd<'_> {
        self.cmd().arg("diff").args(DIFF_OPTIONS).args([
            "--raw",
            "-z",
            "--no-abbrev",
            "--end-of-options",
            from,
            to,
            "--",
        ])
    }

    /// Every file under `dir` in `commit` (a full object name).
    pub fn files_under(&self, commit: &str, dir: &str) -> Result<Vec<PathBytes>> {
        let out = self.run(
            self.cmd()
                .args([
                    "ls-tree",
                    "-r",
                    "-z",
                    "--name-only",
                    "--full-tree",
                    commit,
                    "--",
                ])
                .arg(format!(":(literal){dir}")),
            "list the revision files",
        )?;
        Ok(out
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(PathBytes::from)
            .collect())
    }
}

/// `:(literal)path`: a path that git matches byte for byte.
fn literal_pathspec(path: &str) -> String {
    format!(":(literal){path}")
}

/// A full hexadecimal object name (SHA-1 or SHA-256).
pub fn is_object_name(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The all-zero name that CI passes when there is no base (a new branch).
pub fn is_null_object_name(s: &str) -> bool {
    !s.is_empty() && s.len() >= 40 && s.bytes().all(|b| b == b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_like_revisions_are_refused() {
        for rev in ["--output=/tmp/x", "-p", "-"] {
            assert!(validate_revision("BASE", rev).is_err(), "{rev}");
        }
        assert!(validate_revision("BASE", "a\nb").is_err());
        assert!(validate_revision("BASE", "origin/dev").is_ok());
        assert!(validate_revision("BASE", "HEAD~2").is_ok());
    }

    fn asked(paths: &[PathBytes]) -> Vec<Ask> {
        paths
            .iter()
            .map(|p| Ask::Line(p.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn batch_answers_keep_blobs_and_say_why_the_rest_are_no_files() {
        let paths: Vec<PathBytes> = ["a.py", "gone.py", "dir", "b c.py", "out.py", "dangle.py"]
            .into_iter()
            .map(PathBytes::from)
            .collect();
        let sha = "1".repeat(40);
        let out = [
            format!("{sha} blob 4\nx\ny\n\n").as_bytes(),
            format!("{sha}:gone.py missing\n").as_bytes(),
            format!("{sha} tree 0\n\n").as_bytes(),
            // A blob that is not UTF-8: the size counts bytes.
            format!("{sha} blob 3\n").as_bytes(),
            b"\r\n\xff\n",
            b"symlink 11\n/etc/passwd\n",
            // `dangling SIZE` is followed by the request, SIZE bytes long.
            format!("dangling 42\n{sha}:x\n").as_bytes(),
        ]
        .concat();
        let sources = parse_batch(&mut &out[..], &paths, &asked(&paths)).unwrap();
        assert_eq!(sources.get(b"a.py"), Some(&b"x\ny\n"[..]));
        assert_eq!(sources.get(b"gone.py"), None);
        assert_eq!(sources.get(b"dir"), None);
        assert_eq!(sources.why_unreadable(b"dir"), Some("a directory"));
        assert_eq!(sources.get(b"b c.py"), Some(&b"\r\n\xff"[..]));
        assert_eq!(
            sources.why_unreadable(b"out.py"),
            Some("a symlink that leaves the repository (to /etc/passwd)")
        );
        assert!(sources
            .why_unreadable(b"dangle.py")
            .unwrap()
            .contains("points at nothing"));
        assert_eq!(sources.len(), 2);
    }

    #[test]
    fn paths_not_asked_for_are_recorded_without_reading_an_answer() {
        let paths = [
            PathBytes::from(&b"new\nline.py"[..]),
            PathBytes::from("a.py"),
        ];
        let plan = vec![
            Ask::Not(Some("a submodule".into())),
            Ask::Line(b"x".to_vec()),
        ];
        let sha = "1".repeat(40);
        let out = format!("{sha} blob 2\nok\n");
        let sources = parse_batch(&mut out.as_bytes(), &paths, &plan).unwrap();
        assert_eq!(sources.why_unreadable(b"new\nline.py"), Some("a submodule"));
        assert_eq!(sources.get(b"a.py"), Some(&b"ok"[..]));
    }

    #[test]
    fn a_truncated_batch_answer_is_an_error() {
        let paths = [PathBytes::from("a.py")];
        let sha = "1".repeat(40);
        for out in [
            format!("{sha} blob 10\nshort\n"),
            format!("{sha} blob 5\n"),
            "garbage".to_string(),
            format!("{sha} blob x\n\n"),
            "symlink 3\nab\n".to_string(),
        ] {
            assert!(
                parse_batch(&mut out.as_bytes(), &paths, &asked(&paths)).is_err(),
                "{out:?}"
            );
        }
    }

    #[test]
    fn null_object_names() {
        assert!(is_null_object_name(&"0".repeat(40)));
        assert!(is_null_object_name(&"0".repeat(64)));
        assert!(!is_null_object_name("0000"));
        assert!(!is_null_object_name(&format!("1{}", "0".repeat(39))));
    }
}
