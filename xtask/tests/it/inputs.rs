//! Every way a user or a pull request hands the guard its input, end to end
//! through real git and the built binary: where it runs (a subdirectory, a
//! linked worktree, a `.git` file, a bare repository), what a file is
//! (symlinks, submodules), line ends, environment values, output hygiene,
//! closed pipes and usage, odd path bytes. Each test would fail if the silent
//! pass it pins came back.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::{assert_error, stderr, stdout, xtask};
use pretty_assertions::assert_eq;
use xtask::harness::repo::FixtureRepo;

pub const MIGRATIONS: &str = "src/backend/db/migrations.py";
pub const VERSIONS: &str = "src/backend/migrations/versions";

pub const BASE_MIGRATIONS: &str = "\"\"\"SQLite migrations.\"\"\"\n\n\n\
def _migrate_agents(cursor, conn):\n    cursor.execute(\"CREATE TABLE agents (id INTEGER)\")\n\n\n\
MIGRATIONS = [\n    (\"agents\", _migrate_agents),\n]\n";

/// `migrations.py` with one more migration whose body is `body`.
pub fn migrations_with(body: &str) -> String {
    BASE_MIGRATIONS
        .replace(
            "\n\n\nMIGRATIONS = [\n",
            &format!("\n\n\ndef _migrate_notes(cursor, conn):\n{body}\n\n\nMIGRATIONS = [\n"),
        )
        .replace(
            "    (\"agents\", _migrate_agents),\n",
            "    (\"agents\", _migrate_agents),\n    (\"notes\", _migrate_notes),\n",
        )
}

pub const ADD_NOTES: &str = "    cursor.execute(\"ALTER TABLE agents ADD COLUMN notes TEXT\")";

pub const REVISION: &str = "revision = \"0002\"\ndown_revision = \"0001\"\n\n\n\
def upgrade():\n    op.add_column(\"agents\", sa.Column(\"notes\", sa.Text()))\n";

/// A repository with the default layout on `main`, the branch `pr` checked
/// out (nothing committed on it yet).
pub struct Project {
    pub tmp: tempfile::TempDir,
    pub repo: FixtureRepo,
}

impl Project {
    pub fn new() -> Project {
        let tmp = tempfile::tempdir().unwrap();
        let mut repo = FixtureRepo::init(&tmp.path().join("repo")).unwrap();
        repo.write(MIGRATIONS, BASE_MIGRATIONS).unwrap();
        repo.write("src/backend/db/__init__.py", "").unwrap();
        repo.write(
            &format!("{VERSIONS}/0001_baseline.py"),
            "revision = \"0001\"\ndown_revision = None\n",
        )
        .unwrap();
        repo.commit("baseline").unwrap();
        repo.branch("pr").unwrap();
        Project { tmp, repo }
    }

    /// The project with a pull request committed on `pr` that adds a
    /// migration entry and DDL but no revision: it must fail.
    pub fn failing() -> Project {
        let mut project = Project::new();
        project
            .repo
            .write(MIGRATIONS, migrations_with(ADD_NOTES))
            .unwrap();
        project.repo.commit("add notes").unwrap();
        project
    }

    pub fn dir(&self) -> &Path {
        self.repo.dir()
    }

    pub fn git(&self, args: &[&str]) -> String {
        self.repo.git(args).unwrap()
    }
}

/// `xtask ARGS...` run in `cwd`.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    xtask().current_dir(cwd).args(args).output().unwrap()
}

/// `git` in `dir`, isolated from the machine's configuration; panics on failure.
pub fn git_in(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@t.invalid")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@t.invalid")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?} in {}: {}",
        dir.display(),
        stderr(&output)
    );
    stdout(&output).trim().to_string()
}

fn assert_same_verdict(what: &str, got: &Output, expected: &Output) {
    assert_eq!(
        got.status.code(),
        expected.status.code(),
        "{what}: {}",
        stderr(got)
    );
    assert_eq!(stdout(got), stdout(expected), "{what}");
    assert_eq!(stderr(got), stderr(expected), "{what}");
}

mod where_it_runs {
    use super::*;
    use pretty_assertions::assert_eq;

