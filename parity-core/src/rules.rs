//! The rules as data. `Rules::default()` is the layout of README's "The rules"; other
//! layouts are other values of the same types, never switches in the engine.
//!
//! A `PatternSet` rejects most lines with one search of its patterns joined;
//! the built-in sets are compiled once per process, and their single
//! patterns only when a line first matches the joined expression. Before any
//! search, a built-in set rejects a line that holds none of its patterns'
//! leading words (`holds_word`), and a `Pattern` one that lacks a literal
//! every match of it contains (`crate::needle`).

use std::sync::OnceLock;

use regex::bytes::Regex;

use serde::{Deserialize, Serialize};

use crate::name_status::{NameStatus, Status};
use crate::path::PathBytes;
use crate::path_pattern::PathPattern;
use crate::report::{Advice, Entry};
use crate::waiver::WaiverRule;

/// The file the guard looks for at the root of the checked repository.
pub const CONFIG_FILE: &str = "parity.toml";

/// A regular expression with the name the report gives it.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub name: String,
    source: String,
    /// Compiled by `new`, or at the first search for a pattern of a
    /// built-in set (`deferred`): a set's own patterns are searched only on
    /// the rare line that its joined expression matches.
    regex: OnceLock<Regex>,
    /// What every match contains (`needle`), found when first needed.
    needle: OnceLock<crate::needle::Required>,
}

impl Pattern {
    /// Compiles `source`; the error names the pattern.
    pub fn new(name: impl Into<String>, source: &str) -> Result<Pattern, regex::Error> {
        Ok(Pattern {
            name: name.into(),
            source: source.to_string(),
            regex: OnceLock::from(Regex::new(source)?),
            needle: OnceLock::new(),
        })
    }

    /// A pattern of a built-in set, compiled when first searched with.
    /// `PatternSet::new` compiles every pattern of a set joined into one
    /// expression, and a part of an expression that compiles compiles.
    fn deferred(name: impl Into<String>, source: String) -> Pattern {
        Pattern {
            name: name.into(),
            source,
            regex: OnceLock::new(),
            needle: OnceLock::new(),
        }
    }

    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            Regex::new(&self.source).expect("a part of a set's expression that compiled compiles")
        })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the expression matches somewhere in `line`. A line that lacks
    /// a literal every match contains is rejected by a substring search.
    pub fn is_match(&self, line: &[u8]) -> bool {
        let needle = self
            .needle
            .get_or_init(|| crate::needle::required(&self.source));
        !needle.rejects(line) && self.regex().is_match(line)
    }
}

/// The syntax tree of `source` as the `regex::bytes` engine reads it (bytes
/// that are not UTF-8 allowed): what the needle, the joined meanings and the
/// configuration's error positions are read from.
pub fn syntax(source: &str) -> Result<regex_syntax::hir::Hir, Box<regex_syntax::Error>> {
    regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(source)
        .map_err(Box::new)
}

/// The patterns that make a line DDL evidence in one kind of file.
#[derive(Clone, Debug)]
pub struct PatternSet {
    /// `sql`, `metadata`, or a name of the user's.
    pub name: String,
    pub patterns: Vec<Pattern>,
    /// All patterns joined, so that most lines are rejected in one search.
    any: Regex,
    /// A built-in set's leading words, one per pattern: every match of a
    /// pattern holds its word as a whole word (see `holds_word`). A line that
    /// holds none is rejected before the search, and a pattern whose word the
    /// line lacks is passed over (never compiled for it).
    leading_words: Vec<&'static str>,
    /// The same words, each once.
    any_leading_word: Vec<&'static str>,
}

impl PatternSet {
    pub fn new(
        name: impl Into<String>,
        patterns: Vec<Pattern>,
    ) -> Result<PatternSet, regex::Error> {
        let joined = patterns
            .iter()
            .map(|p| format!("(?:{})", p.as_str()))
            .collect::<Vec<_>>()
            .join("|");
        // An empty set matches nothing.
        let any = match Regex::new(if patterns.is_empty() {
            r"[^\s\S]"
        } else {
            &joined
        }) {
            Ok(any) => any,
            // A pattern in verbose mode (`(?x)`) that ends in a `# comment`
            // swallows what follows it in the joined text: join what each
            // pattern means instead, its syntax printed back.
            Err(error) => match joined_meanings(&patterns) {
                Some(meanings) => Regex::new(&meanings)?,
                None => return Err(error),
            },
        };
        Ok(PatternSet {
            name: name.into(),
            patterns,
            any,
            leading_words: Vec::new(),
            any_leading_word: Vec::new(),
        })
    }

