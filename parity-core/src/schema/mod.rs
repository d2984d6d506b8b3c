//! Object-level pairing: which tables, columns, indexes and triggers each
//! track changes, and whether the added revisions make the same change.
//!
//! Both tracks are read into the same `SchemaOp` values (SQL text through
//! `sql::extract_sql`, Python calls through the extractors of `python`),
//! applied to a schema model (`model`): one model of the first track at the
//! merge-base and one at HEAD, from every watched file together; their
//! difference is the change. The added revisions, applied in chain order to
//! the base model, give the second track's schema at HEAD, and each object of
//! the change is covered, mismatched or uncovered by comparing the two
//! through the mapping table of `types`. `suggest` writes what is missing.
pub mod equiv;
pub mod fix;
pub mod model;
pub mod pair;
pub mod python;
pub mod sql;
pub mod types;

use std::fmt;

use serde::Serialize;
use smol_str::SmolStr;

pub use model::SharedPath;
pub use python::LineOp;
pub use types::{DefaultValue, TypeClass};

/// A name in a schema: known (lower-cased, unquoted) or built at run time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "name")]
pub enum Ident {
    /// Held inline up to 23 bytes (most names), so that a report of a
    /// million identifiers makes no million allocations.
    Known(SmolStr),
    /// A name from an f-string or `.format` placeholder: `{table}` (rare,
    /// so boxed: it fits beside the inline name, and an identifier stays
    /// three words).
    Unresolved(Box<str>),
}

// The size the comment above promises: an `Option<Ident>` too.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Option<Ident>>() == 24);

impl Ident {
    pub fn known(name: &str) -> Ident {
        Ident::Known(name.to_lowercase().into())
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

/// A foreign key's target: the table, its columns (empty: its primary
/// key), and the actions, upper-cased (`None`: `NO ACTION`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ForeignKey {
    pub table: Ident,
    pub columns: Vec<String>,
    pub on_delete: Option<String>,
    pub on_update: Option<String>,
}

/// A column as a definition names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnDef {
    pub name: Ident,
    /// The declared SQL type, upper-cased words (`INTEGER`, `TEXT`), or empty.
    pub sql_type: String,
    /// The type's class by the mapping table (`types.rs`).
    pub type_class: TypeClass,
    /// `PRIMARY KEY` (or `primary_key=True`).
    pub primary_key: bool,
    /// `NOT NULL` (or `nullable=False`).
    pub not_null: bool,
    /// `UNIQUE` (or `unique=True`).
    pub unique: bool,
    /// `DEFAULT ...` (or `server_default=`).
    pub default: Option<DefaultValue>,
    /// `REFERENCES t(c)` (or `sa.ForeignKey("t.c")`); boxed, as few columns
    /// have one and a pull request can add a million.
    pub foreign_key: Option<Box<ForeignKey>>,
    /// SQLAlchemy's `index=True`: an index `ix_<table>_<column>`.
    pub index: bool,
}

impl ColumnDef {
    /// A column with a name and a SQL type and no constraint.
    pub fn new(name: Ident, sql_type: impl Into<String>) -> ColumnDef {
        let sql_type = sql_type.into();
        ColumnDef {
            name,
            type_class: TypeClass::from_sqlite(&sql_type),
            sql_type,
            primary_key: false,
            not_null: false,
            unique: false,
            default: None,
            foreign_key: None,
            index: false,
        }
    }
}

/// A table constraint, as `CREATE TABLE`'s clauses, SQLAlchemy's
/// `*Constraint(...)` or Alembic's `create_*` operations state it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Constraint {
    PrimaryKey {
        name: Option<Ident>,
        columns: Vec<String>,
    },
    Unique {
        name: Option<Ident>,
        columns: Vec<String>,
    },
    ForeignKey {
        name: Option<Ident>,
        columns: Vec<String>,
        target: ForeignKey,
    },
}

impl Constraint {
    pub fn name(&self) -> Option<&Ident> {
        match self {
            Constraint::PrimaryKey { name, .. }
            | Constraint::Unique { name, .. }
            | Constraint::ForeignKey { name, .. } => name.as_ref(),
        }
    }

    pub fn columns(&self) -> &[String] {
        match self {
            Constraint::PrimaryKey { columns, .. }
            | Constraint::Unique { columns, .. }
            | Constraint::ForeignKey { columns, .. } => columns,
        }
    }
}

