//! The Alembic track's own integrity: whether the revision files a pull
//! request leaves behind still make one history Alembic can run, once the
//! pull request is merged into its base.
//!
//! [`check_integrity`] reads every revision file statically (through
//! [`crate::classify::PythonFile::lex`]: no Python runs) and checks the tree
//! the merge will contain:
//!
//! - **One head** ([`FindingKind::MultipleHeads`]): the merged history has
//!   one head, unless branch labels set heads apart (a head is set apart by a
//!   label no other head carries; at most one head may be without one).
//! - **The chain resolves**: every `down_revision` ([`FindingKind::MissingDownRevision`])
//!   and `depends_on` ([`FindingKind::MissingDependsOn`]) of a changed
//!   revision names a revision (or, for `depends_on`, a branch label) of the
//!   merged tree; no cycle ([`FindingKind::Cycle`]); no id declared twice
//!   ([`FindingKind::DuplicateId`]), no branch label declared twice or equal
//!   to an id ([`FindingKind::DuplicateBranchLabel`]); no character Alembic
//!   refuses in an id ([`FindingKind::IllegalIdCharacter`]).
//! - **Ids fit the version table** ([`FindingKind::IdTooLong`]): Alembic
//!   creates `alembic_version.version_num` as `VARCHAR(32)` and PostgreSQL
//!   rejects a longer stamp. The width in force when a revision is stamped is
//!   the one its own `upgrade()` or an ancestor leaves (Alembic stamps after
//!   running `upgrade()`), else the configured width, else the one env.py
//!   creates the table with, else 32. `configure(version_table_column_type=...)`
//!   is not an Alembic option: a note says so ([`FindingKind::IgnoredVersionTableOption`]).
//! - **The revision is Python parity can read** ([`FindingKind::Unparsable`]).
//!
//! The merged tree is the non-conflicting three-way merge, path by path: a
//! path the range touched (added, modified or deleted) as HEAD has it, any
//! other path as BASE's tip has it. So a revision the base gained after the
//! fork is in, a revision the base deleted is out, and a revision the pull
//! request deleted is out.
//!
//! Findings about the chain are reported for revisions the range touched; a
//! problem only in files the range left alone does not fail it, but when it
//! keeps the heads from being counted a note says so
//! ([`FindingKind::ChainUnchecked`]). Every output is sorted.

mod graph;
mod read;
mod sql;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use serde::{Serialize, Serializer};

use crate::kinds::{self, Kind, Level};
use crate::path::PathBytes;

use graph::Graph;
pub use read::{
    is_revision_file_name, read_env, read_revision, EnvSettings, ReadError, ReadProblem,
    RevisionFile, Variable, VersionColumnType, DEFAULT_VERSION_TABLE,
};
pub use sql::Width;

/// The width Alembic gives `version_num`: `String(32)`.
pub const DEFAULT_WIDTH: usize = 32;

/// The characters Alembic refuses in a revision id.
pub const ILLEGAL_ID_CHARACTERS: [char; 4] = ['@', '-', '+', ':'];

/// What the check reads.
#[derive(Clone, Debug, Default)]
pub struct IntegrityInput<'a> {
    /// The revision files at HEAD: path -> contents.
    pub head: BTreeMap<PathBytes, &'a [u8]>,
    /// The revision files at the tip of the base branch (not the
    /// merge-base: what the merge will contain).
    pub base: BTreeMap<PathBytes, &'a [u8]>,
    /// Every path the range touched: added, modified, deleted, and both
    /// names of a rename. Other paths may be in it; they are ignored.
    pub changed: BTreeSet<PathBytes>,
    /// env.py at HEAD, if the project has one.
    pub env_py: Option<EnvPy<'a>>,
    /// A width the project declares for `version_num` (it creates the table
    /// itself, outside env.py).
    pub configured_width: Option<usize>,
}

/// env.py: its path and contents.
#[derive(Clone, Debug)]
pub struct EnvPy<'a> {
    pub path: PathBytes,
    pub source: &'a [u8],
}

