//! The Python lexer and classifier of `parity_core::classify`, fed bytes.

use parity_core::classify::{
    ByteClass, LexError, LexProblem, LineClass, PythonFile, StringPrefix, TokenKind,
};
use pretty_assertions::assert_eq;
use proptest::prelude::*;

/// Each line's classes as a short code: `c` code, `#` comment, `d`
/// docstring, `s` string literal, `.` blank.
fn classes(source: &str) -> Vec<String> {
    classes_of(source.as_bytes())
}

fn classes_of(source: &[u8]) -> Vec<String> {
    let file = PythonFile::lex(source).unwrap();
    (1..=file.line_count())
        .map(|line| code(file.line_class(line).unwrap()))
        .collect()
}

fn code(class: LineClass) -> String {
    if class.is_blank() {
        return ".".into();
    }
    [
        (class.code, 'c'),
        (class.comment, '#'),
        (class.docstring, 'd'),
        (class.string, 's'),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, c)| c)
    .collect()
}

/// The masked view of every line, as text.
fn masked(source: &str) -> Vec<String> {
    let file = PythonFile::lex(source.as_bytes()).unwrap();
    (1..=file.line_count())
        .map(|line| String::from_utf8_lossy(&file.masked_line(line).unwrap()).into_owned())
        .collect()
}

/// The kind and text of every token.
fn tokens(source: &str) -> Vec<(TokenKind, String)> {
    let file = PythonFile::lex(source.as_bytes()).unwrap();
    file.tokens()
        .iter()
        .map(|t| (t.kind, String::from_utf8_lossy(file.text(t)).into_owned()))
        .collect()
}

/// The decoded value of each string literal, and whether it is a docstring.
fn strings(source: &[u8]) -> Vec<(String, bool)> {
    let file = PythonFile::lex(source).unwrap();
    file.tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::String)
        .map(|t| (file.string_value(t).unwrap(), t.string().unwrap().docstring))
        .collect()
}

fn lex_error(source: &str) -> LexError {
    PythonFile::lex(source.as_bytes()).unwrap_err()
}

