//! The properties the fuzzer checks on every generated trial. Each one is
//! "the engine, on this rendered input, reports what the model expects", so
//! that any failure is one input and one expectation (a regression file).

use parity_core::alembic::FindingKind;
use parity_core::diff::parse_patch;
use parity_core::report::Reason;
use parity_core::{
    decide, needs, parse_name_status, Change as CoreChange, Contents, InForce, PairingMode,
    PythonFile, Report, Rules, Sources, Verdict,
};
use proptest::collection::vec;
use proptest::prelude::*;

use super::case::{Case, Change, Line, Order, Region, RevisionChange, Style};
use super::generate::{self, Insertion};
use super::model::{expected, Docstrings, Expected, ExpectedFinding, ExpectedReason};

/// The reading of the engine under test: the lexical classifier.
pub const ENGINE_DOCSTRINGS: Docstrings = Docstrings::NeverCount;

/// One generated case and the variations every property needs.
#[derive(Clone, Debug)]
pub struct Trial {
    pub case: Case,
    pub file_keys: Vec<u32>,
    pub hunk_keys: Vec<Vec<u32>>,
    pub status_keys: Vec<u32>,
    pub style: Style,
    pub insertions: Vec<Insertion>,
    pub revision: RevisionChange,
    /// Arbitrary bytes, and byte edits to the case's diff, for "never panics".
    pub noise: Vec<u8>,
    pub edits: Vec<(u16, u8)>,
}

pub fn trial() -> impl Strategy<Value = Trial> {
    (
        generate::case(),
        vec(any::<u32>(), 8),
        vec(vec(any::<u32>(), 12), 8),
        vec(any::<u32>(), 12),
        generate::other_style(),
        generate::insertions(),
        generate::net_new_revision(),
        vec(any::<u8>(), 0..64),
        vec((any::<u16>(), any::<u8>()), 0..4),
    )
        .prop_map(
            |(
                case,
                file_keys,
                hunk_keys,
                status_keys,
                style,
                insertions,
                revision,
                noise,
                edits,
            )| {
                Trial {
                    case,
                    file_keys,
                    hunk_keys,
                    status_keys,
                    style,
                    insertions,
                    revision,
                    noise,
                    edits,
                }
            },
        )
}

/// An input to the engine, rendered as git would give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub diff: Vec<u8>,
    pub name_status: Vec<u8>,
    /// The watched files and the revision files at HEAD, for a classifier
    /// and the integrity check that read them.
    pub heads: Vec<(String, Vec<u8>)>,
    /// The revision files at BASE's tip, for the graph after the merge.
    pub base_tip: Vec<(String, Vec<u8>)>,
}

/// Which revisions the engine is given as BASE's tip: the true ones, or
/// (a broken variant for the self-test) the merge-base's, as if BASE had
/// not moved on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tip {
    Base,
    MergeBase,
}

impl Input {
    pub fn empty() -> Input {
        Input {
            diff: Vec::new(),
            name_status: Vec::new(),
            heads: Vec::new(),
            base_tip: Vec::new(),
        }
    }

    pub fn of(case: &Case) -> Input {
        Input::ordered(case, &Order::natural(case))
    }

    pub fn ordered(case: &Case, order: &Order) -> Input {
        Input::given(case, order, Tip::Base)
    }

    /// The input, with BASE's tip as `tip` says.
    pub fn given(case: &Case, order: &Order, tip: Tip) -> Input {
        let revisions = case.revision_files();
        let bytes = |files: Vec<(String, String)>| {
            files
                .into_iter()
                .map(|(p, t)| (p, t.into_bytes()))
                .collect::<Vec<_>>()
        };
        let mut heads: Vec<(String, Vec<u8>)> = case
            .files
            .iter()
            .map(|f| (f.path.clone(), f.head(&case.style)))
            .collect();
        heads.extend(bytes(revisions.head));
        Input {
            diff: case.diff_ordered(order),
            name_status: case.name_status_ordered(order),
            heads,
            base_tip: bytes(match tip {
                Tip::Base => revisions.base_tip,
                Tip::MergeBase => revisions.merge_base,
            }),
        }
    }
}

/// A property that did not hold: its name, what went wrong, and the input and
/// expectation that show it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub property: &'static str,
    pub message: String,
    pub input: Box<Input>,
    pub expected: Option<Box<Expected>>,
}