/// Whether a finding fails the check or only informs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    Fail,
    Note,
}

/// What kind of problem a finding is. Each has an entry in `kinds::ALEMBIC`, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    MultipleHeads,
    MissingDownRevision,
    MissingDependsOn,
    Cycle,
    DuplicateId,
    DuplicateBranchLabel,
    IllegalIdCharacter,
    IdTooLong,
    Unparsable,
    IgnoredVersionTableOption,
    ChainUnchecked,
}

impl FindingKind {
    /// Its entry in the one table of kinds.
    pub fn info(self) -> &'static Kind {
        &kinds::ALEMBIC[self as usize]
    }

    pub fn id(self) -> &'static str {
        self.info().id
    }

    pub fn severity(self) -> Severity {
        match self.info().level {
            Level::Note => Severity::Note,
            Level::Error | Level::Warning => Severity::Fail,
        }
    }
}

impl Serialize for FindingKind {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// Another place a finding involves (the other head, the other file with
/// the same id, the revision that sets the width).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Related {
    pub path: PathBytes,
    pub line: u32,
    /// What this place is, for a person: `head 1a2b3c`.
    pub what: String,
}

/// One problem, located where a fix goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IntegrityFinding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub path: PathBytes,
    pub line: u32,
    /// One sentence for a person.
    pub message: String,
    pub related: Vec<Related>,
}

impl IntegrityFinding {
    fn new(kind: FindingKind, path: &PathBytes, line: u32, message: String) -> Self {
        IntegrityFinding {
            kind,
            severity: kind.severity(),
            path: path.clone(),
            line: line.max(1),
            message,
            related: Vec::new(),
        }
    }

    fn with_related(mut self, related: Vec<Related>) -> Self {
        self.related = related;
        self
    }
}

/// Where the width in force for a revision comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WidthSource {
    /// Alembic's `String(32)`.
    Default,
    /// The last widening statement of this revision's or an ancestor's `upgrade()`.
    Revision {
        revision: String,
        path: PathBytes,
        line: u32,
    },
    /// env.py's `CREATE TABLE`.
    EnvPy { path: PathBytes, line: u32 },
    /// [`IntegrityInput::configured_width`].
    Config,
}

impl WidthSource {
    fn describe(&self, table: &str) -> String {
        match self {
            WidthSource::Default => {
                format!("the width Alembic creates {table}.version_num with")
            }
            WidthSource::Revision {
                revision,
                path,
                line,
            } => format!(
                "the width revision {revision} gives {table}.version_num ({path}, line {line})"
            ),
            WidthSource::EnvPy { path, line } => {
                format!("the width {path} creates {table}.version_num with (line {line})")
            }
            WidthSource::Config => {
                format!("the configured width of {table}.version_num")
            }
        }
    }
}

/// Checks the merged revision tree; see the module documentation.
pub fn check_integrity(input: &IntegrityInput<'_>) -> Vec<IntegrityFinding> {
    check_integrity_with(input, &mut RevisionMemo::default())
}

/// Revision files already read, by path and contents: an audit checks the
/// graph at many commits whose revision directories share almost every
/// file, and reads each file once.
#[derive(Debug, Default)]
pub struct RevisionMemo {
    /// Path, then contents.
    read: HashMap<Vec<u8>, HashMap<Vec<u8>, RevisionRead>>,
}

type RevisionRead = Result<RevisionFile, ReadError>;

impl RevisionMemo {
    fn read(&mut self, path: &PathBytes, source: &[u8]) -> RevisionRead {
        let versions = match self.read.get_mut(path.as_bytes()) {
            Some(versions) => versions,
            None => self.read.entry(path.as_bytes().to_vec()).or_default(),
        };
        if let Some(read) = versions.get(source) {
            return read.clone();
        }
        let read = read_revision(path, source);
        versions.insert(source.to_vec(), read.clone());
        read
    }
}

