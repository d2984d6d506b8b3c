//! Equivalence: whether the added revisions make the first track's change.
//!
//! The revisions' operations, in chain order, are applied to the first
//! track's model at the merge-base (both tracks are taken to agree there),
//! giving the second track's schema at HEAD. Each object of the first
//! track's change is then
//!
//! - **covered** when the second track's object is equivalent to the first
//!   track's at HEAD (created, altered or renamed: same attributes by the
//!   mapping table of `types.rs`; dropped: gone on the second track too),
//! - **mismatched** when the revisions change the object (it differs from
//!   the second track's at the merge-base) but an attribute differs from
//!   the first track's (each such attribute named with both values),
//! - **uncovered** when the revisions leave it as it was: never made, or
//!   made again exactly as before (an index dropped and re-created with
//!   its old definition is no change on PostgreSQL).

use std::collections::BTreeMap;

use super::fix::Fix;
use super::model::{
    changed_within_track, differences_across_tracks, resolved_object, Change, FileModels, Key,
    Model, Object, Table, TrackChange,
};
use super::{Action, Coverage, CoverageStatus, Mismatch, ObjectKind};

/// The coverage of each change (of the first track's `files`), in the
/// changes' order, then the unresolved facts; `base` is the second track's
/// model at the merge-base, `second` the same after the revisions (whose
/// `touched` names the revision of each touched object). Each change is
/// consumed as it is judged. With `with_fixes`, each uncovered or
/// mismatched object carries its fix (`Coverage::fix`).
pub fn coverage(
    change: TrackChange,
    files: &[FileModels],
    base: &Model,
    second: &Model,
    with_fixes: bool,
) -> Vec<Coverage> {
    // The primary key each table should have on the second track: its own,
    // with every changed column of the first track in or out.
    let mut primary_keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in change.changes.iter().filter(|_| with_fixes) {
        if let Some(Object::Column { table, column }) = c.head(files) {
            let key = primary_keys.entry(table.to_string()).or_insert_with(|| {
                second
                    .tables
                    .get(table)
                    .map(Table::primary_key)
                    .unwrap_or_default()
            });
            let has = key.iter().any(|k| *k == column.name);
            if column.primary_key && !has {
                key.push(column.name.to_string());
            } else if !column.primary_key && has {
                key.retain(|k| *k != column.name);
            }
        }
    }
    let judging = Judging {
        files,
        base,
        second,
        primary_keys: &primary_keys,
        with_fixes,
    };
    // Each item is written where its change was (a coverage item is no
    // larger than a change, and the vector is collected in place): a
    // million of each are never held at once.
    let mut out: Vec<Coverage> = change
        .changes
        .into_iter()
        .map(|c| judging.judge(c))
        .collect();
    out.extend(change.unresolved.into_iter().map(|(fact, origin)| {
        let at = (origin.path, origin.line);
        Coverage::new(fact, at, CoverageStatus::Unresolved, Vec::new(), Vec::new())
    }));
    out
}

// `coverage` collects its items in the room of the changes it judges.
const _: () = assert!(std::mem::size_of::<Coverage>() <= std::mem::size_of::<Change>());

/// Whether the revisions touched the object (or, for a column, created
/// its table).
fn touched<'m>(second: &'m Model, key: &Key) -> Option<&'m str> {
    let own = second.touched.get(key);
    let table = match key {
        Key::Column(t, _) => second.touched.get(&Key::Table(t.clone())),
        _ => None,
    };
    own.or(table).map(|o| &*o.path)
}

/// What every change is judged against.
struct Judging<'a> {
    files: &'a [FileModels],
    base: &'a Model,
    second: &'a Model,
    primary_keys: &'a BTreeMap<String, Vec<String>>,
    with_fixes: bool,
}

