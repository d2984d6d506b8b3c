//! Python's lexical structure over bytes: which bytes of a file are code,
//! comment, docstring or string literal.
//!
//! The check reads a watched Python file at HEAD through this module, so that
//! `"""Backfill after ADD COLUMN x."""` in a data-only migration is not taken
//! for DDL, while `cursor.execute("""ALTER TABLE ...""")` still is.
//!
//! [`PythonFile::lex`] turns bytes into [`Token`]s (names, numbers, operators,
//! string literals, comments, line ends), marks the docstrings, and answers
//! per line: its [`LineClass`], its non-code segments, and a *masked* view in
//! which comment and docstring bytes are blanked (what the rules may read).
//!
//! Conventions:
//! - Lines are numbered as git numbers them: 1-based, split at `\n`. A `\r`
//!   just before the `\n` (or at the very end of the file) belongs to the line
//!   ending; a lone `\r` elsewhere is blank space.
//! - A token holds its byte span only (10 bytes: a big file has millions);
//!   its line and column, a byte offset in the line, are found from the
//!   line starts by the readers that ask ([`PythonFile::start`]).
//! - Bytes need not be UTF-8. Outside strings and comments, bytes from 0x80 up
//!   are identifier characters, as non-ASCII letters are in Python 3.
//! - Only an unterminated string (or an absurdly nested f-string) is an
//!   error; any other odd byte becomes a [`TokenKind::Other`] token, because the
//!   job is to classify bytes, not to validate Python.
//! - Brackets left open at the end of the file only stop later statements
//!   from being found, so no later docstring is recognised: that can make
//!   a docstring count, never hide code.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

mod escapes;

use escapes::decode_escapes;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum TokenKind {
    /// An identifier or keyword (`def`, `cursor`, `_migrate_x`).
    Name,
    /// A numeric literal (`42`, `0x1f`, `1.5e-3`, `10_000j`).
    Number,
    /// An operator or punctuation, brackets included (`(`, `**=`, `->`, `,`).
    Operator,
    /// A string or bytes literal, prefix and quotes included; its details are
    /// in [`Token::string`].
    String,
    /// From `#` to the end of the line, the line ending excluded.
    Comment,
    /// The end of a logical line: a line break outside brackets that ends a
    /// statement, or the end of the file after one (then the span is empty).
    Newline,
    /// A line break that ends no statement: inside brackets, or after a blank
    /// or comment-only line. Backslash continuations produce no token at all.
    LineBreak,
    /// One byte Python would reject outside a string (`$`, `?`, NUL, a stray
    /// backslash).
    Other,
}

/// A position in the source: 1-based line (as git numbers them) and 0-based
/// byte column within that line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// The prefix letters of a string literal, in any case and order Python
/// accepts (`r`, `u`, `b`, `f`, `t`, `rb`, `Br`, `fR`, `rt`...).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StringPrefix {
    /// `r`: backslashes are kept (but still keep a quote from closing).
    pub raw: bool,
    /// `b`: a bytes literal.
    pub bytes: bool,
    /// `f`: an f-string, with `{...}` replacement fields.
    pub format: bool,
    /// `t`: a template string (Python 3.14), lexed like an f-string.
    pub template: bool,
}

impl StringPrefix {
    /// The prefix these letters make, or `None` if Python does not read them
    /// as one (then they are a name followed by a plain string).
    pub fn parse(letters: &[u8]) -> Option<StringPrefix> {
        let mut prefix = StringPrefix::default();
        let mut unicode = false;
        if letters.len() > 2 {
            return None;
        }
        for letter in letters {
            let seen = match letter.to_ascii_lowercase() {
                b'r' => std::mem::replace(&mut prefix.raw, true),
                b'b' => std::mem::replace(&mut prefix.bytes, true),
                b'f' => std::mem::replace(&mut prefix.format, true),
                b't' => std::mem::replace(&mut prefix.template, true),
                b'u' => std::mem::replace(&mut unicode, true),
                _ => return None,
            };
            if seen {
                return None;
            }
        }
        let kinds = [prefix.bytes, prefix.format, prefix.template, unicode]
            .iter()
            .filter(|&&k| k)
            .count();
        // `u` stands alone; bytes, f- and t-strings exclude each other.
        if kinds > 1 || (unicode && letters.len() > 1) {
            return None;
        }
        Some(prefix)
    }

    /// Whether replacement fields (`{expr}`) are parsed inside the literal.
    pub fn has_fields(self) -> bool {
        self.format || self.template
    }
}

/// The details of a string-literal token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringLiteral {
    pub prefix: StringPrefix,
    /// `b'\''` or `b'"'`.
    pub quote: u8,
    /// `'''` or `"""`.
    pub triple: bool,
    /// The bytes between the quotes, as offsets into the source.
    pub body: Range<usize>,
    /// The literal is (part of) the first statement of a module, class or
    /// function body, and that statement is nothing but string literals
    /// (neither bytes nor f-strings): Python stores it as `__doc__`.
    pub docstring: bool,
}

/// One token of the source, in 10 bytes (packed to 2-byte alignment: the
/// offsets are read by value, never borrowed): a big file has millions of
/// them. Offsets are `u32` (a file of 4 GiB or more is not lexed); a string
/// literal's details are a few bits, its body derived from the span (see
/// [`Token::string`]); where the token starts and ends as lines and columns
/// is [`PythonFile::start`] and [`PythonFile::end`], found from the offsets
/// by the few readers that ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C, packed(2))]
pub struct Token {
    /// Byte offsets into the source.
    from: u32,
    to: u32,
    /// A string literal's details (`StringBits`); 0 for any other token.
    bits: u8,
    pub kind: TokenKind,
}

// The size the comment above promises.
const _: () = assert!(std::mem::size_of::<Token>() == 10);