/// A trigger as SQLite states it: when it fires, on what, under which
/// condition, and the statements of its body, each as SQL text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TriggerDef {
    /// `BEFORE`, `AFTER` or `INSTEAD OF` (SQLite's default is `BEFORE`).
    pub timing: String,
    /// `INSERT`, `DELETE`, `UPDATE` or `UPDATE OF a, b`.
    pub event: String,
    /// The `WHEN` condition.
    pub when: Option<String>,
    /// The statements between `BEGIN` and `END`, without their `;`.
    pub body: Vec<String>,
}

/// What `op.alter_column` (or PostgreSQL's `ALTER COLUMN`) changes; `None`
/// leaves the attribute as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ColumnChanges {
    pub not_null: Option<bool>,
    /// The new type: its declared spelling and its class.
    pub sql_type: Option<(String, TypeClass)>,
    /// `Some(None)`: the default removed.
    pub default: Option<Option<DefaultValue>>,
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
    /// `op.alter_column` without a rename: type, nullability, default.
    AlterColumn {
        table: Ident,
        column: Ident,
        changes: ColumnChanges,
    },
    CreateIndex {
        index: Ident,
        table: Ident,
        /// Column names or expressions, normalised (`lower(name)`, `a desc`).
        columns: Vec<String>,
        unique: bool,
        /// A partial index's condition, normalised.
        where_clause: Option<String>,
    },
    DropIndex {
        index: Ident,
    },
    CreateTrigger {
        trigger: Ident,
        table: Ident,
        /// SQLite's definition (`BEGIN ... END`), for the fix-it to port;
        /// none for PostgreSQL's `EXECUTE FUNCTION`.
        definition: Option<TriggerDef>,
    },
    DropTrigger {
        trigger: Ident,
    },
    /// A table constraint: `CREATE TABLE`'s clauses (stated after the
    /// table), `op.create_foreign_key`, `op.create_unique_constraint`.
    AddConstraint {
        table: Ident,
        constraint: Constraint,
    },
    /// `op.drop_constraint(name, table, type_=...)`.
    DropConstraint {
        table: Ident,
        name: Ident,
        kind: Option<String>,
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
    /// For a rename, the old name (boxed: most facts have none, and a
    /// range can bring a million facts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Box<Ident>>,
}

impl Fact {
    pub(crate) fn new(
        kind: ObjectKind,
        action: Action,
        table: Option<&Ident>,
        name: &Ident,
    ) -> Fact {
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
            && self.from.as_deref().is_none_or(Ident::is_known)
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
                from: Some(Box::new(from.clone())),
                ..Fact::new(Table, Renamed, None, to)
            }],
            SchemaOp::AddColumn { table, column } => {
                vec![Fact::new(Column, Created, Some(table), &column.name)]
            }
            SchemaOp::DropColumn { table, column } => {
                vec![Fact::new(Column, Dropped, Some(table), column)]
            }
            SchemaOp::RenameColumn { table, from, to } => vec![Fact {
                from: Some(Box::new(from.clone())),
                ..Fact::new(Column, Renamed, Some(table), to)
            }],
            SchemaOp::AlterColumn { table, column, .. } => {
                vec![Fact::new(Column, Altered, Some(table), column)]
            }
            SchemaOp::CreateIndex { index, .. } => vec![Fact::new(Index, Created, None, index)],
            SchemaOp::DropIndex { index } => vec![Fact::new(Index, Dropped, None, index)],
            SchemaOp::CreateTrigger { trigger, .. } => {
                vec![Fact::new(Trigger, Created, None, trigger)]
            }
            SchemaOp::DropTrigger { trigger } => vec![Fact::new(Trigger, Dropped, None, trigger)],
            SchemaOp::AddConstraint { table, .. } | SchemaOp::DropConstraint { table, .. } => {
                vec![Fact::new(Table, Altered, None, table)]
            }
        }
    }
}

/// An attribute of a schema object that the two tracks may disagree on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attribute {
    Type,
    NotNull,
    PrimaryKey,
    Unique,
    Default,
    ForeignKey,
    IndexTable,
    IndexColumns,
    IndexUnique,
    IndexWhere,
}

