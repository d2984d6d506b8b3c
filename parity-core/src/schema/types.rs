//! The mapping table: how the two tracks' spellings of a column's type, a
//! default and a foreign key's action compare.
//!
//! | class       | SQLite declared type (and PostgreSQL spellings in `op.execute` SQL)    | SQLAlchemy                                  |
//! |-------------|-------------------------------------------------------------------------|---------------------------------------------|
//! | `integer`   | INTEGER, INT, BIGINT, SMALLINT, any name containing INT; SERIAL, BIGSERIAL | Integer, BigInteger, SmallInteger          |
//! | `text`      | TEXT, VARCHAR(n), CHAR, CLOB, any name containing CHAR/CLOB/TEXT; CHARACTER VARYING | Text, String, Unicode, UnicodeText |
//! | `real`      | REAL, FLOAT, DOUBLE; DOUBLE PRECISION                                   | Float, REAL, Double                         |
//! | `numeric`   | NUMERIC, DECIMAL                                                        | Numeric, DECIMAL                            |
//! | `boolean`   | BOOLEAN, BOOL (SQLite stores it as INTEGER)                             | Boolean                                     |
//! | `blob`      | BLOB; BYTEA                                                             | LargeBinary                                 |
//! | `timestamp` | TIMESTAMP, DATETIME; TIMESTAMPTZ                                        | DateTime, TIMESTAMP                         |
//! | `date`      | DATE                                                                    | Date                                        |
//! | `json`      | JSON; JSONB                                                             | JSON, JSONB                                 |
//! | `other:<NAME>` | anything else, equal only to the same name                           | anything else                               |
//!
//! The named types (BOOLEAN, TIMESTAMP, DATE, JSON) are read before SQLite's
//! affinity rules, so `DATETIME` is a timestamp rather than numeric.
//! Defaults compare by value when both are literals (quotes stripped,
//! numbers normalised, `TRUE`/`FALSE` as 1/0, `CURRENT_TIMESTAMP` and
//! `now()` the same), else by presence. A foreign key's `ON DELETE`/`ON
//! UPDATE` absent is `NO ACTION`.

use std::fmt;

use serde::Serialize;

/// A column type's class: what both tracks agree a type means.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeClass {
    Integer,
    Text,
    Real,
    Numeric,
    Boolean,
    Blob,
    Timestamp,
    Date,
    Json,
    /// Anything else, by its upper-cased name (empty: no declared type).
    Other(String),
}

impl TypeClass {
    /// The class of a SQL declared type (`VARCHAR(20)`, `unsigned big int`),
    /// SQLite's spellings and PostgreSQL's (revisions' `op.execute` SQL).
    pub fn from_sqlite(declared: &str) -> TypeClass {
        let upper = declared.trim().to_ascii_uppercase();
        let name: String = upper
            .split('(')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        match name.as_str() {
            "BOOLEAN" | "BOOL" => return TypeClass::Boolean,
            "TIMESTAMP"
            | "DATETIME"
            | "TIMESTAMPTZ"
            | "TIMESTAMP WITH TIME ZONE"
            | "TIMESTAMP WITHOUT TIME ZONE" => return TypeClass::Timestamp,
            "DATE" => return TypeClass::Date,
            "JSON" | "JSONB" => return TypeClass::Json,
            "SERIAL" | "BIGSERIAL" | "SMALLSERIAL" => return TypeClass::Integer,
            "BYTEA" => return TypeClass::Blob,
            "DOUBLE PRECISION" => return TypeClass::Real,
            _ => {}
        }
        // SQLite's affinity rules, in their order.
        if name.contains("INT") {
            TypeClass::Integer
        } else if name.contains("CHAR") || name.contains("CLOB") || name.contains("TEXT") {
            TypeClass::Text
        } else if name.contains("BLOB") {
            TypeClass::Blob
        } else if name.contains("REAL") || name.contains("FLOA") || name.contains("DOUB") {
            TypeClass::Real
        } else if name.contains("NUMERIC") || name.contains("DECIMAL") {
            TypeClass::Numeric
        } else {
            TypeClass::Other(name)
        }
    }