    /// Every place the guard may be pointed at, as (name, cwd, --repo).
    fn places(project: &Project) -> Vec<(String, std::path::PathBuf, Option<String>)> {
        let top = project.dir().to_path_buf();
        let tmp = project.tmp.path();
        // A linked worktree of `pr`'s commit, a work tree whose `.git` is a
        // file (a separate git dir), and a bare clone.
        let head = project.git(&["rev-parse", "HEAD"]);
        git_in(
            &top,
            &[
                "worktree",
                "add",
                "--quiet",
                "--detach",
                tmp.join("linked").to_str().unwrap(),
                &head,
            ],
        );
        git_in(
            tmp,
            &[
                "clone",
                "--quiet",
                "--separate-git-dir",
                tmp.join("sep.git").to_str().unwrap(),
                top.to_str().unwrap(),
                tmp.join("gitfile").to_str().unwrap(),
            ],
        );
        git_in(
            tmp,
            &[
                "clone",
                "--quiet",
                "--bare",
                top.to_str().unwrap(),
                tmp.join("bare.git").to_str().unwrap(),
            ],
        );
        for clone in ["gitfile", "bare.git"] {
            // The clones know `main` and `pr` as local branches.
            let dir = tmp.join(clone);
            let _ = Command::new("git")
                .arg("-C")
                .arg(&dir)
                .args(["branch", "--quiet", "main", "origin/main"])
                .output();
            let _ = Command::new("git")
                .arg("-C")
                .arg(&dir)
                .args(["branch", "--quiet", "pr", "origin/pr"])
                .output();
        }
        assert!(
            tmp.join("gitfile/.git").is_file(),
            "the clone's .git is a file"
        );
        let mut places = vec![];
        for (name, dir) in [
            ("top level", top.clone()),
            ("src/backend", top.join("src/backend")),
            ("src/backend/db", top.join("src/backend/db")),
            ("the .git directory", top.join(".git")),
            ("a linked worktree", tmp.join("linked")),
            (
                "a subdirectory of a linked worktree",
                tmp.join("linked/src/backend"),
            ),
            ("a .git file", tmp.join("gitfile")),
            ("a subdirectory beside a .git file", tmp.join("gitfile/src")),
            ("a bare repository", tmp.join("bare.git")),
        ] {
            places.push((format!("cwd {name}"), dir.clone(), None));
            places.push((
                format!("--repo {name}"),
                tmp.to_path_buf(),
                Some(dir.to_str().unwrap().to_string()),
            ));
        }
        places
    }

    fn with_repo(repo: &Option<String>, args: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        if let Some(repo) = repo {
            all.insert(1, "--repo".into());
            all.insert(2, repo.clone());
        }
        all
    }

    #[test]
    fn parity_gives_the_same_verdict_wherever_it_is_pointed() {
        let project = Project::failing();
        let expected = run_in(project.dir(), &["parity", "main", "pr"]);
        assert_eq!(expected.status.code(), Some(1), "{}", stdout(&expected));
        assert!(
            stdout(&expected).contains(&format!("{MIGRATIONS}:")),
            "paths relative to the top level: {}",
            stdout(&expected)
        );
        let places = places(&project);
        for format in ["text", "json", "github", "sarif"] {
            let expected = run_in(project.dir(), &["parity", "main", "pr", "--format", format]);
            for (what, cwd, repo) in &places {
                let args = with_repo(repo, &["parity", "main", "pr", "--format", format]);
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                let got = run_in(cwd, &args);
                assert_same_verdict(&format!("{what}, {format}"), &got, &expected);
            }
        }
    }

    #[test]
    fn scan_and_print_config_give_the_same_answer_wherever_they_run() {
        let project = Project::failing();
        let places = places(&project);
        for args in [
            vec!["scan", "--range", "main..pr"],
            vec!["scan", "--range", "main..pr", "--format", "json"],
            vec!["parity", "--print-config", "main", "pr"],
        ] {
            let expected = run_in(project.dir(), &args);
            if args[0] == "scan" {
                assert_eq!(expected.status.code(), Some(1), "{}", stdout(&expected));
                assert!(
                    stdout(&expected).contains("add notes"),
                    "{}",
                    stdout(&expected)
                );
            }
            for (what, cwd, repo) in &places {
                let all = with_repo(repo, &args);
                let all: Vec<&str> = all.iter().map(String::as_str).collect();
                assert_same_verdict(&format!("{what}: {args:?}"), &run_in(cwd, &all), &expected);
            }
        }
    }

    #[test]
    fn a_passing_range_passes_from_a_subdirectory_too() {
        let mut project = Project::new();
        project
            .repo
            .write(MIGRATIONS, migrations_with(ADD_NOTES))
            .unwrap();
        project
            .repo
            .write(&format!("{VERSIONS}/0002_notes.py"), REVISION)
            .unwrap();
        project.repo.commit("add notes with a revision").unwrap();
        let sub = project.dir().join("src/backend");
        let output = run_in(&sub, &["parity", "main", "pr"]);
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        assert!(
            stdout(&output).contains("covered     column agents.notes"),
            "the revision is read and paired from a subdirectory: {}",
            stdout(&output)
        );
    }

