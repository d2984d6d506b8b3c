//! Generated project histories: a mainline of pull-request-like commits on
//! the spec's layout (schema changes with and without a revision, data-only
//! migrations, comment edits, runner refactors, unrelated edits, merged
//! branches), written as a `git fast-import` stream so that thousands of
//! commits take a second, not thousands of `git commit` calls.
//!
//! Used by the scan guarantee test and by `cargo xtask bench`. Deterministic:
//! the same seed and length give the same stream, hence the same SHAs.

use std::collections::HashMap;
use std::io::{self, Write};

use parity_core::rules::{MIGRATIONS, REVISIONS, SCHEMA, TABLES};
use parity_core::Verdict;

/// What a generated history holds.
#[derive(Clone, Copy, Debug)]
pub struct HistoryPlan {
    pub seed: u64,
    /// Steps on the mainline; a merged branch is one step.
    pub steps: usize,
}

/// A commit the generator wrote, by its fast-import mark.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedCommit {
    pub mark: u64,
    pub shape: Shape,
    /// On the first-parent line of `main`.
    pub mainline: bool,
}

/// The kinds of change a step makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// The first commit: the layout, with no parent to judge against.
    Baseline,
    /// A column on the SQLite track, with or without its revision.
    Column { revision: bool },
    /// A table with an index on the SQLite track, with or without a revision.
    Table { revision: bool },
    /// A new entry whose body only moves data.
    DataOnly,
    /// A data-only entry whose docstring mentions DDL (the plain rules
    /// mistake it for a schema change; a lexical classifier does not).
    DocstringDataOnly,
    /// A comment that mentions `ALTER TABLE`.
    CommentOnly,
    /// A runner refactor that rebuilds a table and registers no entry.
    Rebuild,
    /// A data-only entry, and a `Column(` in `tables.py`: DDL from metadata.
    MetadataDdl,
    /// A column, and a revision moved into the revision directory from
    /// elsewhere (a rename, which is not net-new).
    RevisionMovedIn,
    /// An old revision edited; no entry.
    RevisionEdited,
    /// Files outside the watched ones, some mentioning DDL.
    Unwatched,
    /// A commit on a pull-request branch (judged only when every parent is walked).
    BranchCommit,
    /// The merge of a pull-request branch: the whole pull request.
    Merge { revision: bool },
}

impl Shape {
    /// The verdict the spec's rules give, where the plain and the lexical
    /// rules agree; `None` where they differ or for branch commits.
    pub fn expected(self) -> Option<Verdict> {
        match self {
            Shape::Baseline => Some(Verdict::Skipped),
            Shape::Column { revision } | Shape::Table { revision } | Shape::Merge { revision } => {
                Some(if revision {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                })
            }
            Shape::MetadataDdl | Shape::RevisionMovedIn => Some(Verdict::Fail),
            Shape::DataOnly
            | Shape::CommentOnly
            | Shape::Rebuild
            | Shape::RevisionEdited
            | Shape::Unwatched => Some(Verdict::Pass),
            Shape::DocstringDataOnly | Shape::BranchCommit => None,
        }
    }
}

const AUTHOR: &str = "Parity Fixture <fixture@parity.invalid>";
/// 2026-01-01T00:00:00Z, as in `repo.rs`; one minute per commit.
const EPOCH: u64 = 1_767_225_600;
const UNWATCHED: [&str; 4] = [
    "src/backend/api/handlers.py",
    "src/backend/api/queries.py",
    "docs/CHANGELOG.md",
    "README.md",
];
const TYPES: [(&str, &str); 4] = [
    ("TEXT", "Text"),
    ("INTEGER", "Integer"),
    ("REAL", "Float"),
    ("BLOB", "LargeBinary"),
];

/// SplitMix64: small, fast and good enough to vary a generated history (and
/// the bench's generated diff).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Table {
    name: String,
    /// (name, SQLite type index into TYPES)
    columns: Vec<(String, usize)>,
}

/// The project's files as the generator keeps them.
struct Project {
    tables: Vec<Table>,
    /// Function definitions of `migrations.py`, in order.
    functions: Vec<String>,
    /// Entry names of `MIGRATIONS`, in order.
    entries: Vec<String>,
    revisions: Vec<String>,
    unwatched: [Vec<String>; 4],
    counter: usize,
}

impl Project {
    fn new() -> Project {
        let mut project = Project {
            tables: Vec::new(),
            functions: Vec::new(),
            entries: Vec::new(),
            revisions: Vec::new(),
            unwatched: Default::default(),
            counter: 0,
        };
        project.add_table("agents", false);
        project
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("{stem}_{:04}", self.counter)
    }

