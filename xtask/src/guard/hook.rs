//! `cargo xtask install-hook`: a git `pre-push` hook that runs the guard on
//! each branch pushed, against the branch's upstream, before it leaves the
//! machine.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::{Error, Result};
use crate::git::{validate_revision, Git};

#[derive(Args, Debug)]
#[command(
    about = "Install a git pre-push hook that runs the guard on each pushed branch",
    long_about = "Installs a pre-push hook in the repository. For each branch pushed it runs \
                  `parity BASE...<pushed commit>`, where BASE is --base if given, else the \
                  branch's upstream, else the remote's default branch; a failing check stops \
                  the push (`git push --no-verify` skips it). Only branches are checked: not \
                  deletions, tags, notes or other refs. \
                  An existing hook is never replaced without --force."
)]
pub struct InstallHookArgs {
    /// The repository to install the hook in.
    #[arg(long, value_name = "DIR", default_value = ".")]
    repo: PathBuf,
    /// Check every branch against this revision (e.g. origin/dev) instead of its upstream.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Replace an existing pre-push hook.
    #[arg(long)]
    force: bool,
}

/// A value inside single quotes for `sh`: a `'` closes, escapes and reopens.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The hook: `guard` is the binary to run, `base` the fixed base if any.
pub fn hook_script(guard: &Path, base: Option<&str>) -> String {
    let guard = shell_quote(&guard.display().to_string());
    let base = shell_quote(base.unwrap_or(""));
    format!(
        r#"#!/bin/sh
# The parity pre-push hook, installed by `cargo xtask install-hook`.
# git gives one line per ref pushed: <local ref> <local sha> <remote ref> <remote sha>.
# Each branch is checked against the fixed base if one was given, else its
# upstream, else the remote's default branch. Skip it with `git push --no-verify`.
guard={guard}
fixed_base={base}
remote="$1"

if [ ! -x "$guard" ]; then
    echo "parity: the guard $guard is missing: build it (cargo build -p xtask) and run cargo xtask install-hook --force, or push with --no-verify" >&2
    exit 1
fi

status=0
while read -r local_ref local_sha remote_ref remote_sha; do
    # A deletion pushes no commit, and only a branch is a pull request: what
    # the remote gets is what counts (a tag pushed as a branch is a branch;
    # tags, notes and other refs are not checked).
    case "$local_sha" in *[!0]*) ;; *) continue ;; esac
    case "$remote_ref" in refs/heads/*) ;; *) continue ;; esac
    base="$fixed_base"
    if [ -z "$base" ]; then
        # A branch, or HEAD: its upstream, if it has one.
        base=$(git rev-parse --verify --quiet "${{local_ref#refs/heads/}}@{{upstream}}")
    fi
    if [ -z "$base" ]; then
        base=$(git rev-parse --verify --quiet "refs/remotes/$remote/HEAD")
    fi
    if [ -z "$base" ]; then
        # The remote's default branch, asked of the remote (a repository
        # made by `git remote add` has no refs/remotes/<remote>/HEAD, and a
        # push to a URL has no remote-tracking branches): its tracking branch
        # here, else its commit if this repository has it.
        head=$(GIT_TERMINAL_PROMPT=0 git ls-remote --symref -- "$remote" HEAD </dev/null 2>/dev/null)
        branch=$(printf '%s\n' "$head" | sed -n 's|^ref: refs/heads/\(.*\)[[:space:]]HEAD$|\1|p')
        sha=$(printf '%s\n' "$head" | sed -n 's|^\([0-9a-f][0-9a-f]*\)[[:space:]]HEAD$|\1|p')
        if [ -n "$branch" ]; then
            base=$(git rev-parse --verify --quiet "refs/remotes/$remote/$branch")
        fi
        if [ -z "$base" ] && [ -n "$sha" ]; then
            base=$(git rev-parse --verify --quiet "$sha^{{commit}}")
        fi
    fi
    if [ -z "$base" ]; then
        echo "parity: $local_ref has no upstream and the default branch of $remote is not known here: not checked (git fetch $remote, git branch --set-upstream-to, or install-hook --base)" >&2
        continue
    fi
    "$guard" parity --base="$base" --head="$local_sha" || status=1
done
exit $status
"#
    )
}

pub fn run(args: InstallHookArgs) -> Result<()> {
    if let Some(base) = &args.base {
        validate_revision("--base", base)?;
    }
    let git = Git::new(&args.repo)?;
    let hooks = git.hooks_dir()?;
    let hook = hooks.join("pre-push");
    let guard = std::env::current_exe()
        .map_err(|e| Error::new(format!("cannot tell where this guard is: {e}")))?;
    std::fs::create_dir_all(&hooks)
        .map_err(|e| Error::new(format!("cannot create {}: {e}", hooks.display())))?;
    let cannot = |e: std::io::Error| Error::new(format!("cannot write {}: {e}", hook.display()));
    // A symlink is a hook too, dangling or not; `--force` replaces the link,
    // never what it points at.
    let script = hook_script(&guard, args.base.as_deref());
    crate::guard::write_new_file(&hook, script.as_bytes(), args.force).map_err(|e| {
        match e.kind() {
            std::io::ErrorKind::AlreadyExists => Error::new(format!(
                "a pre-push hook already exists at {}: it was left as it is; pass --force to replace it",
                hook.display()
            )),
            _ => cannot(e),
        }
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).map_err(cannot)?;
    }
    let against = match &args.base {
        Some(base) => format!("against {base}"),
        None => "against its upstream".to_string(),
    };
    crate::guard::output::stdout(&format!(
        "installed the parity pre-push hook at {}: each pushed branch is checked {against}\n",
        hook.display()
    ))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    #[test]
    fn quotes_survive_the_shell() {
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn the_script_names_the_guard_and_the_base() {
        let script = hook_script(Path::new("/x/y's/xtask"), Some("origin/dev"));
        assert!(script.starts_with("#!/bin/sh\n"));
        assert!(script.contains("guard='/x/y'\\''s/xtask'\n"));
        assert!(script.contains("fixed_base='origin/dev'\n"));
        assert!(script.contains("\"${local_ref#refs/heads/}@{upstream}\""));
    }
}
