//! One case through the real engines and the guard: the trees of the range
//! exported, the SQLite track run, Alembic upgraded at the merge-base and at
//! HEAD in one database, both catalogs read, the truth computed, the guard's
//! `coverage` compared with it, and `--write-revision` applied and checked.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde::Deserialize;
use serde_json::json;

use super::catalog::{
    catalog_differences, labelled_differences, Attribute, Catalog, Engine, RawCatalog,
};
use super::cluster::{Cluster, Worker};
use super::truth::{changes, merge_changes, truth, Action, Kind, ObjectKey, Status, TruthItem};
use crate::error::{Error, Result};

/// Where the revision files live in the project layout.
pub const VERSIONS_DIR: &str = "src/backend/migrations/versions";

/// The cluster, the worker and a scratch directory, for a whole run.
pub struct Engines {
    // The worker goes first: its connections close before the server stops.
    worker: Worker,
    cluster: Cluster,
    work: tempfile::TempDir,
    databases: usize,
}

/// What the SQLite track did, as the worker reports it.
#[derive(Clone, Debug, Deserialize)]
pub struct SqliteRun {
    pub base: Option<RawCatalog>,
    pub upgraded: Option<RawCatalog>,
    pub fresh: Option<RawCatalog>,
    pub error: Option<String>,
}

#[derive(Deserialize)]
struct AlembicRun {
    error: Option<String>,
}

/// `alembic upgrade head` on a set of revision files: success or its error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpgradeOutcome {
    Upgraded,
    Failed(String),
}

impl Engines {
    /// Starts PostgreSQL and the worker; fails, naming the install command,
    /// when a component is missing.
    pub fn start() -> Result<Engines> {
        let work = tempfile::Builder::new()
            .prefix("parity-engines")
            .tempdir_in(super::cluster::scratch_root())?;
        let worker = Worker::start(&work.path().join("worker.log"))?;
        let cluster = Cluster::start()?;
        Ok(Engines {
            worker,
            cluster,
            work,
            databases: 0,
        })
    }

    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    pub fn work_dir(&self) -> &Path {
        self.work.path()
    }

    /// A new, empty database.
    pub fn create_db(&mut self) -> Result<String> {
        self.databases += 1;
        let name = format!("case_{}", self.databases);
        let admin = self.cluster.dsn("postgres");
        self.worker.call::<serde_json::Value>(
            &json!({"op": "create_db", "admin_dsn": admin, "name": name}),
        )?;
        Ok(name)
    }

    pub fn drop_db(&mut self, name: &str) -> Result<()> {
        let admin = self.cluster.dsn("postgres");
        self.worker.call::<serde_json::Value>(
            &json!({"op": "drop_db", "admin_dsn": admin, "name": name}),
        )?;
        Ok(())
    }

    /// `alembic upgrade head` against `db` with the revisions in `versions`.
    pub fn alembic_upgrade(&mut self, db: &str, versions: &Path) -> Result<UpgradeOutcome> {
        self.alembic_upgrade_to(db, versions, "head", None)
    }

    /// `alembic upgrade TARGET` (`head`, `heads`, `label@head`), with the
    /// project's own env.py when it has one (it reads `sqlalchemy.url`).
    pub fn alembic_upgrade_to(
        &mut self,
        db: &str,
        versions: &Path,
        target: &str,
        env_py: Option<&str>,
    ) -> Result<UpgradeOutcome> {
        let work = self.work.path().join(format!("alembic-{db}"));
        std::fs::create_dir_all(&work)?;
        let run: AlembicRun = self.worker.call(&json!({
            "op": "alembic",
            "dsn_url": self.cluster.url(db),
            "versions": versions,
            "work": work,
            "target": target,
            "env_py": env_py,
        }))?;
        Ok(match run.error {
            None => UpgradeOutcome::Upgraded,
            Some(error) => UpgradeOutcome::Failed(error),
        })
    }

    pub fn pg_catalog(&mut self, db: &str) -> Result<RawCatalog> {
        self.worker
            .call(&json!({"op": "pg_catalog", "dsn": self.cluster.dsn(db)}))
    }

