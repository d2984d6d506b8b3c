//! The fix-it: an Alembic revision, ready for review, that makes the second
//! track equal to the first where the added revisions do not.
//!
//! Written from the `Fix` that each uncovered or mismatched object of the
//! coverage carries (`parity_core::schema::fix`), with the whole definition
//! the model holds (type, primary key, `nullable=False`, `server_default`, foreign
//! keys with `ondelete`/`onupdate`, unique constraints, indexes with
//! `unique` and `postgresql_where`). An alteration writes `alter_column`
//! for type, nullability and default, and drops and re-creates a foreign
//! key, a unique constraint or an index whose definition differs.
//! `downgrade()` undoes `upgrade()` in reverse order. A constraint is
//! dropped by the name it has on PostgreSQL (the model's: as a revision
//! stated it, else PostgreSQL's own `<table>_<column>_fkey`, `_key`,
//! `<table>_pkey`); the ones created are named `fk_<table>_<column>_<target>`,
//! `uq_<table>_<column>`, `<table>_pkey`. A trigger is ported from SQLite's
//! definition to a PL/pgSQL function and a row trigger that runs it.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::Regex;

use parity_core::schema::fix::Fix;
use parity_core::schema::model::{column_differences, pg_default_name, Column, Index, Table};
use parity_core::schema::{
    Attribute, Constraint, Coverage, CoverageStatus, ForeignKey, TriggerDef,
};

/// The fixes for every uncovered or mismatched object, in the coverage's
/// order, each once. Unresolved objects are never suggested.
pub fn ops_for(coverage: &[Coverage]) -> Vec<Fix> {
    let mut fixes: Vec<&Fix> = Vec::new();
    // The fixes kept so far, by identity: a pull request may need a million.
    let mut kept: HashMap<(u8, &str, &str), Vec<usize>> = HashMap::new();
    for c in coverage {
        if !matches!(
            c.status,
            CoverageStatus::Uncovered | CoverageStatus::Mismatched
        ) {
            continue;
        }
        for fix in c.fix() {
            let same = kept.entry(fix.identity()).or_default();
            if !same.iter().any(|&i| fixes[i] == fix) {
                same.push(fixes.len());
                fixes.push(fix);
            }
        }
    }
    let mut fixes: Vec<Fix> = fixes.into_iter().cloned().collect();
    // A new table is created whole: its columns are not added again.
    let created: HashSet<String> = fixes
        .iter()
        .filter_map(|f| match f {
            Fix::CreateTable(t) => Some(t.name.clone()),
            _ => None,
        })
        .collect();
    fixes.retain(|f| !matches!(f, Fix::AddColumn { table, .. } if created.contains(table)));
    fixes
}

/// A revision file already in the project: its id and what it revises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownRevision {
    pub file_name: String,
    pub revision: String,
    pub down_revisions: Vec<String>,
}

/// A revision file's id and what it revises (a merge revision revises
/// several), as the Alembic track's reader reads them (`alembic::read_revision`:
/// the module's own assignments, as Alembic takes them); `None` for a file
/// that names no revision.
pub fn read_revision(file_name: &str, source: &str) -> Option<KnownRevision> {
    let read = parity_core::alembic::read_revision(
        &parity_core::PathBytes::from(file_name),
        source.as_bytes(),
    )
    .ok()?;
    Some(KnownRevision {
        file_name: file_name.to_string(),
        revision: read.revision,
        down_revisions: read.down_revisions,
    })
}

/// The heads of the revision history: revisions nothing revises.
pub fn heads(revisions: &[KnownRevision]) -> Vec<&KnownRevision> {
    let mut heads: Vec<&KnownRevision> = revisions
        .iter()
        .filter(|r| {
            !revisions
                .iter()
                .any(|other| other.down_revisions.contains(&r.revision))
        })
        .collect();
    heads.sort_by(|a, b| a.revision.cmp(&b.revision));
    heads
}

/// A suggested revision: where to write it and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub file_name: String,
    pub revision: String,
    pub down_revision: Option<String>,
    /// Remarks for the person (several heads, operations to finish by hand).
    pub warnings: Vec<String>,
    pub source: String,
}

/// Builds the revision for `fixes` on top of the project's `revisions`.
pub fn suggest(fixes: &[Fix], revisions: &[KnownRevision]) -> Suggestion {
    let heads = heads(revisions);
    let mut warnings = Vec::new();
    if heads.len() > 1 {
        warnings.push(format!(
            "the revision history has {} heads ({}); the suggestion revises {} — merge the heads first if that is wrong",
            heads.len(),
            heads.iter().map(|h| h.revision.as_str()).collect::<Vec<_>>().join(", "),
            heads.last().map_or("", |h| h.revision.as_str())
        ));
    }
    let down_revision = heads.last().map(|h| h.revision.clone());
    let revision = next_revision_id(revisions, fixes);
    let slug = slug(fixes);
    let file_name = format!("{}_{slug}.py", next_file_number(revisions));

    let mut upgrade = Vec::new();
    let mut downgrade = Vec::new();
    for fix in fixes {
        let (up, down) = python_for(fix);
        if up.iter().chain(&down).any(|l| l.contains("TODO")) {
            warnings.push(format!("finish by hand: {}", fix.describe()));
        }
        upgrade.extend(up);
        downgrade.splice(0..0, down);
    }
    let mut source = String::new();
    let _ = writeln!(source, "\"\"\"{}\n", slug.replace('_', " "));
    for fix in fixes {
        let _ = writeln!(source, "- {}", fix.describe());
    }
    let _ = writeln!(
        source,
        "\nSuggested by parity from the SQLite track's changes; review before committing.\n\"\"\""
    );
    source.push_str("from alembic import op\nimport sqlalchemy as sa\n\n");
    let _ = writeln!(source, "revision = {}", py_str(&revision));
    let _ = writeln!(
        source,
        "down_revision = {}",
        down_revision.as_deref().map_or("None".to_string(), py_str)
    );
    source.push_str("branch_labels = None\ndepends_on = None\n\n\n");
    source.push_str("def upgrade() -> None:\n");
    push_body(&mut source, &upgrade);
    source.push_str("\n\ndef downgrade() -> None:\n");
    push_body(&mut source, &downgrade);
    Suggestion {
        file_name,
        revision,
        down_revision,
        warnings,
        source,
    }
}

