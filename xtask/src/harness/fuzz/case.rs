//! A generated pull request, with every line labelled by what the generator
//! put in it, and its renderings: the files at BASE and HEAD, the unified diff
//! and the `--name-status -z` list that git would print for the range.
//!
//! The labels are the generator's own knowledge, never the result of a rule:
//! the model (`model.rs`) decides from them alone.

use std::fmt::Write as _;

pub const MIGRATIONS: &str = "src/backend/db/migrations.py";
pub const SCHEMA: &str = "src/backend/db/schema.py";
pub const TABLES: &str = "src/backend/db/tables.py";
pub const VERSIONS: &str = "src/backend/migrations/versions/";

/// Where a line stands in the Python file at HEAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Blank,
    /// Code outside any string, with no trailing comment.
    Code,
    /// A line whose first non-blank character is `#` and that is outside any string.
    Comment,
    /// Part of a docstring (the first statement of a module, class or function).
    Docstring,
    /// Inside a string literal that is not a docstring (SQL passed to `execute`).
    String,
}

/// What the generator put on a line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Label {
    /// The line holds one of the spec's SQL DDL phrases as whole words.
    pub sql: bool,
    /// The line holds a SQLAlchemy constructor call (`Column(` ...).
    pub metadata: bool,
    /// The line registers a migration (`("x", _migrate_x),`).
    pub entry: bool,
    /// The line's first non-blank character is `#` (whatever its region).
    pub hash_led: bool,
}

/// A piece of a line's text. Keywords keep their generated case unless a
/// rendering style asks for another, so the "keyword case" property can
/// re-render the same case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Keyword(String),
}

/// How a line changes in the range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Context,
    Added,
    Removed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Indentation in units of the style's indent.
    pub indent: u8,
    pub pieces: Vec<Piece>,
    pub region: Region,
    pub label: Label,
    pub change: Change,
    /// What a trailing comment on the line holds (it never counts for a
    /// lexical reader; a plain line rule reads it with the rest).
    pub tail: Label,
    /// Trailing spaces that keep an added line's text distinct from every
    /// line at BASE, so that any diff algorithm finds exactly these additions.
    pub pad: u8,
}

impl Line {
    pub fn new(indent: u8, region: Region, label: Label, pieces: Vec<Piece>) -> Line {
        Line {
            indent,
            pieces,
            region,
            label,
            change: Change::Context,
            tail: Label::default(),
            pad: 0,
        }
    }

    pub fn blank() -> Line {
        Line::new(0, Region::Blank, Label::default(), Vec::new())
    }

    /// The line's text in `style`, without its line ending.
    pub fn text(&self, style: &Style) -> String {
        let mut out = String::new();
        if !self.pieces.is_empty() {
            for _ in 0..self.indent {
                out.push_str(style.indent.unit());
            }
        }
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Keyword(word) => out.push_str(&style.keyword_case.apply(word)),
            }
        }
        for _ in 0..self.pad {
            out.push(' ');
        }
        out
    }
}

/// The indentation unit of a rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indent {
    Four,
    Two,
    Tab,
}

impl Indent {
    fn unit(self) -> &'static str {
        match self {
            Indent::Four => "    ",
            Indent::Two => "  ",
            Indent::Tab => "\t",
        }
    }
}

/// The case of SQL keywords in a rendering.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeywordCase {
    AsGenerated,
    Upper,
    Lower,
    /// Alternating, starting with an upper-case letter.
    Alternating,
}

impl KeywordCase {
    fn apply(self, word: &str) -> String {
        match self {
            KeywordCase::AsGenerated => word.to_string(),
            KeywordCase::Upper => word.to_ascii_uppercase(),
            KeywordCase::Lower => word.to_ascii_lowercase(),
            KeywordCase::Alternating => word
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                })
                .collect(),
        }
    }
}

