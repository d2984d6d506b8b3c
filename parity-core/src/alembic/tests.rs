//! The integrity checks, one scenario each. Every revision file is built by
//! `Rev::source`, whose layout fixes the lines: `revision =` on line 5,
//! `down_revision =` on 6, `branch_labels =` on 7, `depends_on =` on 8, and
//! `upgrade()`'s body from line 12.

use std::collections::{BTreeMap, BTreeSet};

use pretty_assertions::assert_eq;
use proptest::prelude::*;

use super::*;
use crate::classify::{LexError, LexProblem};

const DIR: &str = "src/backend/migrations/versions/";

fn p(name: &str) -> PathBytes {
    PathBytes::from(format!("{DIR}{name}").as_str())
}

/// A revision file, as `alembic revision` writes one.
#[derive(Clone)]
struct Rev {
    id: String,
    down: String,
    labels: String,
    depends: String,
    upgrade: Vec<String>,
    downgrade: Vec<String>,
}

fn rev(id: &str, down: &str) -> Rev {
    Rev {
        id: id.into(),
        down: down.into(),
        labels: "None".into(),
        depends: "None".into(),
        upgrade: Vec::new(),
        downgrade: Vec::new(),
    }
}

/// `down_revision` as a Python string literal.
fn on(id: &str) -> String {
    format!("{id:?}")
}

impl Rev {
    fn labels(mut self, labels: &str) -> Rev {
        self.labels = labels.into();
        self
    }

    fn depends(mut self, depends: &str) -> Rev {
        self.depends = depends.into();
        self
    }

    fn upgrade(mut self, line: &str) -> Rev {
        self.upgrade.push(line.into());
        self
    }

    fn downgrade(mut self, line: &str) -> Rev {
        self.downgrade.push(line.into());
        self
    }

    fn source(&self) -> String {
        let body = |lines: &[String]| {
            if lines.is_empty() {
                "    pass\n".to_string()
            } else {
                lines.iter().map(|l| format!("    {l}\n")).collect()
            }
        };
        format!(
            "\"\"\"Revision {id}.\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n\
             revision = {id:?}\ndown_revision = {down}\nbranch_labels = {labels}\n\
             depends_on = {depends}\n\n\ndef upgrade() -> None:\n{up}\n\ndef downgrade() -> None:\n{down_body}",
            id = self.id,
            down = self.down,
            labels = self.labels,
            depends = self.depends,
            up = body(&self.upgrade),
            down_body = body(&self.downgrade),
        )
    }
}

/// A range: the revision files at HEAD and at the base tip, what it touched.
#[derive(Default)]
struct Case {
    head: Vec<(String, String)>,
    base: Vec<(String, String)>,
    changed: Vec<String>,
    env: Option<String>,
    env_changed: bool,
    width: Option<usize>,
}

impl Case {
    fn both(mut self, name: &str, rev: &Rev) -> Case {
        self.head.push((name.into(), rev.source()));
        self.base.push((name.into(), rev.source()));
        self
    }

    fn base(mut self, name: &str, rev: &Rev) -> Case {
        self.base.push((name.into(), rev.source()));
        self
    }

    /// A file the pull request added (or changed) at HEAD.
    fn pr(self, name: &str, rev: &Rev) -> Case {
        self.pr_raw(name, &rev.source())
    }

    fn pr_raw(mut self, name: &str, source: &str) -> Case {
        self.head.push((name.into(), source.into()));
        self.changed.push(name.into());
        self
    }

    /// A file the pull request deleted: at the base, gone at HEAD.
    fn deleted(mut self, name: &str) -> Case {
        self.head.retain(|(n, _)| n != name);
        self.changed.push(name.into());
        self
    }

    fn env(mut self, source: &str) -> Case {
        self.env = Some(source.into());
        self
    }

    fn run(&self) -> Vec<IntegrityFinding> {
        fn map(files: &[(String, String)]) -> BTreeMap<PathBytes, &[u8]> {
            files
                .iter()
                .map(|(name, source)| (p(name), source.as_bytes()))
                .collect()
        }
        let mut changed: BTreeSet<PathBytes> = self.changed.iter().map(|n| p(n)).collect();
        let env_path = PathBytes::from("src/backend/migrations/env.py");
        if self.env_changed {
            changed.insert(env_path.clone());
        }
        let input = IntegrityInput {
            head: map(&self.head),
            base: map(&self.base),
            changed,
            env_py: self.env.as_ref().map(|source| EnvPy {
                path: env_path.clone(),
                source: source.as_bytes(),
            }),
            configured_width: self.width,
        };
        let findings = check_integrity(&input);
        // Deterministic: the same input, the same findings.
        assert_eq!(check_integrity(&input), findings);
        for f in &findings {
            assert_eq!(f.severity, f.kind.severity(), "{f:?}");
        }
        findings
    }
}

/// kind, file name (or env.py), line.
fn summary(findings: &[IntegrityFinding]) -> Vec<(FindingKind, String, u32)> {
    findings
        .iter()
        .map(|f| {
            let path = f.path.display();
            let name = path.strip_prefix(DIR).unwrap_or(&path).to_string();
            (f.kind, name, f.line)
        })
        .collect()
}

fn messages(findings: &[IntegrityFinding]) -> Vec<String> {
    findings.iter().map(|f| f.message.clone()).collect()
}

