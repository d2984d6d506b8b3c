//! The two engines' catalogs as the Python worker prints them (`Raw*`, the
//! engine's own names), the mapping table applied to them (`Catalog`, type
//! classes and normalised defaults, predicates and names), and the difference
//! of two catalogs of one engine as object changes.
//!
//! The type mapping here reads catalog type names (`PRAGMA table_info`'s
//! declared type, PostgreSQL's `format_type`), never source text: it is the
//! harness's own implementation of the coverage contract's table, independent
//! of parity-core's.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;

// ---------------------------------------------------------------------------
// What the worker prints.

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RawCatalog {
    pub tables: Vec<RawTable>,
    pub indexes: Vec<RawIndex>,
    pub triggers: Vec<RawTrigger>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RawTable {
    pub name: String,
    /// SQLite's rootpage, PostgreSQL's oid: the same table across a rename.
    pub ident: i64,
    pub columns: Vec<RawColumn>,
    pub primary_key: Vec<String>,
    pub uniques: Vec<Vec<String>>,
    pub fks: Vec<RawForeignKey>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RawColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    pub notnull: bool,
    pub default: Option<String>,
    /// The position in the primary key, from 1; 0 when not in it.
    pub pk: u32,
    /// SQLite's cid (a position), PostgreSQL's attnum (stable across a rename).
    pub ident: i64,
    #[serde(default)]
    pub identity: bool,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RawForeignKey {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<Option<String>>,
    pub on_delete: String,
    pub on_update: String,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RawIndex {
    pub name: String,
    pub table: String,
    pub columns: Vec<Option<String>>,
    pub unique: bool,
    #[serde(rename = "where")]
    pub predicate: Option<String>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct RawTrigger {
    pub name: String,
    pub table: String,
}

// ---------------------------------------------------------------------------
// The mapping table.

/// Which engine a catalog comes from: the type names differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// Tables of the tools themselves, never part of the schema.
pub const BOOKKEEPING_TABLES: [&str; 2] = ["alembic_version", "schema_migrations"];

/// A type class of the coverage contract.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TypeClass {
    Integer,
    Text,
    Real,
    Numeric,
    Boolean,
    Blob,
    Timestamp,
    Date,
    Json,
    Other(String),
}

impl fmt::Display for TypeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            TypeClass::Integer => "integer",
            TypeClass::Text => "text",
            TypeClass::Real => "real",
            TypeClass::Numeric => "numeric",
            TypeClass::Boolean => "boolean",
            TypeClass::Blob => "blob",
            TypeClass::Timestamp => "timestamp",
            TypeClass::Date => "date",
            TypeClass::Json => "json",
            TypeClass::Other(name) => return write!(f, "other:{name}"),
        };
        f.write_str(name)
    }
}

/// The type name without its length or precision, upper-cased, one space
/// between words: `character varying(20)` -> `CHARACTER VARYING`.
fn bare_type(name: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in name.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase()
}

/// The class of a declared SQLite type or of a PostgreSQL `format_type`.
pub fn type_class(engine: Engine, name: &str) -> TypeClass {
    let bare = bare_type(name);
    let class = match engine {
        Engine::Sqlite => match bare.as_str() {
            "INTEGER" | "INT" | "BIGINT" | "SMALLINT" | "TINYINT" | "MEDIUMINT" | "INT2"
            | "INT4" | "INT8" | "UNSIGNED BIG INT" => Some(TypeClass::Integer),
            "TEXT" | "VARCHAR" | "CHAR" | "CLOB" | "CHARACTER" | "NCHAR" | "NVARCHAR"
            | "VARYING CHARACTER" | "NATIVE CHARACTER" | "CHARACTER VARYING" => {
                Some(TypeClass::Text)
            }
            "REAL" | "FLOAT" | "DOUBLE" | "DOUBLE PRECISION" => Some(TypeClass::Real),
            "NUMERIC" | "DECIMAL" => Some(TypeClass::Numeric),
            "BOOLEAN" | "BOOL" => Some(TypeClass::Boolean),
            "BLOB" => Some(TypeClass::Blob),
            "TIMESTAMP" | "DATETIME" => Some(TypeClass::Timestamp),
            "DATE" => Some(TypeClass::Date),
            "JSON" => Some(TypeClass::Json),
            _ => None,
        },
        Engine::Postgres => match bare.as_str() {
            "INTEGER" | "BIGINT" | "SMALLINT" => Some(TypeClass::Integer),
            "TEXT" | "CHARACTER VARYING" | "CHARACTER" => Some(TypeClass::Text),
            "REAL" | "DOUBLE PRECISION" => Some(TypeClass::Real),
            "NUMERIC" => Some(TypeClass::Numeric),
            "BOOLEAN" => Some(TypeClass::Boolean),
            "BYTEA" => Some(TypeClass::Blob),
            "TIMESTAMP WITHOUT TIME ZONE" | "TIMESTAMP WITH TIME ZONE" => {
                Some(TypeClass::Timestamp)
            }
            "DATE" => Some(TypeClass::Date),
            "JSON" | "JSONB" => Some(TypeClass::Json),
            _ => None,
        },
    };
    class.unwrap_or(TypeClass::Other(bare))
}

