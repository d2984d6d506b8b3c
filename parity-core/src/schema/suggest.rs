//! The fix-it: an Alembic revision, ready for review, that makes on the
//! second track the changes the first track made and no revision covers.

use std::fmt::Write as _;
use std::sync::OnceLock;

use regex::Regex;

use super::{Action, ColumnDef, Coverage, CoverageStatus, Ident, ObjectKind, SchemaOp};

/// The operations that would cover the uncovered facts: a new table with its
/// columns; a column of an existing table on its own; other facts by the
/// operation that stated them. Unresolved names are never suggested.
pub fn ops_for(coverage: &[Coverage]) -> Vec<SchemaOp> {
    let uncovered: Vec<&Coverage> = coverage
        .iter()
        .filter(|c| c.status == CoverageStatus::Uncovered)
        .collect();
    let new_table = |table: &Ident| {
        uncovered.iter().any(|c| {
            c.fact.kind == ObjectKind::Table
                && c.fact.action == Action::Created
                && &c.fact.name == table
        })
    };
    let mut ops: Vec<SchemaOp> = Vec::new();
    for c in &uncovered {
        let op = match (&c.fact.kind, &c.fact.action, &c.op) {
            (ObjectKind::Column, Action::Created, _)
                if c.fact.table.as_ref().is_some_and(new_table) =>
            {
                continue
            }
            (ObjectKind::Column, Action::Created, SchemaOp::CreateTable { table, columns }) => {
                let Some(column) = columns.iter().find(|col| col.name == c.fact.name) else {
                    continue;
                };
                SchemaOp::AddColumn {
                    table: table.clone(),
                    column: column.clone(),
                }
            }
            (ObjectKind::Table, Action::Created, SchemaOp::AddColumn { table, column }) => {
                SchemaOp::CreateTable {
                    table: table.clone(),
                    columns: vec![column.clone()],
                }
            }
            (_, _, op) => op.clone(),
        };
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
    ops
}

/// A revision file already in the project: its id and what it revises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownRevision {
    pub file_name: String,
    pub revision: String,
    pub down_revisions: Vec<String>,
}