    #[test]
    fn a_bad_revision_names_the_repository_by_its_path() {
        let project = Project::failing();
        let output = run_in(&project.dir().join("src"), &["parity", "nope", "pr"]);
        let top = project.dir().canonicalize().unwrap();
        assert_error(
            &output,
            &format!("BASE \"nope\" does not name a commit in {}", top.display()),
        );
    }

    #[test]
    fn write_revision_writes_under_the_top_level_from_a_subdirectory() {
        let project = Project::failing();
        // A revision that covers nothing, so that --strict has something to suggest.
        let mut project = project;
        project
            .repo
            .write(
                &format!("{VERSIONS}/0002_other.py"),
                "revision = \"0002\"\ndown_revision = \"0001\"\n",
            )
            .unwrap();
        project.repo.commit("an unrelated revision").unwrap();
        let sub = project.dir().join("src/backend/db");
        let output = run_in(&sub, &["parity", "--write-revision", "main", "pr"]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let written: Vec<String> = std::fs::read_dir(project.dir().join(VERSIONS))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(written.len(), 3, "{written:?}");
        assert!(
            !sub.join(VERSIONS).exists(),
            "nothing written relative to the subdirectory"
        );
        // From inside the git directory, and pointed at it: the work tree
        // it belongs to (the first write took the name, so these are
        // refused as existing, naming the file under the top level).
        let git_dir = project.dir().join(".git");
        for output in [
            run_in(&git_dir, &["parity", "--write-revision", "main", "pr"]),
            run_in(
                project.dir(),
                &[
                    "parity",
                    "--repo",
                    git_dir.to_str().unwrap(),
                    "--write-revision",
                    "main",
                    "pr",
                ],
            ),
        ] {
            assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
            let err = stderr(&output);
            assert!(err.contains("already exists"), "{err}");
            let top = std::fs::canonicalize(project.dir()).unwrap();
            assert!(
                err.contains(&top.join(VERSIONS).display().to_string()),
                "{err}"
            );
        }
    }

    #[test]
    fn the_hook_installed_and_pushed_from_a_subdirectory_stops_the_push() {
        let project = Project::failing();
        let remote = project.tmp.path().join("remote.git");
        git_in(
            project.tmp.path(),
            &["init", "--quiet", "--bare", remote.to_str().unwrap()],
        );
        let top = project.dir();
        git_in(top, &["remote", "add", "origin", remote.to_str().unwrap()]);
        git_in(top, &["push", "--quiet", "origin", "main"]);
        git_in(top, &["branch", "--quiet", "--set-upstream-to=origin/main"]);
        let sub = top.join("src/backend");
        let installed = run_in(&sub, &["install-hook"]);
        assert_eq!(installed.status.code(), Some(0), "{}", stderr(&installed));
        assert!(top.join(".git/hooks/pre-push").is_file());
        let push = Command::new("git")
            .current_dir(&sub)
            .args(["push", "--quiet", "origin", "pr"])
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("GIT_DIR")
            .output()
            .unwrap();
        assert!(!push.status.success(), "the hook must stop the push");
        assert!(
            stdout(&push).contains("FAIL") || stderr(&push).contains("FAIL"),
            "{}{}",
            stdout(&push),
            stderr(&push)
        );
    }
}

mod environment {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    /// `parity` in the project with only the environment giving the range.
    fn with_env(project: &Project, env: &[(&str, &OsStr)]) -> Output {
        let mut cmd = xtask();
        cmd.current_dir(project.dir()).arg("parity");
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.output().unwrap()
    }

    fn os(s: &str) -> &OsStr {
        OsStr::new(s)
    }

    #[test]
    fn a_value_that_is_not_utf8_is_an_error_never_a_skip() {
        let project = Project::failing();
        let bad = OsStr::from_bytes(b"ma\xffin");
        let output = with_env(&project, &[("PR_BASE_SHA", bad), ("PR_HEAD_SHA", os("pr"))]);
        assert_error(&output, "PR_BASE_SHA is set but is not valid UTF-8");
        let output = with_env(
            &project,
            &[("PR_BASE_SHA", os("main")), ("PR_HEAD_SHA", bad)],
        );
        assert_error(&output, "PR_HEAD_SHA is set but is not valid UTF-8");
    }

