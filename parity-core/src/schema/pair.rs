//! Pairs the two tracks of a range object by object: the first track's
//! change (one model of every watched file together at the merge-base,
//! one at HEAD) against what the added revisions, in chain order, do to
//! the base model.

use std::cell::RefCell;

use crate::alembic::read_revision;
use crate::classify::{LexError, PythonFile};
use crate::groundwork::Groundwork;
use crate::path::PathBytes;
use crate::path_pattern::PathPattern;
use crate::rules::Rules;
use crate::sources::{LexedFiles, Sources};

use super::equiv::coverage;
use super::model::{apply_order, diff, merged, stable_order, FileModels, Model, Origin};
use super::python::{alembic_ops, each_sql_op, metadata_ops};
use super::sql::extract_sql_lines;
use super::{Coverage, CoverageStatus, LineOp};

/// The file contents pairing reads.
pub struct PairingSources<'a> {
    /// The watched files `pairing_needs` names, at the merge-base.
    pub base: &'a Sources,
    /// The same files at HEAD.
    pub head: &'a Sources,
    /// Those of them the check already lexed at HEAD (each dropped once
    /// its operations are read).
    pub head_lexed: LexedFiles<'a>,
    /// The added revision files at HEAD.
    pub revisions: &'a Sources,
    /// The models made ahead of the decision, if any (see `Groundwork`).
    pub groundwork: Option<&'a RefCell<Groundwork>>,
}

/// The outcome of pairing.
#[derive(Debug, Default)]
pub struct Pairing {
    /// Each object of the first track's change, and how the revisions
    /// cover it (unresolved parts last).
    pub coverage: Vec<Coverage>,
    /// Files that could not be read, and where the first track's files
    /// disagree on an object.
    pub notes: Vec<String>,
    /// Whether the first track's schema changed at all (a resolved object).
    pub schema_changed: bool,
    /// Whether some part of the change could not be resolved (a name or SQL
    /// built at run time, a file that cannot be lexed): for those parts the
    /// plain rule's verdict stands.
    pub unresolved: bool,
}

impl Pairing {
    /// Whether a resolved object is uncovered or mismatched: what fails a
    /// range under `--strict`.
    pub fn has_gaps(&self) -> bool {
        self.coverage.iter().any(|c| {
            matches!(
                c.status,
                CoverageStatus::Uncovered | CoverageStatus::Mismatched
            )
        })
    }
}

/// How a watched file states schema, by its pattern set.
pub(crate) fn extractor(set: &str) -> Option<Extract> {
    match set {
        "sql" => Some(each_sql_op),
        "metadata" => Some(|file, apply| metadata_ops(file).into_iter().for_each(apply)),
        _ => None,
    }
}

