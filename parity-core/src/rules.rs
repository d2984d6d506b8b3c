//! The rules as data. `Rules::default()` is the layout of README's "The rules"; other
//! layouts are other values of the same types, never switches in the engine.

use regex::bytes::Regex;

use serde::{Deserialize, Serialize};

use crate::name_status::{NameStatus, Status};
use crate::path::PathBytes;
use crate::path_pattern::PathPattern;

/// A regular expression with the name the report gives it.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub name: String,
    pub regex: Regex,
}

impl Pattern {
    /// Compiles `source`; the error names the pattern.
    pub fn new(name: impl Into<String>, source: &str) -> Result<Pattern, regex::Error> {
        Ok(Pattern {
            name: name.into(),
            regex: Regex::new(source)?,
        })
    }
}

/// The patterns that make a line DDL evidence in one kind of file.
#[derive(Clone, Debug)]
pub struct PatternSet {
    /// `sql`, `metadata`, or a name of the user's.
    pub name: String,
    pub patterns: Vec<Pattern>,
    /// All patterns joined, so that most lines are rejected in one search.
    any: Regex,
}

impl PatternSet {
    pub fn new(
        name: impl Into<String>,
        patterns: Vec<Pattern>,
    ) -> Result<PatternSet, regex::Error> {
        let joined = patterns
            .iter()
            .map(|p| format!("(?:{})", p.regex.as_str()))
            .collect::<Vec<_>>()
            .join("|");
        // An empty set matches nothing.
        let any = Regex::new(if patterns.is_empty() {
            r"[^\s\S]"
        } else {
            &joined
        })?;
        Ok(PatternSet {
            name: name.into(),
            patterns,
            any,
        })
    }

    /// The first pattern, in declared order, that the line matches.
    pub fn first_match(&self, line: &[u8]) -> Option<&Pattern> {
        if !self.any.is_match(line) {
            return None;
        }
        self.patterns.iter().find(|p| p.regex.is_match(line))
    }

    /// The spec's SQL set: DDL keywords, case-insensitive, whole words, any run
    /// of white space between the words.
    pub fn sql() -> PatternSet {
        const PHRASES: [&str; 11] = [
            "CREATE TABLE",
            "CREATE INDEX",
            "CREATE UNIQUE INDEX",
            "CREATE TRIGGER",
            "ALTER TABLE",
            "ADD COLUMN",
            "DROP COLUMN",
            "DROP TABLE",
            "DROP INDEX",
            "RENAME COLUMN",
            "RENAME TO",
        ];
        let patterns = PHRASES
            .iter()
            .map(|phrase| {
                let words = phrase.split(' ').collect::<Vec<_>>().join(r"\s+");
                Pattern::new(*phrase, &format!(r"(?i-u)\b{words}\b")).expect("the SQL set compiles")
            })
            .collect();
        PatternSet::new("sql", patterns).expect("the SQL set compiles")
    }

    /// The spec's metadata set: a SQLAlchemy constructor as a whole word, then
    /// optional white space, then `(`; case-sensitive.
    pub fn metadata() -> PatternSet {
        const NAMES: [&str; 6] = [
            "Column",
            "Table",
            "Index",
            "UniqueConstraint",
            "ForeignKey",
            "PrimaryKeyConstraint",
        ];
        let patterns = NAMES
            .iter()
            .map(|name| {
                Pattern::new(format!("{name}("), &format!(r"(?-u)\b{name}\s*\("))
                    .expect("the metadata set compiles")
            })
            .collect();
        PatternSet::new("metadata", patterns).expect("the metadata set compiles")
    }
}

/// How a file marks a line as a comment, which never counts; the names are
/// those of `parity.toml`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommentSyntax {
    /// No comments: every line counts.
    None,
    /// First non-blank character `#` (Python).
    Hash,
    /// `--` to the end of the line and `/* */` blocks across lines (SQL);
    /// see `comments::CommentTracker`.
    Sql,
}

