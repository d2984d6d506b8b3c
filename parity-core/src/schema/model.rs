//! The schema model: tables, their columns and constraints, indexes and
//! triggers, as a sequence of `SchemaOp`s leaves them.
//!
//! A model is built by applying operations in the order they run, the way
//! SQLite would: `CREATE TABLE` of a table that exists changes nothing (it is
//! `IF NOT EXISTS` in practice); `DROP TABLE` drops its indexes and
//! triggers; `ALTER TABLE a RENAME TO b` moves the table, its indexes and
//! the foreign keys that point at it. So a rebuild (`CREATE TABLE t_new`,
//! copy, `DROP TABLE t`, `ALTER TABLE t_new RENAME TO t`) leaves `t` with
//! the new definition, and changes `t` only where that definition differs.
//!
//! The first track's change is `diff` of one model per watched file at the
//! merge-base and at HEAD, taken together: an object is created when no
//! file stated it at the base and one does at HEAD, dropped when a file
//! stated it at the base and none does at HEAD, renamed when a file's
//! operations renamed it, and altered when a file that states it on both
//! sides changed one of its attributes. Files that disagree on an object
//! at HEAD (where they did not at the base) give a note, never a verdict.
//! A name built at run time is kept aside as unresolved.
//!
//! A file may state a million columns, so nothing here is copied per
//! object that need not be: an `Object` borrows its definition from its
//! model, a `Change` names its file and reads the definitions from that
//! file's models when asked, an `Origin`'s path is shared by the whole
//! file, and only the second track's model records which operation touched
//! each object (`recording_touches`).

use std::borrow::Cow;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use serde::Serialize;
use smol_str::SmolStr;

use super::types::{fk_action, DefaultValue, TypeClass};
use super::{
    Action, Attribute, ColumnChanges, ColumnDef, Constraint, Fact, ForeignKey, Ident, ObjectKind,
    SchemaOp, TriggerDef,
};

/// Where an object or an operation is stated: a file and a 1-based line.
/// The path is shared by every origin in one file (`Model::build`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub path: SharedPath,
    pub line: u32,
}

// Sixteen bytes: a model's million columns each hold one.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Origin>() == 16);

impl Origin {
    pub fn new(path: &str, line: u32) -> Origin {
        Origin {
            path: SharedPath::from(path),
            line,
        }
    }
}

/// A file's path shared by what is stated in it, one pointer wide (an
/// `Arc<str>` is two): a model's million columns, a range's million changes
/// and coverage items each hold one.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedPath(Arc<String>);

impl From<&str> for SharedPath {
    fn from(path: &str) -> SharedPath {
        SharedPath(Arc::new(path.to_string()))
    }
}

impl std::ops::Deref for SharedPath {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SharedPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

impl std::fmt::Debug for SharedPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for SharedPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self)
    }
}

/// A column's type: as declared, and its class.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ColumnType {
    /// The type as declared (`VARCHAR`), for a person.
    pub declared: String,
    pub type_class: TypeClass,
}

impl ColumnType {
    /// A type not shared with any other column.
    pub fn new(declared: &str, type_class: &TypeClass) -> Arc<ColumnType> {
        Arc::new(ColumnType {
            declared: declared.to_string(),
            type_class: type_class.clone(),
        })
    }
}

/// The types of a model's columns, each held once: a model may hold a
/// million columns and a few kinds of type.
#[derive(Clone, Debug, Default)]
struct Types(HashMap<String, Vec<Arc<ColumnType>>>);

impl Types {
    /// The type declared `declared` of class `type_class`, shared.
    fn get(&mut self, declared: &str, type_class: &TypeClass) -> Arc<ColumnType> {
        if let Some(known) = self.0.get(declared) {
            if let Some(ty) = known.iter().find(|t| t.type_class == *type_class) {
                return Arc::clone(ty);
            }
        }
        let ty = ColumnType::new(declared, type_class);
        self.0
            .entry(declared.to_string())
            .or_default()
            .push(Arc::clone(&ty));
        ty
    }
}

/// A column of a table in the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Inline up to 23 bytes: a model may hold a million columns.
    pub name: SmolStr,
    /// Shared by the columns of a model declared alike.
    pub sql_type: Arc<ColumnType>,
    pub not_null: bool,
    pub primary_key: bool,
    pub unique: bool,
    /// Its default, foreign key and constraint names, boxed only when it
    /// has one of them: a model may hold a million columns with none.
    extras: Option<Box<Extras>>,
    pub origin: Origin,
}

// The size the comments above promise: a million columns are 64 MB.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Column>() == 64);

/// What few columns have: a default held in place (the most common), the
/// rarer foreign key and constraint names boxed again, so that a column
/// with a default alone costs 48 bytes more, not the size of all three.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Extras {
    default: Option<DefaultValue>,
    foreign_key: Option<Box<ForeignKey>>,
    /// The names of its one-column constraints on PostgreSQL (see
    /// [`ConstraintNames`]): `differences` never compares them (equality
    /// of columns does).
    names: Option<Box<ConstraintNames>>,
}

#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Extras>() == 48);

/// The names of a column's one-column constraints on PostgreSQL: as
/// stated, else the one PostgreSQL gives an unnamed one (from the table's
/// name when it was made).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct ConstraintNames {
    /// The foreign key's (`<table>_<column>_fkey`).
    foreign_key: Option<String>,
    /// The unique constraint's (`<table>_<column>_key`).
    unique: Option<String>,
}

/// A column as reports and tests see it.
#[derive(Serialize)]
struct ColumnShown<'a> {
    name: &'a str,
    #[serde(flatten)]
    sql_type: &'a ColumnType,
    not_null: bool,
    primary_key: bool,
    unique: bool,
    default: Option<&'a DefaultValue>,
    foreign_key: Option<&'a ForeignKey>,
}

impl Serialize for Column {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ColumnShown {
            name: &self.name,
            sql_type: &self.sql_type,
            not_null: self.not_null,
            primary_key: self.primary_key,
            unique: self.unique,
            default: self.default_value(),
            foreign_key: self.foreign_key(),
        }
        .serialize(serializer)
    }
}

impl Column {
    fn from_def(
        def: &ColumnDef,
        table: &str,
        name: SmolStr,
        sql_type: Arc<ColumnType>,
        origin: &Origin,
    ) -> Column {
        let one = std::slice::from_ref(&name);
        let names = ConstraintNames {
            foreign_key: def
                .foreign_key
                .as_ref()
                .map(|_| pg_default_name(table, one, "fkey")),
            unique: (def.unique && !def.primary_key).then(|| pg_default_name(table, one, "key")),
        };
        let extras = Extras {
            default: def.default.clone(),
            foreign_key: def.foreign_key.clone(),
            names: (names != ConstraintNames::default()).then(|| Box::new(names)),
        };
        Column {
            extras: (extras != Extras::default()).then(|| Box::new(extras)),
            name,
            sql_type,
            not_null: def.not_null,
            primary_key: def.primary_key,
            unique: def.unique,
            origin: origin.clone(),
        }
    }

    /// Its `DEFAULT` (or `server_default`).
    pub fn default_value(&self) -> Option<&DefaultValue> {
        self.extras.as_ref()?.default.as_ref()
    }

    pub fn foreign_key(&self) -> Option<&ForeignKey> {
        self.extras.as_ref()?.foreign_key.as_deref()
    }

    pub fn foreign_key_mut(&mut self) -> Option<&mut ForeignKey> {
        self.extras.as_mut()?.foreign_key.as_deref_mut()
    }

    pub fn set_default(&mut self, default: Option<DefaultValue>) {
        self.change_extras(|extras| extras.default = default);
    }

    pub fn set_foreign_key(&mut self, foreign_key: Option<ForeignKey>) {
        self.change_extras(|extras| extras.foreign_key = foreign_key.map(Box::new));
    }

    fn names(&self) -> Option<&ConstraintNames> {
        self.extras.as_ref()?.names.as_deref()
    }

    /// The name of its foreign key's constraint on PostgreSQL.
    pub fn fk_name(&self) -> Option<&str> {
        self.names()?.foreign_key.as_deref()
    }

    /// The name of its one-column unique constraint on PostgreSQL.
    pub fn unique_name(&self) -> Option<&str> {
        self.names()?.unique.as_deref()
    }

    fn set_fk_name(&mut self, name: Option<String>) {
        self.change_names(|names| names.foreign_key = name);
    }

    fn set_unique_name(&mut self, name: Option<String>) {
        self.change_names(|names| names.unique = name);
    }

    /// Changes the names, boxed only while there is one.
    fn change_names(&mut self, change: impl FnOnce(&mut ConstraintNames)) {
        self.change_extras(|extras| {
            let mut names = extras.names.take().unwrap_or_default();
            change(&mut names);
            if *names != ConstraintNames::default() {
                extras.names = Some(names);
            }
        });
    }

    /// Changes the extras, boxed only while there is one.
    fn change_extras(&mut self, change: impl FnOnce(&mut Extras)) {
        let mut extras = self.extras.take().unwrap_or_default();
        change(&mut extras);
        if *extras != Extras::default() {
            self.extras = Some(extras);
        }
    }
}

