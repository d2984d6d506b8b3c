//! What the end-to-end tests share: the built binary, run on a repository,
//! and the shape of an error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pretty_assertions::assert_eq;

/// The built `xtask`, with no range or colour setting from the environment.
pub fn xtask() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.env_remove("PR_BASE_SHA")
        .env_remove("PR_HEAD_SHA")
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GIT_DIR");
    cmd
}

/// `xtask parity --repo DIR ARGS...`.
pub fn parity_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = xtask();
    cmd.arg("parity").arg("--repo").arg(dir).args(args);
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts exit 0, showing stderr if not.
pub fn assert_success(output: &Output) {
    assert_eq!(output.status.code(), Some(0), "{}", stderr(output));
}

/// Asserts an error: exit 2, one sentence on stderr, nothing on stdout.
pub fn assert_error(output: &Output, needle: &str) {
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(output));
    assert_eq!(stdout(output), "", "nothing on stdout may look like a pass");
    let err = stderr(output);
    assert!(err.starts_with("parity: error: "), "{err}");
    assert!(err.contains(needle), "expected {needle:?} in {err:?}");
    assert_eq!(err.trim_end().lines().count(), 1, "one sentence: {err}");
}

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// A file under `testdata/`, as text.
pub fn testdata_text(relative: &str) -> String {
    let path = testdata().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A repository in a new temporary directory (`DIR/NAME`) with the SQL-files
/// layout committed on `main`: one SQLite migration and
/// `testdata/configs/sqlite-postgres.toml` as its `parity.toml`. Returns the
/// directory (keep it alive), the repository and the baseline's SHA.
pub fn sql_layout_baseline(
    name: &str,
) -> (tempfile::TempDir, xtask::harness::repo::FixtureRepo, String) {
    let tmp = tempfile::tempdir().unwrap();
    let mut repo = xtask::harness::repo::FixtureRepo::init(&tmp.path().join(name)).unwrap();
    repo.write(
        "migrations/sqlite/0001_init.sql",
        "CREATE TABLE agents (id INTEGER);\n",
    )
    .unwrap();
    repo.write("parity.toml", testdata_text("configs/sqlite-postgres.toml"))
        .unwrap();
    let base = repo.commit("baseline").unwrap();
    (tmp, repo, base)
}
