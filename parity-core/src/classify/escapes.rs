//! Escape decoding: the value Python gives a non-raw string literal's body
//! (`\n`, `\x41`, `\u00e9`, octal, line continuations), as bytes.

/// Decodes the escapes of a non-raw literal's body (see
/// `PythonFile::string_value`).
pub(super) fn decode_escapes(body: &[u8], bytes_literal: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let push_code = |out: &mut Vec<u8>, code: u32| {
        if bytes_literal {
            out.push((code & 0xff) as u8);
        } else if let Some(c) = char::from_u32(code) {
            out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        }
    };
    let digits = |from: usize, max: usize, radix: u32| {
        let from = from.min(body.len());
        let run = body[from..]
            .iter()
            .take(max)
            .take_while(|b| (**b as char).is_digit(radix))
            .count();
        let value = body[from..from + run].iter().fold(0u32, |v, &b| {
            v * radix + (b as char).to_digit(radix).unwrap_or(0)
        });
        (run, value)
    };
    let mut i = 0;
    while i < body.len() {
        let byte = body[i];
        // Python reads every line end as LF: CRLF and a lone CR alike.
        if byte == b'\r' {
            out.push(b'\n');
            i += 1 + usize::from(body.get(i + 1) == Some(&b'\n'));
            continue;
        }
        if byte != b'\\' {
            out.push(byte);
            i += 1;
            continue;
        }
        let Some(&escape) = body.get(i + 1) else {
            out.push(byte);
            break;
        };
        i += 2;
        let simple = match escape {
            b'\n' => Some(None),
            b'\r' => {
                i += usize::from(body.get(i) == Some(&b'\n'));
                Some(None)
            }
            b'\\' | b'\'' | b'"' => Some(Some(escape)),
            b'a' => Some(Some(0x07)),
            b'b' => Some(Some(0x08)),
            b'f' => Some(Some(0x0c)),
            b'n' => Some(Some(b'\n')),
            b'r' => Some(Some(b'\r')),
            b't' => Some(Some(b'\t')),
            b'v' => Some(Some(0x0b)),
            _ => None,
        };
        if let Some(decoded) = simple {
            out.extend(decoded);
            continue;
        }
        let (len, code) = match escape {
            b'0'..=b'7' => {
                let (run, value) = digits(i - 1, 3, 8);
                (run - 1, Some(value))
            }
            b'x' => match digits(i, 2, 16) {
                (2, value) => (2, Some(value)),
                _ => (0, None),
            },
            b'u' | b'U' if !bytes_literal => {
                let want = if escape == b'u' { 4 } else { 8 };
                match digits(i, want, 16) {
                    (run, value) if run == want && char::from_u32(value).is_some() => {
                        (want, Some(value))
                    }
                    _ => (0, None),
                }
            }
            _ => (0, None),
        };
        match code {
            Some(code) => {
                push_code(&mut out, code);
                i += len;
            }
            // An unknown escape (or `\N{...}`) stays as written.
            None => out.extend_from_slice(&[b'\\', escape]),
        }
    }
    out
}