fn v(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn tokens_have_kinds_and_exact_text() {
    use TokenKind::*;
    assert_eq!(
        tokens("x = foo(1.5e-3, 0x1F) ** 2  # note\n"),
        vec![
            (Name, "x".into()),
            (Operator, "=".into()),
            (Name, "foo".into()),
            (Operator, "(".into()),
            (Number, "1.5e-3".into()),
            (Operator, ",".into()),
            (Number, "0x1F".into()),
            (Operator, ")".into()),
            (Operator, "**".into()),
            (Number, "2".into()),
            (Comment, "# note".into()),
            (Newline, "\n".into()),
        ]
    );
    assert_eq!(
        tokens("a->b:=c//=d...\n$"),
        vec![
            (Name, "a".into()),
            (Operator, "->".into()),
            (Name, "b".into()),
            (Operator, ":=".into()),
            (Name, "c".into()),
            (Operator, "//=".into()),
            (Name, "d".into()),
            (Operator, "...".into()),
            (Newline, "\n".into()),
            (Other, "$".into()),
            (Newline, "".into()),
        ]
    );
}

#[test]
fn token_positions_are_git_lines_and_byte_columns() {
    let file = PythonFile::lex(b"a = 1\r\n  bb = \"\"\"x\ny\"\"\"\n").unwrap();
    let spans: Vec<_> = file
        .tokens()
        .iter()
        .map(|t| {
            let (start, end) = (file.start(t), file.end(t));
            ((start.line, start.column), (end.line, end.column), t.kind)
        })
        .collect();
    assert_eq!(
        spans,
        vec![
            ((1, 0), (1, 1), TokenKind::Name),
            ((1, 2), (1, 3), TokenKind::Operator),
            ((1, 4), (1, 5), TokenKind::Number),
            ((1, 5), (2, 0), TokenKind::Newline),
            ((2, 2), (2, 4), TokenKind::Name),
            ((2, 5), (2, 6), TokenKind::Operator),
            ((2, 7), (3, 4), TokenKind::String),
            ((3, 4), (4, 0), TokenKind::Newline),
        ]
    );
}

#[test]
fn newlines_inside_brackets_and_after_continuations_end_no_statement() {
    use TokenKind::*;
    let kinds = |s: &str| -> Vec<TokenKind> { tokens(s).into_iter().map(|(k, _)| k).collect() };
    assert_eq!(
        kinds("f(a,\n  [b,\n   {c}])\n"),
        vec![
            Name, Operator, Name, Operator, LineBreak, Operator, Name, Operator, LineBreak,
            Operator, Name, Operator, Operator, Operator, Newline
        ]
    );
    assert_eq!(
        kinds("x = 1 + \\\n    2\n"),
        vec![Name, Operator, Number, Operator, Number, Newline]
    );
    // A blank line and a comment-only line end no statement.
    assert_eq!(
        kinds("\n# c\nx\n"),
        vec![LineBreak, Comment, LineBreak, Name, Newline]
    );
    // A closing bracket too many does not make the depth negative.
    assert_eq!(kinds(")\nx\n"), vec![Operator, Newline, Name, Newline]);
}

#[test]
fn every_prefix_in_any_case_makes_a_string() {
    for prefix in [
        "", "r", "R", "u", "U", "b", "B", "f", "F", "t", "rb", "Rb", "rB", "BR", "br", "bR", "fr",
        "Fr", "fR", "RF", "rf", "rF", "tr", "Rt",
    ] {
        let source = format!("x = {prefix}'ALTER TABLE'\n");
        let file = PythonFile::lex(source.as_bytes()).unwrap();
        let string = &file.tokens()[2];
        assert_eq!(string.kind, TokenKind::String, "{prefix}");
        assert_eq!(
            file.text(string),
            format!("{prefix}'ALTER TABLE'").as_bytes()
        );
        let literal = string.string().unwrap();
        let flags = literal.prefix;
        let lower = prefix.to_ascii_lowercase();
        assert_eq!(flags.raw, lower.contains('r'), "{prefix}");
        assert_eq!(flags.bytes, lower.contains('b'), "{prefix}");
        assert_eq!(flags.format, lower.contains('f'), "{prefix}");
        assert_eq!(flags.template, lower.contains('t'), "{prefix}");
        assert_eq!(&source.as_bytes()[literal.body], b"ALTER TABLE", "{prefix}");
        assert_eq!((literal.quote, literal.triple), (b'\'', false), "{prefix}");
    }
    // Not prefixes: a name, then a plain string.
    for letters in ["ur", "bu", "fb", "rr", "abc", "bft"] {
        assert_eq!(StringPrefix::parse(letters.as_bytes()), None, "{letters}");
        let source = format!("{letters}'x'\n");
        assert_eq!(
            tokens(&source)[..2],
            [
                (TokenKind::Name, letters.to_string()),
                (TokenKind::String, "'x'".to_string())
            ],
            "{letters}"
        );
    }
}

#[test]
fn escapes_keep_strings_open_even_raw_ones() {
    assert_eq!(
        strings(br#"a = 'it\'s'; b = "q\"q"; c = r'\''; d = r"\\"; e = '\\'"#),
        vec![
            ("it's".into(), false),
            ("q\"q".into(), false),
            ("\\'".into(), false),
            ("\\\\".into(), false),
            ("\\".into(), false),
        ]
    );
    // A raw string cannot end with an odd backslash before its quote.
    assert_eq!(
        lex_error("x = r'abc\\'\n").problem,
        LexProblem::UnterminatedString
    );
    assert_eq!(strings(b"x = r'a\\\\'\n"), vec![("a\\\\".into(), false)]);
}

#[test]
fn string_values_decode_escapes_best_effort() {
    assert_eq!(
        strings(
            br#"x = ('\x41\101\u00e9\U0001F600\n\t|\q|\N{DASH}', b'\xe9\x41', 'a\
b')"#
        ),
        vec![
            ("AA\u{e9}\u{1F600}\n\t|\\q|\\N{DASH}".into(), false),
            ("\u{fffd}A".into(), false),
            ("ab".into(), false),
        ]
    );
    // CRLF inside a literal is read as `\n`; bytes that are not UTF-8 are lossy.
    assert_eq!(
        strings(b"x = '''a\r\nb\xff'''\r\n"),
        vec![("a\nb\u{fffd}".into(), false)]
    );
}

#[test]
fn a_hash_inside_a_string_is_not_a_comment() {
    assert_eq!(
        classes("x = \"# not a comment\"\ny = '#'  # a comment\n"),
        v(&["cs", "c#s"])
    );
    assert_eq!(
        masked("y = '#ALTER'  # ALTER TABLE\n"),
        vec![format!("y = '#ALTER'{}", " ".repeat(15))]
    );
}

#[test]
fn comments_are_blanked_wherever_they_start() {
    assert_eq!(
        masked("# ALTER TABLE\ncursor.execute(q)  # then ALTER TABLE t\r\n    #\n"),
        vec![
            " ".repeat(13),
            format!("cursor.execute(q){}", " ".repeat(22)),
            " ".repeat(5),
        ]
    );
    assert_eq!(classes("# a\n  x  # b\n\n"), v(&["#", "c#", "."]));
}

#[test]
fn triple_quoted_strings_span_lines_and_keep_their_class() {
    let source = "\
def _migrate_x(cursor, conn):
    cursor.execute(\"\"\"
        ALTER TABLE agents

        ADD COLUMN notes TEXT
    \"\"\")
";
    assert_eq!(classes(source), v(&["c", "cs", "s", "s", "s", "cs"]));
    assert_eq!(masked(source)[2], "        ALTER TABLE agents");
    let file = PythonFile::lex(source.as_bytes()).unwrap();
    assert_eq!(
        file.line_segments(3).unwrap(),
        vec![(0..26, ByteClass::String)]
    );
    assert_eq!(
        file.line_segments(2).unwrap(),
        vec![(19..22, ByteClass::String)]
    );
}

#[test]
fn docstrings_of_module_class_def_and_async_def() {
    let source = "\
#!/usr/bin/env python
\"\"\"Module: CREATE TABLE in prose.\"\"\"

import os


class Agent(Base, metaclass=Meta):
    '''Class: ALTER TABLE in prose.'''

    def method(self, x: int = {'a': 1}) -> Dict[str, int]:
        # a comment before the docstring
        r\"\"\"Method: DROP TABLE
        over two lines.\"\"\"
        return x


@decorator(1)
async def fetch():
    u'Async: ADD COLUMN'
    await x


def inline(): \"\"\"Inline: RENAME TO\"\"\"
def inline_semicolon(): 'doc'; return 1
";
    assert_eq!(
        classes(source),
        v(&[
            "#", "d", ".", "c", ".", ".", "c", "d", ".", "cs", "#", "d", "d", "c", ".", ".", "c",
            "c", "d", "c", ".", ".", "cd", "cd",
        ])
    );
    assert_eq!(
        masked(source)[22],
        format!("def inline():{}", " ".repeat(24))
    );
}

#[test]
fn parenthesised_and_concatenated_docstrings() {
    let source = "def f():\n    (\"ALTER \"\n     'TABLE')\n    x = 1\n";
    assert_eq!(classes(source), v(&["c", "cd", "cd", "c"]));
    let file = PythonFile::lex(source.as_bytes()).unwrap();
    let groups = file.string_groups();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].value, "ALTER TABLE");
    assert!(groups[0].docstring);
    assert_eq!(groups[0].tokens.len(), 2);
}

#[test]
fn strings_that_are_not_docstrings() {
    // After another statement, assigned, bytes, f-strings, an expression
    // with an operator, a call argument, a body of `if`.
    let source = "\
import os
\"\"\"ALTER TABLE after a statement\"\"\"
def a():
    x = \"\"\"ALTER TABLE assigned\"\"\"
def b():
    b'ALTER TABLE bytes'
def c():
    f'ALTER TABLE {x}'
def d():
    'ALTER TABLE' + x
def e():
    cursor.execute('ALTER TABLE')
def g():
    pass
    'ALTER TABLE second statement'
if x:
    'ALTER TABLE in an if'
class H: x = 'ALTER TABLE'
";
    let file = PythonFile::lex(source.as_bytes()).unwrap();
    let docstrings = file
        .tokens()
        .iter()
        .filter(|t| t.string().is_some_and(|s| s.docstring))
        .count();
    assert_eq!(docstrings, 0);
    for (line, class) in classes(source).iter().enumerate() {
        assert!(!class.contains('d'), "line {}: {class}", line + 1);
    }
}

#[test]
fn a_module_docstring_must_come_first() {
    assert_eq!(
        classes("# coding: utf-8\n\n'doc'\nx = 'str'\n"),
        v(&["#", ".", "d", "cs"])
    );
    assert_eq!(classes("x = 1\n'not doc'\n"), v(&["c", "s"]));
    // A byte order mark is skipped.
    assert_eq!(classes_of(b"\xef\xbb\xbf'doc'\n"), v(&["d"]));
}

#[test]
fn implicit_concatenation_groups_literals_across_lines_and_comments() {
    let source = "cursor.execute(\"ALTER TABLE t \"  # why\n    'ADD COLUMN ' \\\n  r\"c\\d\")\nx = 'a' 'b'\ny = 'c'\n";
    let file = PythonFile::lex(source.as_bytes()).unwrap();
    let groups: Vec<_> = file
        .string_groups()
        .into_iter()
        .map(|g| (g.value, g.tokens.len(), g.start.line, g.end.line))
        .collect();
    assert_eq!(
        groups,
        vec![
            ("ALTER TABLE t ADD COLUMN c\\d".to_string(), 3, 1, 3),
            ("ab".to_string(), 2, 4, 4),
            ("c".to_string(), 1, 5, 5),
        ]
    );
}

#[test]
fn f_strings_with_nested_quotes_fields_and_format_specs() {
    let source = "x = f\"{d[\"k\"]!r:>{width}} {{literal}} {'ALTER TABLE'}\"  # c\ny = F'''{\n  a # comment with '\n}'''\nz = 1\n";
    let file = PythonFile::lex(source.as_bytes()).unwrap();
    let kinds: Vec<_> = file.tokens().iter().map(|t| t.kind).collect();
    assert_eq!(
        kinds,
        vec![
            TokenKind::Name,
            TokenKind::Operator,
            TokenKind::String,
            TokenKind::Comment,
            TokenKind::Newline,
            TokenKind::Name,
            TokenKind::Operator,
            TokenKind::String,
            TokenKind::Newline,
            TokenKind::Name,
            TokenKind::Operator,
            TokenKind::Number,
            TokenKind::Newline,
        ]
    );
    assert_eq!(classes(source), v(&["c#s", "cs", "s", "s", "c"]));
    assert_eq!(
        lex_error("x = f'{a'\n").problem,
        LexProblem::UnterminatedString
    );
    assert_eq!(
        lex_error("x = f'{a:>10'\n").problem,
        LexProblem::UnterminatedReplacementField
    );
}

#[test]
fn crlf_and_non_utf8_bytes_are_lexed() {
    let source = b"def f():\r\n    \"\"\"caf\xe9 ALTER TABLE\r\n    doc\"\"\"\r\n    n\xe9 = 'caf\xe9'  # \xff\r\n";
    assert_eq!(classes_of(source), v(&["c", "d", "d", "c#s"]));
    let file = PythonFile::lex(source).unwrap();
    assert_eq!(file.line_text(4).unwrap(), b"    n\xe9 = 'caf\xe9'  # \xff");
    assert_eq!(
        file.masked_line(4).unwrap().as_ref(),
        b"    n\xe9 = 'caf\xe9'     "
    );
    // The identifier with a non-UTF-8 byte is one name.
    assert!(file
        .tokens()
        .iter()
        .any(|t| t.kind == TokenKind::Name && file.text(t) == b"n\xe9"));
}

#[test]
fn lines_are_numbered_as_git_numbers_them() {
    let file = PythonFile::lex(b"a\nb\r\nc").unwrap();
    assert_eq!(file.line_count(), 3);
    assert_eq!(file.line_text(2), Some(&b"b"[..]));
    assert_eq!(file.line_text(3), Some(&b"c"[..]));
    assert_eq!(file.line_text(4), None);
    assert_eq!(file.line_text(0), None);
    assert_eq!(PythonFile::lex(b"a\n").unwrap().line_count(), 1);
    assert_eq!(PythonFile::lex(b"").unwrap().line_count(), 0);
    // A lone carriage return ends a line for Python (two statements, each
    // with its Newline), but not for git: still one line by number.
    let file = PythonFile::lex(b"x = 1\ry = 2\n").unwrap();
    assert_eq!(file.line_count(), 1);
    let newlines = file
        .tokens()
        .iter()
        .filter(|t| t.kind == TokenKind::Newline)
        .count();
    assert_eq!((file.tokens().len(), newlines), (8, 2));
}

#[test]
fn unterminated_strings_are_errors_with_the_line_they_start_on() {
    let error = lex_error("x = 1\n\ndef f():\n    \"\"\"never closed\n    x = 2\n");
    assert_eq!(
        error,
        LexError {
            line: 4,
            problem: LexProblem::UnterminatedTripleQuotedString
        }
    );
    assert_eq!(
        error.to_string(),
        "an unterminated triple-quoted string starts on line 4"
    );
    assert_eq!(
        lex_error("x = 'abc\ny = 1\n"),
        LexError {
            line: 1,
            problem: LexProblem::UnterminatedString
        }
    );
    assert_eq!(lex_error("x = '''a''' '''").line, 1);
    // Far too deep a nesting of f-strings is an error, never a crash.
    let deep = format!("x = {}\n", "f'{".repeat(200));
    assert_eq!(lex_error(&deep).problem, LexProblem::NestedTooDeep);
}

#[test]
fn a_backslash_newline_inside_a_single_quoted_string_continues_it() {
    assert_eq!(classes("x = 'ALTER \\\nTABLE'\n"), v(&["cs", "s"]));
    assert_eq!(classes("x = 'ALTER \\\r\nTABLE'\r\n"), v(&["cs", "s"]));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(file) = PythonFile::lex(&bytes) {
            let mut previous_end = 0;
            for token in file.tokens() {
                let span = token.span();
                prop_assert!(span.start >= previous_end && span.end <= bytes.len());
                prop_assert!(file.end(token) >= file.start(token));
                if let Some(literal) = token.string() {
                    prop_assert!(span.start <= literal.body.start && literal.body.end <= span.end);
                }
                previous_end = span.end;
                let _ = file.string_value(token);
            }
            let _ = file.string_groups();
            for line in 1..=file.line_count() {
                let text = file.line_text(line).unwrap();
                prop_assert_eq!(file.masked_line(line).unwrap().len(), text.len());
                prop_assert!(file.line_class(line).is_some());
                for (range, _) in file.line_segments(line).unwrap() {
                    prop_assert!(range.end <= text.len());
                }
            }
        }
    }

    #[test]
    fn python_shaped_noise_never_panics(
        pieces in proptest::collection::vec(
            prop::sample::select(vec![
                "'", "\"", "'''", "\"\"\"", "\\", "\n", "\r\n", "#", "f", "rb", "{", "}", "(", ")",
                ":", ";", "def ", "class ", "async ", "x", " ", "ALTER TABLE", "\u{e9}", "\\\n",
            ]),
            0..80,
        )
    ) {
        let source = pieces.concat();
        if let Ok(file) = PythonFile::lex(source.as_bytes()) {
            for line in 1..=file.line_count() {
                let masked = file.masked_line(line).unwrap();
                prop_assert_eq!(masked.len(), file.line_text(line).unwrap().len());
            }
        }
    }
}