/// Everything about a rendering that must not change a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    pub indent: Indent,
    pub crlf: bool,
    pub keyword_case: KeywordCase,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            indent: Indent::Four,
            crlf: false,
            keyword_case: KeywordCase::AsGenerated,
        }
    }
}

/// What a file is to the guard, as the generator chose it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// `migrations.py`: SQL set, and the file whose lines register entries.
    Migrations,
    /// `schema.py`: SQL set.
    Schema,
    /// `tables.py`: metadata set.
    Tables,
    /// Any other file: never counts.
    Unwatched,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenFile {
    pub path: String,
    pub role: Role,
    /// Added in the range (no BASE version) rather than modified.
    pub added: bool,
    /// Lines of context around each hunk, as `git diff -U<n>` would show.
    pub context: u8,
    /// The last line has no line ending (at BASE and HEAD alike).
    pub no_final_newline: bool,
    /// The file ends in an unterminated string, so no lexer can read it and
    /// the plain line rules judge it.
    pub unlexable: bool,
    pub lines: Vec<Line>,
}

impl GenFile {
    fn side(&self, style: &Style, keep: impl Fn(Change) -> bool) -> Vec<u8> {
        let eol = if style.crlf { "\r\n" } else { "\n" };
        let kept: Vec<&Line> = self.lines.iter().filter(|l| keep(l.change)).collect();
        let mut out = String::new();
        for (i, line) in kept.iter().enumerate() {
            out.push_str(&line.text(style));
            if !(self.no_final_newline && i + 1 == kept.len()) {
                out.push_str(eol);
            }
        }
        out.into_bytes()
    }

    /// The file at HEAD.
    pub fn head(&self, style: &Style) -> Vec<u8> {
        self.side(style, |c| c != Change::Removed)
    }

    /// The file at BASE (empty for an added file).
    pub fn base(&self, style: &Style) -> Vec<u8> {
        self.side(style, |c| c != Change::Added)
    }

    /// Each added line's number at HEAD and text, in file order.
    pub fn added_lines(&self, style: &Style) -> Vec<(u32, String)> {
        let mut number = 0u32;
        let mut out = Vec::new();
        for line in &self.lines {
            if line.change != Change::Removed {
                number += 1;
            }
            if line.change == Change::Added {
                out.push((number, line.text(style)));
            }
        }
        out
    }

    /// The hunks of the file's diff, each as its header and body lines.
    pub fn hunks(&self, style: &Style) -> Vec<Vec<u8>> {
        let eol = if style.crlf { "\r" } else { "" };
        let changed: Vec<usize> = (0..self.lines.len())
            .filter(|&i| self.lines[i].change != Change::Context)
            .collect();
        let Some(&first) = changed.first() else {
            return Vec::new();
        };
        // Group changes whose gap of context lines is at most twice the context.
        let radius = usize::from(self.context);
        let mut groups = vec![(first, first)];
        for &i in &changed[1..] {
            let last = groups.last_mut().expect("one group at least");
            if i - last.1 - 1 <= 2 * radius {
                last.1 = i;
            } else {
                groups.push((i, i));
            }
        }
        // Line numbers at BASE and HEAD before each op.
        let mut old_before = Vec::with_capacity(self.lines.len() + 1);
        let mut new_before = Vec::with_capacity(self.lines.len() + 1);
        let (mut old, mut new) = (0u32, 0u32);
        for line in &self.lines {
            old_before.push(old);
            new_before.push(new);
            match line.change {
                Change::Context => {
                    old += 1;
                    new += 1;
                }
                Change::Added => new += 1,
                Change::Removed => old += 1,
            }
        }
        old_before.push(old);
        new_before.push(new);
        let last_index = self.lines.len() - 1;
        groups
            .into_iter()
            .map(|(from, to)| {
                let start = from.saturating_sub(radius);
                let end = (to + radius).min(last_index);
                let old_count = old_before[end + 1] - old_before[start];
                let new_count = new_before[end + 1] - new_before[start];
                let mut hunk = format!(
                    "@@ -{} +{} @@\n",
                    range(old_before[start], old_count),
                    range(new_before[start], new_count)
                );
                for (i, line) in self.lines.iter().enumerate().take(end + 1).skip(start) {
                    let mark = match line.change {
                        Change::Context => ' ',
                        Change::Added => '+',
                        Change::Removed => '-',
                    };
                    let _ = writeln!(hunk, "{mark}{}{eol}", line.text(style));
                    if i == last_index && self.no_final_newline {
                        hunk.push_str("\\ No newline at end of file\n");
                    }
                }
                hunk.into_bytes()
            })
            .collect()
    }

