//! Object-level pairing: which tables, columns, indexes and triggers each
//! track changes, and whether the added revisions cover the first track's.
//!
//! Both tracks are reduced to the same `SchemaOp` values (SQL text through
//! `sql::extract_sql`, Python calls through the other extractors), then to
//! `Fact`s that can be compared as sets.

pub mod pair;
pub mod python;
pub mod sql;
pub mod suggest;

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

pub use python::LineOp;

/// A name in a schema: known (lower-cased, unquoted) or built at run time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "name")]
pub enum Ident {
    Known(String),
    /// A name from an f-string or `.format` placeholder: `{table}`.
    Unresolved(String),
}

impl Ident {
    pub fn known(name: &str) -> Ident {
        Ident::Known(name.to_lowercase())
    }

    pub fn is_known(&self) -> bool {
        matches!(self, Ident::Known(_))
    }
}

impl fmt::Display for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ident::Known(name) => f.write_str(name),
            Ident::Unresolved(expr) => write!(f, "{{{expr}}}"),
        }
    }
}

/// A column as a definition names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnDef {
    pub name: Ident,
    /// The declared SQL type, upper-cased words (`INTEGER`, `TEXT`), or empty.
    pub sql_type: String,
    /// `PRIMARY KEY` (or `primary_key=True`).
    pub primary_key: bool,
    /// `NOT NULL` (or `nullable=False`).
    pub not_null: bool,
}

impl ColumnDef {
    /// A column with a name and a type and no constraint.
    pub fn new(name: Ident, sql_type: impl Into<String>) -> ColumnDef {
        ColumnDef {
            name,
            sql_type: sql_type.into(),
            primary_key: false,
            not_null: false,
        }
    }
}

/// One schema change, as either track states it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op")]
pub enum SchemaOp {
    CreateTable {
        table: Ident,
        columns: Vec<ColumnDef>,
    },
    DropTable {
        table: Ident,
    },
    RenameTable {
        from: Ident,
        to: Ident,
    },
    AddColumn {
        table: Ident,
        column: ColumnDef,
    },
    DropColumn {
        table: Ident,
        column: Ident,
    },
    RenameColumn {
        table: Ident,
        from: Ident,
        to: Ident,
    },
    /// `op.alter_column` without a rename: a type or nullability change.
    AlterColumn {
        table: Ident,
        column: Ident,
    },
    CreateIndex {
        index: Ident,
        table: Ident,
        columns: Vec<String>,
        unique: bool,
    },
    DropIndex {
        index: Ident,
    },
    CreateTrigger {
        trigger: Ident,
        table: Ident,
    },
    DropTrigger {
        trigger: Ident,
    },
}

/// What a `Fact` says happened to its object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Created,
    Dropped,
    Renamed,
    Altered,
}

/// The kind of a schema object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObjectKind {
    Table,
    Column,
    Index,
    Trigger,
}

/// One object and what happened to it: the unit of coverage. A column's
/// `table` is its table; a table's, index's or trigger's is `None` (an index
/// or trigger name is unique in the schema).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Fact {
    pub kind: ObjectKind,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Ident>,
    pub name: Ident,
    /// For a rename, the old name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Ident>,
}

impl Fact {
    fn new(kind: ObjectKind, action: Action, table: Option<&Ident>, name: &Ident) -> Fact {
        Fact {
            kind,
            action,
            table: table.cloned(),
            name: name.clone(),
            from: None,
        }
    }

    /// Whether every name of the fact is known statically.
    pub fn is_resolved(&self) -> bool {
        self.name.is_known()
            && self.table.as_ref().is_none_or(Ident::is_known)
            && self.from.as_ref().is_none_or(Ident::is_known)
    }