/// The name PostgreSQL gives a constraint stated without one: the table's
/// name, the columns' names and a label joined by `_` (`tasks_project_id_fkey`,
/// `tasks_pkey` with no columns), the longer of the two parts shortened until
/// the whole fits PostgreSQL's 63 bytes.
pub fn pg_default_name<S: AsRef<str>>(table: &str, columns: &[S], label: &str) -> String {
    const MAX: usize = 63;
    let names: Vec<&str> = columns.iter().map(AsRef::as_ref).collect();
    let second = names.join("_");
    let overhead = label.len() + 1 + usize::from(!second.is_empty());
    let room = MAX.saturating_sub(overhead);
    let (mut a, mut b) = (table.len(), second.len());
    while a + b > room {
        if a > b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    let clip = |text: &str, mut at: usize| {
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        text[..at].to_string()
    };
    let mut out = clip(table, a);
    if !second.is_empty() {
        out.push('_');
        out.push_str(&clip(&second, b));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// A table's columns in their order, each found by name in constant time
/// (a migration may add a million columns to one table). Read as a slice;
/// changed only through the methods that keep the index true.
#[derive(Clone, Debug, Default)]
pub struct Columns {
    list: Vec<Column>,
    by_name: NameIndex,
}

/// Places found by a hash of what stands there: one place a hash, and the
/// rare hash that two things share keeps its other places in `more`. The
/// caller tells the things apart; nothing here holds a copy of them (a
/// table's million column names, a range's million changed keys). Places
/// fit in 32 bits: a lexed file is under 4 GiB.
#[derive(Clone, Debug, Default)]
struct PlacesByHash {
    first: HashMap<u64, u32>,
    more: HashMap<u64, Vec<u32>>,
}

impl PlacesByHash {
    /// The places under `hash`, the first put there first.
    fn places(&self, hash: u64) -> impl Iterator<Item = usize> + '_ {
        self.first
            .get(&hash)
            .into_iter()
            .chain(self.more.get(&hash).into_iter().flatten())
            .map(|&at| at as usize)
    }

    fn insert(&mut self, hash: u64, at: usize) {
        let at = at as u32;
        match self.first.entry(hash) {
            Entry::Vacant(first) => {
                first.insert(at);
            }
            Entry::Occupied(_) => self.more.entry(hash).or_default().push(at),
        }
    }

    fn remove(&mut self, hash: u64, at: usize) {
        let at = at as u32;
        if let Some(more) = self.more.get_mut(&hash) {
            if let Some(i) = more.iter().position(|&m| m == at) {
                more.swap_remove(i);
            } else if self.first.get(&hash) == Some(&at) {
                // The first goes: one of the others takes its place.
                let next = more.swap_remove(0);
                self.first.insert(hash, next);
            }
            if more.is_empty() {
                self.more.remove(&hash);
            }
        } else if self.first.get(&hash) == Some(&at) {
            self.first.remove(&hash);
        }
    }

    fn shrink_to_fit(&mut self) {
        self.first.shrink_to_fit();
        self.more.shrink_to_fit();
    }
}

/// Where each column of a list stands, by a hash of its name: 16 bytes a
/// column, where a map by name would hold a second copy of every name.
#[derive(Clone, Debug, Default)]
struct NameIndex(PlacesByHash);

fn name_hash(name: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    name.hash(&mut hasher);
    hasher.finish()
}

impl NameIndex {
    /// The place of the column named `name` in `list`.
    fn find(&self, list: &[Column], name: &str) -> Option<usize> {
        self.0
            .places(name_hash(name))
            .find(|&at| list[at].name == name)
    }

    fn insert(&mut self, name: &str, at: usize) {
        self.0.insert(name_hash(name), at);
    }

    fn remove(&mut self, name: &str, at: usize) {
        self.0.remove(name_hash(name), at);
    }

    fn of(list: &[Column]) -> NameIndex {
        let mut index = NameIndex::default();
        index.0.first.reserve(list.len());
        for (at, column) in list.iter().enumerate() {
            index.insert(&column.name, at);
        }
        index
    }

    fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

impl Columns {
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.position(name).map(|i| &self.list[i])
    }

    fn get_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.position(name).map(|i| &mut self.list[i])
    }

    /// Where the column stands in the table.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.find(&self.list, name)
    }

    /// Adds a column at the end, or replaces the one of its name in place.
    pub fn upsert(&mut self, column: Column) {
        match self.position(&column.name) {
            Some(i) => self.list[i] = column,
            None => {
                self.by_name.insert(&column.name, self.list.len());
                self.list.push(column);
            }
        }
    }

    /// Removes the column of that name; those after it move up one place.
    fn remove(&mut self, name: &str) {
        let Some(i) = self.position(name) else {
            return;
        };
        self.list.remove(i);
        self.reindex();
    }

    /// Renames a column in place; false when there is none of that name.
    /// When `to` already names another column (SQLite refuses that rename)
    /// the model keeps the renamed one, as the last statement said.
    fn rename(&mut self, from: &str, to: &str) -> bool {
        let Some(i) = self.position(from) else {
            return false;
        };
        let other = self.position(to);
        self.by_name.remove(from, i);
        self.list[i].name = to.into();
        match other {
            Some(other) if other != i => {
                self.list.remove(other);
                self.reindex();
            }
            _ => self.by_name.insert(to, i),
        }
        true
    }

    /// Each column, to change attributes other than its name.
    fn each_mut(&mut self) -> impl Iterator<Item = &mut Column> {
        self.list.iter_mut()
    }

    /// Gives back the room the list and the index grew beyond what they hold.
    fn shrink_to_fit(&mut self) {
        self.list.shrink_to_fit();
        self.by_name.shrink_to_fit();
    }

    fn reindex(&mut self) {
        self.by_name = NameIndex::of(&self.list);
    }
}

impl std::ops::Deref for Columns {
    type Target = [Column];

    fn deref(&self) -> &[Column] {
        &self.list
    }
}

impl PartialEq for Columns {
    fn eq(&self, other: &Columns) -> bool {
        self.list == other.list
    }
}

impl Eq for Columns {}

impl Serialize for Columns {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.list.serialize(serializer)
    }
}

impl<'c> IntoIterator for &'c Columns {
    type Item = &'c Column;
    type IntoIter = std::slice::Iter<'c, Column>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// A table: its columns in order and the constraints on several columns
/// (one-column constraints are attributes of their column).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: String,
    pub columns: Columns,
    pub constraints: Vec<Constraint>,
    /// The primary key constraint's name on PostgreSQL: as stated, else
    /// `<table>_pkey` from the table's name when the key was made.
    #[serde(skip)]
    pub pk_name: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.get(name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.get_mut(name)
    }

    /// The primary key's columns.
    pub fn primary_key(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|c| c.name.to_string())
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub where_clause: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub name: String,
    pub table: String,
    /// SQLite's definition, when the statement gave one (never compared).
    pub definition: Option<TriggerDef>,
    #[serde(skip)]
    pub origin: Origin,
}

/// An object's identity in a model. Its names are held inline up to 23
/// bytes: a range can bring a million changed keys.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Table(SmolStr),
    Column(SmolStr, SmolStr),
    Index(SmolStr),
    Trigger(SmolStr),
}

/// A [`Key`] whose names are borrowed (from a model): looked at without
/// copying them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRef<'k> {
    Table(&'k str),
    Column(&'k str, &'k str),
    Index(&'k str),
    Trigger(&'k str),
}

impl KeyRef<'_> {
    pub fn owned(self) -> Key {
        match self {
            KeyRef::Table(t) => Key::Table(t.into()),
            KeyRef::Column(t, c) => Key::Column(t.into(), c.into()),
            KeyRef::Index(i) => Key::Index(i.into()),
            KeyRef::Trigger(t) => Key::Trigger(t.into()),
        }
    }
}

impl Key {
    pub fn kind(&self) -> ObjectKind {
        match self {
            Key::Table(_) => ObjectKind::Table,
            Key::Column(..) => ObjectKind::Column,
            Key::Index(_) => ObjectKind::Index,
            Key::Trigger(_) => ObjectKind::Trigger,
        }
    }

    /// Its last name: a column's own name, else the object's.
    fn into_leaf(self) -> SmolStr {
        match self {
            Key::Table(name) | Key::Column(_, name) | Key::Index(name) | Key::Trigger(name) => name,
        }
    }

    pub fn borrowed(&self) -> KeyRef<'_> {
        match self {
            Key::Table(t) => KeyRef::Table(t),
            Key::Column(t, c) => KeyRef::Column(t, c),
            Key::Index(i) => KeyRef::Index(i),
            Key::Trigger(t) => KeyRef::Trigger(t),
        }
    }
}

/// One object of a model, with its definition, borrowed from the model (a
/// table may hold a million columns: looking at it copies none of them). A
/// column whose foreign key is resolved (`resolved_object`) is its own copy.
// Objects are short-lived values read one at a time, never stored in bulk.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object<'m> {
    Table(&'m Table),
    Column {
        table: &'m str,
        column: Cow<'m, Column>,
    },
    Index(&'m Index),
    Trigger(&'m Trigger),
}

impl Object<'_> {
    pub fn origin(&self) -> &Origin {
        match self {
            Object::Table(t) => &t.origin,
            Object::Column { column, .. } => &column.origin,
            Object::Index(i) => &i.origin,
            Object::Trigger(t) => &t.origin,
        }
    }
}

/// The schema that a sequence of operations leaves.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub tables: BTreeMap<String, Table>,
    pub indexes: BTreeMap<String, Index>,
    pub triggers: BTreeMap<String, Trigger>,
    /// Renames applied, in order: the key before, the key after, where.
    pub renames: Vec<(Key, Key, Origin)>,
    /// Where each object was last dropped.
    pub drops: BTreeMap<Key, Origin>,
    /// Operations that name something built at run time, as facts.
    pub unresolved: Vec<(Fact, Origin)>,
    /// Every object an operation touched, with the last such operation:
    /// kept only by a model that records touches (the second track's,
    /// where coverage asks which revision touched an object; see
    /// `recording_touches`), never by the first track's, which may hold a
    /// million objects.
    pub touched: BTreeMap<Key, Origin>,
    /// Every object an operation created, even if it was dropped since.
    pub created: BTreeSet<Key>,
    /// Named constraints: name -> (table, constraint).
    named: BTreeMap<String, (String, Constraint)>,
    /// Whether `touched` is kept.
    records_touches: bool,
    /// The types of its columns.
    types: Types,
}

fn known(ident: &Ident) -> Option<String> {
    match ident {
        Ident::Known(name) => Some(name.to_string()),
        Ident::Unresolved(_) => None,
    }
}

/// Whether every name an operation states is known.
fn resolved(op: &SchemaOp) -> bool {
    let column_known = |c: &ColumnDef| {
        c.name.is_known() && c.foreign_key.as_ref().is_none_or(|f| f.table.is_known())
    };
    match op {
        SchemaOp::CreateTable { table, columns } => {
            table.is_known() && columns.iter().all(column_known)
        }
        SchemaOp::AddColumn { table, column } => table.is_known() && column_known(column),
        SchemaOp::AddConstraint { table, constraint } => {
            table.is_known()
                && match constraint {
                    Constraint::ForeignKey { target, .. } => target.table.is_known(),
                    _ => true,
                }
        }
        other => other.facts().iter().all(Fact::is_resolved),
    }
}

impl Model {
    /// The model that `ops`, stated in `path`, leave (a first track's
    /// model: it records no touches).
    pub fn build(path: &str, ops: Vec<(u32, SchemaOp)>) -> Model {
        Model::build_each(path, |apply| ops.into_iter().for_each(apply))
    }

    /// [`Model::build`] from operations handed over one at a time by
    /// `ops`, each applied as it comes: a million operations are never
    /// held beside the million columns they make.
    pub fn build_each(path: &str, ops: impl FnOnce(&mut dyn FnMut((u32, SchemaOp)))) -> Model {
        let mut model = Model::default();
        let path = SharedPath::from(path);
        ops(&mut |(line, op)| {
            let origin = Origin {
                path: path.clone(),
                line,
            };
            model.apply(&op, &origin);
        });
        for table in model.tables.values_mut() {
            table.columns.shrink_to_fit();
        }
        model
    }

