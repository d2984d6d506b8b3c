//! `install-hook` end to end: a real push to a real (bare) remote, stopped
//! or let through by the hook; deletions skipped; existing hooks kept.

use std::path::Path;
use std::process::Output;

use crate::common::{assert_error, sql_layout_baseline, stdout, xtask};
use pretty_assertions::assert_eq;
use xtask::harness::repo::FixtureRepo;

const ADD_NOTES: &str = "ALTER TABLE agents ADD COLUMN notes TEXT;\n";

/// A SQL-layout repository with a bare remote `origin` that has `main`, and a
/// branch `feature` whose upstream is `origin/main`.
struct Pushing {
    _tmp: tempfile::TempDir,
    repo: FixtureRepo,
}

impl Pushing {
    fn new() -> Pushing {
        let (tmp, repo, _) = sql_layout_baseline("work");
        let remote = tmp.path().join("remote.git");
        // Its HEAD names `main`, as a hosted repository's does.
        repo.git(&[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=main",
            remote.to_str().unwrap(),
        ])
        .unwrap();
        repo.git(&["remote", "add", "origin", remote.to_str().unwrap()])
            .unwrap();
        repo.git(&["push", "--quiet", "origin", "main"]).unwrap();
        repo.branch("feature").unwrap();
        repo.git(&["branch", "--quiet", "--set-upstream-to=origin/main"])
            .unwrap();
        Pushing { _tmp: tmp, repo }
    }

    fn dir(&self) -> &Path {
        self.repo.dir()
    }

    fn install(&self, args: &[&str]) -> Output {
        xtask()
            .arg("install-hook")
            .arg("--repo")
            .arg(self.dir())
            .args(args)
            .output()
            .unwrap()
    }

    fn hook(&self) -> std::path::PathBuf {
        self.dir().join(".git/hooks/pre-push")
    }

    /// Installs the hook and commits a SQLite migration without its
    /// counterpart: a push of it must be stopped.
    fn installed_with_a_failing_commit(&mut self) {
        assert_eq!(self.install(&[]).status.code(), Some(0));
        self.repo
            .write("migrations/sqlite/0002_notes.sql", ADD_NOTES)
            .unwrap();
        self.repo.commit("notes on sqlite only").unwrap();
    }

    /// A push the hook stops.
    fn assert_refused(&self, args: &[&str]) {
        let refused = self.push(args).unwrap_err();
        assert!(
            refused.contains("failed to push some refs"),
            "{args:?}: {refused}"
        );
    }

    /// `git push` with the hook; the error, if any, carries git's stderr.
    fn push(&self, args: &[&str]) -> Result<String, String> {
        let all = [&["push", "--quiet"], args].concat();
        self.repo.git(&all).map_err(|e| e.to_string())
    }
}

#[test]
fn the_hook_stops_a_push_that_fails_the_check_and_lets_a_passing_one_through() {
    let mut p = Pushing::new();
    let out = p.install(&[]);
    crate::common::assert_success(&out);
    assert!(stdout(&out).contains("each pushed branch is checked against its upstream"));

    p.repo
        .write("migrations/sqlite/0002_notes.sql", ADD_NOTES)
        .unwrap();
    p.repo.commit("notes on sqlite only").unwrap();
    p.assert_refused(&["origin", "feature"]);
    let listed = p.repo.git(&["ls-remote", "origin", "feature"]).unwrap();
    assert_eq!(listed, "", "the branch must not have reached the remote");

    p.repo
        .write("migrations/postgres/0002_notes.sql", ADD_NOTES)
        .unwrap();
    p.repo.commit("and on postgres").unwrap();
    p.push(&["origin", "feature"]).unwrap();
    let listed = p.repo.git(&["ls-remote", "origin", "feature"]).unwrap();
    assert!(listed.ends_with("refs/heads/feature"), "{listed}");
}

#[test]
fn a_fixed_base_is_used_and_deletions_are_not_checked() {
    let mut p = Pushing::new();
    p.repo.write("notes.txt", "x").unwrap();
    p.repo.commit("harmless").unwrap();
    p.push(&["origin", "feature"]).unwrap();
    // A base that does not exist makes every check an error: a push that
    // goes through must have been skipped.
    let out = p.install(&["--base", "origin/no-such-branch"]);
    crate::common::assert_success(&out);
    p.assert_refused(&["origin", "HEAD:refs/heads/other"]);
    p.push(&["origin", "--delete", "feature"]).unwrap();
    assert_eq!(p.repo.git(&["ls-remote", "origin", "feature"]).unwrap(), "");
}