fn push_body(source: &mut String, lines: &[String]) {
    if lines.is_empty() {
        source.push_str("    pass\n");
    }
    for line in lines {
        let _ = writeln!(source, "    {line}");
    }
}

/// A Python string literal for any text.
fn py_str(text: &str) -> String {
    // JSON string escaping is valid Python string syntax.
    serde_json::to_string(text).expect("a string always serializes")
}

fn strs(names: &[String]) -> String {
    names
        .iter()
        .map(|n| py_str(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The name the fix-it gives a foreign key it creates.
fn fk_name(table: &str, column: &str, fk: &ForeignKey) -> String {
    format!("fk_{table}_{column}_{}", fk.table)
}

/// The name the fix-it gives a unique constraint it creates.
fn uq_name(table: &str, column: &str) -> String {
    format!("uq_{table}_{column}")
}

/// The names of the constraints `alter_column` drops (the ones the column
/// has on PostgreSQL) and creates.
struct ConstraintNames {
    drop_fk: String,
    drop_unique: String,
    create_fk: String,
    create_unique: String,
}

impl ConstraintNames {
    /// The names PostgreSQL gives `column`'s constraints: the model's, else
    /// PostgreSQL's default for an unnamed one.
    fn of(table: &str, column: &Column) -> (String, String) {
        let one = std::slice::from_ref(&column.name);
        (
            column
                .fk_name()
                .map_or_else(|| pg_default_name(table, one, "fkey"), str::to_string),
            column
                .unique_name()
                .map_or_else(|| pg_default_name(table, one, "key"), str::to_string),
        )
    }

    /// Making `from` (the second track's column) like `to`: the real names
    /// dropped, the fix-it's own created.
    fn upgrade(table: &str, from: &Column, to: &Column) -> ConstraintNames {
        let (drop_fk, drop_unique) = ConstraintNames::of(table, from);
        ConstraintNames {
            drop_fk,
            drop_unique,
            create_fk: to
                .foreign_key()
                .map_or_else(String::new, |fk| fk_name(table, &to.name, fk)),
            create_unique: uq_name(table, &to.name),
        }
    }

    /// The way back: the fix-it's names dropped, the real ones restored.
    fn downgrade(table: &str, from: &Column, to: &Column) -> ConstraintNames {
        let up = ConstraintNames::upgrade(table, from, to);
        ConstraintNames {
            drop_fk: up.create_fk,
            drop_unique: up.create_unique,
            create_fk: up.drop_fk,
            create_unique: up.drop_unique,
        }
    }
}

fn fk_keywords(fk: &ForeignKey) -> String {
    let mut out = String::new();
    for (key, action) in [("ondelete", &fk.on_delete), ("onupdate", &fk.on_update)] {
        if let Some(action) = action.as_deref().filter(|a| *a != "NO ACTION") {
            let _ = write!(out, ", {key}={}", py_str(action));
        }
    }
    out
}

/// `sa.Column("c", sa.Integer(), sa.ForeignKey(...), primary_key=True,
/// nullable=False, unique=True, server_default=...)`.
fn column(c: &Column) -> String {
    let mut out = format!(
        "sa.Column({}, {}",
        py_str(&c.name),
        c.sql_type.type_class.sqlalchemy()
    );
    if let Some(fk) = c.foreign_key() {
        let target = format!("{}.{}", fk.table, fk.columns.first().map_or("id", |s| s));
        let _ = write!(
            out,
            ", sa.ForeignKey({}{})",
            py_str(&target),
            fk_keywords(fk)
        );
    }
    if c.primary_key {
        out.push_str(", primary_key=True");
    } else if c.not_null {
        out.push_str(", nullable=False");
    }
    if c.unique && !c.primary_key {
        out.push_str(", unique=True");
    }
    if let Some(default) = c.default_value() {
        let _ = write!(
            out,
            ", server_default={}",
            default.server_default(&c.sql_type.type_class)
        );
    }
    out.push(')');
    out
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn create_index(i: &Index) -> String {
    let columns: Vec<String> = i
        .columns
        .iter()
        .map(|c| {
            if is_identifier(c) {
                py_str(c)
            } else {
                format!("sa.text({})", py_str(c))
            }
        })
        .collect();
    let mut out = format!(
        "op.create_index({}, {}, [{}]",
        py_str(&i.name),
        py_str(&i.table),
        columns.join(", ")
    );
    if i.unique {
        out.push_str(", unique=True");
    }
    if let Some(condition) = &i.where_clause {
        let _ = write!(out, ", postgresql_where=sa.text({})", py_str(condition));
    }
    out.push(')');
    out
}

fn drop_index(i: &Index) -> String {
    format!(
        "op.drop_index({}, table_name={})",
        py_str(&i.name),
        py_str(&i.table)
    )
}

fn create_table(t: &Table) -> Vec<String> {
    let mut up = vec![format!("op.create_table(\n        {},", py_str(&t.name))];
    for c in &t.columns {
        up.push(format!("    {},", column(c)));
    }
    for constraint in &t.constraints {
        match constraint {
            Constraint::Unique { columns, .. } => {
                up.push(format!("    sa.UniqueConstraint({}),", strs(columns)));
            }
            Constraint::ForeignKey {
                columns, target, ..
            } => {
                let targets: Vec<String> = target
                    .columns
                    .iter()
                    .map(|c| format!("{}.{c}", target.table))
                    .collect();
                up.push(format!(
                    "    sa.ForeignKeyConstraint([{}], [{}]{}),",
                    strs(columns),
                    strs(&targets),
                    fk_keywords(target)
                ));
            }
            Constraint::PrimaryKey { columns, .. } => {
                up.push(format!("    sa.PrimaryKeyConstraint({}),", strs(columns)));
            }
        }
    }
    up.push(")".into());
    up
}

/// The operations that make column `from` like `to` (all attributes the
/// model compares), dropping and creating constraints by `names`.
fn alter_column(table: &str, from: &Column, to: &Column, names: &ConstraintNames) -> Vec<String> {
    let differences = column_differences(to, from);
    let has = |a: Attribute| differences.iter().any(|(x, _, _)| *x == a);
    let mut lines = Vec::new();
    let t = py_str(table);
    let c = py_str(&to.name);
    // A foreign key or a unique constraint that changes is dropped first,
    // by the name it has on PostgreSQL.
    if has(Attribute::ForeignKey) && from.foreign_key().is_some() {
        lines.push(format!(
            "op.drop_constraint({}, {t}, type_=\"foreignkey\")",
            py_str(&names.drop_fk)
        ));
    }
    if has(Attribute::Unique) && from.unique && !from.primary_key {
        lines.push(format!(
            "op.drop_constraint({}, {t}, type_=\"unique\")",
            py_str(&names.drop_unique)
        ));
    }
    // PostgreSQL casts a column's default with its type: a default that
    // may not cast goes first, and comes back after.
    let retype_default = has(Attribute::Type) && from.default_value().is_some();
    if retype_default {
        lines.push(format!("op.alter_column({t}, {c}, server_default=None)"));
    }
    let mut keywords = Vec::new();
    if has(Attribute::Type) {
        keywords.push(format!("type_={}", to.sql_type.type_class.sqlalchemy()));
        keywords.push(format!(
            "existing_type={}",
            from.sql_type.type_class.sqlalchemy()
        ));
        keywords.push(format!(
            "postgresql_using={}",
            py_str(&format!("{}::{}", to.name, pg_type(to)))
        ));
    }
    if has(Attribute::NotNull) {
        let not_null = to.not_null || to.primary_key;
        keywords.push(format!(
            "nullable={}",
            if not_null { "False" } else { "True" }
        ));
    }
    if has(Attribute::Default) || (retype_default && to.default_value().is_some()) {
        keywords.push(format!(
            "server_default={}",
            to.default_value().map_or("None".to_string(), |d| d
                .server_default(&to.sql_type.type_class))
        ));
    }
    if !keywords.is_empty() {
        lines.push(format!(
            "op.alter_column({t}, {c}, {})",
            keywords.join(", ")
        ));
    }
    if has(Attribute::Unique) && to.unique && !to.primary_key {
        lines.push(format!(
            "op.create_unique_constraint({}, {t}, [{c}])",
            py_str(&names.create_unique)
        ));
    }
    if has(Attribute::ForeignKey) {
        if let Some(fk) = to.foreign_key() {
            let remote = if fk.columns.is_empty() {
                vec!["id".to_string()]
            } else {
                fk.columns.clone()
            };
            lines.push(format!(
                "op.create_foreign_key({}, {t}, {}, [{c}], [{}]{})",
                py_str(&names.create_fk),
                py_str(&fk.table.to_string()),
                strs(&remote),
                fk_keywords(fk)
            ));
        }
    }
    lines
}

/// PostgreSQL's name for a type class, for `postgresql_using`.
fn pg_type(c: &Column) -> &'static str {
    use parity_core::schema::TypeClass::*;
    match c.sql_type.type_class {
        Integer => "integer",
        Text | Other(_) => "text",
        Real => "double precision",
        Numeric => "numeric",
        Boolean => "boolean",
        Blob => "bytea",
        Timestamp => "timestamp",
        Date => "date",
        Json => "json",
    }
}

/// The upgrade and downgrade lines for one fix.
fn python_for(fix: &Fix) -> (Vec<String>, Vec<String>) {
    match fix {
        Fix::CreateTable(t) => (
            create_table(t),
            vec![format!("op.drop_table({})", py_str(&t.name))],
        ),
        Fix::DropTable(t) => (
            vec![format!("op.drop_table({})", py_str(&t.name))],
            create_table(t),
        ),
        Fix::RenameTable { from, to } => (
            vec![format!("op.rename_table({}, {})", py_str(from), py_str(to))],
            vec![format!("op.rename_table({}, {})", py_str(to), py_str(from))],
        ),
        Fix::AddColumn { table, column: c } => (
            vec![format!("op.add_column({}, {})", py_str(table), column(c))],
            vec![format!(
                "op.drop_column({}, {})",
                py_str(table),
                py_str(&c.name)
            )],
        ),
        Fix::DropColumn { table, column: c } => (
            vec![format!(
                "op.drop_column({}, {})",
                py_str(table),
                py_str(&c.name)
            )],
            vec![format!("op.add_column({}, {})", py_str(table), column(c))],
        ),
        Fix::RenameColumn { table, from, to } => (
            vec![format!(
                "op.alter_column({}, {}, new_column_name={})",
                py_str(table),
                py_str(from),
                py_str(to)
            )],
            vec![format!(
                "op.alter_column({}, {}, new_column_name={})",
                py_str(table),
                py_str(to),
                py_str(from)
            )],
        ),
        Fix::AlterColumn { table, from, to } => (
            alter_column(table, from, to, &ConstraintNames::upgrade(table, from, to)),
            alter_column(
                table,
                to,
                from,
                &ConstraintNames::downgrade(table, from, to),
            ),
        ),
        Fix::CreateIndex(i) => (vec![create_index(i)], vec![drop_index(i)]),
        Fix::DropIndex(i) => (vec![drop_index(i)], vec![create_index(i)]),
        Fix::ReplaceIndex { from, to } => (
            vec![drop_index(from), create_index(to)],
            vec![drop_index(to), create_index(from)],
        ),
        Fix::ReplacePrimaryKey {
            table,
            from,
            from_name,
            to,
        } => {
            // The key is dropped by the name it has on PostgreSQL and made
            // under PostgreSQL's own name for a table's key.
            let own = pg_default_name::<&str>(table, &[], "pkey");
            let old = from_name.clone().unwrap_or_else(|| own.clone());
            let t = py_str(table);
            let replace = |a: &[String], a_name: &str, b: &[String], b_name: &str| {
                let mut lines = Vec::new();
                if !a.is_empty() {
                    lines.push(format!(
                        "op.drop_constraint({}, {t}, type_=\"primary\")",
                        py_str(a_name)
                    ));
                }
                if !b.is_empty() {
                    lines.push(format!(
                        "op.create_primary_key({}, {t}, [{}])",
                        py_str(b_name),
                        strs(b)
                    ));
                }
                lines
            };
            (replace(from, &old, to, &own), replace(to, &own, from, &old))
        }
        Fix::CreateTrigger {
            name,
            table,
            definition,
        } => (
            create_trigger(name, table, definition.as_ref(), "port"),
            drop_trigger(name, table, definition.is_some()),
        ),
        Fix::DropTrigger {
            name,
            table,
            definition,
        } => (
            drop_trigger(name, table, false),
            create_trigger(name, table, definition.as_ref(), "re-create"),
        ),
    }
}

/// A name as PostgreSQL SQL writes it: bare when it is a plain lower-case
/// identifier, else in double quotes.
fn pg_ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The PL/pgSQL function a ported trigger runs.
fn trigger_function(name: &str) -> String {
    format!("{name}_fn")
}

/// One statement of a SQLite trigger's body in PL/pgSQL: a `SELECT` is a
/// `PERFORM` (PL/pgSQL keeps no result), `SELECT RAISE(ABORT, 'm') [WHERE
/// c]` raises, `SELECT RAISE(IGNORE)` skips the row.
fn plpgsql_statement(statement: &str) -> String {
    static RAISE: OnceLock<Regex> = OnceLock::new();
    let raise = RAISE.get_or_init(|| {
        Regex::new(
            r"(?is)^SELECT\s+RAISE\s*\(\s*(ABORT|FAIL|ROLLBACK|IGNORE)\s*(?:,\s*('(?:[^']|'')*'))?\s*\)\s*(?:WHERE\s+(.+))?$",
        )
        .expect("valid")
    });
    if let Some(m) = raise.captures(statement.trim()) {
        let action = match m.get(2) {
            Some(message) if !m[1].eq_ignore_ascii_case("IGNORE") => {
                format!("RAISE EXCEPTION {}", message.as_str())
            }
            _ => "RETURN NULL".to_string(),
        };
        return match m.get(3) {
            Some(condition) => format!("IF {} THEN {action}; END IF", condition.as_str()),
            None => action,
        };
    }
    match statement.trim().split_once(char::is_whitespace) {
        Some((first, rest)) if first.eq_ignore_ascii_case("SELECT") => format!("PERFORM {rest}"),
        _ => statement.trim().to_string(),
    }
}

/// The revision lines that make a trigger: SQLite's body ported to a
/// PL/pgSQL function and a row trigger that runs it; without a definition,
/// a TODO (`what`: port, re-create).
fn create_trigger(
    name: &str,
    table: &str,
    definition: Option<&TriggerDef>,
    what: &str,
) -> Vec<String> {
    let Some(def) = definition else {
        return vec![format!(
            "# TODO: {what} trigger {name} on {table} on PostgreSQL with op.execute(...)"
        )];
    };
    let deleting = def
        .event
        .split_whitespace()
        .next()
        .is_some_and(|e| e.eq_ignore_ascii_case("DELETE"));
    let mut body: Vec<String> = def
        .body
        .iter()
        .map(|statement| format!("    {};", plpgsql_statement(statement)))
        .collect();
    body.push(format!(
        "    RETURN {};",
        if deleting { "OLD" } else { "NEW" }
    ));
    let body = body.join("\n");
    let quote = if body.contains("$$") {
        "$parity$"
    } else {
        "$$"
    };
    let function = pg_ident(&trigger_function(name));
    let create_function = format!(
        "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS {quote}\nBEGIN\n{body}\nEND\n{quote}"
    );
    let when = def
        .when
        .as_ref()
        .map(|w| format!(" WHEN ({w})"))
        .unwrap_or_default();
    let create_trigger = format!(
        "CREATE TRIGGER {} {} {} ON {} FOR EACH ROW{when} EXECUTE FUNCTION {function}()",
        pg_ident(name),
        def.timing,
        def.event,
        pg_ident(table)
    );
    vec![
        format!("# trigger {name}, ported from SQLite: review its function"),
        format!("op.execute({})", py_str(&create_function)),
        format!("op.execute({})", py_str(&create_trigger)),
    ]
}

/// The revision lines that drop a trigger, and the function a ported one
/// runs.
fn drop_trigger(name: &str, table: &str, ported: bool) -> Vec<String> {
    let mut lines = vec![format!(
        "op.execute({})",
        py_str(&format!(
            "DROP TRIGGER IF EXISTS {} ON {}",
            pg_ident(name),
            pg_ident(table)
        ))
    )];
    if ported {
        lines.push(format!(
            "op.execute({})",
            py_str(&format!(
                "DROP FUNCTION IF EXISTS {}()",
                pg_ident(&trigger_function(name))
            ))
        ));
    }
    lines
}

/// A file-name slug from the first fix: `add_tasks_notes`.
fn slug(fixes: &[Fix]) -> String {
    let raw = match fixes.first() {
        Some(Fix::CreateTable(t)) => format!("create {}", t.name),
        Some(Fix::AddColumn { table, column }) => format!("add {table} {}", column.name),
        Some(Fix::AlterColumn { table, to, .. }) => format!("alter {table} {}", to.name),
        Some(Fix::CreateIndex(i)) => format!("create index {}", i.name),
        Some(Fix::ReplaceIndex { to, .. }) => format!("recreate index {}", to.name),
        Some(fix) => fix.describe(),
        None => "empty".into(),
    };
    let mut slug = String::new();
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('_') && !slug.is_empty() {
            slug.push('_');
        }
    }
    let slug = slug.trim_end_matches('_');
    let slug = if fixes.len() > 1 {
        format!("{slug}_and_more")
    } else {
        slug.to_string()
    };
    slug.chars().take(48).collect()
}

/// The number that starts the next file name (`0043` after `0042_x.py`),
/// keeping the project's width.
fn next_file_number(revisions: &[KnownRevision]) -> String {
    let numbered: Vec<(u64, usize)> = revisions
        .iter()
        .filter_map(|r| {
            let digits: String = r
                .file_name
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok().map(|n| (n, digits.len()))
        })
        .collect();
    let width = numbered.iter().map(|(_, w)| *w).max().unwrap_or(4);
    let next = numbered.iter().map(|(n, _)| n + 1).max().unwrap_or(1);
    format!("{next:0width$}")
}

/// The next id: numeric ids continue their sequence; other ids get a
/// deterministic 12-hex-digit id derived from the operations.
fn next_revision_id(revisions: &[KnownRevision], ops: &[Fix]) -> String {
    let numeric: Vec<(u64, usize)> = revisions
        .iter()
        .filter_map(|r| {
            r.revision
                .parse::<u64>()
                .ok()
                .map(|n| (n, r.revision.len()))
        })
        .collect();
    if !revisions.is_empty() && numeric.len() == revisions.len() {
        let width = numeric.iter().map(|(_, w)| *w).max().unwrap_or(4);
        let next = numeric.iter().map(|(n, _)| n + 1).max().unwrap_or(1);
        return format!("{next:0width$}");
    }
    // FNV-1a over the operations' description: stable across runs.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("{ops:?}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:012x}", hash & 0xffff_ffff_ffff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_core::schema::equiv::coverage;
    use parity_core::schema::model::{diff, FileModels, Model, Origin};
    use parity_core::schema::sql::extract_sql_lines;
    use pretty_assertions::assert_eq;

    fn known(file: &str, rev: &str, down: &[&str]) -> KnownRevision {
        KnownRevision {
            file_name: file.into(),
            revision: rev.into(),
            down_revisions: down.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The fixes for a first-track change `base` → `head` that revisions
    /// running `revision` leave open.
    fn fixes(base: &str, head: &str, revision: &str) -> Vec<Fix> {
        let base_model = Model::build("m.py", extract_sql_lines(base));
        let files = [FileModels {
            path: "m.py".into(),
            base: base_model.clone(),
            head: Model::build("m.py", extract_sql_lines(head)),
        }];
        let change = diff(&files);
        let mut second = base_model.clone().recording_touches();
        for (line, op) in extract_sql_lines(revision) {
            second.apply(&op, &Origin::new("versions/0004_x.py", line + 1));
        }
        ops_for(&coverage(change, &files, &base_model, &second, true))
    }

    fn body(source: &str, function: &str) -> String {
        let start = source
            .find(&format!("def {function}() -> None:\n"))
            .expect("the function");
        source[start..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("    ") || l.is_empty())
            .filter(|l| !l.is_empty())
            .map(|l| l.trim_start().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    const BASE: &str = "CREATE TABLE projects (id INTEGER PRIMARY KEY);
        CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT, status TEXT, project_id INTEGER, code TEXT)";

    #[test]
    fn revision_ids_are_read_in_every_form() {
        assert_eq!(
            read_revision(
                "0002_x.py",
                "\"\"\"doc\"\"\"\nrevision = '0002'\ndown_revision = \"0001\"\n"
            ),
            Some(known("0002_x.py", "0002", &["0001"]))
        );
        assert_eq!(
            read_revision(
                "0001_x.py",
                "revision: str = \"0001\"\ndown_revision: Union[str, None] = None\n"
            ),
            Some(known("0001_x.py", "0001", &[]))
        );
        assert_eq!(
            read_revision(
                "m.py",
                "revision = \"abc\"\ndown_revision = (\"a1\", \"b2\")\n"
            ),
            Some(known("m.py", "abc", &["a1", "b2"]))
        );
        assert_eq!(read_revision("x.py", "nothing here"), None);
    }

    #[test]
    fn revision_ids_are_the_module_assignments_alembic_reads() {
        // A line of a docstring that looks like an assignment is no id.
        assert_eq!(
            read_revision(
                "0003_x.py",
                "\"\"\"Moves\nrevision = 'old'\n\"\"\"\nrevision = '0003'\ndown_revision = '0002'\n"
            ),
            Some(known("0003_x.py", "0003", &["0002"]))
        );
        // A legacy file named by its id assigns none: Alembic takes the name.
        assert_eq!(
            read_revision("ab12cd.py", "down_revision = None\n"),
            Some(known("ab12cd.py", "ab12cd", &[]))
        );
    }

    #[test]
    fn a_new_table_is_written_with_every_attribute() {
        let head = format!(
            "{BASE}; CREATE TABLE comments (
                id INTEGER PRIMARY KEY,
                task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
                body TEXT NOT NULL DEFAULT '',
                slug VARCHAR(20) UNIQUE,
                a INT, b INT, UNIQUE (a, b));
             CREATE UNIQUE INDEX ux_open ON comments (task_id, lower(slug)) WHERE body <> ''"
        );
        let fixes = fixes(BASE, &head, "SELECT 1");
        let s = suggest(&fixes, &[known("0001_a.py", "0001", &[])]);
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "op.create_table(",
                "\"comments\",",
                "sa.Column(\"id\", sa.Integer(), primary_key=True),",
                "sa.Column(\"task_id\", sa.Integer(), sa.ForeignKey(\"tasks.id\", ondelete=\"CASCADE\"), nullable=False),",
                "sa.Column(\"body\", sa.Text(), nullable=False, server_default=sa.text(\"''\")),",
                "sa.Column(\"slug\", sa.Text(), unique=True),",
                "sa.Column(\"a\", sa.Integer()),",
                "sa.Column(\"b\", sa.Integer()),",
                "sa.UniqueConstraint(\"a\", \"b\"),",
                ")",
                "op.create_index(\"ux_open\", \"comments\", [\"task_id\", sa.text(\"lower(slug)\")], unique=True, postgresql_where=sa.text(\"body<>''\"))",
            ]
            .join("\n")
        );
        assert_eq!(
            body(&s.source, "downgrade"),
            "op.drop_index(\"ux_open\", table_name=\"comments\")\nop.drop_table(\"comments\")"
        );
        assert_eq!(s.file_name, "0002_create_comments_and_more.py");
        assert!(s.source.starts_with(
            "\"\"\"create comments and more\n\n- create table comments\n- create index ux_open\n"
        ));
    }

    #[test]
    fn an_altered_column_is_altered_attribute_by_attribute_and_back() {
        let head = "CREATE TABLE projects (id INTEGER PRIMARY KEY);
            CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL, status TEXT DEFAULT 'open',
                project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL, code INTEGER UNIQUE)";
        let fixes = fixes(BASE, head, "SELECT 1");
        let s = suggest(&fixes, &[known("0001_a.py", "0001", &[])]);
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "op.alter_column(\"tasks\", \"title\", nullable=False)",
                "op.alter_column(\"tasks\", \"status\", server_default=sa.text(\"'open'\"))",
                "op.create_foreign_key(\"fk_tasks_project_id_projects\", \"tasks\", \"projects\", [\"project_id\"], [\"id\"], ondelete=\"SET NULL\")",
                "op.alter_column(\"tasks\", \"code\", type_=sa.Integer(), existing_type=sa.Text(), postgresql_using=\"code::integer\")",
                "op.create_unique_constraint(\"uq_tasks_code\", \"tasks\", [\"code\"])",
            ]
            .join("\n")
        );
        assert_eq!(
            body(&s.source, "downgrade"),
            [
                "op.drop_constraint(\"uq_tasks_code\", \"tasks\", type_=\"unique\")",
                "op.alter_column(\"tasks\", \"code\", type_=sa.Text(), existing_type=sa.Integer(), postgresql_using=\"code::text\")",
                "op.drop_constraint(\"fk_tasks_project_id_projects\", \"tasks\", type_=\"foreignkey\")",
                "op.alter_column(\"tasks\", \"status\", server_default=None)",
                "op.alter_column(\"tasks\", \"title\", nullable=True)",
            ]
            .join("\n")
        );
    }

    #[test]
    fn a_mismatched_object_is_made_equal_from_what_the_revisions_left() {
        let head = format!("{BASE}; ALTER TABLE tasks ADD COLUMN due TEXT NOT NULL DEFAULT 'x'; CREATE INDEX ix ON tasks (status) WHERE status <> 'done'");
        // The revisions add the column nullable and the index without WHERE.
        let fixes = fixes(
            BASE,
            &head,
            "ALTER TABLE tasks ADD COLUMN due TEXT DEFAULT 'x'; CREATE INDEX ix ON tasks (status)",
        );
        let s = suggest(&fixes, &[known("0004_x.py", "0004", &[])]);
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "op.alter_column(\"tasks\", \"due\", nullable=False)",
                "op.drop_index(\"ix\", table_name=\"tasks\")",
                "op.create_index(\"ix\", \"tasks\", [\"status\"], postgresql_where=sa.text(\"status<>'done'\"))",
            ]
            .join("\n")
        );
        assert_eq!(
            body(&s.source, "downgrade"),
            [
                "op.drop_index(\"ix\", table_name=\"tasks\")",
                "op.create_index(\"ix\", \"tasks\", [\"status\"])",
                "op.alter_column(\"tasks\", \"due\", nullable=True)",
            ]
            .join("\n")
        );
        assert_eq!(s.down_revision.as_deref(), Some("0004"));
        assert_eq!(s.revision, "0005");
    }

    #[test]
    fn a_primary_key_that_differs_is_replaced_with_all_its_columns() {
        let base = "CREATE TABLE votes (task_id INTEGER NOT NULL, voter TEXT NOT NULL)";
        let head = "CREATE TABLE votes (task_id INTEGER NOT NULL, voter TEXT NOT NULL, PRIMARY KEY (task_id, voter))";
        let s = suggest(&fixes(base, head, "SELECT 1"), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            "op.create_primary_key(\"votes_pkey\", \"votes\", [\"task_id\", \"voter\"])"
        );
        assert_eq!(
            body(&s.source, "downgrade"),
            "op.drop_constraint(\"votes_pkey\", \"votes\", type_=\"primary\")"
        );
        // A key the revisions made under a name of their own is dropped by it.
        let base = "CREATE TABLE votes (task_id INTEGER NOT NULL, voter TEXT NOT NULL)";
        let revision = "ALTER TABLE votes ADD CONSTRAINT votes_by_task PRIMARY KEY (task_id)";
        let s = suggest(&fixes(base, head, revision), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "op.drop_constraint(\"votes_by_task\", \"votes\", type_=\"primary\")",
                "op.create_primary_key(\"votes_pkey\", \"votes\", [\"task_id\", \"voter\"])",
            ]
            .join("\n")
        );
        assert_eq!(
            body(&s.source, "downgrade"),
            [
                "op.drop_constraint(\"votes_pkey\", \"votes\", type_=\"primary\")",
                "op.create_primary_key(\"votes_by_task\", \"votes\", [\"task_id\"])",
            ]
            .join("\n")
        );
    }

    #[test]
    fn constraints_are_dropped_by_the_name_postgresql_gave_them() {
        // Stated without a name at the base: PostgreSQL named them
        // tasks_project_id_fkey and tasks_code_key.
        let base = "CREATE TABLE projects (id INTEGER PRIMARY KEY);
            CREATE TABLE tasks (id INTEGER PRIMARY KEY,
                project_id INTEGER REFERENCES projects(id) ON DELETE CASCADE, code TEXT UNIQUE)";
        let head = "CREATE TABLE projects (id INTEGER PRIMARY KEY);
            CREATE TABLE tasks (id INTEGER PRIMARY KEY,
                project_id INTEGER REFERENCES projects(id) ON DELETE SET NULL, code TEXT)";
        let s = suggest(&fixes(base, head, "SELECT 1"), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "op.drop_constraint(\"tasks_project_id_fkey\", \"tasks\", type_=\"foreignkey\")",
                "op.create_foreign_key(\"fk_tasks_project_id_projects\", \"tasks\", \"projects\", [\"project_id\"], [\"id\"], ondelete=\"SET NULL\")",
                "op.drop_constraint(\"tasks_code_key\", \"tasks\", type_=\"unique\")",
            ]
            .join("\n")
        );
        // The way back drops what the upgrade made and restores the names.
        assert_eq!(
            body(&s.source, "downgrade"),
            [
                "op.create_unique_constraint(\"tasks_code_key\", \"tasks\", [\"code\"])",
                "op.drop_constraint(\"fk_tasks_project_id_projects\", \"tasks\", type_=\"foreignkey\")",
                "op.create_foreign_key(\"tasks_project_id_fkey\", \"tasks\", \"projects\", [\"project_id\"], [\"id\"], ondelete=\"CASCADE\")",
            ]
            .join("\n")
        );
        // A name the revisions stated is the name dropped.
        let revision = "ALTER TABLE tasks ADD COLUMN extra INTEGER;
            ALTER TABLE tasks ADD CONSTRAINT tasks_extra_ref FOREIGN KEY (extra) REFERENCES projects(id)";
        let head_extra = format!(
            "{base}; ALTER TABLE tasks ADD COLUMN extra INTEGER REFERENCES projects(id) ON DELETE CASCADE"
        );
        let s = suggest(&fixes(base, &head_extra, revision), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "op.drop_constraint(\"tasks_extra_ref\", \"tasks\", type_=\"foreignkey\")",
                "op.create_foreign_key(\"fk_tasks_extra_projects\", \"tasks\", \"projects\", [\"extra\"], [\"id\"], ondelete=\"CASCADE\")",
            ]
            .join("\n")
        );
    }

    #[test]
    fn a_boolean_default_is_written_as_a_boolean_and_a_retyped_default_waits() {
        let head = format!("{BASE}; ALTER TABLE tasks ADD COLUMN done BOOLEAN NOT NULL DEFAULT 0");
        let s = suggest(&fixes(BASE, &head, "SELECT 1"), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            "op.add_column(\"tasks\", sa.Column(\"done\", sa.Boolean(), nullable=False, server_default=sa.text(\"false\")))"
        );
        let base = "CREATE TABLE t (id INTEGER PRIMARY KEY, n TEXT DEFAULT '1')";
        let head = "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 1)";
        let s = suggest(&fixes(base, head, "SELECT 1"), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "op.alter_column(\"t\", \"n\", server_default=None)",
                "op.alter_column(\"t\", \"n\", type_=sa.Integer(), existing_type=sa.Text(), postgresql_using=\"n::integer\", server_default=sa.text(\"1\"))",
            ]
            .join("\n")
        );
    }

    #[test]
    fn drops_are_undone_with_the_whole_definition() {
        let head = format!("{BASE}; ALTER TABLE tasks DROP COLUMN status; DROP TABLE projects");
        let s = suggest(&fixes(BASE, &head, "SELECT 1"), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            "op.drop_table(\"projects\")\nop.drop_column(\"tasks\", \"status\")"
        );
        assert_eq!(
            body(&s.source, "downgrade"),
            [
                "op.add_column(\"tasks\", sa.Column(\"status\", sa.Text()))",
                "op.create_table(",
                "\"projects\",",
                "sa.Column(\"id\", sa.Integer(), primary_key=True),",
                ")",
            ]
            .join("\n")
        );
        assert_eq!(s.down_revision, None);
    }

    #[test]
    fn a_trigger_is_ported_to_a_plpgsql_function_and_a_row_trigger() {
        let head = format!(
            "{BASE}; CREATE TRIGGER trg_done BEFORE UPDATE OF status ON tasks
               WHEN NEW.status = 'done'
             BEGIN
               SELECT RAISE(ABORT, 'no title') WHERE NEW.title IS NULL;
               SELECT 1;
               UPDATE projects SET id = id WHERE id = NEW.project_id;
             END"
        );
        let s = suggest(&fixes(BASE, &head, "SELECT 1"), &[]);
        let function = "CREATE OR REPLACE FUNCTION trg_done_fn() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n    IF NEW.title IS NULL THEN RAISE EXCEPTION 'no title'; END IF;\n    PERFORM 1;\n    UPDATE projects SET id = id WHERE id = NEW.project_id;\n    RETURN NEW;\nEND\n$$";
        assert_eq!(
            body(&s.source, "upgrade"),
            [
                "# trigger trg_done, ported from SQLite: review its function".to_string(),
                format!("op.execute({})", py_str(function)),
                "op.execute(\"CREATE TRIGGER trg_done BEFORE UPDATE OF status ON tasks FOR EACH ROW WHEN (NEW.status = 'done') EXECUTE FUNCTION trg_done_fn()\")".to_string(),
            ]
            .join("\n")
        );
        assert_eq!(
            body(&s.source, "downgrade"),
            "op.execute(\"DROP TRIGGER IF EXISTS trg_done ON tasks\")\nop.execute(\"DROP FUNCTION IF EXISTS trg_done_fn()\")"
        );
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        // What it writes covers the trigger: the revision's SQL names it.
        let covered = fixes(
            BASE,
            &head,
            "CREATE TRIGGER trg_done BEFORE UPDATE OF status ON tasks FOR EACH ROW WHEN (NEW.status = 'done') EXECUTE FUNCTION trg_done_fn()",
        );
        assert_eq!(covered, vec![]);
        // A deleting trigger returns OLD; RAISE(IGNORE) skips the row.
        let head = format!("{BASE}; CREATE TRIGGER trg_keep BEFORE DELETE ON tasks BEGIN SELECT RAISE(IGNORE); END");
        let s = suggest(&fixes(BASE, &head, "SELECT 1"), &[]);
        assert!(
            s.source
                .contains("BEGIN\\n    RETURN NULL;\\n    RETURN OLD;\\nEND"),
            "{}",
            s.source
        );
    }

    #[test]
    fn doubled_quote_names_are_written_as_their_real_name() {
        let head = format!(r#"{BASE}; ALTER TABLE tasks ADD COLUMN "say ""hi""" TEXT"#);
        let s = suggest(&fixes(BASE, &head, "SELECT 1"), &[]);
        assert_eq!(
            body(&s.source, "upgrade"),
            r#"op.add_column("tasks", sa.Column("say \"hi\"", sa.Text()))"#
        );
    }

    #[test]
    fn several_heads_are_a_warning() {
        let revisions = vec![
            known("0001_a.py", "0001", &[]),
            known("0002_b.py", "0002", &["0001"]),
            known("0003_c.py", "0003", &["0001"]),
        ];
        let s = suggest(&[], &revisions);
        assert_eq!(s.down_revision.as_deref(), Some("0003"));
        assert!(s.warnings[0].contains("2 heads"), "{:?}", s.warnings);
    }
}
