//! parity-formats: the guard's text formats, over the core's values.
//!
//! Like `parity-core`, everything here takes text or values and returns
//! values: no process, no file, no environment, no printing.
//!
//! ```text
//! config   parity.toml text -> Config -> Rules, and back to TOML
//! init     a tree's paths -> the layout they show, as a commented parity.toml
//! report   Report -> text | json | github | sarif
//! revision the coverage's fixes -> the fix-it, an Alembic revision
//! ```
//!
//! It is a crate of its own for the build: none of it runs per line of a
//! diff, and most of its code is what serde derives, so it is built without
//! optimisation (the workspace's release profile) while the core beside it
//! is built for speed.

// Printing is the binary's job; clippy.toml (the core's, found from here)
// disallows files, the environment and processes.
#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::dbg_macro,
    clippy::disallowed_methods,
    clippy::disallowed_types
)]

pub mod config;
pub mod init;
pub mod report;
pub mod revision;