/// The history every case starts from: 0001 (root) <- 0002.
fn start() -> Case {
    Case::default()
        .both("0001_init.py", &rev("0001", "None"))
        .both("0002_users.py", &rev("0002", &on("0001")))
}

// 1. One head after the merge.

#[test]
fn deleting_a_revision_that_another_still_names_breaks_the_chain_there() {
    let case = start()
        .both("0003_tasks.py", &rev("0003", &on("0002")))
        .deleted("0002_users.py");
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MissingDownRevision, "0003_tasks.py".into(), 6)]
    );
    assert_eq!(
        messages(&findings),
        vec![format!(
            "down_revision of revision 0003 names \"0002\", which this range removes \
             ({DIR}0002_users.py): keep that file, or point this down_revision at a revision \
             that stays"
        )]
    );
}

#[test]
fn a_dependency_on_a_label_only_a_removed_revision_carried_breaks_the_chain_there() {
    let labelled = "\"\"\"Labelled.\"\"\"\nrevision = \"0002\"\ndown_revision = \"0001\"\nbranch_labels = (\"users\",)\n";
    let dependent = "\"\"\"Depends.\"\"\"\nrevision = \"0003\"\ndown_revision = \"0001\"\ndepends_on = \"users\"\n";
    let mut case = Case::default().both("0001_init.py", &rev("0001", "None"));
    case.head.push(("0002_users.py".into(), labelled.into()));
    case.base.push(("0002_users.py".into(), labelled.into()));
    case.head.push(("0003_tasks.py".into(), dependent.into()));
    case.base.push(("0003_tasks.py".into(), dependent.into()));
    let findings = case.deleted("0002_users.py").run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MissingDependsOn, "0003_tasks.py".into(), 4)]
    );
}

#[test]
fn deleting_the_head_revision_breaks_nothing() {
    let findings = start().deleted("0002_users.py").run();
    assert_eq!(summary(&findings), vec![]);
}

#[test]
fn the_base_moved_on_after_the_fork_two_heads() {
    let case = start()
        .base("0003_base_side.py", &rev("0003b", &on("0002")))
        .pr("0003_pr_side.py", &rev("0003a", &on("0002")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MultipleHeads, "0003_pr_side.py".into(), 6)]
    );
    assert_eq!(
        messages(&findings),
        vec![format!(
            "after the merge the revision history has 2 heads, 0003a ({DIR}0003_pr_side.py) and \
             0003b ({DIR}0003_base_side.py), and `alembic upgrade head` refuses that: set \
             down_revision of 0003a to \"0003b\" (the base branch's head), or add a merge \
             revision: alembic merge -m \"merge heads\" 0003a 0003b"
        )]
    );
    assert_eq!(
        findings[0].related,
        vec![Related {
            path: p("0003_base_side.py"),
            line: 6,
            what: "head 0003b".into(),
        }]
    );
}

#[test]
fn a_correct_rebase_has_one_head() {
    let case = start()
        .both("0003_base_side.py", &rev("0003b", &on("0002")))
        .pr("0004_pr_side.py", &rev("0004a", &on("0003b")));
    assert_eq!(case.run(), vec![]);
}

#[test]
fn a_pull_request_merging_the_base_with_a_merge_revision_has_one_head() {
    let merge = rev("0004m", "(\"0003a\", \"0003b\")");
    let case = start()
        .both("0003_base_side.py", &rev("0003b", &on("0002")))
        .pr("0003_pr_side.py", &rev("0003a", &on("0002")))
        .pr("0004_merge.py", &merge);
    assert_eq!(case.run(), vec![]);
    // Range from the old merge-base: the base's revision is in the range too.
    let case = start()
        .base("0003_base_side.py", &rev("0003b", &on("0002")))
        .pr("0003_base_side.py", &rev("0003b", &on("0002")))
        .pr("0003_pr_side.py", &rev("0003a", &on("0002")))
        .pr("0004_merge.py", &merge);
    assert_eq!(case.run(), vec![]);
}

#[test]
fn two_heads_inside_the_pull_request() {
    let case = start()
        .pr("0003_a.py", &rev("0003a", &on("0002")))
        .pr("0003_b.py", &rev("0003b", &on("0002")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MultipleHeads, "0003_a.py".into(), 6)]
    );
    assert_eq!(
        messages(&findings),
        vec![format!(
            "after the merge the revision history has 2 heads, 0003a ({DIR}0003_a.py) and 0003b \
             ({DIR}0003_b.py), and `alembic upgrade head` refuses that: add a merge revision: \
             alembic merge -m \"merge heads\" 0003a 0003b"
        )]
    );
}

#[test]
fn a_base_with_two_heads_fails_only_a_range_that_touches_revisions() {
    let forked = start()
        .both("0003_a.py", &rev("0003a", &on("0002")))
        .both("0003_b.py", &rev("0003b", &on("0002")));
    assert_eq!(summary(&forked.run()), vec![]);
    let forked = start()
        .both("0003_a.py", &rev("0003a", &on("0002")))
        .both("0003_b.py", &rev("0003b", &on("0002")))
        .pr("0004_on_a.py", &rev("0004", &on("0003a")));
    assert_eq!(
        summary(&forked.run()),
        vec![(FindingKind::MultipleHeads, "0004_on_a.py".into(), 6)]
    );
}

