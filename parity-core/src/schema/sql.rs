//! Schema changes named by SQL text: the DDL statements SQLite migrations run
//! and Alembic revisions pass to `op.execute`.
//!
//! A small tokenizer and a statement matcher, not a SQL parser: it reads the
//! statements that change tables, columns, indexes and triggers, and skips
//! everything else. Names in any quoting (`"t"`, `` `t` ``, `[t]`) and any
//! case come back lower-cased; a name built at run time (`{table}` from an
//! f-string or `.format`) comes back as `Ident::Unresolved`.

use super::{ColumnDef, Ident, SchemaOp};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'s> {
    /// A bare word: keyword, identifier or number.
    Word(&'s str),
    /// A quoted identifier.
    Quoted(&'s str),
    /// A string literal `'...'`.
    Str,
    /// `{...}`: a name filled in at run time.
    Placeholder(&'s str),
    Punct(u8),
}

impl Token<'_> {
    fn is_kw(&self, keyword: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(keyword))
    }
}

/// Bytes of a bare word: ASCII letters, digits, `_`, `$`, and every byte of a
/// non-ASCII character (so slices always fall on character boundaries).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The tokens of `sql`, each with the 0-based line it starts on. Every token
/// borrows from `sql`: the tokenizer splits at ASCII bytes only.
fn tokenize(sql: &str) -> (Vec<Token<'_>>, Vec<u32>) {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut lines = Vec::new();
    let mut line = 0u32;
    let mut i = 0;
    // The index just past the first `close` at or after `from`.
    let past = |from: usize, close: u8| {
        bytes[from.min(bytes.len())..]
            .iter()
            .position(|&b| b == close)
            .map_or(bytes.len(), |p| from + p + 1)
    };
    while i < bytes.len() {
        let start = i;
        let token = match bytes[i] {
            b'\n' => {
                line += 1;
                i += 1;
                None
            }
            b if b.is_ascii_whitespace() => {
                i += 1;
                None
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = past(i, b'\n').min(bytes.len());
                if bytes.get(i.wrapping_sub(1)) == Some(&b'\n') {
                    i -= 1;
                }
                None
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(bytes.len());
                None
            }
            b'\'' => {
                // '' inside a literal is an escaped quote.
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i = (i + 1).min(bytes.len());
                Some(Token::Str)
            }
            open @ (b'"' | b'`' | b'[') => {
                let close = if open == b'[' { b']' } else { open };
                let end = past(i + 1, close);
                let inner_end = if bytes.get(end.wrapping_sub(1)) == Some(&close) && end > i + 1 {
                    end - 1
                } else {
                    end
                };
                i = end;
                Some(Token::Quoted(&sql[start + 1..inner_end]))
            }
            b if b == b'{' || is_word_byte(b) => {
                // A run of word bytes and `{...}` groups: a placeholder
                // anywhere in it (`{prefix}_items`) makes it a run-time name.
                let mut placeholder = false;
                while i < bytes.len() {
                    match bytes[i] {
                        b'{' => {
                            placeholder = true;
                            i = past(i + 1, b'}');
                        }
                        w if is_word_byte(w) => i += 1,
                        _ => break,
                    }
                }
                let text = &sql[start..i];
                Some(if !placeholder {
                    Token::Word(text)
                } else if let Some(inner) = text
                    .strip_prefix('{')
                    .and_then(|t| t.strip_suffix('}'))
                    .filter(|t| !t.contains(['{', '}']))
                {
                    Token::Placeholder(inner)
                } else {
                    Token::Placeholder(text)
                })
            }
            other => {
                i += 1;
                Some(Token::Punct(other))
            }
        };
        if let Some(token) = token {
            tokens.push(token);
            lines.push(line);
            // Newlines inside the token (a quoted name, a literal, a comment).
            line += bytes[start..i].iter().filter(|&&b| b == b'\n').count() as u32;
        } else if bytes[start] != b'\n' {
            line += bytes[start..i].iter().filter(|&&b| b == b'\n').count() as u32;
        }
    }
    (tokens, lines)
}

/// A cursor over the tokens of one script.
struct Cursor<'t, 's> {
    tokens: &'t [Token<'s>],
    at: usize,
}

impl<'t, 's> Cursor<'t, 's> {
    fn peek(&self) -> Option<&'t Token<'s>> {
        self.tokens.get(self.at)
    }

