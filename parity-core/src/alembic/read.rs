//! A revision file and env.py, read statically through the lexer's tokens.
//!
//! A revision's identifiers are the module-level assignments Alembic reads
//! as attributes of the imported module: `revision`, `down_revision`,
//! `branch_labels`, `depends_on`, plain (`revision = "ab12"`) or annotated
//! (`down_revision: Union[str, None] = None`). Only a statement that starts a
//! line at column 0 is module-level; the last assignment wins, as in Python.
//! A value is read when it is a literal: a string (implicitly concatenated
//! literals joined, parentheses allowed), `None`, or a tuple or list of
//! strings (with or without brackets). Anything else (a name, a call, an
//! f-string, bytes) cannot be read statically and is reported as such.

use std::fmt;
use std::ops::Range;

use crate::classify::{LexError, PythonFile, Token, TokenKind};
use crate::path::PathBytes;

use super::sql::{altered_version_columns, created_version_columns, Width};

/// The four identifiers Alembic reads from a revision module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Variable {
    Revision,
    DownRevision,
    BranchLabels,
    DependsOn,
}

impl Variable {
    pub fn name(self) -> &'static str {
        match self {
            Variable::Revision => "revision",
            Variable::DownRevision => "down_revision",
            Variable::BranchLabels => "branch_labels",
            Variable::DependsOn => "depends_on",
        }
    }

    fn from_name(name: &[u8]) -> Option<Variable> {
        [
            Variable::Revision,
            Variable::DownRevision,
            Variable::BranchLabels,
            Variable::DependsOn,
        ]
        .into_iter()
        .find(|v| v.name().as_bytes() == name)
    }
}

/// A statement of a revision's `upgrade()` (or, for env.py, of the file)
/// that gives a table's `version_num` column a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionColumnType {
    /// The table as PostgreSQL resolves it (`alembic_version` unless
    /// env.py configures another `version_table`).
    pub table: String,
    pub width: Width,
    pub line: u32,
}

/// A revision file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionFile {
    pub path: PathBytes,
    pub revision: String,
    /// The line of the `revision =` assignment (1 for an id Alembic takes
    /// from a legacy file name, `ab12cd.py`, when the file assigns none).
    pub revision_line: u32,
    /// What the revision revises; empty for a root (`None`, `()`, `[]`).
    pub down_revisions: Vec<String>,
    pub down_revision_line: u32,
    pub branch_labels: Vec<String>,
    /// `None` when the file assigns no `branch_labels`.
    pub branch_labels_line: Option<u32>,
    pub depends_on: Vec<String>,
    pub depends_on_line: Option<u32>,
    /// The statements of `upgrade()` that type a `version_num` column
    /// (`op.alter_column(<t>, "version_num", type_=...)`, or SQL in a string
    /// literal: `ALTER TABLE <t> ALTER COLUMN version_num TYPE ...`), in
    /// source order. `downgrade()` is not read.
    pub version_column_types: Vec<VersionColumnType>,
}

impl RevisionFile {
    /// The width this revision's `upgrade()` leaves `table.version_num` at,
    /// if it changes it (its last such statement).
    pub fn version_width(&self, table: &str) -> Option<&VersionColumnType> {
        self.version_column_types
            .iter()
            .rev()
            .find(|t| t.table == table)
    }
}

/// Why a file cannot be read as a revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadProblem {
    /// The lexer cannot read the file (Python would not compile it).
    Lex(LexError),
    /// No module-level `revision` assignment (Alembic: "Could not determine
    /// revision id from filename").
    NoRevision,
    /// No module-level `down_revision` assignment (Alembic reads the
    /// attribute unconditionally).
    NoDownRevision,
    /// A value that is not a literal of the shape Alembic takes.
    NotLiteral(Variable),
}

