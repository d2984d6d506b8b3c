//! The one place that builds git command lines for the guard.
//!
//! Every invocation is fixed so that no user, system or repository
//! configuration can change what git prints: no pager, no colour, no external
//! diff, no textconv, no replace refs, `a/` and `b/` prefixes, rename
//! detection on, one diff algorithm, every file diffed as text, paths raw.
//! Revisions reach git only as full object names that git itself resolved
//! from standard input, so no user-supplied value is ever parsed as an option.

use std::path::{Path, PathBuf};
use std::process::Output;

use parity_core::{PathBytes, Sources};
use xshell::{Cmd, Shell};

use crate::error::{Error, Result};

/// Environment variables that would redirect git or change its output.
const SCRUBBED_ENV: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_COMMON_DIR",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_NAMESPACE",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_PAGER",
    "PAGER",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_REPLACE_REF_BASE",
    "GIT_GRAFT_FILE",
    "GIT_SHALLOW_FILE",
    "GIT_DIFF_PATH_COUNTER",
    "GIT_DIFF_PATH_TOTAL",
];

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
    "diff.renameLimit=1000",
    "diff.suppressBlankEmpty=false",
    "diff.submodule=short",
    "diff.algorithm=myers",
    "diff.indentHeuristic=true",
    "log.showSignature=false",
];

/// Options for every `git diff` the guard reads.
const DIFF_OPTIONS: &[&str] = &[
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--no-relative",
    "--find-renames",
    "--diff-algorithm=myers",
    "--submodule=short",
    "--ignore-submodules=none",
];

/// A repository, and the hardened way to ask git about it.
pub struct Git {
    sh: Shell,
    repo: PathBuf,
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
    pub fn new(repo: &Path) -> Result<Git> {
        if !repo.is_dir() {
            return Err(Error::new(format!(
                "{} is not a directory: pass --repo with the path of a git repository",
                repo.display()
            )));
        }
        let sh = Shell::new().map_err(|e| Error::new(format!("cannot start a shell: {e}")))?;
        Ok(Git {
            sh,
            repo: repo.to_path_buf(),
        })
    }

    /// `git` with the pinned global options and a scrubbed environment.
    fn cmd(&self) -> Cmd<'_> {
        let mut cmd = self
            .sh
            .cmd("git")
            .arg("--no-pager")
            .arg("--no-replace-objects")
            .arg("-C")
            .arg(&self.repo);
        for pair in PINNED_CONFIG {
            cmd = cmd.arg("-c").arg(pair);
        }
        for var in SCRUBBED_ENV {
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
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if first.contains("not a git repository") {
            return Error::new(format!(
                "{} is not a git repository: run the guard inside one, or pass --repo",
                self.repo.display()
            ));
        }
        Error::new(format!("git could not {what}: {}", first.trim()))
    }

