//! The decision: one call that every command makes (`parity`, `scan`, the
//! fixtures, the fuzzer's git trials, the bench), so that no two commands can
//! judge the same change two ways.
//!
//! The binary lists the change (`Change`: the patch of the watched files and
//! the name-status list), asks [`needs`] which file contents the decision
//! reads, fetches exactly those, and calls [`decide`]. The decision runs the
//! line rules, pairs the tracks object by object when that is asked for or
//! can change the verdict, and lets strictness turn uncovered objects into a
//! fail. The verdict and the message follow from the report's reason.

use std::cell::RefCell;
use std::collections::BTreeSet;

use crate::alembic::{check_integrity_with, EnvPy, IntegrityFinding, IntegrityInput, RevisionMemo};
use crate::check::{check_keeping_lexed_with, Change, Checked};
use crate::classify::LexMemo;
use crate::groundwork::Groundwork;
use crate::name_status::NameStatus;
use crate::path::PathBytes;
use crate::report::{Reason, Report};
use crate::rules::{Rules, CONFIG_FILE};
use crate::schema::pair::{pair, pairing_needs, Pairing, PairingSources};
use crate::sources::Sources;

/// When the decision pairs the tracks object by object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PairingMode {
    /// Always, so the report lists every object's coverage (`parity`).
    Always,
    /// Always, and each uncovered or mismatched object carries the
    /// operations that would make the second track equal (`Coverage::fix`,
    /// which `--suggest` and `--write-revision` write). Only a fix-it asks:
    /// a plain report of a million objects holds no million fixes.
    WithFixes,
    /// Only when it can change the verdict, that is under `Rules::strict`
    /// (`scan`, which audits verdicts: pairing reads and lexes the watched
    /// files at both ends of every commit and would dominate a history's cost).
    WhenDecisive,
}

/// The rules a change is judged by, and where they come from.
#[derive(Clone, Copy, Debug)]
pub struct InForce<'a> {
    pub rules: &'a Rules,
    /// `None` for the defaults; else where they were read, for a person
    /// (`parity.toml at the merge-base 0123456789ab`, or a `--config` path).
    pub source: Option<&'a str>,
}

/// The file contents a decision reads, by commit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    /// Paths to read at HEAD.
    pub head: Vec<PathBytes>,
    /// Paths to read at the merge-base.
    pub merge_base: Vec<PathBytes>,
    /// A directory whose files (directly in it) to read at BASE's tip: the
    /// revisions of an Alembic track, when the range touches them, for its
    /// graph after the merge.
    pub base_tip_dir: Option<String>,
    /// Directories whose files to list at HEAD (counterparts by name; an
    /// empty string is the whole tree).
    pub head_listing: Vec<String>,
}

impl Needs {
    pub fn is_empty(&self) -> bool {
        self.head.is_empty()
            && self.merge_base.is_empty()
            && self.base_tip_dir.is_none()
            && self.head_listing.is_empty()
    }
}

/// What the binary fetched for a decision, as [`needs`] asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contents {
    pub head: Sources,
    pub merge_base: Sources,
    /// The files of `Needs::base_tip_dir` at BASE's tip.
    pub base_tip: Sources,
    /// The files under `Needs::head_listing` at HEAD.
    pub head_files: Vec<PathBytes>,
}

pub(crate) fn pairs(rules: &Rules, mode: PairingMode) -> bool {
    mode != PairingMode::WhenDecisive || rules.strict
}

