//! Alembic's own failures on a revision graph, from real Alembic on real
//! PostgreSQL: two heads, a revision id too long for the default
//! `alembic_version.version_num VARCHAR(32)`, a `down_revision` that names no
//! revision, and the widening revision that makes a long id fit. The lead
//! checks the guard's integrity findings against `Engines::run_revisions`.

use super::run::{Engines, UpgradeOutcome};
use crate::error::Result;

/// A revision file's source: `revision`, `down_revision`, and a body.
pub fn revision_file(revision: &str, down: Option<&str>, upgrade: &str) -> String {
    let down = down
        .map(|d| format!("{d:?}"))
        .unwrap_or_else(|| "None".into());
    format!(
        "import sqlalchemy as sa\nfrom alembic import op\n\nrevision = {revision:?}\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    {upgrade}\n\n\ndef downgrade():\n    pass\n"
    )
}

/// What real Alembic must do with a scenario's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Upgrades,
    /// Fails with an error containing this text.
    FailsWith(&'static str),
}

#[derive(Clone, Debug)]
pub struct IntegrityScenario {
    pub name: &'static str,
    pub files: Vec<(String, String)>,
    pub expect: Expect,
}

/// A 40-character revision id, longer than VARCHAR(32).
pub const LONG_REVISION: &str = "0002_a_revision_id_longer_than_32_chars";

pub fn integrity_scenarios() -> Vec<IntegrityScenario> {
    let initial = (
        "0001_initial.py".to_string(),
        revision_file(
            "0001",
            None,
            "op.create_table(\"t\", sa.Column(\"id\", sa.Integer(), primary_key=True))",
        ),
    );
    let column = |name: &str| format!("op.add_column(\"t\", sa.Column(\"{name}\", sa.Text()))");
    vec![
        IntegrityScenario {
            name: "linear",
            files: vec![
                initial.clone(),
                ("0002_a.py".into(), revision_file("0002", Some("0001"), &column("a"))),
            ],
            expect: Expect::Upgrades,
        },
        IntegrityScenario {
            name: "two-heads",
            files: vec![
                initial.clone(),
                ("0002_a.py".into(), revision_file("0002a", Some("0001"), &column("a"))),
                ("0002_b.py".into(), revision_file("0002b", Some("0001"), &column("b"))),
            ],
            expect: Expect::FailsWith("Multiple head revisions are present"),
        },
        IntegrityScenario {
            name: "revision-id-too-long",
            files: vec![
                initial.clone(),
                (
                    "0002_long.py".into(),
                    revision_file(LONG_REVISION, Some("0001"), &column("a")),
                ),
            ],
            expect: Expect::FailsWith("value too long for type character varying(32)"),
        },
        IntegrityScenario {
            name: "missing-down-revision",
            files: vec![
                initial.clone(),
                ("0003_c.py".into(), revision_file("0003", Some("0002"), &column("c"))),
            ],
            expect: Expect::FailsWith("KeyError"),
        },
        IntegrityScenario {
            name: "widened-version-table",
            files: vec![
                initial,
                (
                    "0002_widen.py".into(),
                    revision_file(
                        "0002",
                        Some("0001"),
                        "op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))",
                    ),
                ),
                (
                    "0003_long.py".into(),
                    revision_file(
                        "0003_a_revision_id_longer_than_32_chars",
                        Some("0002"),
                        &column("a"),
                    ),
                ),
            ],
            expect: Expect::Upgrades,
        },
    ]
}

/// One integrity scenario against real Alembic.
#[derive(Clone, Debug)]
pub struct IntegrityResult {
    pub name: &'static str,
    pub outcome: UpgradeOutcome,
    pub passed: bool,
    pub detail: String,
}

/// Every integrity scenario, each in its own database.
pub fn check_integrity(engines: &mut Engines) -> Result<Vec<IntegrityResult>> {
    let mut out = Vec::new();
    for scenario in integrity_scenarios() {
        let files: Vec<(&str, &str)> = scenario
            .files
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect();
        let outcome = engines.run_revisions(&files)?;
        let passed = match (&scenario.expect, &outcome) {
            (Expect::Upgrades, UpgradeOutcome::Upgraded) => true,
            (Expect::FailsWith(text), UpgradeOutcome::Failed(error)) => error.contains(text),
            _ => false,
        };
        let detail = match &outcome {
            UpgradeOutcome::Upgraded => "upgraded".to_string(),
            UpgradeOutcome::Failed(error) => error.clone(),
        };
        out.push(IntegrityResult {
            name: scenario.name,
            outcome,
            passed,
            detail,
        });
    }
    Ok(out)
}
