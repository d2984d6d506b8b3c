//! The tests of `parity-core` over bytes: one test crate, one module per
//! part of the core.

mod alembic;
mod check;
mod classify;
mod diff;
mod divergences;
mod line_ends;
mod schema_props;
