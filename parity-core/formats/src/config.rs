//! `parity.toml`: the rules of another two-track layout, as TOML.
//!
//! `parse` reads text into a `Config` (serde and the `toml` crate, every
//! table closed to unknown keys) and checks everything that can be wrong with
//! it, so that `Config::rules` cannot fail on a parsed value; `to_toml` writes
//! a `Config` back. Every error names the key, its line in the file and the
//! problem in one sentence; the caller adds the file's name.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use serde_path_to_error::Segment;
use toml::Spanned;

use parity_core::path::PathBytes;
use parity_core::path_pattern::PathPattern;
use parity_core::rules::{
    AlembicRules, Classifier, CommentSyntax, EntryRule, ExcludeGlob, LineEntry, NameFrom,
    NewFileRule, Pattern, PatternSet, Rules, Tracks, WatchedFile, MIGRATIONS, REVISIONS, SCHEMA,
    SPEC_ENTRY_PATTERN, TABLES,
};
use parity_core::waiver::WaiverRule;

pub use parity_core::rules::CONFIG_FILE;

/// A whole `parity.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// What the reports call the two tracks; `first-track`/`second-track`
    /// when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracks: Option<TrackNames>,
    /// The watched files, in order: a path takes the first that matches it.
    pub watch: Vec<Watch>,
    /// What marks a new migration on the first track.
    pub entry: Entry,
    /// What counts as a net-new revision on the second track.
    pub revisions: Revisions,
    /// Further tracks a change on the first needs as well (`[[counterparts]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counterparts: Vec<CounterpartTrack>,
    /// Fail, rather than warn, when an added revision leaves a schema object
    /// of the first track uncovered (as `--strict` does).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub strict: bool,
}

/// One `[[watch]]` table: a path or a glob, its patterns and comment syntax.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Watch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glob: Option<Spanned<String>>,
    /// One of the spec's pattern sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<BuiltinSet>,
    /// Regular expressions of the user's own, beside or instead of `set`:
    /// `'regex'`, or `{ name = "...", regex = '...' }` for a name the reports
    /// show instead of the expression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patterns: Vec<Spanned<UserPattern>>,
    /// Defaulted from the file ending when absent: `.sql` (and
    /// `.sql.<engine>`) SQL comments, `.py` `#` comments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comments: Option<CommentSyntax>,
    /// `python` reads the file at HEAD by Python's lexical structure
    /// (docstrings and trailing comments never count); `plain` by lines.
    #[serde(default)]
    pub classifier: Classifier,
}

/// A pattern of the user's: a regular expression, with or without a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserPattern {
    /// What the reports call it; the expression itself when `None`.
    pub name: Option<String>,
    pub regex: String,
}