#[test]
fn changing_an_old_revision_can_make_two_heads_of_untouched_files() {
    // 0001 <- 0002 <- 0003; the range re-points 0003 at 0001: 0002 and 0003 are heads.
    let case = start()
        .both("0003_x.py", &rev("0003", &on("0002")))
        .pr("0003_x.py", &rev("0003", &on("0001")));
    assert_eq!(
        summary(&case.run()),
        vec![(FindingKind::MultipleHeads, "0003_x.py".into(), 6)]
    );
}

#[test]
fn a_branch_label_allows_a_head_of_its_own() {
    let case = start()
        .pr(
            "n001_networking.py",
            &rev("n001", "None").labels("(\"networking\",)"),
        )
        .pr("n002_hosts.py", &rev("n002", &on("n001")));
    assert_eq!(case.run(), vec![]);
    // A label on a revision that branches off the main line also sets its head apart.
    let case = start().pr(
        "f001_feature.py",
        &rev("f001", &on("0001")).labels("\"feature\""),
    );
    assert_eq!(case.run(), vec![]);
}

#[test]
fn two_heads_on_one_labelled_branch_are_not_set_apart() {
    let case = start()
        .pr(
            "n001_networking.py",
            &rev("n001", "None").labels("(\"networking\",)"),
        )
        .pr("n002_hosts.py", &rev("n002", &on("n001")))
        .pr("n002_ports.py", &rev("n002p", &on("n001")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MultipleHeads, "n002_hosts.py".into(), 6)]
    );
    assert!(
        findings[0].message.contains("has 3 heads, 0002 ("),
        "{}",
        findings[0].message
    );
}

#[test]
fn two_unlabelled_heads_beside_a_labelled_one_are_two_too_many() {
    let case = start()
        .pr(
            "n001_networking.py",
            &rev("n001", "None").labels("\"networking\""),
        )
        .pr("0003_other.py", &rev("0003", &on("0001")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MultipleHeads, "0003_other.py".into(), 6)]
    );
    assert!(
        findings[0].message.contains("has 2 heads, 0002 ("),
        "{}",
        findings[0].message
    );
}

// 2. The chain resolves.

#[test]
fn a_missing_down_revision() {
    let case = start().pr("0003_typo.py", &rev("0003", &on("0002x")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MissingDownRevision, "0003_typo.py".into(), 6)]
    );
    assert_eq!(
        messages(&findings),
        vec![
            "down_revision of revision 0003 names \"0002x\", which no revision of the merged \
             history has"
                .to_string()
        ]
    );
}

#[test]
fn a_down_revision_the_base_deleted_is_missing() {
    // 0003 is at HEAD untouched but the base deleted it after the fork.
    let case = start()
        .pr("0004_x.py", &rev("0004", &on("0003")))
        .chain_head_only("0003_gone.py", &rev("0003", &on("0002")));
    assert_eq!(
        summary(&case.run()),
        vec![(FindingKind::MissingDownRevision, "0004_x.py".into(), 6)]
    );
}

impl Case {
    fn chain_head_only(mut self, name: &str, rev: &Rev) -> Case {
        self.head.push((name.into(), rev.source()));
        self
    }
}

#[test]
fn depends_on_names_a_revision_or_a_branch_label() {
    let case = start()
        .pr("n001_net.py", &rev("n001", "None").labels("\"networking\""))
        .pr(
            "n002_x.py",
            &rev("n002", &on("n001")).depends("(\"0001\", \"networking\")"),
        );
    assert_eq!(case.run(), vec![]);
    let case = start()
        .pr("n001_net.py", &rev("n001", "None").labels("\"networking\""))
        .pr(
            "n002_x.py",
            &rev("n002", &on("n001")).depends("\"nowhere\""),
        );
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::MissingDependsOn, "n002_x.py".into(), 8)]
    );
    assert_eq!(
        messages(&findings),
        vec![
            "depends_on of revision n002 names \"nowhere\", which is neither a revision nor a \
             branch label of the merged history"
                .to_string()
        ]
    );
}

#[test]
fn a_cycle_through_down_revision() {
    let case = start()
        .pr("a.py", &rev("a", &on("b")))
        .pr("b.py", &rev("b", &on("a")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::Cycle, "a.py".into(), 6)]
    );
    assert_eq!(
        messages(&findings),
        vec![
            "revisions \"a\" and \"b\" revise each other in a cycle (through down_revision and \
             depends_on), so Alembic cannot order them"
                .to_string()
        ]
    );
    assert_eq!(findings[0].related.len(), 1);
}

#[test]
fn a_cycle_through_depends_on_and_a_self_loop() {
    let case = start()
        .pr("0003_x.py", &rev("0003", &on("0002")).depends("\"0004\""))
        .pr("0004_y.py", &rev("0004", &on("0003")));
    assert_eq!(
        summary(&case.run()),
        vec![(FindingKind::Cycle, "0003_x.py".into(), 6)]
    );
    let case = start().pr("0003_x.py", &rev("0003", &on("0003")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::Cycle, "0003_x.py".into(), 6)]
    );
    assert_eq!(
        messages(&findings),
        vec!["revision 0003 revises or depends on itself, so Alembic cannot order it".to_string()]
    );
}