/// The bits of [`Token::bits`]: the prefix letters (each at most once, so
/// that their count is how many are set), the quote, whether it is tripled,
/// whether the literal is a docstring.
struct StringBits;

impl StringBits {
    const RAW: u8 = 1;
    const BYTES: u8 = 1 << 1;
    const FORMAT: u8 = 1 << 2;
    const TEMPLATE: u8 = 1 << 3;
    /// `u`, the letter that changes nothing.
    const UNICODE: u8 = 1 << 4;
    const LETTERS: u8 = 0b1_1111;
    const DOUBLE_QUOTE: u8 = 1 << 5;
    const TRIPLE: u8 = 1 << 6;
    const DOCSTRING: u8 = 1 << 7;

    /// `prefix_len` is how many letters the prefix has: `StringPrefix::parse`
    /// accepts each letter once, and the one it keeps no flag for is `u`.
    fn pack(prefix: StringPrefix, prefix_len: usize, quote: u8, triple: bool) -> u8 {
        let flag = |on: bool, bit: u8| if on { bit } else { 0 };
        let letters = flag(prefix.raw, Self::RAW)
            | flag(prefix.bytes, Self::BYTES)
            | flag(prefix.format, Self::FORMAT)
            | flag(prefix.template, Self::TEMPLATE);
        let unicode = prefix_len > letters.count_ones() as usize;
        letters
            | flag(unicode, Self::UNICODE)
            | flag(quote == b'"', Self::DOUBLE_QUOTE)
            | flag(triple, Self::TRIPLE)
    }
}

impl Token {
    /// Byte offsets into the source.
    pub fn span(&self) -> Range<usize> {
        self.from as usize..self.to as usize
    }

    /// The details of a string literal; `None` for any other token.
    pub fn string(&self) -> Option<StringLiteral> {
        if self.kind != TokenKind::String {
            return None;
        }
        let bits = self.bits;
        let on = |bit: u8| bits & bit != 0;
        let triple = on(StringBits::TRIPLE);
        let delimiter = if triple { 3 } else { 1 };
        let prefix_len = (bits & StringBits::LETTERS).count_ones() as usize;
        let span = self.span();
        Some(StringLiteral {
            prefix: StringPrefix {
                raw: on(StringBits::RAW),
                bytes: on(StringBits::BYTES),
                format: on(StringBits::FORMAT),
                template: on(StringBits::TEMPLATE),
            },
            quote: if on(StringBits::DOUBLE_QUOTE) {
                b'"'
            } else {
                b'\''
            },
            triple,
            body: span.start + prefix_len + delimiter..span.end - delimiter,
            docstring: on(StringBits::DOCSTRING),
        })
    }

    /// Whether this is a string literal Python stores as a `__doc__`.
    pub fn is_docstring(&self) -> bool {
        self.kind == TokenKind::String && self.bits & StringBits::DOCSTRING != 0
    }

    /// Whether this is the operator or bracket `text`.
    #[inline]
    pub fn is_operator(&self, source: &[u8], text: &str) -> bool {
        self.kind == TokenKind::Operator && &source[self.span()] == text.as_bytes()
    }

    pub(crate) fn is_significant(&self) -> bool {
        !matches!(self.kind, TokenKind::Comment | TokenKind::LineBreak)
    }
}

/// Adjacent string literals that Python joins into one (`"a" "b"`, across
/// line breaks inside brackets and backslash continuations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringGroup {
    /// Indices into [`PythonFile::tokens`] of the literals, in order.
    pub tokens: Vec<usize>,
    /// The decoded values joined (see [`PythonFile::string_value`]).
    pub value: String,
    pub start: Pos,
    pub end: Pos,
    pub docstring: bool,
}

/// A group of adjacent string literals by its tokens: from the first
/// literal to the last (comments and line breaks between them belong to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringRun {
    pub first: usize,
    pub last: usize,
    pub docstring: bool,
}

/// What one byte of the source is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteClass {
    Code,
    Comment,
    Docstring,
    /// A string literal that is not a docstring.
    String,
}

impl ByteClass {
    /// Whether the rules may read bytes of this class: code and string
    /// literals, never comments or docstrings.
    pub fn counts(self) -> bool {
        matches!(self, ByteClass::Code | ByteClass::String)
    }
}

/// Which classes a line holds. Blank space outside literals counts for none;
/// any byte inside a literal (blank or not, even an empty line inside a
/// triple-quoted string) counts for the literal's class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineClass {
    pub code: bool,
    pub comment: bool,
    pub docstring: bool,
    pub string: bool,
}

impl LineClass {
    pub fn is_blank(self) -> bool {
        self == LineClass::default()
    }

    /// Whether anything on the line may count: code or a string literal that
    /// is not a docstring.
    pub fn counts(self) -> bool {
        self.code || self.string
    }
}

/// Why a file cannot be lexed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexProblem {
    UnterminatedString,
    UnterminatedTripleQuotedString,
    /// An f-string's `{...}` that never closes.
    UnterminatedReplacementField,
    /// Strings inside f-strings inside strings... deeper than any real code.
    NestedTooDeep,
    /// The file is 4 GiB or more: token offsets are 32-bit.
    TooLarge,
}

/// A file that cannot be lexed, with the line where the faulty literal starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LexError {
    pub line: u32,
    pub problem: LexProblem,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.problem {
            LexProblem::UnterminatedString => "an unterminated string literal starts",
            LexProblem::UnterminatedTripleQuotedString => {
                "an unterminated triple-quoted string starts"
            }
            LexProblem::UnterminatedReplacementField => {
                "an f-string with an unterminated replacement field starts"
            }
            LexProblem::NestedTooDeep => "an f-string nested too deep starts",
            LexProblem::TooLarge => return f.write_str("the file is 4 GiB or larger"),
        };
        write!(f, "{what} on line {}", self.line)
    }
}