impl Serialize for UserPattern {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match &self.name {
            None => serializer.serialize_str(&self.regex),
            Some(name) => {
                let mut map = serializer.serialize_map(Some(2))?;
                map.serialize_entry("name", name)?;
                map.serialize_entry("regex", &self.regex)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for UserPattern {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = UserPattern;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a regular expression, or a table { name = \"...\", regex = '...' }")
            }
            fn visit_str<E: serde::de::Error>(self, regex: &str) -> Result<UserPattern, E> {
                Ok(UserPattern {
                    name: None,
                    regex: regex.to_string(),
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<UserPattern, A::Error> {
                let (mut name, mut regex) = (None, None);
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "name" => name = Some(map.next_value::<String>()?),
                        "regex" => regex = Some(map.next_value::<String>()?),
                        other => {
                            return Err(serde::de::Error::unknown_field(other, &["name", "regex"]))
                        }
                    }
                }
                let regex = regex.ok_or_else(|| serde::de::Error::missing_field("regex"))?;
                Ok(UserPattern { name, regex })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BuiltinSet {
    /// The spec's DDL keywords.
    Sql,
    /// The spec's SQLAlchemy constructors.
    Metadata,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    /// An added line matching `pattern` in `file`.
    Line,
    /// A net-new file under `dir`, ending in `suffix`, not in `exclude`.
    NewFile,
}

/// The `[entry]` table. The keys that a kind needs are checked by `parse`,
/// with a message that names the kind (a tagged enum would lose the spans).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub kind: Spanned<EntryKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suffix: Option<String>,
    /// File names (`__init__.py`) or globs (`**/full_schemas/**`) that
    /// never count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude: Option<Vec<Spanned<String>>>,
    /// Globs over the whole path, alternatives (`new-file` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub globs: Vec<Spanned<String>>,
    /// `file` (the file name without its ending) or `folder` (the folder's
    /// name without a leading timestamp); by default `folder` when every
    /// glob names a fixed file (`*/up.sql`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_from: Option<NameFrom>,
    /// A regular expression whose first capture group is the migration's
    /// name (`^\d+_(.+)$`), so that names match across tracks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_pattern: Option<Spanned<String>>,
}

/// The `[tracks]` table: `first = "SQLite"`, `second = "Alembic"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrackNames {
    pub first: String,
    pub second: String,
    /// The waiver's marker word; `<first>-only` in lower case when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Spanned<String>>,
    /// Every pair holds both ways: a new migration on the second track (or
    /// on a counterpart track) needs one on the first. Needs an entry of
    /// kind `new-file`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub both_directions: bool,
}

/// A `[[counterparts]]` table: another track, with the keys of `[revisions]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterpartTrack {
    /// The track's name (`MySQL`).
    pub track: String,
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub suffix: String,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub globs: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_from: Option<NameFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_pattern: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_name: bool,
}

/// The `[revisions]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revisions {
    /// The directory (required unless `globs` is given).
    #[serde(default)]
    pub dir: String,
    #[serde(default)]
    pub suffix: String,
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Globs over the whole path, alternatives.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub globs: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_from: Option<NameFrom>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_pattern: Option<Spanned<String>>,
    /// The project's command that makes a revision (`sqlx migrate add`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// A counterpart of the same name already at HEAD counts (the catch-up).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_name: bool,
    /// Present when the revisions are Alembic's (`[revisions.alembic]`, or
    /// `alembic = {}`): the revision graph is then checked after the merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alembic: Option<AlembicTable>,
}

/// The `[revisions.alembic]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlembicTable {
    /// The project's env.py; default: `env.py` beside the revision directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
    /// The width of `alembic_version.version_num` when the project creates
    /// that table itself; default: what the revisions and env.py say, else 32.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_width: Option<usize>,
}

/// What is wrong with a configuration, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The key (`watch[1].patterns[0]`), or empty when the text is not TOML.
    pub key: String,
    /// 1-based line and column in the file, when known.
    pub position: Option<(usize, usize)>,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((line, column)) = self.position {
            write!(f, "line {line}, column {column}: ")?;
        }
        if !self.key.is_empty() {
            write!(f, "key `{}`: ", self.key)?;
        }
        f.write_str(&self.problem)
    }
}

impl std::error::Error for ConfigError {}

/// Reads and checks a `parity.toml`.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    let deserializer = toml::Deserializer::parse(text).map_err(|e| toml_error(text, "", &e))?;
    let config: Config = serde_path_to_error::deserialize(deserializer)
        .map_err(|e| toml_error(text, &key_path(e.path()), e.inner()))?;
    config.compile(text)?;
    Ok(config)
}

/// The path as a user wrote it: `Spanned`'s inner key (`$__serde_spanned...`)
/// is an implementation detail of the toml crate.
fn key_path(path: &serde_path_to_error::Path) -> String {
    let mut key = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => key.push_str(&format!("[{index}]")),
            Segment::Map { key: name } if name.starts_with("$__") => {}
            Segment::Map { key: name } | Segment::Enum { variant: name } => {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(name);
            }
            Segment::Unknown => key.push_str(".?"),
        }
    }
    key
}

/// A toml or serde error as a `ConfigError`: a missing field joins the key.
fn toml_error(text: &str, path: &str, error: &toml::de::Error) -> ConfigError {
    let problem = one_line(error.message());
    let mut key = path.to_string();
    if let Some(field) = problem
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        key = if key.is_empty() {
            field.to_string()
        } else {
            format!("{key}.{field}")
        };
    }
    ConfigError {
        key,
        position: error.span().map(|span| position(text, span.start)),
        problem,
    }
}

/// Joins a message of several lines into one sentence.
fn one_line(message: &str) -> String {
    let parts: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    parts.join("; ")
}

