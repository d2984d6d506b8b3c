//! The tests of `parity-formats` over text and values: one test crate, one
//! module per format.

mod config;
mod hygiene;
mod layouts;