/// A column default after the mapping: a literal (quotes stripped, numbers
/// normalised, `CURRENT_TIMESTAMP` and `now()` one value) or an expression.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DefaultValue {
    Literal(String),
    Expression(String),
}

impl DefaultValue {
    /// The contract's rule: literals by value, anything else by presence.
    pub fn equivalent(a: &Option<DefaultValue>, b: &Option<DefaultValue>) -> bool {
        match (a, b) {
            (None, None) => true,
            (Some(DefaultValue::Literal(x)), Some(DefaultValue::Literal(y))) => x == y,
            (Some(_), Some(_)) => true,
            _ => false,
        }
    }
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultValue::Literal(v) => write!(f, "DEFAULT {v}"),
            DefaultValue::Expression(e) => write!(f, "DEFAULT ({e})"),
        }
    }
}

/// Removes one trailing `::type` cast (PostgreSQL prints `'open'::text`),
/// never a `::` inside a string literal.
fn strip_cast(text: &str) -> &str {
    let Some(at) = text.rfind("::") else {
        return text;
    };
    if text[..at].matches('\'').count() % 2 == 1 {
        return text;
    }
    let tail = &text[at + 2..];
    let is_type = !tail.is_empty()
        && tail
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '(' | ')' | ','));
    if is_type {
        text[..at].trim_end()
    } else {
        text
    }
}

fn strip_parens(mut text: &str) -> &str {
    loop {
        let t = text.trim();
        if t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
            text = &t[1..t.len() - 1];
        } else {
            return t;
        }
    }
}

fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn number(text: &str) -> Option<String> {
    let value: f64 = text.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    Some(if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    })
}

/// Maps a catalog default to the contract's vocabulary.
pub fn normalise_default(raw: &str, class: &TypeClass) -> DefaultValue {
    let mut text = strip_parens(raw).to_string();
    loop {
        let stripped = strip_parens(strip_cast(&text)).to_string();
        if stripped == text {
            break;
        }
        text = stripped;
    }
    let lower = text.to_lowercase();
    if matches!(
        lower.as_str(),
        "current_timestamp" | "now()" | "current_timestamp()" | "localtimestamp"
    ) {
        return DefaultValue::Literal("CURRENT_TIMESTAMP".into());
    }
    let unquoted = if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') {
        Some(text[1..text.len() - 1].replace("''", "'"))
    } else {
        None
    };
    let value = unquoted.clone().unwrap_or_else(|| text.clone());
    if *class == TypeClass::Boolean {
        match value.to_lowercase().as_str() {
            "true" | "t" | "1" => return DefaultValue::Literal("1".into()),
            "false" | "f" | "0" => return DefaultValue::Literal("0".into()),
            _ => {}
        }
    }
    if let Some(n) = number(&value) {
        return DefaultValue::Literal(n);
    }
    if unquoted.is_some() {
        return DefaultValue::Literal(value);
    }
    match lower.as_str() {
        "null" => DefaultValue::Literal("NULL".into()),
        "true" | "false" => DefaultValue::Literal(lower),
        _ => DefaultValue::Expression(text),
    }
}

