//! Counterparts by name (`[revisions] by_name = true`): a new migration on
//! the first track is paired when the second track has a file of the same
//! name (after the rules' transforms: the folder's name without its
//! timestamp, `name_pattern`), added in the range *or already at HEAD*. The
//! second case is the catch-up: the other track's migration merged first,
//! and this pull request brings the first track level with it.

use crate::check::Change;
use crate::name_status::NameStatus;
use crate::path::PathBytes;
use crate::report::{Counterpart, CounterpartFound, Reason, Report};
use crate::rules::{EntryRule, Rules};

/// The directories to list at HEAD for counterparts: none unless the rules
/// match names and the range adds a new-file entry. An empty string is the
/// whole tree.
pub fn listing_wanted(change: &Change, rules: &Rules) -> Vec<String> {
    let EntryRule::NewFile(entry) = &rules.entry else {
        return Vec::new();
    };
    if !rules.match_names || !change.statuses.iter().any(|s| entry.counts(s)) {
        return Vec::new();
    }
    let revisions = &rules.revisions;
    if !revisions.dir.is_empty() {
        return vec![revisions.dir.clone()];
    }
    let mut dirs: Vec<String> = Vec::new();
    for glob in &revisions.globs {
        let dir = glob.literal_prefix().to_string();
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// Finds each new entry's counterpart and, when the range adds no revision
/// but every entry's counterpart is already at HEAD, passes the range as a
/// catch-up.
pub fn resolve(
    report: &mut Report,
    rules: &Rules,
    statuses: &[NameStatus],
    head_files: &[PathBytes],
) {
    if !rules.match_names || !matches!(rules.entry, EntryRule::NewFile(_)) {
        return;
    }
    let revisions = &rules.revisions;
    let named = |path: &PathBytes, name: &str| revisions.entry_name(path) == name;
    report.counterparts = report
        .entries
        .iter()
        .map(|entry| {
            let added = statuses
                .iter()
                .find(|s| revisions.counts(s) && named(&s.path, &entry.name))
                .map(|s| s.path.clone());
            let at_head = || {
                head_files
                    .iter()
                    .find(|p| revisions.matches_path(p) && named(p, &entry.name))
                    .cloned()
            };
            let (found, path) = match added {
                Some(path) => (CounterpartFound::Added, Some(path)),
                None => match at_head() {
                    Some(path) => (CounterpartFound::AtHead, Some(path)),
                    None => (CounterpartFound::Missing, None),
                },
            };
            Counterpart {
                name: entry.name.clone(),
                entry: entry.path.clone(),
                path,
                found,
            }
        })
        .collect();
    let all_found = !report.counterparts.is_empty()
        && (report.counterparts.iter()).all(|c| c.found != CounterpartFound::Missing);
    if report.reason == Reason::MissingRevision && all_found {
        report.reason = Reason::CounterpartsAtHead;
    }
}