/// The contents [`decide`] reads for `change`: the watched files with a
/// lexical classifier that gained lines (at HEAD, and at the merge-base when
/// pairing), and the added revisions at HEAD (a revision counts only if it is
/// a file there, and pairing reads it). No other file is ever read.
pub fn needs(change: &Change, rules: &Rules, mode: PairingMode) -> Needs {
    let watched = change.sources_wanted(rules);
    let mut needs = Needs {
        head: watched.clone(),
        ..Needs::default()
    };
    for rules in rules.with_pairings() {
        for dir in crate::counterpart::listing_wanted(change, rules) {
            if !needs.head_listing.contains(&dir) {
                needs.head_listing.push(dir);
            }
        }
    }
    let mut want_at_head = |path: PathBytes| {
        if !needs.head.contains(&path) {
            needs.head.push(path);
        }
    };
    // The added revisions, always: a revision counts only if it is a file
    // Alembic could import (see `drop_unreadable_revisions`).
    added_revisions(&change.statuses, rules)
        .into_iter()
        .for_each(&mut want_at_head);
    if pairs(rules, mode) && touches_watched(change, rules) {
        // Pairing models every watched file it can read, changed or not, on
        // both sides.
        let modelled = pairing_needs(rules);
        modelled.iter().cloned().for_each(&mut want_at_head);
        needs.merge_base = watched;
        for path in modelled {
            if !needs.merge_base.contains(&path) {
                needs.merge_base.push(path);
            }
        }
    }
    if let Some(touched) = integrity_touched(change, rules) {
        // The touched revisions as HEAD has them (a deleted one is simply
        // missing), env.py, and every revision at BASE's tip.
        touched
            .into_iter()
            .filter(|path| rules.is_alembic_revision(path))
            .for_each(&mut want_at_head);
        if let Some(alembic) = &rules.alembic {
            want_at_head(alembic.env.clone());
        }
        needs.base_tip_dir = Some(rules.revisions.dir.clone());
    }
    needs
}

/// The revisions of an Alembic track and its env.py that the range touches
/// (both names of a rename, and what the patch shows); `None` when it
/// touches none, and the integrity of the track is not in question. No
/// reader of the integrity asks about any other path.
fn integrity_touched(change: &Change, rules: &Rules) -> Option<BTreeSet<PathBytes>> {
    let alembic = rules.alembic.as_ref()?;
    let listed = change
        .statuses
        .iter()
        .flat_map(|entry| std::iter::once(&entry.path).chain(&entry.from));
    let patched = change
        .files
        .iter()
        .flat_map(|file| file.header.old_path.iter().chain(&file.header.new_path));
    let touched: BTreeSet<PathBytes> = listed
        .chain(patched)
        .filter(|path| rules.is_alembic_revision(path) || **path == alembic.env)
        .cloned()
        .collect();
    (!touched.is_empty()).then_some(touched)
}

/// Whether the range changes a watched file at all: only then can the first
/// track's schema have changed.
fn touches_watched(change: &Change, rules: &Rules) -> bool {
    change.files.iter().any(|file| {
        [&file.header.old_path, &file.header.new_path]
            .into_iter()
            .flatten()
            .any(|path| rules.watched_file(path.as_bytes()).is_some())
    })
}

