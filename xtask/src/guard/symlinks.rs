//! Watched files as Python imports them: through symlinks.
//!
//! git diffs a symlink as the text of its target, and a file reached through
//! a symlinked directory not at all; Python imports the file the link leads
//! to. So for each watched file named by an exact path, the guard asks git
//! where the path leads at the merge-base and at HEAD (one `cat-file
//! --batch-check --follow-symlinks`, both commits at once) and compares that
//! with git's own view of the path in the range's raw listing. Where they
//! agree (every path without a symlink), the diff stands. Where they do not,
//! the file's added lines are those of the file Python imports: the diff of
//! the blob it leads to at the merge-base against the one at HEAD (one more
//! `git diff` for that file), and the report says so. A watched path that at
//! HEAD leads to a symlink that dangles, leaves the tree, loops or runs
//! through a file is an error naming the path. Globs are matched on git's
//! paths and are not followed.
//!
//! `scan` asks, for each commit and its parent, where the exact watched
//! paths lead with and without following symlinks (two long-lived
//! `cat-file --batch-check` processes); where the answers differ, it judges
//! that commit as `parity` does, through `follow`.

use parity_core::diff::{AddedLine, AddedLines, FileHeader, FileKind, FilePatch};
use parity_core::name_status::{mode, RawEntry, Status};
use parity_core::path_pattern::PathPattern;
use parity_core::rules::EntryRule;
use parity_core::{parse_patch, PathBytes, Rules};

use crate::error::{Error, Result};
use crate::git::{Git, Resolved, ResolvedRange};

/// The watched files (and the entry file) named by an exact path.
pub fn exact_paths(rules: &Rules) -> Vec<PathBytes> {
    let mut paths: Vec<PathBytes> = Vec::new();
    let mut push = |pattern: &PathPattern| {
        if let PathPattern::Exact(path) = pattern {
            let path = PathBytes::from(path.as_bytes());
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    };
    for watched in &rules.watched {
        push(&watched.path);
    }
    if let EntryRule::Line(line) = &rules.entry {
        push(&line.file);
    }
    paths
}

/// git's own view of a path on one side of the range: its mode and object
/// (mode 0 for none), or `None` when the range leaves it unchanged.
fn git_view<'l>(
    listing: &'l [RawEntry],
    path: &PathBytes,
    head_side: bool,
) -> Option<(u32, &'l str)> {
    for raw in listing {
        let entry = &raw.entry;
        let old_path = entry.from.as_ref().unwrap_or(&entry.path);
        if head_side {
            if entry.path == *path && entry.status != Status::Deleted {
                return Some((raw.new_mode, &raw.new_object));
            }
            if *old_path == *path && matches!(entry.status, Status::Deleted | Status::Renamed) {
                return Some((mode::NONE, ""));
            }
        } else {
            if *old_path == *path && entry.status != Status::Added {
                return Some((raw.old_mode, &raw.old_object));
            }
            if entry.path == *path && entry.status == Status::Added {
                return Some((mode::NONE, ""));
            }
        }
    }
    None
}

/// Whether git's view of a side is what Python opens there.
fn agrees(view: (u32, &str), python: &Resolved) -> bool {
    match (view, python) {
        ((mode::NONE, _), Resolved::Missing) => true,
        ((mode::FILE | mode::EXECUTABLE, object), Resolved::Blob(blob)) => object == blob,
        _ => false,
    }
}

/// Rewrites `files` so that every watched exact path is judged as the file
/// Python imports; returns a note for each path that was followed.
pub fn follow(
    git: &Git,
    range: &ResolvedRange,
    rules: &Rules,
    listing: &[RawEntry],
    files: &mut Vec<FilePatch>,
) -> Result<Vec<String>> {
    let resolved = resolve(git, range, rules)?;
    follow_resolved(git, range, rules, listing, files, resolved)
}

/// Where each watched exact path leads at the merge-base and at HEAD (one
/// `git cat-file`, which needs no listing, so it can be asked beside one).
pub fn resolve(git: &Git, range: &ResolvedRange, rules: &Rules) -> Result<[Vec<Resolved>; 2]> {
    let paths = exact_paths(rules);
    let resolved = git.resolve_paths(&[
        (range.merge_base.as_str(), &paths),
        (range.head.as_str(), &paths),
    ])?;
    resolved
        .try_into()
        .map_err(|_| Error::new("git cat-file answered for the wrong number of commits"))
}