    /// A built-in set whose every pattern is `\b`, its word in `words`, then
    /// something that cannot continue a word (white space, `(`).
    fn led_by(mut self, words: &[&'static str]) -> PatternSet {
        assert_eq!(
            words.len(),
            self.patterns.len(),
            "one leading word a pattern"
        );
        self.leading_words = words.to_vec();
        self.any_leading_word = words.to_vec();
        self.any_leading_word.sort_unstable();
        self.any_leading_word.dedup();
        self
    }

    /// The first pattern, in declared order, that the line matches.
    pub fn first_match(&self, line: &[u8]) -> Option<&Pattern> {
        self.first_match_index(line).map(|i| &self.patterns[i])
    }

    /// The index in `patterns` of the first pattern the line matches.
    pub fn first_match_index(&self, line: &[u8]) -> Option<usize> {
        if !self.any_leading_word.is_empty() && !holds_word(line, &self.any_leading_word) {
            return None;
        }
        if !self.any.is_match(line) {
            return None;
        }
        let led = |at: usize| {
            self.leading_words
                .get(at)
                .is_none_or(|word| holds_word(line, &[word]))
        };
        (0..self.patterns.len()).find(|&at| led(at) && self.patterns[at].is_match(line))
    }

    /// The spec's SQL set: DDL keywords, case-insensitive, whole words, any run
    /// of white space between the words. Compiled once per process: the
    /// defaults watch two SQL files, and a copy shares the compiled form.
    pub fn sql() -> PatternSet {
        static SQL: OnceLock<PatternSet> = OnceLock::new();
        SQL.get_or_init(PatternSet::compile_sql).clone()
    }

    fn compile_sql() -> PatternSet {
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
                Pattern::deferred(*phrase, format!(r"(?i-u)\b{words}\b"))
            })
            .collect();
        let leading: Vec<&str> = PHRASES.iter().filter_map(|p| p.split(' ').next()).collect();
        PatternSet::new("sql", patterns)
            .expect("the SQL set compiles")
            .led_by(&leading)
    }

    /// The spec's metadata set: a SQLAlchemy constructor as a whole word, then
    /// optional white space, then `(`; case-sensitive.
    pub fn metadata() -> PatternSet {
        static METADATA: OnceLock<PatternSet> = OnceLock::new();
        METADATA.get_or_init(PatternSet::compile_metadata).clone()
    }

    fn compile_metadata() -> PatternSet {
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
            .map(|name| Pattern::deferred(format!("{name}("), format!(r"(?-u)\b{name}\s*\(")))
            .collect();
        PatternSet::new("metadata", patterns)
            .expect("the metadata set compiles")
            .led_by(&NAMES)
    }
}

