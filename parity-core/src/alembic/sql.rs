//! The two SQL statements that decide how long a revision id may be: an
//! `ALTER TABLE <t> ALTER [COLUMN] version_num [SET DATA] TYPE <type>` run by a
//! revision, and a `CREATE TABLE [IF NOT EXISTS] <t> (version_num <type> ...)`
//! run by env.py. A tokenizer and a matcher for exactly these shapes (in
//! PostgreSQL's spelling), not a SQL parser: any other statement is skipped.

use std::fmt;

use serde::Serialize;

/// How many characters a `version_num` column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "chars")]
pub enum Width {
    /// `VARCHAR(n)`, `CHAR(n)`: at most `n` characters.
    Limit(usize),
    /// `TEXT`, or `VARCHAR` without a length: PostgreSQL sets no limit.
    Unlimited,
}

impl Width {
    /// Whether an id of `chars` characters fits.
    pub fn fits(self, chars: usize) -> bool {
        match self {
            Width::Limit(limit) => chars <= limit,
            Width::Unlimited => true,
        }
    }
}

impl fmt::Display for Width {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Width::Limit(n) => write!(f, "VARCHAR({n})"),
            Width::Unlimited => f.write_str("an unlimited type"),
        }
    }
}

/// A statement that gives the version column a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SqlWidth {
    /// Lines before the statement's first word, within the SQL text.
    pub line_offset: u32,
    /// The table's name as PostgreSQL resolves it: an unquoted name
    /// lower-cased, a quoted one exact; any schema dropped.
    pub table: String,
    pub width: Width,
}

/// The statements of `sql` that change the type of a table's `version_num`.
pub(crate) fn altered_version_columns(sql: &str) -> Vec<SqlWidth> {
    statements(sql)
        .into_iter()
        .flat_map(|statement| alter(&statement))
        .collect()
}

/// The statements of `sql` that create a table with a `version_num` column.
pub(crate) fn created_version_columns(sql: &str) -> Vec<SqlWidth> {
    statements(sql)
        .into_iter()
        .filter_map(|statement| create(&statement))
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// An unquoted word, lower-cased.
    Word(String),
    /// A `"quoted"` identifier, exact.
    Quoted(String),
    Number(String),
    Punct(char),
}

#[derive(Clone, Debug)]
struct Statement {
    line_offset: u32,
    tokens: Vec<Tok>,
}

/// The statements of the text, split at `;`; string literals and comments
/// are dropped (only names, numbers and punctuation decide anything here).
fn statements(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut current = Statement {
        line_offset: 0,
        tokens: Vec::new(),
    };
    let mut line: u32 = 0;
    let mut i = 0;
    let count_lines = |from: usize, to: usize| -> u32 {
        let n = bytes[from..to].iter().filter(|&&b| b == b'\n').count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        let mut token = None;
        if b == b'-' && bytes.get(i + 1) == Some(&b'-') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if b == b'/' && bytes.get(i + 1) == Some(&b'*') {
            // PostgreSQL's block comments nest.
            let mut depth = 0usize;
            while i < bytes.len() {
                if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b == b'\'' {
            i = quoted_end(bytes, i, b'\'');
        } else if b == b'"' {
            let end = quoted_end(bytes, i, b'"');
            let inner_end = if end > i + 1 && bytes[end - 1] == b'"' {
                end - 1
            } else {
                end
            };
            let name = sql[i + 1..inner_end].replace("\"\"", "\"");
            token = Some(Tok::Quoted(name));
            i = end;
        } else if b == b'$' {
            i = dollar_quoted_end(sql, i);
        } else if b.is_ascii_digit() {
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            token = Some(Tok::Number(sql[start..i].to_string()));
        } else if b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'$'
                    || bytes[i] >= 0x80)
            {
                i += 1;
            }
            token = Some(Tok::Word(sql[start..i].to_lowercase()));
        } else if b == b';' {
            if !current.tokens.is_empty() {
                out.push(std::mem::replace(
                    &mut current,
                    Statement {
                        line_offset: 0,
                        tokens: Vec::new(),
                    },
                ));
            }
            i += 1;
        } else if b.is_ascii_whitespace() {
            i += 1;
        } else {
            // Only ASCII reaches here (0x80 and up are word bytes), so the
            // next index is a char boundary.
            token = Some(Tok::Punct(char::from(b)));
            i += 1;
        }
        if let Some(token) = token {
            if current.tokens.is_empty() {
                current.line_offset = line;
            }
            current.tokens.push(token);
        }
        line = line.saturating_add(count_lines(start, i.min(bytes.len())));
    }
    if !current.tokens.is_empty() {
        out.push(current);
    }
    out
}

