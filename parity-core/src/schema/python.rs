//! Schema changes named by Python source, read through the lexer's tokens:
//! SQL in non-docstring string literals, SQLAlchemy `Table(`/`Column(`/`Index(`
//! metadata, and the `op.*` calls of an Alembic revision's `upgrade()`.
//! Comments and docstrings never name anything.

use std::cell::Cell;
use std::collections::HashMap;
use std::ops::Range;

use crate::classify::{Pos, PythonFile, StringRun, Token, TokenKind};

use super::sql::{extract_sql_lines, may_change_schema, normalize_fragment};
use super::types::{DefaultValue, TypeClass};
use super::{ColumnChanges, ColumnDef, Constraint, ForeignKey, Ident, SchemaOp};

/// An operation and the 1-based line of the file where it is stated.
pub type LineOp = (u32, SchemaOp);

/// SQL statements in the file's string literals (implicitly concatenated
/// literals joined), docstrings excluded, in the order they run:
///
/// - a module-level helper whose f-strings use its parameters
///   (`def _rebuild_table(cursor, table, columns)` running
///   `f"CREATE TABLE {table}_new ({columns})"`) states nothing where it is
///   defined: each call with literal arguments (`_rebuild_table(cursor,
///   "tasks", "...")`) runs its SQL with the parameters filled in, at the
///   line of the call; a parameter given at run time stays a `{name}`;
/// - when the file lists its migrations (`MIGRATIONS = [("name", _fn),
///   ...]`), the bodies of the listed functions run in the list's order,
///   after every other statement; otherwise file order.
pub fn sql_ops(file: &PythonFile<'_>) -> Vec<LineOp> {
    let mut ops = Vec::new();
    each_sql_op(file, &mut |op| ops.push(op));
    ops
}

/// [`sql_ops`], each operation handed to `apply` as it is read, in the
/// order they run: what is sorted is the literals and calls that state
/// them, so a file of a million statements is never a million operations
/// held at once.
pub fn each_sql_op(file: &PythonFile<'_>, apply: &mut dyn FnMut(LineOp)) {
    let calls = Calls::new(file);
    let functions = module_functions(&calls);
    let position = |token_index: usize| calls.position(token_index);
    let has_fields = |run: &StringRun| {
        file.run_literals(run).any(|t| {
            file.tokens()[t]
                .string()
                .is_some_and(|s| s.prefix.has_fields())
        })
    };
    // Only a group that may state SQL, or may be a helper's template, is
    // decoded (most literals of a migrations file are neither), and only
    // when it is read (`Group::value`): a file can hold a million of them.
    let groups: Vec<Group> = file
        .string_runs()
        .into_iter()
        .filter(|run| !run.docstring)
        .filter_map(|run| {
            let at = position(run.first)?;
            let fields = has_fields(&run);
            let sql = !matches!(file.run_verbatim(&run), Some(bytes) if !may_change_schema(bytes));
            Some(Group::new(at, &run, fields, sql))
        })
        .collect();
    // The module-level function whose body holds a token: the bodies are
    // disjoint and in file order.
    let enclosing = |at: usize| -> Option<usize> {
        let i = functions.partition_point(|f| f.body.start <= at);
        (i > 0 && functions[i - 1].body.contains(&at)).then(|| i - 1)
    };
    // Helpers: functions whose f-strings name a parameter and that are
    // called somewhere in the file.
    let mut is_template = vec![false; functions.len()];
    for group in &groups {
        let Some(f) = enclosing(group.at()) else {
            continue;
        };
        let Some(value) = group.value(file).filter(|_| group.fields) else {
            continue;
        };
        if !is_template[f]
            && functions[f]
                .params(&calls)
                .iter()
                .any(|p| value.contains(&format!("{{{p}}}")))
        {
            is_template[f] = true;
        }
    }
    let mut template_of: HashMap<&[u8], Vec<usize>> = HashMap::new();
    for (i, f) in functions.iter().enumerate() {
        if is_template[i] {
            template_of.entry(f.name.as_bytes()).or_default().push(i);
        }
    }
    let mut sites: Vec<Vec<usize>> = vec![Vec::new(); functions.len()];
    if !template_of.is_empty() {
        for at in 0..calls.len() {
            let called = calls
                .token(at)
                .filter(|t| t.kind == TokenKind::Name)
                .and_then(|_| template_of.get(calls.text(at)));
            if let Some(defined) = called {
                if calls.is_op(at + 1, "(")
                    && !calls.is_name(at.wrapping_sub(1), "def")
                    && !calls.is_op(at.wrapping_sub(1), ".")
                {
                    for &f in defined {
                        sites[f].push(at);
                    }
                }
            }
        }
    }
    let templates: Vec<(&FunctionDef, &[usize])> = functions
        .iter()
        .zip(&sites)
        .filter(|(_, sites)| !sites.is_empty())
        .map(|(f, sites)| (f, sites.as_slice()))
        .collect();
    let order = migrations_order(&calls);
    let mut rank: HashMap<&str, usize> = HashMap::new();
    for (i, name) in order.iter().enumerate() {
        rank.entry(name.as_str()).or_insert(i);
    }
    // The order an operation runs in: its function's place in MIGRATIONS
    // (0 outside it, else the rank plus one), then where it is called, then
    // the order it was read in. A lexed file is under 4 GiB, so its token
    // places fit in 32 bits.
    let key = |at: usize| -> (u32, u32) {
        let rank = enclosing(at)
            .and_then(|f| rank.get(functions[f].name.as_str()))
            .map_or(0, |&i| i as u32 + 1);
        (rank, at as u32)
    };
    // What states operations, as (its key, what it is): below
    // `groups.len()`, a group; above, a call of a helper (an index into
    // `called`: the template's index, the call's place). Twelve bytes each,
    // their room made once for the most there can be: a file can hold a
    // million groups.
    let called: Vec<(usize, usize)> = (templates.iter().enumerate())
        .flat_map(|(template, &(_, sites))| sites.iter().map(move |&site| (template, site)))
        .collect();
    let mut items: Vec<((u32, u32), u32)> = Vec::with_capacity(groups.len() + called.len());
    for (index, group) in groups.iter().enumerate() {
        // A group that cannot state SQL states nothing here (most groups).
        if !group.sql || enclosing(group.at()).is_some_and(|f| !sites[f].is_empty()) {
            continue;
        }
        items.push((key(group.at()), index as u32));
    }
    for (index, &(_, site)) in called.iter().enumerate() {
        let what = (groups.len() + index) as u32;
        items.push((key(site), what));
    }
    // Items are pushed in the order they were read, and what each is grows
    // with that order, so it tells two of one key apart as reading would:
    // the sort needs no scratch copy.
    items.sort_unstable();
    for (_, what) in items {
        let what = what as usize;
        match what.checked_sub(groups.len()).map(|call| called[call]) {
            None => {
                let group = &groups[what];
                let Some(value) = group.value(file) else {
                    continue;
                };
                let line = file.start(&file.tokens()[group.first as usize]).line;
                for (offset, op) in extract_sql_lines(&value) {
                    apply((line + offset, op));
                }
            }
            Some((template, site)) => {
                let (function, _) = templates[template];
                let params = function.params(&calls);
                let (args, _) = calls.args(site + 1);
                let mut bindings: Vec<(String, String)> = Vec::new();
                let positional = calls.positional(&args);
                for (i, param) in params.iter().enumerate() {
                    let arg = calls
                        .keyword(&args, param)
                        .or_else(|| positional.get(i).copied());
                    if let Some(value) = arg.and_then(|a| calls.string(a)) {
                        bindings.push((format!("{{{param}}}"), value));
                    }
                }
                let line = calls.line(site);
                // `groups` is in file order: the body's groups are one run.
                let first = groups.partition_point(|g| g.at() < function.body.start);
                let last = groups.partition_point(|g| g.at() < function.body.end);
                for group in &groups[first..last] {
                    // A literal without fields is the same at every call.
                    let Some(mut sql) = group.value(file) else {
                        continue;
                    };
                    if group.fields {
                        for (field, value) in &bindings {
                            sql = sql.replace(field.as_str(), value);
                        }
                    }
                    for (_, op) in extract_sql_lines(&sql) {
                        apply((line, op));
                    }
                }
            }
        }
    }
}