/// How a watched file's operations are read, by its pattern set's name:
/// each handed on as it is read, in the order they run.
pub(crate) type Extract = fn(&PythonFile<'_>, &mut dyn FnMut(LineOp));

/// One watched file's models at both ends, from the file lexed at HEAD
/// (none if it is absent there; an error if it cannot be lexed) and its
/// bytes at the merge-base. A file new in the range, or unreadable at the
/// base, states nothing there. Each operation is applied as it is read.
pub(crate) fn file_models(
    exact: &str,
    extract: Extract,
    head: Result<Option<&PythonFile<'_>>, LexError>,
    base: Option<&[u8]>,
) -> Result<FileModels, LexError> {
    let head = match head? {
        Some(file) => Model::build_each(exact, |apply| extract(file, apply)),
        None => Model::default(),
    };
    let base = base
        .and_then(|base| PythonFile::lex(base).ok())
        .map(|file| Model::build_each(exact, |apply| extract(&file, apply)))
        .unwrap_or_default();
    Ok(FileModels {
        path: exact.to_string(),
        base,
        head,
    })
}

/// The watched files pairing reads, by exact path, at HEAD and at the
/// merge-base: every one with an extractor, whether or not it changed (a
/// glob is not paired).
pub fn pairing_needs(rules: &Rules) -> Vec<PathBytes> {
    rules
        .watched
        .iter()
        .filter(|w| extractor(&w.patterns.name).is_some())
        .filter_map(|w| match &w.path {
            PathPattern::Exact(exact) => Some(PathBytes::from(exact.as_str())),
            PathPattern::Glob { .. } => None,
        })
        .collect()
}

/// A revision's id and the ids it revises.
type Ids = (String, Vec<String>);

/// The added revisions in the order they run: each after the one it
/// revises (`down_revision`), else by path. Their ids are read as the
/// Alembic track reads them.
fn chain_order<'p>(paths: &'p [PathBytes], sources: &Sources) -> Vec<&'p PathBytes> {
    let mut items: Vec<(&PathBytes, Option<Ids>)> = paths
        .iter()
        .map(|path| {
            let known = sources.get(path.as_bytes()).and_then(|source| {
                read_revision(path, source)
                    .ok()
                    .map(|r| (r.revision, r.down_revisions))
            });
            (path, known)
        })
        .collect();
    items.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut ordered: Vec<&PathBytes> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    while !items.is_empty() {
        let ids: Vec<String> = items
            .iter()
            .filter_map(|(_, k)| k.as_ref().map(|(id, _)| id.clone()))
            .collect();
        // The first revision whose parents are all outside what is left.
        let next = items
            .iter()
            .position(|(_, k)| {
                k.as_ref().is_none_or(|(_, downs)| {
                    downs.iter().all(|d| !ids.contains(d) || done.contains(d))
                })
            })
            .unwrap_or(0);
        let (path, known) = items.remove(next);
        if let Some((id, _)) = known {
            done.push(id);
        }
        ordered.push(path);
    }
    ordered
}