    /// Whether the repository is a shallow clone. Also proves it is a
    /// repository at all, with the clearest message if it is not.
    pub fn is_shallow(&self) -> Result<bool> {
        let out = self.run(
            self.cmd().args(["rev-parse", "--is-shallow-repository"]),
            "read the repository",
        )?;
        Ok(out.trim_ascii() == b"true")
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
        let out = self.run(
            self.cmd()
                .args(["cat-file", "--batch-check=%(objectname) %(objecttype)"])
                .stdin(input),
            "resolve the revisions",
        )?;
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() != revisions.len() {
            return Err(Error::new(
                "git cat-file answered with an unexpected number of lines",
            ));
        }
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
                        self.repo.display()
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

    /// The unified diff of the given paths over the range, as bytes.
    pub fn patch(&self, from: &str, to: &str, paths: &[&str]) -> Result<Vec<u8>> {
        let pathspecs = paths.iter().map(|p| format!(":(literal){p}"));
        self.run(
            self.cmd()
                .arg("diff")
                .args(DIFF_OPTIONS)
                .args(["--text", "-U3", "--end-of-options", from, to, "--"])
                .args(pathspecs),
            "diff the watched files",
        )
    }

    /// The contents of `paths` in `commit` (a full object name), read by one
    /// process whatever their number; a path absent from the commit (or one
    /// that cannot be asked for on a line) is absent from the result.
    pub fn contents_at(&self, commit: &str, paths: &[PathBytes]) -> Result<Sources> {
        let mut all = self.contents_in(&[(commit, paths)])?;
        Ok(all.pop().unwrap_or_default())
    }

    /// The contents of paths in several commits, read by one process: one
    /// `Sources` per `(commit, paths)` request, in order.
    pub fn contents_in(&self, requests: &[(&str, &[PathBytes])]) -> Result<Vec<Sources>> {
        let mut input = Vec::new();
        let mut asked: Vec<Vec<&PathBytes>> = Vec::new();
        for (commit, paths) in requests {
            let mine: Vec<&PathBytes> = paths
                .iter()
                .filter(|p| !p.as_bytes().contains(&b'\n'))
                .collect();
            for path in &mine {
                input.extend_from_slice(commit.as_bytes());
                input.push(b':');
                input.extend_from_slice(path.as_bytes());
                input.push(b'\n');
            }
            asked.push(mine);
        }
        if input.is_empty() {
            return Ok(asked.iter().map(|_| Sources::new()).collect());
        }
        let out = self.run(
            self.cmd().args(["cat-file", "--batch"]).stdin(input),
            "read files of the range",
        )?;
        let mut rest: &[u8] = &out;
        asked
            .iter()
            .map(|paths| parse_batch(&mut rest, paths))
            .collect()
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

/// Reads the answer of `git cat-file --batch` to one request per path:
/// `<name> <type> <size>\n<contents>\n` for an object, `<request> missing\n`
/// (or `ambiguous`) for none. Only blobs are kept.
fn parse_batch(rest: &mut &[u8], paths: &[&PathBytes]) -> Result<Sources> {
    let mut out: &[u8] = rest;
    let malformed = || Error::new("git cat-file answered in an unexpected format");
    let mut sources = Sources::new();
    for path in paths {
        let end = out.iter().position(|&b| b == b'\n').ok_or_else(malformed)?;
        let header = String::from_utf8_lossy(&out[..end]).into_owned();
        out = &out[end + 1..];
        let fields: Vec<&str> = header.split(' ').collect();
        if matches!(fields.last(), Some(&"missing" | &"ambiguous")) {
            continue;
        }
        let [_, kind, size] = fields[..] else {
            return Err(malformed());
        };
        let size: usize = size.parse().map_err(|_| malformed())?;
        if out.len() <= size || out[size] != b'\n' {
            return Err(malformed());
        }
        if kind == "blob" {
            sources.insert((*path).clone(), &out[..size]);
        }
        out = &out[size + 1..];
    }
    *rest = out;
    Ok(sources)
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

    #[test]
    fn batch_answers_keep_blobs_and_skip_missing_paths() {
        let paths: Vec<PathBytes> = ["a.py", "gone.py", "dir", "b c.py"]
            .into_iter()
            .map(PathBytes::from)
            .collect();
        let asked: Vec<&PathBytes> = paths.iter().collect();
        let sha = "1".repeat(40);
        let out = [
            format!("{sha} blob 4\nx\ny\n\n").as_bytes(),
            format!("{sha}:gone.py missing\n").as_bytes(),
            format!("{sha} tree 0\n\n").as_bytes(),
            // A blob that is not UTF-8: the size counts bytes.
            format!("{sha} blob 3\n").as_bytes(),
            b"\r\n\xff\n",
        ]
        .concat();
        let sources = parse_batch(&mut &out[..], &asked).unwrap();
        assert_eq!(sources.get(b"a.py"), Some(&b"x\ny\n"[..]));
        assert_eq!(sources.get(b"gone.py"), None);
        assert_eq!(sources.get(b"dir"), None);
        assert_eq!(sources.get(b"b c.py"), Some(&b"\r\n\xff"[..]));
        assert_eq!(sources.len(), 2);
    }

    #[test]
    fn a_truncated_batch_answer_is_an_error() {
        let paths = [PathBytes::from("a.py")];
        let asked: Vec<&PathBytes> = paths.iter().collect();
        let sha = "1".repeat(40);
        for out in [
            format!("{sha} blob 10\nshort\n"),
            format!("{sha} blob 5\n"),
            "garbage".to_string(),
            format!("{sha} blob x\n\n"),
        ] {
            assert!(parse_batch(&mut out.as_bytes(), &asked).is_err(), "{out:?}");
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
