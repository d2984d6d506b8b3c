//! `cargo xtask fuzz --self-test`: the fuzzer must catch deliberately broken
//! variants of the rules, or it has no teeth. Each variant is another `Rules`
//! value (built as data, never a switch in the engine), except the two-dot
//! range, which is another way of asking git (`parity::check_between`).
//!
//! The correct rules must first pass the same search, so that a broken model
//! cannot "catch" every variant by failing on everything.

use parity_core::name_status::Status;
use parity_core::rules::{Classifier, CommentSyntax, Pattern, PatternSet};
use parity_core::Rules;

use super::git_case::{check_git_trial, git_trial, Range};
use super::property::{check_trial, trial, ENGINE_DOCSTRINGS};
use super::{search, SHRINK_GIT, SHRINK_IN_MEMORY};
use crate::error::{Error, Result};

/// In-memory cases each variant may take before it counts as missed.
const BUDGET: u32 = 20_000;
/// Repositories the two-dot variant may take.
const GIT_BUDGET: u32 = 40;

/// A broken variant of the rules, and what is broken.
pub struct Variant {
    pub name: &'static str,
    pub rules: Rules,
}

/// Comments count like code where the plain line rule reads a file (the
/// lexer finds comments by itself, so this shows only in unlexable files).
pub fn comment_rule_off() -> Rules {
    let mut rules = Rules::default();
    for file in &mut rules.watched {
        file.comments = CommentSyntax::None;
    }
    rules
}

/// Docstrings (and trailing comments) read like code: the plain line rule
/// instead of the lexical classifier.
pub fn docstring_rule_off() -> Rules {
    let mut rules = Rules::default();
    for file in &mut rules.watched {
        file.classifier = Classifier::Plain;
    }
    rules
}

/// Any text with `_migrate` registers an entry.
pub fn entry_rule_off() -> Rules {
    let mut rules = Rules::default();
    rules.entry.pattern =
        Pattern::new("any _migrate", "_migrate").expect("a literal pattern compiles");
    rules
}

/// The DDL patterns, rebuilt without their word boundaries.
pub fn ddl_without_word_boundaries() -> Rules {
    let mut rules = Rules::default();
    for file in &mut rules.watched {
        let patterns = file
            .patterns
            .patterns
            .iter()
            .map(|p| {
                Pattern::new(p.name.clone(), &p.regex.as_str().replace(r"\b", ""))
                    .expect("a pattern without \\b compiles")
            })
            .collect();
        file.patterns = PatternSet::new(file.patterns.name.clone(), patterns)
            .expect("a set without \\b compiles");
    }
    rules
}

/// A modified revision counts as net-new.
pub fn revisions_counted_on_modified() -> Rules {
    let mut rules = Rules::default();
    rules.revisions.statuses.push(Status::Modified);
    rules
}

pub fn variants() -> Vec<Variant> {
    vec![
        Variant {
            name: "comment rule off",
            rules: comment_rule_off(),
        },
        Variant {
            name: "docstring rule off (the plain line rule)",
            rules: docstring_rule_off(),
        },
        Variant {
            name: "entry rule off (any `_migrate` text)",
            rules: entry_rule_off(),
        },
        Variant {
            name: "DDL matched without word boundaries",
            rules: ddl_without_word_boundaries(),
        },
        Variant {
            name: "revisions counted on M",
            rules: revisions_counted_on_modified(),
        },
    ]
}

/// Whether the search catches a variant: `Some(property and first line)` if so.
pub fn catches(rules: &Rules, seed: u64) -> Option<String> {
    search(&trial(), BUDGET, seed, SHRINK_IN_MEMORY, |t| check_trial(&t, rules, ENGINE_DOCSTRINGS))
        .err()
        .map(|f| format!("{}: {}", f.property, f.message.replace('\n', "; ")))
}

pub fn two_dot_caught(seed: u64) -> Option<String> {
    let rules = Rules::default();
    search(&git_trial(), GIT_BUDGET, seed, SHRINK_GIT, |t| {
        check_git_trial(&t, &rules, ENGINE_DOCSTRINGS, Range::TwoDot)
    })
    .err()
    .map(|f| format!("{}: {}", f.property, f.message.replace('\n', "; ")))
}

pub fn run(seed: u64) -> Result<()> {
    println!("self-test: seed {seed}");
    if let Some(why) = catches(&Rules::default(), seed) {
        return Err(Error::new(format!(
            "the correct rules fail the fuzz, so no variant can be judged: {why}"
        )));
    }
    let rules = Rules::default();
    if let Err(f) = search(&git_trial(), GIT_BUDGET, seed, SHRINK_GIT, |t| {
        check_git_trial(&t, &rules, ENGINE_DOCSTRINGS, Range::ThreeDot)
    }) {
        return Err(Error::new(format!(
            "the correct three-dot range fails the git fuzz: {}",
            f.message.lines().next().unwrap_or("")
        )));
    }
    let mut missed = Vec::new();
    let mut results: Vec<(&str, Option<String>)> = variants()
        .iter()
        .map(|v| (v.name, catches(&v.rules, seed)))
        .collect();
    results.push(("two-dot range instead of three-dot", two_dot_caught(seed)));
    for (name, caught) in results {
        match caught {
            Some(how) => println!("self-test: caught {name}\n    by {how}"),
            None => {
                println!("self-test: MISSED {name}");
                missed.push(name);
            }
        }
    }
    if missed.is_empty() {
        println!("self-test: every broken variant was caught");
        Ok(())
    } else {
        Err(Error::new(format!(
            "the fuzzer missed {} broken variant(s): {}",
            missed.len(),
            missed.join(", ")
        )))
    }
}