    /// The same model, recording from now on which operation last touched
    /// each object (`touched`).
    pub fn recording_touches(mut self) -> Model {
        self.records_touches = true;
        self
    }

    /// Whether the model holds the object `key` names (without copying it).
    pub fn has(&self, key: &Key) -> bool {
        self.has_ref(key.borrowed())
    }

    /// [`Model::has`], for a borrowed key.
    pub fn has_ref(&self, key: KeyRef<'_>) -> bool {
        match key {
            KeyRef::Table(t) => self.tables.contains_key(t),
            KeyRef::Column(t, c) => self.tables.get(t).is_some_and(|t| t.column(c).is_some()),
            KeyRef::Index(i) => self.indexes.contains_key(i),
            KeyRef::Trigger(t) => self.triggers.contains_key(t),
        }
    }

    pub fn object(&self, key: &Key) -> Option<Object<'_>> {
        match key {
            Key::Table(t) => self.tables.get(t.as_str()).map(Object::Table),
            Key::Column(t, c) => {
                let (name, table) = self.tables.get_key_value(t.as_str())?;
                table.column(c).map(|column| Object::Column {
                    table: name,
                    column: Cow::Borrowed(column),
                })
            }
            Key::Index(i) => self.indexes.get(i.as_str()).map(Object::Index),
            Key::Trigger(t) => self.triggers.get(t.as_str()).map(Object::Trigger),
        }
    }

    /// Every object's key, tables first.
    pub fn keys(&self) -> Vec<Key> {
        self.each_key().collect()
    }

    /// `keys`, one at a time.
    fn each_key(&self) -> impl Iterator<Item = Key> + '_ {
        self.each_key_ref().map(KeyRef::owned)
    }

    /// `keys`, borrowed from the model: nothing is copied.
    fn each_key_ref(&self) -> impl Iterator<Item = KeyRef<'_>> + '_ {
        let tables = self.tables.iter().flat_map(|(name, table)| {
            let columns = table
                .columns
                .iter()
                .map(move |column| KeyRef::Column(name, &column.name));
            std::iter::once(KeyRef::Table(name)).chain(columns)
        });
        tables
            .chain(self.indexes.keys().map(|i| KeyRef::Index(i)))
            .chain(self.triggers.keys().map(|t| KeyRef::Trigger(t)))
    }

    /// A foreign key with its target columns filled in: no columns means
    /// the target's primary key.
    pub fn resolve_fk(&self, fk: &ForeignKey) -> ForeignKey {
        let mut fk = fk.clone();
        if fk.columns.is_empty() {
            if let Some(target) = known(&fk.table).and_then(|t| self.tables.get(&t)) {
                fk.columns = target.primary_key();
            }
        }
        fk
    }

    /// A column as the other track sees it: its foreign key's target
    /// columns filled in, and a column typed only by its foreign key
    /// (SQLAlchemy's `Column("a_id", ForeignKey("a.id"))`) typed as its target.
    pub fn resolve_column(&self, column: &Column) -> Column {
        let mut column = column.clone();
        if let Some(fk) = column.foreign_key() {
            let fk = self.resolve_fk(fk);
            if column.sql_type.type_class == TypeClass::Other(String::new()) {
                let target = known(&fk.table)
                    .and_then(|t| self.tables.get(&t))
                    .and_then(|t| t.column(fk.columns.first()?));
                if let Some(target) = target {
                    column.sql_type = Arc::clone(&target.sql_type);
                }
            }
            column.set_foreign_key(Some(fk));
        }
        column
    }

    fn touch(&mut self, key: Key, origin: &Origin) {
        if self.records_touches {
            self.touched.insert(key, origin.clone());
        }
    }

    /// Applies one operation stated at `origin`.
    pub fn apply(&mut self, op: &SchemaOp, origin: &Origin) {
        if !resolved(op) {
            for fact in op.facts() {
                self.unresolved.push((fact, origin.clone()));
            }
            return;
        }
        let name = |ident: &Ident| known(ident).unwrap_or_default();
        match op {
            SchemaOp::CreateTable { table, columns } => {
                let table = name(table);
                self.touch(Key::Table(table.as_str().into()), origin);
                self.created.insert(Key::Table(table.as_str().into()));
                if self.tables.contains_key(&table) {
                    return;
                }
                self.tables.insert(
                    table.clone(),
                    Table {
                        name: table.clone(),
                        columns: Columns::default(),
                        constraints: Vec::new(),
                        pk_name: None,
                        origin: origin.clone(),
                    },
                );
                for column in columns {
                    self.add_column(&table, column, origin);
                }
            }
            SchemaOp::DropTable { table } => {
                let table = name(table);
                self.touch(Key::Table(table.as_str().into()), origin);
                if let Some(dropped) = self.tables.remove(&table) {
                    for column in &dropped.columns {
                        self.drops.insert(
                            Key::Column(table.as_str().into(), column.name.as_str().into()),
                            origin.clone(),
                        );
                    }
                }
                self.drops
                    .insert(Key::Table(table.as_str().into()), origin.clone());
                self.indexes.retain(|_, i| i.table != table);
                self.triggers.retain(|_, t| t.table != table);
            }
            SchemaOp::RenameTable { from, to } => {
                let (from, to) = (name(from), name(to));
                self.touch(Key::Table(from.as_str().into()), origin);
                self.touch(Key::Table(to.as_str().into()), origin);
                let Some(mut table) = self.tables.remove(&from) else {
                    return;
                };
                table.name = to.clone();
                self.created.insert(Key::Table(to.as_str().into()));
                for column in &table.columns {
                    self.touch(
                        Key::Column(to.as_str().into(), column.name.as_str().into()),
                        origin,
                    );
                }
                self.tables.insert(to.clone(), table);
                for index in self.indexes.values_mut() {
                    if index.table == from {
                        index.table = to.clone();
                    }
                }
                for trigger in self.triggers.values_mut() {
                    if trigger.table == from {
                        trigger.table = to.clone();
                    }
                }
                let from_ident = Ident::Known(from.as_str().into());
                for table in self.tables.values_mut() {
                    for column in table.columns.each_mut() {
                        if let Some(fk) = column.foreign_key_mut() {
                            if fk.table == from_ident {
                                fk.table = Ident::Known(to.as_str().into());
                            }
                        }
                    }
                }
                self.renames.push((
                    Key::Table(from.into()),
                    Key::Table(to.into()),
                    origin.clone(),
                ));
            }
            SchemaOp::AddColumn { table, column } => {
                let table = name(table);
                if !self.tables.contains_key(&table) {
                    // Metadata states its columns one by one; a column of a
                    // table not yet seen makes the table.
                    self.tables.insert(
                        table.clone(),
                        Table {
                            name: table.clone(),
                            columns: Columns::default(),
                            constraints: Vec::new(),
                            pk_name: None,
                            origin: origin.clone(),
                        },
                    );
                }
                self.add_column(&table, column, origin);
            }
            SchemaOp::DropColumn { table, column } => {
                let (table, column) = (name(table), name(column));
                let key = Key::Column(table.as_str().into(), column.as_str().into());
                self.touch(key.clone(), origin);
                if let Some(t) = self.tables.get_mut(&table) {
                    t.columns.remove(&column);
                }
                self.drops.insert(key, origin.clone());
            }
            SchemaOp::RenameColumn { table, from, to } => {
                let (table, from, to) = (name(table), name(from), name(to));
                self.touch(
                    Key::Column(table.as_str().into(), from.as_str().into()),
                    origin,
                );
                self.touch(
                    Key::Column(table.as_str().into(), to.as_str().into()),
                    origin,
                );
                let Some(t) = self.tables.get_mut(&table) else {
                    return;
                };
                if !t.columns.rename(&from, &to) {
                    return;
                }
                for constraint in &mut t.constraints {
                    rename_in(constraint_columns_mut(constraint), &from, &to);
                }
                for index in self.indexes.values_mut() {
                    if index.table == table {
                        rename_in(&mut index.columns, &from, &to);
                    }
                }
                let table_ident = Ident::Known(table.as_str().into());
                for other in self.tables.values_mut() {
                    for column in other.columns.each_mut() {
                        if let Some(fk) = column.foreign_key_mut() {
                            if fk.table == table_ident {
                                rename_in(&mut fk.columns, &from, &to);
                            }
                        }
                    }
                }
                self.renames.push((
                    Key::Column(table.as_str().into(), from.into()),
                    Key::Column(table.into(), to.into()),
                    origin.clone(),
                ));
            }
            SchemaOp::AlterColumn {
                table,
                column,
                changes,
            } => {
                let (table, column) = (name(table), name(column));
                self.touch(
                    Key::Column(table.as_str().into(), column.as_str().into()),
                    origin,
                );
                if let Some(c) = self
                    .tables
                    .get_mut(&table)
                    .and_then(|t| t.column_mut(&column))
                {
                    apply_changes(c, changes);
                }
            }
            SchemaOp::CreateIndex {
                index,
                table,
                columns,
                unique,
                where_clause,
            } => {
                let index = name(index);
                self.touch(Key::Index(index.as_str().into()), origin);
                self.created.insert(Key::Index(index.as_str().into()));
                self.indexes.insert(
                    index.clone(),
                    Index {
                        name: index,
                        table: name(table),
                        columns: columns.clone(),
                        unique: *unique,
                        where_clause: where_clause.clone(),
                        origin: origin.clone(),
                    },
                );
            }
            SchemaOp::DropIndex { index } => {
                let index = name(index);
                self.touch(Key::Index(index.as_str().into()), origin);
                self.indexes.remove(&index);
                self.drops.insert(Key::Index(index.into()), origin.clone());
            }
            SchemaOp::CreateTrigger {
                trigger,
                table,
                definition,
            } => {
                let trigger = name(trigger);
                self.touch(Key::Trigger(trigger.as_str().into()), origin);
                self.created.insert(Key::Trigger(trigger.as_str().into()));
                self.triggers.insert(
                    trigger.clone(),
                    Trigger {
                        name: trigger,
                        table: name(table),
                        definition: definition.clone(),
                        origin: origin.clone(),
                    },
                );
            }
            SchemaOp::DropTrigger { trigger } => {
                let trigger = name(trigger);
                self.touch(Key::Trigger(trigger.as_str().into()), origin);
                self.triggers.remove(&trigger);
                self.drops
                    .insert(Key::Trigger(trigger.into()), origin.clone());
            }
            SchemaOp::AddConstraint { table, constraint } => {
                self.add_constraint(&name(table), constraint, origin);
            }
            SchemaOp::DropConstraint {
                table,
                name: constraint,
                kind,
            } => {
                self.drop_constraint(&name(table), &name(constraint), kind.as_deref(), origin);
            }
        }
    }

    fn add_column(&mut self, table: &str, def: &ColumnDef, origin: &Origin) {
        let Ident::Known(column_name) = &def.name else {
            return;
        };
        self.touch(Key::Column(table.into(), column_name.clone()), origin);
        let sql_type = self.types.get(&def.sql_type, &def.type_class);
        let column = Column::from_def(def, table, column_name.clone(), sql_type, origin);
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        if column.primary_key && t.pk_name.is_none() {
            t.pk_name = Some(pg_default_name::<&str>(table, &[], "pkey"));
        }
        t.columns.upsert(column);
        if def.index {
            // SQLAlchemy's `index=True` and its default index name.
            let index = format!("ix_{table}_{column_name}");
            self.touch(Key::Index(index.as_str().into()), origin);
            self.indexes.insert(
                index.clone(),
                Index {
                    name: index,
                    table: table.to_string(),
                    columns: vec![column_name.to_string()],
                    unique: false,
                    where_clause: None,
                    origin: origin.clone(),
                },
            );
        }
    }

    fn add_constraint(&mut self, table: &str, constraint: &Constraint, origin: &Origin) {
        if let Some(name) = constraint.name().and_then(known) {
            self.named
                .insert(name, (table.to_string(), constraint.clone()));
        }
        let Some(t) = self.tables.get_mut(table) else {
            self.touch(Key::Table(table.into()), origin);
            return;
        };
        let columns = constraint.columns();
        let single = columns.len() == 1;
        let stated = constraint.name().and_then(known);
        match constraint {
            Constraint::PrimaryKey { columns, .. } => {
                t.pk_name =
                    Some(stated.unwrap_or_else(|| pg_default_name::<&str>(table, &[], "pkey")));
                for name in columns {
                    if let Some(c) = t.column_mut(name) {
                        c.primary_key = true;
                    }
                }
            }
            Constraint::Unique { columns, .. } if single => {
                if let Some(c) = t.column_mut(&columns[0]) {
                    c.unique = true;
                    c.set_unique_name(Some(
                        stated.unwrap_or_else(|| pg_default_name(table, columns, "key")),
                    ));
                }
            }
            Constraint::ForeignKey {
                columns, target, ..
            } if single => {
                if let Some(c) = t.column_mut(&columns[0]) {
                    c.set_foreign_key(Some(target.clone()));
                    c.set_fk_name(Some(
                        stated.unwrap_or_else(|| pg_default_name(table, columns, "fkey")),
                    ));
                }
            }
            other => {
                let plain = unnamed(other);
                if !t.constraints.iter().any(|c| unnamed(c) == plain) {
                    t.constraints.push(other.clone());
                }
            }
        }
        let keys: Vec<Key> = match (constraint, single) {
            (Constraint::PrimaryKey { .. }, _) | (_, true) => columns
                .iter()
                .map(|c| Key::Column(table.into(), c.as_str().into()))
                .collect(),
            _ => vec![Key::Table(table.into())],
        };
        for key in keys {
            self.touch(key, origin);
        }
    }

    /// Undoes a named constraint. A name the model does not know (one the
    /// other track gave) is matched by its kind and the column it names:
    /// `fk_tasks_project_id_projects` on the one foreign-key column of
    /// `tasks` whose name it contains.
    fn drop_constraint(&mut self, table: &str, name: &str, kind: Option<&str>, origin: &Origin) {
        self.touch(Key::Table(table.into()), origin);
        let known_constraint = self.named.remove(name);
        let Some(t) = self.tables.get_mut(table) else {
            return;
        };
        // The name a constraint of this table has on PostgreSQL first.
        let by_name = if t.pk_name.as_deref() == Some(name) {
            Some(Constraint::PrimaryKey {
                name: None,
                columns: t.primary_key(),
            })
        } else {
            t.columns.iter().find_map(|c| {
                if c.fk_name() == Some(name) {
                    c.foreign_key()
                        .cloned()
                        .map(|target| Constraint::ForeignKey {
                            name: None,
                            columns: vec![c.name.to_string()],
                            target,
                        })
                } else if c.unique_name() == Some(name) && c.unique {
                    Some(Constraint::Unique {
                        name: None,
                        columns: vec![c.name.to_string()],
                    })
                } else {
                    None
                }
            })
        };
        let constraint = match by_name.or(known_constraint.map(|(_, c)| c)) {
            Some(constraint) => constraint,
            None if matches!(kind, Some("primary")) || name.starts_with("pk") => {
                Constraint::PrimaryKey {
                    name: None,
                    columns: t.primary_key(),
                }
            }
            None => {
                let fk = matches!(kind, Some("foreignkey")) || name.starts_with("fk");
                let unique = matches!(kind, Some("unique")) || name.starts_with("uq");
                let candidates: Vec<&Column> = t
                    .columns
                    .iter()
                    .filter(|c| name.contains(c.name.as_str()))
                    .filter(|c| (fk && c.foreign_key().is_some()) || (unique && c.unique))
                    .collect();
                match candidates.as_slice() {
                    [c] if fk && c.foreign_key().is_some() => Constraint::ForeignKey {
                        name: None,
                        columns: vec![c.name.to_string()],
                        target: c.foreign_key().cloned().expect("checked"),
                    },
                    [c] => Constraint::Unique {
                        name: None,
                        columns: vec![c.name.to_string()],
                    },
                    _ => return,
                }
            }
        };
        let columns = constraint.columns().to_vec();
        match (&constraint, columns.as_slice()) {
            (Constraint::PrimaryKey { .. }, _) => {
                t.pk_name = None;
                for c in t.columns.each_mut() {
                    if columns.iter().any(|n| *n == c.name) {
                        c.primary_key = false;
                    }
                }
            }
            (Constraint::Unique { .. }, [one]) => {
                if let Some(c) = t.column_mut(one) {
                    c.unique = false;
                    c.set_unique_name(None);
                }
            }
            (Constraint::ForeignKey { .. }, [one]) => {
                if let Some(c) = t.column_mut(one) {
                    c.set_foreign_key(None);
                    c.set_fk_name(None);
                }
            }
            _ => {
                let plain = unnamed(&constraint);
                t.constraints.retain(|c| unnamed(c) != plain);
            }
        }
        for column in columns {
            self.touch(Key::Column(table.into(), column.into()), origin);
        }
    }
}