/// Reads `revision = "..."` and `down_revision = ...` (a string, `None`, or a
/// tuple of strings for a merge revision) from a revision file's source.
pub fn read_revision(file_name: &str, source: &str) -> Option<KnownRevision> {
    static REVISION: OnceLock<Regex> = OnceLock::new();
    static DOWN: OnceLock<Regex> = OnceLock::new();
    static QUOTED: OnceLock<Regex> = OnceLock::new();
    let revision_re = REVISION.get_or_init(|| {
        Regex::new(r#"(?m)^revision\s*(?::\s*[\w\[\], |]+)?=\s*['"]([^'"]+)['"]"#).expect("valid")
    });
    let down_re = DOWN.get_or_init(|| {
        Regex::new(r#"(?m)^down_revision\s*(?::\s*[\w\[\], |]+)?=\s*(.+)$"#).expect("valid")
    });
    let quoted_re = QUOTED.get_or_init(|| Regex::new(r#"['"]([^'"]+)['"]"#).expect("valid"));
    let revision = revision_re.captures(source)?.get(1)?.as_str().to_string();
    let down_revisions = down_re
        .captures(source)
        .and_then(|c| c.get(1))
        .map(|value| {
            quoted_re
                .captures_iter(value.as_str())
                .filter_map(|c| c.get(1).map(|m| m.as_str().to_string()))
                .collect()
        })
        .unwrap_or_default();
    Some(KnownRevision {
        file_name: file_name.to_string(),
        revision,
        down_revisions,
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

/// Builds the revision for `ops` on top of the project's `revisions`.
pub fn suggest(ops: &[SchemaOp], revisions: &[KnownRevision]) -> Suggestion {
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
    let revision = next_revision_id(revisions, ops);
    let slug = slug(ops);
    let file_name = format!("{}_{slug}.py", next_file_number(revisions));

    let mut upgrade = Vec::new();
    let mut downgrade = Vec::new();
    for op in ops {
        let (up, down) = python_for(op);
        if up.iter().chain(&down).any(|l| l.contains("TODO")) {
            warnings.push(format!("finish by hand: {}", describe(op)));
        }
        upgrade.extend(up);
        downgrade.splice(0..0, down);
    }
    let message = slug.replace('_', " ");
    let mut source = String::new();
    let _ = writeln!(source, "\"\"\"{message}\n\nSuggested by parity from the SQLite track's changes; review before committing.\n\"\"\"");
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

/// The name as a Python literal. Callers pass resolved names only; an
/// unresolved one would show as its `{placeholder}`.
fn name(ident: &Ident) -> String {
    py_str(&ident.to_string())
}

/// SQLite's declared type to SQLAlchemy's, by SQLite's affinity rules.
pub fn sqlalchemy_type(sql_type: &str) -> &'static str {
    let t = sql_type.to_ascii_uppercase();
    let first = t.split_whitespace().next().unwrap_or("");
    match first {
        "BOOLEAN" | "BOOL" => "sa.Boolean()",
        "DATE" => "sa.Date()",
        "DATETIME" | "TIMESTAMP" => "sa.DateTime()",
        "JSON" => "sa.JSON()",
        "BIGINT" => "sa.BigInteger()",
        "SMALLINT" | "TINYINT" => "sa.SmallInteger()",
        "VARCHAR" | "CHARACTER" | "CHAR" | "NVARCHAR" | "NCHAR" => "sa.String()",
        _ if t.contains("INT") => "sa.Integer()",
        _ if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") => "sa.Text()",
        _ if t.contains("BLOB") => "sa.LargeBinary()",
        _ if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") => "sa.Float()",
        _ if t.contains("NUMERIC") || t.contains("DECIMAL") => "sa.Numeric()",
        // No declared type: SQLite stores anything; text is the safe guess.
        _ => "sa.Text()",
    }
}

fn column(c: &ColumnDef) -> String {
    format!(
        "sa.Column({}, {})",
        name(&c.name),
        sqlalchemy_type(&c.sql_type)
    )
}

/// The upgrade and downgrade lines for one operation.
fn python_for(op: &SchemaOp) -> (Vec<String>, Vec<String>) {
    match op {
        SchemaOp::CreateTable { table, columns } => {
            let mut up = vec![format!("op.create_table(\n        {},", name(table))];
            for c in columns {
                up.push(format!("    {},", column(c)));
            }
            up.push(")".into());
            (up, vec![format!("op.drop_table({})", name(table))])
        }
        SchemaOp::DropTable { table } => (
            vec![format!("op.drop_table({})", name(table))],
            vec![format!("# TODO: re-create table {table} as it was")],
        ),
        SchemaOp::RenameTable { from, to } => (
            vec![format!("op.rename_table({}, {})", name(from), name(to))],
            vec![format!("op.rename_table({}, {})", name(to), name(from))],
        ),
        SchemaOp::AddColumn { table, column: c } => (
            vec![format!("op.add_column({}, {})", name(table), column(c))],
            vec![format!(
                "op.drop_column({}, {})",
                name(table),
                name(&c.name)
            )],
        ),
        SchemaOp::DropColumn { table, column: c } => (
            vec![format!("op.drop_column({}, {})", name(table), name(c))],
            vec![format!("# TODO: re-add column {table}.{c} with its type")],
        ),
        SchemaOp::RenameColumn { table, from, to } => (
            vec![format!(
                "op.alter_column({}, {}, new_column_name={})",
                name(table),
                name(from),
                name(to)
            )],
            vec![format!(
                "op.alter_column({}, {}, new_column_name={})",
                name(table),
                name(to),
                name(from)
            )],
        ),
        SchemaOp::AlterColumn { table, column: c } => (
            vec![format!("# TODO: alter column {table}.{c}")],
            vec![format!("# TODO: undo the change to column {table}.{c}")],
        ),
        SchemaOp::CreateIndex {
            index,
            table,
            columns,
            unique,
        } => {
            let cols = columns
                .iter()
                .map(|c| py_str(c))
                .collect::<Vec<_>>()
                .join(", ");
            let unique = if *unique { ", unique=True" } else { "" };
            (
                vec![format!(
                    "op.create_index({}, {}, [{cols}]{unique})",
                    name(index),
                    name(table)
                )],
                vec![format!(
                    "op.drop_index({}, table_name={})",
                    name(index),
                    name(table)
                )],
            )
        }
        SchemaOp::DropIndex { index } => (
            vec![format!("op.drop_index({})", name(index))],
            vec![format!("# TODO: re-create index {index}")],
        ),
        SchemaOp::CreateTrigger { trigger, table } => (
            vec![format!(
                "# TODO: port trigger {trigger} on {table} to PostgreSQL with op.execute(...)"
            )],
            vec![format!(
                "op.execute({})",
                py_str(&format!("DROP TRIGGER IF EXISTS {trigger} ON {table}"))
            )],
        ),
        SchemaOp::DropTrigger { trigger } => (
            vec![format!(
                "# TODO: drop trigger {trigger} with op.execute(\"DROP TRIGGER ... ON ...\")"
            )],
            vec![format!("# TODO: re-create trigger {trigger}")],
        ),
    }
}

fn describe(op: &SchemaOp) -> String {
    op.facts().first().map(|f| f.describe()).unwrap_or_default()
}

/// A file-name slug from the first operation: `add_agents_notes`.
fn slug(ops: &[SchemaOp]) -> String {
    let raw = match ops.first() {
        Some(SchemaOp::CreateTable { table, .. }) => format!("create {table}"),
        Some(SchemaOp::AddColumn { table, column }) => format!("add {table} {}", column.name),
        Some(SchemaOp::CreateIndex { index, .. }) => format!("create index {index}"),
        Some(op) => describe(op),
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
    let slug = if ops.len() > 1 {
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
fn next_revision_id(revisions: &[KnownRevision], ops: &[SchemaOp]) -> String {
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
    use crate::schema::sql::extract_sql;
    use pretty_assertions::assert_eq;

    fn known(file: &str, rev: &str, down: &[&str]) -> KnownRevision {
        KnownRevision {
            file_name: file.into(),
            revision: rev.into(),
            down_revisions: down.iter().map(|s| s.to_string()).collect(),
        }
    }

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
    fn the_suggestion_chains_onto_the_head_and_inverts_in_downgrade() {
        let revisions = vec![
            known("0001_baseline.py", "0001", &[]),
            known("0002_notes.py", "0002", &["0001"]),
        ];
        let ops = extract_sql(
            "ALTER TABLE agents ADD COLUMN notes TEXT; CREATE UNIQUE INDEX ux_notes ON agents(notes)",
        );
        let s = suggest(&ops, &revisions);
        assert_eq!(s.file_name, "0003_add_agents_notes_and_more.py");
        assert_eq!(s.revision, "0003");
        assert_eq!(s.down_revision.as_deref(), Some("0002"));
        assert_eq!(s.warnings, Vec::<String>::new());
        assert!(s.source.contains(
            "def upgrade() -> None:\n    op.add_column(\"agents\", sa.Column(\"notes\", sa.Text()))\n    op.create_index(\"ux_notes\", \"agents\", [\"notes\"], unique=True)\n"
        ), "{}", s.source);
        assert!(s.source.contains(
            "def downgrade() -> None:\n    op.drop_index(\"ux_notes\", table_name=\"agents\")\n    op.drop_column(\"agents\", \"notes\")\n"
        ), "{}", s.source);
    }

    #[test]
    fn several_heads_are_a_warning() {
        let revisions = vec![
            known("0001_a.py", "0001", &[]),
            known("0002_b.py", "0002", &["0001"]),
            known("0003_c.py", "0003", &["0001"]),
        ];
        let s = suggest(&extract_sql("DROP TABLE x"), &revisions);
        assert_eq!(s.down_revision.as_deref(), Some("0003"));
        assert!(s.warnings[0].contains("2 heads"), "{:?}", s.warnings);
    }

    #[test]
    fn types_map_by_affinity() {
        for (sqlite, sa) in [
            ("INTEGER", "sa.Integer()"),
            ("BIGINT", "sa.BigInteger()"),
            ("TEXT", "sa.Text()"),
            ("VARCHAR", "sa.String()"),
            ("REAL", "sa.Float()"),
            ("BLOB", "sa.LargeBinary()"),
            ("BOOLEAN", "sa.Boolean()"),
            ("TIMESTAMP", "sa.DateTime()"),
            ("NUMERIC", "sa.Numeric()"),
            ("", "sa.Text()"),
        ] {
            assert_eq!(sqlalchemy_type(sqlite), sa, "{sqlite}");
        }
    }
}
