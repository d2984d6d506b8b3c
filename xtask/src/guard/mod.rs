//! The guard: what a project's users and its CI run. `parity` judges one
//! range, `scan` a history, `install-hook` puts `parity` in front of a push,
//! `suggest` writes the missing revision, `init` a parity.toml for the layout it finds. The guard never names the harness.

pub mod hook;
pub mod init;
pub mod output;
pub mod parity;
pub mod scan;
pub mod suggest;
pub mod symlinks;

/// Writes a new file at `path`, never through a symlink, dangling or not: a
/// file or link already there is an `AlreadyExists` error, or, with
/// `replace`, is removed first (the link itself, never what it points at).
pub fn write_new_file(
    path: &std::path::Path,
    contents: &[u8],
    replace: bool,
) -> std::io::Result<()> {
    if replace && path.symlink_metadata().is_ok() {
        std::fs::remove_file(path)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    std::io::Write::write_all(&mut file, contents)
}
