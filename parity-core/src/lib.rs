//! parity-core: the decision of the parity guard, over bytes.
//!
//! Everything here takes bytes or values and returns values: no process, no
//! file, no environment, no printing. The `xtask` binary does the I/O.
//!
//! ```text
//! diff / name_status   bytes -> FilePatch / NameStatus
//! rules                Rules (the spec's defaults, or another layout)
//! classify             bytes of a Python file -> tokens, class of each line
//! alembic              revision files at HEAD and BASE -> the Alembic track's integrity findings
//! check                the line rules: (Change, &Rules, &Sources) -> Report
//! schema               object-level pairing of the two tracks
//! decide               the one decision every command makes: needs, then decide
//! report               the Report: reason, findings, evidence, coverage
//! ```
//!
//! `parity.toml`, `parity init`'s layouts and the report's printers are the
//! `parity-formats` crate, built over this one.

// Printing is the binary's job; clippy.toml disallows files, the
// environment and processes.
#![deny(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::dbg_macro,
    clippy::disallowed_methods,
    clippy::disallowed_types
)]

pub mod alembic;
pub mod check;
pub mod classify;
pub mod comments;
pub mod counterpart;
pub mod decide;
pub mod diff;
pub mod groundwork;
pub mod kinds;
pub mod log;
pub mod name_status;
mod needle;
pub mod pairings;
pub mod path;
pub mod path_pattern;
pub mod report;
pub mod rules;
pub mod schema;
pub mod sources;
pub mod waiver;

pub use check::{check, check_with_sources, Change, Checker};
pub use classify::{LexError, LineClass, PythonFile, Token, TokenKind};
pub use decide::{
    decide, decide_grounded, decide_with, needs, Contents, InForce, Memo, Needs, PairingMode,
};
pub use diff::{parse_patch, FileHeader, FileKind, FilePatch, PatchParser, PatchVisitor};
pub use groundwork::Groundwork;
pub use name_status::{parse_name_status, NameStatus, Status};
pub use path::PathBytes;
pub use path_pattern::PathPattern;
pub use report::{Reason, Report, Verdict};
pub use rules::Rules;
pub use sources::{LexedFiles, Sources};
