//! Schema changes named by Python source, read through the lexer's tokens:
//! SQL in non-docstring string literals, SQLAlchemy `Table(`/`Column(`/`Index(`
//! metadata, and the `op.*` calls of an Alembic revision's `upgrade()`.
//! Comments and docstrings never name anything.

use std::collections::HashMap;
use std::ops::Range;

use crate::classify::{PythonFile, Token, TokenKind};

use super::sql::extract_sql_lines;
use super::{ColumnDef, Ident, SchemaOp};

/// An operation and the 1-based line of the file where it is stated.
pub type LineOp = (u32, SchemaOp);

/// SQL statements in the file's string literals (implicitly concatenated
/// literals joined), docstrings excluded.
pub fn sql_ops(file: &PythonFile<'_>) -> Vec<LineOp> {
    sql_ops_in(file, 0..file.source().len())
}

fn sql_ops_in(file: &PythonFile<'_>, span: Range<usize>) -> Vec<LineOp> {
    file.string_groups()
        .into_iter()
        .filter(|g| !g.docstring)
        .filter(|g| {
            let first = &file.tokens()[g.tokens[0]];
            span.contains(&first.span.start)
        })
        .flat_map(|g| {
            extract_sql_lines(&g.value)
                .into_iter()
                .map(move |(offset, op)| (g.start.line + offset, op))
        })
        .collect()
}

/// The significant tokens (no comments, no line breaks inside brackets) and
/// the source, with helpers to read calls.
struct Calls<'f, 'a> {
    file: &'f PythonFile<'a>,
    /// Indices into `file.tokens()`.
    order: Vec<usize>,
}

/// One argument of a call: its keyword, if any, and its tokens (positions in
/// `Calls::order`).
struct Arg {
    keyword: Option<String>,
    tokens: Range<usize>,
}

impl<'f, 'a> Calls<'f, 'a> {
    fn new(file: &'f PythonFile<'a>) -> Self {
        let order = file
            .tokens()
            .iter()
            .enumerate()
            .filter(|(_, t)| !matches!(t.kind, TokenKind::Comment | TokenKind::LineBreak))
            .map(|(i, _)| i)
            .collect();
        Calls { file, order }
    }