/// 1-based line and column (in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// An error at a key, placed by the span of its value when there is one.
struct KeyError {
    key: String,
    span: Option<Range<usize>>,
    problem: String,
}

impl KeyError {
    fn new(key: impl Into<String>, problem: impl Into<String>) -> KeyError {
        KeyError {
            key: key.into(),
            span: None,
            problem: problem.into(),
        }
    }

    fn at(mut self, span: Range<usize>) -> KeyError {
        // A value built in code has no span; 0..0 is how `Spanned` says so.
        self.span = Some(span).filter(|s| !s.is_empty());
        self
    }

    fn in_text(self, text: &str) -> ConfigError {
        ConfigError {
            key: self.key,
            position: self.span.map(|span| position(text, span.start)),
            problem: self.problem,
        }
    }
}

/// Compiles a user's regular expression; the error gives the position in the
/// pattern that regex-syntax reports (the regex crate's own is several lines).
fn compile_pattern(key: &str, source: &Spanned<String>) -> Result<Pattern, KeyError> {
    compile_regex(key, source.get_ref(), source.span())
}

/// `compile_pattern` of a regular expression placed at `span`.
fn compile_regex(key: &str, source: &str, span: Range<usize>) -> Result<Pattern, KeyError> {
    let source = &Spanned::new(0..0, source.to_string());
    let fail = |problem: String| KeyError::new(key, problem).at(span.clone());
    if let Err(error) = parity_core::rules::syntax(source.get_ref()) {
        let (kind, column) = match &*error {
            regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span().start.column),
            regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span().start.column),
            other => (other.to_string(), 1),
        };
        return Err(fail(format!(
            "invalid regular expression {:?}: {kind} at character {column} of the pattern",
            source.get_ref()
        )));
    }
    Pattern::new(source.get_ref().clone(), source.get_ref()).map_err(|e| {
        let last = e.to_string().lines().last().unwrap_or_default().to_string();
        fail(format!(
            "invalid regular expression {:?}: {last}",
            source.get_ref()
        ))
    })
}

/// A `dir` of a rule, with the trailing `/` its prefix test needs.
fn directory(dir: &str) -> String {
    if dir.is_empty() || dir.ends_with('/') {
        dir.to_string()
    } else {
        format!("{dir}/")
    }
}

/// The comment syntax a file ending implies: `.sql` and `.sql.<engine>`
/// (`.sql.postgres`, `.sql.sqlite`) SQL, `.py` `#`.
fn comments_for(path: &str) -> Option<CommentSyntax> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if name.ends_with(".py") {
        Some(CommentSyntax::Hash)
    } else if name.ends_with(".sql") || name.contains(".sql.") {
        Some(CommentSyntax::Sql)
    } else {
        None
    }
}

/// The keys of a new-file rule (`[entry]` of kind `new-file`, or
/// `[revisions]`), before they are checked.
struct FileRuleKeys<'k> {
    /// `entry`, `revisions` or `counterparts[i]`.
    table: &'k str,
    dir: &'k str,
    suffix: &'k str,
    exclude: &'k [Spanned<String>],
    globs: &'k [Spanned<String>],
    name_from: Option<NameFrom>,
    name_pattern: Option<&'k Spanned<String>>,
}

/// Whether a glob's directory part (`literal_prefix`) and a directory can
/// hold the same path: one lies under the other.
fn dirs_meet(prefix: &str, dir: &str) -> bool {
    let prefix = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    };
    prefix.starts_with(dir) || dir.starts_with(&prefix)
}

/// Whether a glob's literal ending and a required suffix can both end one
/// path.
fn endings_meet(tail: &str, suffix: &str) -> bool {
    tail.ends_with(suffix) || suffix.ends_with(tail)
}

