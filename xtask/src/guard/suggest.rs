//! `cargo xtask parity --suggest` and `--write-revision`: the revision that
//! would cover what the first track changed and no added revision does.

use std::path::Path;

use parity_core::report::Report;
use parity_core::Rules;
use parity_formats::revision::{ops_for, read_revision, suggest, KnownRevision};

use crate::error::{Error, Result};
use crate::git::Git;
use crate::guard::output;

/// Prints the suggested revision on stdout (warnings on stderr), or writes it
/// under the revision directory and says where.
pub fn run(repo: &Path, report: &Report, rules: &Rules, write: bool) -> Result<()> {
    if !rules.alembic_advice() {
        return Err(Error::new(format!(
            "--suggest writes Alembic revisions, and the {} track of these rules is not one \
             ({}); write the counterpart by hand{}",
            rules.tracks.second,
            rules.revisions.shape(),
            match &rules.hint {
                Some(hint) => format!(" or with `{hint}`"),
                None => String::new(),
            }
        )));
    }
    let ops = ops_for(&report.coverage);
    if ops.is_empty() {
        output::stderr(
            "parity: nothing to suggest: no schema object of the first track is uncovered\n",
        );
        return Ok(());
    }
    let Some(range) = &report.range else {
        return Err(Error::new("there is no range to suggest a revision for"));
    };
    let git = Git::new(repo)?;
    let dir = &rules.revisions.dir;
    let files: Vec<_> = git
        .files_under(&range.head, dir)?
        .into_iter()
        .filter(|p| p.as_bytes().ends_with(rules.revisions.suffix.as_bytes()))
        .collect();
    let sources = git.contents_at(&range.head, &files)?;
    let known: Vec<KnownRevision> = files
        .iter()
        .filter_map(|path| {
            let source = String::from_utf8_lossy(sources.get(path.as_bytes())?);
            read_revision(&String::from_utf8_lossy(path.file_name()), &source)
        })
        .collect();
    let suggestion = suggest(&ops, &known);
    for warning in &suggestion.warnings {
        output::stderr(&format!("parity: warning: {warning}\n"));
    }
    if !write {
        output::stdout(&suggestion.source)?;
        return Ok(());
    }
    // Written where git sees the revision directory: under the top level of
    // the work tree, wherever in it the guard was pointed.
    let Some(top) = git.work_tree() else {
        return Err(Error::new(format!(
            "{} has no work tree to write the revision in",
            git.given().display()
        )));
    };
    let dir = top.join(dir);
    let target = dir.join(&suggestion.file_name);
    // Never outside the tree: a revision directory that is a symlink, or
    // under one, would take the file where git does not see it.
    let top_real = std::fs::canonicalize(top)?;
    let existing = dir.ancestors().find(|path| path.exists()).unwrap_or(top);
    if !std::fs::canonicalize(existing).is_ok_and(|real| real.starts_with(&top_real)) {
        return Err(Error::new(format!(
            "{} leads out of the work tree (a symlink): the suggested revision was not written",
            dir.display()
        )));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", dir.display())))?;
    // Never through a symlink, dangling or not, and never over a file.
    crate::guard::write_new_file(&target, suggestion.source.as_bytes(), false).map_err(
        |e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::new(format!(
                "{} already exists: the suggested revision was not written",
                target.display()
            )),
            _ => Error::new(format!("cannot write {}: {e}", target.display())),
        },
    )?;
    output::stdout(&format!("wrote {}\n", target.display()))?;
    Ok(())
}
