//! `cargo xtask engines`: real engines as the oracle of the guard's object
//! pairing.
//!
//! For each case (every `pairing-*` scenario, and generated schema changes
//! written on both tracks) the harness builds the repository, runs the SQLite
//! track into a real SQLite database (schema.py at the merge-base, then the
//! new `MIGRATIONS` of HEAD; schema.py alone at HEAD for a fresh install),
//! runs real Alembic (`alembic upgrade head`) into a throwaway PostgreSQL at
//! the merge-base and then at HEAD, reads both catalogs, and derives the
//! engines' truth: what the SQLite track changed, object by object, and
//! whether PostgreSQL made the same change with equivalent attributes
//! (covered / mismatched / uncovered). It then runs the built guard
//! (`parity --strict --format json`) and compares its `coverage` with that
//! truth object by object, and applies the guard's `--write-revision` with
//! Alembic and compares the whole PostgreSQL catalog with the SQLite one.
//!
//! Modules: `cluster` (PostgreSQL's lifecycle, the Python worker),
//! `catalog` (the catalogs, the mapping table), `truth` (catalog differences
//! as object changes, the truth), `run` (one case), `generate` (the proptest
//! strategy), `integrity` (Alembic's own failures on revision graphs).
//! Nothing is mocked: a missing component is an error naming its install
//! command.

pub mod catalog;
pub mod cluster;
pub mod generate;
pub mod integrity;
pub mod run;
pub mod truth;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;

use crate::error::{Error, Result};
use crate::harness::fixtures::{default_scenarios_dir, load_scenarios, materialize};
pub use integrity::{check_integrity, integrity_scenarios, IntegrityResult};
pub use run::{run_case, CaseInput, CaseResult, Engines, UpgradeOutcome};

#[derive(Args, Debug, Clone)]
pub struct EnginesArgs {
    /// How many generated schema changes to run after the scenarios.
    #[arg(long, default_value_t = 200)]
    pub cases: usize,
    /// The generator's seed (the same seed gives the same cases).
    #[arg(long, default_value_t = 20_260_101)]
    pub seed: u64,
    /// Print every case's objects, not only the disagreements.
    #[arg(long)]
    pub verbose: bool,
}

/// A generated case whose engines' truth is not what the generator wrote:
/// a fault of the harness (or of an engine), never of the guard.
#[derive(Clone, Debug)]
pub struct HarnessProblem {
    pub case: String,
    pub expected: Vec<String>,
    pub engines: Vec<String>,
}

/// Everything one run saw.
#[derive(Clone, Debug)]
pub struct SuiteReport {
    pub scenarios: Vec<CaseResult>,
    pub generated: Vec<CaseResult>,
    pub harness_problems: Vec<HarnessProblem>,
    pub integrity: Vec<IntegrityResult>,
    pub versions: String,
    pub seconds: f64,
}

impl SuiteReport {
    /// Every case's object-level agreement and `--write-revision` check.
    pub fn guard_agrees(&self) -> bool {
        self.scenarios
            .iter()
            .chain(&self.generated)
            .all(CaseResult::agrees)
    }

    /// The harness's own checks: generated truth as written, integrity as
    /// Alembic behaves.
    pub fn harness_ok(&self) -> bool {
        self.harness_problems.is_empty() && self.integrity.iter().all(|r| r.passed)
    }
}

/// The `pairing-*` scenarios, built under `dir`.
pub fn scenario_cases(dir: &Path) -> Result<Vec<CaseInput>> {
    let mut out = Vec::new();
    for scenario in load_scenarios(&default_scenarios_dir())? {
        if !scenario.name.starts_with("pairing-") {
            continue;
        }
        let repo = dir.join(&scenario.name);
        materialize(&scenario, &repo)?;
        out.push(CaseInput {
            name: scenario.name.clone(),
            repo,
            base: scenario.range.base.clone(),
            head: scenario.range.head.clone(),
        });
    }
    Ok(out)
}