/// [`check_integrity`], reading revision files through `memo`.
pub fn check_integrity_with(
    input: &IntegrityInput<'_>,
    memo: &mut RevisionMemo,
) -> Vec<IntegrityFinding> {
    let mut findings = Vec::new();

    // env.py: the version table's name and how it is created.
    let mut settings = EnvSettings::default();
    if let Some(env) = &input.env_py {
        match read_env(env.source) {
            Ok(read) => settings = read,
            Err(error) if input.changed.contains(&env.path) => {
                findings.push(IntegrityFinding::new(
                    FindingKind::Unparsable,
                    &env.path,
                    error.line,
                    format!("parity cannot read {}: {error}", env.path),
                ));
            }
            Err(_) => {}
        }
        for &line in &settings.ignored_column_type {
            findings.push(IntegrityFinding::new(
                FindingKind::IgnoredVersionTableOption,
                &env.path,
                line,
                format!(
                    "{} passes version_table_column_type to configure(), which Alembic does not \
                     know and silently ignores: it does not widen {}.version_num",
                    env.path,
                    settings.table()
                ),
            ));
        }
    }
    let table = settings.table().to_string();

    // The merged tree, path by path.
    let paths: BTreeSet<&PathBytes> = input
        .head
        .keys()
        .chain(input.base.keys())
        .filter(|p| is_revision_file_name(p.file_name()))
        .collect();
    let any_touched = paths.iter().any(|p| input.changed.contains(*p));
    let mut files: Vec<RevisionFile> = Vec::new();
    let mut unreadable: Vec<(PathBytes, ReadError)> = Vec::new();
    for path in paths {
        let source = if input.changed.contains(path) {
            input.head.get(path)
        } else {
            input.base.get(path)
        };
        let Some(source) = source else { continue };
        match memo.read(path, source) {
            Ok(file) => files.push(file),
            Err(error) => unreadable.push((path.clone(), error)),
        }
    }
    let touched = |file: &RevisionFile| input.changed.contains(&file.path);
    for (path, error) in &unreadable {
        if input.changed.contains(path) {
            findings.push(IntegrityFinding::new(
                FindingKind::Unparsable,
                path,
                error.line,
                format!("parity cannot read the revision {path}: {error}"),
            ));
        }
    }

    let graph = Graph::new(&files);
    let ids: BTreeSet<&str> = files.iter().map(|f| f.revision.as_str()).collect();

    // A branch label Alembic refuses stops it before any head is counted.
    let mut chain_failed = false;
    for file in files.iter().filter(|f| touched(f)) {
        illegal_characters(file, &mut findings);
        duplicate_ids(file, &files, &mut findings);
        chain_failed |= duplicate_labels(file, &files, &ids, &mut findings);
        id_length(file, &graph, &table, &settings, input, &mut findings);
    }

    let complete = unreadable.is_empty();
    if complete {
        for file in files.iter().filter(|f| touched(f)) {
            chain_failed |= missing_references(file, &graph, &mut findings);
        }
    }
    // A revision the range removes that one it leaves alone still names:
    // the range broke that chain, so it fails here, at the revision that
    // names it, rather than being left for the base branch to fix.
    let removed: Vec<(RevisionFile, &PathBytes)> = input
        .changed
        .iter()
        .filter(|path| is_revision_file_name(path.file_name()) && !input.head.contains_key(*path))
        .filter_map(|path| Some((memo.read(path, input.base.get(path)?).ok()?, path)))
        .collect();
    if complete {
        for file in files.iter().filter(|f| !touched(f)) {
            chain_failed |= removed_references(file, &removed, &graph, &mut findings);
        }
    }
    let cycles = graph.cycles();
    for cycle in &cycles {
        let members: Vec<&RevisionFile> = cycle.iter().map(|&i| graph.revs[i]).collect();
        if let Some(first) = members.iter().find(|r| touched(r)) {
            chain_failed = true;
            findings.push(cycle_finding(first, &members));
        }
    }

    if any_touched {
        if !complete {
            for (path, error) in unreadable
                .iter()
                .filter(|(p, _)| !input.changed.contains(p))
            {
                findings.push(IntegrityFinding::new(
                    FindingKind::ChainUnchecked,
                    path,
                    error.line,
                    format!(
                        "the heads after the merge are not counted: parity cannot read the \
                         revision {path}, which the range does not touch: {error}"
                    ),
                ));
            }
        } else if let Some((file, why)) = unresolved_elsewhere(&graph, &cycles) {
            if !chain_failed {
                findings.push(IntegrityFinding::new(
                    FindingKind::ChainUnchecked,
                    &file.path,
                    file.down_revision_line,
                    format!("the heads after the merge are not counted: {why}"),
                ));
            }
        } else if !chain_failed {
            findings.extend(multiple_heads(&graph, &input.changed));
        }
    }

    findings.sort_by(|a, b| {
        (&a.path, a.line, a.kind, &a.message).cmp(&(&b.path, b.line, b.kind, &b.message))
    });
    findings.dedup();
    findings
}