/// A file that cannot be read as a revision, with the line to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub line: u32,
    pub problem: ReadProblem,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problem {
            ReadProblem::Lex(error) => write!(f, "{error}"),
            ReadProblem::NoRevision => {
                f.write_str("it assigns no module-level `revision = \"...\"`")
            }
            ReadProblem::NoDownRevision => {
                f.write_str("it assigns no module-level `down_revision`")
            }
            ReadProblem::NotLiteral(Variable::Revision) => write!(
                f,
                "`revision` on line {} is not a string literal",
                self.line
            ),
            ReadProblem::NotLiteral(variable) => write!(
                f,
                "`{}` on line {} is not a string, a tuple or list of strings, or None",
                variable.name(),
                self.line
            ),
        }
    }
}

/// Whether Alembic loads a file of this name as a revision: a `.py` file
/// whose name does not start with `__init__` or `.#`.
pub fn is_revision_file_name(file_name: &[u8]) -> bool {
    file_name.ends_with(b".py")
        && !file_name.starts_with(b"__init__")
        && !file_name.starts_with(b".#")
}

/// Reads a revision file. Never panics, whatever the bytes.
pub fn read_revision(path: &PathBytes, source: &[u8]) -> Result<RevisionFile, ReadError> {
    let file = PythonFile::lex(source).map_err(|error| ReadError {
        line: error.line,
        problem: ReadProblem::Lex(error),
    })?;
    let code = Code::new(&file);
    let mut found: [Option<(u32, Result<Value, ()>)>; 4] = Default::default();
    for (variable, line, value) in code.module_assignments() {
        found[variable as usize] = Some((line, value));
    }
    let [revision, down, labels, depends] = found;
    let not_literal = |variable, line| ReadError {
        line,
        problem: ReadProblem::NotLiteral(variable),
    };
    let (revision, revision_line) = match revision {
        Some((line, Ok(Value::Str(id)))) => (id, line),
        Some((line, _)) => return Err(not_literal(Variable::Revision, line)),
        None => match legacy_id(path.file_name()) {
            Some(id) => (id, 1),
            None => {
                return Err(ReadError {
                    line: 1,
                    problem: ReadProblem::NoRevision,
                })
            }
        },
    };
    let (down_revisions, down_revision_line) = match down {
        Some((line, Ok(value))) => (value.into_ids(), line),
        Some((line, Err(()))) => return Err(not_literal(Variable::DownRevision, line)),
        None => {
            return Err(ReadError {
                line: revision_line,
                problem: ReadProblem::NoDownRevision,
            })
        }
    };
    let optional = |variable, found: Option<(u32, Result<Value, ()>)>| match found {
        Some((line, Ok(value))) => Ok((value.into_ids(), Some(line))),
        Some((line, Err(()))) => Err(not_literal(variable, line)),
        None => Ok((Vec::new(), None)),
    };
    let (branch_labels, branch_labels_line) = optional(Variable::BranchLabels, labels)?;
    let (depends_on, depends_on_line) = optional(Variable::DependsOn, depends)?;
    Ok(RevisionFile {
        path: path.clone(),
        revision,
        revision_line,
        down_revisions,
        down_revision_line,
        branch_labels,
        branch_labels_line,
        depends_on,
        depends_on_line,
        version_column_types: code.upgrade_version_types(),
    })
}

/// Alembic's legacy rule: `ab12cd.py` (hex digits only) is revision `ab12cd`.
fn legacy_id(file_name: &[u8]) -> Option<String> {
    let stem = file_name.strip_suffix(b".py")?;
    (!stem.is_empty()
        && stem
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)))
    .then(|| String::from_utf8_lossy(stem).into_owned())
}

/// What env.py says about the version table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvSettings {
    /// `configure(version_table="...")`: the first literal one, and its line.
    pub version_table: Option<(String, u32)>,
    /// The lines of every `configure(..., version_table_column_type=...)`,
    /// an option Alembic does not have.
    pub ignored_column_type: Vec<u32>,
    /// `CREATE TABLE <t> (version_num <type> ...)` in any string literal
    /// that is not a docstring, in source order.
    pub creates: Vec<VersionColumnType>,
}

impl EnvSettings {
    /// The version table's name: the configured one, else Alembic's default.
    pub fn table(&self) -> &str {
        self.version_table
            .as_ref()
            .map_or(DEFAULT_VERSION_TABLE, |(name, _)| name.as_str())
    }
}

/// Alembic's version table, unless `configure(version_table=...)` says otherwise.
pub const DEFAULT_VERSION_TABLE: &str = "alembic_version";