    /// A new table with an index, through a new migration and its entry.
    fn add_table(&mut self, name: &str, index: bool) {
        let entry = format!("{name}_table");
        let mut body = format!(
            "def _migrate_{entry}(cursor, conn):\n    cursor.execute(\n        \"\"\"CREATE TABLE IF NOT EXISTS {name} (\n            id INTEGER PRIMARY KEY,\n            label TEXT\n        )\"\"\"\n    )\n"
        );
        if index {
            body.push_str(&format!(
                "    cursor.execute(\"CREATE INDEX IF NOT EXISTS idx_{name}_label ON {name}(label)\")\n"
            ));
        }
        self.functions.push(body);
        self.entries.push(entry);
        self.tables.push(Table {
            name: name.into(),
            columns: vec![("label".into(), 0)],
        });
    }

    fn add_column(&mut self, rng: &mut Rng) {
        let table = rng.below(self.tables.len());
        let column = self.fresh("col");
        let kind = rng.below(TYPES.len());
        let entry = format!("{}_{column}", self.tables[table].name);
        let sql = TYPES[kind].0;
        let name = &self.tables[table].name;
        self.functions.push(format!(
            "def _migrate_{entry}(cursor, conn):\n    cursor.execute(\"ALTER TABLE {name} ADD COLUMN {column} {sql}\")\n    conn.commit()\n"
        ));
        self.entries.push(entry);
        self.tables[table].columns.push((column, kind));
    }

    fn add_data_only(&mut self, docstring: bool) {
        let entry = self.fresh("backfill");
        let doc = match docstring {
            true => "    \"\"\"Backfill the labels after ADD COLUMN label.\"\"\"\n",
            false => "",
        };
        self.functions.push(format!(
            "def _migrate_{entry}(cursor, conn):\n{doc}    cursor.execute(\"UPDATE agents SET label = 'n/a' WHERE label IS NULL\")\n    cursor.execute(\"DELETE FROM agents WHERE id < 0\")\n"
        ));
        self.entries.push(entry);
    }

    fn add_comment(&mut self) {
        let n = self.fresh("note");
        if let Some(last) = self.functions.last_mut() {
            last.push_str(&format!(
                "    # {n}: ALTER TABLE would be quicker, but SQLite cannot DROP COLUMN here\n"
            ));
        }
    }

    fn add_rebuild(&mut self) {
        let helper = self.fresh("rebuild");
        self.functions.push(format!(
            "def _{helper}(cursor):\n    cursor.execute(\"CREATE TABLE agents_new (id INTEGER PRIMARY KEY, label TEXT)\")\n    cursor.execute(\"INSERT INTO agents_new SELECT id, label FROM agents\")\n    cursor.execute(\"DROP TABLE agents\")\n    cursor.execute(\"ALTER TABLE agents_new RENAME TO agents\")\n"
        ));
    }

    /// A metadata column that only `tables.py` shows.
    fn add_metadata_column(&mut self) {
        let column = self.fresh("meta");
        self.tables[0].columns.push((column, 1));
    }

    fn revision_path(&mut self, rng: &mut Rng) -> String {
        let n = self.revisions.len() + 2;
        let slug = self.fresh("change");
        // Some names hold a space, as real ones sometimes do.
        let sep = if rng.below(4) == 0 { " " } else { "_" };
        format!("{REVISIONS}{n:04}{sep}{slug}.py")
    }

    /// The next revision on the one chain.
    fn revision_text(&self, path: &str) -> String {
        revision_text_at(path, self.revisions.len())
    }

    fn touch_unwatched(&mut self, rng: &mut Rng) -> usize {
        let file = rng.below(UNWATCHED.len());
        let n = self.fresh("line");
        let line = match rng.below(3) {
            0 => format!("QUERY_{n} = \"ALTER TABLE agents ADD COLUMN {n} TEXT\""),
            1 => format!("# {n}: CREATE TABLE is run by the migrations"),
            _ => format!("value_{n} = Column(\"{n}\")"),
        };
        self.unwatched[file].push(line);
        file
    }

    fn migrations(&self) -> String {
        let mut out =
            String::from("\"\"\"SQLite migrations, applied in order by the runner.\"\"\"\n\n");
        for function in &self.functions {
            out.push('\n');
            out.push_str(function);
            out.push('\n');
        }
        out.push_str("\nMIGRATIONS = [\n");
        for entry in &self.entries {
            out.push_str(&format!("    (\"{entry}\", _migrate_{entry}),\n"));
        }
        out.push_str("]\n");
        out
    }

    fn schema(&self) -> String {
        let mut out = String::from("SCHEMA = \"\"\"\n");
        for table in &self.tables {
            out.push_str(&format!(
                "CREATE TABLE IF NOT EXISTS {} (\n    id INTEGER PRIMARY KEY",
                table.name
            ));
            for (column, kind) in &table.columns {
                out.push_str(&format!(",\n    {column} {}", TYPES[*kind].0));
            }
            out.push_str("\n);\n");
        }
        out.push_str("\"\"\"\n");
        out
    }

