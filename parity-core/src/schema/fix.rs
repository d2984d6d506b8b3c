//! What would make the second track equal to the first for one object: a
//! `Fix`, which each uncovered or mismatched object of the coverage carries
//! (to create, drop, rename or alter, with the whole definition the model
//! holds). Pairing makes them only when a fix-it asks
//! (`PairingMode::WithFixes`); `parity-formats` writes the fix-it revision
//! from them (`revision.rs`).

use super::model::{column_differences, differences_across_tracks, Column, Index, Object, Table};
use super::TriggerDef;

/// What would make the second track equal to the first for one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fix {
    CreateTable(Table),
    DropTable(Table),
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    /// The second track's column (`from`) made like the first's (`to`).
    AlterColumn {
        table: String,
        from: Box<Column>,
        to: Box<Column>,
    },
    CreateIndex(Index),
    DropIndex(Index),
    /// An index whose definition differs: dropped and re-created.
    ReplaceIndex {
        from: Box<Index>,
        to: Box<Index>,
    },
    /// A primary key that differs: dropped (by `from_name`, its name on
    /// PostgreSQL) and created with its columns.
    ReplacePrimaryKey {
        table: String,
        from: Vec<String>,
        from_name: Option<String>,
        to: Vec<String>,
    },
    /// A trigger, ported from SQLite's definition when there is one.
    CreateTrigger {
        name: String,
        table: String,
        definition: Option<TriggerDef>,
    },
    DropTrigger {
        name: String,
        table: String,
        definition: Option<TriggerDef>,
    },
}

impl Fix {
    /// What the fix is to, by kind and names: two equal fixes have the
    /// same; so `ops_for` compares whole fixes only within one.
    pub fn identity(&self) -> (u8, &str, &str) {
        match self {
            Fix::CreateTable(t) => (0, &t.name, ""),
            Fix::DropTable(t) => (1, &t.name, ""),
            Fix::RenameTable { from, to } => (2, from, to),
            Fix::AddColumn { table, column } => (3, table, &column.name),
            Fix::DropColumn { table, column } => (4, table, &column.name),
            Fix::RenameColumn { table, from, .. } => (5, table, from),
            Fix::AlterColumn { table, to, .. } => (6, table, &to.name),
            Fix::CreateIndex(i) => (7, &i.name, ""),
            Fix::DropIndex(i) => (8, &i.name, ""),
            Fix::ReplaceIndex { to, .. } => (9, &to.name, ""),
            Fix::ReplacePrimaryKey { table, .. } => (10, table, ""),
            Fix::CreateTrigger { name, .. } => (11, name, ""),
            Fix::DropTrigger { name, .. } => (12, name, ""),
        }
    }

    /// Creating an object the second track lacks.
    pub fn create(object: &Object) -> Option<Fix> {
        Some(match object {
            Object::Table(t) => Fix::CreateTable((*t).clone()),
            Object::Column { table, column } => Fix::AddColumn {
                table: table.to_string(),
                column: column.clone().into_owned(),
            },
            Object::Index(i) => Fix::CreateIndex((*i).clone()),
            Object::Trigger(t) => Fix::CreateTrigger {
                name: t.name.clone(),
                table: t.table.clone(),
                definition: t.definition.clone(),
            },
        })
    }

    /// Dropping an object the second track still has.
    pub fn drop(object: &Object) -> Option<Fix> {
        Some(match object {
            Object::Table(t) => Fix::DropTable((*t).clone()),
            Object::Column { table, column } => Fix::DropColumn {
                table: table.to_string(),
                column: column.clone().into_owned(),
            },
            Object::Index(i) => Fix::DropIndex((*i).clone()),
            Object::Trigger(t) => Fix::DropTrigger {
                name: t.name.clone(),
                table: t.table.clone(),
                definition: t.definition.clone(),
            },
        })
    }

    /// Making the second track's object (`from`) like the first's (`to`).
    pub fn alter(from: &Object, to: &Object) -> Option<Fix> {
        match (from, to) {
            (Object::Column { table, column: a }, Object::Column { column: b, .. }) => {
                Some(Fix::AlterColumn {
                    table: table.to_string(),
                    from: Box::new(a.clone().into_owned()),
                    to: Box::new(b.clone().into_owned()),
                })
            }
            (Object::Index(a), Object::Index(b)) => Some(Fix::ReplaceIndex {
                from: Box::new((*a).clone()),
                to: Box::new((*b).clone()),
            }),
            _ => None,
        }
    }

    /// `add column tasks.due_date` and the like, for the docstring.
    pub fn describe(&self) -> String {
        match self {
            Fix::CreateTable(t) => format!("create table {}", t.name),
            Fix::DropTable(t) => format!("drop table {}", t.name),
            Fix::RenameTable { from, to } => format!("rename table {from} to {to}"),
            Fix::AddColumn { table, column } => format!("add column {table}.{}", column.name),
            Fix::DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            Fix::RenameColumn { table, from, to } => {
                format!("rename column {table}.{from} to {to}")
            }
            Fix::AlterColumn { table, from, to } => {
                let what: Vec<&str> = column_differences(to, from)
                    .iter()
                    .map(|(a, _, _)| a.name())
                    .collect();
                format!("alter column {table}.{} ({})", to.name, what.join(", "))
            }
            Fix::CreateIndex(i) => format!("create index {}", i.name),
            Fix::DropIndex(i) => format!("drop index {}", i.name),
            Fix::ReplaceIndex { to, from } => {
                let (to_object, from_object) = (Object::Index(to), Object::Index(from));
                let what: Vec<&str> = differences_across_tracks(&to_object, &from_object)
                    .iter()
                    .map(|(a, _, _)| a.name())
                    .collect();
                format!("re-create index {} ({})", to.name, what.join(", "))
            }
            Fix::ReplacePrimaryKey { table, to, .. } => {
                format!("primary key of {table} ({})", to.join(", "))
            }
            Fix::CreateTrigger { name, .. } => format!("create trigger {name}"),
            Fix::DropTrigger { name, .. } => format!("drop trigger {name}"),
        }
    }
}