#[test]
fn a_duplicate_id_names_both_files() {
    let case = start()
        .base("0003_base.py", &rev("0003", &on("0002")))
        .pr("0003_pr.py", &rev("0003", &on("0002")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::DuplicateId, "0003_pr.py".into(), 5)]
    );
    assert_eq!(
        messages(&findings),
        vec![format!(
            "revision id \"0003\" is declared by {DIR}0003_pr.py (line 5) and {DIR}0003_base.py \
             (line 5); Alembic keeps only one of them"
        )]
    );
    assert_eq!(
        findings[0].related,
        vec![Related {
            path: p("0003_base.py"),
            line: 5,
            what: "also declares revision 0003".into(),
        }]
    );
}

#[test]
fn a_duplicate_branch_label_and_a_label_that_is_an_id() {
    let case = start()
        .both("n001_a.py", &rev("n001", "None").labels("\"net\""))
        .pr(
            "m001_b.py",
            &rev("m001", "None").labels("(\"net\", \"0002\")"),
        );
    assert_eq!(
        summary(&case.run()),
        vec![
            (FindingKind::DuplicateBranchLabel, "m001_b.py".into(), 7),
            (FindingKind::DuplicateBranchLabel, "m001_b.py".into(), 7),
        ]
    );
}

#[test]
fn an_id_with_a_character_alembic_refuses() {
    let case = start().pr("0003_x.py", &rev("2024-01+x", &on("0002")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::IllegalIdCharacter, "0003_x.py".into(), 5)]
    );
    assert_eq!(
        messages(&findings),
        vec![
            "revision id \"2024-01+x\" contains '-', '+', which Alembic does not allow in a \
             revision id"
                .to_string()
        ]
    );
}

#[test]
fn a_revision_the_pull_request_deleted_is_out_of_the_merge() {
    let mut case = start()
        .both("0003_old.py", &rev("0003", &on("0002")))
        .pr("0003_new.py", &rev("0003n", &on("0002")));
    case.changed.push("0003_old.py".into()); // deleted: absent at HEAD
    case.head.retain(|(name, _)| name != "0003_old.py");
    assert_eq!(case.run(), vec![]);
}

// 3. Ids fit the version table.

const LONG_ID: &str = "0003_add_the_notes_column_to_agents"; // 35 characters

#[test]
fn a_too_long_id_without_widening() {
    let case = start().pr("0003_notes.py", &rev(LONG_ID, &on("0002")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::IdTooLong, "0003_notes.py".into(), 5)]
    );
    assert_eq!(
        messages(&findings),
        vec![format!(
            "revision id \"{LONG_ID}\" is 35 characters, longer than the width Alembic creates \
             alembic_version.version_num with (VARCHAR(32)), so PostgreSQL rejects its stamp"
        )]
    );
}

#[test]
fn an_earlier_revision_widens_the_column_with_alter_column() {
    for widen in [
        "op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))",
        "op.alter_column(\n        table_name=\"alembic_version\",\n        column_name=\"version_num\",\n        existing_type=sa.String(32),\n        type_=sa.String(length=64),\n    )",
        "op.alter_column('alembic_version', 'version_num', existing_type=sa.VARCHAR(length=32), type_=sa.Text(), existing_nullable=False)",
        "op.execute(\"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64)\")",
        "op.execute(sa.text(\"\"\"\n        ALTER TABLE alembic_version\n            ALTER COLUMN version_num TYPE varchar(255)\n    \"\"\"))",
    ] {
        let case = start()
            .pr(
                "0003_widen.py",
                &rev("0003", &on("0002"))
                    .upgrade(widen)
                    .downgrade("op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(32))"),
            )
            .pr("0004_notes.py", &rev(LONG_ID, &on("0003")));
        assert_eq!(case.run(), vec![], "{widen}");
    }
}

#[test]
fn a_widening_in_the_base_counts_and_one_on_another_branch_does_not() {
    let widen = "op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))";
    let case = start()
        .both("0003_widen.py", &rev("0003", &on("0002")).upgrade(widen))
        .pr("0004_notes.py", &rev(LONG_ID, &on("0003")));
    assert_eq!(case.run(), vec![]);
    // The widening revision is a sibling, not an ancestor: the PR's revision
    // may be stamped before it runs.
    let case = start()
        .pr(
            "w001_widen.py",
            &rev("w001", "None").labels("\"ops\"").upgrade(widen),
        )
        .pr("0003_notes.py", &rev(LONG_ID, &on("0002")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::IdTooLong, "0003_notes.py".into(), 5)]
    );
}

#[test]
fn a_merge_keeps_the_width_one_parent_set_and_takes_the_narrower_of_two() {
    let widen = |n: usize| {
        format!("op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String({n}))")
    };
    // 0002 <- 0003a (widens to 64), 0002 <- 0003b (does not); the merge
    // runs after both, so the column is 64 wide when it is stamped.
    let case = start()
        .pr("0003_a.py", &rev("0003a", &on("0002")).upgrade(&widen(64)))
        .pr("0003_b.py", &rev("0003b", &on("0002")))
        .pr("0004_merge.py", &rev(LONG_ID, "(\"0003a\", \"0003b\")"));
    assert_eq!(case.run(), vec![]);
    // Both parents widen, in an order Alembic does not fix: the narrower counts.
    let case = start()
        .pr("0003_a.py", &rev("0003a", &on("0002")).upgrade(&widen(64)))
        .pr("0003_b.py", &rev("0003b", &on("0002")).upgrade(&widen(34)))
        .pr("0004_merge.py", &rev(LONG_ID, "(\"0003a\", \"0003b\")"));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::IdTooLong, "0004_merge.py".into(), 5)]
    );
    assert_eq!(
        findings[0].related,
        vec![Related {
            path: p("0003_b.py"),
            line: 12,
            what: "revision 0003b sets alembic_version.version_num to VARCHAR(34)".into(),
        }]
    );
}

