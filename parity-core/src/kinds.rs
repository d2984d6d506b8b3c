//! The one table of finding kinds that every printer reads: each kind's
//! stable id (SARIF's rule id, the JSON's `kind`), its SARIF name, the title
//! of its annotations, what to do about it, and how serious it is. A finding
//! carries its own message, naming the specifics.

/// A kind of finding.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    /// Stable and unique: `parity/<kebab-case>`.
    pub id: &'static str,
    /// SARIF's rule name (PascalCase).
    pub name: &'static str,
    /// The title of an annotation, and SARIF's short description.
    pub title: &'static str,
    /// What it means and what to do about it.
    pub help: &'static str,
    /// How serious it is when nothing raises it.
    pub level: Level,
}

/// How serious one finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Note,
}

impl Level {
    /// The word of GitHub's workflow commands.
    pub fn github(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        }
    }

    /// The word of SARIF.
    pub fn sarif(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "note",
        }
    }
}

pub const SCHEMA_CHANGE_WITHOUT_REVISION: Kind = Kind {
    id: "parity/schema-change-without-revision",
    name: "SchemaChangeWithoutRevision",
    title: "parity: schema change without a revision",
    help: "A pull request adds a migration entry and DDL on one migration track but no \
           net-new migration on its counterpart track, so that database never gets the change. \
           Add the counterpart migration that makes the same schema change, commit it on this \
           branch and push.",
    level: Level::Error,
};

pub const SCHEMA_OBJECT_UNCOVERED: Kind = Kind {
    id: "parity/schema-object-missing-from-revisions",
    name: "SchemaObjectMissingFromRevisions",
    title: "parity: schema object missing from the revisions",
    help: "The pull request adds a counterpart migration, but none of them changes this table, \
           column, index or trigger as the watched track does (object-level pairing; an error \
           under --strict). Add the operation to the counterpart migration; where that is an \
           Alembic revision, `cargo xtask parity --suggest` prints one that covers every \
           missing object.",
    level: Level::Warning,
};

pub const SCHEMA_OBJECT_MISMATCHED: Kind = Kind {
    id: "parity/schema-object-differs-in-revisions",
    name: "SchemaObjectDiffersInRevisions",
    title: "parity: schema object differs in the revisions",
    help: "The added counterpart migrations make this table, column, index or trigger, but an \
           attribute differs from the watched track's (type class, NOT NULL, primary key, \
           unique, default, foreign key, index columns, uniqueness or WHERE), so the two \
           databases end up different (an error under --strict). Where the counterpart is an \
           Alembic revision, `cargo xtask parity --suggest` prints the next one, which makes \
           them equal.",
    level: Level::Warning,
};

pub const ONE_TRACK_WAIVER: Kind = Kind {
    id: "parity/one-track-waiver",
    name: "OneTrackWaiver",
    title: "parity: waiver",
    help: "A watched track's file carries a waiver (`parity: <track>-only <reason>`): its schema \
           change is deliberately for that track alone, and the range passes without a \
           counterpart. A reviewer reads the reason here.",
    level: Level::Note,
};

pub const INVALID_WAIVER: Kind = Kind {
    id: "parity/waiver-without-reason",
    name: "WaiverWithoutReason",
    title: "parity: waiver without a reason",
    help: "A waiver marker waives nothing without its reason on the same line \
           (`parity: <track>-only <why the other track needs no change>`): give the reason, \
           or add the counterpart.",
    level: Level::Error,
};