/// Runs the engine on an input held in memory.
pub fn judge(input: &Input, rules: &Rules) -> Result<Report, String> {
    let files = parse_patch(&input.diff).map_err(|e| format!("the diff does not parse: {e}"))?;
    let statuses = parse_name_status(&input.name_status)
        .map_err(|e| format!("the name-status list does not parse: {e}"))?;
    let change = CoreChange { files, statuses };
    // The decision every command makes, given what it asks for, as git would.
    let mode = PairingMode::WhenDecisive;
    let needs = needs(&change, rules, mode);
    let head: Sources = input
        .heads
        .iter()
        .filter(|(path, _)| needs.head.iter().any(|p| p.as_bytes() == path.as_bytes()))
        .map(|(path, head)| (path.as_str(), head.clone()))
        .collect();
    let base_tip: Sources = match &needs.base_tip_dir {
        Some(dir) => input
            .base_tip
            .iter()
            .filter(|(path, _)| {
                path.strip_prefix(dir.as_str())
                    .is_some_and(|rest| !rest.contains('/'))
            })
            .map(|(path, text)| (path.as_str(), text.clone()))
            .collect(),
        None => Sources::new(),
    };
    let contents = Contents {
        head,
        base_tip,
        ..Contents::default()
    };
    let in_force = InForce {
        rules,
        source: None,
    };
    Ok(decide(&change, in_force, mode, &contents))
}

/// An integrity finding in the model's terms.
fn finding(kind: FindingKind) -> Result<ExpectedFinding, String> {
    Ok(match kind {
        FindingKind::MultipleHeads => ExpectedFinding::MultipleHeads,
        FindingKind::MissingDownRevision => ExpectedFinding::MissingDownRevision,
        FindingKind::DuplicateId => ExpectedFinding::DuplicateId,
        FindingKind::IdTooLong => ExpectedFinding::IdTooLong,
        FindingKind::Unparsable => ExpectedFinding::Unparsable,
        FindingKind::ChainUnchecked => ExpectedFinding::ChainUnchecked,
        other => {
            return Err(format!(
                "an integrity finding the generator never provokes: {other:?}"
            ))
        }
    })
}

/// What a report says, in the model's terms, lists sorted.
pub fn observed(report: &Report) -> Result<Expected, String> {
    let reason = match &report.reason {
        Reason::NoEntry => ExpectedReason::NoEntry,
        Reason::DataOnly => ExpectedReason::DataOnly,
        Reason::BothTracks => ExpectedReason::BothTracks,
        Reason::MissingRevision => ExpectedReason::MissingRevision,
        Reason::Skipped(why) => return Err(format!("a judged range was skipped: {why}")),
        // Only `--strict` rules pair objects into a verdict; the fuzz runs without.
        Reason::UncoveredObjects
        | Reason::SchemaChangeWithoutEntry
        | Reason::UnseenSchemaChange
        | Reason::SchemaUnchanged => {
            return Err(format!(
                "the default rules gave a --strict verdict ({:?})",
                report.reason
            ))
        }
        // The generator writes no waiver marker and the default rules match no names.
        Reason::Waived | Reason::InvalidWaiver | Reason::CounterpartsAtHead => {
            return Err(format!("the default rules gave {:?}", report.reason))
        }
    };
    let mut out = Expected {
        reason,
        entries: report
            .entries
            .iter()
            .map(|e| (e.path.display(), e.line))
            .collect(),
        evidence: report
            .evidence
            .iter()
            .map(|e| (e.path.display(), e.line))
            .collect(),
        revisions: report.revisions.iter().map(|r| r.path.display()).collect(),
        integrity: report
            .integrity
            .iter()
            .map(|f| finding(f.kind))
            .collect::<Result<_, _>>()?,
        fails: report.verdict() == Verdict::Fail,
    };
    sort(&mut out);
    Ok(out)
}

fn sort(expected: &mut Expected) {
    expected.entries.sort();
    expected.evidence.sort();
    expected.revisions.sort();
    expected.integrity.sort();
    expected.integrity.dedup();
}

fn sorted_expected(case: &Case, docstrings: Docstrings) -> Expected {
    let mut e = expected(case, docstrings);
    sort(&mut e);
    e
}