impl std::error::Error for LexError {}

/// A Python file, lexed: its tokens, and the class of every byte.
#[derive(Clone, Debug)]
pub struct PythonFile<'a> {
    source: &'a [u8],
    /// Shared: a copy of the file (for a check that runs beside the one
    /// that builds models, see `Groundwork`) copies no tokens.
    layout: Arc<Layout>,
    /// Where the next line's regions likely begin (`regions_between`).
    next_region: std::cell::Cell<usize>,
}

/// A lexed file without its bytes, so that a file lexed ahead (see
/// `Groundwork`) can be handed on and read again over the same bytes.
#[derive(Debug)]
pub(crate) struct Layout {
    tokens: Vec<Token>,
    /// Offset of the first byte of each line (and one past the last `\n`).
    /// `u32`: a file of 4 GiB or more is not lexed.
    line_starts: Vec<u32>,
    /// The places in `tokens` of the comments and string literals (the
    /// regions, sorted and disjoint: every other byte is code or blank
    /// space), four bytes each: a file can hold a million.
    regions: Vec<u32>,
    /// The length of a leading byte order mark, which is blank space.
    bom: usize,
}

impl Layout {
    /// The file again, over the very bytes it was lexed from (the caller
    /// makes sure of that: `Groundwork` keeps those bytes shared).
    pub(crate) fn attach(self: Arc<Self>, source: &[u8]) -> PythonFile<'_> {
        PythonFile {
            source,
            layout: self,
            next_region: Default::default(),
        }
    }
}

/// A comment or string literal: byte offsets (as in [`Token`]) and class,
/// made from its token when asked (`Layout::regions` lists only the
/// tokens' places).
#[derive(Clone, Copy, Debug)]
struct Region {
    from: u32,
    to: u32,
    class: ByteClass,
}

impl Region {
    fn start(&self) -> usize {
        self.from as usize
    }

    fn end(&self) -> usize {
        self.to as usize
    }
}

impl<'a> PythonFile<'a> {
    /// Lexes `source` and marks its docstrings.
    pub fn lex(source: &'a [u8]) -> Result<PythonFile<'a>, LexError> {
        PythonFile::lex_on(source, Vec::new())
    }

    /// `lex`, given an earlier version of the same file and its tokens: the
    /// tokens of the statements both versions begin with are taken as they
    /// are, and the lexer starts after the last of them (a statement ends
    /// at bracket depth 0, where the lexer carries nothing from before).
    /// Always the same file as `lex(source)`.
    pub fn lex_resuming(
        source: &'a [u8],
        before: &[u8],
        mut before_tokens: Vec<Token>,
    ) -> Result<PythonFile<'a>, LexError> {
        // The lexer looks a byte or two past a token's end to end it; a
        // statement end this far inside the common bytes was made from them
        // alone.
        const MARGIN: usize = 8;
        let common = common_prefix(source, before);
        // A statement that ends in `:` may open a body whose first
        // statement is a docstring: resume after one that does not, so that
        // the docstrings of the kept statements stand as they are.
        let opens_no_body = |end: usize| {
            before_tokens[..end]
                .iter()
                .rev()
                .find(|t| t.is_significant())
                .is_none_or(|t| !t.is_operator(before, ":"))
        };
        let kept = (0..before_tokens.len())
            .rev()
            .find(|&at| {
                let token = &before_tokens[at];
                token.kind == TokenKind::Newline
                    && token.span().end + MARGIN <= common
                    && opens_no_body(at)
            })
            .map_or(0, |last| last + 1);
        before_tokens.truncate(kept);
        PythonFile::lex_on(source, before_tokens)
    }

    /// Lexes `source` after `kept`, the tokens of its first statements.
    fn lex_on(source: &'a [u8], kept: Vec<Token>) -> Result<PythonFile<'a>, LexError> {
        if u32::try_from(source.len()).is_err() {
            return Err(LexError {
                line: 1,
                problem: LexProblem::TooLarge,
            });
        }
        let line_starts = line_starts(source);
        let mut lexer = Lexer::new(source, &line_starts);
        if let Some(last) = kept.last() {
            lexer.pos = last.span().end;
        }
        let marked = kept.len();
        lexer.tokens = kept;
        // Room for the tokens up front (Python has about one in every four
        // to eight bytes): a growing vector would copy them over and over.
        // Room never written is never touched, so it costs no memory; it is
        // kept, so that a file lexed again from where it changed
        // (`LexMemo`) grows in place.
        lexer.tokens.reserve((source.len() - lexer.pos) / 4);
        let mut tokens = lexer.run()?;
        mark_docstrings(&mut tokens, source, marked);
        let mut regions = Vec::new();
        for (at, token) in tokens.iter().enumerate() {
            if matches!(token.kind, TokenKind::Comment | TokenKind::String) {
                // Fewer than 4 Gi tokens: each is at least a byte, or a line end.
                regions.push(at as u32);
            }
        }
        let layout = Layout {
            tokens,
            line_starts,
            regions,
            bom: if source.starts_with(BOM) {
                BOM.len()
            } else {
                0
            },
        };
        Ok(PythonFile {
            source,
            layout: Arc::new(layout),
            next_region: Default::default(),
        })
    }

    pub fn source(&self) -> &'a [u8] {
        self.source
    }

    /// The lexing without the bytes (see [`Layout::attach`]).
    pub(crate) fn into_layout(self) -> Arc<Layout> {
        self.layout
    }

    /// Every token in source order (no indent/dedent tokens: a token's
    /// `start.column` gives its indentation).
    pub fn tokens(&self) -> &[Token] {
        &self.layout.tokens
    }

