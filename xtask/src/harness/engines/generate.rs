//! Generated schema changes: a proptest strategy over tables, columns,
//! indexes, triggers and renames on the template project, written on both
//! tracks (a SQLite migration in `migrations.py`, an Alembic revision), the
//! Alembic side sometimes omitting an operation or altering one attribute.
//!
//! Each case carries the generator's own expectation of the engines' truth,
//! from its labels alone: the harness checks that the engines agree with it
//! (which tests the harness's catalog reading), then compares the guard.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use super::catalog::Attribute;
use super::truth::{Action, Kind, ObjectKey};
use crate::error::{Error, Result};
use crate::harness::fixtures::{
    materialize, Commit, CommitChange, Edit, EditAction, Expectation, Outcome, RangeSpec, Scenario,
};
use crate::harness::repo::FixtureRepo;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColType {
    Integer,
    Text,
    Real,
    Numeric,
    Boolean,
    Blob,
    Timestamp,
    Date,
}

const TYPES: [ColType; 8] = [
    ColType::Integer,
    ColType::Text,
    ColType::Real,
    ColType::Numeric,
    ColType::Boolean,
    ColType::Blob,
    ColType::Timestamp,
    ColType::Date,
];

impl ColType {
    fn sqlite(self) -> &'static str {
        match self {
            ColType::Integer => "INTEGER",
            ColType::Text => "TEXT",
            ColType::Real => "REAL",
            ColType::Numeric => "NUMERIC",
            ColType::Boolean => "BOOLEAN",
            ColType::Blob => "BLOB",
            ColType::Timestamp => "TIMESTAMP",
            ColType::Date => "DATE",
        }
    }

    fn alembic(self) -> &'static str {
        match self {
            ColType::Integer => "sa.Integer()",
            ColType::Text => "sa.Text()",
            ColType::Real => "sa.Float()",
            ColType::Numeric => "sa.Numeric()",
            ColType::Boolean => "sa.Boolean()",
            ColType::Blob => "sa.LargeBinary()",
            ColType::Timestamp => "sa.DateTime()",
            ColType::Date => "sa.Date()",
        }
    }

    /// A default in both spellings: SQLite's DDL and Alembic's `server_default`.
    fn default(self) -> Option<(&'static str, &'static str)> {
        match self {
            ColType::Integer => Some(("7", "\"7\"")),
            ColType::Text => Some(("'none'", "\"none\"")),
            ColType::Real => Some(("1.5", "\"1.5\"")),
            ColType::Numeric => Some(("2.25", "\"2.25\"")),
            ColType::Boolean => Some(("0", "sa.false()")),
            ColType::Blob => None,
            ColType::Timestamp => Some(("CURRENT_TIMESTAMP", "sa.func.now()")),
            ColType::Date => Some(("'2026-01-01'", "\"2026-01-01\"")),
        }
    }

    /// Another class, for an altered type.
    fn other(self) -> ColType {
        if self == ColType::Text {
            ColType::Integer
        } else {
            ColType::Text
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FkAction {
    NoAction,
    Cascade,
    SetNull,
    Restrict,
}

impl FkAction {
    fn sql(self) -> &'static str {
        match self {
            FkAction::NoAction => "",
            FkAction::Cascade => " ON DELETE CASCADE",
            FkAction::SetNull => " ON DELETE SET NULL",
            FkAction::Restrict => " ON DELETE RESTRICT",
        }
    }

    fn alembic(self) -> &'static str {
        match self {
            FkAction::NoAction => "",
            FkAction::Cascade => ", ondelete=\"CASCADE\"",
            FkAction::SetNull => ", ondelete=\"SET NULL\"",
            FkAction::Restrict => ", ondelete=\"RESTRICT\"",
        }
    }

    fn other(self) -> FkAction {
        if self == FkAction::Cascade {
            FkAction::NoAction
        } else {
            FkAction::Cascade
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenColumn {
    pub name: String,
    pub ty: ColType,
    pub not_null: bool,
    pub default: bool,
    pub unique: bool,
    /// A reference to `tasks(id)` or `projects(id)`, with its ON DELETE.
    pub fk: Option<(&'static str, FkAction)>,
}

/// How the Alembic side renders an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    Mirror,
    Omit,
    /// The same operation with this attribute different (on column `.1` of
    /// a created table).
    Alter(Attribute, usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GenOp {
    AddColumn {
        table: &'static str,
        column: GenColumn,
    },
    CreateTable {
        name: String,
        columns: Vec<GenColumn>,
    },
    CreateIndex {
        name: String,
        columns: Vec<&'static str>,
        unique: bool,
        partial: bool,
    },
    DropIndex,
    RenameColumn,
    DropColumn,
    CreateTrigger,
    RenameTable,
}

/// One generated pull request: the operations, each with its Alembic variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenCase {
    pub ops: Vec<(GenOp, Variant)>,
}

fn sqlite_column(c: &GenColumn) -> String {
    let mut out = format!("{} {}", c.name, c.ty.sqlite());
    if c.not_null {
        out.push_str(" NOT NULL");
    }
    if c.default {
        if let Some((sql, _)) = c.ty.default() {
            out.push_str(&format!(" DEFAULT {sql}"));
        }
    }
    if c.unique {
        out.push_str(" UNIQUE");
    }
    if let Some((table, action)) = c.fk {
        out.push_str(&format!(" REFERENCES {table}(id){}", action.sql()));
    }
    out
}

fn alembic_column(c: &GenColumn, alter: Option<Attribute>) -> String {
    let ty = if alter == Some(Attribute::Type) {
        c.ty.other()
    } else {
        c.ty
    };
    let mut out = format!("sa.Column(\"{}\", {}", c.name, ty.alembic());
    if let Some((table, action)) = c.fk {
        let action = if alter == Some(Attribute::ForeignKey) {
            action.other()
        } else {
            action
        };
        out.push_str(&format!(
            ", sa.ForeignKey(\"{table}.id\"{})",
            action.alembic()
        ));
    }
    let not_null = c.not_null != (alter == Some(Attribute::NotNull));
    out.push_str(if not_null {
        ", nullable=False"
    } else {
        ", nullable=True"
    });
    let default = c.default != (alter == Some(Attribute::Default));
    if default {
        if let Some((_, py)) = ty.default() {
            out.push_str(&format!(", server_default={py}"));
        }
    }
    if c.unique != (alter == Some(Attribute::Unique)) {
        out.push_str(", unique=True");
    }
    out.push(')');
    out
}

const TRIGGER_FUNCTION: &str = "CREATE OR REPLACE FUNCTION parity_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$";

impl GenCase {
    /// The SQLite statements, in order.
    pub fn sqlite_statements(&self) -> Vec<String> {
        self.ops
            .iter()
            .map(|(op, _)| match op {
                GenOp::AddColumn { table, column } => {
                    format!("ALTER TABLE {table} ADD COLUMN {}", sqlite_column(column))
                }
                GenOp::CreateTable { name, columns } => {
                    let mut defs = vec!["id INTEGER PRIMARY KEY".to_string()];
                    defs.extend(columns.iter().map(sqlite_column));
                    format!("CREATE TABLE {name} (\n    {}\n)", defs.join(",\n    "))
                }
                GenOp::CreateIndex {
                    name,
                    columns,
                    unique,
                    partial,
                } => format!(
                    "CREATE {}INDEX {name} ON tasks ({}){}",
                    if *unique { "UNIQUE " } else { "" },
                    columns.join(", "),
                    if *partial { " WHERE priority > 0" } else { "" }
                ),
                GenOp::DropIndex => "DROP INDEX IF EXISTS idx_tasks_project".into(),
                GenOp::RenameColumn => "ALTER TABLE tasks RENAME COLUMN title TO summary".into(),
                GenOp::DropColumn => "ALTER TABLE tasks DROP COLUMN status".into(),
                GenOp::CreateTrigger => {
                    "CREATE TRIGGER trg_tasks_touch AFTER UPDATE ON tasks BEGIN SELECT 1; END"
                        .into()
                }
                GenOp::RenameTable => "ALTER TABLE task_events RENAME TO task_log".into(),
            })
            .collect()
    }

    /// The body of the revision's `upgrade()`, one statement a line.
    pub fn alembic_statements(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (op, variant) in &self.ops {
            let alter = match variant {
                Variant::Omit => continue,
                Variant::Mirror => None,
                Variant::Alter(attribute, at) => Some((*attribute, *at)),
            };
            out.push(match op {
                GenOp::AddColumn { table, column } => format!(
                    "op.add_column(\"{table}\", {})",
                    alembic_column(column, alter.map(|a| a.0))
                ),
                GenOp::CreateTable { name, columns } => {
                    let mut defs = vec!["sa.Column(\"id\", sa.Integer(), primary_key=True)".to_string()];
                    defs.extend(columns.iter().enumerate().map(|(i, c)| {
                        alembic_column(c, alter.filter(|a| a.1 == i).map(|a| a.0))
                    }));
                    format!(
                        "op.create_table(\n        \"{name}\",\n        {},\n    )",
                        defs.join(",\n        ")
                    )
                }
                GenOp::CreateIndex {
                    name,
                    columns,
                    unique,
                    partial,
                } => {
                    let attribute = alter.map(|a| a.0);
                    let mut columns = columns.clone();
                    if attribute == Some(Attribute::IndexColumns) {
                        columns.push("id");
                    }
                    let unique = *unique != (attribute == Some(Attribute::IndexUnique));
                    let partial = *partial != (attribute == Some(Attribute::IndexWhere));
                    let quoted: Vec<String> = columns.iter().map(|c| format!("\"{c}\"")).collect();
                    format!(
                        "op.create_index(\"{name}\", \"tasks\", [{}], unique={}{})",
                        quoted.join(", "),
                        if unique { "True" } else { "False" },
                        if partial {
                            ", postgresql_where=sa.text(\"priority > 0\")"
                        } else {
                            ""
                        }
                    )
                }
                GenOp::DropIndex => {
                    "op.drop_index(\"idx_tasks_project\", table_name=\"tasks\")".into()
                }
                GenOp::RenameColumn => {
                    "op.alter_column(\"tasks\", \"title\", new_column_name=\"summary\")".into()
                }
                GenOp::DropColumn => "op.drop_column(\"tasks\", \"status\")".into(),
                GenOp::CreateTrigger => format!(
                    "op.execute(\"{TRIGGER_FUNCTION}\")\n    op.execute(\"CREATE TRIGGER trg_tasks_touch AFTER UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION parity_touch()\")"
                ),
                GenOp::RenameTable => "op.rename_table(\"task_events\", \"task_log\")".into(),
            });
        }
        out
    }

    pub fn migration_source(&self) -> String {
        let mut out = String::from("def _migrate_generated(cursor, conn):\n");
        for statement in self.sqlite_statements() {
            out.push_str(&format!(
                "    cursor.execute(\n        \"\"\"\n        {}\n        \"\"\"\n    )\n",
                statement.replace('\n', "\n        ")
            ));
        }
        out.push_str("    conn.commit()\n\n\n");
        out
    }

    pub fn revision_source(&self) -> String {
        let body = self.alembic_statements();
        format!(
            "\"\"\"generated schema change\n\nRevision ID: 0004\nRevises: 0003\n\"\"\"\n\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = \"0004\"\ndown_revision = \"0003\"\nbranch_labels = None\ndepends_on = None\n\n\ndef upgrade():\n    {}\n\n\ndef downgrade():\n    pass\n",
            if body.is_empty() {
                "pass".to_string()
            } else {
                body.join("\n    ")
            }
        )
    }

    /// The generator's expectation of the engines' truth: (object, status,
    /// mismatched attributes).
    pub fn expected(&self) -> Vec<(ObjectKey, &'static str, BTreeSet<String>)> {
        let mut out = Vec::new();
        let key = |kind, action, table: Option<&str>, name: &str, from: Option<&str>| ObjectKey {
            kind,
            action,
            table: table.map(str::to_string),
            name: name.to_string(),
            from: from.map(str::to_string),
        };
        let status =
            |variant: &Variant, column: Option<usize>| -> (&'static str, BTreeSet<String>) {
                match variant {
                    Variant::Omit => ("uncovered", BTreeSet::new()),
                    Variant::Alter(attribute, at) if column.is_none_or(|c| c == *at) => (
                        "mismatched",
                        BTreeSet::from([attribute.as_str().to_string()]),
                    ),
                    _ => ("covered", BTreeSet::new()),
                }
            };
        for (op, variant) in &self.ops {
            match op {
                GenOp::AddColumn { table, column } => {
                    let (s, a) = status(variant, None);
                    out.push((
                        key(
                            Kind::Column,
                            Action::Created,
                            Some(table),
                            &column.name,
                            None,
                        ),
                        s,
                        a,
                    ));
                }
                GenOp::CreateTable { name, columns } => {
                    let table_status = if *variant == Variant::Omit {
                        "uncovered"
                    } else {
                        "covered"
                    };
                    out.push((
                        key(Kind::Table, Action::Created, None, name, None),
                        table_status,
                        BTreeSet::new(),
                    ));
                    out.push((
                        key(Kind::Column, Action::Created, Some(name), "id", None),
                        table_status,
                        BTreeSet::new(),
                    ));
                    for (i, column) in columns.iter().enumerate() {
                        let (s, a) = status(variant, Some(i));
                        out.push((
                            key(
                                Kind::Column,
                                Action::Created,
                                Some(name),
                                &column.name,
                                None,
                            ),
                            s,
                            a,
                        ));
                    }
                }
                GenOp::CreateIndex { name, .. } => {
                    let (s, a) = status(variant, None);
                    out.push((key(Kind::Index, Action::Created, None, name, None), s, a));
                }
                GenOp::DropIndex => out.push((
                    key(
                        Kind::Index,
                        Action::Dropped,
                        None,
                        "idx_tasks_project",
                        None,
                    ),
                    status(variant, None).0,
                    BTreeSet::new(),
                )),
                GenOp::RenameColumn => out.push((
                    key(
                        Kind::Column,
                        Action::Renamed,
                        Some("tasks"),
                        "summary",
                        Some("title"),
                    ),
                    status(variant, None).0,
                    BTreeSet::new(),
                )),
                GenOp::DropColumn => out.push((
                    key(Kind::Column, Action::Dropped, Some("tasks"), "status", None),
                    status(variant, None).0,
                    BTreeSet::new(),
                )),
                GenOp::CreateTrigger => out.push((
                    key(
                        Kind::Trigger,
                        Action::Created,
                        None,
                        "trg_tasks_touch",
                        None,
                    ),
                    status(variant, None).0,
                    BTreeSet::new(),
                )),
                GenOp::RenameTable => out.push((
                    key(
                        Kind::Table,
                        Action::Renamed,
                        None,
                        "task_log",
                        Some("task_events"),
                    ),
                    status(variant, None).0,
                    BTreeSet::new(),
                )),
            }
        }
        out.sort();
        out
    }

    /// The case as a scenario on the template project: one commit on `pr`.
    pub fn scenario(&self, name: &str, template: &Path) -> Scenario {
        let edit = |path: &str, action| Edit {
            path: path.into(),
            action,
        };
        Scenario {
            name: name.into(),
            path: template.join(format!("{name}.toml")),
            description: "generated by the engines harness".into(),
            template: template.to_path_buf(),
            expect: Expectation {
                verdict: Outcome::Pass,
                exit: 0,
            },
            range: RangeSpec::default(),
            commits: vec![Commit {
                branch: "pr".into(),
                from: None,
                orphan: false,
                message: "A generated schema change".into(),
                change: CommitChange::Edits(vec![
                    edit(
                        "src/backend/db/migrations.py",
                        EditAction::InsertBefore {
                            anchor: b"MIGRATIONS = [\n".to_vec(),
                            text: self.migration_source().into_bytes(),
                        },
                    ),
                    edit(
                        "src/backend/db/migrations.py",
                        EditAction::InsertAfter {
                            anchor: b"    (\"task_events\", _migrate_task_events),\n".to_vec(),
                            text: b"    (\"generated\", _migrate_generated),\n".to_vec(),
                        },
                    ),
                    edit(
                        "src/backend/migrations/versions/0004_generated.py",
                        EditAction::Write(self.revision_source().into_bytes()),
                    ),
                ]),
            }],
        }
    }

    /// Builds the case as a repository in `dir`.
    pub fn materialize(&self, name: &str, template: &Path, dir: &Path) -> Result<FixtureRepo> {
        materialize(&self.scenario(name, template), dir)
    }
}

// ---------------------------------------------------------------------------
// The strategy.

const NAMES: [&str; 8] = [
    "due_on",
    "estimate",
    "weight",
    "note",
    "flagged",
    "payload_raw",
    "seen_at",
    "score",
];

fn column(prefix: &'static str, in_create: bool) -> impl Strategy<Value = GenColumn> {
    (
        select(&NAMES[..]),
        select(&TYPES[..]),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        option::weighted(
            0.3,
            (
                select(&["tasks", "projects"][..]),
                select(
                    &[
                        FkAction::NoAction,
                        FkAction::Cascade,
                        FkAction::SetNull,
                        FkAction::Restrict,
                    ][..],
                ),
            ),
        ),
    )
        .prop_map(move |(name, ty, not_null, default, unique, fk)| {
            let mut c = GenColumn {
                name: format!("{prefix}{name}"),
                ty,
                not_null,
                default,
                unique: unique && in_create,
                fk,
            };
            if c.fk.is_some() {
                // A reference is an integer, nullable, without a default
                // (SQLite's ADD COLUMN refuses a REFERENCES with one).
                c.ty = ColType::Integer;
                c.default = false;
                c.not_null =
                    c.not_null && in_create && c.fk.is_some_and(|f| f.1 != FkAction::SetNull);
                c.unique = false;
            }
            if c.ty.default().is_none() {
                c.default = false;
            }
            if !in_create && c.not_null && !c.default {
                // SQLite's ADD COLUMN needs a default for NOT NULL.
                c.not_null = false;
            }
            c
        })
}

/// The attributes an altered Alembic side may differ in, for a column.
fn column_alterations(c: &GenColumn) -> Vec<Attribute> {
    let mut out = vec![Attribute::NotNull];
    if c.fk.is_some() {
        out.push(Attribute::ForeignKey);
    } else {
        if !c.default {
            out.push(Attribute::Type);
        }
        if c.ty.default().is_some() {
            out.push(Attribute::Default);
        }
    }
    out
}

/// Omit, mirror or alter one of `alterations` (chosen by `pick`).
fn variant(choice: u8, pick: usize, alterations: &[Attribute], column: usize) -> Variant {
    match choice % 4 {
        0 => Variant::Omit,
        1 if !alterations.is_empty() => {
            Variant::Alter(alterations[pick % alterations.len()], column)
        }
        _ => Variant::Mirror,
    }
}

fn simple(op: GenOp) -> impl Strategy<Value = (GenOp, Variant)> {
    any::<u8>().prop_map(move |choice| (op.clone(), variant(choice, 0, &[], 0)))
}

fn add_column(
    table: &'static str,
    prefix: &'static str,
) -> impl Strategy<Value = (GenOp, Variant)> {
    (column(prefix, false), any::<u8>(), any::<usize>()).prop_map(move |(column, choice, pick)| {
        let v = variant(choice, pick, &column_alterations(&column), 0);
        (GenOp::AddColumn { table, column }, v)
    })
}

fn create_table() -> impl Strategy<Value = (GenOp, Variant)> {
    (
        select(&["gen_notes", "gen_labels", "gen_links"][..]),
        proptest::collection::vec(column("", true), 1..4),
        any::<u8>(),
        any::<usize>(),
    )
        .prop_map(|(name, mut columns, choice, pick)| {
            let mut seen = BTreeSet::new();
            columns.retain(|c| seen.insert(c.name.clone()));
            let at = pick % columns.len();
            let mut alterations = column_alterations(&columns[at]);
            alterations.push(Attribute::Unique);
            if columns[at].fk.is_some() {
                alterations.retain(|a| *a != Attribute::Unique);
            }
            let v = variant(choice, pick / 7, &alterations, at);
            (
                GenOp::CreateTable {
                    name: name.to_string(),
                    columns,
                },
                v,
            )
        })
}

fn create_index() -> impl Strategy<Value = (GenOp, Variant)> {
    (
        select(vec![
            vec!["priority"],
            vec!["project_id", "priority"],
            vec!["created_at"],
        ]),
        any::<bool>(),
        any::<bool>(),
        any::<u8>(),
        any::<usize>(),
    )
        .prop_map(|(columns, unique, partial, choice, pick)| {
            let v = variant(
                choice,
                pick,
                &[
                    Attribute::IndexColumns,
                    Attribute::IndexUnique,
                    Attribute::IndexWhere,
                ],
                0,
            );
            (
                GenOp::CreateIndex {
                    name: "idx_tasks_generated".into(),
                    columns,
                    unique,
                    partial,
                },
                v,
            )
        })
}

/// A pull request: some of the operations, in a fixed order.
pub fn gen_case() -> impl Strategy<Value = GenCase> {
    (
        option::weighted(0.4, add_column("tasks", "t_")),
        option::weighted(0.3, add_column("projects", "p_")),
        option::weighted(0.3, create_table()),
        option::weighted(0.3, create_index()),
        option::weighted(0.15, simple(GenOp::DropIndex)),
        option::weighted(0.15, simple(GenOp::RenameColumn)),
        option::weighted(0.15, simple(GenOp::DropColumn)),
        option::weighted(0.15, simple(GenOp::CreateTrigger)),
        option::weighted(0.15, simple(GenOp::RenameTable)),
    )
        .prop_map(|(a, b, c, d, e, f, g, h, i)| GenCase {
            ops: [a, b, c, d, e, f, g, h, i].into_iter().flatten().collect(),
        })
        .prop_filter("at least one operation", |case| !case.ops.is_empty())
}

/// `count` cases from `seed`, always the same for the same seed.
pub fn generate(count: usize, seed: u64) -> Result<Vec<GenCase>> {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(
            &(seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)).to_le_bytes(),
        );
    }
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let strategy = gen_case();
    (0..count)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .map(|tree| tree.current())
                .map_err(|e| Error::new(format!("the case generator: {e}")))
        })
        .collect()
}