    /// The class of a SQLAlchemy type's name (`Integer`, `sa.String`'s
    /// `String`, `postgresql.JSONB`'s `JSONB`).
    pub fn from_sqlalchemy(name: &str) -> TypeClass {
        match name {
            "Integer" | "INTEGER" | "INT" | "BigInteger" | "BIGINT" | "SmallInteger"
            | "SMALLINT" => TypeClass::Integer,
            "String" | "Text" | "Unicode" | "UnicodeText" | "VARCHAR" | "CHAR" | "TEXT"
            | "NVARCHAR" | "CLOB" => TypeClass::Text,
            "Float" | "REAL" | "Double" | "DOUBLE" | "DOUBLE_PRECISION" | "FLOAT" => {
                TypeClass::Real
            }
            "Numeric" | "NUMERIC" | "DECIMAL" => TypeClass::Numeric,
            "Boolean" | "BOOLEAN" => TypeClass::Boolean,
            "LargeBinary" | "BLOB" | "BYTEA" | "BINARY" | "VARBINARY" => TypeClass::Blob,
            "DateTime" | "TIMESTAMP" | "DATETIME" => TypeClass::Timestamp,
            "Date" | "DATE" => TypeClass::Date,
            "JSON" | "JSONB" => TypeClass::Json,
            other => TypeClass::Other(other.to_ascii_uppercase()),
        }
    }

    /// The SQLAlchemy type the fix-it writes for the class.
    pub fn sqlalchemy(&self) -> &'static str {
        match self {
            TypeClass::Integer => "sa.Integer()",
            TypeClass::Text => "sa.Text()",
            TypeClass::Real => "sa.Float()",
            TypeClass::Numeric => "sa.Numeric()",
            TypeClass::Boolean => "sa.Boolean()",
            TypeClass::Blob => "sa.LargeBinary()",
            TypeClass::Timestamp => "sa.DateTime()",
            TypeClass::Date => "sa.Date()",
            TypeClass::Json => "sa.JSON()",
            // No declared type: SQLite stores anything; text is the safe guess.
            TypeClass::Other(_) => "sa.Text()",
        }
    }
}

impl TypeClass {
    /// Whether a default of this type is a number (a boolean is 1 or 0):
    /// compared and written by its value, not its spelling.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            TypeClass::Integer | TypeClass::Real | TypeClass::Numeric | TypeClass::Boolean
        )
    }
}

impl fmt::Display for TypeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            TypeClass::Integer => "integer",
            TypeClass::Text => "text",
            TypeClass::Real => "real",
            TypeClass::Numeric => "numeric",
            TypeClass::Boolean => "boolean",
            TypeClass::Blob => "blob",
            TypeClass::Timestamp => "timestamp",
            TypeClass::Date => "date",
            TypeClass::Json => "json",
            TypeClass::Other(name) => return write!(f, "other:{name}"),
        };
        f.write_str(name)
    }
}

impl Serialize for TypeClass {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A column's server default.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "value")]
pub enum DefaultValue {
    /// A literal: a string's text as written (quotes stripped), a bare
    /// number in its shortest form, `1`/`0` for a bare boolean,
    /// `CURRENT_TIMESTAMP` for the current time. Compared by the column's
    /// type ([`DefaultValue::equivalent`]).
    Literal(String),
    /// Any other expression, as written (compared by presence only).
    Expression(String),
}

impl DefaultValue {
    /// A default from SQL: a quoted string, a number, a keyword or an
    /// expression (`(datetime('now'))`).
    pub fn from_sql(text: &str) -> Option<DefaultValue> {
        let text = text.trim();
        let inner = strip_parens(text);
        if let Some(s) = inner.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return Some(DefaultValue::Literal(s.replace("''", "'")));
        }
        // PostgreSQL's `'open'::text`.
        if let Some((value, _cast)) = inner.split_once("::") {
            if value.starts_with('\'') {
                return DefaultValue::from_sql(value);
            }
        }
        let upper = inner.to_ascii_uppercase();
        match upper.as_str() {
            "NULL" | "" => return None,
            "CURRENT_TIMESTAMP" | "NOW()" | "CURRENT_TIMESTAMP()" | "LOCALTIMESTAMP" => {
                return Some(DefaultValue::Literal("CURRENT_TIMESTAMP".into()))
            }
            "TRUE" | "FALSE" => return Some(DefaultValue::Literal(normal_literal(inner))),
            _ => {}
        }
        // As written: a text column stores `1.0` as `'1.0'`.
        if number(inner).is_some() {
            return Some(DefaultValue::Literal(inner.to_string()));
        }
        Some(DefaultValue::Expression(inner.to_string()))
    }

    /// A default that is a plain value (`server_default="open"`): its text.
    pub fn literal(value: &str) -> DefaultValue {
        DefaultValue::Literal(value.to_string())
    }

    /// Whether two defaults of a column of `class` are the same: literals by
    /// the value the column stores (for a number or a boolean `1.0` = `1` =
    /// `'1'` and `TRUE` = `1`; for text, and any other type, the text
    /// itself, as PostgreSQL stores it: `'true'` is not `'1'`), anything else
    /// by presence.
    pub fn equivalent(
        class: &TypeClass,
        a: Option<&DefaultValue>,
        b: Option<&DefaultValue>,
    ) -> bool {
        let numeric = class.is_numeric();
        match (a, b) {
            (None, None) => true,
            (Some(DefaultValue::Literal(x)), Some(DefaultValue::Literal(y))) if numeric => {
                normal_literal(x) == normal_literal(y)
            }
            (Some(DefaultValue::Literal(x)), Some(DefaultValue::Literal(y))) => x == y,
            (Some(_), Some(_)) => true,
            _ => false,
        }
    }