    /// The source bytes of a token.
    #[inline]
    pub fn text(&self, token: &Token) -> &'a [u8] {
        &self.source[token.span()]
    }

    /// Where a token starts: its first byte's line and column (the byte
    /// offset in the line, so that a line's first token is at column 0
    /// whatever indents it).
    pub fn start(&self, token: &Token) -> Pos {
        position(&self.layout.line_starts, token.span().start)
    }

    /// Whether a token starts a line (its column is 0), told without
    /// finding its line.
    pub fn at_line_start(&self, token: &Token) -> bool {
        let from = token.span().start;
        from == 0 || self.source[from - 1] == b'\n'
    }

    /// Where a token ends: the position just past its last byte.
    pub fn end(&self, token: &Token) -> Pos {
        position(&self.layout.line_starts, token.span().end)
    }

    /// A string literal's value, best effort: escapes decoded unless raw
    /// (`\n`, `\x41`, `\101`, `\u00e9`; `\N{...}` kept as written), a
    /// backslash-newline dropped, CRLF read as `\n`, bytes that are not UTF-8
    /// shown as U+FFFD. An f-string's fields are kept as written. `None` for
    /// a token that is not a string literal.
    pub fn string_value(&self, token: &Token) -> Option<String> {
        let literal = token.string()?;
        let body = &self.source[literal.body.clone()];
        let value = if literal.prefix.raw {
            body.iter()
                .enumerate()
                .filter(|&(i, &b)| !(b == b'\r' && body.get(i + 1) == Some(&b'\n')))
                .map(|(_, &b)| b)
                .collect()
        } else {
            decode_escapes(body, literal.prefix.bytes)
        };
        Some(String::from_utf8_lossy(&value).into_owned())
    }

    /// The implicitly concatenated groups of string literals, in order; a
    /// lone literal is a group of one.
    pub fn string_groups(&self) -> Vec<StringGroup> {
        self.string_runs()
            .into_iter()
            .map(|run| {
                let last = &self.layout.tokens[run.last];
                StringGroup {
                    tokens: self.run_literals(&run).collect(),
                    value: self.run_value(&run),
                    start: self.start(&self.layout.tokens[run.first]),
                    end: self.end(last),
                    docstring: run.docstring,
                }
            })
            .collect()
    }

    /// [`PythonFile::string_groups`] without their values, which a reader
    /// decodes ([`PythonFile::run_value`]) only for the groups it reads.
    pub fn string_runs(&self) -> Vec<StringRun> {
        let mut runs: Vec<StringRun> = Vec::new();
        let mut open = false;
        for (index, token) in self.layout.tokens.iter().enumerate() {
            match token.kind {
                TokenKind::String => {
                    match runs.last_mut() {
                        Some(run) if open => run.last = index,
                        _ => runs.push(StringRun {
                            first: index,
                            last: index,
                            docstring: token.is_docstring(),
                        }),
                    }
                    open = true;
                }
                // Python joins literals across these.
                TokenKind::Comment | TokenKind::LineBreak => {}
                _ => open = false,
            }
        }
        runs
    }

    /// The indices of a run's literals (its comments and line breaks left out).
    pub fn run_literals<'f>(&'f self, run: &StringRun) -> impl Iterator<Item = usize> + 'f {
        (run.first..=run.last).filter(|&i| self.layout.tokens[i].kind == TokenKind::String)
    }

    /// The decoded values of a run's literals, joined.
    pub fn run_value(&self, run: &StringRun) -> String {
        let mut value = String::new();
        for index in self.run_literals(run) {
            value.push_str(
                &self
                    .string_value(&self.layout.tokens[index])
                    .unwrap_or_default(),
            );
        }
        value
    }

    /// A run's bytes as they are, when they are its value: one literal, no
    /// f-string, and no backslash or carriage return to decode; else `None`.
    pub fn run_verbatim(&self, run: &StringRun) -> Option<&'a [u8]> {
        let literal = self.layout.tokens[run.first].string()?;
        let body = &self.source[literal.body];
        let plain = run.first == run.last
            && !literal.prefix.has_fields()
            && memchr::memchr2(b'\\', b'\r', body).is_none();
        plain.then_some(body)
    }

    /// The number of lines, as git counts them (a final line without `\n`
    /// counts; an empty file has none).
    pub fn line_count(&self) -> u32 {
        let count = if self.source.is_empty() {
            0
        } else if self.source.ends_with(b"\n") {
            self.layout.line_starts.len() - 1
        } else {
            self.layout.line_starts.len()
        };
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The text of a line without its line ending, as a diff shows it.
    #[inline]
    pub fn line_text(&self, line: u32) -> Option<&'a [u8]> {
        Some(&self.source[self.line_span(line)?])
    }

    /// Where [`line_text`](Self::line_text) is in the source.
    #[inline]
    pub fn line_span(&self, line: u32) -> Option<std::ops::Range<usize>> {
        self.line_bounds(line).map(|(text, _)| text)
    }

    /// Which classes the line holds.
    pub fn line_class(&self, line: u32) -> Option<LineClass> {
        let (text, next) = self.line_bounds(line)?;
        let mut class = LineClass::default();
        let mut code_from = text.start;
        for region in self.regions_between(text.start, next) {
            class.code |= self.has_code(code_from..region.start().min(text.end));
            match region.class {
                ByteClass::Comment => class.comment = true,
                ByteClass::Docstring => class.docstring = true,
                ByteClass::String => class.string = true,
                ByteClass::Code => {}
            }
            code_from = code_from.max(region.end());
        }
        class.code |= self.has_code(code_from..text.end);
        Some(class)
    }

    /// The comment, docstring and string segments of a line, as byte ranges
    /// within its text; every other byte is code or blank space.
    pub fn line_segments(&self, line: u32) -> Option<Vec<(Range<usize>, ByteClass)>> {
        let (text, next) = self.line_bounds(line)?;
        let segments = self
            .regions_between(text.start, next)
            .filter_map(|region| {
                let from = region.start().max(text.start);
                let to = region.end().min(text.end);
                (from < to).then(|| (from - text.start..to - text.start, region.class))
            })
            .collect();
        Some(segments)
    }

    /// The line's text with every comment and docstring byte replaced by a
    /// space: code and string literals stay where they were, so patterns
    /// that read it keep their word boundaries and columns.
    pub fn masked_line(&self, line: u32) -> Option<Cow<'a, [u8]>> {
        let (text, next) = self.line_bounds(line)?;
        let mut masked = Cow::Borrowed(&self.source[text.clone()]);
        for region in self.regions_between(text.start, next) {
            if region.class.counts() {
                continue;
            }
            let from = region.start().max(text.start) - text.start;
            let to = region.end().min(text.end).max(text.start) - text.start;
            if from < to {
                masked.to_mut()[from..to].fill(b' ');
            }
        }
        Some(masked)
    }

    /// The line's text (without line ending) and the start of the next line.
    fn line_bounds(&self, line: u32) -> Option<(Range<usize>, usize)> {
        if line == 0 || line > self.line_count() {
            return None;
        }
        let index = usize::try_from(line - 1).ok()?;
        let start = self.layout.line_starts[index] as usize;
        let next = (self.layout.line_starts.get(index + 1))
            .map_or(self.source.len(), |&next| next as usize);
        let mut end = next;
        if end > start && self.source[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && self.source[end - 1] == b'\r' {
            end -= 1;
        }
        Some((start..end, next))
    }

    /// The region of the token at `at`, a comment or string literal.
    #[inline]
    fn region(&self, at: u32) -> Region {
        let token = &self.layout.tokens[at as usize];
        let class = match token.kind {
            TokenKind::Comment => ByteClass::Comment,
            _ if token.is_docstring() => ByteClass::Docstring,
            _ => ByteClass::String,
        };
        Region {
            from: token.from,
            to: token.to,
            class,
        }
    }

    /// The regions that overlap `from..to`.
    fn regions_between(&self, from: usize, to: usize) -> impl Iterator<Item = Region> + '_ {
        let regions = &self.layout.regions;
        let end = |at: usize| self.region(regions[at]).end();
        // Lines are mostly read in order: the first region of this line is
        // most likely the one after the last line's.
        let hint = self.next_region.get().min(regions.len());
        let is_first =
            |at: usize| (at == 0 || end(at - 1) <= from) && (at == regions.len() || end(at) > from);
        let first = match is_first(hint) {
            true => hint,
            false => regions.partition_point(|&t| self.region(t).end() <= from),
        };
        // A line overlaps few regions.
        let mut last = first;
        while regions
            .get(last)
            .is_some_and(|&t| self.region(t).start() < to)
        {
            last += 1;
        }
        self.next_region.set(last);
        regions[first..last].iter().map(|&t| self.region(t))
    }

    fn has_code(&self, range: Range<usize>) -> bool {
        let start = range.start.max(self.layout.bom);
        start < range.end && self.source[start..range.end].iter().any(|&b| !is_blank(b))
    }
}