impl Judging<'_> {
    fn judge(&self, change: Change) -> Coverage {
        let Judging {
            files,
            base,
            second,
            primary_keys,
            with_fixes,
        } = *self;
        let (status, mismatches, fix) = status_of(&change, files, base, second, with_fixes);
        let fix = fixes(&change, fix, second, primary_keys);
        let at = (change.origin.path.clone(), change.origin.line);
        Coverage::new(change.into_fact(), at, status, mismatches, fix)
    }
}

/// How the revisions cover one change, what differs, and (`with_fixes`)
/// the fix that would cover it.
fn status_of(
    change: &Change,
    files: &[FileModels],
    base: &Model,
    second: &Model,
    with_fixes: bool,
) -> (CoverageStatus, Vec<Mismatch>, Option<Fix>) {
    // A fix is made only when one is asked for.
    let want = |make: &dyn Fn() -> Option<Fix>| if with_fixes { make() } else { None };
    let there = resolved_object(second, &change.key);
    // Whether the revisions left the object otherwise than they found it.
    let changed_by_revisions = |there: &Object| match resolved_object(base, &change.key) {
        None => true,
        Some(before) => changed_within_track(base, second, &before, there),
    };
    match change.action {
        Action::Created | Action::Altered => match (&change.head(files), &there) {
            (Some(head), Some(there)) => {
                let diffs = differences_across_tracks(head, there);
                if diffs.is_empty() {
                    (CoverageStatus::Covered, Vec::new(), None)
                } else {
                    let fix = want(&|| Fix::alter(there, head));
                    if changed_by_revisions(there) {
                        let revision = touched(second, &change.key).unwrap_or_default();
                        (
                            CoverageStatus::Mismatched,
                            diffs
                                .into_iter()
                                .map(|(attribute, sqlite, alembic)| Mismatch {
                                    attribute,
                                    sqlite,
                                    alembic,
                                    revision: revision.to_string(),
                                })
                                .collect(),
                            fix,
                        )
                    } else {
                        (CoverageStatus::Uncovered, Vec::new(), fix)
                    }
                }
            }
            (Some(head), None) => (
                CoverageStatus::Uncovered,
                Vec::new(),
                want(&|| Fix::create(head)),
            ),
            _ => (CoverageStatus::Uncovered, Vec::new(), None),
        },
        Action::Dropped => match &there {
            // An object the model never saw is dropped when the revisions
            // drop it too.
            None if change.base(files).is_none() && touched(second, &change.key).is_none() => (
                CoverageStatus::Uncovered,
                Vec::new(),
                want(&|| match &change.key {
                    Key::Table(t) => Some(Fix::DropTable(super::model::Table {
                        name: t.to_string(),
                        columns: super::model::Columns::default(),
                        constraints: Vec::new(),
                        pk_name: None,
                        origin: change.origin.clone(),
                    })),
                    _ => None,
                }),
            ),
            None => (CoverageStatus::Covered, Vec::new(), None),
            Some(there) => (
                CoverageStatus::Uncovered,
                Vec::new(),
                want(&|| Fix::drop(there)),
            ),
        },
        Action::Renamed => {
            let gone = change
                .from
                .as_deref()
                .is_none_or(|from| second.object(from).is_none());
            if there.is_some() && gone {
                (CoverageStatus::Covered, Vec::new(), None)
            } else {
                let fix = want(&|| match (change.from.as_deref(), &change.key) {
                    (Some(Key::Table(a)), Key::Table(b)) => Some(Fix::RenameTable {
                        from: a.to_string(),
                        to: b.to_string(),
                    }),
                    (Some(Key::Column(t, a)), Key::Column(_, b)) => Some(Fix::RenameColumn {
                        table: t.to_string(),
                        from: a.to_string(),
                        to: b.to_string(),
                    }),
                    _ => None,
                });
                (CoverageStatus::Uncovered, Vec::new(), fix)
            }
        }
    }
}