    #[test]
    fn a_value_git_cannot_resolve_is_an_error() {
        let project = Project::failing();
        for (base, head, needle) in [
            (
                "no-such-branch",
                "pr",
                "BASE \"no-such-branch\" does not name a commit",
            ),
            (
                "main",
                "no-such-branch",
                "HEAD \"no-such-branch\" does not name a commit",
            ),
            ("0000", "pr", "BASE \"0000\" does not name a commit"),
            ("main", &"1".repeat(40), "does not name a commit"),
        ] {
            let output = with_env(
                &project,
                &[("PR_BASE_SHA", os(base)), ("PR_HEAD_SHA", os(head))],
            );
            assert_error(&output, needle);
        }
    }

    #[test]
    fn only_unset_blank_or_all_zero_ends_skip_and_the_message_says_which() {
        let project = Project::failing();
        let zeros = "0".repeat(40);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (
                vec![("PR_HEAD_SHA", "pr")],
                "no BASE given: PR_BASE_SHA is not set",
            ),
            (
                vec![("PR_BASE_SHA", ""), ("PR_HEAD_SHA", "pr")],
                "no BASE given: PR_BASE_SHA is empty",
            ),
            (
                vec![("PR_BASE_SHA", " \t"), ("PR_HEAD_SHA", "pr")],
                "no BASE given: PR_BASE_SHA holds only white space",
            ),
            (
                vec![("PR_BASE_SHA", "main")],
                "no HEAD given: PR_HEAD_SHA is not set",
            ),
            (
                vec![("PR_BASE_SHA", "main"), ("PR_HEAD_SHA", "")],
                "no HEAD given: PR_HEAD_SHA is empty",
            ),
            (
                vec![("PR_BASE_SHA", &zeros), ("PR_HEAD_SHA", "pr")],
                "BASE is the all-zero SHA",
            ),
            (
                vec![("PR_BASE_SHA", "main"), ("PR_HEAD_SHA", &zeros)],
                "HEAD is the all-zero SHA",
            ),
        ];
        for (env, why) in cases {
            let env: Vec<(&str, &OsStr)> = env.iter().map(|(k, v)| (*k, os(v))).collect();
            let output = with_env(&project, &env);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{env:?}: {}",
                stderr(&output)
            );
            let first = stdout(&output).lines().next().unwrap_or("").to_string();
            assert!(
                first.starts_with(&format!("parity: skipped — {why}")),
                "{env:?}: {first}"
            );
            assert!(!first.contains("skipped — skipped"), "read once: {first}");
        }
    }

    #[test]
    fn a_command_line_base_makes_the_environment_irrelevant() {
        let project = Project::failing();
        let bad = OsStr::from_bytes(b"\xff");
        let mut cmd = xtask();
        cmd.current_dir(project.dir())
            .args(["parity", "main", "pr"])
            .env("PR_BASE_SHA", bad)
            .env("PR_HEAD_SHA", bad);
        let output = cmd.output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    }

    #[test]
    fn an_end_given_empty_on_the_command_line_skips_and_says_so() {
        let project = Project::failing();
        for args in [
            vec!["parity", "main", ""],
            vec!["parity", "--base", "main", "--head", ""],
            vec!["parity", "--base", "", "--head", "pr"],
        ] {
            let mut cmd = xtask();
            cmd.current_dir(project.dir())
                .args(&args)
                .env("PR_BASE_SHA", "main")
                .env("PR_HEAD_SHA", "pr");
            let output = cmd.output().unwrap();
            assert_eq!(
                output.status.code(),
                Some(0),
                "{args:?}: {}",
                stderr(&output)
            );
            let out = stdout(&output);
            assert!(out.starts_with("parity: skipped"), "{args:?}: {out}");
            assert!(
                out.contains("given on the command line is empty"),
                "{args:?}: {out}"
            );
        }
    }
}

mod pipes_and_usage {
    use super::*;
    use pretty_assertions::assert_eq;

    /// Runs `xtask ARGS` in `cwd` with the read end of stdout (or stderr)
    /// closed before it writes: the exit code and what the other stream got.
    fn with_closed(cwd: &Path, args: &[&str], close_stdout: bool) -> (Option<i32>, String) {
        let mut child = xtask()
            .current_dir(cwd)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (mut kept, closed): (Box<dyn std::io::Read>, Box<dyn std::io::Read>) = if close_stdout {
            (
                Box::new(child.stderr.take().unwrap()),
                Box::new(child.stdout.take().unwrap()),
            )
        } else {
            (
                Box::new(child.stdout.take().unwrap()),
                Box::new(child.stderr.take().unwrap()),
            )
        };
        drop(closed);
        let mut other = String::new();
        kept.read_to_string(&mut other).unwrap();
        (child.wait().unwrap().code(), other)
    }