    /// The file's whole patch, headers and hunks, in `order` of hunks.
    pub fn patch(&self, style: &Style, hunk_order: &dyn Fn(usize) -> Vec<usize>) -> Vec<u8> {
        let hunks = self.hunks(style);
        if hunks.is_empty() && !self.added {
            return Vec::new();
        }
        let a = quote_path(&format!("a/{}", self.path));
        let b = quote_path(&format!("b/{}", self.path));
        let mut out = format!("diff --git {a} {b}\n");
        if self.added {
            out.push_str("new file mode 100644\nindex 0000000..1234567\n--- /dev/null\n");
        } else {
            out.push_str(&format!("index 89abcde..1234567 100644\n--- {a}\n"));
        }
        out.push_str(&format!("+++ {b}\n"));
        let mut bytes = out.into_bytes();
        for i in hunk_order(hunks.len()) {
            bytes.extend_from_slice(&hunks[i]);
        }
        bytes
    }
}

/// `start,count` as git prints it: the count is left out when it is one, and
/// an empty side starts at the line before it.
fn range(before: u32, count: u32) -> String {
    match count {
        0 => format!("{before},0"),
        1 => format!("{}", before + 1),
        n => format!("{},{n}", before + 1),
    }
}

/// git's C quoting of a path, for the characters our generated paths use.
pub fn quote_path(path: &str) -> String {
    let needs = path
        .bytes()
        .any(|b| b < 0x20 || b == b'"' || b == b'\\' || b == 0x7f);
    if !needs {
        return path.to_string();
    }
    let mut out = String::from("\"");
    for c in path.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// How a file under the revisions directory, or near it, changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevisionKind {
    /// A new `.py` file under `versions/`: the only kind that counts.
    NetNew,
    /// A new `versions/__init__.py`.
    InitPy,
    /// A new file under `versions/` that does not end in `.py`.
    NotPython,
    /// A new `.py` file outside `versions/` (a sibling directory, a prefix look-alike).
    Outside,
    /// An existing revision, modified.
    Modified,
    /// An existing revision, deleted.
    Deleted,
    /// An existing revision, renamed within `versions/`.
    Renamed,
    /// A file copied into `versions/` (git reports `C` only with copy detection).
    Copied,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionChange {
    pub kind: RevisionKind,
    /// The path at HEAD (for a deletion, the path that was deleted).
    pub path: String,
    /// The source of a rename or copy.
    pub from: Option<String>,
}

impl RevisionChange {
    /// The status letter and score git prints.
    pub fn status(&self) -> &'static str {
        match self.kind {
            RevisionKind::NetNew
            | RevisionKind::InitPy
            | RevisionKind::NotPython
            | RevisionKind::Outside => "A",
            RevisionKind::Modified => "M",
            RevisionKind::Deleted => "D",
            RevisionKind::Renamed => "R100",
            RevisionKind::Copied => "C100",
        }
    }

    /// Whether it is a net-new revision: by the generator's choice of kind.
    pub fn net_new(&self) -> bool {
        self.kind == RevisionKind::NetNew
    }
}

/// A generated pull request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    pub files: Vec<GenFile>,
    pub revisions: Vec<RevisionChange>,
    pub style: Style,
    /// The Alembic track the revision changes sit on.
    pub track: Track,
}