/// The engine on `input` must report `want`.
pub fn agrees(
    property: &'static str,
    input: Input,
    want: Expected,
    rules: &Rules,
) -> Result<(), Failure> {
    let got = judge(&input, rules).and_then(|r| observed(&r));
    match got {
        Ok(got) if got == want => Ok(()),
        Ok(got) => Err(Failure {
            property,
            message: format!("the model expects {want:?}\nthe engine reported {got:?}"),
            input: Box::new(input),
            expected: Some(Box::new(want)),
        }),
        Err(e) => Err(Failure {
            property,
            message: e,
            input: Box::new(input),
            expected: Some(Box::new(want)),
        }),
    }
}

/// Every property on one trial, cheapest first.
pub fn check_trial(trial: &Trial, rules: &Rules, docstrings: Docstrings) -> Result<(), Failure> {
    check_trial_given(trial, rules, docstrings, Tip::Base)
}

/// `check_trial`, with the engine given BASE's tip as `tip` says.
pub fn check_trial_given(
    trial: &Trial,
    rules: &Rules,
    docstrings: Docstrings,
    tip: Tip,
) -> Result<(), Failure> {
    let case = &trial.case;
    let natural = |case: &Case| Input::given(case, &Order::natural(case), tip);
    round_trip(case)?;
    never_panics(trial, rules);

    // The verdict, entries, evidence and revisions equal the model's.
    let want = sorted_expected(case, docstrings);
    agrees("model", natural(case), want.clone(), rules)?;

    // Files, hunks and name-status records in another order.
    let order = order(trial);
    agrees(
        "reorder",
        Input::given(case, &order, tip),
        want.clone(),
        rules,
    )?;

    // CRLF, another indentation, keywords in another case.
    let mut styled = case.clone();
    styled.style = trial.style;
    agrees("style", natural(&styled), want.clone(), rules)?;

    // Comment and docstring lines never count.
    let quiet = with_insertions(case, &trial.insertions, docstrings);
    let quiet_want = sorted_expected(&quiet, docstrings);
    debug_assert_eq!(
        quiet_want.reason, want.reason,
        "the model: silent lines are silent"
    );
    agrees("silent-lines", natural(&quiet), quiet_want, rules)?;

    // A net-new revision turns every missing revision into a pass (unless
    // the track it joins is broken).
    let mut revised = case.clone();
    revised.revisions.push(trial.revision.clone());
    let revised_want = sorted_expected(&revised, docstrings);
    debug_assert!(
        revised_want.reason != ExpectedReason::MissingRevision,
        "the model: a revision always answers an entry"
    );
    agrees("net-new-revision", natural(&revised), revised_want, rules)?;
    Ok(())
}

fn permutation(count: usize, keys: &[u32]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&i| (keys.get(i).copied().unwrap_or(u32::MAX), i));
    order
}

fn order(trial: &Trial) -> Order {
    let case = &trial.case;
    let statuses = case.files.len() + case.revisions.len();
    Order {
        files: permutation(case.files.len(), &trial.file_keys),
        hunk_keys: trial.hunk_keys.clone(),
        statuses: permutation(statuses, &trial.status_keys),
    }
}

/// Per file: its path at HEAD, whether it is new, its added lines.
type PatchSummary = Vec<(String, bool, Vec<(u32, Vec<u8>)>)>;

/// The diff parser gives back exactly the paths, kinds, added lines and line
/// numbers the generator wrote; the name-status parser, its records.
pub fn round_trip(case: &Case) -> Result<(), Failure> {
    let input = Input::of(case);
    let fail = |message: String| Failure {
        property: "round-trip",
        message,
        input: Box::new(input.clone()),
        expected: None,
    };
    let parsed = parse_patch(&input.diff).map_err(|e| fail(format!("diff: {e}")))?;
    let got: PatchSummary = parsed
        .iter()
        .map(|f| {
            (
                f.header
                    .new_path
                    .as_ref()
                    .map(|p| p.display())
                    .unwrap_or_default(),
                f.header.kind == parity_core::FileKind::Added,
                f.added
                    .iter()
                    .map(|l| (l.number, l.text.to_vec()))
                    .collect(),
            )
        })
        .collect();
    let want: PatchSummary = case
        .files
        .iter()
        .filter(|f| f.added || f.lines.iter().any(|l| l.change != Change::Context))
        .map(|f| {
            (
                f.path.clone(),
                f.added,
                f.added_lines(&case.style)
                    .into_iter()
                    .map(|(n, t)| (n, t.into_bytes()))
                    .collect(),
            )
        })
        .collect();
    if got != want {
        return Err(fail(format!(
            "the diff parser read {got:?}\nthe generator wrote {want:?}"
        )));
    }
    let records =
        parse_name_status(&input.name_status).map_err(|e| fail(format!("name-status: {e}")))?;
    let got: Vec<(char, String, Option<String>)> = records
        .iter()
        .map(|r| {
            (
                r.status.letter(),
                r.path.display(),
                r.from.as_ref().map(|p| p.display()),
            )
        })
        .collect();
    let mut want: Vec<(char, String, Option<String>)> = case
        .files
        .iter()
        .filter(|f| f.added || f.lines.iter().any(|l| l.change != Change::Context))
        .map(|f| (if f.added { 'A' } else { 'M' }, f.path.clone(), None))
        .collect();
    want.extend(case.revisions.iter().map(|r| {
        let letter = r.status().chars().next().expect("a status letter");
        (letter, r.path.clone(), r.from.clone())
    }));
    if got != want {
        return Err(fail(format!(
            "the name-status parser read {got:?}\nthe generator wrote {want:?}"
        )));
    }
    Ok(())
}

