//! Properties of the schema extractors: generated DDL in every quoting and
//! case style gives back the objects the generator chose; arbitrary input
//! never panics.

use parity_core::classify::PythonFile;
use parity_core::schema::python::{alembic_ops, metadata_ops, sql_ops};
use parity_core::schema::sql::extract_sql;
use parity_core::schema::{ColumnDef, Ident, SchemaOp};
use proptest::prelude::*;

/// A lower-case identifier that is no SQL keyword the extractor reads.
fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,8}".prop_filter("not a keyword", |n| {
        ![
            "if",
            "not",
            "exists",
            "on",
            "to",
            "add",
            "drop",
            "column",
            "table",
            "index",
            "create",
            "alter",
            "rename",
            "unique",
            "temp",
            "temporary",
            "trigger",
            "begin",
            "primary",
            "constraint",
            "check",
            "foreign",
            "null",
            "default",
            "references",
            "collate",
            "generated",
            "as",
        ]
        .contains(&n.as_str())
    })
}

/// The identifier as SQL may write it: bare or in any quoting, any case.
fn spelled(name: String) -> impl Strategy<Value = String> {
    (0..4usize, any::<bool>()).prop_map(move |(quote, upper)| {
        let n = if upper {
            name.to_uppercase()
        } else {
            name.clone()
        };
        match quote {
            0 => n,
            1 => format!("\"{n}\""),
            2 => format!("`{n}`"),
            _ => format!("[{n}]"),
        }
    })
}

/// A keyword phrase in random case with random white space between words.
fn keywords(phrase: &'static str) -> impl Strategy<Value = String> {
    let words: Vec<&'static str> = phrase.split(' ').collect();
    let n = words.len();
    (
        proptest::collection::vec(any::<bool>(), n),
        proptest::collection::vec(
            prop_oneof![Just(" "), Just("  "), Just("\t"), Just("\n  ")],
            n,
        ),
    )
        .prop_map(move |(cases, spaces)| {
            let mut out = String::new();
            for (i, word) in words.iter().enumerate() {
                if i > 0 {
                    out.push_str(spaces[i]);
                }
                out.push_str(&if cases[i] {
                    word.to_lowercase()
                } else {
                    word.to_string()
                });
            }
            out
        })
}

fn ident(name: &str) -> Ident {
    Ident::known(name)
}

/// One statement and the operation it must give back.
fn statement() -> impl Strategy<Value = (String, SchemaOp)> {
    let add_column = (
        name(),
        name(),
        keywords("ALTER TABLE"),
        keywords("ADD COLUMN"),
    )
        .prop_flat_map(|(t, c, alter, add)| {
            (spelled(t.clone()), spelled(c.clone())).prop_map(move |(ts, cs)| {
                (
                    format!("{alter} {ts} {add} {cs} TEXT"),
                    SchemaOp::AddColumn {
                        table: ident(&t),
                        column: ColumnDef::new(ident(&c), "TEXT"),
                    },
                )
            })
        });
    let drop_column = (
        name(),
        name(),
        keywords("ALTER TABLE"),
        keywords("DROP COLUMN"),
    )
        .prop_flat_map(|(t, c, alter, drop)| {
            (spelled(t.clone()), spelled(c.clone())).prop_map(move |(ts, cs)| {
                (
                    format!("{alter} {ts} {drop} {cs}"),
                    SchemaOp::DropColumn {
                        table: ident(&t),
                        column: ident(&c),
                    },
                )
            })
        });
    let create_table = (
        name(),
        proptest::collection::vec(name(), 1..4),
        keywords("CREATE TABLE"),
    )
        .prop_flat_map(|(t, cols, create)| (spelled(t.clone()), Just(cols), Just(create)))
        .prop_map(|(ts, cols, create)| {
            let body = cols
                .iter()
                .map(|c| format!("{c} INTEGER"))
                .collect::<Vec<_>>()
                .join(", ");
            let table = ts.trim_matches(['"', '`', '[', ']']).to_lowercase();
            (
                format!("{create} {ts} ({body})"),
                SchemaOp::CreateTable {
                    table: ident(&table),
                    columns: cols
                        .iter()
                        .map(|c| ColumnDef::new(ident(c), "INTEGER"))
                        .collect(),
                },
            )
        });
    let create_index = (
        name(),
        name(),
        name(),
        any::<bool>(),
        keywords("CREATE INDEX"),
    )
        .prop_flat_map(|(i, t, c, unique, create)| {
            (spelled(i.clone()), spelled(t.clone())).prop_map(move |(is, ts)| {
                let create = if unique {
                    create
                        .replacen(' ', " UNIQUE ", 1)
                        .replacen('\t', " UNIQUE\t", 1)
                } else {
                    create.clone()
                };
                let unique = create.to_uppercase().contains("UNIQUE");
                (
                    format!("{create} {is} ON {ts} ({c})"),
                    SchemaOp::CreateIndex {
                        index: ident(&i),
                        table: ident(&t),
                        columns: vec![c.clone()],
                        unique,
                        where_clause: None,
                    },
                )
            })
        });
    let drop_table = (name(), keywords("DROP TABLE")).prop_flat_map(|(t, drop)| {
        spelled(t.clone()).prop_map(move |ts| {
            (
                format!("{drop} IF EXISTS {ts}"),
                SchemaOp::DropTable { table: ident(&t) },
            )
        })
    });
    let rename_column =
        (name(), name(), name(), keywords("RENAME COLUMN")).prop_map(|(t, a, b, rename)| {
            (
                format!("ALTER TABLE {t} {rename} {a} TO {b}"),
                SchemaOp::RenameColumn {
                    table: ident(&t),
                    from: ident(&a),
                    to: ident(&b),
                },
            )
        });
    prop_oneof![
        add_column,
        drop_column,
        create_table,
        create_index,
        drop_table,
        rename_column
    ]
}