    fn token(&self, at: usize) -> Option<&'f Token> {
        self.order.get(at).map(|&i| &self.file.tokens()[i])
    }

    fn text(&self, at: usize) -> &'a [u8] {
        self.token(at).map_or(&[], |t| self.file.text(t))
    }

    fn is_op(&self, at: usize, op: &str) -> bool {
        self.token(at)
            .is_some_and(|t| t.is_operator(self.file.source(), op))
    }

    fn is_name(&self, at: usize, name: &str) -> bool {
        self.token(at)
            .is_some_and(|t| t.kind == TokenKind::Name && self.text(at) == name.as_bytes())
    }

    fn line(&self, at: usize) -> u32 {
        self.token(at).map_or(0, |t| t.start.line)
    }

    /// The arguments of the call whose `(` is at `open`, and the position
    /// just past its `)`.
    fn args(&self, open: usize) -> (Vec<Arg>, usize) {
        let mut args = Vec::new();
        let mut depth = 0usize;
        let mut start = open + 1;
        let mut at = open + 1;
        let push = |args: &mut Vec<Arg>, range: Range<usize>| {
            if range.is_empty() {
                return;
            }
            let keyword = (range.len() >= 2
                && self
                    .token(range.start)
                    .is_some_and(|t| t.kind == TokenKind::Name)
                && self.is_op(range.start + 1, "="))
            .then(|| String::from_utf8_lossy(self.text(range.start)).into_owned());
            let tokens = if keyword.is_some() {
                range.start + 2..range.end
            } else {
                range
            };
            args.push(Arg { keyword, tokens });
        };
        while let Some(token) = self.token(at) {
            if token.kind == TokenKind::Operator {
                match self.text(at) {
                    b"(" | b"[" | b"{" => depth += 1,
                    b")" | b"]" | b"}" if depth == 0 => {
                        push(&mut args, start..at);
                        return (args, at + 1);
                    }
                    b")" | b"]" | b"}" => depth -= 1,
                    b"," if depth == 0 => {
                        push(&mut args, start..at);
                        start = at + 1;
                    }
                    _ => {}
                }
            }
            at += 1;
        }
        push(&mut args, start..at);
        (args, at)
    }

    /// The value of an argument that is only string literals (joined).
    fn string(&self, arg: &Arg) -> Option<String> {
        if arg.tokens.is_empty() {
            return None;
        }
        let mut value = String::new();
        for at in arg.tokens.clone() {
            let token = self.token(at)?;
            value.push_str(&self.file.string_value(token)?);
        }
        Some(value)
    }

    /// An argument's name, if it is a literal string; an f-string with
    /// fields is a run-time name.
    fn ident(&self, arg: &Arg) -> Option<Ident> {
        // `op.f("ix_t_a")` (what Alembic's autogenerate writes): the name as
        // given, exempt from the naming convention.
        if let Some(("f", open)) = self.call(arg).as_ref().map(|(n, o)| (n.as_str(), *o)) {
            let (inner, end) = self.args(open);
            return match (self.positional(&inner).as_slice(), end == arg.tokens.end) {
                ([name], true) => self.ident(name),
                _ => None,
            };
        }
        let value = self.string(arg)?;
        let fields = arg.tokens.clone().any(|at| {
            self.token(at)
                .and_then(|t| t.string.as_ref())
                .is_some_and(|s| s.prefix.has_fields())
        });
        Some(if fields {
            Ident::Unresolved(value)
        } else {
            Ident::known(&value)
        })
    }

    /// If the argument is a call `a.b.Name(...)`, its last name and the
    /// position of its `(`.
    fn call(&self, arg: &Arg) -> Option<(String, usize)> {
        let mut at = arg.tokens.start;
        let mut last = None;
        while at < arg.tokens.end {
            let token = self.token(at)?;
            match token.kind {
                TokenKind::Name => last = Some(String::from_utf8_lossy(self.text(at)).into_owned()),
                TokenKind::Operator if self.text(at) == b"." => {}
                TokenKind::Operator if self.text(at) == b"(" => return Some((last?, at)),
                _ => return None,
            }
            at += 1;
        }
        None
    }

    fn positional<'x>(&self, args: &'x [Arg]) -> Vec<&'x Arg> {
        args.iter().filter(|a| a.keyword.is_none()).collect()
    }

    fn keyword<'x>(&self, args: &'x [Arg], name: &str) -> Option<&'x Arg> {
        args.iter().find(|a| a.keyword.as_deref() == Some(name))
    }

    /// Whether the tokens at `at` are `<receiver>.<method>(`, returning the
    /// position of the `(`.
    fn method_call(&self, at: usize, receiver: &str, method: &str) -> Option<usize> {
        let starts = self.is_name(at, receiver)
            && !self.is_op(at.wrapping_sub(1), ".")
            && self.is_op(at + 1, ".")
            && self.is_name(at + 2, method)
            && self.is_op(at + 3, "(");
        starts.then_some(at + 3)
    }
}