/// The fixes of one change: its own `fix` (none for a column whose table
/// the second track lacks: the table's own fix creates it whole), and the
/// primary key replaced whole when a column's part in it differs.
fn fixes(
    change: &Change,
    fix: Option<Fix>,
    second: &Model,
    primary_keys: &BTreeMap<String, Vec<String>>,
) -> Vec<Fix> {
    // The columns of a new table are created with it.
    let fix = match (&fix, change.kind()) {
        (Some(Fix::AddColumn { table, .. }), ObjectKind::Column)
            if !second.tables.contains_key(table) =>
        {
            None
        }
        _ => fix,
    };
    let mut fix: Vec<Fix> = fix.into_iter().collect();
    // A primary key that differs is replaced whole, with every column.
    let pk_differs = matches!(
        fix.first(),
        Some(Fix::AlterColumn { from, to, .. }) if from.primary_key != to.primary_key
    );
    if pk_differs {
        if let Key::Column(table, _) = &change.key {
            let from = second
                .tables
                .get(table.as_str())
                .map(Table::primary_key)
                .unwrap_or_default();
            let to = primary_keys
                .get(table.as_str())
                .cloned()
                .unwrap_or_default();
            if from != to {
                fix.push(Fix::ReplacePrimaryKey {
                    table: table.to_string(),
                    from,
                    from_name: second
                        .tables
                        .get(table.as_str())
                        .and_then(|t| t.pk_name.clone()),
                    to,
                });
            }
        }
    }
    fix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::{diff, FileModels, Origin};
    use crate::schema::sql::extract_sql_lines;
    use crate::schema::Attribute;
    use pretty_assertions::assert_eq;

    /// The coverage of a first-track change (`base` → `head` SQL) by
    /// revisions that run `revision` SQL.
    fn judged(base: &str, head: &str, revision: &str) -> Vec<(String, CoverageStatus)> {
        judged_full(base, head, revision)
            .into_iter()
            .map(|c| (c.description(), c.status))
            .collect()
    }

    fn judged_full(base: &str, head: &str, revision: &str) -> Vec<Coverage> {
        let base_model = Model::build("m.py", extract_sql_lines(base));
        let head_model = Model::build("m.py", extract_sql_lines(head));
        let files = [FileModels {
            path: "m.py".into(),
            base: base_model.clone(),
            head: head_model,
        }];
        let change = diff(&files);
        let mut second = base_model.clone().recording_touches();
        for (line, op) in extract_sql_lines(revision) {
            second.apply(&op, &Origin::new("versions/0004_x.py", line + 1));
        }
        coverage(change, &files, &base_model, &second, true)
    }

    const BASE: &str =
        "CREATE TABLE p (id INTEGER PRIMARY KEY); CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)";

    #[test]
    fn an_equivalent_column_is_covered_through_the_mapping_table() {
        let head = format!("{BASE}; ALTER TABLE t ADD COLUMN b VARCHAR(20) NOT NULL DEFAULT 'x' REFERENCES p(id) ON DELETE CASCADE");
        let revision = "ALTER TABLE t ADD COLUMN b character varying(20) NOT NULL DEFAULT 'x'::text REFERENCES p ON DELETE cascade";
        assert_eq!(
            judged(BASE, &head, revision),
            vec![("column t.b (added)".to_string(), CoverageStatus::Covered)]
        );
    }

    /// What a coverage item finds different: each attribute with both values.
    fn attributes_and_values(coverage: &Coverage) -> Vec<(Attribute, String, String)> {
        (coverage.mismatches().iter())
            .map(|m| (m.attribute, m.sqlite.clone(), m.alembic.clone()))
            .collect()
    }

    #[test]
    fn each_attribute_that_differs_is_a_mismatch_naming_both_values() {
        let head = format!("{BASE}; ALTER TABLE t ADD COLUMN b INTEGER NOT NULL DEFAULT 0 REFERENCES p(id) ON DELETE CASCADE");
        let revision = "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 1 REFERENCES p(id)";
        let got = judged_full(BASE, &head, revision);
        assert_eq!(got[0].status, CoverageStatus::Mismatched);
        let mismatches = attributes_and_values(&got[0]);
        assert_eq!(
            mismatches,
            vec![
                (Attribute::Type, "integer".into(), "text".into()),
                (Attribute::NotNull, "NOT NULL".into(), "nullable".into()),
                (Attribute::Default, "DEFAULT 0".into(), "DEFAULT 1".into()),
                (
                    Attribute::ForeignKey,
                    "REFERENCES p(id) ON DELETE CASCADE".into(),
                    "REFERENCES p(id)".into()
                ),
            ]
        );
        assert_eq!(got[0].mismatches()[0].revision, "versions/0004_x.py");
        assert_eq!(
            got[0].mismatches()[1].describe("SQLite"),
            "not-null: NOT NULL in SQLite, nullable in 0004_x.py"
        );
    }

    #[test]
    fn an_untouched_alteration_is_uncovered_and_a_missing_object_too() {
        let head = format!("{BASE}; CREATE TABLE t_new (id INTEGER PRIMARY KEY, a TEXT NOT NULL); DROP TABLE t; ALTER TABLE t_new RENAME TO t; CREATE UNIQUE INDEX ux ON t (a)");
        assert_eq!(
            judged(BASE, &head, "SELECT 1"),
            vec![
                (
                    "column t.a (altered)".to_string(),
                    CoverageStatus::Uncovered
                ),
                ("index ux (added)".to_string(), CoverageStatus::Uncovered),
            ]
        );
        assert_eq!(
            judged(
                BASE,
                &head,
                "ALTER TABLE t ALTER COLUMN a SET NOT NULL; CREATE UNIQUE INDEX ux ON t (a)"
            ),
            vec![
                ("column t.a (altered)".to_string(), CoverageStatus::Covered),
                ("index ux (added)".to_string(), CoverageStatus::Covered),
            ]
        );
    }

    #[test]
    fn index_definitions_compare() {
        let base = format!("{BASE}; CREATE INDEX ix ON t (a) WHERE a IS NOT NULL");
        let head =
            format!("{base}; DROP INDEX ix; CREATE UNIQUE INDEX ix ON t (a, id) WHERE a <> ''");
        let got = judged_full(
            &base,
            &head,
            "DROP INDEX ix; CREATE INDEX ix ON t (a) WHERE a <> ''",
        );
        assert_eq!(got[0].status, CoverageStatus::Mismatched);
        let attributes: Vec<Attribute> = got[0].mismatches().iter().map(|m| m.attribute).collect();
        assert_eq!(
            attributes,
            vec![Attribute::IndexColumns, Attribute::IndexUnique]
        );
    }

    #[test]
    fn an_index_of_the_same_name_on_another_table_is_a_mismatch() {
        let head = format!("{BASE}; CREATE INDEX ix ON t (id)");
        let got = judged_full(BASE, &head, "CREATE INDEX ix ON p (id)");
        assert_eq!(got[0].status, CoverageStatus::Mismatched);
        let mismatches = attributes_and_values(&got[0]);
        assert_eq!(
            mismatches,
            vec![(Attribute::IndexTable, "on t".into(), "on p".into())]
        );
    }

    #[test]
    fn a_rename_made_before_the_base_does_not_hide_a_move() {
        let base = format!(
            "{BASE}; CREATE TABLE b (id INTEGER); ALTER TABLE b RENAME TO c; \
             CREATE TABLE b (id INTEGER); CREATE INDEX ix ON b (id)"
        );
        let head = format!("{base}; DROP INDEX ix; CREATE INDEX ix ON c (id)");
        assert_eq!(
            judged(&base, &head, "SELECT 1"),
            vec![("index ix (altered)".to_string(), CoverageStatus::Uncovered)]
        );
    }

    #[test]
    fn a_revision_that_moves_an_index_elsewhere_is_a_mismatch_on_its_table() {
        let base = format!("{BASE}; CREATE TABLE q (id INTEGER); CREATE INDEX ix ON t (id)");
        let head = format!("{base}; DROP INDEX ix; CREATE INDEX ix ON p (id)");
        let got = judged_full(&base, &head, "DROP INDEX ix; CREATE INDEX ix ON q (id)");
        assert_eq!(got[0].status, CoverageStatus::Mismatched);
        assert_eq!(
            attributes_and_values(&got[0]),
            vec![(Attribute::IndexTable, "on p".into(), "on q".into())]
        );
    }

    #[test]
    fn a_renamed_table_takes_its_index_along_and_alters_no_index() {
        let base = format!("{BASE}; CREATE INDEX ix ON t (a)");
        let head = format!("{base}; ALTER TABLE t RENAME TO t2");
        let got = judged(&base, &head, "ALTER TABLE t RENAME TO t2");
        assert!(
            got.iter().all(|(object, _)| !object.starts_with("index")),
            "{got:?}"
        );
    }

    #[test]
    fn an_index_made_again_on_another_table_is_altered() {
        let base = format!("{BASE}; CREATE INDEX ix ON t (id)");
        let head = format!("{base}; DROP INDEX ix; CREATE INDEX ix ON p (id)");
        assert_eq!(
            judged(&base, &head, "SELECT 1"),
            vec![("index ix (altered)".to_string(), CoverageStatus::Uncovered)]
        );
        assert_eq!(
            judged(&base, &head, "DROP INDEX ix; CREATE INDEX ix ON p (id)"),
            vec![("index ix (altered)".to_string(), CoverageStatus::Covered)]
        );
    }

    #[test]
    fn an_object_made_again_as_it_was_is_uncovered_not_mismatched() {
        // PostgreSQL sees no change to an index dropped and re-created with
        // its old definition, nor to a column altered to what it was.
        let base = format!("{BASE}; CREATE INDEX ix ON t (a)");
        let head = format!("{base}; DROP INDEX ix; CREATE UNIQUE INDEX ix ON t (a); CREATE TABLE t_new (id INTEGER PRIMARY KEY, a TEXT NOT NULL); DROP TABLE t; ALTER TABLE t_new RENAME TO t; CREATE UNIQUE INDEX ix ON t (a)");
        assert_eq!(
            judged(
                &base,
                &head,
                "DROP INDEX ix; CREATE INDEX ix ON t (a); ALTER TABLE t ALTER COLUMN a DROP NOT NULL"
            ),
            vec![
                (
                    "column t.a (altered)".to_string(),
                    CoverageStatus::Uncovered
                ),
                ("index ix (altered)".to_string(), CoverageStatus::Uncovered),
            ]
        );
        // Re-created otherwise, it is mismatched.
        let got = judged_full(
            &base,
            &head,
            "DROP INDEX ix; CREATE INDEX ix ON t (a) WHERE a <> ''",
        );
        assert_eq!(got[1].status, CoverageStatus::Mismatched);
        let attributes: Vec<Attribute> = got[1].mismatches().iter().map(|m| m.attribute).collect();
        assert_eq!(
            attributes,
            vec![Attribute::IndexUnique, Attribute::IndexWhere]
        );
    }

    #[test]
    fn drops_and_renames_are_covered_by_the_same_drop_or_rename() {
        let head = format!("{BASE}; ALTER TABLE t DROP COLUMN a; ALTER TABLE p RENAME TO projects");
        assert_eq!(
            judged(BASE, &head, "ALTER TABLE t DROP COLUMN a"),
            vec![
                (
                    "table projects (renamed from p)".to_string(),
                    CoverageStatus::Uncovered
                ),
                ("column t.a (dropped)".to_string(), CoverageStatus::Covered),
            ]
        );
    }
}