    /// The SQLite track of a project exported at `base` and at `head`.
    pub fn sqlite_track(&mut self, base: &Path, head: &Path, db: &Path) -> Result<SqliteRun> {
        self.worker
            .call(&json!({"op": "sqlite", "base": base, "head": head, "db": db}))
    }

    /// Real Alembic on exactly these revision files (name, source), in a new
    /// database: whether `alembic upgrade head` succeeds, or its error.
    pub fn run_revisions(&mut self, files: &[(&str, &str)]) -> Result<UpgradeOutcome> {
        let db = self.create_db()?;
        let versions = self.work.path().join(format!("revisions-{db}"));
        std::fs::create_dir_all(&versions)?;
        for (name, source) in files {
            std::fs::write(versions.join(name), source)?;
        }
        let outcome = self.alembic_upgrade(&db, &versions);
        self.drop_db(&db)?;
        outcome
    }
}

// ---------------------------------------------------------------------------
// The guard's side, read from its JSON.

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GuardIdent {
    pub kind: String,
    pub name: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GuardFact {
    pub kind: String,
    pub action: String,
    #[serde(default)]
    pub table: Option<GuardIdent>,
    pub name: GuardIdent,
    #[serde(default)]
    pub from: Option<GuardIdent>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GuardMismatch {
    pub attribute: String,
    #[serde(default)]
    pub sqlite: String,
    #[serde(default)]
    pub alembic: String,
}

/// One item of the guard's `coverage`: the contract's shape (today's
/// binary has no `mismatches`; they default to none).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct GuardItem {
    pub fact: GuardFact,
    pub description: String,
    pub status: String,
    #[serde(default)]
    pub mismatches: Vec<GuardMismatch>,
}

#[derive(Deserialize)]
struct GuardDocument {
    #[serde(default)]
    coverage: Vec<GuardItem>,
}

impl GuardItem {
    fn is_resolved(&self) -> bool {
        self.fact.name.kind == "known"
            && self.fact.table.as_ref().is_none_or(|t| t.kind == "known")
            && self.fact.from.as_ref().is_none_or(|t| t.kind == "known")
    }

    /// The object key, when every name is known and the kind and action are
    /// the contract's.
    pub fn key(&self) -> Option<ObjectKey> {
        if !self.is_resolved() {
            return None;
        }
        let kind = match self.fact.kind.as_str() {
            "table" => Kind::Table,
            "column" => Kind::Column,
            "index" => Kind::Index,
            "trigger" => Kind::Trigger,
            _ => return None,
        };
        let action = match self.fact.action.as_str() {
            "created" => Action::Created,
            "dropped" => Action::Dropped,
            "renamed" => Action::Renamed,
            "altered" => Action::Altered,
            _ => return None,
        };
        Some(ObjectKey {
            kind,
            action,
            table: self.fact.table.as_ref().map(|t| t.name.to_lowercase()),
            name: self.fact.name.name.to_lowercase(),
            from: self.fact.from.as_ref().map(|t| t.name.to_lowercase()),
        })
    }

    fn attributes(&self) -> BTreeSet<String> {
        self.mismatches
            .iter()
            .map(|m| m.attribute.clone())
            .collect()
    }

    fn shown(&self) -> String {
        if self.mismatches.is_empty() {
            self.status.clone()
        } else {
            let attrs: Vec<String> = self
                .mismatches
                .iter()
                .map(|m| {
                    format!(
                        "{}: sqlite {}, alembic {}",
                        m.attribute, m.sqlite, m.alembic
                    )
                })
                .collect();
            format!("{} ({})", self.status, attrs.join("; "))
        }
    }
}

/// Starts the guard binary on a case with `args` before the range; its
/// output goes to `out` (a file, so that a long report never blocks it).
fn start_guard(guard: &Path, args: &[&str], case: &CaseInput, out: &Path) -> Result<GuardProcess> {
    let stdout = std::fs::File::create(out)?;
    let stderr = std::fs::File::create(out.with_extension("stderr"))?;
    Command::new(guard)
        .arg("parity")
        .args(args)
        .args(["--color", "never", &case.base, &case.head])
        .arg("--repo")
        .arg(&case.repo)
        .env_remove("PR_BASE_SHA")
        .env_remove("PR_HEAD_SHA")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map(|child| GuardProcess(Some(child)))
        .map_err(|e| Error::new(format!("cannot run the guard {}: {e}", guard.display())))
}

/// A running guard; killed and reaped if the case ends before it is read.
struct GuardProcess(Option<Child>);

impl Drop for GuardProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits for a guard started by `start_guard`: its standard output, or its
/// error when it exited with neither a pass (0) nor a fail (1).
fn finish_guard(mut process: GuardProcess, out: &Path) -> Result<Vec<u8>> {
    let mut child = process.0.take().expect("a guard is finished once");
    let status = child.wait()?;
    let stdout = std::fs::read(out)?;
    if !matches!(status.code(), Some(0 | 1)) {
        let stderr = std::fs::read_to_string(out.with_extension("stderr")).unwrap_or_default();
        return Err(Error::new(format!("the guard failed: {}", stderr.trim())));
    }
    Ok(stdout)
}

fn parse_coverage(json: &[u8]) -> Result<Vec<GuardItem>> {
    let document: GuardDocument =
        serde_json::from_slice(json).map_err(|e| Error::new(format!("the guard's JSON: {e}")))?;
    Ok(document.coverage)
}

/// Runs `parity --strict --format json` on a case and reads its `coverage`.
pub fn guard_coverage(guard: &Path, case: &CaseInput, out: &Path) -> Result<Vec<GuardItem>> {
    let child = start_guard(guard, &["--strict", "--format", "json"], case, out)?;
    parse_coverage(&finish_guard(child, out)?)
}

fn show_status(status: &Status) -> String {
    match status {
        Status::Mismatched(differences) => {
            let attrs: Vec<String> = differences
                .iter()
                .map(|d| {
                    format!(
                        "{}: sqlite {}, postgres {}",
                        d.attribute.as_str(),
                        d.sqlite,
                        d.postgres
                    )
                })
                .collect();
            format!("mismatched ({})", attrs.join("; "))
        }
        other => other.name().to_string(),
    }
}

/// An object on which the engines and the guard do not agree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    pub object: String,
    pub engines: String,
    pub guard: String,
}

