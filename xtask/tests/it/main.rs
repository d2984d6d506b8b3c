//! The end-to-end tests of `xtask`: real git repositories built in temporary
//! directories, and the built binary run on them. One test crate, so that the
//! helpers in `common` are built once and shared.

mod bench;
mod common;
mod engines;
mod fixtures;
mod formats;
mod fuzz;
mod hook;
mod inputs;
mod layouts;
mod pairing;
mod parity;
mod scan;
mod tidy;
