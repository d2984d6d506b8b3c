//! No byte of a pull request reaches any output raw if it can act on the
//! reader: every renderer, on added lines, paths, names and notes made of
//! arbitrary control characters.

use parity_core::report::{is_hostile, Entry, EvidenceList, Reason, Report, Revision};
use parity_core::rules::Tracks;
use parity_core::PathBytes;
use parity_formats::report::{github, render_json, render_text, sarif, Colour};
use pretty_assertions::assert_eq;
use proptest::prelude::*;

/// Text of printable characters and the characters a reader could act on.
fn hostile_text() -> impl Strategy<Value = String> {
    let hostile = prop_oneof![
        (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap()),
        (0x7fu32..0xa0).prop_map(|c| char::from_u32(c).unwrap()),
        Just('\u{2028}'),
        Just('\u{202e}'),
        Just('\u{2067}'),
        Just(':'),
        Just('%'),
        Just('`'),
        Just('|'),
        proptest::char::range('a', 'z'),
    ];
    proptest::collection::vec(hostile, 0..24).prop_map(|cs| cs.into_iter().collect())
}

fn report(texts: &[String], reason: Reason) -> Report {
    let path = |t: &String| PathBytes::from(format!("src/{t}.py").as_str());
    let entries = texts
        .iter()
        .map(|t| Entry {
            path: path(t),
            line: 3,
            name: t.clone(),
            text: format!("(\"{t}\", _migrate_x),"),
        })
        .collect();
    let mut evidence = EvidenceList::default();
    let (pattern, set) = ("ALTER TABLE".into(), "sql".into());
    for t in texts {
        let text = format!("ALTER TABLE {t}");
        evidence.push(&path(t), 4, &pattern, &set, text.as_bytes());
    }
    let revisions = texts.iter().map(|t| Revision { path: path(t) }).collect();
    let mut report = Report::new(
        reason,
        entries,
        evidence,
        revisions,
        "versions/".into(),
        &Tracks::spec(),
    );
    report.notes = texts.iter().map(|t| format!("a note about {t}")).collect();
    report
}

fn assert_clean(format: &str, out: &str) {
    // Line feeds are the renderers' own layout; nothing else may be raw.
    let raw: Vec<char> = out
        .chars()
        .filter(|&c| c != '\n' && is_hostile(c))
        .collect();
    assert_eq!(raw, Vec::<char>::new(), "{format}: {out:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn control_characters_never_reach_any_output_raw(
        texts in proptest::collection::vec(hostile_text(), 1..4),
        fail in any::<bool>(),
    ) {
        let reason = if fail { Reason::MissingRevision } else { Reason::BothTracks };
        let report = report(&texts, reason);
        let text = render_text(&report, Colour::Never);
        assert_clean("text", &text);
        for line in text.lines() {
            prop_assert!(!line.starts_with("::"), "a text line that looks like a command: {line:?}");
        }
        // With colour, the only escapes are the guard's own SGR sequences.
        let coloured = render_text(&report, Colour::Always);
        let stripped = coloured.replace("\x1b[0m", "").replace("\x1b[1;31m", "").replace("\x1b[1;32m", "")
            .replace("\x1b[1m", "").replace("\x1b[1;33m", "").replace("\x1b[32m", "").replace("\x1b[33m", "");
        assert_clean("text, coloured", &stripped);
        let commands = github::render_commands(&report);
        assert_clean("github", &commands);
        for line in commands.lines() {
            prop_assert!(line.starts_with("::error ") || line.starts_with("::notice ") || line.starts_with("::warning "), "{line:?}");
        }
        assert_clean("summary", &github::render_summary(&report));
        let json = render_json(&report);
        assert_clean("json", &json);
        // Escaped, not lost: the document reads back to the same texts.
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let names: Vec<&str> = value["entries"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
        prop_assert_eq!(names, texts.iter().map(String::as_str).collect::<Vec<_>>());
        let sarif = sarif::render_sarif(&report);
        assert_clean("sarif", &sarif);
        let _: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    }
}

#[test]
fn a_carriage_return_in_an_added_line_cannot_start_a_workflow_command() {
    let report = report(&["x\r::error::forged".to_string()], Reason::MissingRevision);
    let text = render_text(&report, Colour::Never);
    assert!(text.contains("x\\r::error::forged"), "{text}");
    assert!(!text.contains('\r'));
}