fn apply_changes(column: &mut Column, changes: &ColumnChanges) {
    if let Some(not_null) = changes.not_null {
        column.not_null = not_null;
    }
    if let Some((declared, class)) = &changes.sql_type {
        column.sql_type = ColumnType::new(declared, class);
    }
    if let Some(default) = &changes.default {
        column.set_default(default.clone());
    }
}

fn constraint_columns_mut(constraint: &mut Constraint) -> &mut Vec<String> {
    match constraint {
        Constraint::PrimaryKey { columns, .. }
        | Constraint::Unique { columns, .. }
        | Constraint::ForeignKey { columns, .. } => columns,
    }
}

fn rename_in(names: &mut [String], from: &str, to: &str) {
    for name in names {
        if name == from {
            *name = to.to_string();
        }
    }
}

/// A constraint without its name, its target normalised: what compares.
pub fn unnamed(constraint: &Constraint) -> Constraint {
    match constraint.clone() {
        Constraint::PrimaryKey { columns, .. } => Constraint::PrimaryKey {
            name: None,
            columns,
        },
        Constraint::Unique { columns, .. } => Constraint::Unique {
            name: None,
            columns,
        },
        Constraint::ForeignKey {
            columns, target, ..
        } => Constraint::ForeignKey {
            name: None,
            columns,
            target: ForeignKey {
                on_delete: Some(fk_action(target.on_delete.as_deref())),
                on_update: Some(fk_action(target.on_update.as_deref())),
                ..target
            },
        },
    }
}

/// How a report shows a foreign key: `REFERENCES projects(id) ON DELETE
/// CASCADE`.
pub fn describe_fk(fk: Option<&ForeignKey>) -> String {
    let Some(fk) = fk else {
        return "no foreign key".into();
    };
    let mut text = format!("REFERENCES {}({})", fk.table, fk.columns.join(", "));
    for (what, action) in [("DELETE", &fk.on_delete), ("UPDATE", &fk.on_update)] {
        let action = fk_action(action.as_deref());
        if action != "NO ACTION" {
            text.push_str(&format!(" ON {what} {action}"));
        }
    }
    text
}

fn fk_equivalent(a: Option<&ForeignKey>, b: Option<&ForeignKey>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.table == b.table
                && (a.columns == b.columns || a.columns.is_empty() || b.columns.is_empty())
                && fk_action(a.on_delete.as_deref()) == fk_action(b.on_delete.as_deref())
                && fk_action(a.on_update.as_deref()) == fk_action(b.on_update.as_deref())
        }
        _ => false,
    }
}

/// The attributes on which two definitions of a column differ, with how
/// each side shows it: the mapping table of `types.rs` for types and
/// defaults; a primary key is NOT NULL; target columns, ON DELETE and ON
/// UPDATE for foreign keys (`a_fk`, `b_fk` resolved by their models).
pub fn column_differences(a: &Column, b: &Column) -> Vec<(Attribute, String, String)> {
    let mut out = Vec::new();
    if a.sql_type.type_class != b.sql_type.type_class {
        out.push((
            Attribute::Type,
            a.sql_type.type_class.to_string(),
            b.sql_type.type_class.to_string(),
        ));
    }
    let null = |c: &Column| {
        if c.not_null || c.primary_key {
            "NOT NULL"
        } else {
            "nullable"
        }
    };
    if null(a) != null(b) {
        out.push((Attribute::NotNull, null(a).into(), null(b).into()));
    }
    let pk = |c: &Column| {
        if c.primary_key {
            "primary key"
        } else {
            "not primary key"
        }
    };
    if a.primary_key != b.primary_key {
        out.push((Attribute::PrimaryKey, pk(a).into(), pk(b).into()));
    }
    let unique = |c: &Column| {
        if c.unique && !c.primary_key {
            "unique"
        } else {
            "not unique"
        }
    };
    if unique(a) != unique(b) {
        out.push((Attribute::Unique, unique(a).into(), unique(b).into()));
    }
    // By the first column's type: a differing type is its own mismatch.
    let class = &a.sql_type.type_class;
    if !DefaultValue::equivalent(class, a.default_value(), b.default_value()) {
        out.push((
            Attribute::Default,
            DefaultValue::describe(a.default_value()),
            DefaultValue::describe(b.default_value()),
        ));
    }
    if !fk_equivalent(a.foreign_key(), b.foreign_key()) {
        out.push((
            Attribute::ForeignKey,
            describe_fk(a.foreign_key()),
            describe_fk(b.foreign_key()),
        ));
    }
    out
}