impl Case {
    /// The diff of every file that changed, files and hunks in `order`.
    pub fn diff_ordered(&self, order: &Order) -> Vec<u8> {
        let mut out = Vec::new();
        for &f in &order.files {
            let hunk_order = |n: usize| order.hunks(f, n);
            out.extend(self.files[f].patch(&self.style, &hunk_order));
        }
        out
    }

    pub fn diff(&self) -> Vec<u8> {
        self.diff_ordered(&Order::natural(self))
    }

    /// `--name-status -z` of the range: every changed file, then the
    /// revision directory's changes, in `order`.
    pub fn name_status_ordered(&self, order: &Order) -> Vec<u8> {
        let mut records: Vec<Vec<u8>> = self
            .files
            .iter()
            .filter(|f| f.added || f.lines.iter().any(|l| l.change != Change::Context))
            .map(|f| format!("{}\0{}\0", if f.added { "A" } else { "M" }, f.path).into_bytes())
            .collect();
        for revision in &self.revisions {
            let mut record = format!("{}\0", revision.status());
            if let Some(from) = &revision.from {
                record.push_str(from);
                record.push('\0');
            }
            record.push_str(&revision.path);
            record.push('\0');
            records.push(record.into_bytes());
        }
        let mut out = Vec::new();
        for &i in &order.statuses {
            if let Some(record) = records.get(i) {
                out.extend_from_slice(record);
            }
        }
        // Records the order does not mention (it was made for fewer) follow.
        for (i, record) in records.iter().enumerate() {
            if !order.statuses.contains(&i) {
                out.extend_from_slice(record);
            }
        }
        out
    }

    pub fn name_status(&self) -> Vec<u8> {
        self.name_status_ordered(&Order::natural(self))
    }

    /// Pads added lines whose text equals a line at BASE, so that the
    /// additions are the only ones any diff algorithm can find.
    pub fn make_additions_distinct(&mut self) {
        let style = self.style;
        for file in &mut self.files {
            let base: std::collections::HashSet<String> = file
                .lines
                .iter()
                .filter(|l| l.change != Change::Added)
                .map(|l| l.text(&style))
                .collect();
            for line in file.lines.iter_mut().filter(|l| l.change == Change::Added) {
                if line.pieces.is_empty() {
                    continue;
                }
                line.pad = 0;
                while base.contains(&line.text(&style)) {
                    line.pad += 1;
                }
            }
        }
    }
}

/// An order of files, hunks and name-status records (a permutation each).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Order {
    pub files: Vec<usize>,
    /// Per file, a list of keys; hunks are sorted by the key at their index.
    pub hunk_keys: Vec<Vec<u32>>,
    pub statuses: Vec<usize>,
}

impl Order {
    pub fn natural(case: &Case) -> Order {
        Order {
            files: (0..case.files.len()).collect(),
            hunk_keys: Vec::new(),
            statuses: Vec::new(),
        }
    }

    fn hunks(&self, file: usize, count: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..count).collect();
        if let Some(keys) = self.hunk_keys.get(file) {
            order.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(u32::MAX), i));
        }
        order
    }
}

/// How the pull request's first revision on the Alembic track breaks the
/// track, as the generator chose it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flaw {
    /// It revises BASE's tip: one head after the merge.
    #[default]
    None,
    /// It revises the merge-base's tip while BASE gained a revision after the
    /// fork (the generator sets `Track::base_moved` with it): two heads.
    Stale,
    /// Its `down_revision` names no revision.
    Dangling,
    /// Its id is 40 characters; `widened`: the root of the base chain widens
    /// `alembic_version.version_num` to 64 in its `upgrade()`.
    LongId { widened: bool },
    /// It ends in an unterminated string.
    Unparsable,
}

