//! `cargo xtask demo`: the guard on the bundled scenarios, then one failing
//! pull request's report in full, as a person sees it in CI.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::Result;
use crate::guard::parity::{colour, render, ColourChoice, Format};
use crate::harness::fixtures::{render_table, suite_for, FixturesArgs, Outcome, ScenarioResult};

/// The failing scenario shown in full: the most common mistake, a new table.
pub const SHOWCASE: &str = "add-table-without-revision";

#[derive(Args, Debug)]
#[command(about = "Build the bundled scenarios, show the verdict on each and one failing report")]
pub struct DemoArgs {
    /// Where the repositories are built (default: target/fixtures).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// When to colour the report (`auto` honours NO_COLOR and a terminal).
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto)]
    pub color: ColourChoice,
}

/// Runs the demo: 0 if every scenario came out as expected, 1 otherwise.
pub fn run(args: DemoArgs) -> Result<i32> {
    let results = suite_for(&FixturesArgs {
        out: args.out,
        ..FixturesArgs::default()
    })?;
    let out_dir = results
        .first()
        .and_then(|r| r.repo.parent())
        .map(shown_path)
        .unwrap_or_default();
    println!(
        "parity on {} bundled scenarios (testdata/scenarios), each built as a git repository under {out_dir}:\n",
        results.len()
    );
    print!("{}", render_table(&results));
    if let Some(showcase) = showcase(&results) {
        print_showcase(showcase, args.color);
    }
    Ok(if results.iter().all(ScenarioResult::matches) {
        0
    } else {
        1
    })
}

/// The scenario to show in full: `SHOWCASE`, else the first that failed.
fn showcase(results: &[ScenarioResult]) -> Option<&ScenarioResult> {
    let failed = |r: &&ScenarioResult| r.got.outcome == Outcome::Fail && r.got.report.is_some();
    results
        .iter()
        .filter(failed)
        .find(|r| r.name == SHOWCASE)
        .or_else(|| results.iter().find(failed))
}

fn print_showcase(result: &ScenarioResult, choice: ColourChoice) {
    let Some(report) = &result.got.report else {
        return;
    };
    let repo = shown_path(&result.repo);
    println!(
        "\nOne failing pull request as CI shows it (scenario {}):\n",
        result.name
    );
    if let Some(range) = &report.range {
        println!(
            "$ PR_BASE_SHA={} PR_HEAD_SHA={} cargo xtask parity --repo {repo}",
            range.base, range.head
        );
    }
    print!("{}", render(report, Format::Text, colour(choice)));
    println!("(exit code {})", result.got.exit);
    println!("\nTry it yourself: cargo xtask parity --repo {repo} main pr");
}

/// A path relative to the current directory when it is below it.
fn shown_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    relative
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}