    /// How a report shows it: `DEFAULT 'open'`, `DEFAULT 0`.
    pub fn describe(this: Option<&DefaultValue>) -> String {
        match this {
            None => "no default".into(),
            Some(DefaultValue::Literal(v)) if number(v).is_some() || v == "CURRENT_TIMESTAMP" => {
                format!("DEFAULT {v}")
            }
            Some(DefaultValue::Literal(v)) => format!("DEFAULT '{v}'"),
            Some(DefaultValue::Expression(e)) => format!("DEFAULT {e}"),
        }
    }

    /// The `server_default=` the fix-it writes for a column of `class`: a
    /// boolean's `1`/`0` as PostgreSQL's `true`/`false` (an integer is no
    /// boolean default there).
    pub fn server_default(&self, class: &TypeClass) -> String {
        let quoted = |v: &str| format!("'{}'", v.replace('\'', "''"));
        let text = match self {
            DefaultValue::Literal(v) if v == "CURRENT_TIMESTAMP" => v.clone(),
            // A number or a boolean by its value; any other type as written,
            // quoted, so that PostgreSQL stores the same text (`'007'`).
            DefaultValue::Literal(v) if class.is_numeric() => {
                let value = normal_literal(v);
                match (class, value.as_str()) {
                    (TypeClass::Boolean, "1") => "true".to_string(),
                    (TypeClass::Boolean, "0") => "false".to_string(),
                    _ if number(&value).is_some() => value,
                    _ => quoted(&value),
                }
            }
            DefaultValue::Literal(v) => quoted(v),
            DefaultValue::Expression(e) => e.clone(),
        };
        format!(
            "sa.text({})",
            serde_json::to_string(&text).expect("a string always serializes")
        )
    }
}

fn strip_parens(mut text: &str) -> &str {
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        text = inner.trim();
    }
    text
}

fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A literal's normal form: numbers in their shortest spelling
/// (`1.0` → `1`), booleans as `1`/`0`, other text as it is.
fn normal_literal(value: &str) -> String {
    if value.eq_ignore_ascii_case("true") {
        return "1".into();
    }
    if value.eq_ignore_ascii_case("false") {
        return "0".into();
    }
    match number(value) {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        Some(n) => format!("{n}"),
        None => value.to_string(),
    }
}

