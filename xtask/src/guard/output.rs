//! Writing to the reader: standard output and standard error that a closed
//! pipe (`| head`, a log collector that went away) can never turn into a
//! panic or a backtrace. A write to a closed pipe is not an error of the
//! guard: the output stops and the exit code stays the verdict's, as
//! ripgrep does. (Rust reopens a *closed* descriptor as `/dev/null` at start,
//! so only a broken pipe needs handling.)

use std::io::{ErrorKind, IsTerminal, Write};

/// Writes `text` to standard output and flushes it. `Ok(false)` if the
/// reader has gone (a broken pipe); any other failure is an error.
pub fn stdout(text: &str) -> std::io::Result<bool> {
    write_all(&mut std::io::stdout().lock(), text.as_bytes())
}

/// Runs `write` on a buffered standard output and flushes it, with a broken
/// pipe as `Ok(false)` (see [`write_all`]): for output written as it is made.
pub fn stdout_with(
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<bool> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// Writes `text` to standard error; nothing can be done if that fails.
pub fn stderr(text: &str) {
    let _ = write_all(&mut std::io::stderr().lock(), text.as_bytes());
}

/// `write_all` and `flush`, with a broken pipe as `Ok(false)`.
pub fn write_all(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<bool> {
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}

/// Progress for long runs: on standard error when it is a terminal (a
/// person is waiting), never in CI or when redirected. Each call replaces
/// the last line; `finish` clears it.
pub struct Progress {
    on: bool,
    shown: bool,
}

impl Progress {
    pub fn new() -> Progress {
        Progress::when(std::io::stderr().is_terminal() && std::env::var_os("CI").is_none())
    }

    pub fn when(on: bool) -> Progress {
        Progress { on, shown: false }
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// Shows `line` (one line, no line feed) in place of the last.
    pub fn show(&mut self, line: &str) {
        if self.on {
            stderr(&format!("\r\x1b[2K{line}"));
            self.shown = true;
        }
    }

    pub fn finish(&mut self) {
        if self.shown {
            stderr("\r\x1b[2K");
            self.shown = false;
        }
    }
}

impl Default for Progress {
    fn default() -> Self {
        Progress::new()
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
