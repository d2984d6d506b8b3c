//! Builds real git repositories for fixtures and tests, deterministically:
//! a fixed author, committer and clock, and no configuration from the
//! machine, so the same steps always give the same SHAs.
//!
//! This is the writing side of git; the guard's reading side is `git.rs`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use xshell::{Cmd, Shell};

use crate::error::{Error, Result};

/// The first commit's time; each commit is one minute later.
const EPOCH: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

pub struct FixtureRepo {
    sh: Shell,
    dir: PathBuf,
    commits: u64,
}

impl FixtureRepo {
    /// `git init` in `dir` (created if need be) on a branch named `main`.
    pub fn init(dir: &Path) -> Result<FixtureRepo> {
        let sh = Shell::new()?;
        sh.create_dir(dir)?;
        let repo = FixtureRepo {
            sh,
            dir: dir.to_path_buf(),
            commits: 0,
        };
        repo.git(&["init", "--quiet", "--initial-branch=main"])?;
        Ok(repo)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// git, isolated from every configuration file of the machine.
    fn cmd(&self) -> Cmd<'_> {
        let date = format!("@{} +0000", EPOCH + 60 * self.commits);
        self.sh
            .cmd("git")
            .arg("-C")
            .arg(&self.dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Parity Fixture")
            .env("GIT_AUTHOR_EMAIL", "fixture@parity.invalid")
            .env("GIT_COMMITTER_NAME", "Parity Fixture")
            .env("GIT_COMMITTER_EMAIL", "fixture@parity.invalid")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            // These would change the objects, and so the SHAs the goldens quote.
            .env_remove("GIT_DEFAULT_HASH")
            .env_remove("GIT_CONFIG_PARAMETERS")
            .env_remove("GIT_CONFIG_COUNT")
            .quiet()
    }

    /// Runs git with `args` and returns its trimmed standard output.
    pub fn git(&self, args: &[&str]) -> Result<String> {
        let output = self.cmd().args(args).ignore_status().output()?;
        if !output.status.success() {
            return Err(Error::new(format!(
                "git {} failed in {}: {}",
                args.join(" "),
                self.dir.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// Writes a file (bytes as given), creating its directories.
    pub fn write(&self, path: &str, contents: impl AsRef<[u8]>) -> Result<()> {
        self.sh.write_file(self.dir.join(path), contents)?;
        Ok(())
    }

    pub fn remove(&self, path: &str) -> Result<()> {
        self.sh.remove_path(self.dir.join(path))?;
        Ok(())
    }

    /// Stages everything and commits; returns the new commit's SHA.
    pub fn commit(&mut self, message: &str) -> Result<String> {
        self.git(&["add", "--all"])?;
        self.git(&[
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "-m",
            message,
        ])?;
        self.commits += 1;
        self.git(&["rev-parse", "HEAD"])
    }

    /// Creates `branch` at the current commit and switches to it.
    pub fn branch(&self, branch: &str) -> Result<()> {
        self.git(&["checkout", "--quiet", "-b", branch])?;
        Ok(())
    }

    pub fn checkout(&self, branch: &str) -> Result<()> {
        self.git(&["checkout", "--quiet", branch])?;
        Ok(())
    }

    /// Merges `branch` into the current branch with a merge commit.
    pub fn merge(&mut self, branch: &str, message: &str) -> Result<String> {
        self.git(&[
            "merge",
            "--quiet",
            "--no-ff",
            "--no-edit",
            "-m",
            message,
            branch,
        ])?;
        self.commits += 1;
        self.git(&["rev-parse", "HEAD"])
    }

    /// Feeds `git fast-import` the stream that `write` produces (thousands of
    /// commits in a second); returns each mark with the commit it became.
    pub fn fast_import(
        &mut self,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<Vec<(u64, String)>> {
        let marks = self.dir.join(".git").join("parity-fast-import-marks");
        let mut command = std::process::Command::from(
            self.cmd()
                .args(["fast-import", "--quiet", "--done"])
                .arg(format!("--export-marks={}", marks.display())),
        );
        command.stdin(Stdio::piped()).stdout(Stdio::null());
        let mut child = command.spawn()?;
        let mut stdin = std::io::BufWriter::new(child.stdin.take().expect("stdin is piped"));
        let written = write(&mut stdin).and_then(|()| stdin.flush());
        drop(stdin);
        let status = child.wait()?;
        written?;
        if !status.success() {
            return Err(Error::new(format!(
                "git fast-import failed in {}",
                self.dir.display()
            )));
        }
        let text = self.sh.read_file(&marks)?;
        let pairs = text
            .lines()
            .filter_map(|line| {
                let (mark, sha) = line.strip_prefix(':')?.split_once(' ')?;
                Some((mark.parse().ok()?, sha.to_string()))
            })
            .collect::<Vec<(u64, String)>>();
        self.commits += pairs.len() as u64;
        // Check out what was imported, so that HEAD and the work tree agree.
        self.git(&["reset", "--quiet", "--hard"])?;
        Ok(pairs)
    }
}