/// A partial index's predicate, compared loosely: lower-cased, casts,
/// parentheses, double quotes and white space removed.
pub fn normalise_predicate(raw: &str) -> String {
    let mut out = String::new();
    let mut rest = raw.to_lowercase();
    // Drop every `::type` cast: `'open'::text` -> `'open'`.
    while let Some(at) = rest.find("::") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 2..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ' '))
            .unwrap_or(tail.len());
        // A type name is followed by an operator or a parenthesis; keep that.
        rest = tail[end..].to_string();
    }
    out.push_str(&rest);
    out.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '(' | ')' | '"'))
        .collect()
}

fn ident(name: &str) -> String {
    name.trim_matches('"').to_lowercase()
}

/// An index's key: a column's name, or an expression compared loosely like
/// a predicate (SQLite's text as written, PostgreSQL's `pg_get_indexdef`).
fn index_key(key: &str) -> String {
    let bare = key.trim_matches('"');
    let plain = !bare.is_empty()
        && bare
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if plain || (key.starts_with('"') && key.ends_with('"') && key.len() >= 2) {
        ident(key)
    } else {
        normalise_predicate(key)
    }
}

// ---------------------------------------------------------------------------
// A catalog after the mapping.

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub on_delete: String,
    pub on_update: String,
}

impl fmt::Display for ForeignKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
            self.columns.join(", "),
            self.ref_table,
            self.ref_columns.join(", "),
            self.on_delete,
            self.on_update
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ident: i64,
    pub raw_type: String,
    pub class: TypeClass,
    /// NOT NULL, or part of the primary key (which implies it).
    pub not_null: bool,
    pub default: Option<DefaultValue>,
    pub primary_key: bool,
    /// A unique constraint on this column alone.
    pub unique: bool,
    /// The foreign keys this column is part of.
    pub foreign_keys: Vec<ForeignKey>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub ident: i64,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub uniques: BTreeSet<Vec<String>>,
    pub foreign_keys: BTreeSet<ForeignKey>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    pub name: String,
    pub table: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub predicate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Catalog {
    pub tables: BTreeMap<String, Table>,
    pub indexes: BTreeMap<String, Index>,
    /// Trigger name -> its table.
    pub triggers: BTreeMap<String, String>,
}

impl Catalog {
    /// The mapping table applied to one engine's catalog; the tools' own
    /// bookkeeping tables left out.
    pub fn from_raw(engine: Engine, raw: &RawCatalog) -> Catalog {
        let mut catalog = Catalog::default();
        for table in &raw.tables {
            let name = ident(&table.name);
            if BOOKKEEPING_TABLES.contains(&name.as_str()) {
                continue;
            }
            let primary_key: Vec<String> = table.primary_key.iter().map(|c| ident(c)).collect();
            let uniques: BTreeSet<Vec<String>> = table
                .uniques
                .iter()
                .map(|cols| cols.iter().map(|c| ident(c)).collect())
                .collect();
            let foreign_keys: BTreeSet<ForeignKey> = table
                .fks
                .iter()
                .map(|fk| ForeignKey {
                    columns: fk.columns.iter().map(|c| ident(c)).collect(),
                    ref_table: ident(&fk.ref_table),
                    ref_columns: fk
                        .ref_columns
                        .iter()
                        .map(|c| c.as_deref().map(ident).unwrap_or_default())
                        .collect(),
                    on_delete: fk.on_delete.to_uppercase(),
                    on_update: fk.on_update.to_uppercase(),
                })
                .collect();
            let columns = table
                .columns
                .iter()
                .map(|c| {
                    let cname = ident(&c.name);
                    let class = type_class(engine, &c.type_name);
                    let primary_key = c.pk > 0;
                    let mut default = c.default.as_deref().map(|d| normalise_default(d, &class));
                    // serial: the sequence is how PostgreSQL spells an integer key.
                    if primary_key
                        && class == TypeClass::Integer
                        && matches!(&default, Some(DefaultValue::Expression(e)) if e.starts_with("nextval("))
                    {
                        default = None;
                    }
                    if default == Some(DefaultValue::Literal("NULL".into())) {
                        default = None;
                    }
                    Column {
                        unique: uniques.contains(std::slice::from_ref(&cname)),
                        foreign_keys: foreign_keys
                            .iter()
                            .filter(|fk| fk.columns.contains(&cname))
                            .cloned()
                            .collect(),
                        name: cname,
                        ident: c.ident,
                        raw_type: c.type_name.clone(),
                        class,
                        not_null: c.notnull || primary_key,
                        default,
                        primary_key,
                    }
                })
                .collect();
            catalog.tables.insert(
                name.clone(),
                Table {
                    name,
                    ident: table.ident,
                    columns,
                    primary_key,
                    uniques,
                    foreign_keys,
                },
            );
        }
        for index in &raw.indexes {
            let name = ident(&index.name);
            catalog.indexes.insert(
                name.clone(),
                Index {
                    name,
                    table: ident(&index.table),
                    columns: index
                        .columns
                        .iter()
                        .map(|c| {
                            c.as_deref()
                                .map(index_key)
                                .unwrap_or_else(|| "<expr>".into())
                        })
                        .collect(),
                    unique: index.unique,
                    predicate: index.predicate.as_deref().map(normalise_predicate),
                },
            );
        }
        for trigger in &raw.triggers {
            catalog
                .triggers
                .insert(ident(&trigger.name), ident(&trigger.table));
        }
        catalog
    }
}