proptest! {
    /// A file remembers where the last line's regions ended, to find the
    /// next line's quickly: read in any order, every line is what it is
    /// when read in order by a file of its own.
    #[test]
    fn lines_read_in_any_order_are_read_the_same(
        pieces in proptest::collection::vec(
            prop::sample::select(vec![
                "'", "\"", "'''", "\"\"\"", "\n", "\r\n", "\r", "# c", "(", ")", "x = ",
                "ALTER TABLE t", "def f():\n    ", "\\\n", " ",
            ]),
            0..60,
        ),
        order in proptest::collection::vec(any::<prop::sample::Index>(), 0..40),
    ) {
        let source = pieces.concat();
        let Ok(shuffled) = PythonFile::lex(source.as_bytes()) else {
            return Ok(());
        };
        let lines = shuffled.line_count();
        if lines == 0 {
            return Ok(());
        }
        for index in order {
            let line = index.index(lines as usize) as u32 + 1;
            let fresh = PythonFile::lex(source.as_bytes()).unwrap();
            prop_assert_eq!(shuffled.masked_line(line), fresh.masked_line(line));
            prop_assert_eq!(shuffled.line_class(line), fresh.line_class(line));
        }
    }
}

/// Python-shaped pieces for the resumed lexer: statements, brackets across
/// lines, strings of every kind, comments, docstrings, every line end.
fn resumable_pieces() -> impl Strategy<Value = Vec<&'static str>> {
    proptest::collection::vec(
        prop::sample::select(vec![
            "x = 1\n",
            "def f():\n",
            "    \"\"\"doc\"\"\"\n",
            "    y = (\n",
            "1,\n",
            ")\n",
            "# c\n",
            "'",
            "\"",
            "'''",
            "\"\"\"",
            "\\\n",
            "\r\n",
            "\r",
            "\n",
            "f'{a}'",
            "[",
            "]",
            "cursor.execute(\"ALTER TABLE t ADD c\")\n",
            "class C:\n",
            " ",
            ";",
            "async def g(x: int):\n",
            "    '''body doc'''\n",
            "class D: \"\"\"inline\"\"\"\n",
            "def h(): 'one'\n",
            "x: int\n",
            "(\"doc\")\n",
            ")",
            "\"a\" \"b\"\n",
        ]),
        0..60,
    )
}

