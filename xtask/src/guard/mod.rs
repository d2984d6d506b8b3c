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