/// A foreign key's `ON DELETE`/`ON UPDATE` action, upper-cased, absent as
/// `NO ACTION`.
pub fn fk_action(action: Option<&str>) -> String {
    match action {
        None => "NO ACTION".into(),
        Some(a) => a
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn sqlite_types_by_the_table() {
        for (declared, class) in [
            ("INTEGER", TypeClass::Integer),
            ("int", TypeClass::Integer),
            ("BIGINT", TypeClass::Integer),
            ("unsigned big int", TypeClass::Integer),
            ("BIGSERIAL", TypeClass::Integer),
            ("TEXT", TypeClass::Text),
            ("VARCHAR(20)", TypeClass::Text),
            ("character varying(5)", TypeClass::Text),
            ("CLOB", TypeClass::Text),
            ("REAL", TypeClass::Real),
            ("DOUBLE PRECISION", TypeClass::Real),
            ("FLOAT", TypeClass::Real),
            ("NUMERIC(10, 2)", TypeClass::Numeric),
            ("DECIMAL", TypeClass::Numeric),
            ("BOOLEAN", TypeClass::Boolean),
            ("BLOB", TypeClass::Blob),
            ("BYTEA", TypeClass::Blob),
            ("TIMESTAMP", TypeClass::Timestamp),
            ("DATETIME", TypeClass::Timestamp),
            ("timestamp with time zone", TypeClass::Timestamp),
            ("DATE", TypeClass::Date),
            ("JSON", TypeClass::Json),
            ("JSONB", TypeClass::Json),
            ("UUID", TypeClass::Other("UUID".into())),
            ("", TypeClass::Other(String::new())),
        ] {
            assert_eq!(TypeClass::from_sqlite(declared), class, "{declared}");
        }
    }

    #[test]
    fn sqlalchemy_types_by_the_table() {
        for (name, class) in [
            ("Integer", TypeClass::Integer),
            ("BigInteger", TypeClass::Integer),
            ("SmallInteger", TypeClass::Integer),
            ("String", TypeClass::Text),
            ("Unicode", TypeClass::Text),
            ("UnicodeText", TypeClass::Text),
            ("Text", TypeClass::Text),
            ("Float", TypeClass::Real),
            ("Double", TypeClass::Real),
            ("Numeric", TypeClass::Numeric),
            ("Boolean", TypeClass::Boolean),
            ("LargeBinary", TypeClass::Blob),
            ("DateTime", TypeClass::Timestamp),
            ("Date", TypeClass::Date),
            ("JSON", TypeClass::Json),
            ("Uuid", TypeClass::Other("UUID".into())),
        ] {
            assert_eq!(TypeClass::from_sqlalchemy(name), class, "{name}");
        }
        assert_eq!(TypeClass::Other("UUID".into()).to_string(), "other:UUID");
        assert_eq!(TypeClass::Timestamp.to_string(), "timestamp");
    }

    #[test]
    fn defaults_compare_by_value_or_presence() {
        let sql = |t: &str| DefaultValue::from_sql(t);
        assert_eq!(sql("'open'"), Some(DefaultValue::literal("open")));
        assert!(DefaultValue::equivalent(
            &TypeClass::Integer,
            sql("0").as_ref(),
            sql("0.0").as_ref()
        ));
        // A bare number is kept as written: a text column stores `1.0`.
        assert_eq!(sql("1.0"), Some(DefaultValue::literal("1.0")));
        assert_eq!(sql("(1)"), Some(DefaultValue::literal("1")));
        assert_eq!(sql("TRUE"), sql("1"));
        assert_eq!(sql("now()"), sql("CURRENT_TIMESTAMP"));
        assert_eq!(sql("'it''s'"), Some(DefaultValue::literal("it's")));
        assert_eq!(sql("'open'::text"), sql("'open'"));
        assert_eq!(sql("NULL"), None);
        let expr = sql("(datetime('now'))");
        assert_eq!(
            expr,
            Some(DefaultValue::Expression("datetime('now')".into()))
        );
        let same = |class: TypeClass, a: &str, b: &str| {
            DefaultValue::equivalent(&class, sql(a).as_ref(), sql(b).as_ref())
        };
        assert!(same(TypeClass::Text, "(datetime('now'))", "strftime('%s')"));
        assert!(!same(TypeClass::Integer, "0", "1"));
        assert!(!DefaultValue::equivalent(
            &TypeClass::Integer,
            sql("0").as_ref(),
            None
        ));
        // A number or a boolean by the value stored; text as written, as
        // PostgreSQL stores it.
        assert!(same(TypeClass::Integer, "'1'", "1.0"));
        assert!(same(TypeClass::Boolean, "'true'", "1"));
        assert!(same(TypeClass::Real, "'1.50'", "1.5"));
        assert!(!same(TypeClass::Text, "'true'", "'1'"));
        assert!(!same(TypeClass::Text, "'1.0'", "'1'"));
        assert!(!same(TypeClass::Text, "1.0", "'1'"));
        assert!(same(TypeClass::Text, "1.0", "'1.0'"));
        assert!(same(TypeClass::Text, "'open'", "'open'::text"));
        assert_eq!(
            DefaultValue::describe(sql("'open'").as_ref()),
            "DEFAULT 'open'"
        );
        assert_eq!(DefaultValue::describe(None), "no default");
        assert_eq!(
            DefaultValue::literal("it's").server_default(&TypeClass::Text),
            r#"sa.text("'it''s'")"#
        );
        // Text as written, quoted; a number or a boolean by its value.
        let written =
            |sql_default: &str, class: TypeClass| sql(sql_default).unwrap().server_default(&class);
        assert_eq!(written("'007'", TypeClass::Text), r#"sa.text("'007'")"#);
        assert_eq!(written("1.0", TypeClass::Text), r#"sa.text("'1.0'")"#);
        assert_eq!(written("'1.0'", TypeClass::Integer), r#"sa.text("1")"#);
        assert_eq!(written("'TRUE'", TypeClass::Boolean), r#"sa.text("true")"#);
        assert_eq!(written("0.0", TypeClass::Boolean), r#"sa.text("false")"#);
        assert_eq!(
            written("CURRENT_TIMESTAMP", TypeClass::Timestamp),
            r#"sa.text("CURRENT_TIMESTAMP")"#
        );
        assert_eq!(
            sql("0").unwrap().server_default(&TypeClass::Integer),
            r#"sa.text("0")"#
        );
        // PostgreSQL refuses an integer default on a boolean column.
        assert_eq!(
            sql("0").unwrap().server_default(&TypeClass::Boolean),
            r#"sa.text("false")"#
        );
        assert_eq!(
            sql("TRUE").unwrap().server_default(&TypeClass::Boolean),
            r#"sa.text("true")"#
        );
    }

    #[test]
    fn actions_default_to_no_action() {
        assert_eq!(fk_action(None), "NO ACTION");
        assert_eq!(fk_action(Some("set  null")), "SET NULL");
    }
}