/// The Alembic track around the case's revision changes: a chain at the
/// merge-base, a revision BASE may gain after the fork, and the flaw.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Track {
    /// BASE gained a revision (`base_moved.py`, id `bm`) on the merge-base's
    /// tip after the fork.
    pub base_moved: bool,
    pub flaw: Flaw,
}

/// The root of the base chain, and the revision BASE gains after the fork.
pub const ROOT_REVISION: &str = "src/backend/migrations/versions/base_root.py";
pub const MOVED_REVISION: &str = "src/backend/migrations/versions/base_moved.py";
/// What a dangling `down_revision` names.
pub const NOWHERE: &str = "nowhere";

/// Whether a path is a revision of the Alembic track: a `.py` file directly
/// under `versions/` whose name does not start with `__init__`.
pub fn on_track(path: &str) -> bool {
    path.strip_prefix(VERSIONS).is_some_and(|rest| {
        !rest.contains('/') && rest.ends_with(".py") && !rest.starts_with("__init__")
    })
}

/// Every revision file of a case, at the merge-base, BASE's tip and HEAD:
/// path and contents, in path order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevisionFiles {
    pub merge_base: Vec<(String, String)>,
    pub base_tip: Vec<(String, String)>,
    pub head: Vec<(String, String)>,
}

/// A revision's text: every line differs from every other file's, so that
/// git pairs no two files as a rename by similarity.
fn revision_source(path: &str, id: &str, down: Option<&str>, extra: &str) -> String {
    let down = down.map_or("None".to_string(), |d| format!("{d:?}"));
    format!("\"\"\"Revision {path}.\"\"\"\nrevision = {id:?}\ndown_revision = {down}\n{extra}")
}

/// A file near the track that Alembic never reads.
fn off_track_source(path: &str, version: &str) -> String {
    format!("\"\"\"File {path}.\"\"\"\nname = {path:?}\nchange = {version:?}\n")
}

const WIDEN: &str =
    "\n\ndef upgrade():\n    op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))\n";

impl Case {
    /// The id of the pull request's `index`-th revision change on the track.
    pub fn new_id(&self, index: usize, first: bool) -> String {
        let id = format!("p{index}");
        match self.track.flaw {
            Flaw::LongId { .. } if first => format!("{id:_<40}"),
            _ => id,
        }
    }