impl FileRuleKeys<'_> {
    fn rule(&self) -> Result<NewFileRule, KeyError> {
        let table = self.table;
        let dir = directory(self.dir);
        let mut rule = NewFileRule::new(dir.clone(), self.suffix, Vec::new());
        for (i, glob) in self.globs.iter().enumerate() {
            let key = format!("{table}.globs[{i}]");
            let pattern = PathPattern::glob(glob.get_ref()).map_err(|why| {
                KeyError::new(&key, format!("invalid glob {:?}: {why}", glob.get_ref()))
                    .at(glob.span())
            })?;
            if !dir.is_empty() && !dirs_meet(pattern.literal_prefix(), &dir) {
                return Err(KeyError::new(
                    &key,
                    format!(
                        "{:?} can never match: it lies outside `dir` {dir:?}",
                        glob.get_ref()
                    ),
                )
                .at(glob.span()));
            }
            if !endings_meet(pattern.literal_suffix(), self.suffix) {
                return Err(KeyError::new(
                    &key,
                    format!(
                        "{:?} can never match: its paths end in {:?}, not in `suffix` {:?}",
                        glob.get_ref(),
                        pattern.literal_suffix(),
                        self.suffix
                    ),
                )
                .at(glob.span()));
            }
            rule.globs.push(pattern);
        }
        for (i, exclude) in self.exclude.iter().enumerate() {
            let key = format!("{table}.exclude[{i}]");
            let text = exclude.get_ref();
            let never = |why: String| {
                KeyError::new(&key, format!("{text:?} can never match: {why}")).at(exclude.span())
            };
            if !text.contains(['/', '*', '?', '[', '{']) {
                // A file name.
                if !text.ends_with(self.suffix) {
                    return Err(never(format!(
                        "a file of `{table}` ends in {:?}",
                        self.suffix
                    )));
                }
                rule.exclude.push(text.clone());
                continue;
            }
            let pattern = PathPattern::glob(text).map_err(|why| {
                KeyError::new(&key, format!("invalid glob {text:?}: {why}")).at(exclude.span())
            })?;
            let whole_path = text.contains('/');
            let tail = pattern.literal_suffix();
            let tail = if whole_path {
                tail
            } else {
                tail.rsplit('/').next().unwrap_or(tail)
            };
            if !endings_meet(tail, self.suffix) {
                return Err(never(format!(
                    "a file of `{table}` ends in {:?}",
                    self.suffix
                )));
            }
            if whole_path {
                let prefix = pattern.literal_prefix();
                if !dir.is_empty() && !dirs_meet(prefix, &dir) {
                    return Err(never(format!("it lies outside `dir` {dir:?}")));
                }
                let under_a_glob = rule
                    .globs
                    .iter()
                    .any(|g| dirs_meet(prefix, &directory(g.literal_prefix())));
                if !rule.globs.is_empty() && !under_a_glob {
                    return Err(never("it lies outside every glob of the table".into()));
                }
            }
            rule.exclude_globs.push(ExcludeGlob {
                pattern,
                whole_path,
            });
        }
        // A folder per migration when every glob names a fixed file (`*/up.sql`).
        let fixed_file = |g: &PathPattern| {
            let last = g.as_str().rsplit('/').next().unwrap_or_default();
            !last.contains(['*', '?', '[', '{'])
        };
        rule.name_from = self.name_from.unwrap_or(
            if !rule.globs.is_empty() && rule.globs.iter().all(fixed_file) {
                NameFrom::Folder
            } else {
                NameFrom::File
            },
        );
        if let Some(pattern) = self.name_pattern {
            let mut pattern = compile_pattern(&format!("{table}.name_pattern"), pattern)?;
            pattern.name = "name".into();
            rule.name_pattern = Some(pattern);
        }
        Ok(rule)
    }
}

/// The keys of a second-track table (`[revisions]`, `[[counterparts]]`).
struct TrackKeys<'k> {
    dir: &'k str,
    suffix: &'k str,
    exclude: &'k [Spanned<String>],
    globs: &'k [Spanned<String>],
    name_from: Option<NameFrom>,
    name_pattern: Option<&'k Spanned<String>>,
    by_name: bool,
}

/// A second-track rule, checked: it has a directory or globs, and names are
/// matched only against new-file entries.
fn second_track_rule(
    table: &str,
    keys: TrackKeys<'_>,
    entry: &EntryRule,
) -> Result<NewFileRule, KeyError> {
    if keys.dir.is_empty() && keys.globs.is_empty() {
        return Err(KeyError::new(
            format!("{table}.dir"),
            "missing field `dir` (or `globs`): where do revisions go?",
        ));
    }
    if keys.by_name && !matches!(entry, EntryRule::NewFile(_)) {
        return Err(KeyError::new(
            format!("{table}.by_name"),
            "counterparts by name need an entry of kind \"new-file\"",
        ));
    }
    FileRuleKeys {
        table,
        dir: keys.dir,
        suffix: keys.suffix,
        exclude: keys.exclude,
        globs: keys.globs,
        name_from: keys.name_from,
        name_pattern: keys.name_pattern,
    }
    .rule()
}