    /// `column agents.notes (created)` and the like, for reports.
    pub fn describe(&self) -> String {
        let kind = match self.kind {
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::Index => "index",
            ObjectKind::Trigger => "trigger",
        };
        let action = match self.action {
            Action::Created => "added",
            Action::Dropped => "dropped",
            Action::Renamed => "renamed",
            Action::Altered => "altered",
        };
        let name = match &self.table {
            Some(table) => format!("{table}.{}", self.name),
            None => self.name.to_string(),
        };
        match &self.from {
            Some(from) => format!("{kind} {name} ({action} from {from})"),
            None => format!("{kind} {name} ({action})"),
        }
    }
}

impl SchemaOp {
    /// The facts the operation establishes.
    pub fn facts(&self) -> Vec<Fact> {
        use Action::*;
        use ObjectKind::*;
        match self {
            SchemaOp::CreateTable { table, columns } => {
                let mut facts = vec![Fact::new(Table, Created, None, table)];
                facts.extend(
                    columns
                        .iter()
                        .map(|c| Fact::new(Column, Created, Some(table), &c.name)),
                );
                facts
            }
            SchemaOp::DropTable { table } => vec![Fact::new(Table, Dropped, None, table)],
            SchemaOp::RenameTable { from, to } => vec![Fact {
                from: Some(from.clone()),
                ..Fact::new(Table, Renamed, None, to)
            }],
            SchemaOp::AddColumn { table, column } => {
                vec![Fact::new(Column, Created, Some(table), &column.name)]
            }
            SchemaOp::DropColumn { table, column } => {
                vec![Fact::new(Column, Dropped, Some(table), column)]
            }
            SchemaOp::RenameColumn { table, from, to } => vec![Fact {
                from: Some(from.clone()),
                ..Fact::new(Column, Renamed, Some(table), to)
            }],
            SchemaOp::AlterColumn { table, column } => {
                vec![Fact::new(Column, Altered, Some(table), column)]
            }
            SchemaOp::CreateIndex { index, .. } => vec![Fact::new(Index, Created, None, index)],
            SchemaOp::DropIndex { index } => vec![Fact::new(Index, Dropped, None, index)],
            SchemaOp::CreateTrigger { trigger, .. } => {
                vec![Fact::new(Trigger, Created, None, trigger)]
            }
            SchemaOp::DropTrigger { trigger } => vec![Fact::new(Trigger, Dropped, None, trigger)],
        }
    }
}

/// Reads table rebuilds for what they are. `CREATE TABLE t_new (...)`,
/// (`DROP TABLE t`), `ALTER TABLE t_new RENAME TO t` and the indexes and
/// triggers re-created on `t` create no object: the scratch table's columns
/// become columns of `t` (so a column the rebuild adds is still seen, and
/// the ones `t` had are not new), and the rest is dropped. A rename is a
/// rebuild when both names are tables of the file: the scratch one created,
/// the target created or dropped; renaming a table to a new name is not.
pub fn without_rebuilds(ops: Vec<LineOp>) -> Vec<LineOp> {
    let mut created: BTreeSet<&Ident> = BTreeSet::new();
    let mut dropped: BTreeSet<&Ident> = BTreeSet::new();
    for (_, op) in &ops {
        match op {
            SchemaOp::CreateTable { table, .. } => {
                created.insert(table);
            }
            SchemaOp::DropTable { table } => {
                dropped.insert(table);
            }
            _ => {}
        }
    }
    // (scratch table, rebuilt table) for each rebuild.
    let rebuilds: Vec<(Ident, Ident)> = ops
        .iter()
        .filter_map(|(_, op)| match op {
            SchemaOp::RenameTable { from, to }
                if created.contains(from) && (created.contains(to) || dropped.contains(to)) =>
            {
                Some((from.clone(), to.clone()))
            }
            _ => None,
        })
        .collect();
    if rebuilds.is_empty() {
        return ops;
    }
    let rebuilt_from = |t: &Ident| {
        rebuilds
            .iter()
            .find(|(s, _)| s == t)
            .map(|(_, r)| r.clone())
    };
    let rebuilt = |t: &Ident| rebuilds.iter().any(|(_, r)| r == t);
    let mut out = Vec::new();
    for (line, op) in ops {
        match op {
            SchemaOp::CreateTable { table, columns } => match rebuilt_from(&table) {
                Some(target) => out.extend(columns.into_iter().map(|column| {
                    (
                        line,
                        SchemaOp::AddColumn {
                            table: target.clone(),
                            column,
                        },
                    )
                })),
                None => out.push((line, SchemaOp::CreateTable { table, columns })),
            },
            SchemaOp::RenameTable { ref from, .. } if rebuilt_from(from).is_some() => {}
            SchemaOp::DropTable { ref table } if rebuilt(table) => {}
            SchemaOp::CreateIndex { ref table, .. } | SchemaOp::CreateTrigger { ref table, .. }
                if rebuilt(table) || rebuilt_from(table).is_some() => {}
            other => out.push((line, other)),
        }
    }
    out
}