#[test]
fn an_existing_hook_is_never_replaced_without_force() {
    let p = Pushing::new();
    std::fs::create_dir_all(p.hook().parent().unwrap()).unwrap();
    std::fs::write(p.hook(), "#!/bin/sh\necho mine\n").unwrap();
    let out = p.install(&[]);
    assert_error(&out, "a pre-push hook already exists at");
    assert!(crate::common::stderr(&out).contains("pass --force to replace it"));
    assert_eq!(
        std::fs::read_to_string(p.hook()).unwrap(),
        "#!/bin/sh\necho mine\n"
    );

    let out = p.install(&["--force"]);
    crate::common::assert_success(&out);
    let hook = std::fs::read_to_string(p.hook()).unwrap();
    assert!(hook.contains(env!("CARGO_BIN_EXE_xtask")), "{hook}");
}

#[test]
fn an_option_like_base_is_refused() {
    let p = Pushing::new();
    let out = p.install(&["--base=--output=x"]);
    assert_error(&out, "starts with '-'");
    assert!(!p.hook().exists());
}

#[test]
fn a_tag_pushed_as_a_branch_is_checked_and_a_branch_pushed_as_a_tag_is_not() {
    let mut p = Pushing::new();
    p.installed_with_a_failing_commit();
    p.repo.git(&["tag", "t-bad"]).unwrap();
    // What the remote gets decides: a branch named by a tag is a branch.
    p.assert_refused(&["origin", "t-bad:refs/heads/release"]);
    assert_eq!(p.repo.git(&["ls-remote", "origin", "release"]).unwrap(), "");
    p.push(&["origin", "feature:refs/tags/v1"]).unwrap();
    p.push(&["origin", "t-bad"]).unwrap();
}

#[test]
fn a_new_branch_without_upstream_is_checked_against_the_remotes_default_branch() {
    let mut p = Pushing::new();
    assert_eq!(p.install(&[]).status.code(), Some(0));
    // `git remote add` and a first push leave no refs/remotes/origin/HEAD.
    let head = p.repo.git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        "refs/remotes/origin/HEAD",
    ]);
    assert!(head.is_err(), "{head:?}");
    p.repo.branch("new-work").unwrap();
    p.repo
        .write("migrations/sqlite/0002_notes.sql", ADD_NOTES)
        .unwrap();
    p.repo.commit("notes on sqlite only").unwrap();
    p.assert_refused(&["origin", "new-work"]);
    // The same to the remote's path, not its name: no tracking branch at all.
    let remote = p.dir().parent().unwrap().join("remote.git");
    p.assert_refused(&[remote.to_str().unwrap(), "new-work"]);
    assert_eq!(
        p.repo.git(&["ls-remote", "origin", "new-work"]).unwrap(),
        ""
    );

    p.repo
        .write("migrations/postgres/0002_notes.sql", ADD_NOTES)
        .unwrap();
    p.repo.commit("and on postgres").unwrap();
    p.push(&["origin", "new-work"]).unwrap();
}

#[cfg(unix)]
#[test]
fn a_symlinked_hook_is_a_hook_and_force_replaces_the_link_not_its_target() {
    let p = Pushing::new();
    let hooks = p.hook().parent().unwrap().to_path_buf();
    std::fs::create_dir_all(&hooks).unwrap();
    let elsewhere = p.dir().parent().unwrap().join("shared-pre-push");
    std::os::unix::fs::symlink(&elsewhere, p.hook()).unwrap();
    // Dangling: still a hook, and nothing is created where it points.
    let out = p.install(&[]);
    assert_error(&out, "a pre-push hook already exists at");
    assert!(!elsewhere.exists());

    std::fs::write(&elsewhere, "#!/bin/sh\necho shared\n").unwrap();
    let out = p.install(&["--force"]);
    crate::common::assert_success(&out);
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap(),
        "#!/bin/sh\necho shared\n"
    );
    let installed = std::fs::symlink_metadata(p.hook()).unwrap();
    assert!(installed.file_type().is_file());
    assert!(std::fs::read_to_string(p.hook())
        .unwrap()
        .contains(env!("CARGO_BIN_EXE_xtask")));
}

#[test]
fn only_branches_are_checked_never_notes_or_other_refs() {
    let mut p = Pushing::new();
    p.installed_with_a_failing_commit();
    p.repo
        .git(&["notes", "add", "-m", "a note on the commit"])
        .unwrap();
    p.push(&["origin", "refs/notes/commits"]).unwrap();
    p.push(&["origin", "HEAD:refs/review/x"]).unwrap();
    p.assert_refused(&["origin", "feature"]);
}