/// The comparison of one case, object by object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    pub agreed: Vec<String>,
    /// Objects the guard reports with a run-time name (never decisive).
    pub unresolved: Vec<String>,
    pub disagreements: Vec<Disagreement>,
}

fn mismatch_attributes(status: &Status) -> BTreeSet<String> {
    match status {
        Status::Mismatched(differences) => differences
            .iter()
            .map(|d| d.attribute.as_str().to_string())
            .collect(),
        _ => BTreeSet::new(),
    }
}

/// The engines' truth against the guard's coverage.
pub fn compare(truth: &[TruthItem], guard: &[GuardItem]) -> Comparison {
    let mut out = Comparison::default();
    let mut matched = vec![false; guard.len()];
    for item in truth {
        let found = guard
            .iter()
            .position(|g| g.key().as_ref() == Some(&item.key));
        match found {
            Some(at) => {
                matched[at] = true;
                let g = &guard[at];
                let same = g.status == item.status.name()
                    && g.attributes() == mismatch_attributes(&item.status);
                if same {
                    out.agreed.push(format!("{} {}", item.key, g.status));
                } else {
                    out.disagreements.push(Disagreement {
                        object: item.key.to_string(),
                        engines: show_status(&item.status),
                        guard: g.shown(),
                    });
                }
            }
            None => {
                let unresolved = guard.iter().enumerate().find(|(_, g)| {
                    !g.is_resolved()
                        && g.fact.kind == item.key.kind.as_str()
                        && g.fact.action == item.key.action.as_str()
                        && (g.fact.name.kind != "known" || g.fact.name.name == item.key.name)
                });
                match unresolved {
                    Some((at, g)) => {
                        matched[at] = true;
                        out.unresolved.push(format!(
                            "{} ({}; the guard: {} unresolved)",
                            item.key,
                            show_status(&item.status),
                            g.description
                        ));
                    }
                    None => out.disagreements.push(Disagreement {
                        object: item.key.to_string(),
                        engines: show_status(&item.status),
                        guard: "not reported".into(),
                    }),
                }
            }
        }
    }
    for (g, seen) in guard.iter().zip(matched) {
        if seen {
            continue;
        }
        if g.is_resolved() {
            out.disagreements.push(Disagreement {
                object: g
                    .key()
                    .map(|k| k.to_string())
                    .unwrap_or_else(|| g.description.clone()),
                engines: "no such change in the SQLite catalog".into(),
                guard: g.shown(),
            });
        } else {
            out.unresolved.push(format!(
                "{} (the guard: unresolved; no matching change)",
                g.description
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// A case.

/// A repository and the range to judge.
#[derive(Clone, Debug)]
pub struct CaseInput {
    pub name: String,
    pub repo: PathBuf,
    pub base: String,
    pub head: String,
}

/// What `--write-revision` left: the catalogs compared after applying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteCheck {
    /// The files the guard wrote.
    pub written: Vec<String>,
    /// Differences between the PostgreSQL catalog after applying them and the
    /// migrated SQLite catalog; empty when they are equivalent.
    pub differences: Vec<String>,
    pub error: Option<String>,
}

impl WriteCheck {
    pub fn agrees(&self) -> bool {
        self.error.is_none() && self.differences.is_empty()
    }
}

/// One case, done.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub name: String,
    pub truth: Vec<TruthItem>,
    pub guard: Vec<GuardItem>,
    pub comparison: Comparison,
    pub write: WriteCheck,
    /// Engine failures and drifts worth knowing (a migration that raised, an
    /// `alembic upgrade head` that failed, schema.py and migrations.py apart).
    pub notes: Vec<String>,
}

impl CaseResult {
    pub fn agrees(&self) -> bool {
        self.comparison.disagreements.is_empty() && self.write.agrees()
    }
}

fn git(repo: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null())
        .output()?;
    if !output.status.success() {
        return Err(Error::new(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// The tree of `rev` written out under `dir` (`git archive | tar -x`).
pub fn export_tree(repo: &Path, rev: &str, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let archive = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["archive", "--format=tar", rev])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let status = Command::new("tar")
        .arg("-x")
        .arg("-C")
        .arg(dir)
        .stdin(archive.stdout.expect("piped"))
        .status()?;
    if !status.success() {
        return Err(Error::new(format!(
            "cannot export {rev} of {}",
            repo.display()
        )));
    }
    Ok(())
}

fn list_dir(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn catalog_of(engine: Engine, raw: &Option<RawCatalog>) -> Catalog {
    raw.as_ref()
        .map(|r| Catalog::from_raw(engine, r))
        .unwrap_or_default()
}

/// Runs one case: engines, guard, comparison, `--write-revision`.
pub fn run_case(engines: &mut Engines, guard: &Path, case: &CaseInput) -> Result<CaseResult> {
    let context = |e: Error| Error::new(format!("case {}: {e}", case.name));
    let merge_base = git(&case.repo, &["merge-base", &case.base, &case.head]).map_err(context)?;
    let scratch = engines.work_dir().join(&case.name);
    let (base_dir, head_dir) = (scratch.join("base"), scratch.join("head"));
    export_tree(&case.repo, &merge_base, &base_dir).map_err(context)?;
    export_tree(&case.repo, &case.head, &head_dir).map_err(context)?;
    let mut notes = Vec::new();

    // The guard runs while the engines work: its report, and the revision
    // `--write-revision` writes into the repository's working tree.
    git(&case.repo, &["checkout", "--quiet", &case.head]).map_err(context)?;
    let in_repo = case.repo.join(VERSIONS_DIR);
    let before = list_dir(&in_repo);
    let (report_out, write_out) = (scratch.join("guard.json"), scratch.join("write.txt"));
    let report = start_guard(guard, &["--strict", "--format", "json"], case, &report_out)
        .map_err(context)?;
    let writer =
        start_guard(guard, &["--strict", "--write-revision"], case, &write_out).map_err(context)?;

    // The SQLite track.
    let sqlite = engines
        .sqlite_track(&base_dir, &head_dir, &scratch.join("sqlite.db"))
        .map_err(context)?;
    if let Some(error) = &sqlite.error {
        notes.push(format!("SQLite track: {error}"));
    }
    let sqlite_base = catalog_of(Engine::Sqlite, &sqlite.base);
    let upgraded = catalog_of(Engine::Sqlite, &sqlite.upgraded);
    let mut sqlite_changes = changes(Engine::Sqlite, &sqlite_base, &upgraded);
    if sqlite.fresh.is_some() {
        let fresh = catalog_of(Engine::Sqlite, &sqlite.fresh);
        let drift = labelled_differences(&upgraded, &fresh, ("the migrated database", "schema.py"));
        if !drift.is_empty() {
            notes.push(format!(
                "schema.py at HEAD and the migrated database differ: {}",
                drift.join("; ")
            ));
        }
        sqlite_changes = merge_changes(
            sqlite_changes,
            changes(Engine::Sqlite, &sqlite_base, &fresh),
        );
    }

    // The Alembic track, in one database: the merge-base, then HEAD.
    let db = engines.create_db().map_err(context)?;
    let result = (|| -> Result<CaseResult> {
        if let UpgradeOutcome::Failed(error) =
            engines.alembic_upgrade(&db, &base_dir.join(VERSIONS_DIR))?
        {
            notes.push(format!(
                "alembic upgrade head at the merge-base failed: {error}"
            ));
        }
        let pg_base = Catalog::from_raw(Engine::Postgres, &engines.pg_catalog(&db)?);
        let head_versions = head_dir.join(VERSIONS_DIR);
        if let UpgradeOutcome::Failed(error) = engines.alembic_upgrade(&db, &head_versions)? {
            notes.push(format!("alembic upgrade head at HEAD failed: {error}"));
        }
        let pg_head = Catalog::from_raw(Engine::Postgres, &engines.pg_catalog(&db)?);
        let pg_changes = changes(Engine::Postgres, &pg_base, &pg_head);
        let truth = truth(&sqlite_changes, &pg_changes);

        let guard_items = parse_coverage(&finish_guard(report, &report_out)?)?;
        let comparison = compare(&truth, &guard_items);
        let written = finish_guard(writer, &write_out).map(|_| {
            list_dir(&in_repo)
                .difference(&before)
                .cloned()
                .collect::<Vec<_>>()
        });
        let write = write_check(engines, &in_repo, written, &db, &head_versions, &upgraded);
        Ok(CaseResult {
            name: case.name.clone(),
            truth,
            guard: guard_items,
            comparison,
            write,
            notes: std::mem::take(&mut notes),
        })
    })();
    engines.drop_db(&db).map_err(context)?;
    let _ = std::fs::remove_dir_all(&scratch);
    result.map_err(context)
}

/// The files `--write-revision` wrote (or its error) applied with `alembic
/// upgrade head` on top of HEAD's revisions, and the PostgreSQL catalog
/// compared with the migrated SQLite catalog.
fn write_check(
    engines: &mut Engines,
    in_repo: &Path,
    written: Result<Vec<String>>,
    db: &str,
    head_versions: &Path,
    sqlite: &Catalog,
) -> WriteCheck {
    let mut check = WriteCheck {
        written: Vec::new(),
        differences: Vec::new(),
        error: None,
    };
    let run = || -> Result<(Vec<String>, Vec<String>)> {
        let written = written.map_err(|e| Error::new(format!("--write-revision: {e}")))?;
        for name in &written {
            std::fs::copy(in_repo.join(name), head_versions.join(name))?;
        }
        if !written.is_empty() {
            if let UpgradeOutcome::Failed(error) = engines.alembic_upgrade(db, head_versions)? {
                return Err(Error::new(format!(
                    "alembic upgrade head with the written revision failed: {error}"
                )));
            }
        }
        let pg = Catalog::from_raw(Engine::Postgres, &engines.pg_catalog(db)?);
        Ok((written, catalog_differences(sqlite, &pg)))
    };
    match run() {
        Ok((written, differences)) => {
            check.written = written;
            check.differences = differences;
        }
        Err(error) => check.error = Some(error.to_string()),
    }
    check
}

/// The attributes of the contract, for the generator's labels.
pub fn attribute_names(attributes: &[Attribute]) -> BTreeSet<String> {
    attributes.iter().map(|a| a.as_str().to_string()).collect()
}