impl Attribute {
    pub fn name(self) -> &'static str {
        match self {
            Attribute::Type => "type",
            Attribute::NotNull => "not-null",
            Attribute::PrimaryKey => "primary-key",
            Attribute::Unique => "unique",
            Attribute::Default => "default",
            Attribute::ForeignKey => "foreign-key",
            Attribute::IndexTable => "index-table",
            Attribute::IndexColumns => "index-columns",
            Attribute::IndexUnique => "index-unique",
            Attribute::IndexWhere => "index-where",
        }
    }
}

/// An attribute on which the revisions leave an object different from the
/// first track: both values, and the revision that last touched the object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    pub attribute: Attribute,
    pub sqlite: String,
    pub alembic: String,
    pub revision: String,
}

impl Mismatch {
    /// `not-null: NOT NULL in SQLite, nullable in 0004_x.py`.
    pub fn describe(&self, first_track: &str) -> String {
        let file = self.revision.rsplit('/').next().unwrap_or(&self.revision);
        format!(
            "{}: {} in {first_track}, {} in {file}",
            self.attribute.name(),
            self.sqlite,
            self.alembic
        )
    }
}

/// One object of the first track's change and how the revisions cover it.
/// Its description (`column t.c (added)`) is its fact's, made when asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub fact: Fact,
    /// Shared by every object stated in one file.
    pub path: SharedPath,
    pub line: u32,
    pub status: CoverageStatus,
    /// Its mismatches and fixes, boxed only when it has some: a range can
    /// bring a million objects, and most have neither.
    detail: Option<Box<Detail>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Detail {
    mismatches: Vec<Mismatch>,
    fix: Vec<fix::Fix>,
}

/// A coverage item as reports show it, its description included.
#[derive(Serialize)]
struct CoverageShown<'a> {
    fact: &'a Fact,
    description: String,
    path: &'a str,
    line: u32,
    status: CoverageStatus,
    #[serde(skip_serializing_if = "<[Mismatch]>::is_empty")]
    mismatches: &'a [Mismatch],
}

impl Serialize for Coverage {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CoverageShown {
            fact: &self.fact,
            description: self.description(),
            path: &self.path,
            line: self.line,
            status: self.status,
            mismatches: self.mismatches(),
        }
        .serialize(serializer)
    }
}

impl Coverage {
    /// An object's coverage: what differs, when `status` is `mismatched`;
    /// and what would make the second track equal (for the fix-it), made
    /// only when a fix-it asks (`PairingMode::WithFixes`), else empty.
    pub fn new(
        fact: Fact,
        (path, line): (SharedPath, u32),
        status: CoverageStatus,
        mismatches: Vec<Mismatch>,
        fix: Vec<fix::Fix>,
    ) -> Coverage {
        let detail = (!mismatches.is_empty() || !fix.is_empty())
            .then(|| Box::new(Detail { mismatches, fix }));
        Coverage {
            fact,
            path,
            line,
            status,
            detail,
        }
    }

    /// What differs, when `status` is `mismatched`.
    pub fn mismatches(&self) -> &[Mismatch] {
        self.detail.as_ref().map_or(&[], |d| &d.mismatches)
    }

    /// What would make the second track equal (empty unless a fix-it asked).
    pub fn fix(&self) -> &[fix::Fix] {
        self.detail.as_ref().map_or(&[], |d| &d.fix)
    }

    /// The same coverage without its fixes (for tests that compare a
    /// fix-it's report with a plain one).
    #[cfg(test)]
    pub(crate) fn without_fix(mut self) -> Coverage {
        if let Some(detail) = &mut self.detail {
            detail.fix.clear();
            if detail.mismatches.is_empty() {
                self.detail = None;
            }
        }
        self
    }

    /// `column agents.notes (added)` and the like (see [`Fact::describe`]).
    pub fn description(&self) -> String {
        self.fact.describe()
    }

    /// What the revisions get wrong about a mismatched object, in one
    /// clause: `type: integer in migrations.py, text in 0004_x.py`.
    pub fn mismatch_summary(&self) -> String {
        let here = self.path.rsplit('/').next().unwrap_or(&self.path);
        self.mismatches()
            .iter()
            .map(|m| m.describe(here))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CoverageStatus {
    /// The revisions make the same change.
    Covered,
    /// The revisions touch the object, but an attribute differs.
    Mismatched,
    /// The revisions leave the object as it was.
    Uncovered,
    /// A name or part the SQL builds at run time: reported, never decisive.
    Unresolved,
}
