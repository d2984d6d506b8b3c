//! The harness's pure parts: the mapping table, catalog differences as
//! object changes, the truth, the comparison with the guard's JSON, and the
//! generator. The engines themselves are exercised in `xtask/tests/it/engines.rs`.

use pretty_assertions::assert_eq;

use super::catalog::*;
use super::generate::{generate, GenCase, GenOp, Variant};
use super::run::{compare, GuardItem};
use super::truth::*;

#[test]
fn type_classes_follow_the_contract_on_both_engines() {
    use TypeClass::*;
    let sqlite = [
        ("INTEGER", Integer),
        ("bigint", Integer),
        ("VARCHAR(20)", Text),
        ("CLOB", Text),
        ("DOUBLE", Real),
        ("DECIMAL(10, 2)", Numeric),
        ("BOOLEAN", Boolean),
        ("BLOB", Blob),
        ("DATETIME", Timestamp),
        ("DATE", Date),
        ("JSON", Json),
        ("UUID", Other("UUID".into())),
    ];
    for (name, class) in sqlite {
        assert_eq!(type_class(Engine::Sqlite, name), class, "{name}");
    }
    let postgres = [
        ("integer", Integer),
        ("smallint", Integer),
        ("character varying(32)", Text),
        ("character(3)", Text),
        ("double precision", Real),
        ("numeric(10,2)", Numeric),
        ("boolean", Boolean),
        ("bytea", Blob),
        ("timestamp with time zone", Timestamp),
        ("timestamp(6) without time zone", Timestamp),
        ("date", Date),
        ("jsonb", Json),
        ("uuid", Other("UUID".into())),
    ];
    for (name, class) in postgres {
        assert_eq!(type_class(Engine::Postgres, name), class, "{name}");
    }
}

#[test]
fn index_keys_are_names_or_loosely_compared_expressions() {
    let raw = |columns: &[&str]| RawCatalog {
        tables: Vec::new(),
        indexes: vec![RawIndex {
            name: "ix".into(),
            table: "t".into(),
            columns: columns.iter().map(|c| Some(c.to_string())).collect(),
            unique: false,
            predicate: None,
        }],
        triggers: Vec::new(),
    };
    let sqlite = Catalog::from_raw(Engine::Sqlite, &raw(&["LOWER( \"Code\" )", "\"Weight\""]));
    let postgres = Catalog::from_raw(Engine::Postgres, &raw(&["lower((code)::text)", "weight"]));
    assert_eq!(sqlite.indexes["ix"].columns, vec!["lowercode", "weight"]);
    assert_eq!(
        catalog_differences(&sqlite, &postgres),
        Vec::<String>::new()
    );
    let other = Catalog::from_raw(Engine::Postgres, &raw(&["upper((code)::text)", "weight"]));
    assert_eq!(catalog_differences(&sqlite, &other).len(), 1);
}

#[test]
fn defaults_compare_by_literal_value_else_by_presence() {
    let lit = |s: &str| DefaultValue::Literal(s.into());
    assert_eq!(
        normalise_default("'open'::text", &TypeClass::Text),
        lit("open")
    );
    assert_eq!(normalise_default("'open'", &TypeClass::Text), lit("open"));
    assert_eq!(normalise_default("'it''s'", &TypeClass::Text), lit("it's"));
    assert_eq!(normalise_default("0", &TypeClass::Integer), lit("0"));
    assert_eq!(
        normalise_default("'7'::integer", &TypeClass::Integer),
        lit("7")
    );
    assert_eq!(normalise_default("1.50", &TypeClass::Real), lit("1.5"));
    assert_eq!(
        normalise_default("now()", &TypeClass::Timestamp),
        lit("CURRENT_TIMESTAMP")
    );
    assert_eq!(
        normalise_default("CURRENT_TIMESTAMP", &TypeClass::Text),
        lit("CURRENT_TIMESTAMP")
    );
    assert_eq!(normalise_default("false", &TypeClass::Boolean), lit("0"));
    assert_eq!(
        normalise_default("'2026-01-01'::date", &TypeClass::Date),
        lit("2026-01-01")
    );
    assert_eq!(
        normalise_default("lower(name)", &TypeClass::Text),
        DefaultValue::Expression("lower(name)".into())
    );
    let expr = Some(DefaultValue::Expression("random()".into()));
    assert!(DefaultValue::equivalent(&Some(lit("1")), &Some(lit("1"))));
    assert!(!DefaultValue::equivalent(&Some(lit("1")), &Some(lit("2"))));
    assert!(DefaultValue::equivalent(&Some(lit("1")), &expr));
    assert!(!DefaultValue::equivalent(&None, &expr));
}