proptest! {
    #[test]
    fn lexing_a_new_version_from_an_old_one_is_lexing_it_afresh(
        common in resumable_pieces(),
        old_tail in resumable_pieces(),
        new_tail in resumable_pieces(),
    ) {
        let old = [common.concat(), old_tail.concat()].concat();
        let new = [common.concat(), new_tail.concat()].concat();
        let Ok(before) = PythonFile::lex(old.as_bytes()) else {
            return Ok(());
        };
        let fresh = PythonFile::lex(new.as_bytes());
        let resumed = PythonFile::lex_resuming(new.as_bytes(), old.as_bytes(), before.tokens().to_vec());
        match (fresh, resumed) {
            (Ok(fresh), Ok(resumed)) => {
                prop_assert_eq!(fresh.tokens(), resumed.tokens());
                for line in 1..=fresh.line_count() {
                    prop_assert_eq!(fresh.masked_line(line), resumed.masked_line(line));
                }
            }
            (Err(fresh), Err(resumed)) => prop_assert_eq!(fresh, resumed),
            (fresh, resumed) => prop_assert!(
                false,
                "fresh {:?}, resumed {:?}",
                fresh.map(|f| f.tokens().len()),
                resumed.map(|f| f.tokens().len())
            ),
        }
    }
}

#[test]
fn a_new_version_lexed_from_an_old_one_keeps_the_common_statements() {
    let old = "x = 1\ny = 2\nz = 3\n";
    let new = "x = 1\ny = 2\nz = '''\n'''\n";
    let before = PythonFile::lex(old.as_bytes()).unwrap();
    let resumed =
        PythonFile::lex_resuming(new.as_bytes(), old.as_bytes(), before.tokens().to_vec()).unwrap();
    assert_eq!(
        resumed.tokens(),
        PythonFile::lex(new.as_bytes()).unwrap().tokens()
    );
    let closing = resumed.line_class(4).unwrap();
    assert!(closing.string && !closing.code, "{closing:?}");
}

