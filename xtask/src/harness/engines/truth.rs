//! The engines' truth: what a track changed (one engine's catalog after the
//! range minus the same engine's catalog at the merge-base, by object) and,
//! for each object the SQLite track changed, whether PostgreSQL made the same
//! change with equivalent attributes.
//!
//! Identity across a rename comes from the engine: PostgreSQL's table oid and
//! column attnum survive `ALTER ... RENAME`; SQLite keeps a renamed table's
//! rootpage (a rootpage is also reused after a drop, so a rename there also
//! needs half of the column names in common) but numbers columns by position,
//! so a SQLite column counts as renamed when, in a table that kept its
//! rootpage (not rebuilt), a column of the same type class disappeared from
//! the same place between two unchanged columns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::catalog::{
    column_differences, index_differences, Catalog, Column, Difference, Engine, Index, Table,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Table,
    Column,
    Index,
    Trigger,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Table => "table",
            Kind::Column => "column",
            Kind::Index => "index",
            Kind::Trigger => "trigger",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Created,
    Dropped,
    Renamed,
    Altered,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Dropped => "dropped",
            Action::Renamed => "renamed",
            Action::Altered => "altered",
        }
    }
}

/// One object and what happened to it, as the coverage contract keys it:
/// `table` for columns only, `from` for renames only, names lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub kind: Kind,
    pub action: Action,
    pub table: Option<String>,
    pub name: String,
    pub from: Option<String>,
}

impl ObjectKey {
    fn new(kind: Kind, action: Action, table: Option<&str>, name: &str) -> ObjectKey {
        ObjectKey {
            kind,
            action,
            table: table.map(str::to_string),
            name: name.to_string(),
            from: None,
        }
    }

    fn renamed(kind: Kind, table: Option<&str>, name: &str, from: &str) -> ObjectKey {
        ObjectKey {
            from: Some(from.to_string()),
            ..ObjectKey::new(kind, Action::Renamed, table, name)
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.kind.as_str())?;
        if let Some(table) = &self.table {
            write!(f, "{table}.")?;
        }
        write!(f, "{} ({}", self.name, self.action.as_str())?;
        if let Some(from) = &self.from {
            write!(f, " from {from}")?;
        }
        f.write_str(")")
    }
}

/// The object as it is after the change, where attributes can be compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum After {
    Nothing,
    Column(Column),
    Index(Index),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub key: ObjectKey,
    pub after: After,
}

fn shares_half_the_columns(a: &Table, b: &Table) -> bool {
    let names = |t: &Table| {
        t.columns
            .iter()
            .map(|c| c.name.clone())
            .collect::<BTreeSet<_>>()
    };
    let (x, y) = (names(a), names(b));
    let common = x.intersection(&y).count();
    common * 2 >= x.len().max(y.len()) && common > 0
}

/// Pairs the columns of one table at the base and after: by name, then the
/// engine's renames. Returns (base name -> head name) for the pairs.
fn pair_columns(engine: Engine, base: &Table, head: &Table) -> BTreeMap<String, String> {
    let mut pairs: BTreeMap<String, String> = base
        .columns
        .iter()
        .filter(|c| head.column(&c.name).is_some())
        .map(|c| (c.name.clone(), c.name.clone()))
        .collect();
    let taken: BTreeSet<String> = pairs.values().cloned().collect();
    let old: Vec<&Column> = base
        .columns
        .iter()
        .filter(|c| !pairs.contains_key(&c.name))
        .collect();
    let new: Vec<&Column> = head
        .columns
        .iter()
        .filter(|c| !taken.contains(&c.name))
        .collect();
    match engine {
        Engine::Postgres => {
            for o in &old {
                if let Some(n) = new.iter().find(|n| n.ident == o.ident) {
                    pairs.insert(o.name.clone(), n.name.clone());
                }
            }
        }
        // A rebuilt table (another rootpage) keeps no column's place.
        Engine::Sqlite if base.ident != head.ident => {}
        Engine::Sqlite => {
            // The nearest unchanged column before each one: its place.
            let anchor = |columns: &[Column], name: &str| -> Option<String> {
                let at = columns.iter().position(|c| c.name == name)?;
                columns[..at]
                    .iter()
                    .rev()
                    .find(|c| base.column(&c.name).is_some() && head.column(&c.name).is_some())
                    .map(|c| c.name.clone())
            };
            let mut used = BTreeSet::new();
            for o in &old {
                let place = anchor(&base.columns, &o.name);
                if let Some(n) = new.iter().find(|n| {
                    !used.contains(&n.name)
                        && n.class == o.class
                        && anchor(&head.columns, &n.name) == place
                }) {
                    used.insert(n.name.clone());
                    pairs.insert(o.name.clone(), n.name.clone());
                }
            }
        }
    }
    pairs
}