/// A UTF-8 byte order mark, which Python skips.
const BOM: &[u8] = b"\xef\xbb\xbf";

fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\x0c' | b'\x0b' | b'\r')
}

fn is_identifier_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

/// Whether each byte continues an identifier, as a table: the lexer asks it
/// of every byte of every name.
static IDENTIFIER_CONTINUE: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < table.len() {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        byte += 1;
    }
    table
};

fn is_identifier_continue(byte: u8) -> bool {
    IDENTIFIER_CONTINUE[usize::from(byte)]
}

fn is_quote(byte: u8) -> bool {
    byte == b'\'' || byte == b'"'
}

/// The offset of each line's first byte, for a source under 4 GiB.
fn line_starts(source: &[u8]) -> Vec<u32> {
    let mut starts = vec![0];
    starts.extend(memchr::memchr_iter(b'\n', source).map(|i| i as u32 + 1));
    starts
}

fn position(line_starts: &[u32], offset: usize) -> Pos {
    // `line_starts[0] == 0`, so the index is at least 1.
    let index = line_starts.partition_point(|&start| start as usize <= offset) - 1;
    position_on_line(line_starts, index, offset)
}

fn position_on_line(line_starts: &[u32], index: usize, offset: usize) -> Pos {
    Pos {
        line: u32::try_from(index + 1).unwrap_or(u32::MAX),
        column: u32::try_from(offset - line_starts[index] as usize).unwrap_or(u32::MAX),
    }
}

/// Operators and punctuation, longest first so that the first match wins.
const OPERATORS: &[&str] = &[
    "**=", "//=", ">>=", "<<=", "...", "**", "//", ">>", "<<", "<=", ">=", "==", "!=", "->", ":=",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=", "+", "-", "*", "/", "%", "@", "&", "|",
    "^", "~", "<", ">", "(", ")", "[", "]", "{", "}", ",", ":", ";", ".", "=", "!",
];

/// The operator that `rest` starts with, longest first: `OPERATORS` grouped
/// by first byte, so that a lookup tries a handful, not the whole list.
fn operator_at(rest: &[u8]) -> Option<&'static str> {
    static BY_FIRST_BYTE: OnceLock<Vec<Vec<&'static str>>> = OnceLock::new();
    let groups = BY_FIRST_BYTE.get_or_init(|| {
        let mut groups = vec![Vec::new(); 256];
        for op in OPERATORS {
            groups[usize::from(op.as_bytes()[0])].push(*op);
        }
        groups
    });
    let first = usize::from(*rest.first()?);
    groups[first]
        .iter()
        .copied()
        .find(|op| follows(op.as_bytes(), rest))
}