#[test]
fn the_revision_that_widens_may_itself_have_a_long_id() {
    let case = start().pr(
        "0003_notes.py",
        &rev(LONG_ID, &on("0002"))
            .upgrade("op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))"),
    );
    assert_eq!(case.run(), vec![]);
}

#[test]
fn a_widening_too_narrow_or_undone_later_names_its_revision() {
    let case = start()
        .pr(
            "0003_widen.py",
            &rev("0003", &on("0002")).upgrade(
                "op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))",
            ),
        )
        .pr(
            "0004_narrow.py",
            &rev("0004", &on("0003")).upgrade(
                "op.execute(\"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(34)\")",
            ),
        )
        .pr("0005_notes.py", &rev(LONG_ID, &on("0004")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::IdTooLong, "0005_notes.py".into(), 5)]
    );
    assert_eq!(
        messages(&findings),
        vec![format!(
            "revision id \"{LONG_ID}\" is 35 characters, longer than the width revision 0004 gives \
             alembic_version.version_num ({DIR}0004_narrow.py, line 12) (VARCHAR(34)), so \
             PostgreSQL rejects its stamp"
        )]
    );
    assert_eq!(
        findings[0].related,
        vec![Related {
            path: p("0004_narrow.py"),
            line: 12,
            what: "revision 0004 sets alembic_version.version_num to VARCHAR(34)".into(),
        }]
    );
}

#[test]
fn a_widening_in_downgrade_or_a_comment_or_of_another_table_does_not_count() {
    for (upgrade, downgrade) in [
        (
            "pass",
            "op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))",
        ),
        (
            "# op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))",
            "pass",
        ),
        (
            "op.alter_column(\"other\", \"version_num\", type_=sa.String(64))",
            "pass",
        ),
        (
            "op.alter_column(\"alembic_version\", \"other\", type_=sa.String(64))",
            "pass",
        ),
        (
            "op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(n))",
            "pass",
        ),
        (
            "op.alter_column(\"alembic_version\", \"version_num\", type_=sa.Integer())",
            "pass",
        ),
    ] {
        let case = start()
            .pr(
                "0003_widen.py",
                &rev("0003", &on("0002"))
                    .upgrade(upgrade)
                    .downgrade(downgrade),
            )
            .pr("0004_notes.py", &rev(LONG_ID, &on("0003")));
        assert_eq!(
            summary(&case.run()),
            vec![(FindingKind::IdTooLong, "0004_notes.py".into(), 5)],
            "{upgrade} / {downgrade}"
        );
    }
}

const ENV_CREATES: &str = "from alembic import context\nfrom sqlalchemy import text\n\n\n\
def run_migrations_online():\n    with connectable.connect() as connection:\n        \
connection.execute(text(\n            \"CREATE TABLE IF NOT EXISTS alembic_version (\"\n            \
\"version_num VARCHAR(40) NOT NULL, \"\n            \
\"CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))\"\n        ))\n        \
context.configure(connection=connection, target_metadata=None)\n";

#[test]
fn env_py_creating_the_table_wider() {
    let case = start()
        .env(ENV_CREATES)
        .pr("0003_notes.py", &rev(LONG_ID, &on("0002")));
    assert_eq!(case.run(), vec![]);
    let longer = "0003_add_the_notes_column_to_agents_table"; // 41
    let case = start()
        .env(ENV_CREATES)
        .pr("0003_notes.py", &rev(longer, &on("0002")));
    let findings = case.run();
    assert_eq!(
        messages(&findings),
        vec![format!(
            "revision id \"{longer}\" is 41 characters, longer than the width \
             src/backend/migrations/env.py creates alembic_version.version_num with (line 8) \
             (VARCHAR(40)), so PostgreSQL rejects its stamp"
        )]
    );
}

const ENV_IGNORED: &str = "from alembic import context\nimport sqlalchemy as sa\n\n\n\
def run_migrations_online():\n    context.configure(\n        connection=connection,\n        \
target_metadata=target_metadata,\n        version_table_column_type=sa.String(64),\n    )\n";