/// Data statements and comments that name no object.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("UPDATE t SET created_at = 'ALTER TABLE x ADD COLUMN y'".to_string()),
        Just("INSERT INTO renamed_to VALUES ('CREATE INDEX i ON t(a)')".to_string()),
        Just("DELETE FROM dropdown WHERE altered_by = 1".to_string()),
        Just("-- DROP TABLE commented\nSELECT 1".to_string()),
        Just("/* CREATE TABLE commented (a INT) */ SELECT 2".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_ddl_gives_back_the_chosen_objects(
        items in proptest::collection::vec(
            prop_oneof![statement().prop_map(Some), noise().prop_map(|_| None)],
            1..6,
        ),
        noise_text in proptest::collection::vec(noise(), 6),
    ) {
        let mut sql = Vec::new();
        let mut expected = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match item {
                Some((text, op)) => {
                    sql.push(text.clone());
                    expected.push(op.clone());
                }
                None => sql.push(noise_text[i].clone()),
            }
        }
        prop_assert_eq!(extract_sql(&sql.join(";\n")), expected);
    }

    #[test]
    fn the_same_ddl_inside_python_strings_is_found_and_in_docstrings_is_not(
        (text, op) in statement(),
        quote in prop_oneof![Just("\"\"\""), Just("'''")],
    ) {
        let source = format!(
            "def _migrate_x(cursor, conn):\n    {quote}Docstring: {text}\n    {quote}\n    cursor.execute({quote}{text}\n    {quote})\n"
        );
        let file = PythonFile::lex(source.as_bytes()).unwrap();
        let ops: Vec<SchemaOp> = sql_ops(&file).into_iter().map(|(_, op)| op).collect();
        prop_assert_eq!(ops, vec![op]);
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = extract_sql(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_python_extractors(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(file) = PythonFile::lex(&bytes) {
            let _ = sql_ops(&file);
            let _ = metadata_ops(&file);
            let _ = alembic_ops(&file);
        }
    }

    #[test]
    fn python_shaped_noise_never_panics(parts in proptest::collection::vec(
        prop_oneof![
            Just("op."), Just("add_column("), Just("Table("), Just("Column("), Just("\"t\""), Just(","),
            Just(")"), Just("("), Just("def upgrade():\n"), Just("    "), Just("\n"), Just("with op.batch_alter_table(\"t\") as b:\n"),
            Just("b.add_column("), Just("sa.Column(\"c\", sa.Text())"), Just("Index("), Just("t.c.x"), Just("="),
            Just("op.execute("), Just("f\"{x}\""), Just("unique=True"),
            Just("def h(t):\n    x(f\"DROP TABLE {t}\")\n"), Just("h(\"t\")"), Just("ForeignKey(\"t.c\")"),
            Just("op.drop_constraint(\"fk_t_c\", \"t\")"), Just("op.alter_column(\"t\", \"c\", nullable=False)"),
            Just("MIGRATIONS = [(\"a\", h)]\n"), Just("server_default=sa.text(\"0\")"),
        ],
        0..40,
    )) {
        use parity_core::schema::model::{diff, FileModels, Model};
        let source = parts.concat();
        if let Ok(file) = PythonFile::lex(source.as_bytes()) {
            let mut models = Vec::new();
            for ops in [metadata_ops(&file), alembic_ops(&file), sql_ops(&file)] {
                models.push(Model::build("x.py", ops));
            }
            // Every model diffs against every other without a panic.
            for (i, base) in models.iter().enumerate() {
                for head in &models[i..] {
                    let _ = diff(&[FileModels { path: "x.py".into(), base: base.clone(), head: head.clone() }]);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The schema model of any generated DDL, diffed against itself, has no
    /// change; against an empty base, every object it holds is created (and
    /// a drop of what it never held stays a drop).
    #[test]
    fn a_model_diffed_against_itself_has_no_change(
        items in proptest::collection::vec(statement(), 1..8),
    ) {
        use parity_core::schema::model::{diff, FileModels, Model};
        use parity_core::schema::sql::extract_sql_lines;
        let sql: Vec<String> = items.iter().map(|(text, _)| text.clone()).collect();
        let ops = extract_sql_lines(&sql.join(";\n"));
        let model = Model::build("m.py", ops);
        let same = diff(&[FileModels { path: "m.py".into(), base: model.clone(), head: model.clone() }]);
        prop_assert!(same.changes.is_empty(), "{:?}", same.changes);
        let fresh_files = [FileModels { path: "m.py".into(), base: Model::default(), head: model.clone() }];
        let fresh = diff(&fresh_files);
        use parity_core::schema::Action;
        let created = fresh.changes.iter().filter(|c| c.action == Action::Created).count();
        prop_assert_eq!(created, model.keys().len());
        // Anything else is a drop of an object the model never saw.
        prop_assert!(fresh
            .changes
            .iter()
            .all(|c| c.action == Action::Created
                || (c.action == Action::Dropped && c.base(&fresh_files).is_none())));
    }
}