/// A non-docstring group of string literals, as `sql_ops` reads it: where
/// it is among the significant tokens, and its first and last literals'
/// tokens (a lexed file is under 4 GiB, so its token places fit in 32 bits).
struct Group {
    at: u32,
    first: u32,
    last: u32,
    /// Some literal of it is an f-string.
    fields: bool,
    /// It may state SQL or fill a helper's template: its value is read.
    sql: bool,
}

impl Group {
    fn new(at: usize, run: &StringRun, fields: bool, sql: bool) -> Group {
        Group {
            at: at as u32,
            first: run.first as u32,
            last: run.last as u32,
            fields,
            sql,
        }
    }

    /// Its place among the significant tokens.
    fn at(&self) -> usize {
        self.at as usize
    }

    fn run(&self) -> StringRun {
        StringRun {
            first: self.first as usize,
            last: self.last as usize,
            docstring: false,
        }
    }

    /// Its value, decoded each time it is asked for (a group is read at
    /// most a few times: once for its SQL, and once per call of a helper
    /// whose body it is in); none if it cannot state SQL.
    fn value(&self, file: &PythonFile<'_>) -> Option<String> {
        self.sql.then(|| file.run_value(&self.run()))
    }
}

/// The function names of `MIGRATIONS = [("name", _fn), ...]`, in order.
fn migrations_order(calls: &Calls<'_, '_>) -> Vec<String> {
    let Some(start) = (0..calls.len()).find(|&at| {
        calls.is_name(at, "MIGRATIONS")
            && calls.token(at).is_some_and(|t| calls.file.at_line_start(t))
            && (calls.is_op(at + 1, "=") && calls.is_op(at + 2, "[") || calls.is_op(at + 1, ":"))
    }) else {
        return Vec::new();
    };
    let Some(open) = (start..calls.len()).find(|&at| calls.is_op(at, "[")) else {
        return Vec::new();
    };
    let (items, _) = calls.args(open);
    items
        .iter()
        .filter_map(|item| {
            // `("name", _fn)`: the last name of the tuple.
            item.tokens
                .clone()
                .rev()
                .find(|&at| calls.token(at).is_some_and(|t| t.kind == TokenKind::Name))
                .map(|at| String::from_utf8_lossy(calls.text(at)).into_owned())
        })
        .collect()
}

/// The significant tokens (no comments, no line breaks inside brackets) and
/// the source, with helpers to read calls.
struct Calls<'f, 'a> {
    file: &'f PythonFile<'a>,
    /// The indices into `file.tokens()` of the tokens that are not
    /// significant (comments, line breaks), sorted: a file of code has far
    /// fewer of them than of the rest, so that a position maps to its token
    /// without a list as long as the file's tokens. A file lexes to fewer
    /// than 4 Gi tokens.
    skipped: Vec<u32>,
    /// How many tokens are significant.
    len: usize,
    /// The run of positions last looked up (from, to) and how many skipped
    /// tokens come before each of them: positions are mostly read near
    /// each other, so the next is likely in it.
    hint: Cell<(usize, usize, usize)>,
}

/// One argument of a call: its keyword, if any, and its tokens (positions in
/// `Calls`).
struct Arg {
    keyword: Option<String>,
    tokens: Range<usize>,
}

impl<'f, 'a> Calls<'f, 'a> {
    fn new(file: &'f PythonFile<'a>) -> Self {
        let tokens = file.tokens();
        let mut skipped = Vec::new();
        for (i, token) in tokens.iter().enumerate() {
            if !token.is_significant() {
                skipped.push(i as u32);
            }
        }
        Calls {
            file,
            len: tokens.len() - skipped.len(),
            skipped,
            hint: Cell::new((0, 0, 0)),
        }
    }

    /// How many significant tokens there are: positions run from 0 to it.
    fn len(&self) -> usize {
        self.len
    }

