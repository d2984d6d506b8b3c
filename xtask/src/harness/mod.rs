//! Harnesses that check the guard against something independent of it.

pub mod engines;