#[test]
fn env_py_passing_version_table_column_type_still_fails_and_notes_it() {
    let case = start()
        .env(ENV_IGNORED)
        .pr("0003_notes.py", &rev(LONG_ID, &on("0002")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![
            (
                FindingKind::IgnoredVersionTableOption,
                "src/backend/migrations/env.py".into(),
                9
            ),
            (FindingKind::IdTooLong, "0003_notes.py".into(), 5),
        ]
    );
    assert_eq!(findings[0].severity, Severity::Note);
    assert_eq!(
        findings[0].message,
        "src/backend/migrations/env.py passes version_table_column_type to configure(), which \
         Alembic does not know and silently ignores: it does not widen alembic_version.version_num"
    );
}

#[test]
fn the_configured_width_and_a_custom_version_table() {
    let mut case = start().pr("0003_notes.py", &rev(LONG_ID, &on("0002")));
    case.width = Some(64);
    assert_eq!(case.run(), vec![]);
    case.width = Some(34);
    let findings = case.run();
    assert!(
        findings[0]
            .message
            .contains("the configured width of alembic_version.version_num (VARCHAR(34))"),
        "{}",
        findings[0].message
    );
    // With `version_table="my_versions"`, only widening that table counts.
    let env = "context.configure(connection=connection, version_table=\"my_versions\")\n";
    for (table, fails) in [("alembic_version", true), ("my_versions", false)] {
        let case = start()
            .env(env)
            .pr(
                "0003_widen.py",
                &rev("0003", &on("0002")).upgrade(&format!(
                    "op.alter_column({table:?}, \"version_num\", type_=sa.String(64))"
                )),
            )
            .pr("0004_notes.py", &rev(LONG_ID, &on("0003")));
        let findings = case.run();
        assert_eq!(!findings.is_empty(), fails, "{table}: {findings:?}");
        if fails {
            assert!(findings[0].message.contains("my_versions.version_num"));
        }
    }
}

// 4. The revision is Python parity can read.

#[test]
fn an_unparsable_added_revision_is_a_finding_with_its_line() {
    let broken = "\"\"\"Broken.\"\"\"\nrevision = \"0003\"\ndown_revision = \"0002\n";
    let case = start().pr_raw("0003_broken.py", broken);
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::Unparsable, "0003_broken.py".into(), 3)]
    );
    assert_eq!(
        messages(&findings),
        vec![format!(
            "parity cannot read the revision {DIR}0003_broken.py: an unterminated string literal \
             starts on line 3"
        )]
    );
}

#[test]
fn no_revision_or_a_computed_value_is_unparsable() {
    for (source, line, tail) in [
        (
            "down_revision = \"0002\"\n",
            1,
            "it assigns no module-level `revision = \"...\"`",
        ),
        (
            "revision = \"0003\"\n",
            1,
            "it assigns no module-level `down_revision`",
        ),
        (
            "revision = \"0003\"\ndown_revision = previous()\n",
            2,
            "`down_revision` on line 2 is not a string, a tuple or list of strings, or None",
        ),
        (
            "revision = f\"{x}\"\ndown_revision = None\n",
            1,
            "`revision` on line 1 is not a string literal",
        ),
        (
            "revision = \"0003\"\ndown_revision = None\ndepends_on = DEPS\n",
            3,
            "`depends_on` on line 3 is not a string, a tuple or list of strings, or None",
        ),
    ] {
        let case = start().pr_raw("0003_x.py", source);
        let findings = case.run();
        assert_eq!(
            summary(&findings),
            vec![(FindingKind::Unparsable, "0003_x.py".into(), line)],
            "{source}"
        );
        assert_eq!(
            findings[0].message,
            format!("parity cannot read the revision {DIR}0003_x.py: {tail}")
        );
    }
}

#[test]
fn an_unreadable_revision_the_range_does_not_touch_is_a_note() {
    let mut case = start()
        .pr("0003_a.py", &rev("0003a", &on("0002")))
        .pr("0003_b.py", &rev("0003b", &on("0002")));
    case.base
        .push(("0000_broken.py".into(), "revision = '\n".into()));
    let findings = case.run();
    // The heads are not counted, and the range is not failed for the base's file.
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::ChainUnchecked, "0000_broken.py".into(), 1)]
    );
    assert_eq!(findings[0].severity, Severity::Note);
}

#[test]
fn a_broken_chain_of_untouched_files_is_a_note() {
    let case = start()
        .both("0003_x.py", &rev("0003", &on("gone")))
        .pr("0004_y.py", &rev("0004", &on("0003")));
    let findings = case.run();
    assert_eq!(
        summary(&findings),
        vec![(FindingKind::ChainUnchecked, "0003_x.py".into(), 6)]
    );
    assert_eq!(
        findings[0].message,
        format!(
            "the heads after the merge are not counted: revision 0003 ({DIR}0003_x.py) names \
             \"gone\" as its down_revision, and no revision has that id"
        )
    );
}

#[test]
fn an_unreadable_env_py_is_a_finding_only_when_the_range_touches_it() {
    let mut case = start().env("x = '\n");
    assert_eq!(case.run(), vec![]);
    case.env_changed = true;
    assert_eq!(
        summary(&case.run()),
        vec![(
            FindingKind::Unparsable,
            "src/backend/migrations/env.py".into(),
            1
        )]
    );
}

// The reader.

fn read(source: &str) -> Result<RevisionFile, ReadError> {
    read_revision(&p("x.py"), source.as_bytes())
}