/// Skips leading blanks (space, tab, form feed, vertical tab).
pub fn trim_start(line: &[u8]) -> &[u8] {
    let at = line
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\x0c' | b'\x0b'))
        .unwrap_or(line.len());
    &line[at..]
}

/// How the lines of a watched file are told apart before its patterns run;
/// the names are those of `parity.toml`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Classifier {
    /// Each added line alone: a comment line (by `comments`) never counts,
    /// every other line does.
    #[default]
    Plain,
    /// Python's lexical structure, read from the file at HEAD: only code and
    /// string literals that are not docstrings count; comments (trailing ones
    /// too) and docstrings never do. A file that cannot be lexed, or whose
    /// HEAD contents are not given, is judged by `Plain`, with a note.
    Python,
}

/// A watched file (or glob of files): its pattern set, its comment syntax and
/// how its lines are classified.
#[derive(Clone, Debug)]
pub struct WatchedFile {
    pub path: PathPattern,
    pub patterns: PatternSet,
    pub comments: CommentSyntax,
    pub classifier: Classifier,
}

/// What marks a new migration on the first track.
#[derive(Clone, Debug)]
pub enum EntryRule {
    /// An added line that registers it (the spec's `MIGRATIONS` entry).
    Line(LineEntry),
    /// A net-new file: layouts where each migration is its own file.
    NewFile(NewFileRule),
}

impl EntryRule {
    /// The spec's entry: `("name", _migrate_name),` in `migrations.py`.
    pub fn spec() -> EntryRule {
        EntryRule::Line(LineEntry::spec())
    }
}

/// The spec's entry pattern; `parity.toml` spells it the same way.
pub const SPEC_ENTRY_PATTERN: &str =
    r#"(?-u)\(\s*(?:"([^"]+)"|'([^']+)')\s*,\s*_migrate_[A-Za-z0-9_]*"#;

/// A registration line in a file.
#[derive(Clone, Debug)]
pub struct LineEntry {
    /// The file whose added lines register migrations.
    pub file: PathPattern,
    /// The registration; its first capture group, if any, is the entry's name.
    pub pattern: Pattern,
}

impl LineEntry {
    pub fn spec() -> LineEntry {
        LineEntry {
            file: MIGRATIONS.into(),
            pattern: Pattern::new("MIGRATIONS entry", SPEC_ENTRY_PATTERN)
                .expect("the entry pattern compiles"),
        }
    }

    /// The entry's name on a matching line, or `None` if the line registers none.
    pub fn name_in(&self, line: &[u8]) -> Option<String> {
        let captures = self.pattern.regex.captures(line)?;
        let name = captures
            .iter()
            .skip(1)
            .flatten()
            .next()
            .or_else(|| captures.get(0))
            .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
            .unwrap_or_default();
        Some(name)
    }
}

/// What counts as a net-new file in a directory: a revision on the second
/// track, or a migration on the first when each is its own file.
#[derive(Clone, Debug)]
pub struct NewFileRule {
    /// Directory prefix, with its trailing `/`.
    pub dir: String,
    /// Required file ending (`.py`).
    pub suffix: String,
    /// File names that never count (`__init__.py`).
    pub exclude: Vec<String>,
    /// The statuses that make a file net-new: `A` only, by the spec.
    pub statuses: Vec<Status>,
}

impl NewFileRule {
    /// Whether one entry of the name-status list is a net-new revision.
    pub fn counts(&self, entry: &NameStatus) -> bool {
        self.statuses.contains(&entry.status) && self.matches_path(&entry.path)
    }

    /// A new file's name without its ending: the entry's name.
    pub fn entry_name(&self, path: &PathBytes) -> String {
        let name = path.file_name();
        let stem = name.strip_suffix(self.suffix.as_bytes()).unwrap_or(name);
        String::from_utf8_lossy(stem).into_owned()
    }

