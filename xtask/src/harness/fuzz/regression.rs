//! Regression files: a failing input and what the model expects of it, kept
//! under `testdata/fuzz-regressions/` and replayed by `cargo test`.
//!
//! The file holds the rendered input itself (not a proptest seed), so it keeps
//! its meaning when the generator changes. Bytes are written one line per
//! line of the input, after `|`, with `\\`, `\r`, `\0`, other control bytes
//! and bytes that are not UTF-8 escaped as `\xNN`.

use std::fmt::Write as _;

use parity_core::diff::parse_patch;
use parity_core::Rules;

use super::model::{verdict_fails, Expected, ExpectedFinding, ExpectedReason};
use super::property::{agrees, Failure, Input};

/// A regression as read back from its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regression {
    pub property: String,
    pub input: Input,
    /// `None` for a case that must only be read without a panic.
    pub expected: Option<Expected>,
}

fn reason_name(reason: ExpectedReason) -> &'static str {
    match reason {
        ExpectedReason::NoEntry => "no-entry",
        ExpectedReason::DataOnly => "data-only",
        ExpectedReason::BothTracks => "both-tracks",
        ExpectedReason::MissingRevision => "missing-revision",
    }
}

fn reason_from(name: &str) -> Option<ExpectedReason> {
    Some(match name {
        "no-entry" => ExpectedReason::NoEntry,
        "data-only" => ExpectedReason::DataOnly,
        "both-tracks" => ExpectedReason::BothTracks,
        "missing-revision" => ExpectedReason::MissingRevision,
        _ => return None,
    })
}

/// Escapes one line of bytes (without its `\n`).
fn escape(line: &[u8]) -> String {
    let mut out = String::new();
    for chunk in line.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push('\t'),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes.get(i + 1) {
            Some(b'\\') => {
                out.push(b'\\');
                i += 2;
            }
            Some(b'x') => {
                let hex = text
                    .get(i + 2..i + 4)
                    .ok_or_else(|| format!("a cut-short escape in {text:?}"))?;
                let byte = u8::from_str_radix(hex, 16)
                    .map_err(|_| format!("a bad escape \\x{hex} in {text:?}"))?;
                out.push(byte);
                i += 4;
            }
            _ => return Err(format!("an unknown escape in {text:?}")),
        }
    }
    Ok(out)
}

fn write_section(out: &mut String, title: &str, bytes: &[u8]) {
    let _ = writeln!(out, "== {title}");
    for line in bytes.split(|&b| b == b'\n') {
        let _ = writeln!(out, "|{}", escape(line));
    }
}

/// The text of a regression file for a failure.
pub fn render(failure: &Failure, found_by: &str) -> String {
    let mut out = String::new();
    let first = failure.message.lines().next().unwrap_or("");
    let _ = writeln!(out, "# parity fuzz regression: {}", failure.property);
    let _ = writeln!(out, "# found by: {found_by}");
    let _ = writeln!(out, "# first failure: {first}");
    let _ = writeln!(out, "property: {}", failure.property);
    if let Some(expected) = &failure.expected {
        let _ = writeln!(out, "reason: {}", reason_name(expected.reason));
        for (path, line) in &expected.entries {
            let _ = writeln!(out, "entry: {line} {path}");
        }
        for (path, line) in &expected.evidence {
            let _ = writeln!(out, "evidence: {line} {path}");
        }
        for path in &expected.revisions {
            let _ = writeln!(out, "revision: {path}");
        }
        for finding in &expected.integrity {
            let _ = writeln!(out, "integrity: {}", finding.name());
        }
        let verdict = if expected.fails { "fail" } else { "pass" };
        let _ = writeln!(out, "verdict: {verdict}");
    }
    write_section(&mut out, "name-status", &failure.input.name_status);
    write_section(&mut out, "diff", &failure.input.diff);
    for (path, head) in &failure.input.heads {
        write_section(&mut out, &format!("head {path}"), head);
    }
    for (path, tip) in &failure.input.base_tip {
        write_section(&mut out, &format!("base-tip {path}"), tip);
    }
    out
}

/// Reads a regression file back.
pub fn parse(text: &str) -> Result<Regression, String> {
    let mut property = None;
    let mut reason = None;
    let (mut entries, mut evidence, mut revisions) = (Vec::new(), Vec::new(), Vec::new());
    let mut integrity = Vec::new();
    let mut verdict = None;
    let mut sections: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let located = |spec: &str| -> Result<(String, u32), String> {
        let (line, path) = spec
            .split_once(' ')
            .ok_or_else(|| format!("`{spec}` is not `LINE PATH`"))?;
        let line = line
            .parse()
            .map_err(|_| format!("`{line}` is not a line number"))?;
        Ok((path.to_string(), line))
    };
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix('|') {
            let section = sections
                .last_mut()
                .ok_or("a `|` line before any `==` section")?;
            section.1.push(unescape(rest)?);
        } else if let Some(title) = line.strip_prefix("== ") {
            sections.push((title.to_string(), Vec::new()));
        } else if line.starts_with('#') || line.trim().is_empty() {
        } else if let Some((key, value)) = line.split_once(": ") {
            match key {
                "property" => property = Some(value.to_string()),
                "reason" => {
                    reason = Some(reason_from(value).ok_or(format!("unknown reason `{value}`"))?)
                }
                "entry" => entries.push(located(value)?),
                "evidence" => evidence.push(located(value)?),
                "revision" => revisions.push(value.to_string()),
                "integrity" => integrity.push(
                    ExpectedFinding::from_name(value)
                        .ok_or(format!("unknown integrity finding `{value}`"))?,
                ),
                "verdict" => {
                    verdict = Some(match value {
                        "fail" => true,
                        "pass" => false,
                        _ => return Err(format!("unknown verdict `{value}`")),
                    })
                }
                _ => return Err(format!("unknown key `{key}`")),
            }
        } else {
            return Err(format!(
                "a line that is neither a key nor a section: {line:?}"
            ));
        }
    }
    // The engine's lists are compared sorted.
    entries.sort();
    evidence.sort();
    revisions.sort();
    integrity.sort();
    integrity.dedup();
    let mut input = Input::empty();
    for (title, lines) in sections {
        let bytes = lines.join(&b'\n');
        match title.as_str() {
            "name-status" => input.name_status = bytes,
            "diff" => input.diff = bytes,
            other => match (other.strip_prefix("head "), other.strip_prefix("base-tip ")) {
                (Some(path), _) => input.heads.push((path.to_string(), bytes)),
                (_, Some(path)) => input.base_tip.push((path.to_string(), bytes)),
                _ => return Err(format!("unknown section `{other}`")),
            },
        }
    }
    Ok(Regression {
        property: property.ok_or("no `property:` line")?,
        input,
        // A file without a verdict line (kept before there was one) has
        // the verdict its reason and findings give.
        expected: reason.map(|reason| Expected {
            reason,
            entries,
            evidence,
            revisions,
            fails: verdict.unwrap_or_else(|| verdict_fails(reason, &integrity)),
            integrity,
        }),
    })
}

/// Replays a regression: the engine must report what the file expects, and
/// must not panic on its bytes.
pub fn replay(regression: &Regression, rules: &Rules) -> Result<(), String> {
    let _ = parse_patch(&regression.input.diff);
    match &regression.expected {
        Some(expected) => agrees("replay", regression.input.clone(), expected.clone(), rules)
            .map_err(|f| f.message),
        None => Ok(()),
    }
}
