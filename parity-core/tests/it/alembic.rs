//! The confirmation corpus of the Alembic integrity check: every scenario
//! under `testdata/alembic-integrity/` (the merged revision tree a real
//! Alembic is run on, see its README) gets from `check_integrity` exactly the
//! finding kinds its `scenario.toml` lists.

// The corpus is a directory of files: this test reads them, as the binary
// would, and hands the core only bytes.
#![allow(clippy::disallowed_methods)]
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use parity_core::alembic::{check_integrity, EnvPy, IntegrityInput};
use parity_core::PathBytes;
use pretty_assertions::assert_eq;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    touched: Vec<String>,
    parity: Vec<String>,
    command: String,
    outcome: String,
    because: String,
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/alembic-integrity")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The file names in `dir`, sorted.
fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry"))
        .filter(|entry| entry.path().is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_scenario_of_the_confirmation_corpus() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus())
        .expect("the corpus exists")
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 19, "{dirs:?}");
    for dir in dirs {
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let toml_text = String::from_utf8(read(&dir.join("scenario.toml"))).expect("UTF-8");
        let scenario: Scenario =
            toml::from_str(&toml_text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            ["succeeds", "fails"].contains(&scenario.outcome.as_str()),
            "{name}"
        );
        assert!(
            !scenario.command.is_empty() && !scenario.because.is_empty(),
            "{name}"
        );
        // Nothing but the scenario, env.py and versions/.
        let top: Vec<String> = file_names(&dir)
            .into_iter()
            .filter(|f| f != "scenario.toml" && f != "env.py")
            .collect();
        assert_eq!(top, Vec::<String>::new(), "{name}");

        let versions = file_names(&dir.join("versions"));
        let sources: Vec<(PathBytes, Vec<u8>)> = versions
            .iter()
            .map(|f| {
                (
                    PathBytes::from(format!("migrations/versions/{f}").as_str()),
                    read(&dir.join("versions").join(f)),
                )
            })
            .collect();
        for touched in &scenario.touched {
            assert!(versions.contains(touched), "{name}: {touched}");
        }
        let changed: BTreeSet<PathBytes> = scenario
            .touched
            .iter()
            .map(|f| PathBytes::from(format!("migrations/versions/{f}").as_str()))
            .collect();
        let env = dir
            .join("env.py")
            .is_file()
            .then(|| read(&dir.join("env.py")));
        let input = IntegrityInput {
            head: sources
                .iter()
                .map(|(p, s)| (p.clone(), s.as_slice()))
                .collect::<BTreeMap<_, _>>(),
            base: sources
                .iter()
                .filter(|(p, _)| !changed.contains(p))
                .map(|(p, s)| (p.clone(), s.as_slice()))
                .collect(),
            changed,
            env_py: env.as_ref().map(|source| EnvPy {
                path: PathBytes::from("migrations/env.py"),
                source,
            }),
            configured_width: None,
        };
        let kinds: Vec<&str> = check_integrity(&input)
            .iter()
            .map(|f| f.kind.id())
            .collect();
        assert_eq!(kinds, scenario.parity, "{name}");
    }
}

/// The scenario template's own revisions: read cleanly, one head; a new
/// revision on the head keeps one, a new revision on an older one makes two.
#[test]
fn the_template_projects_revisions() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testdata/scenarios/project/src/backend/migrations/versions");
    let files: Vec<(PathBytes, Vec<u8>)> = file_names(&dir)
        .into_iter()
        .map(|f| {
            (
                PathBytes::from(format!("src/backend/migrations/versions/{f}").as_str()),
                read(&dir.join(&f)),
            )
        })
        .collect();
    let tree: BTreeMap<PathBytes, &[u8]> = files
        .iter()
        .map(|(p, s)| (p.clone(), s.as_slice()))
        .collect();
    assert!(tree.len() >= 4, "{:?}", tree.keys());
    let revisions: Vec<parity_core::alembic::RevisionFile> = files
        .iter()
        .filter(|(p, _)| parity_core::alembic::is_revision_file_name(p.file_name()))
        .map(|(p, s)| parity_core::alembic::read_revision(p, s).expect("readable"))
        .collect();
    let heads: Vec<&str> = parity_core::alembic::heads(&revisions)
        .iter()
        .map(|r| r.revision.as_str())
        .collect();
    assert_eq!(heads, vec!["0003"]);

    let judge = |down: &str| {
        let added = format!("revision = \"0004\"\ndown_revision = \"{down}\"\n");
        let path = PathBytes::from("src/backend/migrations/versions/0004_new.py");
        let mut head = tree.clone();
        head.insert(path.clone(), added.as_bytes());
        let input = IntegrityInput {
            head,
            base: tree.clone(),
            changed: BTreeSet::from([path]),
            env_py: None,
            configured_width: None,
        };
        check_integrity(&input)
            .iter()
            .map(|f| (f.kind.id(), f.line))
            .collect::<Vec<_>>()
    };
    assert_eq!(judge("0003"), vec![]);
    assert_eq!(judge("0002"), vec![("parity/alembic-multiple-heads", 2)]);
}