/// Whether `rest`, whose first byte is `op`'s, goes on as `op` does: byte by
/// byte, since an operator is at most three bytes, shorter than a call.
fn follows(op: &[u8], rest: &[u8]) -> bool {
    op.len() <= rest.len() && (1..op.len()).all(|at| op[at] == rest[at])
}

/// The deepest nesting of strings and replacement fields inside an f-string
/// that is lexed; anything deeper is an error, never a stack overflow.
const MAX_NESTING: u32 = 32;

/// A string's closing delimiter.
#[derive(Clone, Copy)]
struct Delimiter {
    quote: u8,
    triple: bool,
}

impl Delimiter {
    fn len(self) -> usize {
        if self.triple {
            3
        } else {
            1
        }
    }

    fn closes_at(self, src: &[u8], at: usize) -> bool {
        // Asked at every byte of a body: the first byte settles most.
        src[at] == self.quote && src[at..].starts_with(&[self.quote; 3][..self.len()])
    }

    fn unterminated(self) -> LexProblem {
        if self.triple {
            LexProblem::UnterminatedTripleQuotedString
        } else {
            LexProblem::UnterminatedString
        }
    }
}

/// How many bytes `a` and `b` begin with in common: compared a block at a
/// time (one `memcmp` each), then byte by byte in the first block that differs.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 4096;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= len && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The last version of each file lexed, by path, so that the next version
/// of the same file is lexed from where the two differ: an audit lexes a
/// migrations file that grows by a few lines at every commit.
#[derive(Debug, Default)]
pub struct LexMemo {
    last: std::collections::HashMap<Vec<u8>, (Vec<u8>, Arc<Layout>)>,
}

impl LexMemo {
    /// `PythonFile::lex(source)`, resumed from the last version of `path`.
    pub fn lex<'a>(&mut self, path: &[u8], source: &'a [u8]) -> Result<PythonFile<'a>, LexError> {
        let file = match self.last.remove(path) {
            // The last file is gone by now: its tokens are taken, not copied.
            Some((before, layout)) => {
                let tokens = Arc::try_unwrap(layout)
                    .map_or_else(|shared| shared.tokens.clone(), |l| l.tokens);
                PythonFile::lex_resuming(source, &before, tokens)?
            }
            None => PythonFile::lex(source)?,
        };
        self.last
            .insert(path.to_vec(), (source.to_vec(), Arc::clone(&file.layout)));
        Ok(file)
    }
}

struct Lexer<'a> {
    src: &'a [u8],
    line_starts: &'a [u32],
    pos: usize,
    /// Bracket depth: line breaks inside brackets end no statement.
    depth: u32,
    /// A statement has tokens and no `Newline` yet.
    statement_open: bool,
    tokens: Vec<Token>,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a [u8], line_starts: &'a [u32]) -> Lexer<'a> {
        Lexer {
            src,
            line_starts,
            pos: 0,
            depth: 0,
            statement_open: false,
            tokens: Vec::new(),
        }
    }

    fn run(mut self) -> Result<Vec<Token>, LexError> {
        if self.pos == 0 && self.src.starts_with(BOM) {
            self.pos = BOM.len();
        }
        while let Some(&byte) = self.src.get(self.pos) {
            let start = self.pos;
            match byte {
                // Python ends a line at LF, CRLF or a lone CR; git only at LF,
                // so a lone CR ends a logical line inside one of git's lines.
                b'\n' => self.line_break(start + 1),
                b'\r' if self.src.get(start + 1) == Some(&b'\n') => self.line_break(start + 2),
                b'\r' => self.line_break(start + 1),
                // A lone CR is matched above: the rest of a run of blanks.
                _ if is_blank(byte) => {
                    self.pos += self.src[start..]
                        .iter()
                        .position(|&b| !matches!(b, b' ' | b'\t' | b'\x0c' | b'\x0b'))
                        .unwrap_or(self.src.len() - start);
                }
                b'#' => {
                    // A comment ends at the line end, a lone CR included.
                    let end = self.src[start..]
                        .iter()
                        .position(|&b| b == b'\n' || b == b'\r')
                        .map_or(self.src.len(), |at| start + at);
                    self.push(TokenKind::Comment, end, 0);
                }
                b'\\' => match line_ending_len(self.src, start + 1) {
                    // A continuation joins the lines; it is no token.
                    Some(len) => self.pos = start + 1 + len,
                    None => self.push(TokenKind::Other, start + 1, 0),
                },
                _ if is_quote(byte) => self.string(start, StringPrefix::default())?,
                b'0'..=b'9' => self.number(),
                b'.' if self.src.get(start + 1).is_some_and(u8::is_ascii_digit) => self.number(),
                _ if is_identifier_start(byte) => self.name_or_string()?,
                _ => self.operator(),
            }
        }
        if self.statement_open {
            self.push(TokenKind::Newline, self.src.len(), 0);
        }
        Ok(self.tokens)
    }

    /// Pushes a token from `self.pos` to `end` and moves past it.
    /// `bits` are a string literal's (`StringBits`), 0 for other tokens.
    #[inline(always)]
    fn push(&mut self, kind: TokenKind, end: usize, bits: u8) {
        let start = self.pos;
        // `PythonFile::lex` lexes no file of 4 GiB or more.
        let offset = |at: usize| u32::try_from(at).unwrap_or(u32::MAX);
        self.tokens.push(Token {
            kind,
            bits,
            from: offset(start),
            to: offset(end),
        });
        self.statement_open = match kind {
            TokenKind::Newline | TokenKind::LineBreak => false,
            TokenKind::Comment => self.statement_open,
            _ => true,
        };
        self.pos = end;
    }

    fn line_break(&mut self, end: usize) {
        let kind = if self.depth == 0 && self.statement_open {
            TokenKind::Newline
        } else {
            TokenKind::LineBreak
        };
        let open = self.statement_open && kind == TokenKind::LineBreak;
        self.push(kind, end, 0);
        // A break inside brackets leaves the statement open.
        self.statement_open = open;
    }

    fn number(&mut self) {
        let src = self.src;
        let start = self.pos;
        let hex = src[start..].starts_with(b"0x") || src[start..].starts_with(b"0X");
        let mut end = start;
        while let Some(&b) = src.get(end) {
            let exponent_sign = matches!(b, b'+' | b'-')
                && !hex
                && end > start
                && matches!(src[end - 1], b'e' | b'E');
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || exponent_sign {
                end += 1;
            } else {
                break;
            }
        }
        self.push(TokenKind::Number, end, 0);
    }

    fn name_or_string(&mut self) -> Result<(), LexError> {
        let end = identifier_end(self.src, self.pos);
        if self.src.get(end).copied().is_some_and(is_quote) {
            if let Some(prefix) = StringPrefix::parse(&self.src[self.pos..end]) {
                return self.string(end, prefix);
            }
        }
        self.push(TokenKind::Name, end, 0);
        Ok(())
    }

    /// A string literal whose prefix runs from `self.pos` to `quote_at`.
    fn string(&mut self, quote_at: usize, prefix: StringPrefix) -> Result<(), LexError> {
        let (end, literal) =
            scan_string(self.src, quote_at, prefix, 0).map_err(|problem| LexError {
                line: position(self.line_starts, self.pos).line,
                problem,
            })?;
        let bits = StringBits::pack(prefix, quote_at - self.pos, literal.quote, literal.triple);
        self.push(TokenKind::String, end, bits);
        Ok(())
    }

    fn operator(&mut self) {
        let rest = &self.src[self.pos..];
        let Some(op) = operator_at(rest) else {
            self.push(TokenKind::Other, self.pos + 1, 0);
            return;
        };
        // No longer operator starts with a bracket.
        match op.as_bytes()[0] {
            b'(' | b'[' | b'{' => self.depth += 1,
            b')' | b']' | b'}' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        self.push(TokenKind::Operator, self.pos + op.len(), 0);
    }
}