/// Pairs the first track's change with the added revisions; with
/// `with_fixes`, each uncovered or mismatched object carries its fix.
pub fn pair(
    rules: &Rules,
    added_revisions: &[PathBytes],
    sources: PairingSources<'_>,
    with_fixes: bool,
) -> Pairing {
    let mut head_lexed = sources.head_lexed;
    let mut pairing = Pairing::default();
    let mut files: Vec<FileModels> = Vec::new();
    for (index, watched) in rules.watched.iter().enumerate() {
        let PathPattern::Exact(exact) = &watched.path else {
            continue;
        };
        let Some(extract) = extractor(&watched.patterns.name) else {
            continue;
        };
        let path = exact.as_bytes();
        let laid = sources.groundwork.and_then(|ground| {
            ground.borrow_mut().take_models(
                index,
                sources.head.shared(path),
                sources.base.shared(path),
            )
        });
        if laid.is_some() {
            // Modelled ahead: the check's lexing of it is not read again.
            drop(head_lexed.take(path));
        }
        let models = laid.unwrap_or_else(|| {
            // The lexed file goes as soon as its model is built.
            let lexed = match sources.head.get(path) {
                None => Ok(None),
                Some(head) => match head_lexed.take(path) {
                    Some(file) => Ok(Some(file)),
                    None => PythonFile::lex(head).map(Some),
                },
            };
            let head = lexed.as_ref().map(Option::as_ref).map_err(|e| *e);
            file_models(exact, extract, head, sources.base.get(path))
        });
        match models {
            Ok(models) => files.push(models),
            Err(error) => {
                pairing.notes.push(format!(
                    "{} could not be lexed ({error}), so its schema objects are not paired",
                    watched.path
                ));
                pairing.unresolved = true;
            }
        }
    }
    let mut change = diff(&files);

    // The second track: the base model, metadata files last, and the
    // revisions' operations in chain order.
    let mut order: Vec<&FileModels> = files.iter().collect();
    order.sort_by_key(|f| {
        rules
            .watched
            .iter()
            .find(|w| matches!(&w.path, PathPattern::Exact(e) if *e == f.path))
            .is_some_and(|w| w.patterns.name == "metadata")
    });
    let bases: Vec<&Model> = order.iter().map(|f| &f.base).collect();
    let mut second = merged(&bases);
    let second_base = second.clone();
    for path in chain_order(added_revisions, sources.revisions) {
        let Some(source) = sources.revisions.get(path.as_bytes()) else {
            continue;
        };
        let name = path.to_string();
        let ops: Vec<LineOp> = if path.as_bytes().ends_with(b".py") {
            match PythonFile::lex(source) {
                Ok(file) => alembic_ops(&file),
                Err(error) => {
                    pairing.notes.push(format!(
                        "{path} could not be lexed ({error}), so it covers no schema object"
                    ));
                    continue;
                }
            }
        } else {
            // A revision track of plain SQL files.
            let text = String::from_utf8_lossy(source);
            extract_sql_lines(&text)
                .into_iter()
                .map(|(line, op)| (line + 1, op))
                .collect()
        };
        for (line, op) in &ops {
            second.apply(op, &Origin::new(&name, *line));
        }
    }
    pairing.unresolved |= !change.unresolved.is_empty();
    let notes = std::mem::take(&mut change.notes);
    pairing.coverage = coverage(change, &files, &second_base, &second, with_fixes);
    // In the order of the watched files, then by line.
    let file_index = |path: &str| files.iter().position(|f| f.path == path);
    let places: Vec<(Option<usize>, u32)> = pairing
        .coverage
        .iter()
        .map(|c| (file_index(&c.path), c.line))
        .collect();
    let order = stable_order(places.len(), |&a, &b| places[a].cmp(&places[b]));
    drop(places);
    apply_order(&mut pairing.coverage, order);
    pairing.schema_changed = pairing
        .coverage
        .iter()
        .any(|c| c.status != CoverageStatus::Unresolved);
    const MAX_NOTES: usize = 20;
    let total = notes.len();
    pairing.notes.extend(notes.into_iter().take(MAX_NOTES));
    if total > MAX_NOTES {
        pairing.notes.push(format!(
            "{} more places where the watched files disagree on an object",
            total - MAX_NOTES
        ));
    }
    pairing
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const MIGRATIONS: &str = "src/backend/db/migrations.py";
    const SCHEMA: &str = "src/backend/db/schema.py";
    const TABLES: &str = "src/backend/db/tables.py";

    fn sources(files: &[(&str, &str)]) -> Sources {
        let mut s = Sources::new();
        for (path, text) in files {
            s.insert(*path, text.as_bytes().to_vec());
        }
        s
    }

    /// Pairing over the spec's layout; `revisions` are added revision files.
    fn paired(base: &[(&str, &str)], head: &[(&str, &str)], revisions: &[(&str, &str)]) -> Pairing {
        let rules = Rules::default();
        let base = sources(base);
        let head = sources(head);
        let revision_sources = sources(revisions);
        let added: Vec<PathBytes> = revisions.iter().map(|(p, _)| PathBytes::from(*p)).collect();
        pair(
            &rules,
            &added,
            PairingSources {
                base: &base,
                head: &head,
                head_lexed: LexedFiles::default(),
                revisions: &revision_sources,
                groundwork: None,
            },
            true,
        )
    }

    fn statuses(p: &Pairing) -> Vec<(String, CoverageStatus)> {
        p.coverage
            .iter()
            .map(|c| (c.description(), c.status))
            .collect()
    }

    const SCHEMA_PY: &str = r#"TASKS = """
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
);
"""
"#;

    #[test]
    fn pairing_needs_every_exact_watched_path() {
        let needs: Vec<String> = pairing_needs(&Rules::default())
            .iter()
            .map(|p| p.to_string())
            .collect();
        assert_eq!(needs, vec![MIGRATIONS, SCHEMA, TABLES]);
    }

    #[test]
    fn a_metadata_file_added_to_an_existing_schema_adds_no_object() {
        let tables = r#"
tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=True, server_default="open"),
)
"#;
        let p = paired(
            &[(SCHEMA, SCHEMA_PY)],
            &[(SCHEMA, SCHEMA_PY), (TABLES, tables)],
            &[],
        );
        assert_eq!(statuses(&p), vec![]);
        assert!(!p.schema_changed);
        assert!(!p.unresolved);
        assert_eq!(
            p.notes,
            vec![format!("the watched files disagree on column tasks.status (not-null): NOT NULL in {SCHEMA}, nullable in {TABLES}")]
        );
    }

    #[test]
    fn revisions_apply_in_chain_order_and_the_last_upgrade_counts() {
        let migrations = "def _migrate_due(cursor, conn):\n    cursor.execute(\"ALTER TABLE tasks ADD COLUMN due TEXT NOT NULL DEFAULT ''\")\n";
        // 0006 (listed first) revises 0005: it runs second and makes the
        // column NOT NULL; 0005 defines upgrade twice, the second adds it.
        let r5 = "revision = \"0005\"\ndown_revision = \"0004\"\n\ndef upgrade():\n    op.add_column(\"tasks\", sa.Column(\"wrong\", sa.Text()))\n\ndef upgrade():\n    op.add_column(\"tasks\", sa.Column(\"due\", sa.Text(), server_default=\"\"))\n";
        let r6 = "revision = \"0006\"\ndown_revision = \"0005\"\n\ndef upgrade():\n    op.alter_column(\"tasks\", \"due\", nullable=False)\n";
        let base = [(SCHEMA, SCHEMA_PY)];
        let head = [(SCHEMA, SCHEMA_PY), (MIGRATIONS, migrations)];
        let both = paired(&base, &head, &[("v/0006_b.py", r6), ("v/0005_a.py", r5)]);
        assert_eq!(
            statuses(&both),
            vec![(
                "column tasks.due (added)".to_string(),
                CoverageStatus::Covered
            )]
        );
        assert!(both.schema_changed && !both.has_gaps());
        let first_only = paired(&base, &head, &[("v/0005_a.py", r5)]);
        assert_eq!(first_only.coverage[0].status, CoverageStatus::Mismatched);
        assert_eq!(
            first_only.coverage[0].mismatches()[0].describe("migrations.py"),
            "not-null: NOT NULL in migrations.py, nullable in 0005_a.py"
        );
        assert!(first_only.has_gaps());
    }

    #[test]
    fn a_rebuild_through_a_helper_with_the_same_definition_changes_nothing() {
        let helper = r#"
def _rebuild_table(cursor, table, columns):
    cursor.execute(f"CREATE TABLE {table}_new ({columns})")
    cursor.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
    cursor.execute(f"DROP TABLE {table}")
    cursor.execute(f"ALTER TABLE {table}_new RENAME TO {table}")


def _migrate_initial(cursor, conn):
    cursor.execute("CREATE TABLE tasks (id INTEGER PRIMARY KEY, title TEXT NOT NULL)")
"#;
        let rebuilt = format!(
            "{helper}\n\ndef _migrate_rebuild(cursor, conn):\n    _rebuild_table(cursor, \"tasks\", \"id INTEGER PRIMARY KEY, title TEXT NOT NULL\")\n"
        );
        let p = paired(&[(MIGRATIONS, helper)], &[(MIGRATIONS, &rebuilt)], &[]);
        assert_eq!(statuses(&p), vec![]);
        let changed = format!(
            "{helper}\n\ndef _migrate_rebuild(cursor, conn):\n    _rebuild_table(cursor, \"tasks\", \"id INTEGER PRIMARY KEY, title TEXT\")\n"
        );
        let p = paired(&[(MIGRATIONS, helper)], &[(MIGRATIONS, &changed)], &[]);
        assert_eq!(
            statuses(&p),
            vec![(
                "column tasks.title (altered)".to_string(),
                CoverageStatus::Uncovered
            )]
        );
        assert_eq!(p.coverage[0].line, 14);
    }

    #[test]
    fn run_time_sql_is_unresolved_and_an_unlexable_file_too() {
        let migrations = "def _m(cursor, conn, t):\n    cursor.execute(f\"ALTER TABLE {t} ADD COLUMN x TEXT\")\n";
        let p = paired(&[], &[(MIGRATIONS, migrations)], &[]);
        assert_eq!(
            statuses(&p),
            vec![(
                "column {t}.x (added)".to_string(),
                CoverageStatus::Unresolved
            )]
        );
        assert!(p.unresolved && !p.schema_changed);
        let p = paired(&[], &[(MIGRATIONS, "x = '''unterminated\n")], &[]);
        assert!(p.unresolved);
        assert!(p.notes[0].contains("could not be lexed"), "{:?}", p.notes);
    }
}
