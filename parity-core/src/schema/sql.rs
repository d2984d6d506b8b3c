//! Schema changes named by SQL text: the DDL statements SQLite migrations run
//! and Alembic revisions pass to `op.execute`.
//!
//! A small tokenizer and a statement matcher, not a SQL parser: it reads the
//! statements that change tables, columns, indexes and triggers, and skips
//! everything else. Names in any quoting (`"t"`, `` `t` ``, `[t]`) and any
//! case come back lower-cased; a name built at run time (`{table}` from an
//! f-string or `.format`) comes back as `Ident::Unresolved`.

use std::borrow::Cow;

use super::types::{DefaultValue, TypeClass};
use super::{ColumnChanges, ColumnDef, Constraint, ForeignKey, Ident, SchemaOp, TriggerDef};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'s> {
    /// A bare word: keyword, identifier or number.
    Word(&'s str),
    /// A quoted identifier, doubled quotes decoded (`"say ""hi"""`).
    Quoted(Cow<'s, str>),
    /// A string literal `'...'`: its text as written (`''` not yet decoded).
    Str(&'s str),
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
                let inner_end = i.min(bytes.len());
                i = (i + 1).min(bytes.len());
                Some(Token::Str(&sql[start + 1..inner_end]))
            }
            open @ (b'"' | b'`' | b'[') => {
                let close = if open == b'[' { b']' } else { open };
                // A doubled closing quote inside `"..."` or `` `...` `` is
                // one quote of the name.
                let mut j = i + 1;
                let mut doubled = false;
                while j < bytes.len() {
                    if bytes[j] == close {
                        if open != b'[' && bytes.get(j + 1) == Some(&close) {
                            doubled = true;
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j += 1;
                }
                let inner = &sql[start + 1..j.min(bytes.len())];
                i = (j + 1).min(bytes.len());
                let q = close as char;
                Some(Token::Quoted(if doubled {
                    Cow::Owned(inner.replace(&format!("{q}{q}"), &q.to_string()))
                } else {
                    Cow::Borrowed(inner)
                }))
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
            Token::Placeholder(p) => Ident::Unresolved((*p).into()),
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

/// The text of tokens in one normal spelling: words lower-cased, quotes of
/// names dropped, one space between words and none around punctuation, so
/// `lower( "Name" )` and `LOWER(name)` read the same.
fn fragment(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    let mut last_word = false;
    for token in tokens {
        let (text, word) = match token {
            Token::Word(w) => (w.to_lowercase(), true),
            Token::Quoted(q) => (q.to_lowercase(), true),
            Token::Str(s) => (format!("'{s}'"), true),
            Token::Placeholder(p) => (format!("{{{p}}}"), true),
            Token::Punct(c) => ((*c as char).to_string(), false),
        };
        if word && last_word {
            out.push(' ');
        }
        out.push_str(&text);
        last_word = word;
    }
    out
}

/// The tokens of one balanced group from a `(` at `c.at`, the parentheses
/// excluded; the cursor ends past the `)`.
fn group<'t, 's>(c: &mut Cursor<'t, 's>) -> &'t [Token<'s>] {
    let start = c.at + 1;
    let mut depth = 0usize;
    while let Some(token) = c.peek() {
        c.at += 1;
        match token {
            Token::Punct(b'(') => depth += 1,
            Token::Punct(b')') => {
                depth -= 1;
                if depth == 0 {
                    return &c.tokens[start..c.at - 1];
                }
            }
            _ => {}
        }
    }
    &c.tokens[start.min(c.tokens.len())..]
}

/// A parenthesised list of names: `(a, "B")`.
fn name_list(c: &mut Cursor<'_, '_>) -> Vec<String> {
    c.paren_items()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| match item.first() {
            Some(Token::Word(w)) => Some(w.to_lowercase()),
            Some(Token::Quoted(q)) => Some(q.to_lowercase()),
            _ => None,
        })
        .collect()
}

/// A number the tokenizer split at its `.`: `1`, `.`, `50`.
fn number_rest(c: &mut Cursor<'_, '_>, whole: &str) -> String {
    let mut text = whole.to_string();
    if whole.starts_with(|ch: char| ch.is_ascii_digit()) && c.peek() == Some(&Token::Punct(b'.')) {
        if let Some(Token::Word(fraction)) = c.tokens.get(c.at + 1) {
            text.push('.');
            text.push_str(fraction);
            c.at += 2;
        }
    }
    text
}

/// `DEFAULT <value>`: the cursor past `DEFAULT`.
fn default_value(c: &mut Cursor<'_, '_>) -> Option<DefaultValue> {
    let value = match c.peek()? {
        Token::Str(s) => {
            c.at += 1;
            format!("'{s}'")
        }
        Token::Punct(sign @ (b'-' | b'+')) => {
            c.at += 1;
            match c.peek() {
                Some(Token::Word(w)) => {
                    c.at += 1;
                    format!("{}{}", *sign as char, number_rest(c, w))
                }
                _ => return None,
            }
        }
        Token::Word(w) => {
            c.at += 1;
            // `now()`, `CURRENT_TIMESTAMP`
            if c.peek() == Some(&Token::Punct(b'(')) {
                let inner = group(c);
                format!("{w}({})", fragment(inner))
            } else {
                number_rest(c, w)
            }
        }
        Token::Punct(b'(') => format!("({})", fragment(group(c))),
        Token::Placeholder(p) => {
            let p = format!("{{{p}}}");
            c.at += 1;
            p
        }
        _ => return None,
    };
    DefaultValue::from_sql(&value)
}

/// `REFERENCES t (c) ON DELETE ... ON UPDATE ...`: the cursor past
/// `REFERENCES`.
fn references(c: &mut Cursor<'_, '_>) -> Option<ForeignKey> {
    let table = c.name()?;
    let columns = if c.peek() == Some(&Token::Punct(b'(')) {
        name_list(c)
    } else {
        Vec::new()
    };
    let mut fk = ForeignKey {
        table,
        columns,
        on_delete: None,
        on_update: None,
    };
    loop {
        if c.eat_kws(&["ON", "DELETE"]) {
            fk.on_delete = fk_action(c);
        } else if c.eat_kws(&["ON", "UPDATE"]) {
            fk.on_update = fk_action(c);
        } else if c.eat_kw("MATCH") {
            c.at += 1;
        } else {
            break;
        }
    }
    Some(fk)
}

fn fk_action(c: &mut Cursor<'_, '_>) -> Option<String> {
    for words in [
        &["SET", "NULL"][..],
        &["SET", "DEFAULT"],
        &["NO", "ACTION"],
        &["CASCADE"],
        &["RESTRICT"],
    ] {
        if c.eat_kws(words) {
            return Some(words.join(" "));
        }
    }
    None
}

fn column_def(tokens: &[Token<'_>]) -> Option<ColumnDef> {
    let mut c = Cursor { tokens, at: 0 };
    if TABLE_CONSTRAINTS.iter().any(|k| c.peek_kw(k)) {
        return None;
    }
    let name = c.name()?;
    let mut type_words = Vec::new();
    while let Some(Token::Word(w)) = c.peek() {
        if CONSTRAINT_WORDS.iter().any(|k| w.eq_ignore_ascii_case(k)) {
            break;
        }
        type_words.push(w.to_ascii_uppercase());
        c.at += 1;
        // `VARCHAR(20)`, `NUMERIC(10, 2)`: the size is not the type.
        if c.peek() == Some(&Token::Punct(b'(')) {
            group(&mut c);
        }
    }
    let mut def = ColumnDef::new(name, type_words.join(" "));
    while c.peek().is_some() {
        if c.eat_kws(&["PRIMARY", "KEY"]) {
            def.primary_key = true;
        } else if c.eat_kws(&["NOT", "NULL"]) {
            def.not_null = true;
        } else if c.eat_kw("UNIQUE") {
            def.unique = true;
        } else if c.eat_kw("DEFAULT") {
            def.default = default_value(&mut c);
        } else if c.eat_kw("REFERENCES") {
            def.foreign_key = references(&mut c).map(Box::new);
        } else if c.eat_kw("CONSTRAINT") {
            let _ = c.name();
        } else if c.peek() == Some(&Token::Punct(b'(')) {
            // `CHECK (...)`, `GENERATED ... AS (...)`: nothing compared.
            group(&mut c);
        } else {
            c.at += 1;
        }
    }
    Some(def)
}

/// A table constraint clause (`[CONSTRAINT n] PRIMARY KEY (..)`, `UNIQUE
/// (..)`, `FOREIGN KEY (..) REFERENCES ..`), from its first token.
fn table_constraint(c: &mut Cursor<'_, '_>) -> Option<Constraint> {
    let name = if c.eat_kw("CONSTRAINT") {
        c.name()
    } else {
        None
    };
    if c.eat_kws(&["PRIMARY", "KEY"]) {
        return Some(Constraint::PrimaryKey {
            name,
            columns: name_list(c),
        });
    }
    if c.eat_kw("UNIQUE") {
        return Some(Constraint::Unique {
            name,
            columns: name_list(c),
        });
    }
    if c.eat_kws(&["FOREIGN", "KEY"]) {
        let columns = name_list(c);
        if !c.eat_kw("REFERENCES") {
            return None;
        }
        return Some(Constraint::ForeignKey {
            name,
            columns,
            target: references(c)?,
        });
    }
    None
}

/// An index's column or expression, normalised; an `ASC` (the default) is
/// dropped.
fn index_column(item: &[Token<'_>]) -> Option<String> {
    let text = fragment(item);
    let text = text.strip_suffix(" asc").unwrap_or(&text).to_string();
    (!text.is_empty()).then_some(text)
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
    if !may_change_schema(sql) {
        return Vec::new();
    }
    let (tokens, lines) = tokenize(sql);
    let mut cursor = Cursor {
        tokens: &tokens,
        at: 0,
    };
    let mut ops = Vec::new();
    while cursor.peek().is_some() {
        let start = cursor.at;
        for op in statement(&mut cursor) {
            ops.push((lines[start], op));
        }
        if cursor.at == start {
            cursor.at += 1;
        }
    }
    ops
}

/// Whether `sql` holds a word a schema statement starts with (`CREATE`,
/// `ALTER`, `DROP`, in any ASCII case; see `statement_ops`): a bare word is
/// a slice of the text, so text without one states no change, and most
/// string literals of a migrations file (`UPDATE ...`, messages) are passed
/// over without being tokenized.
pub(crate) fn may_change_schema(sql: impl AsRef<[u8]>) -> bool {
    let bytes = sql.as_ref();
    bytes.iter().enumerate().any(|(at, &b)| {
        let word: &[u8] = match b | 0x20 {
            b'c' => b"create",
            b'a' => b"alter",
            b'd' => b"drop",
            _ => return false,
        };
        bytes
            .get(at..at + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    })
}

/// A normalised SQL fragment (an index expression or condition), as the
/// revisions' Python states it (`sa.text("lower(name)")`).
pub fn normalize_fragment(sql: &str) -> String {
    let (tokens, _) = tokenize(sql);
    fragment(&tokens)
}

/// A declared type as SQL spells it, for a type given as SQL text.
pub fn declared_type(sql: &str) -> (String, TypeClass) {
    let (tokens, _) = tokenize(sql);
    let words: Vec<String> = tokens
        .iter()
        .take_while(|t| matches!(t, Token::Word(_)))
        .map(|t| match t {
            Token::Word(w) => w.to_ascii_uppercase(),
            _ => String::new(),
        })
        .collect();
    let declared = words.join(" ");
    let class = TypeClass::from_sqlite(&declared);
    (declared, class)
}

fn statement(c: &mut Cursor<'_, '_>) -> Vec<SchemaOp> {
    statement_ops(c).unwrap_or_default()
}

fn statement_ops(c: &mut Cursor<'_, '_>) -> Option<Vec<SchemaOp>> {
    if c.eat_kw("CREATE") {
        let _ = c.eat_kw("TEMP") || c.eat_kw("TEMPORARY");
        let unique = c.eat_kw("UNIQUE");
        if !unique && c.eat_kw("TABLE") {
            let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let table = c.name()?;
            let mut columns = Vec::new();
            let mut constraints = Vec::new();
            if c.peek() == Some(&Token::Punct(b'(')) {
                for item in c.paren_items()? {
                    let mut item_cursor = Cursor {
                        tokens: item,
                        at: 0,
                    };
                    if TABLE_CONSTRAINTS.iter().any(|k| item_cursor.peek_kw(k)) {
                        constraints.extend(table_constraint(&mut item_cursor));
                    } else if let Some(column) = column_def(item) {
                        columns.push(column);
                    }
                }
            }
            let mut ops = vec![SchemaOp::CreateTable {
                table: table.clone(),
                columns,
            }];
            ops.extend(
                constraints
                    .into_iter()
                    .map(|constraint| SchemaOp::AddConstraint {
                        table: table.clone(),
                        constraint,
                    }),
            );
            return Some(ops);
        }
        if c.eat_kw("INDEX") {
            let _ = c.eat_kw("CONCURRENTLY");
            let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let index = c.name()?;
            if !c.eat_kw("ON") {
                return None;
            }
            let _ = c.eat_kw("ONLY");
            let table = c.name()?;
            if c.eat_kw("USING") {
                c.at += 1;
            }
            let columns = c
                .paren_items()
                .map(|items| items.into_iter().filter_map(index_column).collect())
                .unwrap_or_default();
            let where_clause = if c.eat_kw("WHERE") {
                let end = statement_end(c);
                let text = fragment(&c.tokens[c.at..end]);
                c.at = end;
                Some(text)
            } else {
                None
            };
            return Some(vec![SchemaOp::CreateIndex {
                index,
                table,
                columns,
                unique,
                where_clause,
            }]);
        }
        if !unique && c.eat_kw("TRIGGER") {
            let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
            let trigger = c.name()?;
            // The table follows the first ON of the trigger's head.
            let head = c.at;
            while let Some(token) = c.peek() {
                if token.is_kw("ON") || token.is_kw("BEGIN") {
                    break;
                }
                c.at += 1;
            }
            let head = &c.tokens[head..c.at];
            if !c.eat_kw("ON") {
                return None;
            }
            let table = c.name()?;
            let definition = trigger_definition(c, head);
            return Some(vec![SchemaOp::CreateTrigger {
                trigger,
                table,
                definition,
            }]);
        }
        return None;
    }
    if c.eat_kws(&["ALTER", "TABLE"]) {
        let _ = c.eat_kws(&["IF", "EXISTS"]);
        let _ = c.eat_kw("ONLY");
        let table = c.name()?;
        let mut ops = Vec::new();
        // PostgreSQL takes several actions, comma-separated.
        while let Some(op) = alter_action(c, &table) {
            ops.push(op);
            if !c.eat_punct(b',') {
                break;
            }
        }
        return Some(ops);
    }
    if c.eat_kw("DROP") {
        let kind = if c.eat_kw("TABLE") {
            0
        } else if c.eat_kw("INDEX") {
            let _ = c.eat_kw("CONCURRENTLY");
            1
        } else if c.eat_kw("TRIGGER") {
            2
        } else {
            return None;
        };
        let _ = c.eat_kws(&["IF", "EXISTS"]);
        let name = c.name()?;
        return Some(vec![match kind {
            0 => SchemaOp::DropTable { table: name },
            1 => SchemaOp::DropIndex { index: name },
            _ => SchemaOp::DropTrigger { trigger: name },
        }]);
    }
    None
}

/// SQL text of tokens as written (case kept, names quoted again), spaced
/// so that it reads and runs: `NEW.id = 1`, `lower(title)`.
fn sql_text(tokens: &[Token<'_>]) -> String {
    let mut out = String::new();
    let mut glue = true;
    for token in tokens {
        let (text, tight_before, tight_after) = match token {
            Token::Word(w) => (w.to_string(), false, false),
            Token::Quoted(q) => (format!("\"{}\"", q.replace('"', "\"\"")), false, false),
            Token::Str(s) => (format!("'{s}'"), false, false),
            Token::Placeholder(p) => (format!("{{{p}}}"), false, false),
            Token::Punct(c @ (b',' | b')' | b';')) => ((*c as char).to_string(), true, false),
            Token::Punct(b'.') => (".".to_string(), true, true),
            Token::Punct(b'(') => ("(".to_string(), false, true),
            Token::Punct(c) => ((*c as char).to_string(), false, false),
        };
        // A call's parenthesis follows its name: `lower(`; the two halves
        // of an operator stay together: `<>`, `||`.
        let call = *token == Token::Punct(b'(')
            && out.ends_with(|ch: char| ch.is_alphanumeric() || ch == '_' || ch == '"');
        let operator = match (out.chars().last(), token) {
            (Some(a), Token::Punct(b)) => ["<>", "<=", ">=", "!=", "==", "||", "->", "<<", ">>"]
                .contains(&format!("{a}{}", *b as char).as_str()),
            _ => false,
        };
        if !glue && !tight_before && !call && !operator {
            out.push(' ');
        }
        out.push_str(&text);
        glue = tight_after;
    }
    out
}

/// What follows `CREATE TRIGGER name <head> ON table`: SQLite's `[FOR EACH
/// ROW] [WHEN cond] BEGIN stmt; ... END` as a definition, the cursor past
/// its `END`; PostgreSQL's `... EXECUTE FUNCTION f()` gives none.
fn trigger_definition(c: &mut Cursor<'_, '_>, head: &[Token<'_>]) -> Option<TriggerDef> {
    let mut h = Cursor {
        tokens: head,
        at: 0,
    };
    let timing = if h.eat_kw("BEFORE") {
        "BEFORE"
    } else if h.eat_kw("AFTER") {
        "AFTER"
    } else if h.eat_kws(&["INSTEAD", "OF"]) {
        "INSTEAD OF"
    } else {
        "BEFORE"
    };
    let event = sql_text(&head[h.at..]);
    let _ = c.eat_kws(&["FOR", "EACH", "ROW"]);
    let mut when = None;
    if c.eat_kw("WHEN") {
        let start = c.at;
        while let Some(token) = c.peek() {
            if token.is_kw("BEGIN") || token.is_kw("EXECUTE") || *token == Token::Punct(b';') {
                break;
            }
            c.at += 1;
        }
        when = Some(sql_text(&c.tokens[start..c.at]));
    }
    if !c.eat_kw("BEGIN") {
        return None;
    }
    // Statements up to the END that starts one (a CASE's END never does).
    let mut body = Vec::new();
    let mut start = c.at;
    let mut depth = 0usize;
    while let Some(token) = c.peek() {
        match token {
            t if t.is_kw("END") && c.at == start => {
                c.at += 1;
                break;
            }
            Token::Punct(b'(') => depth += 1,
            Token::Punct(b')') => depth = depth.saturating_sub(1),
            Token::Punct(b';') if depth == 0 => {
                body.push(sql_text(&c.tokens[start..c.at]));
                start = c.at + 1;
            }
            _ => {}
        }
        c.at += 1;
    }
    Some(TriggerDef {
        timing: timing.to_string(),
        event,
        when,
        body,
    })
}

/// One action of `ALTER TABLE t ...`.
fn alter_action(c: &mut Cursor<'_, '_>, table: &Ident) -> Option<SchemaOp> {
    let table = table.clone();
    if c.eat_kw("ADD") {
        if TABLE_CONSTRAINTS.iter().any(|k| c.peek_kw(k)) {
            let constraint = table_constraint(c)?;
            return Some(SchemaOp::AddConstraint { table, constraint });
        }
        let _ = c.eat_kw("COLUMN");
        let _ = c.eat_kws(&["IF", "NOT", "EXISTS"]);
        let end = item_end(c);
        let column = column_def(&c.tokens[c.at..end])?;
        c.at = end;
        return Some(SchemaOp::AddColumn { table, column });
    }
    if c.eat_kw("DROP") {
        if c.eat_kw("CONSTRAINT") {
            let _ = c.eat_kws(&["IF", "EXISTS"]);
            let name = c.name()?;
            return Some(SchemaOp::DropConstraint {
                table,
                name,
                kind: None,
            });
        }
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
    if c.eat_kw("ALTER") {
        // PostgreSQL's `ALTER [COLUMN] c SET NOT NULL | DROP NOT NULL |
        // SET DEFAULT v | DROP DEFAULT | [SET DATA] TYPE t`.
        let _ = c.eat_kw("COLUMN");
        let column = c.name()?;
        let mut changes = ColumnChanges::default();
        if c.eat_kws(&["SET", "NOT", "NULL"]) {
            changes.not_null = Some(true);
        } else if c.eat_kws(&["DROP", "NOT", "NULL"]) {
            changes.not_null = Some(false);
        } else if c.eat_kws(&["SET", "DEFAULT"]) {
            changes.default = Some(default_value(c));
        } else if c.eat_kws(&["DROP", "DEFAULT"]) {
            changes.default = Some(None);
        } else if c.eat_kws(&["SET", "DATA", "TYPE"]) || c.eat_kw("TYPE") {
            let end = item_end(c);
            let mut words = Vec::new();
            while c.at < end {
                match c.peek() {
                    Some(Token::Word(w)) if !w.eq_ignore_ascii_case("USING") => {
                        words.push(w.to_ascii_uppercase());
                        c.at += 1;
                    }
                    Some(Token::Punct(b'(')) => {
                        group(c);
                    }
                    _ => break,
                }
            }
            c.at = end;
            let declared = words.join(" ");
            changes.sql_type = Some((declared.clone(), TypeClass::from_sqlite(&declared)));
        } else {
            return None;
        }
        return Some(SchemaOp::AlterColumn {
            table,
            column,
            changes,
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

/// The index of the `,` (outside parentheses) or `;` that ends the current
/// action of an `ALTER TABLE`, or the end.
fn item_end(c: &Cursor<'_, '_>) -> usize {
    let mut depth = 0usize;
    for (i, token) in c.tokens[c.at..].iter().enumerate() {
        match token {
            Token::Punct(b'(') => depth += 1,
            Token::Punct(b')') => depth = depth.saturating_sub(1),
            Token::Punct(b',') | Token::Punct(b';') if depth == 0 => return c.at + i,
            _ => {}
        }
    }
    c.tokens.len()
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
    fn the_statement_words_are_found_in_any_case_and_anywhere() {
        for sql in [
            "create table t (a INT)",
            "UPDATE x SET y = 1; Alter Table t ADD COLUMN b TEXT",
            "dRoP INDEX ix",
            "\n\n  CREATE UNIQUE INDEX ix ON t (a)",
        ] {
            assert!(may_change_schema(sql), "{sql}");
            assert!(!extract_sql(sql).is_empty(), "{sql}");
        }
        for sql in [
            "UPDATE agents SET score = 1",
            "INSERT INTO t VALUES (1)",
            "",
            "cre",
        ] {
            assert!(!may_change_schema(sql), "{sql}");
            assert_eq!(extract_sql(sql), Vec::new(), "{sql}");
        }
    }

    #[test]
    fn create_table_with_columns_and_constraints() {
        let ops = extract_sql(
            r#"CREATE TABLE IF NOT EXISTS "Notes" (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                [agent_id] INTEGER NOT NULL REFERENCES agents(id) ON DELETE SET NULL ON UPDATE CASCADE,
                `body` TEXT DEFAULT '' CHECK (body IS NOT NULL),
                created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
                price NUMERIC(10, 2) DEFAULT -1.50,
                code VARCHAR(8) CONSTRAINT uq_code UNIQUE,
                UNIQUE (agent_id, body),
                CONSTRAINT fk_x FOREIGN KEY (agent_id, code) REFERENCES agents(id, code) ON DELETE CASCADE
            );"#,
        );
        let agents = |columns: &[&str], on_delete: &str, on_update: Option<&str>| ForeignKey {
            table: k("agents"),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            on_delete: Some(on_delete.into()),
            on_update: on_update.map(str::to_string),
        };
        assert_eq!(
            ops,
            vec![
                SchemaOp::CreateTable {
                    table: k("notes"),
                    columns: vec![
                        ColumnDef {
                            primary_key: true,
                            ..col("id", "INTEGER")
                        },
                        ColumnDef {
                            not_null: true,
                            foreign_key: Some(Box::new(agents(
                                &["id"],
                                "SET NULL",
                                Some("CASCADE")
                            ))),
                            ..col("agent_id", "INTEGER")
                        },
                        ColumnDef {
                            default: Some(DefaultValue::literal("")),
                            ..col("body", "TEXT")
                        },
                        ColumnDef {
                            default: Some(DefaultValue::Literal("CURRENT_TIMESTAMP".into())),
                            ..col("created_at", "TIMESTAMP")
                        },
                        ColumnDef {
                            default: Some(DefaultValue::literal("-1.50")),
                            ..col("price", "NUMERIC")
                        },
                        ColumnDef {
                            unique: true,
                            ..col("code", "VARCHAR")
                        },
                    ],
                },
                SchemaOp::AddConstraint {
                    table: k("notes"),
                    constraint: Constraint::Unique {
                        name: None,
                        columns: vec!["agent_id".into(), "body".into()]
                    }
                },
                SchemaOp::AddConstraint {
                    table: k("notes"),
                    constraint: Constraint::ForeignKey {
                        name: Some(k("fk_x")),
                        columns: vec!["agent_id".into(), "code".into()],
                        target: agents(&["id", "code"], "CASCADE", None),
                    }
                },
            ]
        );
    }

    #[test]
    fn doubled_quotes_in_names_decode() {
        let ops = extract_sql(r#"ALTER TABLE "say ""hi""" ADD COLUMN `a``b` TEXT"#);
        assert_eq!(
            ops,
            vec![SchemaOp::AddColumn {
                table: k("say \"hi\""),
                column: col("a`b", "TEXT"),
            }]
        );
    }

    #[test]
    fn postgresql_alter_forms_for_revisions() {
        let ops = extract_sql(
            "ALTER TABLE ONLY tasks ALTER COLUMN a SET NOT NULL, ALTER b DROP NOT NULL,
                 ALTER COLUMN c SET DEFAULT 'x', ALTER COLUMN d DROP DEFAULT,
                 ALTER COLUMN e TYPE varchar(20) USING e::text;
             ALTER TABLE tasks ADD CONSTRAINT uq_t UNIQUE (a, b), DROP CONSTRAINT fk_old;",
        );
        let alter = |column: &str, changes: ColumnChanges| SchemaOp::AlterColumn {
            table: k("tasks"),
            column: k(column),
            changes,
        };
        assert_eq!(
            ops,
            vec![
                alter(
                    "a",
                    ColumnChanges {
                        not_null: Some(true),
                        ..Default::default()
                    }
                ),
                alter(
                    "b",
                    ColumnChanges {
                        not_null: Some(false),
                        ..Default::default()
                    }
                ),
                alter(
                    "c",
                    ColumnChanges {
                        default: Some(Some(DefaultValue::literal("x"))),
                        ..Default::default()
                    }
                ),
                alter(
                    "d",
                    ColumnChanges {
                        default: Some(None),
                        ..Default::default()
                    }
                ),
                alter(
                    "e",
                    ColumnChanges {
                        sql_type: Some(("VARCHAR".into(), TypeClass::Text)),
                        ..Default::default()
                    }
                ),
                SchemaOp::AddConstraint {
                    table: k("tasks"),
                    constraint: Constraint::Unique {
                        name: Some(k("uq_t")),
                        columns: vec!["a".into(), "b".into()]
                    }
                },
                SchemaOp::DropConstraint {
                    table: k("tasks"),
                    name: k("fk_old"),
                    kind: None
                },
            ]
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
                        default: Some(DefaultValue::literal("")),
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
    fn a_trigger_keeps_its_definition_and_its_body_is_no_statement() {
        let ops = extract_sql(
            "CREATE TRIGGER trg_touch BEFORE DELETE ON \"Tasks\" FOR EACH ROW
               WHEN OLD.status <> 'done'
             BEGIN
               SELECT CASE WHEN OLD.id IS NULL THEN RAISE(ABORT, 'no id') END;
               INSERT INTO log (task_id, note) VALUES (OLD.id, lower(OLD.title));
             END;
             CREATE TRIGGER t2 AFTER INSERT ON tasks BEGIN SELECT 1; END;
             CREATE TRIGGER pg AFTER UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION touch();
             DROP TABLE legacy",
        );
        assert_eq!(
            ops,
            vec![
                SchemaOp::CreateTrigger {
                    trigger: k("trg_touch"),
                    table: k("tasks"),
                    definition: Some(TriggerDef {
                        timing: "BEFORE".into(),
                        event: "DELETE".into(),
                        when: Some("OLD.status <> 'done'".into()),
                        body: vec![
                            "SELECT CASE WHEN OLD.id IS NULL THEN RAISE(ABORT, 'no id') END".into(),
                            "INSERT INTO log(task_id, note) VALUES(OLD.id, lower(OLD.title))"
                                .into(),
                        ],
                    }),
                },
                SchemaOp::CreateTrigger {
                    trigger: k("t2"),
                    table: k("tasks"),
                    definition: Some(TriggerDef {
                        timing: "AFTER".into(),
                        event: "INSERT".into(),
                        when: None,
                        body: vec!["SELECT 1".into()],
                    }),
                },
                SchemaOp::CreateTrigger {
                    trigger: k("pg"),
                    table: k("tasks"),
                    definition: None,
                },
                SchemaOp::DropTable { table: k("legacy") },
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
                    unique: true,
                    where_clause: None,
                },
                SchemaOp::CreateIndex {
                    index: k("ix_b"),
                    table: k("agents"),
                    columns: vec!["created_at desc".into()],
                    unique: false,
                    where_clause: None,
                },
                SchemaOp::CreateTrigger {
                    trigger: k("trg"),
                    table: k("agents"),
                    definition: Some(TriggerDef {
                        timing: "AFTER".into(),
                        event: "UPDATE OF name".into(),
                        when: None,
                        body: vec!["UPDATE x SET y = 1".into()],
                    }),
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