/// `Column("c", Type, ...)` as a column definition, the type mapped to
/// SQLite's words so both tracks compare and suggest alike.
fn column_def(calls: &Calls<'_, '_>, args: &[Arg]) -> Option<ColumnDef> {
    let positional = calls.positional(args);
    let name = calls.ident(positional.first()?)?;
    let sql_type = positional
        .get(1)
        .and_then(|arg| {
            // `Text`, `sa.Text()`, `String(50)`: the last name before any `(`.
            let mut last = None;
            for at in arg.tokens.clone() {
                let token = calls.token(at)?;
                match token.kind {
                    TokenKind::Name => last = Some(calls.text(at)),
                    TokenKind::Operator if calls.text(at) == b"." => {}
                    _ => break,
                }
            }
            last
        })
        .map(|name| sql_type_for(&String::from_utf8_lossy(name)))
        .unwrap_or_default();
    let flag = |key: &str, value: &str| {
        calls
            .keyword(args, key)
            .is_some_and(|a| a.tokens.len() == 1 && calls.is_name(a.tokens.start, value))
    };
    Some(ColumnDef {
        name,
        sql_type,
        primary_key: flag("primary_key", "True"),
        not_null: flag("nullable", "False"),
    })
}

/// SQLAlchemy's type name to the SQLite declaration it stands for.
fn sql_type_for(sqlalchemy: &str) -> String {
    match sqlalchemy {
        "Integer" | "INTEGER" => "INTEGER",
        "BigInteger" | "BIGINT" => "BIGINT",
        "SmallInteger" => "SMALLINT",
        "String" | "Unicode" | "VARCHAR" => "VARCHAR",
        "Text" | "UnicodeText" | "TEXT" => "TEXT",
        "Boolean" | "BOOLEAN" => "BOOLEAN",
        "DateTime" | "TIMESTAMP" => "TIMESTAMP",
        "Date" => "DATE",
        "Float" | "REAL" => "REAL",
        "Numeric" | "DECIMAL" => "NUMERIC",
        "LargeBinary" | "BLOB" => "BLOB",
        "JSON" => "JSON",
        _ => "",
    }
    .to_string()
}

/// The columns and indexes that `Table("t", metadata, ...)` calls and
/// module-level `Index("i", t.c.a)` calls declare. Each `Table` becomes one
/// `CreateTable` (line of the `Table(`), each column carrying its own line
/// through a separate `AddColumn`-free list: callers diff facts, so a table
/// present on both sides adds only its new columns.
pub fn metadata_ops(file: &PythonFile<'_>) -> Vec<LineOp> {
    let calls = Calls::new(file);
    let mut ops = Vec::new();
    // Variable -> table name, for `Index("i", agents.c.name)`.
    let mut tables: HashMap<Vec<u8>, Ident> = HashMap::new();
    let mut at = 0;
    while at < calls.order.len() {
        let is_call = |name: &str| calls.is_name(at, name) && calls.is_op(at + 1, "(");
        if is_call("Table") {
            let (args, end) = calls.args(at + 1);
            let positional = calls.positional(&args);
            if let Some(table) = positional.first().and_then(|a| calls.ident(a)) {
                if at >= 2 && calls.is_op(at - 1, "=") {
                    tables.insert(calls.text(at - 2).to_vec(), table.clone());
                } else if at >= 4 && calls.is_op(at - 3, "=") && calls.is_op(at - 1, ".") {
                    tables.insert(calls.text(at - 4).to_vec(), table.clone());
                }
                let mut columns = Vec::new();
                for arg in &args {
                    let Some((callee, open)) = calls.call(arg) else {
                        continue;
                    };
                    let (inner, _) = calls.args(open);
                    match callee.as_str() {
                        "Column" => {
                            if let Some(column) = column_def(&calls, &inner) {
                                // Each column at its own line, so a new one
                                // is reported where it was written.
                                ops.push((
                                    calls.line(open),
                                    SchemaOp::AddColumn {
                                        table: table.clone(),
                                        column: column.clone(),
                                    },
                                ));
                                columns.push(column);
                            }
                        }
                        "Index" => {
                            if let Some(op) = index_op(&calls, &inner, Some(&table), &tables) {
                                ops.push((calls.line(open), op));
                            }
                        }
                        _ => {}
                    }
                }
                ops.push((calls.line(at), SchemaOp::CreateTable { table, columns }));
            }
            at = end;
            continue;
        }
        if is_call("Index") {
            let (args, end) = calls.args(at + 1);
            if let Some(op) = index_op(&calls, &args, None, &tables) {
                ops.push((calls.line(at), op));
            }
            at = end;
            continue;
        }
        at += 1;
    }
    ops
}

