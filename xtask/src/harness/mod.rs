//! The harness: what the project's developers run to prove the guard. It
//! builds repositories and histories, runs the scenarios, the fuzzer, the
//! benchmarks and CI, and calls the guard and the core; never the other way.

pub mod bench;

pub mod ci;
pub mod demo;
pub mod engines;
pub mod fixtures;
pub mod fuzz;
pub mod history;
pub mod repo;