/// A fact the first track states at HEAD and did not at the base, where it
/// is stated, and the operation that states it (for the fix-it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstTrackFact {
    pub fact: Fact,
    pub path: String,
    pub line: u32,
    pub op: SchemaOp,
}

/// The facts a file states at HEAD and not at the base: what the range
/// changed, whichever hunk it sits in. Rebuilds are dropped on both sides.
pub fn new_facts(path: &str, base: Vec<LineOp>, head: Vec<LineOp>) -> Vec<FirstTrackFact> {
    let before: BTreeSet<Fact> = without_rebuilds(base)
        .iter()
        .flat_map(|(_, op)| op.facts())
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (line, op) in without_rebuilds(head) {
        for fact in op.facts() {
            if before.contains(&fact) || !seen.insert(fact.clone()) {
                continue;
            }
            out.push(FirstTrackFact {
                fact,
                path: path.to_string(),
                line,
                op: op.clone(),
            });
        }
    }
    out
}

/// One first-track fact and whether an added revision covers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub fact: Fact,
    pub description: String,
    pub path: String,
    pub line: u32,
    pub status: CoverageStatus,
    /// The first-track operation that states the fact.
    #[serde(skip)]
    pub op: SchemaOp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageStatus {
    Covered,
    Uncovered,
    /// A name the SQL builds at run time: reported, never decisive.
    Unresolved,
}

/// Pairs the first track's new facts with the revisions' operations.
pub fn coverage(first_track: &[FirstTrackFact], revisions: &[SchemaOp]) -> Vec<Coverage> {
    let offered: BTreeSet<Fact> = revisions.iter().flat_map(SchemaOp::facts).collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for first in first_track {
        if !seen.insert(first.fact.clone()) {
            continue;
        }
        let status = if !first.fact.is_resolved() {
            CoverageStatus::Unresolved
        } else if covered(&first.fact, &offered) {
            CoverageStatus::Covered
        } else {
            CoverageStatus::Uncovered
        };
        out.push(Coverage {
            description: first.fact.describe(),
            fact: first.fact.clone(),
            path: first.path.clone(),
            line: first.line,
            status,
            op: first.op.clone(),
        });
    }
    out
}

fn covered(fact: &Fact, offered: &BTreeSet<Fact>) -> bool {
    if offered.contains(fact) {
        return true;
    }
    // A column renamed on the first track may be an `alter_column` with
    // `new_column_name` on the second: same table, same new name.
    fact.kind == ObjectKind::Column
        && fact.action == Action::Renamed
        && offered.iter().any(|o| {
            o.kind == ObjectKind::Column
                && o.action == Action::Renamed
                && o.table == fact.table
                && o.name == fact.name
        })
}

#[cfg(test)]
mod tests {
    use super::sql::extract_sql;
    use super::*;
    use pretty_assertions::assert_eq;

    fn located(sql: &str) -> Vec<LineOp> {
        extract_sql(sql).into_iter().map(|op| (1, op)).collect()
    }

    fn facts(sql: &str) -> Vec<FirstTrackFact> {
        new_facts("m.py", Vec::new(), located(sql))
    }