/// The patterns joined as one alternation of what each means (its syntax
/// tree printed back, comments and verbose mode gone); `None` if one does
/// not parse as the `regex::bytes` engine parses it.
fn joined_meanings(patterns: &[Pattern]) -> Option<String> {
    let meanings = patterns
        .iter()
        .map(|pattern| {
            let hir = syntax(pattern.as_str()).ok()?;
            let mut printed = String::new();
            regex_syntax::hir::print::Printer::new()
                .print(&hir, &mut printed)
                .ok()?;
            Some(format!("(?:{printed})"))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(meanings.join("|"))
}

/// Whether `line` holds one of `words` as a whole word, in any ASCII case: a
/// maximal run of ASCII letters, digits and `_`, as `(?-u)\b` bounds a word.
/// A match of `(?i-u)\bWORD\s+...` or `(?-u)\bWord\s*\(` holds its WORD so.
#[inline]
fn holds_word(line: &[u8], words: &[&str]) -> bool {
    static WORD: [bool; 256] = {
        let mut table = [false; 256];
        let mut byte = 0;
        while byte < table.len() {
            table[byte] = (byte as u8).is_ascii_alphanumeric() || byte == b'_' as usize;
            byte += 1;
        }
        table
    };
    let is_word = |at: usize| WORD[usize::from(line[at])];
    let mut at = 0;
    while at < line.len() {
        while at < line.len() && !is_word(at) {
            at += 1;
        }
        let start = at;
        while at < line.len() && is_word(at) {
            at += 1;
        }
        let word = &line[start..at];
        // The first byte, case folded, rejects most words of the right length.
        let leads = |w: &&str| {
            let w = w.as_bytes();
            w.len() == word.len()
                && (w[0] | 0x20) == (word[0] | 0x20)
                && w.eq_ignore_ascii_case(word)
        };
        if !word.is_empty() && words.iter().any(leads) {
            return true;
        }
    }
    false
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
        // Most lines register nothing: a plain search rejects them without
        // the allocation a search for captures makes.
        if !self.pattern.is_match(line) {
            return None;
        }
        let captures = self.pattern.regex().captures(line)?;
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

/// How a migration's name is read from its path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameFrom {
    /// The file name without its ending: `0042_add_notes.sql` -> `0042_add_notes`.
    #[default]
    File,
    /// The folder the file is in, without a leading timestamp:
    /// `2024-01-01-000000_add_users/up.sql` -> `add_users`.
    Folder,
}

/// An exclude given as a glob: over the whole path when it has a `/`
/// (`**/full_schemas/**`), else over the file name (`*_test.sql`).
#[derive(Clone, Debug)]
pub struct ExcludeGlob {
    pub pattern: PathPattern,
    pub whole_path: bool,
}

impl ExcludeGlob {
    pub fn matches(&self, path: &PathBytes) -> bool {
        if self.whole_path {
            self.pattern.matches(path.as_bytes())
        } else {
            self.pattern.matches(path.file_name())
        }
    }
}

/// What counts as a net-new file in a directory: a revision on the second
/// track, or a migration on the first when each is its own file.
#[derive(Clone, Debug)]
pub struct NewFileRule {
    /// Directory prefix, with its trailing `/` (empty: anywhere).
    pub dir: String,
    /// Required file ending (`.py`).
    pub suffix: String,
    /// File names that never count (`__init__.py`).
    pub exclude: Vec<String>,
    /// The statuses that make a file net-new: `A` only, by the spec. A file
    /// git pairs as a rename or copy (`R`, `C`) of one at the merge-base is
    /// a move, never a new migration.
    pub statuses: Vec<Status>,
    /// Alternatives over the whole path (`schema/**/delta/*/*.sql.postgres`,
    /// `migrations/*.all.up.sql`): when any is given, a path must match one.
    pub globs: Vec<PathPattern>,
    /// Excludes given as globs.
    pub exclude_globs: Vec<ExcludeGlob>,
    /// Where a migration's name comes from.
    pub name_from: NameFrom,
    /// A transform of the name: its first capture group (the whole match
    /// without one) is the name, so that `20240101_add_users` can read
    /// `add_users` on every track.
    pub name_pattern: Option<Pattern>,
}

impl NewFileRule {
    /// The directories a file of this rule lies under: its `dir`, else the
    /// literal directory before each glob's first wildcard, or an exact
    /// path's directory (empty: the whole tree). A history has the track
    /// from where one of them exists.
    pub fn directories(&self) -> Vec<&str> {
        if !self.dir.is_empty() {
            return vec![self.dir.as_str()];
        }
        (self.globs.iter())
            .map(|pattern| match pattern {
                PathPattern::Exact(path) => path.rfind('/').map_or("", |slash| &path[..slash]),
                glob => glob.literal_prefix(),
            })
            .collect()
    }

    /// A rule by directory, ending and excluded names, as the spec has it.
    pub fn new(dir: impl Into<String>, suffix: impl Into<String>, exclude: Vec<String>) -> Self {
        NewFileRule {
            dir: dir.into(),
            suffix: suffix.into(),
            exclude,
            statuses: vec![Status::Added],
            globs: Vec::new(),
            exclude_globs: Vec::new(),
            name_from: NameFrom::File,
            name_pattern: None,
        }
    }

    /// Whether one entry of the name-status list is a net-new revision.
    pub fn counts(&self, entry: &NameStatus) -> bool {
        self.statuses.contains(&entry.status) && self.matches_path(&entry.path)
    }

    /// The migration's name as the path gives it, before any transform: the
    /// file name without its ending, or the folder's name.
    pub fn raw_name(&self, path: &PathBytes) -> String {
        match self.name_from {
            NameFrom::Folder => {
                let bytes = path.as_bytes();
                let parent = &bytes[..bytes.len() - path.file_name().len()];
                let parent = parent.strip_suffix(b"/").unwrap_or(parent);
                let folder = parent.rsplit(|b| *b == b'/').next().unwrap_or(parent);
                String::from_utf8_lossy(folder).into_owned()
            }
            NameFrom::File => {
                let name = path.file_name();
                let ending = self.ending_of(path);
                let stem = name.strip_suffix(ending.as_bytes()).unwrap_or(name);
                String::from_utf8_lossy(stem).into_owned()
            }
        }
    }

    /// The ending stripped from a file name: `suffix`, else the literal tail
    /// of the glob that matches (`.sql.postgres` of `*.sql.postgres`).
    fn ending_of(&self, path: &PathBytes) -> String {
        if !self.suffix.is_empty() {
            return self.suffix.clone();
        }
        let glob = self.globs.iter().find(|g| g.matches(path.as_bytes()));
        let tail = glob.map_or("", |g| g.literal_suffix());
        // Only the part of the tail inside the file name.
        tail.rsplit('/').next().unwrap_or(tail).to_string()
    }

    /// A new file's name: the entry's name, and what counterparts are
    /// matched by.
    pub fn entry_name(&self, path: &PathBytes) -> String {
        let raw = self.raw_name(path);
        let name = match self.name_from {
            NameFrom::Folder => strip_timestamp(&raw).to_string(),
            NameFrom::File => raw,
        };
        match &self.name_pattern {
            None => name,
            Some(pattern) => match pattern.regex().captures(name.as_bytes()) {
                None => name,
                Some(captures) => {
                    let found = captures.iter().skip(1).flatten().next();
                    let found = found.or_else(|| captures.get(0));
                    found.map_or(name.clone(), |m| {
                        String::from_utf8_lossy(m.as_bytes()).into_owned()
                    })
                }
            },
        }
    }

    /// Whether `path` is of this rule's kind, whatever its status.
    pub fn matches_path(&self, path: &PathBytes) -> bool {
        let bytes = path.as_bytes();
        bytes.starts_with(self.dir.as_bytes())
            && bytes.len() > self.dir.len()
            && bytes.ends_with(self.suffix.as_bytes())
            && (self.globs.is_empty() || self.globs.iter().any(|g| g.matches(bytes)))
            && !self
                .exclude
                .iter()
                .any(|name| path.file_name() == name.as_bytes())
            && !self.exclude_globs.iter().any(|g| g.matches(path))
    }

    /// The path shape a file of this rule has, for a person: `a file under
    /// migrations/postgres/ ending in .sql`, `a file matching
    /// migrations/*.postgres.up.sql`.
    pub fn shape(&self) -> String {
        let mut shape = String::from("a file");
        if !self.globs.is_empty() {
            let globs: Vec<String> = self.globs.iter().map(|g| format!("`{g}`")).collect();
            shape.push_str(&format!(" matching {}", globs.join(" or ")));
        }
        if !self.dir.is_empty() && self.globs.is_empty() {
            shape.push_str(&format!(" under {}", self.dir));
        }
        if !self.suffix.is_empty() {
            shape.push_str(&format!(" ending in {}", self.suffix));
        }
        shape
    }

    /// The paths a counterpart of a migration named `raw` would have, where
    /// the rule says them exactly: a directory and ending, or globs with a
    /// single `*` and no other wildcard (`migrations/*.postgres.up.sql`).
    pub fn expected_paths(&self, raw: &str, name_from: NameFrom) -> Vec<String> {
        if self.globs.is_empty() {
            let same = self.name_from == NameFrom::File && name_from == NameFrom::File;
            return match same && !self.dir.is_empty() {
                true => vec![format!("{}{raw}{}", self.dir, self.suffix)],
                false => Vec::new(),
            };
        }
        self.globs
            .iter()
            .map(PathPattern::as_str)
            .filter(|g| !g.contains(['?', '[', '{', '\\']) && !g.contains("**"))
            .filter(|g| g.matches('*').count() == 1)
            .map(|g| g.replace('*', raw))
            .collect()
    }
}

/// A folder name without a leading timestamp or sequence number:
/// `2024-01-01-000000_add_users` -> `add_users`, `0042_x` -> `x`.
pub fn strip_timestamp(name: &str) -> &str {
    let digits = name
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(name.len());
    let head = &name[..digits];
    match head.rfind('_') {
        Some(at) if name[..at].chars().any(|c| c.is_ascii_digit()) && at + 1 < name.len() => {
            &name[at + 1..]
        }
        _ => name,
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
    /// The marker of a one-track change (`-- parity: sqlite-only <reason>`).
    pub waiver: WaiverRule,
    /// The project's command that makes a second-track migration
    /// (`diesel migration generate`), for the advice of a failing report.
    pub hint: Option<String>,
    /// A new-file entry whose counterpart (same name, after the rules'
    /// transforms) already exists at HEAD counts as paired: the catch-up of
    /// a migration the other track merged first.
    pub match_names: bool,
    /// Further pairs of tracks, each judged as these rules are (`[[counterparts]]`:
    /// SQLite needs MySQL too; `both_directions`: PostgreSQL needs SQLite).
    /// The first failing pair gives the report; the others are listed in it.
    pub pairings: Vec<Rules>,
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
            revisions: NewFileRule::new(REVISIONS, ".py", vec!["__init__.py".into()]),
            alembic: Some(AlembicRules::for_dir(REVISIONS)),
            strict: false,
            waiver: WaiverRule::for_track("SQLite"),
            hint: None,
            match_names: false,
            pairings: Vec::new(),
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

    /// Whether the second track is Alembic revisions that object-level
    /// pairing reads (a `.py` directory rule, watched files by exact path):
    /// only then do the reports mention `alembic revision` and `--suggest`.
    pub fn alembic_advice(&self) -> bool {
        let alembic_like = self.revisions.globs.is_empty()
            && self.revisions.suffix == ".py"
            && self
                .watched
                .iter()
                .any(|w| matches!(w.path, PathPattern::Exact(_)));
        self.alembic.is_some() || alembic_like
    }

    /// What a failing report advises: the counterpart's shape, the
    /// project's command, and the paths the new entries' counterparts would
    /// have where the rules say them.
    pub fn advice(&self, entries: &[Entry]) -> Advice {
        if self.alembic_advice() && self.hint.is_none() {
            return Advice::alembic(&self.revisions.dir);
        }
        let mut expected = Vec::new();
        if let EntryRule::NewFile(rule) = &self.entry {
            for entry in entries {
                let raw = rule.raw_name(&entry.path);
                for path in self.revisions.expected_paths(&raw, rule.name_from) {
                    if !expected.contains(&path) {
                        expected.push(path);
                    }
                }
            }
        }
        Advice {
            shape: self.revisions.shape(),
            hint: self.hint.clone(),
            alembic: self.alembic_advice(),
            expected,
            waiver: Some(self.waiver.marker.clone()),
        }
    }

    /// Warnings about rules that can see nothing in a tree (`files`, every
    /// path at HEAD): no watched file exists, or no file of the entry or the
    /// revision rule does. A check by such rules passes every change without
    /// a word, so the reports say it.
    pub fn unmatched_in(&self, files: &[PathBytes]) -> Vec<String> {
        let any = |test: &dyn Fn(&PathBytes) -> bool| files.iter().any(test);
        let mut warnings = Vec::new();
        if !any(&|p| self.watched_file(p.as_bytes()).is_some()) {
            let watched: Vec<String> = self
                .watched
                .iter()
                .map(|w| format!("`{}`", w.path))
                .collect();
            warnings.push(format!(
                "no file at HEAD is watched ({}): the rules can never see a {} schema change; \
                 check the paths of parity.toml",
                watched.join(", "),
                self.tracks.first
            ));
        }
        let entries_exist = match &self.entry {
            EntryRule::Line(line) => any(&|p| line.file.matches(p.as_bytes())),
            EntryRule::NewFile(rule) => any(&|p| rule.matches_path(p)),
        };
        if !entries_exist {
            let shape = match &self.entry {
                EntryRule::Line(line) => format!("`{}`", line.file),
                EntryRule::NewFile(rule) => rule.shape(),
            };
            warnings.push(format!(
                "no {} migration at HEAD is of the entry rule's shape ({shape})",
                self.tracks.first
            ));
        }
        if !any(&|p| self.revisions.matches_path(p)) {
            warnings.push(format!(
                "no {} migration at HEAD is of the revision rule's shape ({})",
                self.tracks.second,
                self.revisions.shape()
            ));
        }
        warnings
    }

    /// The watched file at `path`, if it is one (the first that matches).
    #[inline]
    pub fn watched_file(&self, path: &[u8]) -> Option<&WatchedFile> {
        self.watched.iter().find(|w| w.path.matches(path))
    }

    /// The line entry rule, if `path` is the file it reads.
    #[inline]
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
    pub fn history_pathspecs(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = Vec::new();
        let mut add = |path| {
            if !paths.contains(&path) {
                paths.push(path);
            }
        };
        for pattern in self.checked_paths() {
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

    /// These rules, then every further pair of tracks.
    pub fn with_pairings(&self) -> impl Iterator<Item = &Rules> {
        std::iter::once(self).chain(self.pairings.iter())
    }

    /// The watched file at `path` in these rules or any further pair's.
    pub fn watched_file_in_any(&self, path: &[u8]) -> Option<&WatchedFile> {
        self.with_pairings().find_map(|r| r.watched_file(path))
    }

    /// Paths whose diff the check needs: every file of the range that is
    /// watched or read for entries, with the source of a rename or copy so
    /// that git pairs the two and only the lines it added show as added.
    /// Chosen from the name-status list, so that git gets exact paths.
    pub fn diff_paths(&self, statuses: &[NameStatus]) -> Vec<PathBytes> {
        let needed = |path: &PathBytes| {
            self.with_pairings().any(|rules| {
                rules.watched_file(path.as_bytes()).is_some()
                    || rules.line_entry_for(path.as_bytes()).is_some()
            })
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

    /// Every path `diff_paths` can choose, known before the name-status
    /// list, so that git can start on the diff at once: the watched files
    /// and entry files of these rules and every further pair, sorted. `None`
    /// when one of them is a glob.
    pub fn diff_paths_ahead(&self) -> Option<Vec<PathBytes>> {
        let mut paths = self
            .checked_paths()
            .map(|pattern| match pattern {
                PathPattern::Exact(path) => Some(PathBytes::from(path.as_str())),
                PathPattern::Glob { .. } => None,
            })
            .collect::<Option<Vec<_>>>()?;
        paths.sort();
        paths.dedup();
        Some(paths)
    }

    /// The paths of the watched files and of the entry file, of these rules
    /// and every further pair: the files whose diff the check reads.
    fn checked_paths(&self) -> impl Iterator<Item = &PathPattern> {
        self.with_pairings().flat_map(|rules| {
            let entry = match &rules.entry {
                EntryRule::Line(line) => Some(&line.file),
                EntryRule::NewFile(_) => None,
            };
            rules.watched.iter().map(|w| &w.path).chain(entry)
        })
    }
}

/// Whether a diff of the paths `ahead` (sorted), its files kept only where
/// their path is in `wanted` (the range's `diff_paths`), reads as the diff
/// of `wanted` would: every wanted path is among those asked, and no entry
/// of the range that names one was renamed or copied. A file git pairs with
/// no other path diffs as its own two blobs, whatever else is asked. (git
/// could still pair two asked paths that it left apart in the whole range,
/// past its rename limit: the reader of the diff must refuse a pair.)
pub fn ahead_diff_holds(
    ahead: &[PathBytes],
    wanted: &[PathBytes],
    statuses: &[NameStatus],
) -> bool {
    wanted.iter().all(|path| ahead.binary_search(path).is_ok())
        && statuses
            .iter()
            .all(|entry| entry.from.is_none() || !wanted.contains(&entry.path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_of_a_built_in_set_compiles_when_first_searched_with() {
        for set in [PatternSet::sql(), PatternSet::metadata()] {
            for pattern in &set.patterns {
                assert_eq!(pattern.regex().as_str(), pattern.as_str());
            }
        }
        // The same as compiled whole, each line matched as the set's first.
        let sql = PatternSet::sql();
        for (at, pattern) in sql.patterns.iter().enumerate() {
            let line = pattern.name.to_lowercase();
            assert_eq!(sql.first_match_index(line.as_bytes()), Some(at), "{line}");
        }
    }

    proptest::proptest! {
        /// A built-in set's leading words reject only lines it would reject:
        /// it finds the same first pattern as its expressions alone.
        #[test]
        fn leading_words_never_change_a_match(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::sample::select(vec![
                        "CREATE", "create", "CrEaTe", "_create", "create_", "creates", "1create",
                        "TABLE", "table", "INDEX", "UNIQUE", "TRIGGER", "ALTER", "AlTeR", "ADD",
                        "COLUMN", "DROP", "drop", "RENAME", "TO", "Column", "column", "Table",
                        "ForeignKey", "Index", "sa.", "op.", "é", "\u{212a}",
                    ]),
                    proptest::sample::select(vec![" ", "  ", "\t", "(", ")", ".", "\"", "\n", "\r", "", "-", "$"]),
                ],
                0..10,
            ),
        ) {
            let line = pieces.concat();
            for set in [PatternSet::sql(), PatternSet::metadata()] {
                let alone = PatternSet::new(set.name.clone(), set.patterns.clone()).unwrap();
                proptest::prop_assert_eq!(
                    set.first_match_index(line.as_bytes()),
                    alone.first_match_index(line.as_bytes()),
                    "{:?} in {}", line, set.name
                );
            }
        }
    }

    #[test]
    fn a_verbose_pattern_that_ends_in_a_comment_joins_a_set() {
        let verbose = Pattern::new("verbose", r"(?x) CREATE \s+ TABLE  # a new table").unwrap();
        let plain = Pattern::new("plain", r"DROP\s+TABLE").unwrap();
        let set = PatternSet::new("mixed", vec![verbose, plain]).unwrap();
        assert_eq!(set.first_match_index(b"CREATE  TABLE t (id)"), Some(0));
        assert_eq!(set.first_match_index(b"DROP TABLE t"), Some(1));
        assert_eq!(set.first_match_index(b"CREATE INDEX i"), None);
        assert_eq!(set.first_match_index(b"# a new table"), None);
    }

    #[test]
    fn a_leading_word_is_a_whole_word_in_any_case() {
        let words = ["create", "Column"];
        assert!(holds_word(b"x.execute(\"Create table t\")", &words));
        assert!(holds_word(b"sa.column(", &words));
        assert!(!holds_word(b"created _create create_ 1create", &words));
        assert!(holds_word(b"\xffcreate\xff", &words));
        assert!(!holds_word(b"", &words));
    }

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

    #[test]
    fn the_diff_asked_ahead_stands_only_where_no_wanted_path_was_paired() {
        let rules = Rules::default();
        let ahead = rules
            .diff_paths_ahead()
            .expect("the defaults are exact paths");
        assert_eq!(
            ahead,
            [MIGRATIONS, SCHEMA, TABLES].map(PathBytes::from).to_vec(),
            "sorted, each once"
        );
        let entry = |status, path: &str, from: Option<&str>| NameStatus {
            status,
            path: path.into(),
            from: from.map(PathBytes::from),
        };
        // A modified entry file and a deleted schema: the diff of all three
        // kept to the entry file is its diff.
        let statuses = [
            entry(Status::Modified, MIGRATIONS, None),
            entry(Status::Deleted, SCHEMA, None),
            entry(
                Status::Added,
                "src/backend/migrations/versions/0002_x.py",
                None,
            ),
        ];
        let wanted = rules.diff_paths(&statuses);
        assert_eq!(wanted, [PathBytes::from(MIGRATIONS)]);
        assert!(ahead_diff_holds(&ahead, &wanted, &statuses));
        // The entry file renamed from elsewhere: git pairs it with a path
        // not asked, so the diff asked ahead shows it added whole.
        let statuses = [entry(Status::Renamed, MIGRATIONS, Some("db/old.py"))];
        let wanted = rules.diff_paths(&statuses);
        assert!(!ahead_diff_holds(&ahead, &wanted, &statuses));
        // Renamed from another watched path: both asked, still refused.
        let statuses = [entry(Status::Renamed, TABLES, Some(SCHEMA))];
        let wanted = rules.diff_paths(&statuses);
        assert!(!ahead_diff_holds(&ahead, &wanted, &statuses));
        // A wanted path that was not asked (a glob's match) is refused.
        let statuses = [entry(Status::Modified, "db/other.py", None)];
        let wanted = vec![PathBytes::from("db/other.py")];
        assert!(!ahead_diff_holds(&ahead, &wanted, &statuses));
    }

    #[test]
    fn a_glob_among_the_watched_paths_asks_nothing_ahead() {
        let mut rules = Rules::default();
        rules.watched[0].path = PathPattern::glob("src/backend/db/*.py").unwrap();
        assert_eq!(rules.diff_paths_ahead(), None);
    }
}