    fn matches_path(&self, path: &PathBytes) -> bool {
        let bytes = path.as_bytes();
        bytes.starts_with(self.dir.as_bytes())
            && bytes.len() > self.dir.len()
            && bytes.ends_with(self.suffix.as_bytes())
            && !self
                .exclude
                .iter()
                .any(|name| path.file_name() == name.as_bytes())
    }
}

/// An Alembic revision track: its graph is checked after the merge (one
/// head, a chain that resolves, ids that fit the version table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlembicRules {
    /// The project's env.py (read for how it creates the version table).
    pub env: PathBytes,
    /// The width of `alembic_version.version_num`, when the project sets it
    /// outside its revisions and env.py.
    pub version_width: Option<usize>,
}

impl AlembicRules {
    /// An Alembic track whose revisions are in `dir`: env.py beside `versions/`.
    pub fn for_dir(dir: &str) -> AlembicRules {
        let dir = dir.trim_end_matches('/');
        let parent = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
        let env = match parent {
            "" => "env.py".to_string(),
            parent => format!("{parent}/env.py"),
        };
        AlembicRules {
            env: PathBytes::from(env.as_str()),
            version_width: None,
        }
    }
}

/// Every rule the check applies.
#[derive(Clone, Debug)]
pub struct Rules {
    /// What the reports call the two tracks.
    pub tracks: Tracks,
    pub watched: Vec<WatchedFile>,
    pub entry: EntryRule,
    pub revisions: NewFileRule,
    /// `Some` when the revision track is Alembic's.
    pub alembic: Option<AlembicRules>,
    /// Fail when an added revision leaves a resolvable first-track schema
    /// object uncovered (object-level pairing); otherwise that is a warning.
    pub strict: bool,
}

/// The names the reports give the two tracks: `a SQLite schema change without
/// a net-new Alembic revision`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracks {
    /// The track whose migrations and DDL are watched.
    pub first: String,
    /// The track of net-new revision files.
    pub second: String,
}

impl Tracks {
    /// The spec's layout: SQLite first, Alembic (PostgreSQL) second.
    pub fn spec() -> Tracks {
        Tracks {
            first: "SQLite".into(),
            second: "Alembic".into(),
        }
    }

    /// For a layout that names none.
    pub fn generic() -> Tracks {
        Tracks {
            first: "first-track".into(),
            second: "second-track".into(),
        }
    }
}

pub const MIGRATIONS: &str = "src/backend/db/migrations.py";
pub const SCHEMA: &str = "src/backend/db/schema.py";
pub const TABLES: &str = "src/backend/db/tables.py";
pub const REVISIONS: &str = "src/backend/migrations/versions/";

impl Default for Rules {
    fn default() -> Self {
        let python = |path: &str, patterns: PatternSet| WatchedFile {
            path: path.into(),
            patterns,
            comments: CommentSyntax::Hash,
            classifier: Classifier::Python,
        };
        Rules {
            tracks: Tracks::spec(),
            watched: vec![
                python(MIGRATIONS, PatternSet::sql()),
                python(SCHEMA, PatternSet::sql()),
                python(TABLES, PatternSet::metadata()),
            ],
            entry: EntryRule::spec(),
            revisions: NewFileRule {
                dir: REVISIONS.into(),
                suffix: ".py".into(),
                exclude: vec!["__init__.py".into()],
                statuses: vec![Status::Added],
            },
            alembic: Some(AlembicRules::for_dir(REVISIONS)),
            strict: false,
        }
    }
}

impl Rules {
    /// Whether `path` is a revision file of the Alembic track (any status):
    /// a `.py` file directly in the revision directory, as Alembic loads them.
    pub fn is_alembic_revision(&self, path: &PathBytes) -> bool {
        let Some(rest) = path.as_bytes().strip_prefix(self.revisions.dir.as_bytes()) else {
            return false;
        };
        self.alembic.is_some()
            && !rest.contains(&b'/')
            && crate::alembic::is_revision_file_name(rest)
    }