/// Parsing and judging arbitrary bytes, and a generated diff with bytes
/// changed, must not panic (the runner reports a panic as a failure).
pub fn never_panics(trial: &Trial, rules: &Rules) {
    let mut diff = trial.case.diff();
    for &(at, byte) in &trial.edits {
        if !diff.is_empty() {
            let at = usize::from(at) % diff.len();
            diff[at] = byte;
        }
    }
    let head = trial
        .case
        .files
        .first()
        .map(|f| f.head(&trial.case.style))
        .unwrap_or_default();
    let mut edited_head = head.clone();
    for &(at, byte) in &trial.edits {
        if !edited_head.is_empty() {
            let at = usize::from(at) % edited_head.len();
            edited_head[at] = byte;
        }
    }
    for bytes in [&trial.noise[..], &diff[..], &head[..], &edited_head[..]] {
        classify_all(bytes);
    }
    for bytes in [&trial.noise[..], &diff[..]] {
        let _ = parse_patch(bytes);
        let _ = parse_name_status(bytes);
        let noisy = Input {
            diff: bytes.to_vec(),
            name_status: trial.case.name_status(),
            heads: trial
                .case
                .files
                .iter()
                .map(|f| (f.path.clone(), edited_head.clone()))
                .collect(),
            base_tip: Vec::new(),
        };
        let _ = judge(&noisy, rules);
    }
}

/// Lexes bytes as Python and asks for every line's class and masked text.
fn classify_all(bytes: &[u8]) {
    if let Ok(file) = PythonFile::lex(bytes) {
        for line in 0..=file.line_count() + 1 {
            let _ = file.line_class(line);
            let _ = file.masked_line(line);
        }
        let _ = file.string_groups();
    }
}

/// The case with comment lines inserted where Python allows them, and, when
/// docstrings never count, docstring lines inside existing docstrings.
pub fn with_insertions(case: &Case, insertions: &[Insertion], docstrings: Docstrings) -> Case {
    let mut case = case.clone();
    if case.files.is_empty() {
        return case;
    }
    for insertion in insertions {
        let count = case.files.len();
        let file = &mut case.files[usize::from(insertion.file_key) % count];
        let is_docstring = insertion.line.region == Region::Docstring;
        if is_docstring && (docstrings == Docstrings::Plain || file.unlexable) {
            continue;
        }
        let places = places(&file.lines, is_docstring);
        if places.is_empty() {
            continue;
        }
        let at = places[usize::from(insertion.place_key) % places.len()];
        file.lines.insert(at, insertion.line.clone());
    }
    case.make_additions_distinct();
    case
}

/// Indices before which a comment (or, inside a docstring, a docstring line)
/// may be inserted and leave valid Python.
fn places(lines: &[Line], docstring: bool) -> Vec<usize> {
    let mut out = Vec::new();
    let mut previous: Option<Region> = None;
    for (i, line) in lines.iter().enumerate() {
        if line.change == Change::Removed {
            continue;
        }
        let inside_docstring =
            line.region == Region::Docstring && previous == Some(Region::Docstring);
        let fits = if docstring {
            inside_docstring
        } else {
            matches!(line.region, Region::Code | Region::Comment | Region::Blank)
                || (line.region == Region::Docstring && !inside_docstring)
        };
        if fits {
            out.push(i);
        }
        previous = Some(line.region);
    }
    out
}
