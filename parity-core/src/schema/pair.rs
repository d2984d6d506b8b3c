//! Pairs the two tracks of a range object by object: the first track's new
//! facts (each watched file at HEAD against the same file at the base) with
//! what the added revisions do.

use crate::classify::PythonFile;
use crate::path::PathBytes;
use crate::path_pattern::PathPattern;
use crate::rules::Rules;
use crate::sources::{LexedFiles, Sources};

use super::python::{alembic_ops, metadata_ops, sql_ops};
use super::sql::extract_sql_lines;
use super::{coverage, new_facts, Coverage, FirstTrackFact, LineOp, SchemaOp};

/// The file contents pairing reads.
pub struct PairingSources<'a> {
    /// Watched files at the merge-base.
    pub base: &'a Sources,
    /// Watched files at HEAD.
    pub head: &'a Sources,
    /// Those of them the check already lexed.
    pub head_lexed: &'a LexedFiles<'a>,
    /// The added revision files at HEAD.
    pub revisions: &'a Sources,
}

/// The outcome: each first-track fact with its coverage, and notes on files
/// that could not be read.
#[derive(Debug, Default)]
pub struct Pairing {
    pub coverage: Vec<Coverage>,
    pub notes: Vec<String>,
}

/// How a watched file states schema, by its pattern set.
fn extractor(set: &str) -> Option<fn(&PythonFile<'_>) -> Vec<LineOp>> {
    match set {
        "sql" => Some(sql_ops),
        "metadata" => Some(metadata_ops),
        _ => None,
    }
}

/// Pairs the watched files in `sources.head` with the added revisions.
pub fn pair(rules: &Rules, added_revisions: &[PathBytes], sources: PairingSources<'_>) -> Pairing {
    let mut pairing = Pairing::default();
    let mut first_track: Vec<FirstTrackFact> = Vec::new();
    for watched in &rules.watched {
        // Pairing reads one named Python file; a glob of files is not paired.
        let PathPattern::Exact(exact) = &watched.path else {
            continue;
        };
        let path = exact.as_bytes();
        let (Some(head), Some(extract)) =
            (sources.head.get(path), extractor(&watched.patterns.name))
        else {
            continue;
        };
        let lexed = match sources.head_lexed.get(path) {
            Some(file) => Ok(extract(file)),
            None => PythonFile::lex(head).map(|file| extract(&file)),
        };
        let head_ops = match lexed {
            Ok(ops) => ops,
            Err(error) => {
                pairing.notes.push(format!(
                    "{} could not be lexed ({error}), so its schema objects are not paired",
                    watched.path
                ));
                continue;
            }
        };
        // A file new in the range, or unreadable at the base, has no facts there.
        let base_ops = sources
            .base
            .get(path)
            .and_then(|base| PythonFile::lex(base).ok())
            .map(|file| extract(&file))
            .unwrap_or_default();
        first_track.extend(new_facts(exact, base_ops, head_ops));
    }

    let mut offered: Vec<SchemaOp> = Vec::new();
    for revision in added_revisions {
        let Some(source) = sources.revisions.get(revision.as_bytes()) else {
            continue;
        };
        if revision.as_bytes().ends_with(b".py") {
            match PythonFile::lex(source) {
                Ok(file) => offered.extend(alembic_ops(&file).into_iter().map(|(_, op)| op)),
                Err(error) => pairing.notes.push(format!(
                    "{} could not be lexed ({error}), so it covers no schema object",
                    revision
                )),
            }
        } else {
            // A revision track of plain SQL files.
            let text = String::from_utf8_lossy(source);
            offered.extend(extract_sql_lines(&text).into_iter().map(|(_, op)| op));
        }
    }
    pairing.coverage = coverage(&first_track, &offered);
    pairing
}