/// `follow`, given what `resolve` answered for the same range and rules.
pub fn follow_resolved(
    git: &Git,
    range: &ResolvedRange,
    rules: &Rules,
    listing: &[RawEntry],
    files: &mut Vec<FilePatch>,
    [at_base, at_head]: [Vec<Resolved>; 2],
) -> Result<Vec<String>> {
    let paths = exact_paths(rules);
    let mut notes = Vec::new();
    for ((path, base), head) in paths.iter().zip(&at_base).zip(&at_head) {
        let head_view = git_view(listing, path, true);
        let base_view = git_view(listing, path, false);
        let same = match (head_view, base_view) {
            (None, None) => base == head,
            (head_view, base_view) => {
                head_view.is_none_or(|v| agrees(v, head))
                    && base_view.is_none_or(|v| agrees(v, base))
            }
        };
        if same {
            continue;
        }
        let missing = Resolved::Missing;
        let head = match head {
            Resolved::BadLink { kind, .. } if kind == "dangling" && absent(git, range, path)? => {
                &missing
            }
            Resolved::BadLink { why, .. } => {
                return Err(Error::new(format!(
                    "the watched file {path} is {why} at HEAD: a watched file must lead to a \
                     file inside the repository"
                )))
            }
            head => head,
        };
        let followed = match (base, head) {
            (Resolved::Blob(a), Resolved::Blob(b)) if a == b => None,
            (Resolved::Blob(a), Resolved::Blob(b)) => {
                let patch = git.blob_patch(a, b)?;
                let mut parsed = parse_patch(&patch)
                    .map_err(|e| Error::new(format!("cannot read git's diff: {e}")))?;
                (!parsed.is_empty()).then(|| parsed.remove(0).added)
            }
            // New in Python's view: every line is added.
            (_, Resolved::Blob(_)) => {
                let sources = git.contents_at(&range.head, std::slice::from_ref(path))?;
                let text = sources.get(path.as_bytes()).unwrap_or_default();
                Some(every_line(text))
            }
            // Gone in Python's view: nothing added.
            _ => None,
        };
        let at = files
            .iter()
            .position(|f| f.header.new_path.as_ref() == Some(path));
        files.retain(|f| f.header.new_path.as_ref() != Some(path));
        if let Some(added) = followed {
            let patch = FilePatch {
                header: FileHeader {
                    old_path: Some(path.clone()),
                    new_path: Some(path.clone()),
                    kind: FileKind::Modified,
                    binary: false,
                },
                added,
            };
            files.insert(at.unwrap_or(files.len()).min(files.len()), patch);
        }
        let submodule = [head_view, base_view]
            .iter()
            .any(|view| matches!(view, Some((mode::GITLINK, _))));
        notes.push(match submodule {
            // A submodule's files are another repository's: none is read.
            true => format!(
                "{path} is a submodule on one side of the range: its files are another \
                 repository's, and only a file of this repository at that path is judged"
            ),
            false => format!(
                "{path} is reached through a symlink: it was judged as the file Python imports"
            ),
        });
    }
    Ok(notes)
}

/// Whether a path git calls dangling at HEAD is simply absent: its directory
/// is reached through a symlink and holds no entry of that name (git says
/// "dangling" for both that and a symlink that points at nothing). Two quick
/// lookups, made only for a dangling watched path.
fn absent(git: &Git, range: &ResolvedRange, path: &PathBytes) -> Result<bool> {
    let bytes = path.as_bytes();
    let Some(slash) = bytes.iter().rposition(|&b| b == b'/') else {
        return Ok(false);
    };
    let (dir, name) = (
        PathBytes::from(&bytes[..slash]),
        PathBytes::from(&bytes[slash + 1..]),
    );
    let dir_tree = git.tree_of(&range.head, &dir)?;
    let Some(tree) = dir_tree else {
        // The directory itself leads nowhere: nothing is there.
        return Ok(true);
    };
    let entry = git.resolve_paths(&[(tree.as_str(), std::slice::from_ref(&name))])?;
    Ok(matches!(
        entry.first().and_then(|e| e.first()),
        Some(Resolved::Missing)
    ))
}

/// Every line of a file as added lines, numbered as git numbers them (a line
/// ends at LF; a CR before it is not part of the text).
fn every_line(text: &[u8]) -> AddedLines {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    if text.is_empty() {
        return AddedLines::default();
    }
    body.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| AddedLine {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            text: line.strip_suffix(b"\r").unwrap_or(line),
        })
        .collect()
}