    #[test]
    fn a_closed_stdout_is_never_a_panic_and_the_exit_code_is_the_verdicts() {
        let project = Project::failing();
        for (args, expected) in [
            (vec!["parity", "main", "pr"], 1),
            (vec!["parity", "main", "pr", "--format", "json"], 1),
            (vec!["parity", "main", "pr", "--format", "sarif"], 1),
            (vec!["parity", "main", "pr", "--format", "github"], 1),
            (vec!["scan", "--range", "main..pr"], 1),
            (vec!["scan", "--range", "main..pr", "--format", "json"], 1),
            (vec!["scan", "--range", "main"], 0),
            (vec!["parity", "--print-config"], 0),
            (vec!["parity"], 0),
        ] {
            let (code, err) = with_closed(project.dir(), &args, true);
            assert_eq!(code, Some(expected), "{args:?}: {err}");
            assert!(
                !err.contains("panicked") && !err.contains("Broken pipe"),
                "{args:?}: {err}"
            );
        }
        let (code, err) = with_closed(project.dir(), &["parity", "--help"], true);
        assert_eq!((code, err), (Some(0), String::new()));
    }

    #[test]
    fn a_closed_stderr_is_never_a_panic() {
        let project = Project::failing();
        let (code, out) = with_closed(project.dir(), &["parity", "nope", "pr"], false);
        assert_eq!((code, out), (Some(2), String::new()));
        let (code, out) = with_closed(project.dir(), &["parity", "--format", "xml"], false);
        assert_eq!((code, out), (Some(2), String::new()));
        let (code, out) = with_closed(project.dir(), &["parity", "main", "pr"], false);
        assert_eq!(code, Some(1));
        assert!(out.starts_with("parity: FAIL"), "{out}");
    }

    #[test]
    fn a_usage_error_is_one_line_with_its_hint_and_exit_2() {
        let project = Project::failing();
        let output = run_in(project.dir(), &["parity", "--format", "xml"]);
        assert_eq!(
            stderr(&output),
            "parity: error: invalid value 'xml' for --format (text, json, github, sarif); see --help\n"
        );
        assert_error(&output, "invalid value");
        for (args, needle) in [
            (vec!["parity", "--bogus"], "unexpected argument '--bogus'"),
            (vec!["parity", "a", "b", "c"], "unexpected argument 'c'"),
            (vec!["pariti"], "'pariti'"),
            (vec![], "no command given"),
            (vec!["parity", "--format"], "--format needs a value"),
            (
                vec!["scan", "--format", "sarif"],
                "invalid value 'sarif' for --format (text, json)",
            ),
            (
                vec!["parity", "--base", "a", "--base", "b"],
                "cannot be used multiple times",
            ),
            (
                vec!["parity", "--color", "sometimes"],
                "for --color (auto, always, never)",
            ),
        ] {
            let output = run_in(project.dir(), &args);
            assert_error(&output, needle);
            assert!(
                stderr(&output).ends_with("; see --help\n"),
                "{args:?}: {}",
                stderr(&output)
            );
        }
    }

    #[test]
    fn an_error_that_quotes_a_control_character_is_still_one_clean_line() {
        let project = Project::failing();
        for args in [
            vec!["parity", "--repo", "/tmp/no\n\x1b[31mdir", "main", "pr"],
            vec!["parity", "--format", "x\r\x1b[2J"],
        ] {
            let output = run_in(project.dir(), &args);
            assert_error(&output, "parity: error: ");
            assert!(
                !stderr(&output).trim_end().contains(['\x1b', '\r', '\n']),
                "{:?}",
                stderr(&output)
            );
        }
    }

    #[test]
    fn suggest_and_write_revision_together_are_refused_and_nothing_is_written() {
        let project = Project::failing();
        let versions = project.dir().join(VERSIONS);
        let before = std::fs::read_dir(&versions).unwrap().count();
        let output = run_in(
            project.dir(),
            &["parity", "--suggest", "--write-revision", "main", "pr"],
        );
        assert_error(
            &output,
            "--suggest and --write-revision cannot be used together",
        );
        assert_eq!(std::fs::read_dir(&versions).unwrap().count(), before);
    }

    #[test]
    fn progress_stays_off_stderr_when_it_is_not_a_terminal() {
        let project = Project::failing();
        let output = run_in(project.dir(), &["scan", "--range", "main..pr"]);
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(stderr(&output), "", "no progress in a pipe or in CI");
    }
}

mod what_a_file_is {
    use super::*;
    use pretty_assertions::assert_eq;
    use std::os::unix::fs::symlink;