/// Just past the quote that closes the literal opened at `from` (a doubled
/// quote is an escaped one), or the end of the text.
fn quoted_end(bytes: &[u8], from: usize, quote: u8) -> usize {
    let mut i = from + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Just past a `$tag$ ... $tag$` literal opened at `from`, or past the lone
/// `$` when it opens none (a parameter such as `$1`).
fn dollar_quoted_end(sql: &str, from: usize) -> usize {
    let bytes = sql.as_bytes();
    let mut tag_end = from + 1;
    while tag_end < bytes.len()
        && (bytes[tag_end].is_ascii_alphanumeric() || bytes[tag_end] == b'_')
    {
        tag_end += 1;
    }
    if bytes.get(tag_end) != Some(&b'$') {
        return from + 1;
    }
    let tag = &sql[from..=tag_end];
    match sql[tag_end + 1..].find(tag) {
        Some(at) => tag_end + 1 + at + tag.len(),
        None => bytes.len(),
    }
}

fn is_word(token: Option<&Tok>, word: &str) -> bool {
    matches!(token, Some(Tok::Word(w)) if w == word)
}

fn is_punct(token: Option<&Tok>, c: char) -> bool {
    matches!(token, Some(Tok::Punct(p)) if *p == c)
}

/// A name token's value as PostgreSQL resolves it.
fn name(token: Option<&Tok>) -> Option<String> {
    match token? {
        Tok::Word(w) => Some(w.clone()),
        Tok::Quoted(q) => Some(q.clone()),
        _ => None,
    }
}

/// A possibly schema-qualified name at `at`: its last part, and the index
/// just past it.
fn qualified_name(tokens: &[Tok], mut at: usize) -> Option<(String, usize)> {
    let mut last = name(tokens.get(at))?;
    at += 1;
    while is_punct(tokens.get(at), '.') {
        last = name(tokens.get(at + 1))?;
        at += 2;
    }
    Some((last, at))
}

/// The width of the type written at `at` (`varchar(64)`, `character
/// varying`, `text`, `char(40)`), or `None` for a type that is no string.
fn type_width(tokens: &[Tok], at: usize) -> Option<Width> {
    let length = |at: usize| -> Option<Option<usize>> {
        if !is_punct(tokens.get(at), '(') {
            return Some(None);
        }
        match (tokens.get(at + 1), tokens.get(at + 2)) {
            (Some(Tok::Number(n)), Some(Tok::Punct(')'))) => n.parse().ok().map(Some),
            _ => None,
        }
    };
    let Some(Tok::Word(first)) = tokens.get(at) else {
        return None;
    };
    match first.as_str() {
        "text" => Some(Width::Unlimited),
        "varchar" => Some(length(at + 1)?.map_or(Width::Unlimited, Width::Limit)),
        "character" | "char" | "bpchar" if is_word(tokens.get(at + 1), "varying") => {
            Some(length(at + 2)?.map_or(Width::Unlimited, Width::Limit))
        }
        // `char` without a length is `char(1)`; `bpchar` without one is unlimited.
        "character" | "char" => Some(Width::Limit(length(at + 1)?.unwrap_or(1))),
        "bpchar" => Some(length(at + 1)?.map_or(Width::Unlimited, Width::Limit)),
        _ => None,
    }
}

/// The tokens from `from` on, split at commas outside parentheses.
fn split_commas(tokens: &[Tok]) -> Vec<&[Tok]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth = depth.saturating_sub(1),
            Tok::Punct(',') if depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tokens[start..]);
    parts
}

/// `ALTER TABLE [IF EXISTS] [ONLY] t [*] action, ...`: the actions that set
/// the type of `version_num`.
fn alter(statement: &Statement) -> Vec<SqlWidth> {
    let t = &statement.tokens;
    if !(is_word(t.first(), "alter") && is_word(t.get(1), "table")) {
        return Vec::new();
    }
    let mut at = 2;
    if is_word(t.get(at), "if") && is_word(t.get(at + 1), "exists") {
        at += 2;
    }
    if is_word(t.get(at), "only") {
        at += 1;
    }
    let Some((table, mut at)) = qualified_name(t, at) else {
        return Vec::new();
    };
    if is_punct(t.get(at), '*') {
        at += 1;
    }
    split_commas(&t[at.min(t.len())..])
        .into_iter()
        .filter_map(|action| {
            if !is_word(action.first(), "alter") {
                return None;
            }
            let mut at = 1;
            if is_word(action.get(at), "column") {
                at += 1;
            }
            if name(action.get(at))? != "version_num" {
                return None;
            }
            at += 1;
            if is_word(action.get(at), "set") && is_word(action.get(at + 1), "data") {
                at += 2;
            }
            if !is_word(action.get(at), "type") {
                return None;
            }
            Some(SqlWidth {
                line_offset: statement.line_offset,
                table: table.clone(),
                width: type_width(action, at + 1)?,
            })
        })
        .collect()
}