/// `Index("i", "a", "b")` inside a table, or `Index("i", t.c.a)` outside.
fn index_op(
    calls: &Calls<'_, '_>,
    args: &[Arg],
    table: Option<&Ident>,
    tables: &HashMap<Vec<u8>, Ident>,
) -> Option<SchemaOp> {
    let positional = calls.positional(args);
    let index = calls.ident(positional.first()?)?;
    let mut found_table = table.cloned();
    let mut columns = Vec::new();
    for arg in &positional[1..] {
        if let Some(name) = calls.string(arg) {
            columns.push(name.to_lowercase());
            continue;
        }
        // `t.c.name`
        let range = arg.tokens.clone();
        if range.len() == 5
            && calls.is_op(range.start + 1, ".")
            && calls.is_name(range.start + 2, "c")
        {
            if found_table.is_none() {
                found_table = tables.get(calls.text(range.start)).cloned();
            }
            columns.push(String::from_utf8_lossy(calls.text(range.start + 4)).to_lowercase());
        }
    }
    let unique = calls
        .keyword(args, "unique")
        .is_some_and(|a| a.tokens.len() == 1 && calls.is_name(a.tokens.start, "True"));
    Some(SchemaOp::CreateIndex {
        index,
        table: found_table?,
        columns,
        unique,
    })
}

/// The operations of an Alembic revision's `upgrade()`: `op.*` calls,
/// `batch_op.*` calls inside `with op.batch_alter_table("t") as b:`, and
/// the SQL of `op.execute(...)`.
pub fn alembic_ops(file: &PythonFile<'_>) -> Vec<LineOp> {
    let calls = Calls::new(file);
    let Some(body) = function_body(&calls, "upgrade") else {
        return Vec::new();
    };
    let mut ops = Vec::new();
    // (alias, table, indentation of the `with`) of open batch blocks.
    let mut batches: Vec<(Vec<u8>, Ident, u32)> = Vec::new();
    let mut at = body.start;
    while at < body.end {
        if let Some(token) = calls.token(at) {
            // A statement at or left of a `with`'s column closes its block.
            if at == 0
                || calls
                    .token(at - 1)
                    .is_some_and(|t| t.kind == TokenKind::Newline)
            {
                batches.retain(|(_, _, column)| token.start.column > *column);
            }
        }
        if let Some(open) = calls.method_call(at, "op", "batch_alter_table") {
            let (args, end) = calls.args(open);
            let table = calls.positional(&args).first().and_then(|a| calls.ident(a));
            // `as alias`
            if let (Some(table), true) = (table, calls.is_name(end, "as")) {
                let column = calls.token(at).map_or(0, |t| t.start.column);
                let with_column = if at > 0 && calls.is_name(at - 1, "with") {
                    calls.token(at - 1).map_or(column, |t| t.start.column)
                } else {
                    column
                };
                batches.push((calls.text(end + 1).to_vec(), table, with_column));
            }
            at = end;
            continue;
        }
        let receiver = if calls.is_name(at, "op") {
            Some(None)
        } else {
            batches
                .iter()
                .find(|(alias, _, _)| calls.is_name(at, &String::from_utf8_lossy(alias)))
                .map(|(_, table, _)| Some(table.clone()))
        };
        let Some(batch_table) = receiver else {
            at += 1;
            continue;
        };
        if !(calls.is_op(at + 1, ".") && calls.is_op(at + 3, "("))
            || calls.is_op(at.wrapping_sub(1), ".")
        {
            at += 1;
            continue;
        }
        let method = String::from_utf8_lossy(calls.text(at + 2)).into_owned();
        let line = calls.line(at);
        let (args, end) = calls.args(at + 3);
        ops.extend(
            alembic_call(&calls, &method, &args, batch_table.as_ref(), line).unwrap_or_default(),
        );
        at = end;
    }
    ops
}