    /// The index into `file.tokens()` of the significant token at `at`.
    #[inline]
    fn index(&self, at: usize) -> Option<usize> {
        if at >= self.len {
            return None;
        }
        let (from, to, k) = self.hint.get();
        if from <= at && at < to {
            return Some(at + k);
        }
        Some(at + self.skipped_before(at))
    }

    /// How many skipped tokens come before the significant token at `at`,
    /// kept as the hint with the run of positions it holds for. The `j`-th
    /// skipped token has `skipped[j] - j` significant ones before it, so
    /// those before `at` are a first run of `j`: its end is found next to
    /// the last one, else by halves.
    #[cold]
    fn skipped_before(&self, at: usize) -> usize {
        let n = self.skipped.len();
        let before = |j: usize| self.skipped[j] as usize - j <= at;
        let ends_there = |k: usize| (k == 0 || before(k - 1)) && (k == n || !before(k));
        // Most often the run next to the last one.
        let (_, _, last) = self.hint.get();
        let near = [last + 1, last.wrapping_sub(1)];
        let k = match near.into_iter().find(|&k| k <= n && ends_there(k)) {
            Some(k) => k,
            None => {
                let (mut k, mut end) = (0, n);
                while k < end {
                    let mid = k + (end - k) / 2;
                    match before(mid) {
                        true => k = mid + 1,
                        false => end = mid,
                    }
                }
                k
            }
        };
        let from = k.checked_sub(1).map_or(0, |j| self.skipped[j] as usize - j);
        let to = self.skipped.get(k).map_or(self.len, |&i| i as usize - k);
        self.hint.set((from, to, k));
        k
    }

    /// The position of the token at `index` in `file.tokens()`, if it is
    /// significant.
    fn position(&self, index: usize) -> Option<usize> {
        let k = self.skipped.partition_point(|&i| (i as usize) < index);
        let skipped = self.skipped.get(k).is_some_and(|&i| i as usize == index);
        (!skipped && index < self.len + self.skipped.len()).then(|| index - k)
    }