/// The length of the line ending at `at` (`\n`, `\r\n` or a lone `\r`, as
/// Python reads them), if there is one.
fn line_ending_len(src: &[u8], at: usize) -> Option<usize> {
    match src.get(at..)? {
        [b'\n', ..] => Some(1),
        [b'\r', b'\n', ..] => Some(2),
        [b'\r', ..] => Some(1),
        _ => None,
    }
}

fn identifier_end(src: &[u8], start: usize) -> usize {
    src[start..]
        .iter()
        .position(|&b| !is_identifier_continue(b))
        .map_or(src.len(), |at| start + at)
}

/// Just past an escape that starts with the backslash at `at`; a backslash
/// before CRLF takes both bytes. May point past the end of `src`.
fn skip_escape(src: &[u8], at: usize) -> usize {
    at + 1 + line_ending_len(src, at + 1).unwrap_or(1)
}

/// Scans the literal whose opening quote is at `quote_at`; returns the offset
/// just past its closing quote, and its details.
fn scan_string(
    src: &[u8],
    quote_at: usize,
    prefix: StringPrefix,
    nesting: u32,
) -> Result<(usize, StringLiteral), LexProblem> {
    if nesting > MAX_NESTING {
        return Err(LexProblem::NestedTooDeep);
    }
    let quote = src[quote_at];
    let triple = src[quote_at..].starts_with(&[quote; 3]);
    let delimiter = Delimiter { quote, triple };
    let body_start = quote_at + delimiter.len();
    let body_end = scan_body(src, body_start, delimiter, prefix.has_fields(), nesting)?;
    let literal = StringLiteral {
        prefix,
        quote,
        triple,
        body: body_start..body_end,
        docstring: false,
    };
    Ok((body_end + delimiter.len(), literal))
}

/// The offset of the closing quote of a body that starts at `at`.
fn scan_body(
    src: &[u8],
    mut at: usize,
    delimiter: Delimiter,
    fields: bool,
    nesting: u32,
) -> Result<usize, LexProblem> {
    // The bytes that can end a body or start something inside one; every
    // other byte is passed over at once.
    static STOPS: [bool; 256] = {
        let mut table = [false; 256];
        let stops = *b"\\\n\r{'\"";
        let mut i = 0;
        while i < stops.len() {
            table[stops[i] as usize] = true;
            i += 1;
        }
        table
    };
    loop {
        at += src
            .get(at..)
            .and_then(|rest| rest.iter().position(|&b| STOPS[usize::from(b)]))
            .unwrap_or(src.len().saturating_sub(at));
        let Some(&byte) = src.get(at) else {
            return Err(delimiter.unterminated());
        };
        match byte {
            // Even in a raw string a backslash keeps the next quote open.
            b'\\' => at = skip_escape(src, at),
            b'\n' | b'\r' if !delimiter.triple => return Err(delimiter.unterminated()),
            b'{' if fields && src.get(at + 1) == Some(&b'{') => at += 2,
            b'{' if fields => at = scan_field(src, at + 1, delimiter, nesting + 1)?,
            _ if delimiter.closes_at(src, at) => return Ok(at),
            _ => at += 1,
        }
    }
}