#[test]
fn predicates_lose_casts_parentheses_and_spacing() {
    assert_eq!(
        normalise_predicate("(status = 'open'::text)"),
        "status='open'"
    );
    assert_eq!(normalise_predicate("status = 'open'"), "status='open'");
    assert_eq!(
        normalise_predicate("(priority > 0)"),
        normalise_predicate("priority > 0")
    );
}

fn column(name: &str, ident: i64, ty: &str, notnull: bool) -> RawColumn {
    RawColumn {
        name: name.into(),
        type_name: ty.into(),
        notnull,
        default: None,
        pk: u32::from(name == "id"),
        ident,
        identity: false,
    }
}

fn table(name: &str, ident: i64, columns: Vec<RawColumn>) -> RawTable {
    RawTable {
        name: name.into(),
        ident,
        primary_key: vec!["id".into()],
        columns,
        uniques: vec![],
        fks: vec![],
    }
}

fn catalog(engine: Engine, tables: Vec<RawTable>, indexes: Vec<RawIndex>) -> Catalog {
    Catalog::from_raw(
        engine,
        &RawCatalog {
            tables,
            indexes,
            triggers: vec![],
        },
    )
}

fn keys(changes: &[Change]) -> Vec<String> {
    changes.iter().map(|c| c.key.to_string()).collect()
}

#[test]
fn postgres_renames_follow_oid_and_attnum() {
    let base = catalog(
        Engine::Postgres,
        vec![table(
            "events",
            10,
            vec![
                column("id", 1, "integer", true),
                column("title", 2, "text", false),
            ],
        )],
        vec![],
    );
    let head = catalog(
        Engine::Postgres,
        vec![table(
            "history",
            10,
            vec![
                column("id", 1, "integer", true),
                column("summary", 2, "text", false),
            ],
        )],
        vec![],
    );
    assert_eq!(
        keys(&changes(Engine::Postgres, &base, &head)),
        vec![
            "table history (renamed from events)",
            "column history.summary (renamed from title)"
        ]
    );
}

#[test]
fn sqlite_renames_need_the_same_rootpage_and_place() {
    let base_columns = vec![
        column("id", 0, "INTEGER", false),
        column("title", 1, "TEXT", true),
        column("status", 2, "TEXT", true),
        column("created_at", 3, "TEXT", true),
    ];
    let base = catalog(
        Engine::Sqlite,
        vec![table("tasks", 4, base_columns.clone())],
        vec![],
    );
    // RENAME COLUMN title TO summary, DROP COLUMN status, ADD COLUMN note.
    let head_columns = vec![
        column("id", 0, "INTEGER", false),
        column("summary", 1, "TEXT", true),
        column("created_at", 2, "TEXT", true),
        column("note", 3, "TEXT", false),
    ];
    let head = catalog(
        Engine::Sqlite,
        vec![table("tasks", 4, head_columns.clone())],
        vec![],
    );
    assert_eq!(
        keys(&changes(Engine::Sqlite, &base, &head)),
        vec![
            "column tasks.note (created)",
            "column tasks.status (dropped)",
            "column tasks.summary (renamed from title)"
        ]
    );
    // The same columns in a rebuilt table (another rootpage): no rename.
    let rebuilt = catalog(
        Engine::Sqlite,
        vec![table("tasks", 9, head_columns)],
        vec![],
    );
    assert_eq!(
        keys(&changes(Engine::Sqlite, &base, &rebuilt)),
        vec![
            "column tasks.note (created)",
            "column tasks.summary (created)",
            "column tasks.status (dropped)",
            "column tasks.title (dropped)"
        ]
    );
    // A dropped table whose rootpage a new table reuses is no rename.
    let other = catalog(
        Engine::Sqlite,
        vec![table(
            "labels",
            4,
            vec![
                column("id", 0, "INTEGER", false),
                column("x", 1, "TEXT", false),
            ],
        )],
        vec![],
    );
    assert_eq!(
        keys(&changes(Engine::Sqlite, &base, &other)),
        vec![
            "table labels (created)",
            "table tasks (dropped)",
            "column labels.id (created)",
            "column labels.x (created)"
        ]
    );
}