/// `CREATE [TEMP|TEMPORARY|UNLOGGED] TABLE [IF NOT EXISTS] t (version_num
/// <type> ..., ...)`.
fn create(statement: &Statement) -> Option<SqlWidth> {
    let t = &statement.tokens;
    if !is_word(t.first(), "create") {
        return None;
    }
    let mut at = 1;
    if ["temp", "temporary", "unlogged"]
        .iter()
        .any(|w| is_word(t.get(at), w))
    {
        at += 1;
    }
    if !is_word(t.get(at), "table") {
        return None;
    }
    at += 1;
    if is_word(t.get(at), "if") && is_word(t.get(at + 1), "not") && is_word(t.get(at + 2), "exists")
    {
        at += 3;
    }
    let (table, at) = qualified_name(t, at)?;
    if !is_punct(t.get(at), '(') {
        return None;
    }
    let body = &t[at + 1..];
    let close = {
        let mut depth = 0usize;
        body.iter().position(|token| match token {
            Tok::Punct('(') => {
                depth += 1;
                false
            }
            Tok::Punct(')') if depth == 0 => true,
            Tok::Punct(')') => {
                depth -= 1;
                false
            }
            _ => false,
        })?
    };
    split_commas(&body[..close]).into_iter().find_map(|column| {
        if name(column.first())? != "version_num" {
            return None;
        }
        Some(SqlWidth {
            line_offset: statement.line_offset,
            table: table.clone(),
            width: type_width(column, 1)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn widths(list: Vec<SqlWidth>) -> Vec<(u32, String, Width)> {
        list.into_iter()
            .map(|w| (w.line_offset, w.table, w.width))
            .collect()
    }

    #[test]
    fn alter_statements_in_their_spellings() {
        for (sql, table, width) in [
            (
                "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64)",
                "alembic_version",
                Width::Limit(64),
            ),
            (
                "alter table if exists only public.alembic_version alter version_num set data type character varying(128) using version_num::varchar",
                "alembic_version",
                Width::Limit(128),
            ),
            (
                "ALTER TABLE \"Versions\" ALTER COLUMN \"version_num\" TYPE text",
                "Versions",
                Width::Unlimited,
            ),
            (
                "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE varchar",
                "alembic_version",
                Width::Unlimited,
            ),
            (
                "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE char",
                "alembic_version",
                Width::Limit(1),
            ),
        ] {
            assert_eq!(
                widths(altered_version_columns(sql)),
                vec![(0, table.to_string(), width)],
                "{sql}"
            );
        }
    }

    #[test]
    fn other_statements_and_columns_are_not_read() {
        for sql in [
            "ALTER TABLE alembic_version ALTER COLUMN other TYPE VARCHAR(64)",
            "ALTER TABLE alembic_version ADD COLUMN version_num VARCHAR(64)",
            "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE integer",
            "ALTER TABLE alembic_version ALTER COLUMN version_num SET NOT NULL",
            "-- ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64)",
            "/* ALTER TABLE alembic_version /* nested */ ALTER COLUMN version_num TYPE VARCHAR(64) */",
            "SELECT 'ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64)'",
            "SELECT $x$ ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64) $x$",
            "ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(n)",
        ] {
            assert_eq!(widths(altered_version_columns(sql)), vec![], "{sql}");
        }
    }

    #[test]
    fn several_statements_and_actions_keep_their_lines() {
        let sql = "SELECT 1;\n\nALTER TABLE t ALTER COLUMN x TYPE int,\n  ALTER COLUMN version_num TYPE varchar(40);\nALTER TABLE alembic_version ALTER version_num TYPE varchar(50)";
        assert_eq!(
            widths(altered_version_columns(sql)),
            vec![
                (2, "t".to_string(), Width::Limit(40)),
                (4, "alembic_version".to_string(), Width::Limit(50)),
            ]
        );
    }

    #[test]
    fn create_table_reads_the_version_column() {
        for (sql, table, width) in [
            (
                "CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(64) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
                "alembic_version",
                Width::Limit(64),
            ),
            (
                "create table myschema.\"alembic_version\" (\n  version_num text primary key\n)",
                "alembic_version",
                Width::Unlimited,
            ),
            (
                "CREATE UNLOGGED TABLE v (id int, version_num character varying (255))",
                "v",
                Width::Limit(255),
            ),
        ] {
            assert_eq!(
                widths(created_version_columns(sql)),
                vec![(0, table.to_string(), width)],
                "{sql}"
            );
        }
        assert_eq!(
            widths(created_version_columns(
                "CREATE TABLE alembic_version (id int, other VARCHAR(64))"
            )),
            vec![]
        );
        assert_eq!(
            widths(created_version_columns(
                "CREATE INDEX x ON alembic_version (version_num)"
            )),
            vec![]
        );
    }

    #[test]
    fn unterminated_text_is_read_to_its_end() {
        for sql in [
            "'",
            "\"",
            "$a$",
            "/*",
            "ALTER TABLE (",
            "CREATE TABLE t (version_num",
            "\"x",
        ] {
            assert_eq!(widths(altered_version_columns(sql)), vec![], "{sql}");
            assert_eq!(widths(created_version_columns(sql)), vec![], "{sql}");
        }
    }
}