/// One `op.<method>(...)` (or `batch_op.<method>(...)` with its table).
fn alembic_call(
    calls: &Calls<'_, '_>,
    method: &str,
    args: &[Arg],
    batch_table: Option<&Ident>,
    line: u32,
) -> Option<Vec<LineOp>> {
    let positional = calls.positional(args);
    let ident = |i: usize| positional.get(i).and_then(|a| calls.ident(a));
    // In a batch, the table is implied and the other arguments shift left.
    let (table, rest) = match batch_table {
        Some(t) => (Some(t.clone()), 0),
        None => (ident(0), 1),
    };
    let keyword_ident = |name: &str| calls.keyword(args, name).and_then(|a| calls.ident(a));
    let op = match method {
        "add_column" => {
            let (_, open) = positional.get(rest).and_then(|a| calls.call(a))?;
            let (inner, _) = calls.args(open);
            SchemaOp::AddColumn {
                table: table?,
                column: column_def(calls, &inner)?,
            }
        }
        "drop_column" => SchemaOp::DropColumn {
            table: table?,
            column: ident(rest).or_else(|| keyword_ident("column_name"))?,
        },
        "alter_column" => {
            let column = ident(rest).or_else(|| keyword_ident("column_name"))?;
            match keyword_ident("new_column_name") {
                Some(to) => SchemaOp::RenameColumn {
                    table: table?,
                    from: column,
                    to,
                },
                None => SchemaOp::AlterColumn {
                    table: table?,
                    column,
                },
            }
        }
        "create_table" => {
            let columns = positional[1.min(positional.len())..]
                .iter()
                .filter_map(|a| calls.call(a))
                .filter(|(callee, _)| callee == "Column")
                .filter_map(|(_, open)| column_def(calls, &calls.args(open).0))
                .collect();
            SchemaOp::CreateTable {
                table: ident(0)?,
                columns,
            }
        }
        "drop_table" => SchemaOp::DropTable { table: ident(0)? },
        "rename_table" => SchemaOp::RenameTable {
            from: ident(0)?,
            to: ident(1)?,
        },
        "create_index" => {
            let (index, table, columns_at) = match batch_table {
                Some(t) => (ident(0)?, t.clone(), 1),
                None => (ident(0)?, ident(1)?, 2),
            };
            let columns = positional
                .get(columns_at)
                .map(|a| {
                    a.tokens
                        .clone()
                        .filter_map(|at| calls.token(at))
                        .filter_map(|t| calls.file.string_value(t))
                        .map(|s| s.to_lowercase())
                        .collect()
                })
                .unwrap_or_default();
            let unique = calls
                .keyword(args, "unique")
                .is_some_and(|a| a.tokens.len() == 1 && calls.is_name(a.tokens.start, "True"));
            SchemaOp::CreateIndex {
                index,
                table,
                columns,
                unique,
            }
        }
        "drop_index" => SchemaOp::DropIndex { index: ident(0)? },
        "execute" => {
            let arg = positional.first()?;
            // `op.execute(sa.text("..."))` as well as `op.execute("...")`.
            let sql = calls.string(arg).or_else(|| {
                let (_, open) = calls.call(arg)?;
                let (inner, _) = calls.args(open);
                calls.string(calls.positional(&inner).first()?)
            })?;
            let first_line = calls.token(arg.tokens.start).map_or(line, |t| t.start.line);
            return Some(
                extract_sql_lines(&sql)
                    .into_iter()
                    .map(|(offset, op)| (first_line + offset, op))
                    .collect(),
            );
        }
        _ => return None,
    };
    Some(vec![(line, op)])
}