/// The attributes on which two definitions of an index differ (an index is
/// known by its name; its table follows renames).
pub fn index_differences(a: &Index, b: &Index) -> Vec<(Attribute, String, String)> {
    let mut out = Vec::new();
    if a.columns != b.columns {
        out.push((
            Attribute::IndexColumns,
            format!("({})", a.columns.join(", ")),
            format!("({})", b.columns.join(", ")),
        ));
    }
    let unique = |i: &Index| if i.unique { "unique" } else { "not unique" };
    if a.unique != b.unique {
        out.push((Attribute::IndexUnique, unique(a).into(), unique(b).into()));
    }
    let condition = |i: &Index| {
        i.where_clause
            .as_ref()
            .map_or("no WHERE".to_string(), |w| format!("WHERE {w}"))
    };
    if a.where_clause != b.where_clause {
        out.push((Attribute::IndexWhere, condition(a), condition(b)));
    }
    out
}

/// The attributes on which two definitions of a table differ: its
/// constraints on several columns, by kind.
pub fn table_differences(a: &Table, b: &Table) -> Vec<(Attribute, String, String)> {
    let mut out = Vec::new();
    let of_kind = |t: &Table, unique: bool| -> BTreeSet<String> {
        t.constraints
            .iter()
            .map(unnamed)
            .filter_map(|c| match (c, unique) {
                (Constraint::Unique { columns, .. }, true) => {
                    Some(format!("UNIQUE ({})", columns.join(", ")))
                }
                (
                    Constraint::ForeignKey {
                        columns, target, ..
                    },
                    false,
                ) => Some(format!(
                    "FOREIGN KEY ({}) {}",
                    columns.join(", "),
                    describe_fk(Some(&target))
                )),
                _ => None,
            })
            .collect()
    };
    for (unique, attribute) in [(true, Attribute::Unique), (false, Attribute::ForeignKey)] {
        let (x, y) = (of_kind(a, unique), of_kind(b, unique));
        if x != y {
            let show = |s: BTreeSet<String>| {
                if s.is_empty() {
                    "none".to_string()
                } else {
                    s.into_iter().collect::<Vec<_>>().join(", ")
                }
            };
            out.push((attribute, show(x), show(y)));
        }
    }
    out
}

/// The differences between two definitions of the same object.
pub fn differences(a: &Object, b: &Object) -> Vec<(Attribute, String, String)> {
    match (a, b) {
        (Object::Table(a), Object::Table(b)) => table_differences(a, b),
        (Object::Column { column: a, .. }, Object::Column { column: b, .. }) => {
            column_differences(a, b)
        }
        (Object::Index(a), Object::Index(b)) => index_differences(a, b),
        _ => Vec::new(),
    }
}

/// Whether one track's object changed from `before` (in `base`) to `after`
/// (in `head`): its [`differences`], or an index moved to another table
/// other than by the renames `head` makes (those of `base` are in it
/// already; the same name at both ends is the same table, as a SQLite
/// rebuild renames it away and back).
pub fn changed_within_track(base: &Model, head: &Model, before: &Object, after: &Object) -> bool {
    if let (Object::Index(b), Object::Index(h)) = (before, after) {
        let new_renames = (head.renames.iter())
            .filter(|(from, to, _)| !base.renames.iter().any(|(a, b, _)| a == from && b == to));
        if b.table != h.table && !renamed_into(new_renames, &b.table, &h.table) {
            return true;
        }
    }
    !differences(before, after).is_empty()
}

/// Whether the table `from` becomes `to` through `renames` (in order, one
/// or several): an index of `from` is then an index of `to`, unchanged.
fn renamed_into<'r>(
    renames: impl Iterator<Item = &'r (Key, Key, Origin)>,
    from: &str,
    to: &str,
) -> bool {
    let mut name = from;
    for (old, new, _) in renames {
        if let (Key::Table(old), Key::Table(new)) = (old, new) {
            if old == name {
                name = new;
            }
        }
    }
    name == to
}

/// The differences between the first track's object and the second's: those
/// of [`differences`], and for an index its table. Within one track an
/// index's table follows a rename of the table (no change to the index);
/// across the tracks an index of the same name on another table is another
/// index to PostgreSQL.
pub fn differences_across_tracks(a: &Object, b: &Object) -> Vec<(Attribute, String, String)> {
    let mut out = Vec::new();
    if let (Object::Index(a), Object::Index(b)) = (a, b) {
        if a.table != b.table {
            out.push((
                Attribute::IndexTable,
                format!("on {}", a.table),
                format!("on {}", b.table),
            ));
        }
    }
    out.extend(differences(a, b));
    out
}

/// One watched file's models at the merge-base and at HEAD.
#[derive(Clone, Debug)]
pub struct FileModels {
    pub path: String,
    pub base: Model,
    pub head: Model,
}

/// One object of the first track's change. Its definitions are not copied:
/// `head` and `base` read them from the models of its file; its fact is
/// made from its key when asked (`Change::fact`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub action: Action,
    pub key: Key,
    /// For a rename, the key before (boxed: a range can bring a million
    /// changes, and few are renames).
    pub from: Option<Box<Key>>,
    pub origin: Origin,
    /// The file whose models show the change: an index into the files
    /// `diff` was given. What an alteration changed is read from them
    /// (`differences` of its `base` and `head`).
    pub file: usize,
}

impl Change {
    /// What the change does, as reports name it (see [`Change::into_fact`]).
    pub fn fact(&self) -> Fact {
        fact_of(self.key.clone(), self.action, self.from.as_deref().cloned())
    }

    /// What the change does, as reports name it: its key's kind and names,
    /// its action, and for a rename the name before; the key's names are
    /// taken, not copied.
    pub fn into_fact(self) -> Fact {
        fact_of(self.key, self.action, self.from.map(|from| *from))
    }

    /// The kind of object changed.
    pub fn kind(&self) -> ObjectKind {
        self.key.kind()
    }

    /// The definition at HEAD (none for a drop).
    pub fn head<'m>(&self, files: &'m [FileModels]) -> Option<Object<'m>> {
        match self.action {
            Action::Dropped => None,
            _ => resolved_object(&files[self.file].head, &self.key),
        }
    }

    /// The definition at the base (none for a creation; a rename's is
    /// under its key before).
    pub fn base<'m>(&self, files: &'m [FileModels]) -> Option<Object<'m>> {
        let key = match self.action {
            Action::Created => return None,
            Action::Renamed => self.from.as_deref()?,
            Action::Dropped | Action::Altered => &self.key,
        };
        resolved_object(&files[self.file].base, key)
    }
}

/// What the first track's files, together, changed.
#[derive(Clone, Debug, Default)]
pub struct TrackChange {
    pub changes: Vec<Change>,
    /// Facts of operations whose names are built at run time, new at HEAD.
    pub unresolved: Vec<(Fact, Origin)>,
    /// Where the files disagree, at HEAD and not already at the base.
    pub notes: Vec<String>,
}

/// The fact of a change of `key` (`from`: the key before a rename).
fn fact_of(key: Key, action: Action, from: Option<Key>) -> Fact {
    let kind = key.kind();
    let (table, name) = match key {
        Key::Column(table, name) => (Some(Ident::Known(table)), name),
        Key::Table(name) | Key::Index(name) | Key::Trigger(name) => (None, name),
    };
    Fact {
        kind,
        action,
        table,
        name: Ident::Known(name),
        from: from.map(|from| Box::new(Ident::Known(from.into_leaf()))),
    }
}

fn key_name(key: &Key) -> String {
    match key {
        Key::Table(t) => format!("table {t}"),
        Key::Column(t, c) => format!("column {t}.{c}"),
        Key::Index(i) => format!("index {i}"),
        Key::Trigger(t) => format!("trigger {t}"),
    }
}

/// An object's definition with its foreign keys resolved by its model.
pub fn resolved_object<'m>(model: &'m Model, key: &Key) -> Option<Object<'m>> {
    let mut object = model.object(key)?;
    if let Object::Column { column, .. } = &mut object {
        // Only a foreign key is resolved: any other column is read in place.
        if column.foreign_key().is_some() {
            *column = Cow::Owned(model.resolve_column(column));
        }
    }
    Some(object)
}

/// Where the files disagree on `key` in the models `pick` selects.
fn disagreements(files: &[FileModels], key: &Key, pick: fn(&FileModels) -> &Model) -> Vec<String> {
    let defs: Vec<(&str, Object)> = files
        .iter()
        .filter_map(|f| Some((f.path.as_str(), resolved_object(pick(f), key)?)))
        .collect();
    let mut out = Vec::new();
    if let Some((first_path, first)) = defs.first() {
        // attribute -> (first's value, [(other value, path)])
        let mut by_attribute: BTreeMap<Attribute, (String, Vec<String>)> = BTreeMap::new();
        for (path, other) in &defs[1..] {
            for (attribute, a, b) in differences_across_tracks(first, other) {
                by_attribute
                    .entry(attribute)
                    .or_insert_with(|| (a, Vec::new()))
                    .1
                    .push(format!("{b} in {path}"));
            }
        }
        for (attribute, (value, others)) in by_attribute {
            out.push(format!(
                "the watched files disagree on {} ({}): {value} in {first_path}, {}",
                key_name(key),
                attribute.name(),
                others.join(", ")
            ));
        }
    }
    out
}