/// A replacement field's expression, from just after its `{`; returns the
/// offset just past its `}`. Quotes inside start nested literals (Python
/// 3.12 allows even the enclosing quote there).
fn scan_field(
    src: &[u8],
    mut at: usize,
    delimiter: Delimiter,
    nesting: u32,
) -> Result<usize, LexProblem> {
    if nesting > MAX_NESTING {
        return Err(LexProblem::NestedTooDeep);
    }
    let mut depth = 0u32;
    loop {
        let Some(&byte) = src.get(at) else {
            return Err(LexProblem::UnterminatedReplacementField);
        };
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                at += 1;
            }
            b'}' if depth == 0 => return Ok(at + 1),
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                at += 1;
            }
            b':' if depth == 0 => return scan_format_spec(src, at + 1, delimiter, nesting),
            b'\n' | b'\r' if !delimiter.triple => {
                return Err(LexProblem::UnterminatedReplacementField)
            }
            b'#' if delimiter.triple => {
                at = src[at..]
                    .iter()
                    .position(|&b| b == b'\n' || b == b'\r')
                    .map_or(src.len(), |n| at + n);
            }
            b'\\' => at = skip_escape(src, at),
            _ if is_quote(byte) => {
                at = scan_string(src, at, StringPrefix::default(), nesting + 1)?.0;
            }
            _ if is_identifier_start(byte) => {
                let end = identifier_end(src, at);
                let prefix = StringPrefix::parse(&src[at..end]);
                match (src.get(end).copied().filter(|&b| is_quote(b)), prefix) {
                    (Some(_), Some(prefix)) => at = scan_string(src, end, prefix, nesting + 1)?.0,
                    _ => at = end,
                }
            }
            _ => at += 1,
        }
    }
}

/// A format spec (after a field's `:`), literal text with nested fields;
/// returns the offset just past the field's `}`.
fn scan_format_spec(
    src: &[u8],
    mut at: usize,
    delimiter: Delimiter,
    nesting: u32,
) -> Result<usize, LexProblem> {
    loop {
        let Some(&byte) = src.get(at) else {
            return Err(LexProblem::UnterminatedReplacementField);
        };
        match byte {
            b'{' => at = scan_field(src, at + 1, delimiter, nesting + 1)?,
            b'}' => return Ok(at + 1),
            b'\\' => at = skip_escape(src, at),
            b'\n' | b'\r' if !delimiter.triple => {
                return Err(LexProblem::UnterminatedReplacementField)
            }
            _ if delimiter.closes_at(src, at) => {
                return Err(LexProblem::UnterminatedReplacementField)
            }
            _ => at += 1,
        }
    }
}

/// Finds the first statement of the module and of every class and function
/// body, and marks it as a docstring if it is only string literals.
/// Marks the docstrings of `tokens[from..]`. A `from` past 0 is just after
/// a statement that opens no body (see `PythonFile::lex_resuming`), whose
/// own tokens are marked already.
fn mark_docstrings(tokens: &mut [Token], src: &[u8], from: usize) {
    let name = |i: usize| {
        let token = &tokens[i];
        (token.kind == TokenKind::Name).then(|| &src[token.span()])
    };
    let mut docstrings = Vec::new();
    let mut depth = 0u32;
    let mut at_statement_start = true;
    // The module's first statement may be its docstring.
    let mut first_of_body = from == 0;
    let mut in_header = false;
    let mut body_on_next_line = false;
    let mut next = significant_from(tokens, from);
    while let Some(i) = next {
        next = significant_from(tokens, i + 1);
        if at_statement_start {
            at_statement_start = false;
            if std::mem::take(&mut first_of_body) {
                docstrings.extend(docstring_at(tokens, src, i));
            }
            let next_is_def = next.is_some_and(|j| name(j) == Some(b"def"));
            in_header = match name(i) {
                Some(b"def" | b"class") => true,
                Some(b"async") => next_is_def,
                _ => false,
            };
        }
        let token = &tokens[i];
        match token.kind {
            TokenKind::Newline => {
                at_statement_start = true;
                first_of_body = std::mem::take(&mut body_on_next_line);
                in_header = false;
            }
            TokenKind::Operator => match &src[token.span()] {
                b"(" | b"[" | b"{" => depth += 1,
                b")" | b"]" | b"}" => depth = depth.saturating_sub(1),
                b";" if depth == 0 => at_statement_start = true,
                b":" if depth == 0 && in_header => {
                    in_header = false;
                    if matches!(
                        next.map(|j| tokens[j].kind),
                        None | Some(TokenKind::Newline)
                    ) {
                        body_on_next_line = true;
                    } else {
                        // `def f(): """doc"""`: the body starts right here.
                        at_statement_start = true;
                        first_of_body = true;
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    for i in docstrings {
        let token = &mut tokens[i];
        if token.kind == TokenKind::String {
            token.bits |= StringBits::DOCSTRING;
        }
    }
}

/// The first significant token at or after `at`, if any: the docstring
/// pass walks them without listing them.
fn significant_from(tokens: &[Token], at: usize) -> Option<usize> {
    (at..tokens.len()).find(|&i| tokens[i].is_significant())
}

/// The string tokens of the statement starting at token `start` if it is a
/// docstring: `(`s, string literals that are neither bytes nor f/t-strings,
/// as many `)`s, then the end of the statement.
fn docstring_at(tokens: &[Token], src: &[u8], start: usize) -> Vec<usize> {
    let token = |at: Option<usize>| at.map(|i| &tokens[i]);
    let step = |at: Option<usize>| at.and_then(|i| significant_from(tokens, i + 1));
    let mut at = Some(start);
    let mut opens = 0;
    while token(at).is_some_and(|t| t.is_operator(src, "(")) {
        opens += 1;
        at = step(at);
    }
    let mut strings = Vec::new();
    while let Some(i) = at.filter(|&i| tokens[i].kind == TokenKind::String) {
        let prefix = tokens[i].string().map(|s| s.prefix);
        if prefix.is_some_and(|p| p.bytes || p.has_fields()) {
            return Vec::new();
        }
        strings.push(i);
        at = step(at);
    }
    for _ in 0..opens {
        if !token(at).is_some_and(|t| t.is_operator(src, ")")) {
            return Vec::new();
        }
        at = step(at);
    }
    let ends = match token(at) {
        None => true,
        Some(t) => t.kind == TokenKind::Newline || t.is_operator(src, ";"),
    };
    if !ends {
        return Vec::new();
    }
    strings
}