/// The positions of the body of `def name(...)` at module level: from its
/// `:` to the first statement back at or left of the `def`'s column.
fn function_body(calls: &Calls<'_, '_>, name: &str) -> Option<Range<usize>> {
    let def = (0..calls.order.len()).find(|&at| {
        calls.is_name(at, "def") && calls.is_name(at + 1, name) && calls.is_op(at + 2, "(")
    })?;
    let column = calls.token(def)?.start.column;
    let mut at = def + 3;
    let mut end = calls.order.len();
    let mut seen_newline = false;
    while at < calls.order.len() {
        let token = calls.token(at)?;
        if seen_newline && token.kind != TokenKind::Newline && token.start.column <= column {
            end = at;
            break;
        }
        seen_newline = token.kind == TokenKind::Newline;
        at += 1;
    }
    Some(def..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn lex(source: &str) -> PythonFile<'_> {
        PythonFile::lex(source.as_bytes()).unwrap()
    }

    fn k(name: &str) -> Ident {
        Ident::known(name)
    }

    fn col(name: &str, sql_type: &str) -> ColumnDef {
        ColumnDef::new(k(name), sql_type)
    }

    #[test]
    fn sql_in_strings_but_not_in_docstrings_or_comments() {
        let source = r#""""Module doc: ALTER TABLE ignored ADD COLUMN x."""


def _migrate_notes(cursor, conn):
    """Adds notes. CREATE TABLE nope (a INT)"""
    # ALTER TABLE agents ADD COLUMN commented TEXT
    cursor.execute(
        "ALTER TABLE agents "
        "ADD COLUMN notes TEXT"
    )
    cursor.execute("""
        CREATE INDEX ix_notes ON agents(notes)
    """)
    cursor.execute(f"ALTER TABLE {table} ADD COLUMN x TEXT")
"#;
        let ops = sql_ops(&lex(source));
        assert_eq!(
            ops,
            vec![
                (
                    8,
                    SchemaOp::AddColumn {
                        table: k("agents"),
                        column: col("notes", "TEXT")
                    }
                ),
                (
                    12,
                    SchemaOp::CreateIndex {
                        index: k("ix_notes"),
                        table: k("agents"),
                        columns: vec!["notes".into()],
                        unique: false
                    }
                ),
                (
                    14,
                    SchemaOp::AddColumn {
                        table: Ident::Unresolved("table".into()),
                        column: col("x", "TEXT")
                    }
                ),
            ]
        );
    }

    #[test]
    fn tables_py_columns_find_their_table() {
        let source = r#"import sqlalchemy as sa
from sqlalchemy import Column, Index, Integer, Table, Text

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True),
    sa.Column("notes", sa.Text(), nullable=True),
    Index("ix_agents_notes", "notes"),
)

Index("ix_agents_id", agents.c.id, unique=True)
"#;
        let ops = metadata_ops(&lex(source));
        assert_eq!(
            ops,
            vec![
                (
                    7,
                    SchemaOp::AddColumn {
                        table: k("agents"),
                        column: ColumnDef {
                            primary_key: true,
                            ..col("id", "INTEGER")
                        }
                    }
                ),
                (
                    8,
                    SchemaOp::AddColumn {
                        table: k("agents"),
                        column: col("notes", "TEXT")
                    }
                ),
                (
                    9,
                    SchemaOp::CreateIndex {
                        index: k("ix_agents_notes"),
                        table: k("agents"),
                        columns: vec!["notes".into()],
                        unique: false
                    }
                ),
                (
                    4,
                    SchemaOp::CreateTable {
                        table: k("agents"),
                        columns: vec![
                            ColumnDef {
                                primary_key: true,
                                ..col("id", "INTEGER")
                            },
                            col("notes", "TEXT")
                        ]
                    }
                ),
                (
                    12,
                    SchemaOp::CreateIndex {
                        index: k("ix_agents_id"),
                        table: k("agents"),
                        columns: vec!["id".into()],
                        unique: true
                    }
                ),
            ]
        );
    }

    #[test]
    fn alembic_upgrade_operations_only() {
        let source = r#""""Add notes: op.add_column("agents", sa.Column("doc", sa.Text()))"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    # op.add_column("agents", sa.Column("commented", sa.Text()))
    op.add_column("agents", sa.Column("notes", sa.Text(), nullable=True))
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("label", sa.String(50)),
    )
    op.create_index("ix_tags_label", "tags", ["label"], unique=True)
    op.alter_column("agents", "name", new_column_name="title")
    op.rename_table("old", "new")
    op.drop_index("ix_old")
    op.drop_table("legacy")
    with op.batch_alter_table("agents") as batch_op:
        batch_op.add_column(sa.Column("score", sa.Float()))
        batch_op.drop_column("obsolete")
    op.execute(
        "CREATE TRIGGER trg AFTER INSERT ON tags "
        "BEGIN SELECT 1; END"
    )