fn ids(file: &RevisionFile) -> (String, Vec<String>, Vec<String>, Vec<String>) {
    (
        file.revision.clone(),
        file.down_revisions.clone(),
        file.branch_labels.clone(),
        file.depends_on.clone(),
    )
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn annotated_assignments() {
    let source = "\"\"\"Doc.\"\"\"\nfrom typing import Sequence, Union\n\n\
                  revision: str = \"0002\"\n\
                  down_revision: Union[str, Sequence[str], None] = \"0001\"\n\
                  branch_labels: Union[str, Sequence[str], None] = (\"a\", \"b\")\n\
                  depends_on: Union[str, Sequence[str], None] = None\n";
    let file = read(source).expect("readable");
    assert_eq!(
        ids(&file),
        (
            "0002".into(),
            strings(&["0001"]),
            strings(&["a", "b"]),
            vec![]
        )
    );
    assert_eq!(
        (
            file.revision_line,
            file.down_revision_line,
            file.branch_labels_line,
            file.depends_on_line
        ),
        (4, 5, Some(6), Some(7))
    );
    // An annotation without a value assigns nothing.
    assert_eq!(
        read("revision: str\ndown_revision = None\n").map(|f| f.revision),
        Err(ReadError {
            line: 1,
            problem: ReadProblem::NoRevision
        })
    );
}

#[test]
fn tuple_list_and_string_forms_of_down_revision() {
    for (value, expected) in [
        ("(\"a1\", \"b2\")", vec!["a1", "b2"]),
        ("[\"a1\", \"b2\",]", vec!["a1", "b2"]),
        ("\"a1\", \"b2\"", vec!["a1", "b2"]),
        ("(\"a1\",)", vec!["a1"]),
        ("\"a1\",", vec!["a1"]),
        ("(\"a1\")", vec!["a1"]),
        ("'a' \"1\"", vec!["a1"]),
        (
            "(\n    \"a1\",  # the base's head\n    \"b2\",\n)",
            vec!["a1", "b2"],
        ),
        ("None", vec![]),
        ("()", vec![]),
        ("[]", vec![]),
        ("r'a1'", vec!["a1"]),
    ] {
        let file = read(&format!("revision = 'm'\ndown_revision = {value}\n"))
            .unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(file.down_revisions, strings(&expected), "{value}");
    }
    for value in [
        "b'a1'",
        "(\"a1\", None)",
        "\"a\" + \"b\"",
        "x",
        "",
        "(\"a\",,)",
        "((\"a\"), 1)",
    ] {
        assert_eq!(
            read(&format!("revision = 'm'\ndown_revision = {value}\n")),
            Err(ReadError {
                line: 2,
                problem: ReadProblem::NotLiteral(Variable::DownRevision)
            }),
            "{value}"
        );
    }
}

#[test]
fn down_revision_none_is_a_root() {
    let file = read(&rev("0001", "None").source()).expect("readable");
    assert_eq!(ids(&file), ("0001".into(), vec![], vec![], vec![]));
    assert_eq!(file.version_column_types, vec![]);
    let case = Case::default().pr("0001_init.py", &rev("0001", "None"));
    assert_eq!(case.run(), vec![]);
}

#[test]
fn only_module_level_assignments_count_and_the_last_wins() {
    let source = "revision = 'old'\n\
                  def f():\n    revision = 'inner'\n\
                  if True: revision = 'in_if'; down_revision = 'x'\n\
                  x = 1; revision = 'new'  # comment\n\
                  down_revision = None\n\
                  class C:\n    down_revision = 'no'\n";
    let file = read(source).expect("readable");
    assert_eq!((file.revision.as_str(), file.revision_line), ("new", 5));
    assert_eq!(file.down_revisions, Vec::<String>::new());
    // A byte order mark does not move the first statement off column 0.
    let file = read("\u{feff}revision = 'bom'\ndown_revision = None\n").expect("readable");
    assert_eq!(file.revision, "bom");
}

#[test]
fn a_legacy_file_name_gives_the_id() {
    let file = read_revision(&p("ab12cd.py"), b"down_revision = None\n").expect("readable");
    assert_eq!((file.revision.as_str(), file.revision_line), ("ab12cd", 1));
    assert!(read_revision(&p("ab12cd_x.py"), b"down_revision = None\n").is_err());
}

#[test]
fn files_alembic_does_not_load_are_ignored() {
    assert!(is_revision_file_name(b"0001_init.py"));
    assert!(!is_revision_file_name(b"__init__.py"));
    assert!(!is_revision_file_name(b".#0001_init.py"));
    assert!(!is_revision_file_name(b"README.md"));
    let case = start().pr_raw("__init__.py", "this is not ' python");
    assert_eq!(case.run(), vec![]);
}

#[test]
fn the_upgrade_statements_that_type_the_version_column() {
    let source = rev("0003", "None")
        .upgrade("op.add_column(\"t\", sa.Column(\"x\", sa.Text()))")
        .upgrade("op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(64))")
        .upgrade("op.execute(\"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE TEXT\")")
        .upgrade("op.alter_column(\"alembic_version\", \"version_num\", type_=postgresql.VARCHAR)")
        .upgrade("op.alter_column(\"alembic_version\", \"version_num\", type_=sa.CHAR(40))")
        .downgrade("op.alter_column(\"alembic_version\", \"version_num\", type_=sa.String(32))")
        .source();
    let file = read(&source).expect("readable");
    let types: Vec<(Width, u32)> = file
        .version_column_types
        .iter()
        .map(|t| (t.width, t.line))
        .collect();
    assert_eq!(
        types,
        vec![
            (Width::Limit(64), 13),
            (Width::Unlimited, 14),
            (Width::Unlimited, 15),
            (Width::Limit(40), 16),
        ]
    );
    assert_eq!(
        file.version_width("alembic_version").map(|t| t.width),
        Some(Width::Limit(40))
    );
}

#[test]
fn env_settings() {
    let settings = read_env(ENV_IGNORED.as_bytes()).expect("lexes");
    assert_eq!(settings.ignored_column_type, vec![9]);
    assert_eq!(settings.table(), "alembic_version");
    let settings = read_env(ENV_CREATES.as_bytes()).expect("lexes");
    assert_eq!(
        settings.creates,
        vec![VersionColumnType {
            table: "alembic_version".into(),
            width: Width::Limit(40),
            line: 8,
        }]
    );
    assert_eq!(
        read_env(b"x = '"),
        Err(LexError {
            line: 1,
            problem: LexProblem::UnterminatedString
        })
    );
}

#[test]
fn heads_of_a_set_of_files() {
    let files: Vec<RevisionFile> = [
        ("0003_b.py", rev("0003b", &on("0002"))),
        ("0001.py", rev("0001", "None")),
        ("0002.py", rev("0002", &on("0001"))),
        ("0003_a.py", rev("0003a", &on("0002"))),
    ]
    .iter()
    .map(|(name, r)| read_revision(&p(name), r.source().as_bytes()).expect("readable"))
    .collect();
    let found: Vec<&str> = heads(&files).iter().map(|f| f.revision.as_str()).collect();
    assert_eq!(found, vec!["0003a", "0003b"]);
}

// The table every printer reads.

#[test]
fn the_kinds_table() {
    let all = [
        FindingKind::MultipleHeads,
        FindingKind::MissingDownRevision,
        FindingKind::MissingDependsOn,
        FindingKind::Cycle,
        FindingKind::DuplicateId,
        FindingKind::DuplicateBranchLabel,
        FindingKind::IllegalIdCharacter,
        FindingKind::IdTooLong,
        FindingKind::Unparsable,
        FindingKind::IgnoredVersionTableOption,
        FindingKind::ChainUnchecked,
    ];
    let mut seen = BTreeSet::new();
    for kind in all {
        assert!(seen.insert(kind.id()), "duplicate id {}", kind.id());
        assert!(kind.id().starts_with("parity/alembic-"), "{}", kind.id());
    }
    assert_eq!(seen.len(), crate::kinds::ALEMBIC.len());
    assert_eq!(
        FindingKind::IgnoredVersionTableOption.severity(),
        Severity::Note
    );
    assert_eq!(FindingKind::ChainUnchecked.severity(), Severity::Note);
    assert_eq!(FindingKind::IdTooLong.severity(), Severity::Fail);
    let finding = IntegrityFinding::new(
        FindingKind::MultipleHeads,
        &p("a.py"),
        6,
        "two heads".into(),
    );
    assert_eq!(
        serde_json::to_value(&finding).expect("serializes"),
        serde_json::json!({
            "kind": "parity/alembic-multiple-heads",
            "severity": "fail",
            "path": format!("{DIR}a.py"),
            "line": 6,
            "message": "two heads",
            "related": [],
        })
    );
}

// Robustness.

/// Fragments of revision files, so that generated files reach the reader's
/// deeper paths (assignments, values, calls) rather than only the lexer.
fn fragment() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "revision",
        "down_revision",
        "branch_labels",
        "depends_on",
        " = ",
        ": ",
        "str",
        "=",
        "\"a\"",
        "'b'",
        "\"\"\"",
        "f\"{x}\"",
        "b'x'",
        "None",
        "(",
        ")",
        "[",
        "]",
        ",",
        ";",
        "\n",
        "    ",
        "#",
        "\\\n",
        "def upgrade():\n",
        "def ",
        "upgrade",
        "op",
        ".",
        "alter_column",
        "\"alembic_version\"",
        "\"version_num\"",
        "type_",
        "sa.String",
        "64",
        "length",
        "execute",
        "\"ALTER TABLE alembic_version ALTER COLUMN version_num TYPE VARCHAR(64)\"",
        "if x:",
        "\u{feff}",
        "\r\n",
        "'",
    ])
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = read_revision(&p("x.py"), &bytes);
        let _ = read_env(&bytes);
    }

    #[test]
    fn generated_revision_text_never_panics_the_check(
        head in prop::collection::vec(prop::collection::vec(fragment(), 0..40), 0..4),
        env in prop::collection::vec(fragment(), 0..30),
        width in prop::option::of(0usize..80),
    ) {
        let sources: Vec<String> = head.iter().map(|parts| parts.concat()).collect();
        let env = env.concat();
        let mut case = Case::default().both("0001_init.py", &rev("a", "None")).env(&env);
        for (i, source) in sources.iter().enumerate() {
            case = case.pr_raw(&format!("{i}.py"), source);
        }
        case.width = width;
        case.env_changed = true;
        let findings = case.run();
        let mut sorted = findings.clone();
        sorted.sort_by(|a, b| (&a.path, a.line, a.kind, &a.message).cmp(&(&b.path, b.line, b.kind, &b.message)));
        prop_assert_eq!(sorted, findings);
    }
}

#[test]
fn deeply_nested_brackets_are_read_quickly_and_without_recursion() {
    let depth = 100_000;
    let source = format!(
        "revision = {}'a'{}\ndown_revision = None\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    assert_eq!(
        read(&source),
        Err(ReadError {
            line: 1,
            problem: ReadProblem::NotLiteral(Variable::Revision)
        })
    );
    let file = read("revision = ((('a')))\ndown_revision = [('b'), (('c'))]\n").expect("readable");
    assert_eq!(
        ids(&file),
        ("a".into(), strings(&["b", "c"]), vec![], vec![])
    );
}