#[test]
fn a_string_token_gives_back_its_literal_details() {
    let source = b"Rb\"\"\"a\nb\"\"\"\nx = f'{y}'\n";
    let file = PythonFile::lex(source).unwrap();
    let literals: Vec<_> = file
        .tokens()
        .iter()
        .filter_map(|t| t.string().map(|s| (s, file.end(t))))
        .map(|(s, end)| {
            (
                (s.prefix.raw, s.prefix.bytes, s.prefix.format),
                s.quote,
                s.triple,
                String::from_utf8_lossy(&source[s.body]).into_owned(),
                s.docstring,
                (end.line, end.column),
            )
        })
        .collect();
    assert_eq!(
        literals,
        vec![
            // A bytes literal is never a docstring.
            (
                (true, true, false),
                b'"',
                true,
                "a\nb".to_string(),
                false,
                (2, 4)
            ),
            (
                (false, false, true),
                b'\'',
                false,
                "{y}".to_string(),
                false,
                (3, 10)
            ),
        ]
    );
    let doc = PythonFile::lex(b"'''doc'''\n").unwrap();
    assert!(doc.tokens()[0].is_docstring());
    assert!(doc.tokens()[0].string().unwrap().docstring);
    assert!(file.tokens().iter().all(|t| !t.is_docstring()));
}