def downgrade() -> None:
    op.drop_column("agents", "notes")
"#;
        let ops: Vec<SchemaOp> = alembic_ops(&lex(source))
            .into_iter()
            .map(|(_, op)| op)
            .collect();
        assert_eq!(
            ops,
            vec![
                SchemaOp::AddColumn {
                    table: k("agents"),
                    column: col("notes", "TEXT")
                },
                SchemaOp::CreateTable {
                    table: k("tags"),
                    columns: vec![
                        ColumnDef {
                            primary_key: true,
                            ..col("id", "INTEGER")
                        },
                        col("label", "VARCHAR")
                    ]
                },
                SchemaOp::CreateIndex {
                    index: k("ix_tags_label"),
                    table: k("tags"),
                    columns: vec!["label".into()],
                    unique: true
                },
                SchemaOp::RenameColumn {
                    table: k("agents"),
                    from: k("name"),
                    to: k("title")
                },
                SchemaOp::RenameTable {
                    from: k("old"),
                    to: k("new")
                },
                SchemaOp::DropIndex { index: k("ix_old") },
                SchemaOp::DropTable { table: k("legacy") },
                SchemaOp::AddColumn {
                    table: k("agents"),
                    column: col("score", "REAL")
                },
                SchemaOp::DropColumn {
                    table: k("agents"),
                    column: k("obsolete")
                },
                SchemaOp::CreateTrigger {
                    trigger: k("trg"),
                    table: k("tags")
                },
            ]
        );
    }

    #[test]
    fn alembic_op_f_names_are_the_names_they_wrap() {
        // What `alembic revision --autogenerate` writes for an index.
        let source = r#"def upgrade() -> None:
    op.create_index(op.f("ix_tasks_agent_id"), "tasks", ["agent_id"], unique=False)
    op.drop_index(op.f("ix_old"), table_name="tasks")
    op.create_index(f("ix_bare"), "tasks", ["title"])
    op.create_index(op.f("ix_" + suffix), "tasks", ["title"])
"#;
        let ops: Vec<SchemaOp> = alembic_ops(&lex(source))
            .into_iter()
            .map(|(_, op)| op)
            .collect();
        assert_eq!(
            ops,
            vec![
                SchemaOp::CreateIndex {
                    index: k("ix_tasks_agent_id"),
                    table: k("tasks"),
                    columns: vec!["agent_id".into()],
                    unique: false
                },
                SchemaOp::DropIndex { index: k("ix_old") },
                SchemaOp::CreateIndex {
                    index: k("ix_bare"),
                    table: k("tasks"),
                    columns: vec!["title".into()],
                    unique: false
                },
            ]
        );
    }

    #[test]
    fn a_revision_without_upgrade_names_nothing() {
        assert_eq!(
            alembic_ops(&lex("op.add_column('t', sa.Column('c', sa.Text()))\n")),
            vec![]
        );
    }
}