/// One file's own change (`files[file]`), before the files are taken together.
fn file_changes(files: &[FileModels], file: usize) -> Vec<Change> {
    let f = &files[file];
    // Every object of the base, then every object of HEAD the base lacks:
    // each key made once and dropped once looked at (a file can state a
    // million objects). The keys of each list below are distinct, and each
    // list is put in key order after.
    let keys = f.base.each_key().chain(
        f.head
            .each_key_ref()
            .filter(|key| !f.base.has_ref(*key))
            .map(KeyRef::owned),
    );
    let mut created = Vec::new();
    let mut dropped = Vec::new();
    let mut altered = Vec::new();
    let change = |key: Key, action: Action, origin: Origin| Change {
        action,
        key,
        from: None,
        origin,
        file,
    };
    // Each key is moved into its change, or dropped.
    for key in keys {
        let base = resolved_object(&f.base, &key);
        let head = resolved_object(&f.head, &key);
        match (base, head) {
            (None, Some(head)) => {
                created.push(change(key, Action::Created, head.origin().clone()));
            }
            (Some(_), None) => {
                let origin = f
                    .head
                    .drops
                    .get(&key)
                    .cloned()
                    .or_else(|| match &key {
                        Key::Column(t, _) => {
                            f.head.tables.get(t.as_str()).map(|t| t.origin.clone())
                        }
                        _ => None,
                    })
                    .unwrap_or_else(|| Origin::new(&f.path, 0));
                dropped.push(change(key, Action::Dropped, origin));
            }
            (Some(base), Some(head)) => {
                if changed_within_track(&f.base, &f.head, &base, &head) {
                    altered.push(change(key, Action::Altered, head.origin().clone()));
                }
            }
            (None, None) => {}
        }
    }
    for list in [&mut created, &mut dropped, &mut altered] {
        list.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    }
    // A drop, new in the range, of an object the model never saw (made by
    // something the files do not show): still a drop to make.
    for (key, origin) in &f.head.drops {
        let new = !f.base.drops.contains_key(key);
        let known = f.base.has(key) || f.head.has(key);
        let scratch = f.head.created.contains(key) || f.base.created.contains(key);
        if new && !known && !scratch && !matches!(key, Key::Column(..)) {
            dropped.push(change(key.clone(), Action::Dropped, origin.clone()));
        }
    }
    // Renames: a drop and a creation that the file's operations link.
    let mut renamed_tables: Vec<(SmolStr, SmolStr)> = Vec::new();
    for (from, to, origin) in &f.head.renames {
        if f.base.renames.iter().any(|(a, b, _)| a == from && b == to) {
            continue;
        }
        // A column renamed in a table renamed before: the drop is under the
        // table's old name.
        let old_key = match from {
            Key::Column(t, c) => renamed_tables
                .iter()
                .find(|(_, new)| new == t)
                .map(|(old, _)| Key::Column(old.clone(), c.clone())),
            _ => None,
        };
        let (Some(d), Some(c)) = (
            dropped
                .iter()
                .position(|d| &d.key == from || Some(&d.key) == old_key.as_ref()),
            created.iter().position(|c| &c.key == to),
        ) else {
            continue;
        };
        let mut change = created.remove(c);
        let gone = dropped.remove(d);
        change.action = Action::Renamed;
        change.from = Some(Box::new(gone.key));
        change.origin = origin.clone();
        if let (Key::Table(a), Key::Table(b)) = (from, to) {
            renamed_tables.push((a.clone(), b.clone()));
        }
        created.push(change);
    }
    // The columns of a renamed table moved with it.
    for (from, to) in &renamed_tables {
        let moved: Vec<SmolStr> = created
            .iter()
            .filter_map(|c| match &c.key {
                Key::Column(t, col)
                    if t == to
                        && dropped
                            .iter()
                            .any(|d| d.key == Key::Column(from.clone(), col.clone())) =>
                {
                    Some(col.clone())
                }
                _ => None,
            })
            .collect();
        created
            .retain(|c| !matches!(&c.key, Key::Column(t, col) if t == to && moved.contains(col)));
        dropped
            .retain(|d| !matches!(&d.key, Key::Column(t, col) if t == from && moved.contains(col)));
    }
    // A dropped table takes its columns, indexes and triggers with it.
    let dropped_tables: Vec<SmolStr> = dropped
        .iter()
        .filter_map(|d| match &d.key {
            Key::Table(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    dropped.retain(|d| {
        let table = match (&d.key, d.base(files)) {
            (Key::Column(t, _), _) => Some(t.as_str()),
            (_, Some(Object::Index(i))) => Some(i.table.as_str()),
            (_, Some(Object::Trigger(t))) => Some(t.table.as_str()),
            _ => None,
        };
        table.is_none_or(|t| !dropped_tables.iter().any(|d| d == t))
    });
    created.extend(dropped);
    created.extend(altered);
    debug_assert!(
        {
            let mut seen = HashSet::new();
            created.iter().all(|c| seen.insert((&c.key, c.action)))
        },
        "a file changes each object and action once"
    );
    created
}

/// The indices `0..len` sorted stably by `compare`: where each item goes,
/// for [`apply_order`]. A sort by index moves 8 bytes an item and copies
/// none of them, where a merge sort of the items themselves holds a copy
/// of half of them (a million changes, a million coverage items).
pub(crate) fn stable_order(
    len: usize,
    compare: impl FnMut(&usize, &usize) -> std::cmp::Ordering,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(compare);
    order
}

/// Puts `items` in `order` (`order[k]`: the index of the item that goes to
/// position `k`), swapping each cycle of the permutation into place.
pub(crate) fn apply_order<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..items.len() {
        let mut at = start;
        while order[at] != start && order[at] != at {
            let next = order[at];
            items.swap(at, next);
            order[at] = at;
            at = next;
        }
        order[at] = at;
    }
}

/// A hash of a change's object and action: `diff` finds the first change of
/// each by it without a copy of every key.
fn object_hash(key: &Key, action: Action) -> u64 {
    let mut hasher = DefaultHasher::new();
    (key, action).hash(&mut hasher);
    hasher.finish()
}

/// The first track's change: what each file's HEAD model changed from its
/// base model, taken together (`files` in the order of the rules' watched
/// files):
///
/// - a creation counts when no file stated the object at the base (a file
///   added to the track that restates the schema creates nothing);
/// - a drop counts unless another file newly states the object (it moved);
///   files that still state it are named in a note;
/// - a rename counts, and replaces the drop and creation other files show;
/// - an alteration counts in the first file that makes it; another file
///   altering it otherwise is a note.
pub fn diff(files: &[FileModels]) -> TrackChange {
    let mut out = TrackChange::default();
    let in_base = |key: &Key| files.iter().any(|f| f.base.has(key));
    let mut renames: Vec<(Key, Key)> = Vec::new();
    let mut all: Vec<Change> = Vec::new();
    // The first change of each object and action, found by a hash of them
    // (a file can state a million objects).
    let mut first_of = PlacesByHash::default();
    // Within one file each object and action changes once (`file_changes`),
    // so the first change of each is looked for only when two files change
    // something.
    let per_file: Vec<Vec<Change>> = (0..files.len()).map(|i| file_changes(files, i)).collect();
    let two_files = per_file.iter().filter(|c| !c.is_empty()).count() > 1;
    for (f, mut changes) in files.iter().zip(per_file) {
        // The file's changes are filtered in place, the kept ones moved to
        // the front: `all[..before]` then `changes[..kept]` are the changes
        // so far, with no second copy of a million of them.
        let before = all.len();
        let mut kept = 0;
        for at in 0..changes.len() {
            let change = &changes[at];
            match change.action {
                Action::Created if in_base(&change.key) => continue,
                Action::Dropped => {
                    let moved = files.iter().any(|g| {
                        g.path != f.path && g.head.has(&change.key) && !g.base.has(&change.key)
                    });
                    if moved {
                        continue;
                    }
                    let stale: Vec<&str> = files
                        .iter()
                        .filter(|g| {
                            g.path != f.path && g.head.has(&change.key) && g.base.has(&change.key)
                        })
                        .map(|g| g.path.as_str())
                        .collect();
                    if !stale.is_empty() {
                        out.notes.push(format!(
                            "{} drops {}, but {} still state{} it",
                            f.path,
                            key_name(&change.key),
                            stale.join(" and "),
                            if stale.len() == 1 { "s" } else { "" }
                        ));
                    }
                }
                Action::Renamed => {
                    if let Some(from) = change.from.as_deref() {
                        renames.push((from.clone(), change.key.clone()));
                    }
                }
                _ => {}
            }
            let hash = object_hash(&change.key, change.action);
            let so_far = |at: usize| match at.checked_sub(before) {
                None => &all[at],
                Some(here) => &changes[here],
            };
            let first = first_of
                .places(hash)
                .map(so_far)
                .find(|c| c.key == change.key && c.action == change.action)
                .filter(|_| two_files);
            match first {
                Some(first) => {
                    let differ = match (first.head(files), change.head(files)) {
                        (Some(a), Some(b)) => !differences_across_tracks(&a, &b).is_empty(),
                        _ => false,
                    };
                    if differ {
                        let note = format!(
                            "{} changes {} otherwise than {}",
                            change.origin.path,
                            key_name(&change.key),
                            first.origin.path
                        );
                        if !out.notes.contains(&note) {
                            out.notes.push(note);
                        }
                    }
                }
                None => {
                    if two_files {
                        first_of.insert(hash, before + kept);
                    }
                    changes.swap(kept, at);
                    kept += 1;
                }
            }
        }
        changes.truncate(kept);
        if all.is_empty() {
            all = changes;
        } else {
            all.append(&mut changes);
        }
    }
    drop(first_of);
    // A rename in one file stands for the drop and creation another shows,
    // a table's columns included.
    let had_column = |table: &str, column: &str| {
        let key = Key::Column(table.into(), column.into());
        files.iter().any(|f| f.base.has(&key))
    };
    if !renames.is_empty() {
        all.retain(|c| {
            !renames.iter().any(|(from, to)| {
                let moved_column = match (from, to, &c.key) {
                    (Key::Table(a), Key::Table(b), Key::Column(t, col)) => {
                        (c.action == Action::Created && t == b && had_column(a, col))
                            || (c.action == Action::Dropped && t == a)
                    }
                    _ => false,
                };
                moved_column
                    || (c.action == Action::Dropped && &c.key == from)
                    || (c.action == Action::Created && &c.key == to)
            })
        });
    }
    out.changes = all;
    // Disagreements that the range brought: only an object that two files
    // state at HEAD can be one.
    let mut keys: BTreeSet<Key> = BTreeSet::new();
    for (i, f) in files.iter().enumerate() {
        let others = &files[i + 1..];
        keys.extend(
            f.head
                .each_key_ref()
                .filter(|key| others.iter().any(|g| g.head.has_ref(*key)))
                .map(KeyRef::owned),
        );
    }
    for key in &keys {
        let before: BTreeSet<String> = disagreements(files, key, |f| &f.base).into_iter().collect();
        for note in disagreements(files, key, |f| &f.head) {
            if !before.contains(&note) && !out.notes.contains(&note) {
                out.notes.push(note);
            }
        }
    }
    // In file order, then line, then a table's columns in their order, then
    // by key: sorted by key first, so that the stable sort by the rest keeps
    // that order among equals.
    let place = |model: &Model, key: Option<&Key>| match key {
        Some(Key::Column(table, column)) => model
            .tables
            .get(table.as_str())
            .and_then(|t| t.columns.position(column)),
        _ => None,
    };
    // 32 bits each: a file under 4 GiB states fewer columns, and a range
    // has few watched files.
    let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let position = |c: &Change| -> (u8, u32) {
        let f = &files[c.file];
        let head_key = (c.action != Action::Dropped).then_some(&c.key);
        let base_key = match c.action {
            Action::Created => None,
            Action::Renamed => c.from.as_deref(),
            Action::Dropped | Action::Altered => Some(&c.key),
        };
        let column = place(&f.head, head_key)
            .or_else(|| place(&f.base, base_key))
            .unwrap_or(0);
        let kind = match c.key {
            Key::Table(_) => 0,
            Key::Column(..) => 1,
            Key::Index(_) => 2,
            Key::Trigger(_) => 3,
        };
        (kind, narrow(column))
    };
    let places: Vec<(u32, u32, (u8, u32))> = out
        .changes
        .iter()
        .map(|c| (narrow(c.file), c.origin.line, position(c)))
        .collect();
    let changes = &out.changes;
    let order = stable_order(changes.len(), |&a, &b| {
        places[a]
            .cmp(&places[b])
            .then_with(|| changes[a].key.cmp(&changes[b].key))
    });
    drop(places);
    apply_order(&mut out.changes, order);
    // Unresolved parts new at HEAD, each fact once.
    let mut seen: HashSet<Fact> = HashSet::new();
    for f in files {
        let before: HashSet<&Fact> = f.base.unresolved.iter().map(|(b, _)| b).collect();
        for (fact, origin) in &f.head.unresolved {
            if !before.contains(fact) && !seen.contains(fact) {
                seen.insert(fact.clone());
                out.unresolved.push((fact.clone(), origin.clone()));
            }
        }
    }
    out
}

/// One model of several files' models: every object any file states; an
/// object in several files takes the definition of the first (the rules'
/// order, metadata files last).
pub fn merged(models: &[&Model]) -> Model {
    let mut out = Model::default().recording_touches();
    for model in models {
        for (name, table) in &model.tables {
            match out.tables.get_mut(name) {
                None => {
                    out.tables.insert(name.clone(), table.clone());
                }
                Some(existing) => {
                    for column in &table.columns {
                        if existing.column(&column.name).is_none() {
                            existing.columns.upsert(column.clone());
                        }
                    }
                }
            }
        }
        for (name, index) in &model.indexes {
            out.indexes
                .entry(name.clone())
                .or_insert_with(|| index.clone());
        }
        for (name, trigger) in &model.triggers {
            out.triggers
                .entry(name.clone())
                .or_insert_with(|| trigger.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_two_places_share_keeps_both() {
        // Two places under one hash, as two names sharing a hash would be.
        let origin = Origin::new("m.py", 1);
        let def = ColumnDef::new(Ident::known("x"), "TEXT");
        let sql_type = ColumnType::new(&def.sql_type, &def.type_class);
        let column = Column::from_def(&def, "t", "x".into(), sql_type, &origin);
        let list = vec![column.clone(), column];
        let mut index = NameIndex::default();
        index.insert("x", 0);
        index.insert("x", 1);
        assert_eq!(index.0.more.len(), 1);
        assert_eq!(index.find(&list, "x"), Some(0));
        index.remove("x", 0);
        assert_eq!(index.find(&list, "x"), Some(1));
        assert!(index.0.more.is_empty());
        index.remove("x", 1);
        assert_eq!(index.find(&list, "x"), None);
        assert!(index.0.first.is_empty());
    }

    proptest::proptest! {
        /// Any run of additions, drops and renames leaves every column
        /// found by name at its place, as a plain list of names says.
        #[test]
        fn columns_are_found_by_name_after_any_edits(
            edits in proptest::collection::vec((0u8..3, 0u8..6, 0u8..6), 0..40)
        ) {
            let origin = Origin::new("m.py", 1);
            let column = |name: &str| {
                let def = ColumnDef::new(Ident::known(name), "TEXT");
                Column::from_def(&def, "t", name.into(), ColumnType::new(&def.sql_type, &def.type_class), &origin)
            };
            let mut columns = Columns::default();
            let mut names: Vec<String> = Vec::new();
            for (edit, a, b) in edits {
                let (a, b) = (format!("c{a}"), format!("c{b}"));
                match edit {
                    0 => {
                        columns.upsert(column(&a));
                        if !names.contains(&a) {
                            names.push(a);
                        }
                    }
                    1 => {
                        columns.remove(&a);
                        names.retain(|n| *n != a);
                    }
                    _ => {
                        let renamed = columns.rename(&a, &b);
                        let at = names.iter().position(|n| *n == a);
                        proptest::prop_assert_eq!(renamed, at.is_some());
                        if let Some(at) = at {
                            names[at] = b.clone();
                            let other = (0..names.len()).find(|&j| j != at && names[j] == b);
                            if let Some(other) = other {
                                names.remove(other);
                            }
                        }
                    }
                }
                let listed: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                proptest::prop_assert_eq!(&listed, &names);
                for (at, name) in names.iter().enumerate() {
                    proptest::prop_assert_eq!(columns.position(name), Some(at));
                }
                for gone in (0..6).map(|n| format!("c{n}")).filter(|n| !names.contains(n)) {
                    proptest::prop_assert_eq!(columns.position(&gone), None);
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn an_order_applied_in_place_is_the_stable_sort(
            items in proptest::collection::vec((0u8..4, 0u16..1000), 0..200)
        ) {
            let mut sorted = items.clone();
            sorted.sort_by_key(|item| item.0);
            let order = stable_order(items.len(), |&a, &b| items[a].0.cmp(&items[b].0));
            let mut permuted = items;
            apply_order(&mut permuted, order);
            proptest::prop_assert_eq!(permuted, sorted);
        }
    }
    use crate::schema::sql::extract_sql_lines;
    use pretty_assertions::assert_eq;

    fn model(sql: &str) -> Model {
        Model::build("m.py", extract_sql_lines(sql))
    }

    fn columns_of(m: &Model, table: &str) -> Vec<(String, String)> {
        m.tables[table]
            .columns
            .iter()
            .map(|c| (c.name.to_string(), c.sql_type.declared.clone()))
            .collect()
    }

    #[test]
    fn a_rename_onto_another_column_keeps_the_renamed_one_and_nothing_else() {
        let m = model(
            "CREATE TABLE t (b INTEGER, a TEXT, c REAL);\nALTER TABLE t RENAME COLUMN a TO b;",
        );
        let cols = columns_of(&m, "t");
        assert_eq!(
            cols,
            vec![
                ("b".to_string(), "TEXT".to_string()),
                ("c".into(), "REAL".into())
            ]
        );
        assert_eq!(
            m.tables["t"]
                .column("b")
                .map(|c| c.sql_type.declared.as_str()),
            Some("TEXT")
        );
        assert_eq!(
            m.tables["t"]
                .column("c")
                .map(|c| c.sql_type.declared.as_str()),
            Some("REAL")
        );
    }

    #[test]
    fn columns_stay_found_by_name_after_drops_and_renames() {
        let m = model(
            "CREATE TABLE t (a INTEGER, b TEXT, c REAL, d BLOB);\n\
             ALTER TABLE t DROP COLUMN b;\n\
             ALTER TABLE t RENAME COLUMN c TO e;",
        );
        assert_eq!(
            columns_of(&m, "t"),
            vec![
                ("a".to_string(), "INTEGER".to_string()),
                ("e".into(), "REAL".into()),
                ("d".into(), "BLOB".into())
            ]
        );
        for (name, declared) in [("a", "INTEGER"), ("e", "REAL"), ("d", "BLOB")] {
            assert_eq!(
                m.tables["t"]
                    .column(name)
                    .map(|c| c.sql_type.declared.as_str()),
                Some(declared)
            );
        }
        assert!(m.tables["t"].column("b").is_none() && m.tables["t"].column("c").is_none());
    }

    fn files(base: &str, head: &str) -> Vec<FileModels> {
        vec![FileModels {
            path: "m.py".into(),
            base: model(base),
            head: model(head),
        }]
    }

    fn described(change: &TrackChange, files: &[FileModels]) -> Vec<String> {
        change
            .changes
            .iter()
            .map(|c| {
                let attrs: Vec<&str> = match (c.base(files), c.head(files)) {
                    (Some(base), Some(head)) if c.action == Action::Altered => {
                        differences(&base, &head)
                            .into_iter()
                            .map(|(a, _, _)| a.name())
                            .collect()
                    }
                    _ => Vec::new(),
                };
                if attrs.is_empty() {
                    c.fact().describe()
                } else {
                    format!("{} [{}]", c.fact().describe(), attrs.join(", "))
                }
            })
            .collect()
    }

    /// The change of `files`, described.
    fn described_diff(files: &[FileModels]) -> Vec<String> {
        described(&diff(files), files)
    }

    #[test]
    fn the_model_holds_every_attribute() {
        let m = model(
            "CREATE TABLE projects (id INTEGER PRIMARY KEY);
             CREATE TABLE tasks (
                 id INTEGER PRIMARY KEY,
                 project_id INTEGER NOT NULL REFERENCES projects ON DELETE CASCADE,
                 code VARCHAR(20) UNIQUE,
                 status TEXT NOT NULL DEFAULT 'open',
                 a INT, b INT,
                 UNIQUE (a, b)
             );
             CREATE UNIQUE INDEX ux_open ON tasks (lower(code)) WHERE status = 'open';
             CREATE TRIGGER trg AFTER INSERT ON tasks BEGIN SELECT 1; END;",
        );
        let tasks = &m.tables["tasks"];
        let project = tasks.column("project_id").unwrap();
        assert!(project.not_null);
        assert_eq!(
            describe_fk(Some(&m.resolve_fk(project.foreign_key().unwrap()))),
            "REFERENCES projects(id) ON DELETE CASCADE"
        );
        let code = tasks.column("code").unwrap();
        assert!(code.unique);
        assert_eq!(code.sql_type.type_class, TypeClass::Text);
        assert_eq!(
            tasks.column("status").unwrap().default_value(),
            Some(&DefaultValue::literal("open"))
        );
        assert_eq!(
            tasks.constraints,
            vec![Constraint::Unique {
                name: None,
                columns: vec!["a".into(), "b".into()]
            }]
        );
        let index = &m.indexes["ux_open"];
        assert_eq!(index.columns, vec!["lower(code)".to_string()]);
        assert!(index.unique);
        assert_eq!(index.where_clause.as_deref(), Some("status='open'"));
        assert_eq!(m.triggers["trg"].table, "tasks");
    }

    #[test]
    fn constraints_carry_the_names_postgresql_gives_them() {
        let mut m = model(
            "CREATE TABLE projects (id INTEGER PRIMARY KEY);
             CREATE TABLE tasks (id INTEGER PRIMARY KEY,
                 project_id INTEGER REFERENCES projects(id), code TEXT UNIQUE, other INT);
             ALTER TABLE tasks ADD CONSTRAINT tasks_other_ref FOREIGN KEY (other) REFERENCES projects(id);
             ALTER TABLE tasks RENAME TO jobs",
        );
        // Named when the table was still tasks: a rename keeps the names.
        let jobs = &m.tables["jobs"];
        assert_eq!(jobs.pk_name.as_deref(), Some("tasks_pkey"));
        let project = jobs.column("project_id").unwrap();
        assert_eq!(project.fk_name(), Some("tasks_project_id_fkey"));
        assert_eq!(
            jobs.column("code").unwrap().unique_name(),
            Some("tasks_code_key")
        );
        assert_eq!(
            jobs.column("other").unwrap().fk_name(),
            Some("tasks_other_ref")
        );
        // Dropped by those names.
        for (name, kind) in [
            ("tasks_project_id_fkey", "foreignkey"),
            ("tasks_code_key", "unique"),
            ("tasks_other_ref", "foreignkey"),
        ] {
            m.apply(
                &SchemaOp::DropConstraint {
                    table: Ident::known("jobs"),
                    name: Ident::known(name),
                    kind: Some(kind.into()),
                },
                &Origin::new("r.py", 1),
            );
        }
        let jobs = &m.tables["jobs"];
        assert_eq!(jobs.column("project_id").unwrap().foreign_key(), None);
        assert!(!jobs.column("code").unwrap().unique);
        assert_eq!(jobs.column("other").unwrap().foreign_key(), None);
    }

    #[test]
    fn default_names_fit_postgresqls_63_bytes() {
        assert_eq!(pg_default_name::<&str>("tasks", &[], "pkey"), "tasks_pkey");
        assert_eq!(pg_default_name("t", &["a", "b"], "key"), "t_a_b_key");
        let long = "x".repeat(40);
        let name = pg_default_name(&long, &["y".repeat(40)], "fkey");
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_{}_fkey", "x".repeat(29), "y".repeat(28)));
        let name = pg_default_name(&"t".repeat(70), &["c"], "fkey");
        assert_eq!(name, format!("{}_c_fkey", "t".repeat(56)));
    }

    #[test]
    fn a_rebuild_with_the_same_definition_changes_nothing() {
        let base = "CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
                    CREATE INDEX ix_title ON tasks (title);";
        let head = format!(
            "{base}
             CREATE TABLE tasks_new (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
             INSERT INTO tasks_new SELECT * FROM tasks;
             DROP TABLE tasks;
             ALTER TABLE tasks_new RENAME TO tasks;
             CREATE INDEX ix_title ON tasks (title);"
        );
        assert_eq!(described_diff(&files(base, &head)), Vec::<String>::new());
    }

    #[test]
    fn a_rebuild_that_changes_the_definition_alters_only_what_changed() {
        let base = "CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)";
        let head = format!(
            "{base};
             CREATE TABLE tasks_new (id INTEGER PRIMARY KEY, title TEXT, tags TEXT);
             DROP TABLE tasks;
             ALTER TABLE tasks_new RENAME TO tasks;"
        );
        assert_eq!(
            described_diff(&files(base, &head)),
            vec![
                "column tasks.title (altered) [not-null]".to_string(),
                "column tasks.tags (added)".to_string(),
            ]
        );
    }

    #[test]
    fn a_rebuild_through_an_old_copy_is_read_the_same_way() {
        let base = "CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
                    CREATE INDEX ix_title ON tasks (title);";
        let head = format!(
            "{base}
             ALTER TABLE tasks RENAME TO tasks_old;
             CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done BOOLEAN NOT NULL DEFAULT FALSE);
             INSERT INTO tasks (id, title) SELECT id, title FROM tasks_old;
             DROP TABLE tasks_old;
             CREATE INDEX ix_title ON tasks (title);"
        );
        let files = files(base, &head);
        let change = diff(&files);
        assert_eq!(
            described(&change, &files),
            vec!["column tasks.done (added)".to_string()]
        );
        let done = match change.changes[0].head(&files) {
            Some(Object::Column { column, .. }) => column.into_owned(),
            other => panic!("{other:?}"),
        };
        assert_eq!(done.sql_type.type_class, TypeClass::Boolean);
        assert_eq!(done.default_value(), Some(&DefaultValue::literal("0")));
    }

    #[test]
    fn an_index_recreated_with_a_new_where_is_altered_not_dropped() {
        let base = "CREATE INDEX ix_open ON tasks (status) WHERE done = 0";
        let head = format!("{base}; DROP INDEX ix_open; CREATE INDEX ix_open ON tasks (status) WHERE done = 0 AND archived = 0");
        assert_eq!(
            described_diff(&files(base, &head)),
            vec!["index ix_open (altered) [index-where]".to_string()]
        );
    }

    #[test]
    fn every_column_attribute_is_diffed() {
        let base = "CREATE TABLE p (id INTEGER PRIMARY KEY);
                    CREATE TABLE t (a INTEGER, b TEXT, c TEXT, d INTEGER DEFAULT 0, e INTEGER, f INTEGER)";
        let head = "CREATE TABLE p (id INTEGER PRIMARY KEY);
                    CREATE TABLE t (a TEXT, b TEXT NOT NULL, c TEXT UNIQUE, d INTEGER DEFAULT 1,
                                    e INTEGER REFERENCES p(id), f INTEGER PRIMARY KEY)";
        assert_eq!(
            described_diff(&files(base, head)),
            vec![
                "column t.a (altered) [type]".to_string(),
                "column t.b (altered) [not-null]".to_string(),
                "column t.c (altered) [unique]".to_string(),
                "column t.d (altered) [default]".to_string(),
                "column t.e (altered) [foreign-key]".to_string(),
                "column t.f (altered) [not-null, primary-key]".to_string(),
            ]
        );
    }

    #[test]
    fn renames_are_renames() {
        let base = "CREATE TABLE events (id INTEGER, kind TEXT)";
        let head = format!(
            "{base}; ALTER TABLE events RENAME TO history; ALTER TABLE history RENAME COLUMN kind TO type"
        );
        assert_eq!(
            described_diff(&files(base, &head)),
            vec![
                "table history (renamed from events)".to_string(),
                "column history.type (renamed from kind)".to_string(),
            ]
        );
    }

    #[test]
    fn a_file_added_to_an_existing_schema_adds_nothing_but_notes_disagreements() {
        let schema = model("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)");
        let tables = Model::build(
            "tables.py",
            vec![
                (
                    3,
                    SchemaOp::AddColumn {
                        table: Ident::known("tasks"),
                        column: ColumnDef {
                            primary_key: true,
                            ..ColumnDef::new(Ident::known("id"), "INTEGER")
                        },
                    },
                ),
                (
                    4,
                    SchemaOp::AddColumn {
                        table: Ident::known("tasks"),
                        column: ColumnDef::new(Ident::known("title"), "TEXT"),
                    },
                ),
            ],
        );
        let files = [
            FileModels {
                path: "schema.py".into(),
                base: schema.clone(),
                head: schema,
            },
            FileModels {
                path: "tables.py".into(),
                base: Model::default(),
                head: tables,
            },
        ];
        let change = diff(&files);
        assert_eq!(described(&change, &files), Vec::<String>::new());
        assert_eq!(
            change.notes,
            vec!["the watched files disagree on column tasks.title (not-null): NOT NULL in schema.py, nullable in tables.py".to_string()]
        );
    }

    #[test]
    fn a_column_typed_by_its_foreign_key_takes_the_target_type() {
        let m = Model::build(
            "tables.py",
            vec![
                (
                    1,
                    SchemaOp::AddColumn {
                        table: Ident::known("projects"),
                        column: ColumnDef {
                            primary_key: true,
                            ..ColumnDef::new(Ident::known("id"), "INTEGER")
                        },
                    },
                ),
                (
                    2,
                    SchemaOp::AddColumn {
                        table: Ident::known("tasks"),
                        column: ColumnDef {
                            foreign_key: Some(Box::new(ForeignKey {
                                table: Ident::known("projects"),
                                columns: Vec::new(),
                                on_delete: None,
                                on_update: None,
                            })),
                            ..ColumnDef::new(Ident::known("project_id"), "")
                        },
                    },
                ),
            ],
        );
        let column = m.resolve_column(m.tables["tasks"].column("project_id").unwrap());
        assert_eq!(column.sql_type.type_class, TypeClass::Integer);
        assert_eq!(
            column.foreign_key().unwrap().columns,
            vec!["id".to_string()]
        );
    }

    #[test]
    fn a_rename_in_one_file_stands_for_the_rewrite_in_another() {
        let schema_base = "CREATE TABLE events (id INTEGER, kind TEXT)";
        let files = [
            FileModels {
                path: "migrations.py".into(),
                base: model(schema_base),
                head: model(&format!(
                    "{schema_base}; ALTER TABLE events RENAME TO history; ALTER TABLE history ADD COLUMN at TEXT"
                )),
            },
            FileModels {
                path: "schema.py".into(),
                base: model(schema_base),
                head: model("CREATE TABLE history (id INTEGER, kind TEXT, at TEXT)"),
            },
        ];
        let change = diff(&files);
        assert_eq!(
            described(&change, &files),
            vec![
                "table history (renamed from events)".to_string(),
                "column history.at (added)".to_string(),
            ]
        );
    }

    #[test]
    fn run_time_names_are_unresolved_and_new_only_once() {
        let change = diff(&files(
            "ALTER TABLE {t} ADD COLUMN a TEXT",
            "ALTER TABLE {t} ADD COLUMN a TEXT; ALTER TABLE {t} ADD COLUMN b TEXT",
        ));
        let facts: Vec<String> = change
            .unresolved
            .iter()
            .map(|(f, _)| f.describe())
            .collect();
        assert_eq!(facts, vec!["column {t}.b (added)".to_string()]);
    }

    #[test]
    fn dropping_a_table_drops_its_indexes_and_a_drop_is_reported_where_it_is_stated() {
        let base = "CREATE TABLE old (a INT); CREATE INDEX ix_old ON old (a)";
        let head = format!("{base};\nDROP TABLE old");
        let files = files(base, &head);
        let change = diff(&files);
        assert_eq!(
            described(&change, &files),
            vec!["table old (dropped)".to_string()]
        );
        assert_eq!(change.changes[0].origin.line, 1);
    }
}