fn quoted_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn illegal_characters(file: &RevisionFile, findings: &mut Vec<IntegrityFinding>) {
    let found: Vec<String> = ILLEGAL_ID_CHARACTERS
        .iter()
        .filter(|c| file.revision.contains(**c))
        .map(|c| format!("'{c}'"))
        .collect();
    if found.is_empty() {
        return;
    }
    findings.push(IntegrityFinding::new(
        FindingKind::IllegalIdCharacter,
        &file.path,
        file.revision_line,
        format!(
            "revision id {:?} contains {}, which Alembic does not allow in a revision id",
            file.revision,
            found.join(", ")
        ),
    ));
}

fn duplicate_ids(
    file: &RevisionFile,
    files: &[RevisionFile],
    findings: &mut Vec<IntegrityFinding>,
) {
    let others: Vec<&RevisionFile> = files
        .iter()
        .filter(|f| f.revision == file.revision && f.path != file.path)
        .collect();
    if others.is_empty() {
        return;
    }
    let mut names = format!("{} (line {})", file.path, file.revision_line);
    for other in &others {
        let _ = write!(names, " and {} (line {})", other.path, other.revision_line);
    }
    findings.push(
        IntegrityFinding::new(
            FindingKind::DuplicateId,
            &file.path,
            file.revision_line,
            format!(
                "revision id {:?} is declared by {names}; Alembic keeps only one of them",
                file.revision
            ),
        )
        .with_related(
            others
                .iter()
                .map(|o| Related {
                    path: o.path.clone(),
                    line: o.revision_line,
                    what: format!("also declares revision {}", o.revision),
                })
                .collect(),
        ),
    );
}

/// Reports the branch labels of `file` that another file declares or that
/// are revision ids; whether there was one.
fn duplicate_labels(
    file: &RevisionFile,
    files: &[RevisionFile],
    ids: &BTreeSet<&str>,
    findings: &mut Vec<IntegrityFinding>,
) -> bool {
    let before = findings.len();
    let line = file.branch_labels_line.unwrap_or(file.revision_line);
    for label in &file.branch_labels {
        let others: Vec<&RevisionFile> = files
            .iter()
            .filter(|f| f.path != file.path && f.branch_labels.contains(label))
            .collect();
        if let Some(other) = others.first() {
            findings.push(
                IntegrityFinding::new(
                    FindingKind::DuplicateBranchLabel,
                    &file.path,
                    line,
                    format!(
                        "branch label {label:?} of revision {} is also declared by revision {} ({})",
                        file.revision, other.revision, other.path
                    ),
                )
                .with_related(
                    others
                        .iter()
                        .map(|o| Related {
                            path: o.path.clone(),
                            line: o.branch_labels_line.unwrap_or(o.revision_line),
                            what: format!("also declares branch label {label}"),
                        })
                        .collect(),
                ),
            );
        }
        if ids.contains(label.as_str()) {
            findings.push(IntegrityFinding::new(
                FindingKind::DuplicateBranchLabel,
                &file.path,
                line,
                format!(
                    "branch label {label:?} of revision {} is also a revision id, which Alembic refuses",
                    file.revision
                ),
            ));
        }
    }
    findings.len() > before
}