    /// The revision files: the base chain is the root, then the revisions
    /// the range modifies, renames or copies, then those it deletes (so that
    /// a deletion cuts only the chain's top); the pull request's new
    /// revisions chain on BASE's tip (the first as its flaw says).
    pub fn revision_files(&self) -> RevisionFiles {
        let track = self.track;
        let widened = matches!(track.flaw, Flaw::LongId { widened: true });
        let mut chain: Vec<(String, String)> = vec![(ROOT_REVISION.into(), "b0".into())];
        let mut off_track: Vec<String> = Vec::new();
        let existing = |r: &RevisionChange| match r.kind {
            RevisionKind::Modified | RevisionKind::Deleted => Some(r.path.clone()),
            RevisionKind::Renamed | RevisionKind::Copied => r.from.clone(),
            _ => None,
        };
        for deleted in [false, true] {
            for (i, r) in self.revisions.iter().enumerate() {
                let Some(path) = existing(r) else { continue };
                if (r.kind == RevisionKind::Deleted) != deleted {
                    continue;
                }
                if on_track(&path) {
                    chain.push((path, format!("c{i}")));
                } else {
                    off_track.push(path);
                }
            }
        }
        let mut texts: Vec<(String, String, Option<String>)> = Vec::new();
        for (k, (path, id)) in chain.iter().enumerate() {
            let down = k.checked_sub(1).map(|p| chain[p].1.clone());
            texts.push((path.clone(), id.clone(), down));
        }
        let source = |(path, id, down): &(String, String, Option<String>), extra: &str| {
            let extra = if id == "b0" && widened { WIDEN } else { extra };
            revision_source(path, id, down.as_deref(), extra)
        };
        let mut merge_base: Vec<(String, String)> =
            texts.iter().map(|t| (t.0.clone(), source(t, ""))).collect();
        merge_base.extend(
            off_track
                .iter()
                .map(|p| (p.clone(), off_track_source(p, "base"))),
        );
        let merge_base_tip = chain.last().map(|c| c.1.clone());
        let mut base_tip = merge_base.clone();
        if track.base_moved {
            base_tip.push((
                MOVED_REVISION.into(),
                revision_source(MOVED_REVISION, "bm", merge_base_tip.as_deref(), ""),
            ));
        }
        // HEAD: the chain without what the range deletes or renames away.
        let gone: Vec<&str> = self
            .revisions
            .iter()
            .filter(|r| matches!(r.kind, RevisionKind::Deleted | RevisionKind::Renamed))
            .filter_map(|r| match r.kind {
                RevisionKind::Deleted => Some(r.path.as_str()),
                _ => r.from.as_deref(),
            })
            .collect();
        let kept: Vec<&(String, String, Option<String>)> = texts
            .iter()
            .filter(|t| !gone.contains(&t.0.as_str()))
            .collect();
        // A renamed revision stays in the chain under its new name.
        let deleted: Vec<&str> = self
            .revisions
            .iter()
            .filter(|r| r.kind == RevisionKind::Deleted)
            .map(|r| r.path.as_str())
            .collect();
        let pr_tip = texts
            .iter()
            .rfind(|t| !deleted.contains(&t.0.as_str()))
            .map(|t| t.1.clone());
        let base_tip_id = if track.base_moved {
            Some("bm".to_string())
        } else {
            pr_tip.clone()
        };
        let by_path = |path: &str| texts.iter().find(|t| t.0 == path);
        let mut head: Vec<(String, String)> =
            kept.iter().map(|t| (t.0.clone(), source(t, ""))).collect();
        head.extend(
            off_track
                .iter()
                .filter(|p| !gone.contains(&p.as_str()))
                .map(|p| (p.clone(), off_track_source(p, "base"))),
        );
        let mut previous: Option<String> = None;
        for (i, r) in self.revisions.iter().enumerate() {
            let path = &r.path;
            match r.kind {
                RevisionKind::Deleted => continue,
                RevisionKind::Modified => {
                    if let Some(t) = by_path(path) {
                        let text = source(t, "change = \"changed\"\n");
                        head.retain(|h| &h.0 != path);
                        head.push((path.clone(), text));
                    } else {
                        head.retain(|h| &h.0 != path);
                        head.push((path.clone(), off_track_source(path, "changed")));
                    }
                }
                RevisionKind::Renamed | RevisionKind::Copied => {
                    let from = r.from.as_deref().unwrap_or(path);
                    let text = match by_path(from) {
                        Some(t) if on_track(path) => source(t, ""),
                        _ => off_track_source(from, "base"),
                    };
                    head.push((path.clone(), text));
                }
                RevisionKind::NetNew if on_track(path) => {
                    let first = previous.is_none();
                    let id = self.new_id(i, first);
                    let down = match (&previous, track.flaw) {
                        (Some(p), _) => Some(p.clone()),
                        (None, Flaw::Stale) => pr_tip.clone(),
                        (None, Flaw::Dangling) => Some(NOWHERE.to_string()),
                        (None, _) => base_tip_id.clone(),
                    };
                    let extra = if first && track.flaw == Flaw::Unparsable {
                        "BROKEN = \"\"\"never closed\n"
                    } else {
                        ""
                    };
                    head.push((
                        path.clone(),
                        revision_source(path, &id, down.as_deref(), extra),
                    ));
                    previous = Some(id);
                }
                _ => head.push((path.clone(), off_track_source(path, "new"))),
            }
        }
        merge_base.sort();
        base_tip.sort();
        head.sort();
        RevisionFiles {
            merge_base,
            base_tip,
            head,
        }
    }
}