    const REAL: &str = "src/backend/db/real_migrations.py";

    fn parity(project: &Project, args: &[&str]) -> Output {
        let mut all = vec!["parity", "main", "pr"];
        all.extend(args);
        run_in(project.dir(), &all)
    }

    fn link(project: &Project, target: &str, at: &str) {
        let at = project.dir().join(at);
        let _ = std::fs::remove_file(&at);
        let _ = std::fs::remove_dir_all(&at);
        symlink(target, at).unwrap();
    }

    fn assert_fails_on_the_watched_file(output: &Output) {
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}{}",
            stdout(output),
            stderr(output)
        );
        let out = stdout(output);
        assert!(out.contains(&format!("{MIGRATIONS}:")), "{out}");
        assert!(out.contains("ALTER TABLE"), "{out}");
    }

    #[test]
    fn a_watched_file_replaced_by_a_symlink_is_judged_as_its_target() {
        let mut project = Project::new();
        project
            .repo
            .write(REAL, migrations_with(ADD_NOTES))
            .unwrap();
        link(&project, "real_migrations.py", MIGRATIONS);
        project.repo.commit("migrations through a symlink").unwrap();
        assert_judged_through_a_symlink(&parity(&project, &[]));
    }

    /// The watched file is a symlink to `REAL` on the base branch, and the
    /// project is on `pr`, made from there.
    fn linked_on_the_base() -> Project {
        let mut project = Project::new();
        project.repo.checkout("main").unwrap();
        project.repo.write(REAL, BASE_MIGRATIONS).unwrap();
        link(&project, "real_migrations.py", MIGRATIONS);
        project.repo.commit("the symlink on the base").unwrap();
        project.git(&["checkout", "--quiet", "-B", "pr"]);
        project
    }

    fn assert_judged_through_a_symlink(output: &Output) {
        assert_fails_on_the_watched_file(output);
        assert!(
            stdout(output).contains("is reached through a symlink"),
            "{}",
            stdout(output)
        );
    }

    #[test]
    fn a_change_to_the_target_of_a_watched_symlink_counts() {
        let mut project = linked_on_the_base();
        project
            .repo
            .write(REAL, migrations_with(ADD_NOTES))
            .unwrap();
        project.repo.commit("edit the target only").unwrap();
        assert_fails_on_the_watched_file(&parity(&project, &[]));
    }

    #[test]
    fn a_watched_symlink_pointed_at_another_file_is_judged_as_the_new_target() {
        // The diff shows the link's own line; the verdict is the target's.
        let mut project = linked_on_the_base();
        let other = "src/backend/db/other_migrations.py";
        project
            .repo
            .write(other, migrations_with(ADD_NOTES))
            .unwrap();
        link(&project, "other_migrations.py", MIGRATIONS);
        project.repo.commit("point the symlink elsewhere").unwrap();
        assert_judged_through_a_symlink(&parity(&project, &[]));
    }

    #[test]
    fn scan_follows_watched_symlinks_as_parity_does() {
        let mut project = Project::new();
        project.repo.write(REAL, BASE_MIGRATIONS).unwrap();
        link(&project, "real_migrations.py", MIGRATIONS);
        let linked = project.repo.commit("migrations through a symlink").unwrap();
        project
            .repo
            .write(REAL, migrations_with(ADD_NOTES))
            .unwrap();
        let edited = project.repo.commit("edit the target only").unwrap();
        let scan = run_in(
            project.dir(),
            &["scan", "--range", "main..pr", "--format", "json"],
        );
        assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
        let document: serde_json::Value = serde_json::from_str(&stdout(&scan)).unwrap();
        let failing: Vec<&str> = document["failing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["sha"].as_str().unwrap())
            .collect();
        assert_eq!(failing, vec![edited.as_str()]);
        // Each commit exactly as `parity PARENT COMMIT` judges it.
        for (parent, commit) in [
            ("main", linked.as_str()),
            (linked.as_str(), edited.as_str()),
        ] {
            let parity = run_in(
                project.dir(),
                &["parity", parent, commit, "--format", "json"],
            );
            let report: serde_json::Value = serde_json::from_str(&stdout(&parity)).unwrap();
            let scanned = document["failing"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["sha"] == commit);
            match scanned {
                Some(c) => {
                    assert_eq!(c["report"]["evidence"], report["evidence"]);
                    assert_eq!(c["report"]["verdict"], report["verdict"]);
                }
                None => assert_eq!(parity.status.code(), Some(0), "{commit}"),
            }
        }
    }

    #[test]
    fn a_watched_directory_replaced_by_a_symlink_is_followed() {
        let mut project = Project::new();
        let db2 = "src/backend/db2";
        project
            .repo
            .write(&format!("{db2}/migrations.py"), migrations_with(ADD_NOTES))
            .unwrap();
        project
            .repo
            .write(&format!("{db2}/__init__.py"), "")
            .unwrap();
        link(&project, "db2", "src/backend/db");
        project
            .repo
            .commit("the db package through a symlink")
            .unwrap();
        assert_fails_on_the_watched_file(&parity(&project, &[]));
    }

    #[test]
    fn a_watched_symlink_that_dangles_or_leaves_the_tree_is_an_error_naming_it() {
        for (target, why) in [
            ("nowhere.py", "points at nothing"),
            ("/etc/hostname", "leaves the repository"),
            ("../../../../outside.py", "leaves the repository"),
        ] {
            let mut project = Project::new();
            link(&project, target, MIGRATIONS);
            project.repo.commit("a bad link").unwrap();
            let output = parity(&project, &[]);
            assert_error(
                &output,
                &format!("the watched file {MIGRATIONS} is a symlink that"),
            );
            assert!(
                stderr(&output).contains(why),
                "{target}: {}",
                stderr(&output)
            );
        }
    }

    #[test]
    fn a_revision_symlink_inside_the_tree_counts_and_is_paired_as_its_target() {
        let mut project = Project::new();
        project
            .repo
            .write(MIGRATIONS, migrations_with(ADD_NOTES))
            .unwrap();
        project
            .repo
            .write("src/backend/migrations/real/notes.py", REVISION)
            .unwrap();
        link(
            &project,
            "../real/notes.py",
            &format!("{VERSIONS}/0002_notes.py"),
        );
        project.repo.commit("a revision through a symlink").unwrap();
        let output = parity(&project, &["--strict"]);
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        assert!(
            stdout(&output).contains("covered     column agents.notes"),
            "{}",
            stdout(&output)
        );
    }

    #[test]
    fn a_revision_symlink_that_dangles_or_leaves_the_tree_is_no_revision() {
        for (target, why) in [
            ("../nowhere.py", "points at nothing"),
            ("/etc/hostname", "leaves the repository"),
        ] {
            let mut project = Project::new();
            project
                .repo
                .write(MIGRATIONS, migrations_with(ADD_NOTES))
                .unwrap();
            link(&project, target, &format!("{VERSIONS}/0002_notes.py"));
            project
                .repo
                .commit("a revision that is a bad link")
                .unwrap();
            let output = parity(&project, &[]);
            assert_fails_on_the_watched_file(&output);
            let out = stdout(&output);
            assert!(out.contains("net-new revisions: 0"), "{out}");
            assert!(
                out.contains(&format!(
                    "{VERSIONS}/0002_notes.py was added but is a symlink that"
                )),
                "{out}"
            );
            assert!(out.contains(why), "{out}");
        }
    }

    #[test]
    fn a_watched_file_replaced_by_a_submodule_is_noted_as_one() {
        let project = Project::new();
        let base = project.git(&["rev-parse", "HEAD"]);
        project.git(&["rm", "--quiet", "--cached", MIGRATIONS]);
        let cacheinfo = format!("160000,{base},{MIGRATIONS}");
        project.git(&["update-index", "--add", "--cacheinfo", &cacheinfo]);
        project.git(&[
            "commit",
            "--quiet",
            "-m",
            "migrations.py becomes a submodule",
        ]);
        let output = parity(&project, &[]);
        // Gone in Python's view: no line added, no entry, a pass.
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        let out = stdout(&output);
        assert!(out.contains("new migration entries: 0"), "{out}");
        assert!(
            out.contains(&format!(
                "note: {MIGRATIONS} is a submodule on one side of the range"
            )),
            "{out}"
        );
        assert!(!out.contains("reached through a symlink"), "{out}");
    }

    #[test]
    fn a_submodule_is_never_a_revision_whatever_its_name() {
        let project = Project::new();
        let base = project.git(&["rev-parse", "HEAD"]);
        // One gitlink to a commit that is here, one to a commit that is not.
        // git reads neither as a file at HEAD: both are "missing" to it.
        let why = "not a file (a submodule, or nothing at all)";
        for commit in [base.as_str(), &"7".repeat(40)[..]] {
            let project = Project::new();
            project
                .repo
                .write(MIGRATIONS, migrations_with(ADD_NOTES))
                .unwrap();
            project.git(&["add", "--all"]);
            let cacheinfo = format!("160000,{commit},{VERSIONS}/0002_notes.py");
            project.git(&["update-index", "--add", "--cacheinfo", &cacheinfo]);
            project.git(&[
                "commit",
                "--quiet",
                "-m",
                "a submodule named like a revision",
            ]);
            let output = parity(&project, &[]);
            assert_fails_on_the_watched_file(&output);
            let out = stdout(&output);
            assert!(out.contains("net-new revisions: 0"), "{out}");
            assert!(
                out.contains(&format!("0002_notes.py was added but is {why}")),
                "{out}"
            );
        }
    }

    #[test]
    fn a_revision_whose_name_holds_a_newline_is_read_and_paired() {
        let mut project = Project::new();
        project
            .repo
            .write(MIGRATIONS, migrations_with(ADD_NOTES))
            .unwrap();
        project
            .repo
            .write(&format!("{VERSIONS}/0002_no\ntes\x1b[31m.py"), REVISION)
            .unwrap();
        project
            .repo
            .commit("a revision with a newline in its name")
            .unwrap();
        let output = parity(&project, &["--strict"]);
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        let out = stdout(&output);
        assert!(out.contains("covered     column agents.notes"), "{out}");
        assert!(
            out.contains("0002_no\\ntes\\x1b[31m.py"),
            "the name shown escaped: {out}"
        );
        assert!(!out.contains('\x1b'), "{out}");
    }
}