#[test]
fn indexes_of_a_dropped_table_go_with_it_and_renames_do_not_alter_an_index() {
    let index = |name: &str, table: &str, column: &str| RawIndex {
        name: name.into(),
        table: table.into(),
        columns: vec![Some(column.into())],
        unique: false,
        predicate: None,
    };
    let base = catalog(
        Engine::Postgres,
        vec![
            table(
                "a",
                1,
                vec![
                    column("id", 1, "integer", true),
                    column("x", 2, "text", false),
                ],
            ),
            table("b", 2, vec![column("id", 1, "integer", true)]),
        ],
        vec![index("ix_a", "a", "x"), index("ix_b", "b", "id")],
    );
    let head = catalog(
        Engine::Postgres,
        vec![table(
            "c",
            1,
            vec![
                column("id", 1, "integer", true),
                column("y", 2, "text", false),
            ],
        )],
        vec![index("ix_a", "c", "y")],
    );
    assert_eq!(
        keys(&changes(Engine::Postgres, &base, &head)),
        vec![
            "table b (dropped)",
            "table c (renamed from a)",
            "column c.y (renamed from x)"
        ]
    );
}

#[test]
fn the_truth_compares_attributes_after_the_change() {
    let sqlite_col = Catalog::from_raw(
        Engine::Sqlite,
        &RawCatalog {
            tables: vec![table(
                "t",
                1,
                vec![
                    column("id", 0, "INTEGER", false),
                    column("c", 1, "TIMESTAMP", true),
                ],
            )],
            indexes: vec![],
            triggers: vec![],
        },
    );
    let pg_col = Catalog::from_raw(
        Engine::Postgres,
        &RawCatalog {
            tables: vec![table(
                "t",
                1,
                vec![
                    column("id", 1, "integer", true),
                    column("c", 2, "text", false),
                ],
            )],
            indexes: vec![],
            triggers: vec![],
        },
    );
    let empty = Catalog::default();
    let items = truth(
        &changes(Engine::Sqlite, &empty, &sqlite_col),
        &changes(Engine::Postgres, &empty, &pg_col),
    );
    let shown: Vec<(String, &str, Vec<&str>)> = items
        .iter()
        .map(|t| {
            let attrs = match &t.status {
                Status::Mismatched(d) => d.iter().map(|d| d.attribute.as_str()).collect(),
                _ => vec![],
            };
            (t.key.to_string(), t.status.name(), attrs)
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            ("table t (created)".to_string(), "covered", vec![]),
            (
                "column t.c (created)".to_string(),
                "mismatched",
                vec!["type", "not-null"]
            ),
            ("column t.id (created)".to_string(), "covered", vec![]),
        ]
    );
    // Nothing on the PostgreSQL side: every object uncovered.
    let none = truth(&changes(Engine::Sqlite, &empty, &sqlite_col), &[]);
    assert!(none.iter().all(|t| t.status == Status::Uncovered));
}

fn guard_items(json: &str) -> Vec<GuardItem> {
    serde_json::from_str(json).unwrap()
}