    fn peek_kw(&self, keyword: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(keyword))
    }

    fn eat_kw(&mut self, keyword: &str) -> bool {
        if self.peek_kw(keyword) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_kws(&mut self, keywords: &[&str]) -> bool {
        let save = self.at;
        if keywords.iter().all(|k| self.eat_kw(k)) {
            true
        } else {
            self.at = save;
            false
        }
    }

    fn eat_punct(&mut self, c: u8) -> bool {
        if self.peek() == Some(&Token::Punct(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A name, possibly qualified (`main.t`): the last part counts.
    fn name(&mut self) -> Option<Ident> {
        let mut ident = self.one_name()?;
        while self.peek() == Some(&Token::Punct(b'.')) {
            self.at += 1;
            ident = self.one_name()?;
        }
        Some(ident)
    }

    fn one_name(&mut self) -> Option<Ident> {
        let ident = match self.peek()? {
            Token::Word(w) => Ident::known(w),
            Token::Quoted(q) => Ident::known(q),
            Token::Placeholder(p) => Ident::Unresolved(p.to_string()),
            _ => return None,
        };
        self.at += 1;
        Some(ident)
    }

    /// The tokens of a parenthesised list, split at top-level commas; the
    /// cursor must be on the `(`.
    fn paren_items(&mut self) -> Option<Vec<&'t [Token<'s>]>> {
        if !self.eat_punct(b'(') {
            return None;
        }
        let mut items = Vec::new();
        let mut depth = 0usize;
        let mut start = self.at;
        while let Some(token) = self.peek() {
            match token {
                Token::Punct(b'(') => depth += 1,
                Token::Punct(b')') if depth == 0 => {
                    items.push(&self.tokens[start..self.at]);
                    self.at += 1;
                    return Some(items);
                }
                Token::Punct(b')') => depth -= 1,
                Token::Punct(b',') if depth == 0 => {
                    items.push(&self.tokens[start..self.at]);
                    start = self.at + 1;
                }
                _ => {}
            }
            self.at += 1;
        }
        // An unclosed list still names what it has.
        items.push(&self.tokens[start..self.at]);
        Some(items)
    }
}

/// Words that end a column's type in a column definition.
const CONSTRAINT_WORDS: &[&str] = &[
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "DEFAULT",
    "REFERENCES",
    "UNIQUE",
    "CHECK",
    "COLLATE",
    "GENERATED",
    "AS",
];

/// Words that start a table constraint rather than a column.
const TABLE_CONSTRAINTS: &[&str] = &["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

fn column_def(tokens: &[Token<'_>]) -> Option<ColumnDef> {
    let mut cursor = Cursor { tokens, at: 0 };
    if TABLE_CONSTRAINTS.iter().any(|k| cursor.peek_kw(k)) {
        return None;
    }
    let name = cursor.name()?;
    let mut type_words = Vec::new();
    while let Some(Token::Word(w)) = cursor.peek() {
        if CONSTRAINT_WORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) {
            break;
        }
        type_words.push(w.to_ascii_uppercase());
        cursor.at += 1;
    }
    let rest = &cursor.tokens[cursor.at..];
    let pair = |a: &str, b: &str| rest.windows(2).any(|w| w[0].is_kw(a) && w[1].is_kw(b));
    Some(ColumnDef {
        name,
        sql_type: type_words.join(" "),
        primary_key: pair("PRIMARY", "KEY"),
        not_null: pair("NOT", "NULL"),
    })
}

fn index_columns(items: Vec<&[Token<'_>]>) -> Vec<String> {
    items
        .into_iter()
        .filter_map(|item| match item.first() {
            Some(Token::Word(w)) | Some(Token::Quoted(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Every schema change the SQL text names, in order.
pub fn extract_sql(sql: &str) -> Vec<SchemaOp> {
    extract_sql_lines(sql)
        .into_iter()
        .map(|(_, op)| op)
        .collect()
}

/// Every schema change the SQL text names, each with the 0-based line of the
/// text where its statement starts.
pub fn extract_sql_lines(sql: &str) -> Vec<(u32, SchemaOp)> {
    let (tokens, lines) = tokenize(sql);
    let mut cursor = Cursor {
        tokens: &tokens,
        at: 0,
    };
    let mut ops = Vec::new();
    while cursor.peek().is_some() {
        let start = cursor.at;
        if let Some(op) = statement(&mut cursor) {
            ops.push((lines[start], op));
        }
        if cursor.at == start {
            cursor.at += 1;
        }
    }
    ops
}

fn statement(c: &mut Cursor<'_, '_>) -> Option<SchemaOp> {
    if c.eat_kw("CREATE") {
        let _ = c.eat_kw("TEMP") || c.eat_kw("TEMPORARY");
        let unique = c.eat_kw("UNIQUE");
        if !unique && c.eat_kw("TABLE") {
            let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let table = c.name()?;
            let columns = if c.peek() == Some(&Token::Punct(b'(')) {
                c.paren_items()?
                    .into_iter()
                    .filter_map(column_def)
                    .collect()
            } else {
                Vec::new()
            };
            return Some(SchemaOp::CreateTable { table, columns });
        }
        if c.eat_kw("INDEX") {
            let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let index = c.name()?;
            if !c.eat_kw("ON") {
                return None;
            }
            let table = c.name()?;
            let columns = c.paren_items().map(index_columns).unwrap_or_default();
            return Some(SchemaOp::CreateIndex {
                index,
                table,
                columns,
                unique,
            });
        }
        if !unique && c.eat_kw("TRIGGER") {
            let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let trigger = c.name()?;
            // The table follows the first ON of the trigger's head.
            while let Some(token) = c.peek() {
                c.at += 1;
                if token.is_kw("ON") {
                    let table = c.name()?;
                    return Some(SchemaOp::CreateTrigger { trigger, table });
                }
                if token.is_kw("BEGIN") {
                    break;
                }
            }
            return None;
        }
        return None;
    }
    if c.eat_kws(&["ALTER", "TABLE"]) {
        let table = c.name()?;
        if c.eat_kw("ADD") {
            let _ = c.eat_kw("COLUMN");
            let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let end = statement_end(c);
            let column = column_def(&c.tokens[c.at..end])?;
            c.at = end;
            return Some(SchemaOp::AddColumn { table, column });
        }
        if c.eat_kw("DROP") {
            let _ = c.eat_kw("COLUMN");
            let _ = c.eat_kws(&["IF", "EXISTS"]);
            let column = c.name()?;
            return Some(SchemaOp::DropColumn { table, column });
        }
        if c.eat_kw("RENAME") {
            if c.eat_kw("TO") {
                let to = c.name()?;
                return Some(SchemaOp::RenameTable { from: table, to });
            }
            let _ = c.eat_kw("COLUMN");
            let from = c.name()?;
            if !c.eat_kw("TO") {
                return None;
            }
            let to = c.name()?;
            return Some(SchemaOp::RenameColumn { table, from, to });
        }
        return None;
    }
    if c.eat_kw("DROP") {
        let kind = if c.eat_kw("TABLE") {
            0
        } else if c.eat_kw("INDEX") {
            1
        } else if c.eat_kw("TRIGGER") {
            2
        } else {
            return None;
        };
        let _ = c.eat_kws(&["IF", "EXISTS"]);
        let name = c.name()?;
        return Some(match kind {
            0 => SchemaOp::DropTable { table: name },
            1 => SchemaOp::DropIndex { index: name },
            _ => SchemaOp::DropTrigger { trigger: name },
        });
    }
    None
}

/// The index of the `;` that ends the current statement, or the end.
fn statement_end(c: &Cursor<'_, '_>) -> usize {
    c.tokens[c.at..]
        .iter()
        .position(|t| *t == Token::Punct(b';'))
        .map_or(c.tokens.len(), |p| c.at + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn k(name: &str) -> Ident {
        Ident::known(name)
    }

    fn col(name: &str, sql_type: &str) -> ColumnDef {
        ColumnDef::new(k(name), sql_type)
    }

    #[test]
    fn create_table_with_columns_and_constraints() {
        let ops = extract_sql(
            r#"CREATE TABLE IF NOT EXISTS "Notes" (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                [agent_id] INTEGER NOT NULL REFERENCES agents(id),
                `body` TEXT DEFAULT '',
                created_at TIMESTAMP,
                price NUMERIC(10, 2),
                UNIQUE (agent_id, body),
                FOREIGN KEY (agent_id) REFERENCES agents(id)
            );"#,
        );
        assert_eq!(
            ops,
            vec![SchemaOp::CreateTable {
                table: k("notes"),
                columns: vec![
                    ColumnDef {
                        primary_key: true,
                        ..col("id", "INTEGER")
                    },
                    ColumnDef {
                        not_null: true,
                        ..col("agent_id", "INTEGER")
                    },
                    col("body", "TEXT"),
                    col("created_at", "TIMESTAMP"),
                    col("price", "NUMERIC"),
                ],
            }]
        );
    }

    #[test]
    fn alter_table_forms() {
        let ops = extract_sql(
            "alter table agents add column notes text not null default '';
             ALTER TABLE agents ADD COLUMN IF NOT EXISTS x INT;
             ALTER TABLE agents ADD y BLOB;
             ALTER TABLE agents DROP COLUMN old;
             ALTER TABLE agents RENAME COLUMN a TO b;
             ALTER TABLE agents RENAME c TO d;
             ALTER TABLE agents_new RENAME TO agents;",
        );
        assert_eq!(
            ops,
            vec![
                SchemaOp::AddColumn {
                    table: k("agents"),
                    column: ColumnDef {
                        not_null: true,
                        ..col("notes", "TEXT")
                    }
                },
                SchemaOp::AddColumn {
                    table: k("agents"),
                    column: col("x", "INT")
                },
                SchemaOp::AddColumn {
                    table: k("agents"),
                    column: col("y", "BLOB")
                },
                SchemaOp::DropColumn {
                    table: k("agents"),
                    column: k("old")
                },
                SchemaOp::RenameColumn {
                    table: k("agents"),
                    from: k("a"),
                    to: k("b")
                },
                SchemaOp::RenameColumn {
                    table: k("agents"),
                    from: k("c"),
                    to: k("d")
                },
                SchemaOp::RenameTable {
                    from: k("agents_new"),
                    to: k("agents")
                },
            ]
        );
    }

    #[test]
    fn indexes_triggers_and_drops() {
        let ops = extract_sql(
            "CREATE UNIQUE INDEX IF NOT EXISTS ux_a ON main.agents (name, \"Email\");
             create index ix_b on agents(created_at DESC);
             CREATE TRIGGER IF NOT EXISTS trg AFTER UPDATE OF name ON agents BEGIN UPDATE x SET y = 1; END;
             DROP INDEX IF EXISTS ix_old; DROP TABLE legacy; DROP TRIGGER trg_old;",
        );
        assert_eq!(
            ops,
            vec![
                SchemaOp::CreateIndex {
                    index: k("ux_a"),
                    table: k("agents"),
                    columns: vec!["name".into(), "email".into()],
                    unique: true
                },
                SchemaOp::CreateIndex {
                    index: k("ix_b"),
                    table: k("agents"),
                    columns: vec!["created_at".into()],
                    unique: false
                },
                SchemaOp::CreateTrigger {
                    trigger: k("trg"),
                    table: k("agents")
                },
                SchemaOp::DropIndex { index: k("ix_old") },
                SchemaOp::DropTable { table: k("legacy") },
                SchemaOp::DropTrigger {
                    trigger: k("trg_old")
                },
            ]
        );
    }

    #[test]
    fn run_time_names_are_unresolved() {
        let ops = extract_sql("ALTER TABLE {table} ADD COLUMN notes TEXT; ALTER TABLE agents ADD COLUMN {col} TEXT; CREATE TABLE {prefix}_x (a INT)");
        assert_eq!(
            ops,
            vec![
                SchemaOp::AddColumn {
                    table: Ident::Unresolved("table".into()),
                    column: col("notes", "TEXT")
                },
                SchemaOp::AddColumn {
                    table: k("agents"),
                    column: ColumnDef::new(Ident::Unresolved("col".into()), "TEXT")
                },
                SchemaOp::CreateTable {
                    table: Ident::Unresolved("{prefix}_x".into()),
                    columns: vec![col("a", "INT")]
                },
            ]
        );
    }

    #[test]
    fn data_statements_comments_and_strings_name_nothing() {
        let ops = extract_sql(
            "UPDATE agents SET note = 'ALTER TABLE x ADD COLUMN y'; -- DROP TABLE agents
             /* CREATE TABLE z (a) */ INSERT INTO t VALUES ('CREATE INDEX i ON t(a)'); SELECT created_at FROM t",
        );
        assert_eq!(ops, vec![]);
    }

    #[test]
    fn statements_carry_their_starting_line() {
        let ops = extract_sql_lines("-- header\nCREATE TABLE t (\n a INT\n);\n\n  DROP INDEX i;");
        let lines: Vec<u32> = ops.iter().map(|(line, _)| *line).collect();
        assert_eq!(lines, vec![1, 5]);
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "CREATE",
            "CREATE TABLE",
            "CREATE TABLE t (",
            "ALTER TABLE t ADD",
            "'unterminated",
            "\"x",
            "{",
            "[",
            "DROP",
            "CREATE INDEX i ON",
        ] {
            let _ = extract_sql(text);
        }
    }
}