fn truth_lines(result: &CaseResult) -> Vec<String> {
    result
        .truth
        .iter()
        .map(|t| {
            let attrs = match &t.status {
                truth::Status::Mismatched(d) => d
                    .iter()
                    .map(|d| d.attribute.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                _ => String::new(),
            };
            format!("{} {} {attrs}", t.key, t.status.name())
                .trim_end()
                .to_string()
        })
        .collect()
}

/// Runs the scenarios, `cases` generated cases and the integrity checks.
pub fn run_suite(guard: &Path, cases: usize, seed: u64) -> Result<SuiteReport> {
    let started = Instant::now();
    let mut engines = Engines::start()?;
    let v = engines.worker().versions.clone();
    let versions = format!(
        "SQLite {}, Alembic {}, SQLAlchemy {}, psycopg {}",
        v.sqlite, v.alembic, v.sqlalchemy, v.psycopg
    );
    let repos = engines.work_dir().join("repos");
    let mut scenarios = Vec::new();
    for case in scenario_cases(&repos)? {
        scenarios.push(run_case(&mut engines, guard, &case)?);
    }
    let template = default_scenarios_dir().join("project");
    let mut generated = Vec::new();
    let mut harness_problems = Vec::new();
    for (i, case) in generate::generate(cases, seed)?.into_iter().enumerate() {
        let name = format!("generated-{i:03}");
        let repo = repos.join(&name);
        case.materialize(&name, &template, &repo)?;
        let result = run_case(
            &mut engines,
            guard,
            &CaseInput {
                name: name.clone(),
                repo: repo.clone(),
                base: "main".into(),
                head: "pr".into(),
            },
        )?;
        let mut expected: Vec<String> = case
            .expected()
            .into_iter()
            .map(|(key, status, attrs)| {
                format!(
                    "{key} {status} {}",
                    attrs.into_iter().collect::<Vec<_>>().join(",")
                )
                .trim_end()
                .to_string()
            })
            .collect();
        expected.sort();
        let mut seen = truth_lines(&result);
        seen.sort();
        if seen != expected {
            harness_problems.push(HarnessProblem {
                case: name.clone(),
                expected,
                engines: seen,
            });
        }
        // `PARITY_ENGINES_KEEP=DIR` keeps each generated repository (with
        // what `--write-revision` wrote) under DIR, for a person to inspect.
        match std::env::var_os("PARITY_ENGINES_KEEP") {
            Some(keep) => {
                let to = Path::new(&keep).join(&name);
                let _ = std::fs::remove_dir_all(&to);
                std::fs::create_dir_all(&keep)?;
                if std::fs::rename(&repo, &to).is_err() {
                    copy_dir(&repo, &to)?;
                    let _ = std::fs::remove_dir_all(&repo);
                }
            }
            None => {
                let _ = std::fs::remove_dir_all(&repo);
            }
        }
        generated.push(result);
    }
    let integrity = check_integrity(&mut engines)?;
    drop(engines);
    Ok(SuiteReport {
        scenarios,
        generated,
        harness_problems,
        integrity,
        versions,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A directory tree copied (across file systems, where a rename fails).
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn count(result: &CaseResult, status: &str) -> usize {
    result
        .truth
        .iter()
        .filter(|t| t.status.name() == status)
        .count()
}

/// The table: one row per case, then the disagreements in full.
pub fn render(report: &SuiteReport, verbose: bool) -> String {
    let mut out = String::new();
    out.push_str(&format!("engines: {}\n\n", report.versions));
    out.push_str(&format!(
        "{:<34} {:>4} {:>4} {:>4} {:>4} {:>5}  {:<8} {}\n",
        "case", "obj", "cov", "mis", "unc", "disag", "write", "result"
    ));
    let all: Vec<&CaseResult> = report.scenarios.iter().chain(&report.generated).collect();
    for r in &all {
        out.push_str(&format!(
            "{:<34} {:>4} {:>4} {:>4} {:>4} {:>5}  {:<8} {}\n",
            r.name,
            r.truth.len(),
            count(r, "covered"),
            count(r, "mismatched"),
            count(r, "uncovered"),
            r.comparison.disagreements.len(),
            if r.write.agrees() { "equal" } else { "DIFFERS" },
            if r.agrees() { "agree" } else { "DISAGREE" }
        ));
    }
    let disagreeing: Vec<&&CaseResult> = all.iter().filter(|r| !r.agrees() || verbose).collect();
    for r in disagreeing {
        out.push_str(&format!("\n{}:\n", r.name));
        for note in &r.notes {
            out.push_str(&format!("  note: {note}\n"));
        }
        for d in &r.comparison.disagreements {
            out.push_str(&format!(
                "  {}\n    engines: {}\n    guard:   {}\n",
                d.object, d.engines, d.guard
            ));
        }
        for u in &r.comparison.unresolved {
            out.push_str(&format!("  unresolved in the guard: {u}\n"));
        }
        if verbose {
            for a in &r.comparison.agreed {
                out.push_str(&format!("  agreed: {a}\n"));
            }
        }
        if let Some(error) = &r.write.error {
            out.push_str(&format!("  --write-revision: {error}\n"));
        } else if !r.write.differences.is_empty() {
            out.push_str(&format!(
                "  after --write-revision ({}), PostgreSQL differs from SQLite:\n",
                if r.write.written.is_empty() {
                    "nothing written".to_string()
                } else {
                    r.write.written.join(", ")
                }
            ));
            for d in &r.write.differences {
                out.push_str(&format!("    {d}\n"));
            }
        }
    }
    for p in &report.harness_problems {
        out.push_str(&format!(
            "\nHARNESS: {}: the engines' truth is not what the generator wrote\n  expected: {}\n  engines:  {}\n",
            p.case,
            p.expected.join(" | "),
            p.engines.join(" | ")
        ));
    }
    out.push_str("\nAlembic integrity:\n");
    for r in &report.integrity {
        out.push_str(&format!(
            "  {:<32} {:<4} {}\n",
            r.name,
            if r.passed { "ok" } else { "FAIL" },
            r.detail
        ));
    }
    let disagreeing = all.iter().filter(|r| !r.agrees()).count();
    out.push_str(&format!(
        "\n{} cases ({} scenarios, {} generated): {} agree, {} disagree; harness checks: {}; {:.1} s\n",
        all.len(),
        report.scenarios.len(),
        report.generated.len(),
        all.len() - disagreeing,
        disagreeing,
        if report.harness_ok() { "ok" } else { "FAILED" },
        report.seconds
    ));
    out
}

/// The running xtask binary: the guard the harness runs.
fn this_binary() -> Result<PathBuf> {
    std::env::current_exe().map_err(|e| Error::new(format!("cannot find the xtask binary: {e}")))
}

/// `cargo xtask engines`: exit 0 when the harness's own checks hold and the
/// guard agrees with the engines everywhere, 1 otherwise.
pub fn run(args: EnginesArgs) -> Result<i32> {
    let report = run_suite(&this_binary()?, args.cases, args.seed)?;
    print!("{}", render(&report, args.verbose));
    Ok(if report.harness_ok() && report.guard_agrees() {
        0
    } else {
        1
    })
}

#[cfg(test)]
mod tests;