/// The pair `rules` the other way round: new files of its second track are
/// entries, their DDL (SQL set, comments by the ending) the evidence, and the
/// first track's new files the counterparts.
fn reversed(rules: &Rules, first_entry: &NewFileRule, match_names: bool) -> Rules {
    let second = &rules.revisions;
    let globs: Vec<PathPattern> = if second.globs.is_empty() {
        let glob = format!("{}**/*{}", second.dir, second.suffix);
        vec![PathPattern::glob(&glob).expect("a directory and an ending make a glob")]
    } else {
        second.globs.clone()
    };
    let watched = globs
        .iter()
        .map(|glob| WatchedFile {
            path: glob.clone(),
            patterns: PatternSet::sql(),
            comments: comments_for(glob.as_str()).unwrap_or(CommentSyntax::Sql),
            classifier: Classifier::Plain,
        })
        .collect();
    let tracks = Tracks {
        first: rules.tracks.second.clone(),
        second: rules.tracks.first.clone(),
    };
    Rules {
        waiver: WaiverRule::for_track(&tracks.first),
        tracks,
        watched,
        entry: EntryRule::NewFile(second.clone()),
        revisions: first_entry.clone(),
        alembic: None,
        strict: false,
        hint: None,
        match_names,
        pairings: Vec::new(),
    }
}

impl Watch {
    fn rule(&self, key: &str) -> Result<WatchedFile, KeyError> {
        let path = match (&self.path, &self.glob) {
            (Some(path), None) => PathPattern::Exact(path.clone()),
            (None, Some(glob)) => PathPattern::glob(glob.get_ref()).map_err(|why| {
                KeyError::new(
                    format!("{key}.glob"),
                    format!("invalid glob {:?}: {why}", glob.get_ref()),
                )
                .at(glob.span())
            })?,
            (Some(_), Some(_)) => {
                return Err(KeyError::new(key, "give either `path` or `glob`, not both"))
            }
            (None, None) => {
                return Err(KeyError::new(
                    key,
                    "missing `path` or `glob`: which file does this table watch?",
                ))
            }
        };
        let mut patterns = match self.set {
            Some(BuiltinSet::Sql) => PatternSet::sql().patterns,
            Some(BuiltinSet::Metadata) => PatternSet::metadata().patterns,
            None => Vec::new(),
        };
        for (i, source) in self.patterns.iter().enumerate() {
            let user = source.get_ref();
            let mut pattern =
                compile_regex(&format!("{key}.patterns[{i}]"), &user.regex, source.span())?;
            if let Some(name) = &user.name {
                pattern.name = name.clone();
            }
            patterns.push(pattern);
        }
        if patterns.is_empty() {
            return Err(KeyError::new(
                key,
                "missing `set` or `patterns`: which lines are DDL in this file?",
            ));
        }
        let patterns = match (self.set, self.patterns.is_empty()) {
            // A built-in set alone is the built-in set, its leading words
            // (`PatternSet::first_match_index`) included.
            (Some(BuiltinSet::Sql), true) => PatternSet::sql(),
            (Some(BuiltinSet::Metadata), true) => PatternSet::metadata(),
            (set, _) => {
                let name = match set {
                    Some(BuiltinSet::Sql) => "sql+patterns",
                    Some(BuiltinSet::Metadata) => "metadata+patterns",
                    None => "patterns",
                };
                PatternSet::new(name, patterns)
                    .map_err(|e| KeyError::new(key, format!("the patterns do not combine: {e}")))?
            }
        };
        let comments = match self.comments {
            Some(comments) => comments,
            None => comments_for(path.as_str()).ok_or_else(|| {
                KeyError::new(
                    format!("{key}.comments"),
                    format!(
                        "missing field `comments`: the ending of {:?} does not say \
                         (`.sql` would be \"sql\", `.py` \"hash\"); give \"sql\", \"hash\" or \"none\"",
                        path.as_str()
                    ),
                )
            })?,
        };
        Ok(WatchedFile {
            path,
            patterns,
            comments,
            classifier: self.classifier,
        })
    }
}