/// Which of a revision's references names nothing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reference {
    DownRevision,
    DependsOn,
}

/// Reports the `down_revision` and `depends_on` entries of `file` that name
/// nothing in the merged history, each with the words `why` gives for it
/// (`None`: not reported); whether there was one.
fn unanswered_references(
    file: &RevisionFile,
    graph: &Graph<'_>,
    why: impl Fn(&str, Reference) -> Option<String>,
    findings: &mut Vec<IntegrityFinding>,
) -> bool {
    let mut any = false;
    let kinds = [
        (
            Reference::DownRevision,
            &file.down_revisions,
            FindingKind::MissingDownRevision,
            file.down_revision_line,
            "down_revision",
        ),
        (
            Reference::DependsOn,
            &file.depends_on,
            FindingKind::MissingDependsOn,
            file.depends_on_line.unwrap_or(file.revision_line),
            "depends_on",
        ),
    ];
    for (reference, names, kind, line, field) in kinds {
        let answered = |name: &str| match reference {
            Reference::DownRevision => graph.id(name).is_some(),
            Reference::DependsOn => graph.dependency(name).is_some(),
        };
        for name in names.iter().filter(|name| !answered(name)) {
            let Some(why) = why(name, reference) else {
                continue;
            };
            any = true;
            findings.push(IntegrityFinding::new(
                kind,
                &file.path,
                line,
                format!(
                    "{field} of revision {} names {name:?}, {why}",
                    file.revision
                ),
            ));
        }
    }
    any
}

/// The references of a touched `file` that name nothing.
fn missing_references(
    file: &RevisionFile,
    graph: &Graph<'_>,
    findings: &mut Vec<IntegrityFinding>,
) -> bool {
    let why = |_: &str, reference| {
        Some(match reference {
            Reference::DownRevision => "which no revision of the merged history has".to_string(),
            Reference::DependsOn => {
                "which is neither a revision nor a branch label of the merged history".to_string()
            }
        })
    };
    unanswered_references(file, graph, why, findings)
}

/// The references of `file` (which the range does not touch) that nothing
/// in the merged history answers and that a revision the range removes
/// (deletes, or leaves no readable file at HEAD) answered: each is a chain
/// the range broke.
fn removed_references(
    file: &RevisionFile,
    removed: &[(RevisionFile, &PathBytes)],
    graph: &Graph<'_>,
    findings: &mut Vec<IntegrityFinding>,
) -> bool {
    let why = |name: &str, reference| {
        let (_, path) = removed.iter().find(|(gone, _)| {
            gone.revision == name
                || reference == Reference::DependsOn && gone.branch_labels.iter().any(|l| l == name)
        })?;
        let fix = match reference {
            Reference::DownRevision => "point this down_revision at a revision that stays",
            Reference::DependsOn => "drop the dependency",
        };
        Some(format!(
            "which this range removes ({path}): keep that file, or {fix}"
        ))
    };
    unanswered_references(file, graph, why, findings)
}

fn cycle_finding(first: &RevisionFile, members: &[&RevisionFile]) -> IntegrityFinding {
    let ids: Vec<String> = members.iter().map(|r| r.revision.clone()).collect();
    let message = if members.len() == 1 {
        format!(
            "revision {} revises or depends on itself, so Alembic cannot order it",
            first.revision
        )
    } else {
        format!(
            "revisions {} revise each other in a cycle (through down_revision and depends_on), \
             so Alembic cannot order them",
            quoted_list(&ids)
        )
    };
    IntegrityFinding::new(
        FindingKind::Cycle,
        &first.path,
        first.down_revision_line,
        message,
    )
    .with_related(
        members
            .iter()
            .filter(|r| r.path != first.path)
            .map(|r| Related {
                path: r.path.clone(),
                line: r.down_revision_line,
                what: format!("revision {} in the cycle", r.revision),
            })
            .collect(),
    )
}