#[test]
fn the_comparison_reads_both_shapes_of_the_guard_and_names_every_disagreement() {
    let key = ObjectKey {
        kind: Kind::Column,
        action: Action::Created,
        table: Some("tasks".into()),
        name: "due".into(),
        from: None,
    };
    let mismatched = TruthItem {
        key: key.clone(),
        status: Status::Mismatched(vec![Difference {
            attribute: Attribute::NotNull,
            sqlite: "NOT NULL".into(),
            postgres: "nullable".into(),
        }]),
    };
    // Today's shape: no `mismatches`, so a covered guard disagrees.
    let old = guard_items(
        r#"[{"fact":{"kind":"column","action":"created","table":{"kind":"known","name":"tasks"},"name":{"kind":"known","name":"due"}},"description":"column tasks.due (added)","path":"m.py","line":3,"status":"covered"}]"#,
    );
    let c = compare(std::slice::from_ref(&mismatched), &old);
    assert_eq!(c.disagreements.len(), 1);
    assert_eq!(c.disagreements[0].guard, "covered");
    assert!(c.disagreements[0]
        .engines
        .starts_with("mismatched (not-null"));
    // The contract's shape with the same attribute: agreement.
    let new = guard_items(
        r#"[{"fact":{"kind":"column","action":"created","table":{"kind":"known","name":"tasks"},"name":{"kind":"known","name":"due"}},"description":"column tasks.due (added)","path":"m.py","line":3,"status":"mismatched","mismatches":[{"attribute":"not-null","sqlite":"NOT NULL","alembic":"nullable","revision":"v.py"}]}]"#,
    );
    let c = compare(std::slice::from_ref(&mismatched), &new);
    assert_eq!((c.agreed.len(), c.disagreements.len()), (1, 0));
    // Another attribute: a disagreement.
    let other = new[0].clone();
    let mut other = other;
    other.mismatches[0].attribute = "default".into();
    assert_eq!(
        compare(std::slice::from_ref(&mismatched), &[other])
            .disagreements
            .len(),
        1
    );
    // An object only the guard reports, and one only the engines see.
    let c = compare(&[], &new);
    assert_eq!(
        c.disagreements[0].engines,
        "no such change in the SQLite catalog"
    );
    let c = compare(std::slice::from_ref(&mismatched), &[]);
    assert_eq!(c.disagreements[0].guard, "not reported");
    // A run-time name in the guard: acknowledged, not a disagreement.
    let unresolved = guard_items(
        r#"[{"fact":{"kind":"column","action":"created","table":{"kind":"unresolved","name":"table"},"name":{"kind":"known","name":"due"}},"description":"column {table}.due (added)","path":"m.py","line":3,"status":"unresolved"}]"#,
    );
    let c = compare(&[mismatched], &unresolved);
    assert_eq!((c.unresolved.len(), c.disagreements.len()), (1, 0));
}

#[test]
fn the_generator_is_deterministic_and_labels_what_it_writes() {
    let a = generate(30, 7).unwrap();
    assert_eq!(a, generate(30, 7).unwrap());
    assert_ne!(a, generate(30, 8).unwrap());
    let case = GenCase {
        ops: vec![
            (GenOp::DropColumn, Variant::Omit),
            (GenOp::RenameColumn, Variant::Mirror),
        ],
    };
    assert_eq!(
        case.sqlite_statements(),
        vec![
            "ALTER TABLE tasks DROP COLUMN status",
            "ALTER TABLE tasks RENAME COLUMN title TO summary"
        ]
    );
    assert_eq!(
        case.alembic_statements(),
        vec!["op.alter_column(\"tasks\", \"title\", new_column_name=\"summary\")"]
    );
    let expected: Vec<(String, &str)> = case
        .expected()
        .into_iter()
        .map(|(k, s, _)| (k.to_string(), s))
        .collect();
    assert_eq!(
        expected,
        vec![
            ("column tasks.status (dropped)".to_string(), "uncovered"),
            (
                "column tasks.summary (renamed from title)".to_string(),
                "covered"
            ),
        ]
    );
    // Over many cases every kind of operation and variant turns up.
    let many = generate(200, 20_260_101).unwrap();
    let ops = |f: fn(&GenOp) -> bool| {
        many.iter()
            .flat_map(|c| &c.ops)
            .filter(|(o, _)| f(o))
            .count()
    };
    assert!(ops(|o| matches!(o, GenOp::CreateTable { .. })) > 20);
    assert!(ops(|o| matches!(o, GenOp::RenameTable)) > 10);
    let variants = |f: fn(&Variant) -> bool| {
        many.iter()
            .flat_map(|c| &c.ops)
            .filter(|(_, v)| f(v))
            .count()
    };
    assert!(variants(|v| *v == Variant::Omit) > 20);
    assert!(variants(|v| matches!(v, Variant::Alter(..))) > 20);
}
