//! proptest strategies for a pull request's change: Python files built
//! statement by statement (so the file at HEAD is valid Python and every line
//! knows what it is), each line context, added or removed, and the changes
//! under the revision directory.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use super::case::{
    Case, Change, Flaw, GenFile, Indent, KeywordCase, Label, Line, Piece, Region, RevisionChange,
    RevisionKind, Role, Style, Track, MIGRATIONS, SCHEMA, TABLES, VERSIONS,
};

/// The spec's SQL DDL phrases, word by word.
const DDL_PHRASES: [&[&str]; 11] = [
    &["CREATE", "TABLE"],
    &["CREATE", "INDEX"],
    &["CREATE", "UNIQUE", "INDEX"],
    &["CREATE", "TRIGGER"],
    &["ALTER", "TABLE"],
    &["ADD", "COLUMN"],
    &["DROP", "COLUMN"],
    &["DROP", "TABLE"],
    &["DROP", "INDEX"],
    &["RENAME", "COLUMN"],
    &["RENAME", "TO"],
];

/// Text that holds DDL words, but not as whole words: never DDL evidence.
const GLUED_LOOK_ALIKES: [&str; 8] = [
    "recreate tables",
    "unaltered table_list",
    "readd columns",
    "ALTER TABLESPACE",
    "pre_drop index_cache",
    "rename tokens",
    "CREATE TABLE_LIKE",
    "dropped columnar",
];

const TABLE_NAMES: [&str; 6] = [
    "agents",
    "notes",
    "tasks",
    "audit_log",
    "t_new",
    "tables_seen",
];
const COLUMN_NAMES: [&str; 8] = [
    "created_at",
    "altered_by",
    "dropdown",
    "renamed_to",
    "note",
    "index_no",
    "column_count",
    "status",
];
const MIGRATION_NAMES: [&str; 6] = ["add_notes", "tasks", "backfill", "x", "drop_old", "ix2"];

/// The SQLAlchemy constructors of the metadata set.
const METADATA_CALLS: [&str; 6] = [
    "Column",
    "Table",
    "Index",
    "UniqueConstraint",
    "ForeignKey",
    "PrimaryKeyConstraint",
];

/// Names that look like constructors of the metadata set but are not.
const METADATA_LOOK_ALIKES: [&str; 6] = [
    "ColumnType(Text)",
    "MyTable(metadata)",
    "column(\"c\")",
    "Columns(1)",
    "IndexError(\"x\")",
    "sa.Column",
];

fn text(s: impl Into<String>) -> Piece {
    Piece::Text(s.into())
}

fn label(sql: bool, metadata: bool, entry: bool) -> Label {
    Label {
        sql,
        metadata,
        entry,
        hash_led: false,
    }
}

/// What an inline fragment holds, and its pieces.
#[derive(Clone, Debug)]
struct Fragment {
    pieces: Vec<Piece>,
    label: Label,
}

impl Fragment {
    fn plain(s: &str) -> Fragment {
        Fragment {
            pieces: vec![text(s)],
            label: Label::default(),
        }
    }

    fn has_quote(&self) -> bool {
        self.pieces.iter().any(|p| match p {
            Piece::Text(t) | Piece::Keyword(t) => t.contains(['"', '\'', '\\']),
        })
    }
}

