//! The tests of `parity-core` over bytes: one test crate, one module per
//! part of the core.

mod alembic;
mod check;
mod classify;
mod config;
mod diff;
mod divergences;
mod hygiene;
mod layouts;
mod line_ends;
mod schema_props;