/// Reads env.py. Never panics, whatever the bytes.
pub fn read_env(source: &[u8]) -> Result<EnvSettings, LexError> {
    let file = PythonFile::lex(source)?;
    let code = Code::new(&file);
    let mut settings = EnvSettings::default();
    for i in 0..code.order.len() {
        if !(code.is_name(i, "configure") && code.is_op(i + 1, "(")) {
            continue;
        }
        let Some(close) = code.closing(i + 1) else {
            continue;
        };
        for arg in code.args(i + 2..close) {
            match arg.keyword.as_deref() {
                Some("version_table_column_type") => {
                    settings.ignored_column_type.push(code.line(arg.keyword_at));
                }
                Some("version_table") if settings.version_table.is_none() => {
                    if let Ok(Value::Str(name)) = code.value(arg.value.clone(), 0) {
                        settings.version_table = Some((name, code.line(arg.keyword_at)));
                    }
                }
                _ => {}
            }
        }
    }
    settings.creates = code
        .sql_strings(0..file.tokens().len())
        .into_iter()
        .flat_map(|(_, line, sql)| {
            created_version_columns(&sql)
                .into_iter()
                .map(move |w| VersionColumnType {
                    table: w.table,
                    width: w.width,
                    line: line.saturating_add(w.line_offset),
                })
        })
        .collect();
    Ok(settings)
}

/// A literal value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    None,
    Str(String),
    Seq(Vec<String>),
}

impl Value {
    /// The ids as Alembic's `to_tuple` makes them.
    fn into_ids(self) -> Vec<String> {
        match self {
            Value::None => Vec::new(),
            Value::Str(id) => vec![id],
            Value::Seq(ids) => ids,
        }
    }
}

/// One argument of a call: its keyword, if any, and its value's tokens.
struct Arg {
    keyword: Option<String>,
    /// The keyword's token (or the value's first, for a positional one).
    keyword_at: usize,
    value: Range<usize>,
}

/// The significant tokens of a file (no comments, no line breaks inside
/// brackets), addressed by position in that list.
struct Code<'f, 'a> {
    file: &'f PythonFile<'a>,
    /// Indices into `file.tokens()`.
    order: Vec<usize>,
    /// The column a module-level statement starts at on line 1 (after a BOM).
    first_column: u32,
    /// For each position that opens a bracket, the position that closes it.
    closes: Vec<Option<usize>>,
}

/// Brackets around a value deeper than this are not read (no real revision
/// nests at all; the bound keeps the recursion shallow).
const MAX_VALUE_DEPTH: u32 = 16;

const COMPOUND: &[&str] = &[
    "if", "elif", "else", "for", "while", "with", "try", "except", "finally", "def", "class",
    "async",
];

impl<'f, 'a> Code<'f, 'a> {
    fn new(file: &'f PythonFile<'a>) -> Self {
        let order = file
            .tokens()
            .iter()
            .enumerate()
            .filter(|(_, t)| !matches!(t.kind, TokenKind::Comment | TokenKind::LineBreak))
            .map(|(i, _)| i)
            .collect();
        let first_column = if file.source().starts_with(b"\xef\xbb\xbf") {
            3
        } else {
            0
        };
        let mut code = Code {
            file,
            order,
            first_column,
            closes: Vec::new(),
        };
        code.closes = code.match_brackets();
        code
    }

    /// The closing position of every bracket, in one pass (a closer of
    /// another kind still closes, as a depth count would have it).
    fn match_brackets(&self) -> Vec<Option<usize>> {
        let mut closes = vec![None; self.order.len()];
        let mut open: Vec<usize> = Vec::new();
        for at in 0..self.order.len() {
            if ["(", "[", "{"].iter().any(|b| self.is_op(at, b)) {
                open.push(at);
            } else if [")", "]", "}"].iter().any(|b| self.is_op(at, b)) {
                if let Some(start) = open.pop() {
                    closes[start] = Some(at);
                }
            }
        }
        closes
    }