    #[inline]
    fn token(&self, at: usize) -> Option<&'f Token> {
        self.index(at).map(|i| &self.file.tokens()[i])
    }

    #[inline]
    fn text(&self, at: usize) -> &'a [u8] {
        self.token(at).map_or(&[], |t| self.file.text(t))
    }

    #[inline]
    fn is_op(&self, at: usize, op: &str) -> bool {
        self.token(at)
            .is_some_and(|t| t.is_operator(self.file.source(), op))
    }

    #[inline]
    fn is_name(&self, at: usize, name: &str) -> bool {
        self.token(at)
            .is_some_and(|t| t.kind == TokenKind::Name && self.file.text(t) == name.as_bytes())
    }

    fn line(&self, at: usize) -> u32 {
        self.start(at).map_or(0, |p| p.line)
    }

    /// Where the token at `at` starts.
    fn start(&self, at: usize) -> Option<Pos> {
        self.token(at).map(|t| self.file.start(t))
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
                .and_then(|t| t.string())
                .is_some_and(|s| s.prefix.has_fields())
        });
        Some(if fields {
            Ident::Unresolved(value.into())
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

/// The last name of a dotted reference or call (`sa.String(50)` → `String`),
/// and the position of its `(` if it is a call.
fn callee(calls: &Calls<'_, '_>, arg: &Arg) -> Option<(String, Option<usize>)> {
    let mut last = None;
    for at in arg.tokens.clone() {
        let token = calls.token(at)?;
        match token.kind {
            TokenKind::Name => last = Some(String::from_utf8_lossy(calls.text(at)).into_owned()),
            TokenKind::Operator if calls.text(at) == b"." => {}
            TokenKind::Operator if calls.text(at) == b"(" => return Some((last?, Some(at))),
            _ => return None,
        }
    }
    Some((last?, None))
}

fn is_true(calls: &Calls<'_, '_>, arg: Option<&Arg>) -> Option<bool> {
    let arg = arg?;
    if arg.tokens.len() != 1 {
        return None;
    }
    if calls.is_name(arg.tokens.start, "True") {
        Some(true)
    } else if calls.is_name(arg.tokens.start, "False") {
        Some(false)
    } else {
        None
    }
}

/// A list of string literals: `["a", "b"]`, `("a",)` or a lone `"a"`.
fn string_list(calls: &Calls<'_, '_>, arg: &Arg) -> Vec<String> {
    arg.tokens
        .clone()
        .filter_map(|at| calls.token(at))
        .filter_map(|t| calls.file.string_value(t))
        .map(|s| s.to_lowercase())
        .collect()
}

/// The text of a `sa.text("...")`/`text("...")` argument, or of a literal.
fn sql_text(calls: &Calls<'_, '_>, arg: &Arg) -> Option<String> {
    calls.string(arg).or_else(|| {
        let (_, open) = calls.call(arg)?;
        let (inner, _) = calls.args(open);
        calls.string(calls.positional(&inner).first()?)
    })
}

/// `server_default=`: a literal's value, `sa.text("...")` read as SQL,
/// `func.now()` as the current time, `sa.false()`/`sa.true()` as 0/1.
fn server_default(calls: &Calls<'_, '_>, arg: &Arg) -> Option<DefaultValue> {
    if arg.tokens.len() == 1 && calls.is_name(arg.tokens.start, "None") {
        return None;
    }
    if let Some(value) = calls.string(arg) {
        return Some(DefaultValue::literal(&value));
    }
    match callee(calls, arg) {
        Some((name, Some(open))) => {
            let (inner, _) = calls.args(open);
            match name.as_str() {
                "text" | "literal_column" => {
                    let sql = calls.string(calls.positional(&inner).first()?)?;
                    DefaultValue::from_sql(&sql)
                }
                "now" | "current_timestamp" | "localtimestamp" => {
                    Some(DefaultValue::Literal("CURRENT_TIMESTAMP".into()))
                }
                "false" => Some(DefaultValue::literal("0")),
                "true" => Some(DefaultValue::literal("1")),
                _ => Some(DefaultValue::Expression(name)),
            }
        }
        _ => {
            let text: Vec<String> = arg
                .tokens
                .clone()
                .map(|at| String::from_utf8_lossy(calls.text(at)).into_owned())
                .collect();
            Some(DefaultValue::Expression(text.join("")))
        }
    }
}

/// `ondelete=`/`onupdate=` of a foreign key.
fn fk_actions(calls: &Calls<'_, '_>, args: &[Arg]) -> (Option<String>, Option<String>) {
    let action = |key: &str| {
        calls
            .keyword(args, key)
            .and_then(|a| calls.string(a))
            .map(|s| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_uppercase()
            })
    };
    (action("ondelete"), action("onupdate"))
}

/// `"t.c"` → table `t`, columns `[c]`.
fn fk_target(spec: &str) -> Option<(Ident, Vec<String>)> {
    let (table, column) = spec.rsplit_once('.')?;
    let table = table.rsplit('.').next().unwrap_or(table);
    Some((Ident::known(table), vec![column.to_lowercase()]))
}

/// `sa.ForeignKey("t.c", ondelete=...)`'s arguments as a target.
fn foreign_key(calls: &Calls<'_, '_>, args: &[Arg]) -> Option<ForeignKey> {
    let spec = calls.string(calls.positional(args).first()?)?;
    let (table, columns) = fk_target(&spec)?;
    let (on_delete, on_update) = fk_actions(calls, args);
    Some(ForeignKey {
        table,
        columns,
        on_delete,
        on_update,
    })
}

/// `Column("c", Type, ForeignKey(...), nullable=, primary_key=, unique=,
/// index=, server_default=)` as a column definition; the type's class by
/// the mapping table, its SQLite spelling for display.
fn column_def(calls: &Calls<'_, '_>, args: &[Arg]) -> Option<ColumnDef> {
    let positional = calls.positional(args);
    let name = match calls.keyword(args, "name") {
        Some(arg) => calls.ident(arg)?,
        None => calls.ident(positional.first()?)?,
    };
    let rest = if calls.keyword(args, "name").is_some() {
        &positional[..]
    } else {
        &positional[1..]
    };
    let mut def = ColumnDef::new(name, "");
    let mut typed = false;
    for arg in rest.iter().copied().chain(calls.keyword(args, "type_")) {
        let Some((callee_name, open)) = callee(calls, arg) else {
            continue;
        };
        if callee_name == "ForeignKey" {
            if let Some(open) = open {
                def.foreign_key = foreign_key(calls, &calls.args(open).0).map(Box::new);
            }
        } else if !typed {
            typed = true;
            def.sql_type = sql_type_for(&callee_name);
            def.type_class = TypeClass::from_sqlalchemy(&callee_name);
        }
    }
    def.primary_key = is_true(calls, calls.keyword(args, "primary_key")) == Some(true);
    def.not_null = is_true(calls, calls.keyword(args, "nullable")) == Some(false);
    def.unique = is_true(calls, calls.keyword(args, "unique")) == Some(true);
    def.index = is_true(calls, calls.keyword(args, "index")) == Some(true);
    def.default = calls
        .keyword(args, "server_default")
        .and_then(|a| server_default(calls, a));
    Some(def)
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

/// `sa.UniqueConstraint("a", "b", name=)`, `sa.PrimaryKeyConstraint(...)`,
/// `sa.ForeignKeyConstraint(["a"], ["t.id"], ondelete=)` as a constraint.
fn constraint_call(calls: &Calls<'_, '_>, callee_name: &str, args: &[Arg]) -> Option<Constraint> {
    let name = calls.keyword(args, "name").and_then(|a| calls.ident(a));
    let positional = calls.positional(args);
    let names = || -> Vec<String> {
        positional
            .iter()
            .filter_map(|a| calls.string(a))
            .map(|s| s.to_lowercase())
            .collect()
    };
    match callee_name {
        "UniqueConstraint" => Some(Constraint::Unique {
            name,
            columns: names(),
        }),
        "PrimaryKeyConstraint" => Some(Constraint::PrimaryKey {
            name,
            columns: names(),
        }),
        "ForeignKeyConstraint" => {
            let columns = string_list(calls, positional.first()?);
            let targets: Vec<String> = positional
                .get(1)?
                .tokens
                .clone()
                .filter_map(|at| calls.token(at))
                .filter_map(|t| calls.file.string_value(t))
                .collect();
            let (table, _) = fk_target(targets.first()?)?;
            let target_columns = targets
                .iter()
                .filter_map(|t| fk_target(t).map(|(_, c)| c[0].clone()))
                .collect();
            let (on_delete, on_update) = fk_actions(calls, args);
            Some(Constraint::ForeignKey {
                name,
                columns,
                target: ForeignKey {
                    table,
                    columns: target_columns,
                    on_delete,
                    on_update,
                },
            })
        }
        _ => None,
    }
}

/// The columns, constraints and indexes that `Table("t", metadata, ...)`
/// calls and module-level `Index("i", t.c.a)` calls declare: each `Table`
/// a `CreateTable` at the line of its `Table(` followed by each column at
/// its own line (an `AddColumn` of the same definition, so a new column is
/// reported where it is written), its constraints and its indexes.
pub fn metadata_ops(file: &PythonFile<'_>) -> Vec<LineOp> {
    let calls = Calls::new(file);
    let mut ops = Vec::new();
    // Variable -> table name, for `Index("i", agents.c.name)`.
    let mut tables: HashMap<Vec<u8>, Ident> = HashMap::new();
    let mut at = 0;
    while at < calls.len() {
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
                let mut rest = Vec::new();
                for arg in &args {
                    let Some((callee, open)) = calls.call(arg) else {
                        continue;
                    };
                    let (inner, _) = calls.args(open);
                    match callee.as_str() {
                        "Column" => {
                            if let Some(column) = column_def(&calls, &inner) {
                                rest.push((
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
                                rest.push((calls.line(open), op));
                            }
                        }
                        other => {
                            if let Some(constraint) = constraint_call(&calls, other, &inner) {
                                rest.push((
                                    calls.line(open),
                                    SchemaOp::AddConstraint {
                                        table: table.clone(),
                                        constraint,
                                    },
                                ));
                            }
                        }
                    }
                }
                ops.push((calls.line(at), SchemaOp::CreateTable { table, columns }));
                ops.extend(rest);
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

/// `Index("i", "a", "b")` inside a table, or `Index("i", t.c.a)` outside;
/// `unique=True`, `sqlite_where=`/`postgresql_where=` (`sa.text("...")`).
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
        } else if let Some(sql) = sql_text(calls, arg) {
            columns.push(normalize_fragment(&sql));
        }
    }
    let unique = is_true(calls, calls.keyword(args, "unique")) == Some(true);
    Some(SchemaOp::CreateIndex {
        index,
        table: found_table?,
        columns,
        unique,
        where_clause: where_clause(calls, args),
    })
}

/// A partial index's condition: `postgresql_where=` else `sqlite_where=`.
fn where_clause(calls: &Calls<'_, '_>, args: &[Arg]) -> Option<String> {
    ["postgresql_where", "sqlite_where"]
        .iter()
        .find_map(|k| calls.keyword(args, k))
        .and_then(|a| sql_text(calls, a))
        .map(|sql| normalize_fragment(&sql))
}

/// The operations of an Alembic revision's `upgrade()` (the last one
/// defined, as Python runs it): `op.*` calls, `batch_op.*` calls inside
/// `with op.batch_alter_table("t") as b:`, and the SQL of `op.execute(...)`.
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
        if let Some(start) = calls.start(at) {
            // A statement at or left of a `with`'s column closes its block.
            if at == 0
                || calls
                    .token(at - 1)
                    .is_some_and(|t| t.kind == TokenKind::Newline)
            {
                batches.retain(|(_, _, column)| start.column > *column);
            }
        }
        if let Some(open) = calls.method_call(at, "op", "batch_alter_table") {
            let (args, end) = calls.args(open);
            let table = calls
                .positional(&args)
                .first()
                .copied()
                .or_else(|| calls.keyword(&args, "table_name"))
                .and_then(|a| calls.ident(a));
            // `as alias`
            if let (Some(table), true) = (table, calls.is_name(end, "as")) {
                let column = calls.start(at).map_or(0, |p| p.column);
                let with_column = if at > 0 && calls.is_name(at - 1, "with") {
                    calls.start(at - 1).map_or(column, |p| p.column)
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

/// An operation's parameters, positional or by keyword, as Alembic names
/// them; in a batch the table parameter is implied.
struct Params<'c, 'f, 'a, 'x> {
    calls: &'c Calls<'f, 'a>,
    args: &'x [Arg],
    positional: Vec<&'x Arg>,
    names: Vec<&'static str>,
}

impl<'x> Params<'_, '_, '_, 'x> {
    fn get(&self, name: &str) -> Option<&'x Arg> {
        if let Some(arg) = self.calls.keyword(self.args, name) {
            return Some(arg);
        }
        let index = self.names.iter().position(|n| *n == name)?;
        self.positional.get(index).copied()
    }

    fn ident(&self, name: &str) -> Option<Ident> {
        self.calls.ident(self.get(name)?)
    }

    fn strings(&self, name: &str) -> Vec<String> {
        self.get(name)
            .map(|a| string_list(self.calls, a))
            .unwrap_or_default()
    }
}

/// Alembic's parameter names for each operation, the table first where the
/// operation takes one (dropped in a batch).
fn parameter_names(method: &str) -> &'static [&'static str] {
    match method {
        "add_column" => &["table_name", "column"],
        "drop_column" | "alter_column" => &["table_name", "column_name"],
        "create_index" => &["index_name", "table_name", "columns"],
        "drop_index" => &["index_name", "table_name"],
        "create_foreign_key" => &[
            "constraint_name",
            "source_table",
            "referent_table",
            "local_cols",
            "remote_cols",
        ],
        "create_unique_constraint" | "create_primary_key" => {
            &["constraint_name", "table_name", "columns"]
        }
        "drop_constraint" => &["constraint_name", "table_name", "type_"],
        "create_table" | "drop_table" => &["table_name"],
        "rename_table" => &["old_table_name", "new_table_name"],
        "execute" => &["sqltext"],
        _ => &[],
    }
}

/// One `op.<method>(...)` (or `batch_op.<method>(...)` with its table).
fn alembic_call(
    calls: &Calls<'_, '_>,
    method: &str,
    args: &[Arg],
    batch_table: Option<&Ident>,
    line: u32,
) -> Option<Vec<LineOp>> {
    let mut names: Vec<&'static str> = parameter_names(method).to_vec();
    // In a batch the table is implied: `table_name` and `source_table`
    // are not among the positional parameters.
    if batch_table.is_some() {
        names.retain(|n| *n != "table_name" && *n != "source_table");
    }
    let p = Params {
        calls,
        args,
        positional: calls.positional(args),
        names,
    };
    let table = || match batch_table {
        Some(t) => Some(t.clone()),
        None => p.ident("table_name"),
    };
    let one = |op: SchemaOp| Some(vec![(line, op)]);
    match method {
        "add_column" => {
            let (_, open) = calls.call(p.get("column")?)?;
            let column = column_def(calls, &calls.args(open).0)?;
            one(SchemaOp::AddColumn {
                table: table()?,
                column,
            })
        }
        "drop_column" => one(SchemaOp::DropColumn {
            table: table()?,
            column: p.ident("column_name")?,
        }),
        "alter_column" => {
            let table = table()?;
            let column = p.ident("column_name")?;
            let mut changes = ColumnChanges::default();
            if let Some(nullable) = is_true(calls, calls.keyword(args, "nullable")) {
                changes.not_null = Some(!nullable);
            }
            if let Some(arg) = calls.keyword(args, "type_") {
                if let Some((name, _)) = callee(calls, arg) {
                    changes.sql_type =
                        Some((sql_type_for(&name), TypeClass::from_sqlalchemy(&name)));
                }
            }
            if let Some(arg) = calls.keyword(args, "server_default") {
                changes.default = Some(server_default(calls, arg));
            }
            let mut ops = Vec::new();
            let mut name = column.clone();
            if let Some(to) = calls
                .keyword(args, "new_column_name")
                .and_then(|a| calls.ident(a))
            {
                name = to.clone();
                ops.push((
                    line,
                    SchemaOp::RenameColumn {
                        table: table.clone(),
                        from: column,
                        to,
                    },
                ));
            }
            if ops.is_empty() || changes != ColumnChanges::default() {
                ops.push((
                    line,
                    SchemaOp::AlterColumn {
                        table,
                        column: name,
                        changes,
                    },
                ));
            }
            Some(ops)
        }
        "create_table" => {
            let table = p.ident("table_name")?;
            let mut columns = Vec::new();
            let mut rest = Vec::new();
            for arg in p.positional.iter().skip(1) {
                let Some((callee_name, open)) = calls.call(arg) else {
                    continue;
                };
                let inner = calls.args(open).0;
                if callee_name == "Column" {
                    columns.extend(column_def(calls, &inner));
                } else if let Some(constraint) = constraint_call(calls, &callee_name, &inner) {
                    rest.push((
                        line,
                        SchemaOp::AddConstraint {
                            table: table.clone(),
                            constraint,
                        },
                    ));
                }
            }
            let mut ops = vec![(line, SchemaOp::CreateTable { table, columns })];
            ops.extend(rest);
            Some(ops)
        }
        "drop_table" => one(SchemaOp::DropTable {
            table: p.ident("table_name")?,
        }),
        "rename_table" => one(SchemaOp::RenameTable {
            from: p.ident("old_table_name")?,
            to: p.ident("new_table_name")?,
        }),
        "create_index" => {
            let index = p.ident("index_name")?;
            let table = table()?;
            let columns = p
                .get("columns")
                .map(|a| {
                    // `["a", sa.text("lower(b)")]`: names and expressions.
                    let (items, _) =
                        if calls.is_op(a.tokens.start, "[") || calls.is_op(a.tokens.start, "(") {
                            calls.args(a.tokens.start)
                        } else {
                            (
                                vec![Arg {
                                    keyword: None,
                                    tokens: a.tokens.clone(),
                                }],
                                0,
                            )
                        };
                    items
                        .iter()
                        .filter_map(|item| {
                            calls
                                .string(item)
                                .map(|s| s.to_lowercase())
                                .or_else(|| sql_text(calls, item).map(|s| normalize_fragment(&s)))
                        })
                        .collect()
                })
                .unwrap_or_default();
            one(SchemaOp::CreateIndex {
                index,
                table,
                columns,
                unique: is_true(calls, calls.keyword(args, "unique")) == Some(true),
                where_clause: where_clause(calls, args),
            })
        }
        "drop_index" => one(SchemaOp::DropIndex {
            index: p.ident("index_name")?,
        }),
        "create_foreign_key" => {
            let table = match batch_table {
                Some(t) => t.clone(),
                None => p.ident("source_table")?,
            };
            let (on_delete, on_update) = fk_actions(calls, args);
            one(SchemaOp::AddConstraint {
                table,
                constraint: Constraint::ForeignKey {
                    name: p.ident("constraint_name"),
                    columns: p.strings("local_cols"),
                    target: ForeignKey {
                        table: p.ident("referent_table")?,
                        columns: p.strings("remote_cols"),
                        on_delete,
                        on_update,
                    },
                },
            })
        }
        "create_unique_constraint" | "create_primary_key" => {
            let name = p.ident("constraint_name");
            let columns = p.strings("columns");
            let constraint = if method == "create_unique_constraint" {
                Constraint::Unique { name, columns }
            } else {
                Constraint::PrimaryKey { name, columns }
            };
            one(SchemaOp::AddConstraint {
                table: table()?,
                constraint,
            })
        }
        "drop_constraint" => one(SchemaOp::DropConstraint {
            table: table()?,
            name: p.ident("constraint_name")?,
            kind: p.get("type_").and_then(|a| calls.string(a)),
        }),
        "execute" => {
            let arg = p.get("sqltext")?;
            // `op.execute(sa.text("..."))` as well as `op.execute("...")`.
            let sql = sql_text(calls, arg)?;
            let first_line = calls.start(arg.tokens.start).map_or(line, |p| p.line);
            Some(
                extract_sql_lines(&sql)
                    .into_iter()
                    .map(|(offset, op)| (first_line + offset, op))
                    .collect(),
            )
        }
        _ => None,
    }
}

/// The positions of the body of the last `def name(...)` at module level
/// (the one Python keeps): from the `def` to the first statement back at or
/// left of its column.
fn function_body(calls: &Calls<'_, '_>, name: &str) -> Option<Range<usize>> {
    module_functions(calls)
        .into_iter()
        .rfind(|f| f.name == name)
        .map(|f| f.body)
}

/// A function defined at module level: its name, parameters and body.
struct FunctionDef {
    name: String,
    /// The position in `Calls::order` of the `(` of its parameters: they
    /// are read (`params`) only for a function that may be a helper.
    open: usize,
    /// Positions in `Calls::order`, from the `def` on.
    body: Range<usize>,
}

impl FunctionDef {
    /// The names of its parameters (`table: str` reads as `table`).
    fn params(&self, calls: &Calls<'_, '_>) -> Vec<String> {
        let (args, _) = calls.args(self.open);
        args.iter()
            .filter_map(|a| {
                let at = if a.keyword.is_some() {
                    a.tokens.start - 2
                } else {
                    a.tokens.start
                };
                let token = calls.token(at)?;
                (token.kind == TokenKind::Name)
                    .then(|| String::from_utf8_lossy(calls.text(at)).into_owned())
            })
            .collect()
    }
}

fn module_functions(calls: &Calls<'_, '_>) -> Vec<FunctionDef> {
    let mut out = Vec::new();
    let mut def = 0;
    while def < calls.len() {
        let starts = calls.is_name(def, "def")
            && calls.is_op(def + 2, "(")
            && calls
                .token(def)
                .is_some_and(|t| calls.file.at_line_start(t));
        if !starts {
            def += 1;
            continue;
        }
        // The body ends at the first statement back at column 0.
        let mut seen_newline = false;
        let back_at_column_0 = (def + 3..calls.len()).find(|&at| {
            let Some(token) = calls.token(at) else {
                return false;
            };
            let newline = token.kind == TokenKind::Newline;
            let ends = seen_newline && !newline && calls.file.at_line_start(token);
            seen_newline = newline;
            ends
        });
        let end = back_at_column_0.unwrap_or(calls.len());
        out.push(FunctionDef {
            name: String::from_utf8_lossy(calls.text(def + 1)).into_owned(),
            open: def + 2,
            body: def..end,
        });
        // A `def` inside the body (an open bracket runs on: no module-level
        // def as Python would read it) starts no function, so that the
        // bodies are disjoint and in file order.
        def = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn positions_name_the_significant_tokens_in_any_order_of_lookup() {
        let mut source = b"# head\n\nx = 1  # one\n\n\ndef f(a):\n    # inside\n    return [\n        a,\n    ]\n# tail\n".to_vec();
        // Enough skipped tokens that a jump is found by a binary search.
        for i in 0..40 {
            source.extend(format!("y{i} = {i}  # c\n\n# only\n").bytes());
        }
        let file = PythonFile::lex(&source).unwrap();
        let calls = Calls::new(&file);
        let significant: Vec<usize> = (file.tokens().iter().enumerate())
            .filter(|(_, t)| t.is_significant())
            .map(|(i, _)| i)
            .collect();
        assert!(
            significant.len() < file.tokens().len(),
            "the file has skipped tokens"
        );
        assert_eq!(calls.len(), significant.len());
        // In order, backwards, and jumping about: the hint never misleads.
        let n = significant.len();
        let orders: Vec<Vec<usize>> = vec![
            (0..n).collect(),
            (0..n).rev().collect(),
            (0..n).map(|i| (i * 7) % n).collect(),
        ];
        for order in orders {
            for at in order {
                assert_eq!(calls.index(at), Some(significant[at]), "position {at}");
            }
        }
        assert_eq!(calls.index(n), None);
        for (i, _) in file.tokens().iter().enumerate() {
            assert_eq!(
                calls.position(i),
                significant.iter().position(|&s| s == i),
                "token {i}"
            );
        }
        assert_eq!(calls.position(file.tokens().len()), None);
    }

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
    fn a_def_inside_an_unclosed_bracket_starts_no_function() {
        // Not Python (the bracket never closes), but lexed: the helper's
        // body runs on, and what it holds runs once, through its call.
        let source = "def _drop(cursor, table):\n    cursor.execute(f\"DROP TABLE {table}\"\n\
                      def upgrade(cursor):\n    _drop(cursor, \"a\")\n    \
                      cursor.execute(\"CREATE TABLE b (id INT)\")\n";
        let ops = sql_ops(&lex(source));
        let creates: Vec<u32> = ops
            .iter()
            .filter(|(_, op)| matches!(op, SchemaOp::CreateTable { .. }))
            .map(|(line, _)| *line)
            .collect();
        assert_eq!(creates, vec![4], "{ops:?}");
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
                        unique: false,
                        where_clause: None,
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
        let id = ColumnDef {
            primary_key: true,
            ..col("id", "INTEGER")
        };
        let notes = col("notes", "TEXT");
        assert_eq!(
            ops,
            vec![
                (
                    4,
                    SchemaOp::CreateTable {
                        table: k("agents"),
                        columns: vec![id.clone(), notes.clone()]
                    }
                ),
                (
                    7,
                    SchemaOp::AddColumn {
                        table: k("agents"),
                        column: id
                    }
                ),
                (
                    8,
                    SchemaOp::AddColumn {
                        table: k("agents"),
                        column: notes
                    }
                ),
                (
                    9,
                    SchemaOp::CreateIndex {
                        index: k("ix_agents_notes"),
                        table: k("agents"),
                        columns: vec!["notes".into()],
                        unique: false,
                        where_clause: None,
                    }
                ),
                (
                    12,
                    SchemaOp::CreateIndex {
                        index: k("ix_agents_id"),
                        table: k("agents"),
                        columns: vec!["id".into()],
                        unique: true,
                        where_clause: None,
                    }
                ),
            ]
        );
    }

    #[test]
    fn metadata_holds_every_attribute() {
        let source = r#"
tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("project_id", sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    sa.Column("code", sa.String(20), unique=True, index=True),
    sa.Column("status", sa.Text(), server_default="open"),
    sa.Column("created", sa.DateTime(), server_default=sa.func.now()),
    sa.Column("done", sa.Boolean(), server_default=sa.text("0")),
    sa.UniqueConstraint("project_id", "code", name="uq_tasks_project_code"),
    sa.Index("ix_open", "status", sqlite_where=sa.text("status = 'open'")),
)
"#;
        let ops = metadata_ops(&lex(source));
        let columns = match &ops[0].1 {
            SchemaOp::CreateTable { columns, .. } => columns.clone(),
            other => panic!("{other:?}"),
        };
        let project = &columns[1];
        assert_eq!(project.type_class, TypeClass::Other(String::new()));
        assert!(project.not_null);
        assert_eq!(
            project.foreign_key.as_deref(),
            Some(&ForeignKey {
                table: k("projects"),
                columns: vec!["id".into()],
                on_delete: Some("CASCADE".into()),
                on_update: None,
            })
        );
        assert!(columns[2].unique && columns[2].index);
        assert_eq!(columns[2].type_class, TypeClass::Text);
        assert_eq!(columns[3].default, Some(DefaultValue::literal("open")));
        assert_eq!(
            columns[4].default,
            Some(DefaultValue::Literal("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(columns[5].default, Some(DefaultValue::literal("0")));
        assert!(ops.contains(&(
            11,
            SchemaOp::AddConstraint {
                table: k("tasks"),
                constraint: Constraint::Unique {
                    name: Some(k("uq_tasks_project_code")),
                    columns: vec!["project_id".into(), "code".into()]
                }
            }
        )));
        assert!(ops.contains(&(
            12,
            SchemaOp::CreateIndex {
                index: k("ix_open"),
                table: k("tasks"),
                columns: vec!["status".into()],
                unique: false,
                where_clause: Some("status='open'".into()),
            }
        )));
    }

    #[test]
    fn alembic_keyword_arguments_constraints_and_alterations() {
        let source = r#"
def upgrade():
    op.add_column(table_name="t", column=sa.Column("a", sa.Integer(), nullable=False, server_default="0"))
    op.create_foreign_key("fk_t_p", "t", "p", ["p_id"], ["id"], ondelete="SET NULL")
    op.create_unique_constraint(constraint_name="uq_t_a", table_name="t", columns=["a"])
    op.create_index("ix_t", "t", ["a", sa.text("lower(b)")], unique=True, postgresql_where=sa.text("a > 0"))
    op.alter_column("t", "b", nullable=True, type_=sa.Text(), server_default=None, new_column_name="c")
    op.drop_constraint("fk_old", "t", type_="foreignkey")
    with op.batch_alter_table("t") as batch_op:
        batch_op.create_foreign_key("fk_b", "q", ["q_id"], ["id"])
        batch_op.alter_column("d", nullable=False)
"#;
        let ops: Vec<SchemaOp> = alembic_ops(&lex(source))
            .into_iter()
            .map(|(_, op)| op)
            .collect();
        let fk = |table: &str, on_delete: Option<&str>| ForeignKey {
            table: k(table),
            columns: vec!["id".into()],
            on_delete: on_delete.map(str::to_string),
            on_update: None,
        };
        assert_eq!(
            ops,
            vec![
                SchemaOp::AddColumn {
                    table: k("t"),
                    column: ColumnDef {
                        not_null: true,
                        default: Some(DefaultValue::literal("0")),
                        ..col("a", "INTEGER")
                    }
                },
                SchemaOp::AddConstraint {
                    table: k("t"),
                    constraint: Constraint::ForeignKey {
                        name: Some(k("fk_t_p")),
                        columns: vec!["p_id".into()],
                        target: fk("p", Some("SET NULL")),
                    }
                },
                SchemaOp::AddConstraint {
                    table: k("t"),
                    constraint: Constraint::Unique {
                        name: Some(k("uq_t_a")),
                        columns: vec!["a".into()]
                    }
                },
                SchemaOp::CreateIndex {
                    index: k("ix_t"),
                    table: k("t"),
                    columns: vec!["a".into(), "lower(b)".into()],
                    unique: true,
                    where_clause: Some("a>0".into()),
                },
                SchemaOp::RenameColumn {
                    table: k("t"),
                    from: k("b"),
                    to: k("c")
                },
                SchemaOp::AlterColumn {
                    table: k("t"),
                    column: k("c"),
                    changes: ColumnChanges {
                        not_null: Some(false),
                        sql_type: Some(("TEXT".into(), TypeClass::Text)),
                        default: Some(None),
                    }
                },
                SchemaOp::DropConstraint {
                    table: k("t"),
                    name: k("fk_old"),
                    kind: Some("foreignkey".into())
                },
                SchemaOp::AddConstraint {
                    table: k("t"),
                    constraint: Constraint::ForeignKey {
                        name: Some(k("fk_b")),
                        columns: vec!["q_id".into()],
                        target: fk("q", None),
                    }
                },
                SchemaOp::AlterColumn {
                    table: k("t"),
                    column: k("d"),
                    changes: ColumnChanges {
                        not_null: Some(true),
                        ..Default::default()
                    }
                },
            ]
        );
    }

    #[test]
    fn the_last_upgrade_is_the_one_that_runs() {
        let source =
            "def upgrade():\n    op.drop_table('a')\n\n\ndef upgrade():\n    op.drop_table('b')\n";
        let ops: Vec<SchemaOp> = alembic_ops(&lex(source))
            .into_iter()
            .map(|(_, op)| op)
            .collect();
        assert_eq!(ops, vec![SchemaOp::DropTable { table: k("b") }]);
    }

    #[test]
    fn a_helper_called_with_literal_names_runs_its_sql_at_each_call() {
        let source = r#"
def _rebuild_table(cursor, table, columns):
    cursor.execute(f"CREATE TABLE {table}_new ({columns})")
    cursor.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
    cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f"ALTER TABLE {table}_new RENAME TO {table}")


def _migrate_b(cursor, conn):
    cursor.execute("ALTER TABLE tasks ADD COLUMN b TEXT")


def _migrate_a(cursor, conn):
    _rebuild_table(cursor, "tasks", columns="id INTEGER PRIMARY KEY, a TEXT NOT NULL")
    _rebuild_table(cursor, name, "id INTEGER")


MIGRATIONS = [
    ("a", _migrate_a),
    ("b", _migrate_b),
]
"#;
        let ops = sql_ops(&lex(source));
        let lines: Vec<u32> = ops.iter().map(|(line, _)| *line).collect();
        let ops: Vec<SchemaOp> = ops.into_iter().map(|(_, op)| op).collect();
        // `_migrate_a` runs first, as MIGRATIONS lists it; the second call's
        // table is a run-time value.
        assert_eq!(lines, vec![14, 14, 14, 15, 15, 15, 10]);
        assert_eq!(
            ops[0],
            SchemaOp::CreateTable {
                table: k("tasks_new"),
                columns: vec![
                    ColumnDef {
                        primary_key: true,
                        ..col("id", "INTEGER")
                    },
                    ColumnDef {
                        not_null: true,
                        ..col("a", "TEXT")
                    },
                ]
            }
        );
        assert_eq!(
            ops[2],
            SchemaOp::RenameTable {
                from: k("tasks_new"),
                to: k("tasks")
            }
        );
        assert_eq!(
            ops[3],
            SchemaOp::CreateTable {
                table: Ident::Unresolved("{table}_new".into()),
                columns: vec![col("id", "INTEGER")]
            }
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
                    unique: true,
                    where_clause: None,
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
                    table: k("tags"),
                    definition: Some(crate::schema::TriggerDef {
                        timing: "AFTER".into(),
                        event: "INSERT".into(),
                        when: None,
                        body: vec!["SELECT 1".into()],
                    }),
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
                    unique: false,
                    where_clause: None,
                },
                SchemaOp::DropIndex { index: k("ix_old") },
                SchemaOp::CreateIndex {
                    index: k("ix_bare"),
                    table: k("tasks"),
                    columns: vec!["title".into()],
                    unique: false,
                    where_clause: None,
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