/// The watched files the range changes that the schema model does not read.
fn unmodelled_changes(change: &Change, rules: &Rules) -> Vec<PathBytes> {
    let modelled = pairing_needs(rules);
    let mut out: Vec<PathBytes> = change
        .files
        .iter()
        .filter_map(|file| file.header.new_path.clone())
        .filter(|path| rules.watched_file(path.as_bytes()).is_some())
        .filter(|path| !modelled.contains(path))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn added_revisions(statuses: &[NameStatus], rules: &Rules) -> Vec<PathBytes> {
    statuses
        .iter()
        .filter(|entry| rules.revisions.counts(entry))
        .map(|entry| entry.path.clone())
        .collect()
}

/// What a run of many decisions (an audit of a history) keeps from one to
/// the next, so that work on the same bytes is done once. It never changes a
/// report: a decision with a fresh memo says the same.
#[derive(Debug, Default)]
pub struct Memo {
    revisions: RevisionMemo,
    /// The last version of each file lexed; kept only for an audit (one
    /// check has no next version to lex, and would hold a copy for nothing).
    lexed: Option<RefCell<LexMemo>>,
}

impl Memo {
    /// The memo of an audit, which judges commit after commit.
    pub fn for_audit() -> Memo {
        Memo {
            lexed: Some(RefCell::default()),
            ..Memo::default()
        }
    }
}

/// Judges `change` by the rules in force, from the contents [`needs`] named.
pub fn decide(
    change: &Change,
    in_force: InForce<'_>,
    mode: PairingMode,
    contents: &Contents,
) -> Report {
    decide_with(change, in_force, mode, contents, &mut Memo::default())
}

/// [`decide`], keeping what it read in `memo` for the next decision.
pub fn decide_with(
    change: &Change,
    in_force: InForce<'_>,
    mode: PairingMode,
    contents: &Contents,
    memo: &mut Memo,
) -> Report {
    decide_grounded(
        change,
        in_force,
        mode,
        contents,
        Groundwork::default(),
        None,
        memo,
    )
}

/// [`decide_with`], taking what `groundwork` worked out ahead from these
/// contents (laid by the same rules and mode) instead of doing it again;
/// and, if `checked` is given, the line rules' check of this change, made by
/// a `Checker` of the same rules as the patch streamed in, over sources
/// whose every file the check read is, by the same shared bytes, in
/// `contents.head` (the caller makes sure of that; else it passes `None`).
pub fn decide_grounded(
    change: &Change,
    in_force: InForce<'_>,
    mode: PairingMode,
    contents: &Contents,
    groundwork: Groundwork,
    checked: Option<Checked<'_>>,
    memo: &mut Memo,
) -> Report {
    let rules = in_force.rules;
    let groundwork = RefCell::new(groundwork);
    let (mut report, head_lexed) = match checked {
        Some(checked) => checked,
        None => check_keeping_lexed_with(
            change,
            rules,
            &contents.head,
            memo.lexed.as_ref(),
            Some(&groundwork),
        ),
    };
    groundwork.borrow_mut().release_lexing();
    drop_unreadable_revisions(&mut report, &contents.head);
    crate::counterpart::resolve(&mut report, rules, &change.statuses, &contents.head_files);
    // Further pairs of tracks: the first failing one gives the report.
    let first_pair = report.tracks.clone();
    report = crate::pairings::combine(report, change, rules, &contents.head, &contents.head_files);
    // Pairing can change the verdict only under --strict, where the schema
    // decides; otherwise it is a warning beside a change with an entry. A
    // fix-it asks for the objects whatever the plain rules say: they are
    // what it writes.
    let worth_pairing = match rules.strict || mode == PairingMode::WithFixes {
        true => touches_watched(change, rules),
        false => matches!(report.reason, Reason::BothTracks | Reason::MissingRevision),
    };
    if pairs(rules, mode) && worth_pairing && report.tracks == first_pair {
        let revisions: Vec<PathBytes> = report.revisions.iter().map(|r| r.path.clone()).collect();
        let pairing = pair(
            rules,
            &revisions,
            PairingSources {
                base: &contents.merge_base,
                head: &contents.head,
                head_lexed,
                revisions: &contents.head,
                groundwork: Some(&groundwork),
            },
            mode == PairingMode::WithFixes,
        );
        let mut pairing = pairing;
        let unmodelled = unmodelled_changes(change, rules);
        if rules.strict && !unmodelled.is_empty() {
            // The model cannot read these files: for them the plain rule stands.
            pairing.unresolved = true;
            report.notes.push(format!(
                "--strict cannot model {} (only watched files named by an exact path, with \
                 the sql or metadata set, are modelled): the line rules decide for them",
                unmodelled
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if rules.strict {
            let revised = !report.revisions.is_empty();
            report.reason = strict_reason(&report.reason, &pairing, revised);
        }
        report.coverage = pairing.coverage;
        report.notes.extend(pairing.notes);
    }
    if let Some(touched) = integrity_touched(change, rules) {
        report.integrity = integrity(rules, touched, contents, &mut memo.revisions);
    }
    if let Some(source) = in_force.source {
        report.notes.push(format!("rules from {source}"));
    }
    if change.statuses.iter().any(touches_config) {
        let applied = in_force.source.unwrap_or("the defaults");
        report.notes.push(format!(
            "this range changes {CONFIG_FILE}; the check used {applied}, and the change \
             takes effect once it is on the base branch"
        ));
    }
    report
}

/// Under `--strict` the schema decides: a change to the first track's schema
/// needs revisions that cover it, entry or not; an entry whose DDL leaves the
/// schema as it was needs none. Where the model could not resolve a part of
/// the change, the plain rule's verdict stands.
fn strict_reason(plain: &Reason, pairing: &Pairing, revised: bool) -> Reason {
    let gaps = pairing.has_gaps();
    match plain {
        Reason::BothTracks if gaps => Reason::UncoveredObjects,
        Reason::NoEntry if gaps => Reason::SchemaChangeWithoutEntry,
        // An entry whose DDL only the model sees: a revision added leaves
        // objects uncovered, none added is a change without its revision.
        Reason::DataOnly if gaps && revised => Reason::UncoveredObjects,
        Reason::DataOnly if gaps => Reason::UnseenSchemaChange,
        Reason::MissingRevision if !pairing.schema_changed && !pairing.unresolved => {
            Reason::SchemaUnchanged
        }
        other => other.clone(),
    }
}

/// The Alembic track's graph after the merge, from what [`needs`] asked.
fn integrity(
    rules: &Rules,
    changed: BTreeSet<PathBytes>,
    contents: &Contents,
    memo: &mut RevisionMemo,
) -> Vec<IntegrityFinding> {
    let Some(alembic) = &rules.alembic else {
        return Vec::new();
    };
    let head = changed
        .iter()
        .filter(|path| rules.is_alembic_revision(path))
        .filter_map(|path| Some((path.clone(), contents.head.get(path.as_bytes())?)))
        .collect();
    let base = contents
        .base_tip
        .iter()
        .filter(|(path, _)| rules.is_alembic_revision(path))
        .collect();
    let env_py = contents
        .head
        .get(alembic.env.as_bytes())
        .map(|source| EnvPy {
            path: alembic.env.clone(),
            source,
        });
    check_integrity_with(
        &IntegrityInput {
            head,
            base,
            changed,
            env_py,
            configured_width: alembic.version_width,
        },
        memo,
    )
}

/// A revision counts only if Alembic could import it: an added path that is
/// a submodule, or a symlink that dangles or leaves the tree, is no revision,
/// and the report says why.
fn drop_unreadable_revisions(report: &mut Report, head: &Sources) {
    let mut notes = Vec::new();
    report.revisions.retain(
        |revision| match head.why_unreadable(revision.path.as_bytes()) {
            None => true,
            Some(why) => {
                notes.push(format!(
                    "{} was added but is {why}: Alembic cannot import it, so it is not a revision",
                    revision.path
                ));
                false
            }
        },
    );
    if report.revisions.is_empty() && report.reason == Reason::BothTracks {
        report.reason = Reason::MissingRevision;
    }
    report.notes.extend(notes);
}

/// Whether a listed file is `parity.toml`, on either side of a move.
pub fn touches_config(entry: &NameStatus) -> bool {
    let is_config = |path: &PathBytes| path.as_bytes() == CONFIG_FILE.as_bytes();
    is_config(&entry.path) || entry.from.as_ref().is_some_and(is_config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::parse_patch;
    use crate::groundwork::Groundwork;
    use crate::rules::{MIGRATIONS, SCHEMA};
    use pretty_assertions::assert_eq;

    /// A change that gives `path` the lines of `head` after those of `base`.
    fn change(path: &str, base: &str, head: &str) -> Change {
        let added: Vec<&str> = head.lines().skip(base.lines().count()).collect();
        let mut patch = format!(
            "diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n@@ -1,{n} +1,{m} @@\n",
            n = base.lines().count(),
            m = head.lines().count()
        );
        for line in base.lines() {
            patch.push_str(&format!(" {line}\n"));
        }
        for line in added {
            patch.push_str(&format!("+{line}\n"));
        }
        Change {
            files: parse_patch(patch.as_bytes()).unwrap(),
            statuses: Vec::new(),
        }
    }

    fn judged(path: &str, base: &str, head: &str, strict: bool) -> Reason {
        report_of(path, base, head, strict, PairingMode::Always).reason
    }

    fn report_of(path: &str, base: &str, head: &str, strict: bool, mode: PairingMode) -> Report {
        let rules = Rules {
            strict,
            ..Rules::default()
        };
        let change = change(path, base, head);
        let needs = needs(&change, &rules, PairingMode::Always);
        let mut contents = Contents::default();
        for wanted in &needs.head {
            if wanted.as_bytes() == path.as_bytes() {
                contents.head.insert(wanted.clone(), head);
            }
        }
        for wanted in &needs.merge_base {
            if wanted.as_bytes() == path.as_bytes() {
                contents.merge_base.insert(wanted.clone(), base);
            }
        }
        let in_force = InForce {
            rules: &rules,
            source: None,
        };
        decide(&change, in_force, mode, &contents)
    }

    const SCHEMA_BASE: &str = "T = \"\"\"\nCREATE TABLE t (id INTEGER PRIMARY KEY);\n\"\"\"\n";

    #[test]
    fn strict_fails_a_schema_change_without_an_entry_that_the_plain_rules_pass() {
        let head =
            format!("{SCHEMA_BASE}U = \"\"\"\nCREATE TABLE u (id INTEGER PRIMARY KEY);\n\"\"\"\n");
        assert_eq!(judged(SCHEMA, SCHEMA_BASE, &head, false), Reason::NoEntry);
        assert_eq!(
            judged(SCHEMA, SCHEMA_BASE, &head, true),
            Reason::SchemaChangeWithoutEntry
        );
    }

    #[test]
    fn only_a_fix_it_makes_the_fixes_and_they_change_nothing_else() {
        let head =
            format!("{SCHEMA_BASE}U = \"\"\"\nCREATE TABLE u (id INTEGER PRIMARY KEY);\n\"\"\"\n");
        let plain = report_of(SCHEMA, SCHEMA_BASE, &head, true, PairingMode::Always);
        let fixed = report_of(SCHEMA, SCHEMA_BASE, &head, true, PairingMode::WithFixes);
        assert_eq!(plain.coverage.len(), 2, "{:?}", plain.coverage);
        assert!(plain.coverage.iter().all(|c| c.fix().is_empty()));
        assert!(matches!(
            fixed.coverage[0].fix(),
            [crate::schema::fix::Fix::CreateTable(_)]
        ));
        let mut unfixed = fixed.clone();
        unfixed.coverage = (unfixed.coverage.into_iter())
            .map(crate::schema::Coverage::without_fix)
            .collect();
        assert_eq!(unfixed, plain);
    }

    /// The decision on `migrations.py` going from `base` to `head`, with
    /// `revision` (path, source) added beside it if given.
    fn decided_migrations(
        base: &str,
        head: &str,
        strict: bool,
        revision: Option<(&str, &str)>,
    ) -> Report {
        let rules = Rules {
            strict,
            ..Rules::default()
        };
        let patch = format!(
            "diff --git a/{MIGRATIONS} b/{MIGRATIONS}\n--- a/{MIGRATIONS}\n+++ b/{MIGRATIONS}\n{}",
            hunks(base, head)
        );
        let statuses = revision
            .iter()
            .map(|(path, _)| NameStatus {
                status: crate::name_status::Status::Added,
                path: PathBytes::from(*path),
                from: None,
            })
            .collect();
        let change = Change {
            files: parse_patch(patch.as_bytes()).unwrap(),
            statuses,
        };
        let mut contents = Contents::default();
        contents.head.insert(PathBytes::from(MIGRATIONS), head);
        contents
            .merge_base
            .insert(PathBytes::from(MIGRATIONS), base);
        if let Some((path, source)) = revision {
            contents.head.insert(PathBytes::from(path), source);
        }
        let in_force = InForce {
            rules: &rules,
            source: None,
        };
        decide(&change, in_force, PairingMode::Always, &contents)
    }

    #[test]
    fn strict_passes_an_entry_whose_rebuild_changes_no_definition() {
        let base = "def _migrate_t(cursor, conn):\n    cursor.execute(\"CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)\")\n\n\nMIGRATIONS = [\n    (\"t\", _migrate_t),\n]\n";
        let rebuild = "def _migrate_r(cursor, conn):\n    cursor.execute(\"CREATE TABLE t_new (id INTEGER PRIMARY KEY, name TEXT)\")\n    cursor.execute(\"INSERT INTO t_new SELECT * FROM t\")\n    cursor.execute(\"DROP TABLE t\")\n    cursor.execute(\"ALTER TABLE t_new RENAME TO t\")\n\n\n";
        // The new function before the list, the entry inside it: all added lines.
        let head = base
            .replace("MIGRATIONS = [\n", &format!("{rebuild}MIGRATIONS = [\n"))
            .replace(
                "    (\"t\", _migrate_t),\n",
                "    (\"t\", _migrate_t),\n    (\"r\", _migrate_r),\n",
            );
        let change_rules = |strict| decided_migrations(base, &head, strict, None).reason;
        assert_eq!(change_rules(false), Reason::MissingRevision);
        assert_eq!(change_rules(true), Reason::SchemaUnchanged);
    }

    #[test]
    fn strict_fails_an_entry_whose_ddl_only_the_model_sees_and_says_so() {
        let base = "def _migrate_t(cursor, conn):\n    cursor.execute(\"CREATE TABLE t (id INTEGER PRIMARY KEY)\")\n\n\nMIGRATIONS = [\n    (\"t\", _migrate_t),\n]\n";
        // Adjacent strings: no line holds `ALTER TABLE`, Python runs it.
        let split = "def _migrate_due(cursor, conn):\n    cursor.execute(\"ALTER\" \" TABLE t\" \" ADD\" \" COLUMN due TEXT\")\n\n\n";
        let head = base
            .replace("MIGRATIONS = [\n", &format!("{split}MIGRATIONS = [\n"))
            .replace(
                "    (\"t\", _migrate_t),\n",
                "    (\"t\", _migrate_t),\n    (\"due\", _migrate_due),\n",
            );
        let revision = (
            "src/backend/migrations/versions/0002_other.py",
            "revision = \"0002\"\ndown_revision = \"0001\"\n",
        );
        let reason = |strict, with_revision: bool| {
            decided_migrations(base, &head, strict, with_revision.then_some(revision))
        };
        assert_eq!(reason(false, false).reason, Reason::DataOnly);
        let strict = reason(true, false);
        assert_eq!(strict.reason, Reason::UnseenSchemaChange);
        assert_eq!(strict.entries.len(), 1);
        assert!(!strict.message().contains("without a migration entry"));
        assert_eq!(reason(true, true).reason, Reason::UncoveredObjects);
    }

    /// A migrations file of `functions`, each running one statement, all
    /// listed in order.
    fn migrations_file(functions: &[&str]) -> String {
        let mut text = String::from("\"\"\"Migrations.\"\"\"\n\n");
        for (i, sql) in functions.iter().enumerate() {
            text.push_str(&format!(
                "def _migrate_{i}(cursor, conn):\n    cursor.execute(\"{sql}\")\n\n\n"
            ));
        }
        text.push_str("MIGRATIONS = [\n");
        for i in 0..functions.len() {
            text.push_str(&format!("    (\"m{i}\", _migrate_{i}),\n"));
        }
        text.push_str("]\n");
        text
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Groundwork laid from the contents decides as the decision alone
        /// does; laid from other bytes (an earlier version of the file, or
        /// the same text in another buffer) it is not taken, and the
        /// decision is the same again.
        #[test]
        fn groundwork_never_changes_a_report(
            base in proptest::collection::vec(0..6usize, 0..4),
            added in proptest::collection::vec(0..6usize, 0..4),
            strict: bool,
            with_revision: bool,
        ) {
            const SQL: [&str; 6] = [
                "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "ALTER TABLE t ADD COLUMN score REAL DEFAULT 0",
                "UPDATE t SET name = 'x'",
                "CREATE UNIQUE INDEX ix_t_name ON t (name)",
                "DROP TABLE IF EXISTS old",
                "CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id))",
            ];
            let base: Vec<&str> = base.iter().map(|&i| SQL[i]).collect();
            let all: Vec<&str> = base.iter().copied().chain(added.iter().map(|&i| SQL[i])).collect();
            let (base_text, head_text) = (migrations_file(&base), migrations_file(&all));
            let revision = "src/backend/migrations/versions/0002_x.py";
            let rules = Rules { strict, ..Rules::default() };
            let mut patch = format!(
                "diff --git a/{MIGRATIONS} b/{MIGRATIONS}\n--- a/{MIGRATIONS}\n+++ b/{MIGRATIONS}\n"
            );
            // The whole file replaced: every HEAD line added.
            let (b, h) = (base_text.lines().count(), head_text.lines().count());
            patch.push_str(&format!("@@ -1,{b} +1,{h} @@\n"));
            for line in base_text.lines() {
                patch.push_str(&format!("-{line}\n"));
            }
            for line in head_text.lines() {
                patch.push_str(&format!("+{line}\n"));
            }
            let statuses = match with_revision {
                true => crate::name_status::parse_name_status(format!("A\0{revision}\0").as_bytes()).unwrap(),
                false => Vec::new(),
            };
            let change = Change { files: parse_patch(patch.as_bytes()).unwrap(), statuses };
            let mut contents = Contents::default();
            contents.head.insert(PathBytes::from(MIGRATIONS), head_text.as_str());
            contents.merge_base.insert(PathBytes::from(MIGRATIONS), base_text.as_str());
            if with_revision {
                let op = "def upgrade():\n    op.add_column('t', sa.Column('score', sa.Float()))\n";
                contents.head.insert(PathBytes::from(revision), format!(
                    "revision = \"0002\"\ndown_revision = None\n\n{op}"
                ));
            }
            let in_force = InForce { rules: &rules, source: None };
            let alone = decide(&change, in_force, PairingMode::Always, &contents);
            let grounded = |ground: Groundwork| {
                decide_grounded(&change, in_force, PairingMode::Always, &contents, ground, None, &mut Memo::default())
            };
            let laid = Groundwork::lay(&rules, PairingMode::Always, &contents.head, &contents.merge_base);
            proptest::prop_assert_eq!(&grounded(laid), &alone);
            // Laid from the base's bytes at HEAD: another file.
            let other = Groundwork::lay(&rules, PairingMode::Always, &contents.merge_base, &contents.head);
            proptest::prop_assert_eq!(&grounded(other), &alone);
            // Laid from a copy of the same text: equal bytes, other buffers.
            let (head_copy, base_copy) = (contents.head.clone(), contents.merge_base.clone());
            let mut copies = Sources::new();
            for (path, bytes) in head_copy.iter() {
                copies.insert(path, bytes.to_vec());
            }
            let copy = Groundwork::lay(&rules, PairingMode::Always, &copies, &base_copy);
            proptest::prop_assert_eq!(&grounded(copy), &alone);
        }
    }

    /// A one-hunk diff from `base` to `head`, where `head` only inserts lines.
    fn hunks(base: &str, head: &str) -> String {
        let (b, h): (Vec<&str>, Vec<&str>) = (base.lines().collect(), head.lines().collect());
        let mut out = format!("@@ -1,{} +1,{} @@\n", b.len(), h.len());
        let mut i = 0;
        for line in &h {
            if i < b.len() && *line == b[i] {
                out.push_str(&format!(" {line}\n"));
                i += 1;
            } else {
                out.push_str(&format!("+{line}\n"));
            }
        }
        assert_eq!(i, b.len(), "head only inserts lines");
        out
    }
}