/// A chain problem of the merged graph, whichever files it is in: the first
/// revision with a reference that resolves to nothing, else the first cycle.
fn unresolved_elsewhere<'r>(
    graph: &Graph<'r>,
    cycles: &[Vec<usize>],
) -> Option<(&'r RevisionFile, String)> {
    for rev in &graph.revs {
        if let Some(down) = rev.down_revisions.iter().find(|d| graph.id(d).is_none()) {
            return Some((
                rev,
                format!(
                    "revision {} ({}) names {down:?} as its down_revision, and no revision has that id",
                    rev.revision, rev.path
                ),
            ));
        }
        if let Some(dep) = rev
            .depends_on
            .iter()
            .find(|d| graph.dependency(d).is_none())
        {
            return Some((
                rev,
                format!(
                    "revision {} ({}) depends on {dep:?}, which is neither a revision nor a branch label",
                    rev.revision, rev.path
                ),
            ));
        }
    }
    let cycle = cycles.first()?;
    let ids: Vec<String> = cycle
        .iter()
        .map(|&i| graph.revs[i].revision.clone())
        .collect();
    Some((
        graph.revs[cycle[0]],
        format!("revisions {} form a cycle", quoted_list(&ids)),
    ))
}

/// More heads than branch labels allow: a head is set apart when it carries
/// a label no other head carries; the heads not set apart must be one at most.
fn multiple_heads(graph: &Graph<'_>, changed: &BTreeSet<PathBytes>) -> Option<IntegrityFinding> {
    let heads = graph.heads();
    let labels: Vec<BTreeSet<&str>> = heads.iter().map(|&h| graph.head_labels(h)).collect();
    let apart = |k: usize| {
        labels[k].iter().any(|l| {
            labels
                .iter()
                .enumerate()
                .all(|(j, other)| j == k || !other.contains(l))
        })
    };
    let crowded: Vec<&RevisionFile> = (0..heads.len())
        .filter(|&k| !apart(k))
        .map(|k| graph.revs[heads[k]])
        .collect();
    if crowded.len() < 2 {
        return None;
    }
    let is_touched = |r: &&RevisionFile| changed.contains(&r.path);
    let at = crowded
        .iter()
        .copied()
        .find(is_touched)
        .unwrap_or(crowded[0]);
    let named: Vec<String> = crowded
        .iter()
        .map(|r| format!("{} ({})", r.revision, r.path))
        .collect();
    let ids: Vec<&str> = crowded.iter().map(|r| r.revision.as_str()).collect();
    let mut fix = String::new();
    let touched: Vec<&RevisionFile> = crowded.iter().copied().filter(is_touched).collect();
    let untouched: Vec<&RevisionFile> =
        crowded.iter().copied().filter(|r| !is_touched(r)).collect();
    if let ([new], [old]) = (touched.as_slice(), untouched.as_slice()) {
        let _ = write!(
            fix,
            "set down_revision of {} to {:?} (the base branch's head), or ",
            new.revision, old.revision
        );
    }
    let _ = write!(
        fix,
        "add a merge revision: alembic merge -m \"merge heads\" {}",
        ids.join(" ")
    );
    let list = match named.as_slice() {
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    Some(
        IntegrityFinding::new(
            FindingKind::MultipleHeads,
            &at.path,
            at.down_revision_line,
            format!(
                "after the merge the revision history has {} heads, {list}, and `alembic upgrade \
                 head` refuses that: {fix}",
                crowded.len()
            ),
        )
        .with_related(
            crowded
                .iter()
                .filter(|r| r.path != at.path)
                .map(|r| Related {
                    path: r.path.clone(),
                    line: r.down_revision_line,
                    what: format!("head {}", r.revision),
                })
                .collect(),
        ),
    )
}

/// The width of `table.version_num` when `file` is stamped, and where it
/// comes from.
pub(crate) fn width_in_force(
    file: &RevisionFile,
    graph: &Graph<'_>,
    table: &str,
    settings: &EnvSettings,
    env_path: Option<&PathBytes>,
    configured: Option<usize>,
) -> (Width, WidthSource) {
    let from = |rev: &RevisionFile, t: &VersionColumnType| {
        (
            t.width,
            WidthSource::Revision {
                revision: rev.revision.clone(),
                path: rev.path.clone(),
                line: t.line,
            },
        )
    };
    // Alembic stamps a revision after its upgrade() ran.
    if let Some(t) = file.version_width(table) {
        return from(file, t);
    }
    let ancestors = graph.ancestors(&graph.parents(file));
    let widening: Vec<usize> = ancestors
        .iter()
        .copied()
        .filter(|&i| graph.revs[i].version_width(table).is_some())
        .collect();
    // The widenings applied last: those no other widening descends from.
    // Between two unordered ones (on parallel branches) the narrower is
    // assumed, which is the one that can fail.
    let mut latest: Vec<usize> = widening
        .iter()
        .copied()
        .filter(|&w| {
            widening
                .iter()
                .all(|&other| other == w || !graph.ancestors(&[other]).contains(&w))
        })
        .collect();
    if latest.is_empty() {
        latest = widening; // they all descend from each other: a cycle
    }
    let narrowest = latest
        .iter()
        .filter_map(|&i| {
            let rev = graph.revs[i];
            rev.version_width(table).map(|t| (t.width, rev))
        })
        .min_by(|(a, ra), (b, rb)| a.cmp(b).then(ra.revision.cmp(&rb.revision)));
    if let Some((_, rev)) = narrowest {
        if let Some(t) = rev.version_width(table) {
            return from(rev, t);
        }
    }
    if let Some(width) = configured {
        return (Width::Limit(width), WidthSource::Config);
    }
    if let (Some(create), Some(path)) = (
        settings.creates.iter().rev().find(|c| c.table == table),
        env_path,
    ) {
        return (
            create.width,
            WidthSource::EnvPy {
                path: path.clone(),
                line: create.line,
            },
        );
    }
    (Width::Limit(DEFAULT_WIDTH), WidthSource::Default)
}

fn id_length(
    file: &RevisionFile,
    graph: &Graph<'_>,
    table: &str,
    settings: &EnvSettings,
    input: &IntegrityInput<'_>,
    findings: &mut Vec<IntegrityFinding>,
) {
    let length = file.revision.chars().count();
    let (width, source) = width_in_force(
        file,
        graph,
        table,
        settings,
        input.env_py.as_ref().map(|e| &e.path),
        input.configured_width,
    );
    if width.fits(length) {
        return;
    }
    let related = match &source {
        WidthSource::Revision {
            path,
            line,
            revision,
        } => vec![Related {
            path: path.clone(),
            line: *line,
            what: format!("revision {revision} sets {table}.version_num to {width}"),
        }],
        WidthSource::EnvPy { path, line } => vec![Related {
            path: path.clone(),
            line: *line,
            what: format!("creates {table}.version_num as {width}"),
        }],
        WidthSource::Default | WidthSource::Config => Vec::new(),
    };
    findings.push(
        IntegrityFinding::new(
            FindingKind::IdTooLong,
            &file.path,
            file.revision_line,
            format!(
                "revision id {:?} is {length} characters, longer than {} ({width}), so \
                 PostgreSQL rejects its stamp",
                file.revision,
                source.describe(table)
            ),
        )
        .with_related(related),
    );
}

/// The heads of a set of revision files, sorted by id: revisions no
/// `down_revision` names. When several files declare an id, the last by
/// path counts, as in Alembic.
pub fn heads(files: &[RevisionFile]) -> Vec<&RevisionFile> {
    let mut sorted: Vec<&RevisionFile> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let graph = Graph::new(sorted);
    graph.heads().into_iter().map(|i| graph.revs[i]).collect()
}