    fn metadata(&self) -> String {
        let mut out = String::from(
            "from sqlalchemy import Column, Float, Integer, LargeBinary, MetaData, Table, Text\n\nmetadata = MetaData()\n",
        );
        for table in &self.tables {
            out.push_str(&format!(
                "\n{0} = Table(\n    \"{0}\",\n    metadata,\n    Column(\"id\", Integer, primary_key=True),\n",
                table.name
            ));
            for (column, kind) in &table.columns {
                out.push_str(&format!("    Column(\"{column}\", {}),\n", TYPES[*kind].1));
            }
            out.push_str(")\n");
        }
        out
    }

    fn unwatched_text(&self, file: usize) -> String {
        let mut out = String::new();
        for line in &self.unwatched[file] {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// A file operation of one commit.
enum Op {
    Write(String, String),
    Rename(String, String),
}

/// Revision number `index + 1` of the one chain: `0001` revises nothing,
/// every later one the one before it.
fn revision_text_at(path: &str, index: usize) -> String {
    let down = match index {
        0 => "None".to_string(),
        n => format!("\"{n:04}\""),
    };
    format!(
        "\"\"\"{path}\"\"\"\nrevision = \"{:04}\"\ndown_revision = {down}\n\n\ndef upgrade():\n    op.execute(\"SELECT 1\")\n",
        index + 1
    )
}

/// Writes a fast-import stream, tracking marks, the clock, and each
/// branch's files so that a commit writes only the files it changes.
struct Importer<'w> {
    out: &'w mut dyn Write,
    mark: u64,
    trees: HashMap<String, HashMap<String, String>>,
}

impl Importer<'_> {
    fn commit(
        &mut self,
        branch: &str,
        message: &str,
        from: Option<u64>,
        merge: Option<u64>,
        ops: &[Op],
    ) -> io::Result<u64> {
        self.mark += 1;
        let time = EPOCH + 60 * self.mark;
        // Every branch starts from main.
        if !self.trees.contains_key(branch) {
            let main = self.trees.get("main").cloned().unwrap_or_default();
            self.trees.insert(branch.to_string(), main);
        }
        let tree = self.trees.get_mut(branch).expect("inserted above");
        let out = &mut *self.out;
        writeln!(out, "commit refs/heads/{branch}")?;
        writeln!(out, "mark :{}", self.mark)?;
        writeln!(out, "author {AUTHOR} {time} +0000")?;
        writeln!(out, "committer {AUTHOR} {time} +0000")?;
        writeln!(out, "data {}\n{message}", message.len())?;
        if let Some(from) = from {
            writeln!(out, "from :{from}")?;
        }
        if let Some(merge) = merge {
            writeln!(out, "merge :{merge}")?;
        }
        for op in ops {
            match op {
                Op::Write(path, text) => {
                    if tree.get(path) == Some(text) {
                        continue;
                    }
                    writeln!(out, "M 100644 inline {path}")?;
                    writeln!(out, "data {}\n{text}", text.len())?;
                    tree.insert(path.clone(), text.clone());
                }
                Op::Rename(from, to) => {
                    writeln!(out, "R \"{from}\" \"{to}\"")?;
                    if let Some(text) = tree.remove(from) {
                        tree.insert(to.clone(), text);
                    }
                }
            }
        }
        writeln!(out)?;
        Ok(self.mark)
    }
}

/// Writes the history of `plan` as a fast-import stream; returns every
/// commit it made, by mark.
pub fn write_history(plan: HistoryPlan, out: &mut dyn Write) -> io::Result<Vec<GeneratedCommit>> {
    let mut rng = Rng(plan.seed);
    let mut project = Project::new();
    let mut importer = Importer {
        out,
        mark: 0,
        trees: HashMap::new(),
    };
    let mut commits = Vec::new();
    let watched = |p: &Project| {
        vec![
            Op::Write(MIGRATIONS.into(), p.migrations()),
            Op::Write(SCHEMA.into(), p.schema()),
            Op::Write(TABLES.into(), p.metadata()),
        ]
    };

    let mut ops = watched(&project);
    let baseline = format!("{REVISIONS}0001_baseline.py");
    ops.push(Op::Write(
        baseline.clone(),
        project.revision_text(&baseline),
    ));
    ops.push(Op::Write(format!("{REVISIONS}__init__.py"), String::new()));
    project.revisions.push(baseline);
    let mut main = importer.commit("main", "baseline", None, None, &ops)?;
    commits.push(GeneratedCommit {
        mark: main,
        shape: Shape::Baseline,
        mainline: true,
    });

    for step in 0..plan.steps {
        let roll = rng.below(100);
        if roll >= 85 {
            // A pull request on a branch: the schema change, then (or not)
            // its revision in a second commit; meanwhile main moves on.
            let branch = format!("pr-{step}");
            let revision = rng.below(2) == 0;
            project.add_column(&mut rng);
            let mut tip = importer.commit(
                &branch,
                "add a column",
                Some(main),
                None,
                &watched(&project),
            )?;
            commits.push(GeneratedCommit {
                mark: tip,
                shape: Shape::BranchCommit,
                mainline: false,
            });
            let mut merged = watched(&project);
            if revision {
                let path = project.revision_path(&mut rng);
                let text = project.revision_text(&path);
                merged.push(Op::Write(path.clone(), text.clone()));
                tip = importer.commit(
                    &branch,
                    "its revision",
                    None,
                    None,
                    &[Op::Write(path.clone(), text)],
                )?;
                project.revisions.push(path);
                commits.push(GeneratedCommit {
                    mark: tip,
                    shape: Shape::BranchCommit,
                    mainline: false,
                });
            }
            let file = project.touch_unwatched(&mut rng);
            let edit = Op::Write(UNWATCHED[file].into(), project.unwatched_text(file));
            main = importer.commit("main", "meanwhile on main", None, None, &[edit])?;
            commits.push(GeneratedCommit {
                mark: main,
                shape: Shape::Unwatched,
                mainline: true,
            });
            main = importer.commit("main", &format!("Merge {branch}"), None, Some(tip), &merged)?;
            commits.push(GeneratedCommit {
                mark: main,
                shape: Shape::Merge { revision },
                mainline: true,
            });
            continue;
        }
        let (shape, ops) = match roll {
            0..=14 => {
                let revision = rng.below(3) != 0;
                project.add_column(&mut rng);
                let mut ops = watched(&project);
                if revision {
                    let path = project.revision_path(&mut rng);
                    ops.push(Op::Write(path.clone(), project.revision_text(&path)));
                    project.revisions.push(path);
                }
                (Shape::Column { revision }, ops)
            }
            15..=21 => {
                let revision = rng.below(2) == 0;
                let name = project.fresh("things");
                project.add_table(&name, true);
                let mut ops = watched(&project);
                if revision {
                    let path = project.revision_path(&mut rng);
                    ops.push(Op::Write(path.clone(), project.revision_text(&path)));
                    project.revisions.push(path);
                }
                (Shape::Table { revision }, ops)
            }
            22..=29 => {
                project.add_data_only(false);
                (Shape::DataOnly, watched(&project))
            }
            30..=33 => {
                project.add_data_only(true);
                (Shape::DocstringDataOnly, watched(&project))
            }
            34..=41 => {
                project.add_comment();
                (Shape::CommentOnly, watched(&project))
            }
            42..=46 => {
                project.add_rebuild();
                (Shape::Rebuild, watched(&project))
            }
            47..=50 => {
                project.add_data_only(false);
                project.add_metadata_column();
                (Shape::MetadataDdl, watched(&project))
            }
            51..=53 => {
                // The revision is written outside, then moved in.
                let draft = format!("drafts/{}.py", project.fresh("draft"));
                let path = project.revision_path(&mut rng);
                let text = project.revision_text(&draft);
                main = importer.commit(
                    "main",
                    "a draft revision",
                    None,
                    None,
                    &[Op::Write(draft.clone(), text)],
                )?;
                commits.push(GeneratedCommit {
                    mark: main,
                    shape: Shape::Unwatched,
                    mainline: true,
                });
                project.add_column(&mut rng);
                let mut ops = watched(&project);
                ops.push(Op::Rename(draft, path.clone()));
                project.revisions.push(path);
                (Shape::RevisionMovedIn, ops)
            }
            54..=57 => {
                // An old revision, as it was written, with a comment more.
                let index = rng.below(project.revisions.len());
                let path = project.revisions[index].clone();
                let text = format!(
                    "{}# reviewed {}\n",
                    revision_text_at(&path, index),
                    project.fresh("review")
                );
                (Shape::RevisionEdited, vec![Op::Write(path, text)])
            }
            _ => {
                let file = project.touch_unwatched(&mut rng);
                let ops = vec![Op::Write(
                    UNWATCHED[file].into(),
                    project.unwatched_text(file),
                )];
                (Shape::Unwatched, ops)
            }
        };
        main = importer.commit("main", &format!("{shape:?}"), None, None, &ops)?;
        commits.push(GeneratedCommit {
            mark: main,
            shape,
            mainline: true,
        });
    }
    writeln!(importer.out, "done")?;
    Ok(commits)
}
