//! The tests of `parity-core` over bytes: one test crate, one module per
//! part of the core.

mod check;
mod classify;
mod config;
mod diff;
mod divergences;
mod hygiene;
mod line_ends;
mod schema_props;