    fn token(&self, at: usize) -> Option<&'f Token> {
        self.order.get(at).map(|&i| &self.file.tokens()[i])
    }

    fn text(&self, at: usize) -> &'a [u8] {
        self.token(at).map_or(&[], |t| self.file.text(t))
    }

    fn line(&self, at: usize) -> u32 {
        self.token(at).map_or(1, |t| self.file.start(t).line)
    }

    fn is_op(&self, at: usize, op: &str) -> bool {
        self.token(at)
            .is_some_and(|t| t.is_operator(self.file.source(), op))
    }

    fn is_name(&self, at: usize, name: &str) -> bool {
        self.token(at)
            .is_some_and(|t| t.kind == TokenKind::Name && self.text(at) == name.as_bytes())
    }

    fn is_kind(&self, at: usize, kind: TokenKind) -> bool {
        self.token(at).is_some_and(|t| t.kind == kind)
    }

    /// Whether the token at `at` starts a module-level logical line.
    fn starts_module_line(&self, at: usize) -> bool {
        self.token(at).is_some_and(|t| {
            self.file.at_line_start(t) || {
                let p = self.file.start(t);
                p.line == 1 && p.column == self.first_column
            }
        })
    }

    /// The bracket that closes the one opened at `open`.
    fn closing(&self, open: usize) -> Option<usize> {
        self.closes.get(open).copied().flatten()
    }

    /// `range` split at `sep` outside brackets; `None` if a bracket inside
    /// it is unbalanced.
    fn split(&self, range: Range<usize>, sep: &str) -> Option<Vec<Range<usize>>> {
        let mut parts = Vec::new();
        let mut start = range.start;
        let mut at = range.start;
        while at < range.end {
            if ["(", "[", "{"].iter().any(|b| self.is_op(at, b)) {
                at = self.closing(at)?;
                if at >= range.end {
                    return None;
                }
            } else if self.is_op(at, sep) {
                parts.push(start..at);
                start = at + 1;
            }
            at += 1;
        }
        parts.push(start..range.end);
        Some(parts)
    }

    /// The logical lines, as ranges of positions (the `Newline` excluded).
    fn logical_lines(&self) -> Vec<Range<usize>> {
        let mut lines = Vec::new();
        let mut start = 0;
        for at in 0..self.order.len() {
            if self.is_kind(at, TokenKind::Newline) {
                if start < at {
                    lines.push(start..at);
                }
                start = at + 1;
            }
        }
        if start < self.order.len() {
            lines.push(start..self.order.len());
        }
        lines
    }

    /// Every module-level assignment to one of the four variables, in order:
    /// the variable, the line of its name, and its value if it is a literal.
    fn module_assignments(&self) -> Vec<(Variable, u32, Result<Value, ()>)> {
        let mut out = Vec::new();
        for line in self.logical_lines() {
            if !self.starts_module_line(line.start)
                || COMPOUND.iter().any(|k| self.is_name(line.start, k))
            {
                continue;
            }
            let Some(statements) = self.split(line.clone(), ";") else {
                // Unbalanced brackets: at most the first statement is whole.
                out.extend(self.assignment(line));
                continue;
            };
            for statement in statements {
                out.extend(self.assignment(statement));
            }
        }
        out
    }

    /// `name = value` or `name: annotation = value` for one of the variables.
    fn assignment(&self, statement: Range<usize>) -> Option<(Variable, u32, Result<Value, ()>)> {
        let at = statement.start;
        if !self.is_kind(at, TokenKind::Name) {
            return None;
        }
        let variable = Variable::from_name(self.text(at))?;
        let value_start = if self.is_op(at + 1, "=") {
            at + 2
        } else if self.is_op(at + 1, ":") {
            // The annotation runs to the first `=` outside brackets.
            let parts = self.split(at + 2..statement.end, "=")?;
            if parts.len() < 2 {
                return None; // an annotation without a value assigns nothing
            }
            parts[1].start
        } else {
            return None;
        };
        if value_start > statement.end {
            return None;
        }
        Some((
            variable,
            self.line(at),
            self.value(value_start..statement.end, 0),
        ))
    }

    /// A literal value: a string, `None`, or a tuple or list of strings.
    fn value(&self, range: Range<usize>, depth: u32) -> Result<Value, ()> {
        if range.is_empty() || depth > MAX_VALUE_DEPTH {
            return Err(());
        }
        if range.len() == 1 && self.is_name(range.start, "None") {
            return Ok(Value::None);
        }
        if let Some(s) = self.plain_strings(range.clone()) {
            return Ok(Value::Str(s));
        }
        let bracket = ["(", "["].into_iter().find(|b| self.is_op(range.start, b));
        if let Some(bracket) = bracket {
            if self.closing(range.start) == Some(range.end - 1) {
                let inner = range.start + 1..range.end - 1;
                if inner.is_empty() {
                    return Ok(Value::Seq(Vec::new()));
                }
                let parts = self.split(inner.clone(), ",").ok_or(())?;
                if bracket == "(" && parts.len() == 1 {
                    return self.value(inner, depth + 1); // parentheses around one value
                }
                return self.strings(parts, depth).map(Value::Seq);
            }
        }
        let parts = self.split(range, ",").ok_or(())?;
        if parts.len() > 1 {
            return self.strings(parts, depth).map(Value::Seq);
        }
        Err(())
    }

    /// The elements of a tuple or list, each a string; a trailing comma allowed.
    fn strings(&self, mut parts: Vec<Range<usize>>, depth: u32) -> Result<Vec<String>, ()> {
        if parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        parts
            .into_iter()
            .map(|part| match self.value(part, depth + 1) {
                Ok(Value::Str(s)) => Ok(s),
                _ => Err(()),
            })
            .collect()
    }

    /// The joined value of a run of plain (not bytes, f- or t-) string literals
    /// that fills `range`.
    fn plain_strings(&self, range: Range<usize>) -> Option<String> {
        let mut value = String::new();
        for at in range {
            let token = self.token(at)?;
            let literal = token.string()?;
            if literal.prefix.bytes || literal.prefix.has_fields() {
                return None;
            }
            value.push_str(&self.file.string_value(token)?);
        }
        Some(value)
    }

    /// A call's arguments, split at commas (a trailing one allowed). Empty
    /// when an argument is unpacked (`*args`, `**kw`): positions are unknown.
    fn args(&self, inner: Range<usize>) -> Vec<Arg> {
        let Some(mut parts) = self.split(inner, ",") else {
            return Vec::new();
        };
        if parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        let mut args = Vec::new();
        for part in parts {
            if part.is_empty() || self.is_op(part.start, "*") || self.is_op(part.start, "**") {
                return Vec::new();
            }
            if self.is_kind(part.start, TokenKind::Name) && self.is_op(part.start + 1, "=") {
                args.push(Arg {
                    keyword: Some(String::from_utf8_lossy(self.text(part.start)).into_owned()),
                    keyword_at: part.start,
                    value: part.start + 2..part.end,
                });
            } else {
                args.push(Arg {
                    keyword: None,
                    keyword_at: part.start,
                    value: part,
                });
            }
        }
        args
    }

    /// The positions of the body of the last module-level `def upgrade`.
    fn upgrade_body(&self) -> Option<Range<usize>> {
        let lines = self.logical_lines();
        let (index, def) = lines.iter().enumerate().rev().find(|(_, line)| {
            self.starts_module_line(line.start)
                && self.is_name(line.start, "def")
                && self.is_name(line.start + 1, "upgrade")
        })?;
        let end = lines[index + 1..]
            .iter()
            .find(|line| self.starts_module_line(line.start))
            .map_or(self.order.len(), |line| line.start);
        Some(def.start..end)
    }

    /// The statements of `upgrade()` that type a `version_num` column.
    fn upgrade_version_types(&self) -> Vec<VersionColumnType> {
        let Some(body) = self.upgrade_body() else {
            return Vec::new();
        };
        let mut found: Vec<(usize, VersionColumnType)> = Vec::new();
        for at in body.clone() {
            if let Some(t) = self.alter_column(at) {
                found.push((self.order[at], t));
            }
        }
        let full = self.order[body.start]
            ..self
                .order
                .get(body.end)
                .copied()
                .unwrap_or(self.file.tokens().len());
        for (first, line, sql) in self.sql_strings(full) {
            for w in altered_version_columns(&sql) {
                found.push((
                    first,
                    VersionColumnType {
                        table: w.table,
                        width: w.width,
                        line: line.saturating_add(w.line_offset),
                    },
                ));
            }
        }
        found.sort_by_key(|(token, _)| *token);
        found.into_iter().map(|(_, t)| t).collect()
    }

    /// `op.alter_column(<table>, "version_num", type_=<type>)` at `at`, with
    /// the table and column given by position or by keyword.
    fn alter_column(&self, at: usize) -> Option<VersionColumnType> {
        if !(self.is_name(at, "alter_column")
            && at >= 2
            && self.is_op(at - 1, ".")
            && self.is_name(at - 2, "op")
            && self.is_op(at + 1, "("))
        {
            return None;
        }
        let close = self.closing(at + 1)?;
        let args = self.args(at + 2..close);
        let positional: Vec<&Arg> = args.iter().filter(|a| a.keyword.is_none()).collect();
        let keyword = |name: &str| args.iter().find(|a| a.keyword.as_deref() == Some(name));
        let table = keyword("table_name").or_else(|| positional.first().copied())?;
        let column = keyword("column_name").or_else(|| positional.get(1).copied())?;
        let (Ok(Value::Str(table)), Ok(Value::Str(column))) = (
            self.value(table.value.clone(), 0),
            self.value(column.value.clone(), 0),
        ) else {
            return None;
        };
        if column != "version_num" {
            return None;
        }
        let width = self.sqlalchemy_width(keyword("type_")?.value.clone())?;
        Some(VersionColumnType {
            table,
            width,
            line: self.line(at),
        })
    }

    /// The width of a SQLAlchemy string type (`sa.String(64)`,
    /// `String(length=64)`, `postgresql.VARCHAR(64)`, `sa.Text()`, `sa.Text`);
    /// `None` for any other type, or a length that is not a literal.
    fn sqlalchemy_width(&self, range: Range<usize>) -> Option<Width> {
        if range.is_empty() {
            return None;
        }
        // A dotted name...
        let mut at = range.start;
        let mut last = self.text(at);
        if !self.is_kind(at, TokenKind::Name) {
            return None;
        }
        at += 1;
        while self.is_op(at, ".") && self.is_kind(at + 1, TokenKind::Name) && at + 1 < range.end {
            last = self.text(at + 1);
            at += 2;
        }
        // ...then nothing, or one call that ends the value.
        let length = if at == range.end {
            None
        } else {
            if !self.is_op(at, "(") || self.closing(at) != Some(range.end - 1) {
                return None;
            }
            let args = self.args(at + 1..range.end - 1);
            let length = args
                .iter()
                .find(|a| a.keyword.as_deref() == Some("length"))
                .or_else(|| args.first().filter(|a| a.keyword.is_none()));
            match length {
                None => None,
                Some(arg) if arg.value.len() == 1 && self.is_name(arg.value.start, "None") => None,
                Some(arg)
                    if arg.value.len() == 1 && self.is_kind(arg.value.start, TokenKind::Number) =>
                {
                    let digits =
                        String::from_utf8_lossy(self.text(arg.value.start)).replace('_', "");
                    Some(digits.parse::<usize>().ok()?)
                }
                Some(_) => return None,
            }
        };
        match last {
            b"String" | b"VARCHAR" | b"Unicode" | b"NVARCHAR" => {
                Some(length.map_or(Width::Unlimited, Width::Limit))
            }
            b"CHAR" | b"NCHAR" => Some(Width::Limit(length.unwrap_or(1))),
            b"Text" | b"TEXT" | b"UnicodeText" | b"CLOB" => Some(Width::Unlimited),
            _ => None,
        }
    }

    /// The non-docstring string groups whose first literal is among the
    /// file's tokens `full`: that literal's index, its line, the joined value.
    fn sql_strings(&self, full: Range<usize>) -> Vec<(usize, u32, String)> {
        self.file
            .string_groups()
            .into_iter()
            .filter(|g| !g.docstring && full.contains(&g.tokens[0]))
            .map(|g| (g.tokens[0], g.start.line, g.value))
            .collect()
    }
}