    #[test]
    fn a_rebuild_is_not_a_new_table() {
        let ops = without_rebuilds(located(
            "CREATE TABLE agents_new (id INTEGER, name TEXT);
             INSERT INTO agents_new SELECT id, name FROM agents;
             DROP TABLE agents;
             ALTER TABLE agents_new RENAME TO agents;
             CREATE INDEX IF NOT EXISTS ix_agents_name ON agents(name);
             ALTER TABLE other ADD COLUMN x TEXT;",
        ));
        let ops: Vec<_> = ops.into_iter().map(|(_, op)| op).collect();
        let add = |table: &str, column: &str, sql_type: &str| SchemaOp::AddColumn {
            table: Ident::known(table),
            column: ColumnDef::new(Ident::known(column), sql_type),
        };
        assert_eq!(
            ops,
            vec![
                add("agents", "id", "INTEGER"),
                add("agents", "name", "TEXT"),
                add("other", "x", "TEXT"),
            ]
        );
    }

    #[test]
    fn a_rebuild_that_adds_a_column_shows_only_that_column() {
        let base = located("CREATE TABLE agents (id INTEGER, name TEXT)");
        let head = located(
            "CREATE TABLE agents (id INTEGER, name TEXT);
             CREATE TABLE agents_new (id INTEGER, name TEXT, tags TEXT);
             DROP TABLE agents; ALTER TABLE agents_new RENAME TO agents;",
        );
        let new: Vec<_> = new_facts("m.py", base, head)
            .into_iter()
            .map(|f| f.fact.describe())
            .collect();
        assert_eq!(new, vec!["column agents.tags (added)".to_string()]);
    }

    #[test]
    fn renaming_a_table_to_a_new_name_is_not_a_rebuild() {
        let head =
            located("CREATE TABLE events (id INTEGER); ALTER TABLE events RENAME TO history;");
        let new: Vec<_> = new_facts("m.py", located("CREATE TABLE events (id INTEGER)"), head)
            .into_iter()
            .map(|f| f.fact.describe())
            .collect();
        assert_eq!(new, vec!["table history (renamed from events)".to_string()]);
    }

    #[test]
    fn coverage_names_each_object_and_its_status() {
        let first = facts(
            "ALTER TABLE agents ADD COLUMN a TEXT; ALTER TABLE agents ADD COLUMN b TEXT;
             CREATE INDEX ix_a ON agents(a); ALTER TABLE {t} ADD COLUMN c TEXT;",
        );
        let revision =
            extract_sql("ALTER TABLE agents ADD COLUMN a TEXT; CREATE INDEX ix_a ON agents(a)");
        let got: Vec<_> = coverage(&first, &revision)
            .into_iter()
            .map(|c| (c.fact.describe(), c.status))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "column agents.a (added)".to_string(),
                    CoverageStatus::Covered
                ),
                (
                    "column agents.b (added)".to_string(),
                    CoverageStatus::Uncovered
                ),
                ("index ix_a (added)".to_string(), CoverageStatus::Covered),
                (
                    "column {t}.c (added)".to_string(),
                    CoverageStatus::Unresolved
                ),
            ]
        );
    }

    #[test]
    fn only_facts_new_since_the_base_count() {
        let base = located("CREATE TABLE agents (id INTEGER, name TEXT)");
        let head = located("CREATE TABLE agents (id INTEGER, name TEXT, notes TEXT)");
        let new: Vec<_> = new_facts("schema.py", base, head)
            .into_iter()
            .map(|f| f.fact.describe())
            .collect();
        assert_eq!(new, vec!["column agents.notes (added)".to_string()]);
    }

    #[test]
    fn a_created_table_is_covered_column_by_column() {
        let first = facts("CREATE TABLE notes (id INTEGER, body TEXT, extra TEXT)");
        let revision = extract_sql("CREATE TABLE notes (id INTEGER, body TEXT)");
        let uncovered: Vec<_> = coverage(&first, &revision)
            .into_iter()
            .filter(|c| c.status == CoverageStatus::Uncovered)
            .map(|c| c.fact.describe())
            .collect();
        assert_eq!(uncovered, vec!["column notes.extra (added)".to_string()]);
    }
}
