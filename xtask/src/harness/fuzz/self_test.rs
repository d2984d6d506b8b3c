//! `cargo xtask fuzz --self-test`: the fuzzer must catch deliberately broken
//! variants of the rules, or it has no teeth. Each variant is another `Rules`
//! value (built as data, never a switch in the engine), except the two-dot
//! range, which is another way of asking git (`parity::check_between`).
//!
//! The correct rules must first pass the same search, so that a broken model
//! cannot "catch" every variant by failing on everything.

use parity_core::name_status::Status;
use parity_core::rules::{Classifier, CommentSyntax, EntryRule, Pattern, PatternSet};
use parity_core::Rules;

use super::git_case::{check_git_trial, git_trial, Range};
use super::property::{check_trial_given, trial, Tip, ENGINE_DOCSTRINGS};
use super::{search, SHRINK_GIT};
use crate::error::{Error, Result};

/// How long the self-test may search.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// In-memory cases: what the correct rules must pass, and what each
    /// variant may take before it counts as missed.
    pub cases: u32,
    /// Repositories, likewise, for the range variant.
    pub repositories: u32,
    /// Shrink steps once a variant is caught.
    pub shrink: u32,
}

/// `cargo xtask fuzz --self-test`.
pub const FULL: Budget = Budget {
    cases: 20_000,
    repositories: 40,
    shrink: super::SHRINK_IN_MEMORY,
};

/// What `cargo xtask ci` affords in a debug build.
pub const BOUNDED: Budget = Budget {
    cases: 1_000,
    repositories: 20,
    shrink: 200,
};

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
    if let EntryRule::Line(line) = &mut rules.entry {
        line.pattern =
            Pattern::new("any _migrate", "_migrate").expect("a literal pattern compiles");
    }
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
                Pattern::new(p.name.clone(), &p.as_str().replace(r"\b", ""))
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

/// The name of the variant that ignores BASE's tip in the integrity check.
pub const TIP_IGNORED: &str = "BASE's tip ignored (the merge-base's revision graph)";

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

/// Whether the search catches a variant: `Some(property and message)` if so.
pub fn catches(rules: &Rules, seed: u64, budget: Budget) -> Option<String> {
    catches_given(rules, Tip::Base, seed, budget)
}

/// `catches`, with the engine given BASE's tip as `tip` says.
pub fn catches_given(rules: &Rules, tip: Tip, seed: u64, budget: Budget) -> Option<String> {
    search(&trial(), budget.cases, seed, budget.shrink, |t| {
        check_trial_given(&t, rules, ENGINE_DOCSTRINGS, tip)
    })
    .err()
    .map(|f| format!("{}: {}", f.property, f.message.replace('\n', "; ")))
}

/// Whether judging repositories by `range` disagrees with the model.
pub fn range_caught(range: Range, seed: u64, budget: Budget) -> Option<String> {
    let rules = Rules::default();
    search(&git_trial(), budget.repositories, seed, SHRINK_GIT, |t| {
        check_git_trial(&t, &rules, ENGINE_DOCSTRINGS, range)
    })
    .err()
    .map(|f| format!("{}: {}", f.property, f.message.replace('\n', "; ")))
}

pub fn run(seed: u64, budget: Budget) -> Result<()> {
    println!("self-test: seed {seed}");
    if let Some(why) = catches(&Rules::default(), seed, budget) {
        return Err(Error::new(format!(
            "the correct rules fail the fuzz, so no variant can be judged: {why}"
        )));
    }
    if let Some(why) = range_caught(Range::ThreeDot, seed, budget) {
        return Err(Error::new(format!(
            "the correct three-dot range fails the git fuzz: {why}"
        )));
    }
    let mut results: Vec<(&str, Option<String>)> = variants()
        .iter()
        .map(|v| (v.name, catches(&v.rules, seed, budget)))
        .collect();
    results.push((
        "two-dot range instead of three-dot",
        range_caught(Range::TwoDot, seed, budget),
    ));
    results.push((
        TIP_IGNORED,
        catches_given(&Rules::default(), Tip::MergeBase, seed, budget),
    ));
    let mut missed = Vec::new();
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