/// The Alembic track's integrity, in the order of `alembic::FindingKind`.
pub const ALEMBIC: [Kind; 11] = [
    Kind {
        id: "parity/alembic-multiple-heads",
        name: "AlembicMultipleHeads",
        title: "The revision history has several heads after the merge",
        help: "Alembic's `upgrade head` refuses a history with several heads. Set the new \
               revision's down_revision to the base branch's head (a rebase), or add a merge \
               revision with `alembic merge -m \"merge heads\" <head> <head>`. Heads that are \
               meant to coexist need a branch label each.",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-missing-down-revision",
        name: "AlembicMissingDownRevision",
        title: "down_revision names a revision that does not exist",
        help: "Alembic cannot build the history when a down_revision names no revision \
               (`KeyError`). Point down_revision at an existing revision id, usually the \
               current head (`alembic heads`).",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-missing-depends-on",
        name: "AlembicMissingDependsOn",
        title: "depends_on names neither a revision nor a branch label",
        help: "Every entry of depends_on must be a revision id or a branch label of the \
               history; fix the name or drop the entry.",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-cycle",
        name: "AlembicCycle",
        title: "Revisions revise each other in a cycle",
        help: "Through down_revision and depends_on these revisions lead back to themselves, \
               so Alembic cannot order them (`CycleDetected`). Make one of them revise a \
               revision outside the cycle.",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-duplicate-id",
        name: "AlembicDuplicateId",
        title: "Two revision files declare the same id",
        help: "Alembic keeps only one of the files with the same revision id (\"Revision is \
               present more than once\"), so the other is never run. Give the new revision a \
               fresh id (and update whatever revises it).",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-duplicate-branch-label",
        name: "AlembicDuplicateBranchLabel",
        title: "A branch label is declared twice, or is a revision id",
        help: "Alembic refuses a branch label that another revision already declares or that \
               is a revision id (\"Branch name ... already used\"). Choose another label.",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-illegal-id-character",
        name: "AlembicIllegalIdCharacter",
        title: "A revision id contains a character Alembic refuses",
        help: "Alembic does not allow '@', '-', '+' or ':' in a revision id (they are its \
               revision-expression syntax). Use letters, digits and underscores.",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-id-too-long",
        name: "AlembicIdTooLong",
        title: "A revision id is longer than alembic_version.version_num",
        help: "Alembic stores each applied revision id in alembic_version.version_num, \
               VARCHAR(32) unless widened, and PostgreSQL rejects a longer value when the \
               revision is stamped. Shorten the id, or widen the column in this revision's \
               or an earlier revision's upgrade(): op.alter_column(\"alembic_version\", \
               \"version_num\", type_=sa.String(64)).",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-unparsable-revision",
        name: "AlembicUnparsableRevision",
        title: "A revision file cannot be read",
        help: "parity reads revision files statically: the file must lex as Python and assign \
               revision and down_revision (and branch_labels, depends_on if present) at module \
               level as literals: a string, None, or a tuple or list of strings.",
        level: Level::Error,
    },
    Kind {
        id: "parity/alembic-ignored-version-table-option",
        name: "AlembicIgnoredVersionTableOption",
        title: "env.py passes version_table_column_type, which Alembic ignores",
        help: "context.configure() has no version_table_column_type option; Alembic accepts \
               and ignores unknown keywords, so the version table keeps VARCHAR(32). Widen it \
               in a revision, or create it in env.py with the width you need.",
        level: Level::Note,
    },
    Kind {
        id: "parity/alembic-chain-unchecked",
        name: "AlembicChainUnchecked",
        title: "The heads after the merge are not counted",
        help: "A revision file the range did not touch cannot be read, or its chain does not \
               resolve, so parity cannot count the heads of the merged history. Fix that file \
               on the base branch.",
        level: Level::Note,
    },
];

/// Every kind, in a fixed order (SARIF's rule indexes).
pub fn all() -> impl Iterator<Item = &'static Kind> {
    [
        &SCHEMA_CHANGE_WITHOUT_REVISION,
        &SCHEMA_OBJECT_UNCOVERED,
        &SCHEMA_OBJECT_MISMATCHED,
        &ONE_TRACK_WAIVER,
        &INVALID_WAIVER,
    ]
    .into_iter()
    .chain(ALEMBIC.iter())
}

/// The position of `kind` in [`all`].
pub fn index(kind: &Kind) -> usize {
    all()
        .position(|k| k.id == kind.id)
        .expect("every kind is in the table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_have_unique_ids_names_and_titles() {
        let kinds: Vec<&Kind> = all().collect();
        for (i, a) in kinds.iter().enumerate() {
            assert!(a.id.starts_with("parity/"), "{}", a.id);
            assert!(
                a.id[7..]
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                a.id
            );
            assert!(!a.title.is_empty() && !a.help.is_empty(), "{}", a.id);
            assert_eq!(index(a), i);
            for b in &kinds[i + 1..] {
                assert_ne!(a.id, b.id);
                assert_ne!(a.name, b.name);
                assert_ne!(a.title, b.title);
            }
        }
    }
}