    /// The watched file at `path`, if it is one (the first that matches).
    pub fn watched_file(&self, path: &[u8]) -> Option<&WatchedFile> {
        self.watched.iter().find(|w| w.path.matches(path))
    }

    /// The line entry rule, if `path` is the file it reads.
    pub fn line_entry_for(&self, path: &[u8]) -> Option<&LineEntry> {
        match &self.entry {
            EntryRule::Line(line) if line.file.matches(path) => Some(line),
            _ => None,
        }
    }

    /// Literal paths that cover every file whose change the decision looks
    /// at (the check's, and an Alembic track's revisions), for a caller
    /// that streams a whole history with fixed pathspecs (`scan`): the exact
    /// paths of the watched files and the entry file, and for a glob the
    /// directory it matches under (the core still matches the glob itself).
    /// An empty path stands for the whole tree.
    pub fn history_pathspecs<'a>(&'a self) -> Vec<&'a str> {
        let watched = self.watched.iter().map(|w| &w.path);
        let entry = match &self.entry {
            EntryRule::Line(line) => Some(&line.file),
            EntryRule::NewFile(_) => None,
        };
        let mut paths: Vec<&str> = Vec::new();
        let mut add = |path: &'a str| {
            if !paths.contains(&path) {
                paths.push(path);
            }
        };
        for pattern in watched.chain(entry) {
            add(pattern.literal_prefix());
        }
        // An Alembic track's revisions and env.py: any change to them puts
        // the track's integrity in question.
        if let Some(alembic) = &self.alembic {
            add(self.revisions.dir.trim_end_matches('/'));
            if let Ok(env) = std::str::from_utf8(alembic.env.as_bytes()) {
                add(env);
            }
        }
        paths
    }

    /// Paths whose diff the check needs: every file of the range that is
    /// watched or read for entries, with the source of a rename or copy so
    /// that git pairs the two and only the lines it added show as added.
    /// Chosen from the name-status list, so that git gets exact paths.
    pub fn diff_paths(&self, statuses: &[NameStatus]) -> Vec<PathBytes> {
        let needed = |path: &PathBytes| {
            self.watched_file(path.as_bytes()).is_some()
                || self.line_entry_for(path.as_bytes()).is_some()
        };
        let mut paths = Vec::new();
        for entry in statuses {
            if entry.status == Status::Deleted || !needed(&entry.path) {
                continue;
            }
            paths.push(entry.path.clone());
            paths.extend(entry.from.clone());
        }
        paths.sort();
        paths.dedup();
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(line: &str) -> Option<String> {
        PatternSet::sql()
            .first_match(line.as_bytes())
            .map(|p| p.name.clone())
    }

    fn meta(line: &str) -> Option<String> {
        PatternSet::metadata()
            .first_match(line.as_bytes())
            .map(|p| p.name.clone())
    }

    #[test]
    fn sql_set_matches_every_keyword_in_any_case_and_spacing() {
        let cases = [
            ("CREATE TABLE t (id INTEGER)", "CREATE TABLE"),
            ("create   index i on t(a)", "CREATE INDEX"),
            ("CREATE\tUNIQUE  INDEX u ON t(a)", "CREATE UNIQUE INDEX"),
            ("Create Trigger trg AFTER INSERT", "CREATE TRIGGER"),
            (
                "cursor.execute('alter table t add column c TEXT')",
                "ALTER TABLE",
            ),
            ("ADD COLUMN c", "ADD COLUMN"),
            ("drop column c", "DROP COLUMN"),
            ("DROP TABLE IF EXISTS t", "DROP TABLE"),
            ("DROP INDEX i", "DROP INDEX"),
            ("RENAME COLUMN a TO b", "RENAME COLUMN"),
            ("x RENAME TO y", "RENAME TO"),
        ];
        for (line, name) in cases {
            assert_eq!(sql(line).as_deref(), Some(name), "{line}");
        }
    }

    #[test]
    fn sql_set_wants_whole_words() {
        for line in [
            "created_at TEXT,",
            "altered_by = 1",
            "dropdown TABLE",
            "renamed_to = x",
            "_CREATE TABLE",
            "CREATE TABLES",
            "UPDATE t SET a = 1",
            "INSERT INTO t VALUES (1)",
            "new_col TEXT,",
        ] {
            assert_eq!(sql(line), None, "{line}");
        }
    }

    #[test]
    fn metadata_set_is_case_sensitive_and_wants_the_paren() {
        assert_eq!(meta(r#"Column("c", Text),"#).as_deref(), Some("Column("));
        assert_eq!(meta("sa.Column (\"c\")").as_deref(), Some("Column("));
        assert_eq!(
            meta("t = Table(\"t\", metadata,").as_deref(),
            Some("Table(")
        );
        assert_eq!(meta("Index(\"i\", t.c.a)").as_deref(), Some("Index("));
        assert_eq!(
            meta("UniqueConstraint(\"a\")").as_deref(),
            Some("UniqueConstraint(")
        );
        assert_eq!(meta("ForeignKey(\"t.id\")").as_deref(), Some("ForeignKey("));
        assert_eq!(
            meta("PrimaryKeyConstraint(\"a\")").as_deref(),
            Some("PrimaryKeyConstraint(")
        );
        for line in [
            "column(",
            "ColumnType(",
            "MyTable(",
            "Column = 1",
            "Columns(",
        ] {
            assert_eq!(meta(line), None, "{line}");
        }
    }

    #[test]
    fn entry_pattern_takes_both_quote_styles_and_names_the_entry() {
        let entry = LineEntry::spec();
        assert_eq!(
            entry
                .name_in(br#"    ("add_notes", _migrate_add_notes),"#)
                .as_deref(),
            Some("add_notes")
        );
        assert_eq!(entry.name_in(b"('x',_migrate_x)").as_deref(), Some("x"));
        assert_eq!(entry.name_in(b"( 'x' ,  _migrate_)").as_deref(), Some("x"));
        for line in [
            r#"("", _migrate_x),"#,
            r#"("x", _migrateX),"#,
            r#"("x", migrate_x),"#,
            r#"("x" _migrate_x),"#,
            r#"def _migrate_x(cursor, conn):"#,
        ] {
            assert_eq!(entry.name_in(line.as_bytes()), None, "{line}");
        }
    }

    #[test]
    fn revisions_are_added_py_files_under_the_directory() {
        let rule = Rules::default().revisions;
        let entry = |status, path: &str| NameStatus {
            status,
            path: path.into(),
            from: None,
        };
        assert!(rule.counts(&entry(
            Status::Added,
            "src/backend/migrations/versions/0042_x.py"
        )));
        assert!(rule.counts(&entry(
            Status::Added,
            "src/backend/migrations/versions/sub/0042_x.py"
        )));
        for (status, path) in [
            (
                Status::Modified,
                "src/backend/migrations/versions/0042_x.py",
            ),
            (Status::Renamed, "src/backend/migrations/versions/0042_x.py"),
            (Status::Copied, "src/backend/migrations/versions/0042_x.py"),
            (Status::Deleted, "src/backend/migrations/versions/0042_x.py"),
            (Status::Added, "src/backend/migrations/versions/__init__.py"),
            (Status::Added, "src/backend/migrations/versions/README.md"),
            (Status::Added, "src/backend/migrations/0042_x.py"),
            (
                Status::Added,
                "other/src/backend/migrations/versions/0042_x.py",
            ),
        ] {
            assert!(!rule.counts(&entry(status, path)), "{status:?} {path}");
        }
    }
}