// ---------------------------------------------------------------------------
// Comparing attributes.

/// An attribute of the contract's `mismatches`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    pub fn as_str(self) -> &'static str {
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

    pub fn parse(text: &str) -> Option<Attribute> {
        [
            Attribute::Type,
            Attribute::NotNull,
            Attribute::PrimaryKey,
            Attribute::Unique,
            Attribute::Default,
            Attribute::ForeignKey,
            Attribute::IndexTable,
            Attribute::IndexColumns,
            Attribute::IndexUnique,
            Attribute::IndexWhere,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }
}

/// One attribute that differs: what each side has.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    pub attribute: Attribute,
    pub sqlite: String,
    pub postgres: String,
}

fn show_default(d: &Option<DefaultValue>) -> String {
    d.as_ref()
        .map(ToString::to_string)
        .unwrap_or_else(|| "no default".into())
}

fn show_fks(fks: &[ForeignKey]) -> String {
    if fks.is_empty() {
        "no foreign key".into()
    } else {
        fks.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn flag(value: bool, yes: &str, no: &str) -> String {
    if value { yes } else { no }.to_string()
}

/// The attributes in which two columns differ through the mapping table.
pub fn column_differences(a: &Column, b: &Column) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut push = |attribute, sqlite: String, postgres: String| {
        out.push(Difference {
            attribute,
            sqlite,
            postgres,
        })
    };
    if a.class != b.class {
        push(
            Attribute::Type,
            format!("{} ({})", a.class, a.raw_type),
            format!("{} ({})", b.class, b.raw_type),
        );
    }
    if a.not_null != b.not_null {
        push(
            Attribute::NotNull,
            flag(a.not_null, "NOT NULL", "nullable"),
            flag(b.not_null, "NOT NULL", "nullable"),
        );
    }
    if a.primary_key != b.primary_key {
        push(
            Attribute::PrimaryKey,
            flag(a.primary_key, "PRIMARY KEY", "not in the primary key"),
            flag(b.primary_key, "PRIMARY KEY", "not in the primary key"),
        );
    }
    if a.unique != b.unique {
        push(
            Attribute::Unique,
            flag(a.unique, "UNIQUE", "not unique"),
            flag(b.unique, "UNIQUE", "not unique"),
        );
    }
    if !DefaultValue::equivalent(&a.default, &b.default) {
        push(
            Attribute::Default,
            show_default(&a.default),
            show_default(&b.default),
        );
    }
    let fks = |c: &Column| -> BTreeSet<ForeignKey> { c.foreign_keys.iter().cloned().collect() };
    if fks(a) != fks(b) {
        push(
            Attribute::ForeignKey,
            show_fks(&a.foreign_keys),
            show_fks(&b.foreign_keys),
        );
    }
    out
}

/// The attributes in which two indexes differ (their names are the same).
pub fn index_differences(a: &Index, b: &Index) -> Vec<Difference> {
    let mut out = Vec::new();
    if a.table != b.table {
        out.push(Difference {
            attribute: Attribute::IndexTable,
            sqlite: format!("on {}", a.table),
            postgres: format!("on {}", b.table),
        });
    }
    if a.columns != b.columns {
        out.push(Difference {
            attribute: Attribute::IndexColumns,
            sqlite: format!("({})", a.columns.join(", ")),
            postgres: format!("({})", b.columns.join(", ")),
        });
    }
    if a.unique != b.unique {
        out.push(Difference {
            attribute: Attribute::IndexUnique,
            sqlite: flag(a.unique, "UNIQUE", "not unique"),
            postgres: flag(b.unique, "UNIQUE", "not unique"),
        });
    }
    if a.predicate != b.predicate {
        let show = |p: &Option<String>| {
            p.as_ref()
                .map(|w| format!("WHERE {w}"))
                .unwrap_or_else(|| "no WHERE".into())
        };
        out.push(Difference {
            attribute: Attribute::IndexWhere,
            sqlite: show(&a.predicate),
            postgres: show(&b.predicate),
        });
    }
    out
}

/// Every difference between a SQLite catalog and a PostgreSQL catalog through
/// the mapping table, one line each; empty when they are equivalent. Column
/// order, constraint and index-backing names, and serial sequences are not
/// compared.
pub fn catalog_differences(sqlite: &Catalog, postgres: &Catalog) -> Vec<String> {
    labelled_differences(sqlite, postgres, ("SQLite", "PostgreSQL"))
}

/// `catalog_differences` between any two catalogs, each side named by its label.
pub fn labelled_differences(
    sqlite: &Catalog,
    postgres: &Catalog,
    (left, right): (&str, &str),
) -> Vec<String> {
    let mut out = Vec::new();
    let names = |m: &BTreeMap<String, Table>| m.keys().cloned().collect::<BTreeSet<_>>();
    for name in names(&sqlite.tables).union(&names(&postgres.tables)) {
        let (Some(a), Some(b)) = (sqlite.tables.get(name), postgres.tables.get(name)) else {
            let side = if sqlite.tables.contains_key(name) {
                left
            } else {
                right
            };
            out.push(format!("table {name}: only in {side}"));
            continue;
        };
        let cols = |t: &Table| {
            t.columns
                .iter()
                .map(|c| c.name.clone())
                .collect::<BTreeSet<_>>()
        };
        for column in cols(a).union(&cols(b)) {
            match (a.column(column), b.column(column)) {
                (Some(x), Some(y)) => {
                    for d in column_differences(x, y) {
                        out.push(format!(
                            "column {name}.{column}: {}: {left} {}, {right} {}",
                            d.attribute.as_str(),
                            d.sqlite,
                            d.postgres
                        ));
                    }
                }
                (Some(_), None) => out.push(format!("column {name}.{column}: only in {left}")),
                _ => out.push(format!("column {name}.{column}: only in {right}")),
            }
        }
        if a.primary_key != b.primary_key {
            out.push(format!(
                "table {name}: primary key: {left} ({}), {right} ({})",
                a.primary_key.join(", "),
                b.primary_key.join(", ")
            ));
        }
        if a.uniques != b.uniques {
            let show = |u: &BTreeSet<Vec<String>>| {
                u.iter()
                    .map(|c| format!("({})", c.join(", ")))
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            out.push(format!(
                "table {name}: unique constraints: {left} [{}], {right} [{}]",
                show(&a.uniques),
                show(&b.uniques)
            ));
        }
    }
    let inames = sqlite
        .indexes
        .keys()
        .chain(postgres.indexes.keys())
        .cloned()
        .collect::<BTreeSet<_>>();
    for name in inames {
        match (sqlite.indexes.get(&name), postgres.indexes.get(&name)) {
            (Some(a), Some(b)) => {
                for d in index_differences(a, b) {
                    out.push(format!(
                        "index {name}: {}: {left} {}, {right} {}",
                        d.attribute.as_str(),
                        d.sqlite,
                        d.postgres
                    ));
                }
            }
            (Some(_), None) => out.push(format!("index {name}: only in {left}")),
            _ => out.push(format!("index {name}: only in {right}")),
        }
    }
    let tnames = sqlite
        .triggers
        .keys()
        .chain(postgres.triggers.keys())
        .cloned()
        .collect::<BTreeSet<_>>();
    for name in tnames {
        match (sqlite.triggers.get(&name), postgres.triggers.get(&name)) {
            (Some(a), Some(b)) if a != b => out.push(format!(
                "trigger {name}: on {a} in {left}, on {b} in {right}"
            )),
            (Some(_), Some(_)) => {}
            (Some(_), None) => out.push(format!("trigger {name}: only in {left}")),
            _ => out.push(format!("trigger {name}: only in {right}")),
        }
    }
    out
}