mod bytes_of_the_diff {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn a_comment_never_hides_ddl_or_an_entry_after_a_lone_cr() {
        let mut project = Project::new();
        // One git line each: a comment, a lone CR, then the code Python runs.
        let migrations = migrations_with(
            "    # harmless\r    cursor.execute(\"ALTER TABLE agents ADD COLUMN notes TEXT\")",
        )
        .replace(
            "    (\"notes\", _migrate_notes),\n",
            "    # nothing to see\r    (\"notes\", _migrate_notes),\n",
        );
        project.repo.write(MIGRATIONS, migrations).unwrap();
        project.repo.commit("code after a lone CR").unwrap();
        let output = run_in(project.dir(), &["parity", "main", "pr", "--format", "json"]);
        assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
        let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        let lines = |key: &str| -> Vec<u64> {
            report[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["line"].as_u64().unwrap())
                .collect()
        };
        // git's line numbers: the function's body is line 9, the entry line 14.
        assert_eq!((lines("entries"), lines("evidence")), (vec![14], vec![9]));
        assert_eq!(
            report["notes"],
            serde_json::json!([]),
            "lexed, not a fallback"
        );
    }

    #[test]
    fn control_bytes_of_the_diff_never_reach_any_output_raw() {
        let mut project = Project::new();
        let hostile = "    cursor.execute(\"ALTER TABLE agents ADD COLUMN notes TEXT\")  \
                       # \r::error file=x::forged\x1b[2J\x07\u{9b}31m\u{202e}";
        project
            .repo
            .write(MIGRATIONS, migrations_with(hostile))
            .unwrap();
        // The subject too, for scan's table.
        project
            .repo
            .commit("hostile \u{202e}bytes\x1b[31m \u{2028}\u{2066}\u{9b}")
            .unwrap();
        for format in ["text", "github", "json", "sarif"] {
            let output = run_in(
                project.dir(),
                &[
                    "parity", "main", "pr", "--format", format, "--color", "never",
                ],
            );
            assert_eq!(
                output.status.code(),
                Some(1),
                "{format}: {}",
                stderr(&output)
            );
            let out = stdout(&output);
            let raw: Vec<char> = out
                .chars()
                .filter(|&c| c != '\n' && parity_core::report::is_hostile(c))
                .collect();
            assert_eq!(raw, Vec::<char>::new(), "{format}: {out}");
            for line in out.lines() {
                let ours = format == "github"
                    && (line.starts_with("::error file=src/")
                        || line.starts_with("::warning file=src/"));
                assert!(
                    !line.starts_with("::") || ours,
                    "{format}: a forged command: {line}"
                );
            }
        }
        for format in ["text", "json"] {
            let scan = run_in(
                project.dir(),
                &["scan", "--range", "main..pr", "--format", format],
            );
            assert_eq!(scan.status.code(), Some(1), "{}", stderr(&scan));
            let out = stdout(&scan);
            assert!(out.contains("hostile"), "{out}");
            let raw: Vec<char> = out
                .chars()
                .filter(|&c| c != '\n' && parity_core::report::is_hostile(c))
                .collect();
            assert_eq!(raw, Vec::<char>::new(), "scan {format}: {out}");
        }
    }
}