impl Entry {
    fn rule(&self) -> Result<EntryRule, KeyError> {
        // (key, whether it is given) for the keys a kind needs and refuses.
        type Keys<'k> = &'k [(&'k str, bool)];
        let (needed, unwanted): (Keys, Keys) = match self.kind.get_ref() {
            EntryKind::Line => (
                &[
                    ("file", self.file.is_some()),
                    ("pattern", self.pattern.is_some()),
                ],
                &[
                    ("dir", self.dir.is_some()),
                    ("suffix", self.suffix.is_some()),
                    ("exclude", self.exclude.is_some()),
                    ("globs", !self.globs.is_empty()),
                    ("name_from", self.name_from.is_some()),
                    ("name_pattern", self.name_pattern.is_some()),
                ],
            ),
            EntryKind::NewFile => (
                &[("dir", self.dir.is_some() || !self.globs.is_empty())],
                &[
                    ("file", self.file.is_some()),
                    ("pattern", self.pattern.is_some()),
                ],
            ),
        };
        let kind = match self.kind.get_ref() {
            EntryKind::Line => "line",
            EntryKind::NewFile => "new-file",
        };
        // Placed at `kind`, the key that decides which others belong.
        if let Some((name, _)) = needed.iter().find(|(_, given)| !given) {
            return Err(KeyError::new(
                format!("entry.{name}"),
                format!("missing field: an entry of kind \"{kind}\" needs it"),
            )
            .at(self.kind.span()));
        }
        if let Some((name, _)) = unwanted.iter().find(|(_, given)| *given) {
            return Err(KeyError::new(
                format!("entry.{name}"),
                format!("not a key of an entry of kind \"{kind}\""),
            )
            .at(self.kind.span()));
        }
        Ok(
            match (self.kind.get_ref(), &self.file, &self.pattern, &self.dir) {
                (EntryKind::Line, Some(file), Some(pattern), _) => {
                    let mut pattern = compile_pattern("entry.pattern", pattern)?;
                    pattern.name = "entry".into();
                    EntryRule::Line(LineEntry {
                        file: PathPattern::Exact(file.clone()),
                        pattern,
                    })
                }
                (EntryKind::NewFile, _, _, dir) => EntryRule::NewFile(
                    FileRuleKeys {
                        table: "entry",
                        dir: dir.as_deref().unwrap_or_default(),
                        suffix: self.suffix.as_deref().unwrap_or_default(),
                        exclude: self.exclude.as_deref().unwrap_or_default(),
                        globs: &self.globs,
                        name_from: self.name_from,
                        name_pattern: self.name_pattern.as_ref(),
                    }
                    .rule()?,
                ),
                _ => unreachable!("the keys of each kind were checked above"),
            },
        )
    }
}

impl Config {
    /// The spec's layout, written as a configuration: what `parity.toml`
    /// would say to give exactly the defaults.
    pub fn spec_layout() -> Config {
        let python = |path: &str, set| Watch {
            path: Some(path.into()),
            glob: None,
            set: Some(set),
            patterns: Vec::new(),
            comments: Some(CommentSyntax::Hash),
            classifier: Classifier::Python,
        };
        let spec = Tracks::spec();
        Config {
            tracks: Some(TrackNames {
                first: spec.first,
                second: spec.second,
                waiver: None,
                both_directions: false,
            }),
            watch: vec![
                python(MIGRATIONS, BuiltinSet::Sql),
                python(SCHEMA, BuiltinSet::Sql),
                python(TABLES, BuiltinSet::Metadata),
            ],
            entry: Entry {
                kind: Spanned::new(0..0, EntryKind::Line),
                file: Some(MIGRATIONS.into()),
                pattern: Some(Spanned::new(0..0, SPEC_ENTRY_PATTERN.into())),
                dir: None,
                suffix: None,
                exclude: None,
                globs: Vec::new(),
                name_from: None,
                name_pattern: None,
            },
            revisions: Revisions {
                dir: REVISIONS.into(),
                suffix: ".py".into(),
                exclude: vec![Spanned::new(0..0, "__init__.py".into())],
                globs: Vec::new(),
                name_from: None,
                name_pattern: None,
                hint: None,
                by_name: false,
                alembic: Some(AlembicTable::default()),
            },
            counterparts: Vec::new(),
            strict: false,
        }
    }

    /// The rules this configuration describes. It cannot fail on a value that
    /// `parse` returned or on `spec_layout()`.
    pub fn rules(&self) -> Result<Rules, ConfigError> {
        self.compile("")
    }

    fn compile(&self, text: &str) -> Result<Rules, ConfigError> {
        let watched = (self.watch.iter().enumerate())
            .map(|(i, watch)| watch.rule(&format!("watch[{i}]")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.in_text(text))?;
        let entry = self.entry.rule().map_err(|e| e.in_text(text))?;
        let tracks = match &self.tracks {
            Some(names) => Tracks {
                first: names.first.clone(),
                second: names.second.clone(),
            },
            None => Tracks::generic(),
        };
        let waiver = match self.tracks.as_ref().and_then(|t| t.waiver.as_ref()) {
            None => WaiverRule::for_track(&tracks.first),
            Some(word) => WaiverRule::new(word.get_ref()).ok_or_else(|| {
                KeyError::new(
                    "tracks.waiver",
                    format!(
                        "{:?} is not a marker word (letters, digits, `-`, `_`, `.`)",
                        word.get_ref()
                    ),
                )
                .at(word.span())
                .in_text(text)
            })?,
        };
        let revisions = &self.revisions;
        let revision_rule = second_track_rule(
            "revisions",
            TrackKeys {
                dir: &revisions.dir,
                suffix: &revisions.suffix,
                exclude: &revisions.exclude,
                globs: &revisions.globs,
                name_from: revisions.name_from,
                name_pattern: revisions.name_pattern.as_ref(),
                by_name: revisions.by_name,
            },
            &entry,
        )
        .map_err(|e| e.in_text(text))?;
        let main = Rules {
            tracks,
            watched,
            entry,
            revisions: revision_rule,
            alembic: self.revisions.alembic.as_ref().map(|table| {
                let mut rules = AlembicRules::for_dir(&self.revisions.dir);
                if let Some(env) = &table.env {
                    rules.env = PathBytes::from(env.as_str());
                }
                rules.version_width = table.version_width;
                rules
            }),
            strict: self.strict,
            waiver,
            hint: revisions.hint.clone(),
            match_names: revisions.by_name,
            pairings: Vec::new(),
        };
        let mut pairings = Vec::new();
        for (i, extra) in self.counterparts.iter().enumerate() {
            let rule = second_track_rule(
                &format!("counterparts[{i}]"),
                TrackKeys {
                    dir: &extra.dir,
                    suffix: &extra.suffix,
                    exclude: &extra.exclude,
                    globs: &extra.globs,
                    name_from: extra.name_from,
                    name_pattern: extra.name_pattern.as_ref(),
                    by_name: extra.by_name,
                },
                &main.entry,
            )
            .map_err(|e| e.in_text(text))?;
            pairings.push(Rules {
                tracks: Tracks {
                    first: main.tracks.first.clone(),
                    second: extra.track.clone(),
                },
                revisions: rule,
                // A further track is not an Alembic track.
                alembic: None,
                hint: extra.hint.clone(),
                match_names: extra.by_name,
                ..main.clone()
            });
        }
        if self.tracks.as_ref().is_some_and(|t| t.both_directions) {
            let EntryRule::NewFile(first_entry) = &main.entry else {
                return Err(ConfigError {
                    key: "tracks.both_directions".into(),
                    position: None,
                    problem: "both directions need an entry of kind \"new-file\": the first \
                              track's new files are the other direction's counterparts"
                        .into(),
                });
            };
            let forward: Vec<Rules> = std::iter::once(main.clone())
                .chain(pairings.iter().cloned())
                .collect();
            for pair in forward {
                pairings.push(reversed(&pair, first_entry, main.match_names));
            }
        }
        Ok(Rules { pairings, ..main })
    }

    /// The configuration as `parity.toml` text.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a configuration always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn the_spec_layout_round_trips_through_toml() {
        let spec = Config::spec_layout();
        let text = spec.to_toml();
        assert_eq!(parse(&text), Ok(spec), "{text}");
    }

    #[test]
    fn positions_count_lines_and_characters() {
        assert_eq!(position("a = 1\nbé = x\n", 10), (2, 4));
        assert_eq!(position("x", 0), (1, 1));
    }
}