/// `word` in case `mode`: upper, lower, capitalised, or mixed by `mask`.
fn case_word(word: &str, mode: u8, mask: u32) -> String {
    match mode {
        0 => word.to_ascii_uppercase(),
        1 => word.to_ascii_lowercase(),
        2 => {
            let lower = word.to_ascii_lowercase();
            lower[..1].to_ascii_uppercase() + &lower[1..]
        }
        _ => word
            .chars()
            .enumerate()
            .map(|(i, c)| {
                if mask >> (i % 32) & 1 == 1 {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
    }
}

/// A word in a random case.
fn cased(word: &'static str) -> impl Strategy<Value = String> {
    (0u8..4, any::<u32>()).prop_map(move |(mode, mask)| case_word(word, mode, mask))
}

/// White space between the words of a phrase.
fn gap() -> impl Strategy<Value = &'static str> {
    select(vec![" ", " ", " ", "  ", "\t", " \t ", "    "])
}

/// One DDL phrase, words in random case with random white space between.
fn ddl_phrase() -> impl Strategy<Value = Vec<Piece>> {
    // Three words and gaps are drawn for every phrase, and as many used as it
    // has: no strategy is built per case.
    (
        0..DDL_PHRASES.len(),
        [
            (0u8..4, any::<u32>()),
            (0u8..4, any::<u32>()),
            (0u8..4, any::<u32>()),
        ],
        [gap(), gap()],
    )
        .prop_map(|(i, cases, gaps)| {
            let words = DDL_PHRASES[i];
            let mut pieces = Vec::with_capacity(2 * words.len());
            for (w, word) in words.iter().enumerate() {
                if w > 0 {
                    pieces.push(text(gaps[w - 1]));
                }
                let (mode, mask) = cases[w];
                pieces.push(Piece::Keyword(case_word(word, mode, mask)));
            }
            pieces
        })
}

/// A DDL statement: a phrase and a table or column after it.
fn ddl_sql() -> impl Strategy<Value = Fragment> {
    (
        ddl_phrase(),
        select(TABLE_NAMES.to_vec()),
        select(COLUMN_NAMES.to_vec()),
    )
        .prop_map(|(mut pieces, table, column)| {
            pieces.push(text(format!(" {table} {column}")));
            Fragment {
                pieces,
                label: label(true, false, false),
            }
        })
}

/// A data statement, with identifiers that contain DDL words but are not them.
fn data_sql() -> impl Strategy<Value = Fragment> {
    let table = select(TABLE_NAMES.to_vec());
    let column = select(COLUMN_NAMES.to_vec());
    (0u8..5, table, column, cased("update"), cased("set")).prop_map(|(form, t, c, kw1, kw2)| {
        let pieces = match form {
            0 => vec![
                Piece::Keyword(kw1),
                text(format!(" {t} ")),
                Piece::Keyword(kw2),
                text(format!(" {c} = 1")),
            ],
            1 => vec![
                Piece::Keyword("DELETE".into()),
                text(" "),
                Piece::Keyword("FROM".into()),
                text(format!(" {t} WHERE {c} IS NULL")),
            ],
            2 => vec![
                Piece::Keyword("INSERT".into()),
                text(" "),
                Piece::Keyword("INTO".into()),
                text(format!(" {t} ({c}) VALUES (1)")),
            ],
            3 => vec![
                Piece::Keyword("SELECT".into()),
                text(format!(" {c} ")),
                Piece::Keyword("FROM".into()),
                text(format!(" {t}")),
            ],
            _ => vec![
                Piece::Keyword("INSERT OR IGNORE INTO".into()),
                text(format!(" {t} SELECT * FROM {t}_old")),
            ],
        };
        Fragment {
            pieces,
            label: Label::default(),
        }
    })
}

/// Words glued to DDL keywords: evidence only for a pattern without `\b`.
fn glued_sql() -> impl Strategy<Value = Fragment> {
    select(GLUED_LOOK_ALIKES.to_vec()).prop_map(|s| Fragment {
        pieces: vec![Piece::Keyword(s.into())],
        label: Label::default(),
    })
}

/// SQL of any kind, as it would appear inside a string.
fn any_sql() -> BoxedStrategy<Fragment> {
    prop_oneof![
        4 => ddl_sql(),
        3 => data_sql(),
        2 => glued_sql(),
    ]
    .boxed()
}

/// `("name", _migrate_name),` in either quote style with random spacing.
fn entry_fragment() -> impl Strategy<Value = Fragment> {
    (
        select(MIGRATION_NAMES.to_vec()),
        any::<bool>(),
        select(vec!["", " ", "  "]),
        select(vec!["", " ", "\t"]),
    )
        .prop_map(|(name, double, inner, after_comma)| {
            let q = if double { '"' } else { '\'' };
            Fragment {
                pieces: vec![text(format!(
                    "({inner}{q}{name}{q}{inner},{after_comma} _migrate_{name}{inner}),"
                ))],
                label: label(false, false, true),
            }
        })
}

/// Lines that resemble an entry but do not register one.
fn entry_look_alike() -> impl Strategy<Value = Fragment> {
    (select(MIGRATION_NAMES.to_vec()), 0u8..4).prop_map(|(name, form)| {
        Fragment::plain(&match form {
            0 => format!("(\"{name}\", _migrateX{name}),"),
            1 => format!("(\"{name}\", migrate_{name}),"),
            2 => format!("(\"\", _migrate_{name}),"),
            _ => format!("(\"{name}\" _migrate_{name}),"),
        })
    })
}

/// `Column(...)` and its siblings, with optional white space before `(`.
fn metadata_call() -> impl Strategy<Value = Fragment> {
    (
        select(METADATA_CALLS.to_vec()),
        any::<bool>(),
        select(vec!["", "", " "]),
        select(COLUMN_NAMES.to_vec()),
    )
        .prop_map(|(call, qualified, space, column)| {
            let prefix = if qualified { "sa." } else { "" };
            Fragment {
                pieces: vec![text(format!("{prefix}{call}{space}(\"{column}\")"))],
                label: label(false, true, false),
            }
        })
}

fn metadata_look_alike() -> impl Strategy<Value = Fragment> {
    select(METADATA_LOOK_ALIKES.to_vec()).prop_map(Fragment::plain)
}

/// Prose for comments and docstrings: anything a person might write there.
fn prose() -> BoxedStrategy<Fragment> {
    prop_oneof![
        2 => select(vec![
            "Backfill the notes.",
            "see the runner",
            "TODO: tidy up",
            "created_at is set by the app",
        ])
        .prop_map(Fragment::plain),
        3 => ddl_sql().prop_map(|mut f| {
            f.pieces.insert(0, text("Backfill after "));
            f
        }),
        1 => data_sql(),
        1 => entry_fragment(),
        1 => metadata_call(),
        1 => glued_sql(),
    ]
    .boxed()
}

/// A comment line at `indent`.
fn comment(indent: u8) -> impl Strategy<Value = Vec<Line>> {
    prose().prop_map(move |f| {
        let mut pieces = vec![text("# ")];
        pieces.extend(f.pieces);
        let mut lbl = f.label;
        lbl.hash_led = true;
        vec![Line::new(indent, Region::Comment, lbl, pieces)]
    })
}

/// Sometimes, a trailing comment for a line of code.
fn tail() -> impl Strategy<Value = Option<Fragment>> {
    option::weighted(0.2, prose())
}

/// Appends a trailing comment to a line of code.
fn with_tail(mut line: Line, tail: Option<Fragment>) -> Line {
    if let Some(f) = tail {
        line.pieces.push(text("  # "));
        line.pieces.extend(f.pieces);
        line.tail = f.label;
    }
    line
}

/// A docstring at `indent`: one line (any quote style) or several lines.
fn docstring(indent: u8) -> BoxedStrategy<Vec<Line>> {
    let one_line = (
        prose(),
        select(vec!["\"\"\"", "'''", "r\"\"\"", "\"", "'", "u'''"]),
    )
        .prop_map(move |(f, open)| {
            let close = open.trim_start_matches(['r', 'u']);
            // A one-quote docstring cannot hold quotes of its own.
            let f = if close.len() == 1 && f.has_quote() {
                Fragment::plain("Data only.")
            } else {
                f
            };
            let mut pieces = vec![text(open)];
            pieces.extend(f.pieces);
            pieces.push(text(close));
            vec![Line::new(indent, Region::Docstring, f.label, pieces)]
        });
    let body_line = (prose(), any::<bool>(), 0u8..2).prop_map(|(f, hash, extra)| (f, hash, extra));
    let multi = (prose(), vec(body_line, 0..4), any::<bool>(), any::<bool>()).prop_map(
        move |(summary, body, single_quotes, close_on_last)| {
            let quotes = if single_quotes { "'''" } else { "\"\"\"" };
            let mut lines = vec![{
                let mut pieces = vec![text(quotes)];
                pieces.extend(summary.pieces);
                Line::new(indent, Region::Docstring, summary.label, pieces)
            }];
            for (f, hash, extra) in body {
                let mut lbl = f.label;
                let mut pieces = Vec::new();
                if hash {
                    // A docstring line that reads like a comment is still a docstring.
                    pieces.push(text("# "));
                    lbl.hash_led = true;
                }
                pieces.extend(f.pieces);
                lines.push(Line::new(indent + extra, Region::Docstring, lbl, pieces));
            }
            let several = lines.len() > 1;
            let last = lines.last_mut().expect("the summary line");
            if close_on_last && several && !ends_with_quote(last) {
                last.pieces.push(text(quotes));
            } else {
                lines.push(Line::new(
                    indent,
                    Region::Docstring,
                    Label::default(),
                    vec![text(quotes)],
                ));
            }
            lines
        },
    );
    prop_oneof![one_line, multi].boxed()
}

fn ends_with_quote(line: &Line) -> bool {
    matches!(line.pieces.last(), Some(Piece::Text(t)) if t.ends_with(['"', '\'']))
}

/// A Python string literal prefix (`r`, `f`, `b`, `rb`, `fr` ..., any case).
fn string_prefix() -> impl Strategy<Value = &'static str> {
    select(vec![
        "", "", "", "r", "R", "f", "F", "u", "b", "rb", "Rb", "fr", "rF", "BR",
    ])
}

/// SQL passed to `cursor.execute`, in one of the shapes Python allows.
fn execute(indent: u8) -> BoxedStrategy<Vec<Line>> {
    let one_line = (any_sql(), string_prefix(), any::<bool>(), tail()).prop_map(
        move |(sql, prefix, double, tail)| {
            let q = if double { "\"" } else { "'" };
            let mut pieces = vec![text(format!("cursor.execute({prefix}{q}"))];
            pieces.extend(sql.pieces);
            pieces.push(text(format!("{q})")));
            vec![with_tail(
                Line::new(indent, Region::Code, sql.label, pieces),
                tail,
            )]
        },
    );
    let triple = (
        vec((any_sql(), prop::bool::weighted(0.15)), 1..4),
        string_prefix(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(sqls, prefix, single, close_on_last)| {
            let q = if single { "'''" } else { "\"\"\"" };
            let mut lines = vec![Line::new(
                indent,
                Region::Code,
                Label::default(),
                vec![text(format!("cursor.execute({prefix}{q}"))],
            )];
            for (sql, hash) in sqls {
                // Inside a string, a `#` at the start is string text, not a comment.
                let mut lbl = sql.label;
                let mut pieces = sql.pieces;
                if hash {
                    pieces.insert(0, text("# "));
                    lbl.hash_led = true;
                }
                lines.push(Line::new(indent + 1, Region::String, lbl, pieces));
            }
            if close_on_last {
                lines
                    .last_mut()
                    .expect("one SQL line")
                    .pieces
                    .push(text(format!("{q})")));
            } else {
                lines.push(Line::new(
                    indent,
                    Region::String,
                    Label::default(),
                    vec![text(format!("{q})"))],
                ));
            }
            lines
        });
    // Implicit concatenation over continuation lines; a part may start with
    // `#` inside its quotes, which is not a comment.
    let concatenated = vec((any_sql(), any::<bool>()), 1..4).prop_map(move |parts| {
        let mut lines = vec![Line::new(
            indent,
            Region::Code,
            Label::default(),
            vec![text("cursor.execute(")],
        )];
        for (sql, hash) in parts {
            let mut pieces = vec![text(if hash { "\"# " } else { "\"" })];
            pieces.extend(sql.pieces);
            pieces.push(text(" \""));
            lines.push(Line::new(indent + 1, Region::String, sql.label, pieces));
        }
        lines.push(Line::new(
            indent,
            Region::Code,
            Label::default(),
            vec![text(")")],
        ));
        lines
    });
    // Two adjacent literals on one line.
    let adjacent = (any_sql(), any_sql()).prop_map(move |(a, b)| {
        let mut pieces = vec![text("cursor.execute(\"")];
        pieces.extend(a.pieces);
        pieces.push(text(" \" '"));
        pieces.extend(b.pieces);
        pieces.push(text("')"));
        let lbl = label(a.label.sql || b.label.sql, false, false);
        vec![Line::new(indent, Region::Code, lbl, pieces)]
    });
    prop_oneof![3 => one_line, 3 => triple, 2 => concatenated, 1 => adjacent].boxed()
}

/// A plain statement of code: no DDL, but identifiers and look-alikes.
fn code_statement(indent: u8) -> BoxedStrategy<Vec<Line>> {
    let plain = select(vec![
        "rows = cursor.fetchall()",
        "created_at = now()",
        "altered_by = None",
        "dropdown = []",
        "renamed_to = {}",
        "_migrateX = None",
        "helper = _migrate_helper_impl",
        "conn.commit()",
        "from sqlalchemy import Column, Table",
    ])
    .prop_flat_map(move |s| {
        tail().prop_map(move |t| {
            vec![with_tail(
                Line::new(indent, Region::Code, Label::default(), vec![text(s)]),
                t,
            )]
        })
    });
    let metadata = prop_oneof![
        metadata_call().prop_map(|f| (f, "x = ")),
        metadata_look_alike().prop_map(|f| (f, "y = ")),
    ];
    let metadata = (metadata, tail()).prop_map(move |((f, lhs), t)| {
        let mut pieces = vec![text(lhs)];
        pieces.extend(f.pieces);
        vec![with_tail(
            Line::new(indent, Region::Code, f.label, pieces),
            t,
        )]
    });
    // A string literal that holds an entry: code, so it counts.
    let entry_in_string = entry_fragment().prop_map(move |f| {
        let inner = match &f.pieces[0] {
            Piece::Text(t) | Piece::Keyword(t) => t.replace('\'', "\""),
        };
        vec![Line::new(
            indent,
            Region::Code,
            f.label,
            vec![text(format!("note = '{inner}'"))],
        )]
    });
    prop_oneof![6 => plain, 3 => metadata, 1 => entry_in_string].boxed()
}

/// One statement of a function body, or a comment or blank line between.
fn body_item(indent: u8) -> BoxedStrategy<Vec<Line>> {
    prop_oneof![
        5 => execute(indent),
        3 => code_statement(indent),
        2 => comment(indent),
        1 => Just(vec![Line::blank()]),
    ]
    .boxed()
}

/// `def _migrate_x(cursor, conn):`, comments, a docstring, statements.
fn function() -> BoxedStrategy<Vec<Line>> {
    (
        select(MIGRATION_NAMES.to_vec()),
        vec(comment(1), 0..2),
        option::weighted(0.6, docstring(1)),
        vec(body_item(1), 0..5),
    )
        .prop_map(|(name, comments, doc, body)| {
            let mut lines = vec![Line::new(
                0,
                Region::Code,
                Label::default(),
                vec![text(format!("def _migrate_{name}(cursor, conn):"))],
            )];
            lines.extend(comments.into_iter().flatten());
            lines.extend(doc.into_iter().flatten());
            lines.extend(body.into_iter().flatten());
            lines.push(Line::new(
                1,
                Region::Code,
                Label::default(),
                vec![text("conn.commit()")],
            ));
            lines.push(Line::blank());
            lines
        })
        .boxed()
}

/// `class X:` with an optional docstring.
fn class() -> BoxedStrategy<Vec<Line>> {
    (option::weighted(0.8, docstring(1)), vec(body_item(1), 0..2))
        .prop_map(|(doc, body)| {
            let mut lines = vec![Line::new(
                0,
                Region::Code,
                Label::default(),
                vec![text("class Runner:")],
            )];
            lines.extend(doc.into_iter().flatten());
            lines.extend(body.into_iter().flatten());
            lines.push(Line::new(
                1,
                Region::Code,
                Label::default(),
                vec![text("pass")],
            ));
            lines.push(Line::blank());
            lines
        })
        .boxed()
}

/// `MIGRATIONS = [ ... ]` with entries, look-alikes and comments.
fn migrations_list() -> BoxedStrategy<Vec<Line>> {
    let item = prop_oneof![
        4 => (entry_fragment(), tail())
            .prop_map(|(f, t)| with_tail(Line::new(1, Region::Code, f.label, f.pieces), t)),
        2 => entry_look_alike().prop_map(|f| Line::new(1, Region::Code, f.label, f.pieces)),
        1 => comment(1).prop_map(|mut l| l.remove(0)),
        1 => Just(Line::blank()),
    ];
    (vec(item, 0..5), any::<bool>())
        .prop_map(|(items, one_line)| {
            let entries: Vec<&Line> = items.iter().filter(|l| l.region == Region::Code).collect();
            let commented = |l: &Line| l.pieces.iter().any(|p| p == &text("  # "));
            if one_line && entries.len() == 1 && !commented(entries[0]) {
                let mut pieces = vec![text("MIGRATIONS = [")];
                pieces.extend(entries[0].pieces.clone());
                pieces.push(text("]"));
                return vec![Line::new(0, Region::Code, entries[0].label, pieces)];
            }
            let mut lines = vec![Line::new(
                0,
                Region::Code,
                Label::default(),
                vec![text("MIGRATIONS = [")],
            )];
            lines.extend(items);
            lines.push(Line::new(
                0,
                Region::Code,
                Label::default(),
                vec![text("]")],
            ));
            lines
        })
        .boxed()
}

/// A module-level SQL string, as in `schema.py`: `SCHEMA = """ ... """`.
fn schema_string() -> BoxedStrategy<Vec<Line>> {
    let sql_line = prop_oneof![
        3 => any_sql().prop_map(|f| Line::new(0, Region::String, f.label, f.pieces)),
        // A column added inside an existing CREATE TABLE: not DDL by itself.
        2 => select(COLUMN_NAMES.to_vec()).prop_map(|c| Line::new(
            1,
            Region::String,
            Label::default(),
            vec![text(format!("{c} TEXT,"))]
        )),
        // An SQL comment inside the string is string text, not a Python comment.
        1 => ddl_sql().prop_map(|f| {
            let mut pieces = vec![text("-- ")];
            pieces.extend(f.pieces);
            Line::new(0, Region::String, f.label, pieces)
        }),
        1 => Just(Line::new(0, Region::String, Label::default(), vec![text(");")])),
        // A `#` at the start of a line inside the string is string text.
        1 => ddl_sql().prop_map(|f| {
            let mut pieces = vec![text("# ")];
            pieces.extend(f.pieces);
            let mut lbl = f.label;
            lbl.hash_led = true;
            Line::new(0, Region::String, lbl, pieces)
        }),
    ];
    (select(vec!["SCHEMA", "INDEXES_SQL"]), vec(sql_line, 1..6))
        .prop_map(|(name, body)| {
            let mut lines = vec![Line::new(
                0,
                Region::Code,
                Label::default(),
                vec![text(format!("{name} = \"\"\""))],
            )];
            lines.extend(body);
            lines.push(Line::new(
                0,
                Region::String,
                Label::default(),
                vec![text("\"\"\"")],
            ));
            lines.push(Line::blank());
            lines
        })
        .boxed()
}

/// `t = Table("t", metadata, Column(...), ...)` over several lines.
fn table_definition() -> BoxedStrategy<Vec<Line>> {
    let item = prop_oneof![
        4 => (metadata_call(), tail()).prop_map(|(mut f, t)| {
            f.pieces.push(text(","));
            with_tail(Line::new(1, Region::Code, f.label, f.pieces), t)
        }),
        1 => metadata_look_alike().prop_map(|mut f| {
            f.pieces.push(text(","));
            Line::new(1, Region::Code, f.label, f.pieces)
        }),
        1 => comment(1).prop_map(|mut l| l.remove(0)),
    ];
    (
        select(TABLE_NAMES.to_vec()),
        any::<bool>(),
        select(vec!["", " "]),
        vec(item, 0..4),
    )
        .prop_map(|(table, qualified, space, items)| {
            let prefix = if qualified { "sa." } else { "" };
            let mut lines = vec![
                Line::new(
                    0,
                    Region::Code,
                    label(false, true, false),
                    vec![text(format!("{table} = {prefix}Table{space}("))],
                ),
                Line::new(
                    1,
                    Region::Code,
                    Label::default(),
                    vec![text(format!("\"{table}\","))],
                ),
                Line::new(1, Region::Code, Label::default(), vec![text("metadata,")]),
            ];
            lines.extend(items);
            lines.push(Line::new(
                0,
                Region::Code,
                Label::default(),
                vec![text(")")],
            ));
            lines.push(Line::blank());
            lines
        })
        .boxed()
}

/// A block of module-level statements for a file of `role`.
fn module_block(role: Role) -> BoxedStrategy<Vec<Line>> {
    let comment_block = comment(0).boxed();
    let code = code_statement(0);
    match role {
        Role::Migrations | Role::Unwatched => prop_oneof![
            5 => function(),
            3 => migrations_list(),
            1 => class(),
            1 => comment_block,
            1 => code,
            1 => schema_string(),
        ]
        .boxed(),
        Role::Schema => prop_oneof![
            5 => schema_string(),
            1 => comment_block,
            1 => code,
            1 => function(),
        ]
        .boxed(),
        Role::Tables => prop_oneof![
            5 => table_definition(),
            1 => comment_block,
            2 => code,
            1 => class(),
        ]
        .boxed(),
    }
}

/// How the lines of a block change: all context, all added, or a mix.
#[derive(Clone, Copy, Debug)]
enum ChangeMode {
    Context,
    Added,
    Mixed(u64),
}

fn change_mode() -> impl Strategy<Value = ChangeMode> {
    prop_oneof![
        3 => Just(ChangeMode::Context),
        3 => Just(ChangeMode::Added),
        2 => any::<u64>().prop_map(ChangeMode::Mixed),
    ]
}

/// A line that only BASE has: it never counts, whatever it holds.
fn removed_line() -> impl Strategy<Value = Line> {
    prop_oneof![
        ddl_sql().prop_map(|f| {
            let mut pieces = vec![text("cursor.execute(\"")];
            pieces.extend(f.pieces);
            pieces.push(text("\")"));
            Line::new(1, Region::Code, f.label, pieces)
        }),
        entry_fragment().prop_map(|f| Line::new(1, Region::Code, f.label, f.pieces)),
        metadata_call().prop_map(|f| Line::new(1, Region::Code, f.label, f.pieces)),
    ]
    .prop_map(|mut line| {
        line.change = Change::Removed;
        line
    })
}

/// A file's lines: an optional module docstring, then blocks, each with its
/// change mode and the lines BASE had before it.
fn file_lines(role: Role) -> BoxedStrategy<Vec<Line>> {
    let block = (module_block(role), change_mode(), vec(removed_line(), 0..2));
    (
        option::weighted(0.4, docstring(0)),
        change_mode(),
        vec(block, 0..5),
    )
        .prop_map(move |(doc, doc_mode, blocks)| {
            let mut lines = Vec::new();
            let mut push = |block: Vec<Line>, mode: ChangeMode, removed: Vec<Line>| {
                lines.extend(removed);
                for (i, mut line) in block.into_iter().enumerate() {
                    line.change = match mode {
                        ChangeMode::Context => Change::Context,
                        ChangeMode::Added => Change::Added,
                        ChangeMode::Mixed(bits) if bits >> (i % 64) & 1 == 1 => Change::Added,
                        ChangeMode::Mixed(_) => Change::Context,
                    };
                    lines.push(line);
                }
            };
            if let Some(doc) = doc {
                push(doc, doc_mode, Vec::new());
            }
            for (block, mode, removed) in blocks {
                push(block, mode, removed);
            }
            lines
        })
        .boxed()
}

fn gen_file(path: &'static str, role: Role) -> BoxedStrategy<GenFile> {
    // An unterminated string at the end: the file cannot be lexed.
    let broken = option::weighted(0.1, (prose(), any::<bool>()));
    (
        file_lines(role),
        prop::bool::weighted(0.05),
        0u8..4,
        prop::bool::weighted(0.15),
        broken,
    )
        .prop_map(
            move |(mut lines, added, context, no_final_newline, broken)| {
                let unlexable = broken.is_some();
                if let Some((f, is_added)) = broken {
                    let mut pieces = vec![text("BROKEN = \"\"\"")];
                    pieces.extend(f.pieces);
                    let mut line = Line::new(0, Region::Code, f.label, pieces);
                    line.change = if is_added {
                        Change::Added
                    } else {
                        Change::Context
                    };
                    lines.push(line);
                }
                // A new file: every HEAD line added, nothing removed (and at least one line).
                let added = added && lines.iter().any(|l| l.change != Change::Removed);
                if added {
                    lines.retain(|l| l.change != Change::Removed);
                    for line in &mut lines {
                        line.change = Change::Added;
                    }
                }
                // Without a final newline only where BASE and HEAD end alike, or in a new file.
                let ends_in_context = lines.last().is_some_and(|l| l.change == Change::Context);
                GenFile {
                    path: path.to_string(),
                    role,
                    added,
                    context,
                    no_final_newline: no_final_newline && (ends_in_context || added),
                    unlexable,
                    lines,
                }
            },
        )
        .boxed()
}

/// Paths that are not watched, some of them close to watched ones.
const UNWATCHED_PATHS: [&str; 6] = [
    "src/backend/db/helpers.py",
    "src/backend/db/migrations_legacy.py",
    "tests/src/backend/db/migrations.py",
    "src/backend/db/Migrations.py",
    "docs/schema notes.md",
    "src/backend/db/caf\u{e9}/tables.py",
];

fn revision_kind() -> impl Strategy<Value = (RevisionKind, u8)> {
    let kinds = vec![
        RevisionKind::NetNew,
        RevisionKind::NetNew,
        RevisionKind::InitPy,
        RevisionKind::NotPython,
        RevisionKind::Outside,
        RevisionKind::Modified,
        RevisionKind::Deleted,
        RevisionKind::Renamed,
        RevisionKind::Copied,
    ];
    (select(kinds), 0u8..3)
}

/// The `index`-th revision change of a case: its paths are unique in the case.
fn revision(index: usize, kind: RevisionKind, variant: u8) -> RevisionChange {
    let stem = match variant {
        0 => format!("{index:04}_add_notes"),
        1 => format!("sub dir/{index:04}_caf\u{e9}"),
        _ => format!("{index:04}_x\ty"),
    };
    let (path, from) = match kind {
        RevisionKind::NetNew | RevisionKind::Modified | RevisionKind::Deleted => {
            (format!("{VERSIONS}{stem}.py"), None)
        }
        RevisionKind::InitPy if variant == 0 && index == 0 => {
            (format!("{VERSIONS}__init__.py"), None)
        }
        RevisionKind::InitPy => (format!("{VERSIONS}sub{index}/__init__.py"), None),
        RevisionKind::NotPython => {
            let ending = ["README.md", ".py.bak", ".pyc"][usize::from(variant)];
            (format!("{VERSIONS}{stem}{ending}"), None)
        }
        RevisionKind::Outside => {
            let dir = [
                "src/backend/migrations/",
                "src/backend/migrations/versions_old/",
                "other/src/backend/migrations/versions/",
            ][usize::from(variant)];
            (format!("{dir}{index:04}_x.py"), None)
        }
        RevisionKind::Renamed => (
            format!("{VERSIONS}{stem}_renamed.py"),
            Some(format!("{VERSIONS}{stem}.py")),
        ),
        RevisionKind::Copied => (
            format!("{VERSIONS}{stem}_copy.py"),
            Some(format!("{VERSIONS}{stem}.py")),
        ),
    };
    RevisionChange { kind, path, from }
}

fn revisions() -> impl Strategy<Value = Vec<RevisionChange>> {
    vec(revision_kind(), 0..4).prop_map(|kinds| {
        kinds
            .into_iter()
            .enumerate()
            .map(|(i, (kind, variant))| revision(i, kind, variant))
            .collect()
    })
}

/// The Alembic track: whether BASE moved on after the fork, and how (if at
/// all) the pull request's first revision on the track breaks it.
pub fn track() -> impl Strategy<Value = Track> {
    let flaw = prop_oneof![
        6 => Just(Flaw::None),
        2 => Just(Flaw::Stale),
        1 => Just(Flaw::Dangling),
        1 => Just(Flaw::LongId { widened: false }),
        1 => Just(Flaw::LongId { widened: true }),
        1 => Just(Flaw::Unparsable),
    ];
    (any::<bool>(), flaw).prop_map(|(moved, flaw)| Track {
        // A stale parent is stale only when BASE has moved on.
        base_moved: moved || flaw == Flaw::Stale,
        flaw,
    })
}

fn style() -> impl Strategy<Value = Style> {
    (
        select(vec![Indent::Four, Indent::Four, Indent::Two, Indent::Tab]),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(indent, crlf)| Style {
            indent,
            crlf,
            keyword_case: KeywordCase::AsGenerated,
        })
}

/// A whole pull request.
pub fn case() -> impl Strategy<Value = Case> {
    let unwatched = (
        gen_file("", Role::Unwatched),
        select(UNWATCHED_PATHS.to_vec()),
    )
        .prop_map(|(mut file, path)| {
            file.path = path.to_string();
            file
        });
    (
        option::weighted(0.9, gen_file(MIGRATIONS, Role::Migrations)),
        option::weighted(0.5, gen_file(SCHEMA, Role::Schema)),
        option::weighted(0.5, gen_file(TABLES, Role::Tables)),
        option::weighted(0.3, unwatched),
        revisions(),
        style(),
        track(),
    )
        .prop_map(
            |(migrations, schema, tables, unwatched, revisions, style, track)| {
                let mut case = Case {
                    files: [migrations, schema, tables, unwatched]
                        .into_iter()
                        .flatten()
                        .collect(),
                    revisions,
                    style,
                    track,
                };
                case.make_additions_distinct();
                case
            },
        )
}

/// A comment or docstring line to insert into a case, with keys that pick
/// the file and the place.
#[derive(Clone, Debug)]
pub struct Insertion {
    pub file_key: u16,
    pub place_key: u16,
    pub line: Line,
}

/// Lines that must never count: comments, and docstring lines (placed only
/// inside an existing docstring, so the file stays valid Python).
pub fn insertions() -> impl Strategy<Value = Vec<Insertion>> {
    let line = prop_oneof![
        comment(0).prop_map(|mut l| l.remove(0)),
        (prose(), 0u8..3).prop_map(|(f, indent)| Line::new(
            indent,
            Region::Docstring,
            f.label,
            f.pieces
        )),
    ];
    vec(
        (any::<u16>(), any::<u16>(), line, 0u8..3).prop_map(
            |(file_key, place_key, mut line, indent)| {
                line.indent = indent;
                line.change = Change::Added;
                Insertion {
                    file_key,
                    place_key,
                    line,
                }
            },
        ),
        1..4,
    )
}

/// A net-new revision to add to a case.
pub fn net_new_revision() -> impl Strategy<Value = RevisionChange> {
    (0u8..3).prop_map(|variant| {
        let mut r = revision(90, RevisionKind::NetNew, variant);
        r.path = r.path.replace("0090", "9090");
        r
    })
}

/// Another rendering style of the same case.
pub fn other_style() -> impl Strategy<Value = Style> {
    (
        select(vec![Indent::Four, Indent::Two, Indent::Tab]),
        any::<bool>(),
        select(vec![
            KeywordCase::AsGenerated,
            KeywordCase::Upper,
            KeywordCase::Lower,
            KeywordCase::Alternating,
        ]),
    )
        .prop_map(|(indent, crlf, keyword_case)| Style {
            indent,
            crlf,
            keyword_case,
        })
}