/// What changed between two catalogs of one engine, object by object. The
/// columns, indexes and triggers of a dropped table go with it (one change);
/// a created table brings each of its columns as a change too.
pub fn changes(engine: Engine, base: &Catalog, head: &Catalog) -> Vec<Change> {
    let mut out = Vec::new();
    // Tables: by name, then by the engine's identity.
    let mut table_pairs: BTreeMap<String, String> = base
        .tables
        .keys()
        .filter(|n| head.tables.contains_key(*n))
        .map(|n| (n.clone(), n.clone()))
        .collect();
    let created: Vec<&Table> = head
        .tables
        .values()
        .filter(|t| !base.tables.contains_key(&t.name))
        .collect();
    let mut renamed_to = BTreeSet::new();
    for old in base
        .tables
        .values()
        .filter(|t| !head.tables.contains_key(&t.name))
    {
        let same = created.iter().find(|n| {
            n.ident == old.ident
                && !renamed_to.contains(&n.name)
                && (engine == Engine::Postgres || shares_half_the_columns(old, n))
        });
        match same {
            Some(n) => {
                renamed_to.insert(n.name.clone());
                table_pairs.insert(old.name.clone(), n.name.clone());
                out.push(Change {
                    key: ObjectKey::renamed(Kind::Table, None, &n.name, &old.name),
                    after: After::Nothing,
                });
            }
            None => out.push(Change {
                key: ObjectKey::new(Kind::Table, Action::Dropped, None, &old.name),
                after: After::Nothing,
            }),
        }
    }
    for table in created.iter().filter(|t| !renamed_to.contains(&t.name)) {
        out.push(Change {
            key: ObjectKey::new(Kind::Table, Action::Created, None, &table.name),
            after: After::Nothing,
        });
        for column in &table.columns {
            out.push(Change {
                key: ObjectKey::new(
                    Kind::Column,
                    Action::Created,
                    Some(&table.name),
                    &column.name,
                ),
                after: After::Column(column.clone()),
            });
        }
    }
    // Columns of the tables on both sides.
    let mut column_renames: BTreeMap<(String, String), String> = BTreeMap::new();
    for (old_name, new_name) in &table_pairs {
        let (old, new) = (&base.tables[old_name], &head.tables[new_name]);
        let pairs = pair_columns(engine, old, new);
        for column in &old.columns {
            match pairs.get(&column.name) {
                None => out.push(Change {
                    key: ObjectKey::new(
                        Kind::Column,
                        Action::Dropped,
                        Some(new_name),
                        &column.name,
                    ),
                    after: After::Nothing,
                }),
                Some(to) => {
                    let after = new.column(to).expect("paired with a column of the table");
                    if *to != column.name {
                        column_renames.insert((old_name.clone(), column.name.clone()), to.clone());
                        out.push(Change {
                            key: ObjectKey::renamed(Kind::Column, Some(new_name), to, &column.name),
                            after: After::Column(after.clone()),
                        });
                    } else if !same_column(column, after, &table_pairs) {
                        out.push(Change {
                            key: ObjectKey::new(Kind::Column, Action::Altered, Some(new_name), to),
                            after: After::Column(after.clone()),
                        });
                    }
                }
            }
        }
        let paired: BTreeSet<&String> = pairs.values().collect();
        for column in new.columns.iter().filter(|c| !paired.contains(&c.name)) {
            out.push(Change {
                key: ObjectKey::new(Kind::Column, Action::Created, Some(new_name), &column.name),
                after: After::Column(column.clone()),
            });
        }
    }
    // Indexes, their table and columns read through the renames.
    for (name, old) in &base.indexes {
        let Some(table) = table_pairs.get(&old.table) else {
            continue; // went with its table
        };
        let moved = Index {
            table: table.clone(),
            columns: old
                .columns
                .iter()
                .map(|c| {
                    column_renames
                        .get(&(old.table.clone(), c.clone()))
                        .cloned()
                        .unwrap_or_else(|| c.clone())
                })
                .collect(),
            ..old.clone()
        };
        match head.indexes.get(name) {
            None => out.push(Change {
                key: ObjectKey::new(Kind::Index, Action::Dropped, None, name),
                after: After::Nothing,
            }),
            Some(new) if !index_differences(&moved, new).is_empty() => out.push(Change {
                key: ObjectKey::new(Kind::Index, Action::Altered, None, name),
                after: After::Index(new.clone()),
            }),
            Some(_) => {}
        }
    }
    for (name, new) in head
        .indexes
        .iter()
        .filter(|(n, _)| !base.indexes.contains_key(*n))
    {
        out.push(Change {
            key: ObjectKey::new(Kind::Index, Action::Created, None, name),
            after: After::Index(new.clone()),
        });
    }
    // Triggers.
    for (name, table) in &base.triggers {
        if table_pairs.contains_key(table) && !head.triggers.contains_key(name) {
            out.push(Change {
                key: ObjectKey::new(Kind::Trigger, Action::Dropped, None, name),
                after: After::Nothing,
            });
        }
    }
    for name in head
        .triggers
        .keys()
        .filter(|n| !base.triggers.contains_key(*n))
    {
        out.push(Change {
            key: ObjectKey::new(Kind::Trigger, Action::Created, None, name),
            after: After::Nothing,
        });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// A column unchanged through the mapping (a foreign key's target read
/// through the table renames).
fn same_column(old: &Column, new: &Column, table_pairs: &BTreeMap<String, String>) -> bool {
    let mut moved = old.clone();
    for fk in &mut moved.foreign_keys {
        if let Some(to) = table_pairs.get(&fk.ref_table) {
            fk.ref_table = to.clone();
        }
    }
    column_differences(&moved, new).is_empty()
}

/// The changes of the SQLite track: the migrated database's, then any that
/// only the fresh install (schema.py at HEAD) shows.
pub fn merge_changes(upgraded: Vec<Change>, fresh: Vec<Change>) -> Vec<Change> {
    let mut keys: BTreeSet<ObjectKey> = upgraded.iter().map(|c| c.key.clone()).collect();
    let mut out = upgraded;
    for change in fresh {
        if keys.insert(change.key.clone()) {
            out.push(change);
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// How PostgreSQL followed one SQLite change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Covered,
    Mismatched(Vec<Difference>),
    Uncovered,
}

impl Status {
    pub fn name(&self) -> &'static str {
        match self {
            Status::Covered => "covered",
            Status::Mismatched(_) => "mismatched",
            Status::Uncovered => "uncovered",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TruthItem {
    pub key: ObjectKey,
    pub status: Status,
}

/// For each SQLite change, PostgreSQL's: the same change, with equivalent
/// attributes after it (covered), with other attributes (mismatched), or none.
pub fn truth(sqlite: &[Change], postgres: &[Change]) -> Vec<TruthItem> {
    let by_key: BTreeMap<&ObjectKey, &Change> = postgres.iter().map(|c| (&c.key, c)).collect();
    sqlite
        .iter()
        .map(|change| {
            let status = match by_key.get(&change.key) {
                None => Status::Uncovered,
                Some(pg) => {
                    let differences = match (&change.after, &pg.after) {
                        (After::Column(a), After::Column(b)) => column_differences(a, b),
                        (After::Index(a), After::Index(b)) => index_differences(a, b),
                        _ => Vec::new(),
                    };
                    if differences.is_empty() {
                        Status::Covered
                    } else {
                        Status::Mismatched(differences)
                    }
                }
            };
            TruthItem {
                key: change.key.clone(),
                status,
            }
        })
        .collect()
}
