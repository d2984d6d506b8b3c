//! git's output read as it comes: the walks and streams of a history audit
//! (`git log` of patches and of added files), records split on a delimiter.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::ChildStdout;
use std::sync::mpsc::{sync_channel, Receiver};

use super::*;

/// The commits a `git log` walks: from `tip`, not into `excluded` or their
/// ancestors, along first parents only or along every parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogWalk {
    /// Full object names, as `resolve_commits` gives them.
    pub tip: String,
    pub excluded: Vec<String>,
    pub first_parent: bool,
}

impl LogWalk {
    /// Walk options, then the revisions; every stream of one audit uses the
    /// same, so that they list the same commits in the same order.
    pub(super) fn args(&self) -> Vec<String> {
        let order = match self.first_parent {
            true => "--first-parent",
            // Several parents: one deterministic order for every stream.
            false => "--topo-order",
        };
        let mut args = vec![
            order.to_string(),
            "--end-of-options".into(),
            self.tip.clone(),
        ];
        args.extend(self.excluded.iter().map(|sha| format!("^{sha}")));
        args
    }
}

/// A running git process whose standard output is read as it comes; its
/// standard error is drained on a thread so that git never blocks on it.
pub struct GitStream<'g> {
    pub(super) git: &'g Git,
    pub(super) what: &'static str,
    pub(super) child: Child,
    pub(super) stdout: Option<ChildStdout>,
    pub(super) stderr: Option<JoinHandle<Vec<u8>>>,
}

impl GitStream<'_> {
    /// The output, split into records that end with `delimiter`, read
    /// ahead on a thread (see `ReadAhead`).
    pub fn records(&mut self, delimiter: u8) -> Records<ReadAhead> {
        Records::new(self.read_ahead(), delimiter)
    }

    /// The output read ahead on a thread, to be read later (see `ReadAhead`).
    pub fn read_ahead(&mut self) -> ReadAhead {
        ReadAhead::new(self.stdout.take().expect("the output is read once"))
    }

    /// Waits for git; a non-zero exit is an error that quotes git.
    pub fn finish(mut self) -> Result<()> {
        drop(self.stdout.take());
        let status = self.child.wait()?;
        let stderr = self
            .stderr
            .take()
            .and_then(|thread| thread.join().ok())
            .unwrap_or_default();
        if !status.success() {
            return Err(self.git.failure(self.what, &stderr));
        }
        Ok(())
    }
}

impl Drop for GitStream<'_> {
    fn drop(&mut self) {
        // Not finished (an error while reading): stop our own child.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A raw listing on its way (`Git::raw_listing_ahead`).
pub struct Listing<'g> {
    pub(super) stream: GitStream<'g>,
    pub(super) output: ReadAhead,
}

impl Listing<'_> {
    /// The listing's bytes once git is done; a non-zero exit is an error
    /// that quotes git, as `Git::raw_listing`'s.
    pub fn wait(mut self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        self.output.read_to_end(&mut bytes)?;
        self.stream.finish()?;
        Ok(bytes)
    }
}

/// A child's output read on a thread, up to `ReadAhead::CHUNKS` chunks
/// before the reader asks for them: git goes on producing a long stream
/// while the audit judges what came before, instead of stalling on a full
/// pipe and starting again only when it is drained.
pub struct ReadAhead {
    chunks: Receiver<std::io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
}

impl ReadAhead {
    const CHUNK: usize = 1 << 16;
    /// At most 16 MiB read ahead.
    const CHUNKS: usize = 256;

    pub fn new(mut inner: impl Read + Send + 'static) -> ReadAhead {
        let (sender, chunks) = sync_channel(Self::CHUNKS);
        // The thread ends at the end of the stream, on an error, or when
        // the reader goes away (its next send fails).
        // One buffer read into, and each chunk sent as long as what came:
        // a pipe gives a few KiB at a time, and a fresh zeroed buffer for
        // each read would touch (and fault in) many times the stream.
        std::thread::spawn(move || {
            let mut buffer = vec![0; Self::CHUNK];
            loop {
                match inner.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(n) => {
                        if sender.send(Ok(buffer[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let _ = sender.send(Err(e));
                        break;
                    }
                }
            }
        });
        ReadAhead {
            chunks,
            current: Vec::new(),
            at: 0,
        }
    }
}

impl Read for ReadAhead {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.current.len() {
            match self.chunks.recv() {
                Ok(chunk) => {
                    self.current = chunk?;
                    self.at = 0;
                }
                // The thread is done: the end of the stream.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Delimited records read from a stream without copying those that lie
/// whole in the read buffer.
pub struct Records<R> {
    reader: BufReader<R>,
    delimiter: u8,
    /// A record that straddles two reads.
    spill: Vec<u8>,
    /// Bytes of the buffer handed out by the last call, consumed on the next.
    consumed: usize,
}

impl<R: Read> Records<R> {
    pub fn new(inner: R, delimiter: u8) -> Self {
        Records {
            reader: BufReader::with_capacity(1 << 18, inner),
            delimiter,
            spill: Vec::new(),
            consumed: 0,
        }
    }

    /// The next record with its delimiter (the last may lack it), or `None`
    /// at the end.
    pub fn next_record(&mut self) -> std::io::Result<Option<&[u8]>> {
        self.reader.consume(std::mem::take(&mut self.consumed));
        self.spill.clear();
        loop {
            let buffer = self.reader.fill_buf()?;
            if buffer.is_empty() {
                return Ok((!self.spill.is_empty()).then_some(&self.spill[..]));
            }
            match memchr::memchr(self.delimiter, buffer) {
                Some(at) if self.spill.is_empty() => {
                    self.consumed = at + 1;
                    return Ok(Some(&self.reader.buffer()[..at + 1]));
                }
                Some(at) => {
                    self.spill.extend_from_slice(&buffer[..at + 1]);
                    self.reader.consume(at + 1);
                    return Ok(Some(&self.spill[..]));
                }
                None => {
                    let len = buffer.len();
                    self.spill.extend_from_slice(buffer);
                    self.reader.consume(len);
                }
            }
        }
    }
}

impl Git {
    /// Starts git with its standard output piped, to be read as it comes.
    pub(super) fn spawn(&self, cmd: Cmd<'_>, what: &'static str) -> Result<GitStream<'_>> {
        self.spawn_with(cmd, what, Stdio::null())
    }

    pub(super) fn spawn_with(
        &self,
        cmd: Cmd<'_>,
        what: &'static str,
        stdin: Stdio,
    ) -> Result<GitStream<'_>> {
        let mut command = std::process::Command::from(cmd);
        command
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().map_err(|e| {
            Error::new(format!(
                "cannot run git ({e}): is git installed and on PATH?"
            ))
        })?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take().map(|mut pipe| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = pipe.read_to_end(&mut bytes);
                bytes
            })
        });
        Ok(GitStream {
            git: self,
            what,
            child,
            stdout,
            stderr,
        })
    }

    /// A `git cat-file --batch-check` (symlinks followed inside the tree, or
    /// not) that answers requests as they come: where paths lead, commit
    /// after commit, from one process.
    pub fn check_session(&self, follow: bool) -> Result<CheckSession<'_>> {
        let mut cmd = self.cmd().args(["cat-file", "--batch-check"]);
        if follow {
            cmd = cmd.arg("--follow-symlinks");
        }
        let mut stream = self.spawn_with(cmd, "resolve the watched paths", Stdio::piped())?;
        let requests = stream.child.stdin.take().expect("stdin is piped");
        let answers = BufReader::new(stream.stdout.take().expect("stdout is piped"));
        Ok(CheckSession {
            _stream: stream,
            requests,
            answers,
        })
    }

    /// A `git cat-file --batch` that answers requests as they come.
    pub fn cat_file_session(&self) -> Result<CatFileSession<'_>> {
        let mut stream = self.spawn_with(
            self.cmd().args(BATCH),
            "read the watched files at a commit",
            Stdio::piped(),
        )?;
        let requests = stream.child.stdin.take().expect("stdin is piped");
        let answers = BufReader::new(stream.stdout.take().expect("stdout is piped"));
        Ok(CatFileSession {
            stream,
            requests,
            answers,
            dir_blobs: HashMap::new(),
        })
    }

    /// The patch stream of an audit: every commit of the walk, each with the
    /// patch of `paths` against its first parent (for a merge, the whole pull
    /// request), with the same diff options as `patch`.
    pub fn log_patches(&self, walk: &LogWalk, paths: &[&str]) -> Result<GitStream<'_>> {
        self.spawn(self.log_patches_cmd(walk, paths), "read the history")
    }

    pub fn log_patches_cmd(&self, walk: &LogWalk, paths: &[&str]) -> Cmd<'_> {
        // `--sparse --full-history`: list every commit, even one that does not
        // touch the paths, and never prune a side of a merge.
        self.cmd()
            .arg("log")
            .args(["--sparse", "--full-history", "--no-notes"])
            .args(["-p", "--diff-merges=first-parent"])
            .arg(format!("--format={PATCH_LOG_FORMAT}"))
            .args(DIFF_OPTIONS)
            .args(["--text", "-U3"])
            .args(walk.args())
            .arg("--")
            .args(paths.iter().map(|p| literal_pathspec(p)))
    }

    /// The added-files stream of an audit: for each commit of the walk that
    /// has files of the given statuses against its first parent, their
    /// name-status entries, over the whole tree (as `name_status` sees it,
    /// renames included).
    pub fn log_added_files(&self, walk: &LogWalk, statuses: &[Status]) -> Result<GitStream<'_>> {
        self.spawn(self.log_added_files_cmd(walk, statuses), "read the history")
    }

    pub fn log_added_files_cmd(&self, walk: &LogWalk, statuses: &[Status]) -> Cmd<'_> {
        let filter: String = statuses.iter().map(|s| s.letter()).collect();
        self.cmd()
            .arg("log")
            .args(["--no-notes", "--name-status", "-z"])
            .arg("--diff-merges=first-parent")
            .arg(format!("--diff-filter={filter}"))
            .arg(format!("--format={ADDED_LOG_FORMAT}"))
            .args(DIFF_OPTIONS)
            .args(walk.args())
            .arg("--")
    }

    /// The oldest commit on the walk's first-parent line that changes
    /// something under `dir`, with its first parent if it has one.
    pub fn oldest_commit_touching(
        &self,
        walk: &LogWalk,
        dir: &str,
    ) -> Result<Option<(String, Option<String>)>> {
        let walk = LogWalk {
            first_parent: true,
            ..walk.clone()
        };
        let mut stream = self.spawn(
            self.cmd()
                .args(["log", "--no-notes", "--format=%H %P"])
                .args(walk.args())
                .arg("--")
                .arg(literal_pathspec(dir)),
            "read the history of the revision directory",
        )?;
        let mut lines = stream.records(b'\n');
        let mut oldest = None;
        while let Some(line) = lines.next_record()? {
            oldest = Some(line.to_vec());
        }
        drop(lines);
        stream.finish()?;
        let Some(line) = oldest else {
            return Ok(None);
        };
        let text = String::from_utf8_lossy(&line);
        let mut names = text.split_whitespace().map(str::to_string);
        Ok(names.next().map(|sha| (sha, names.next())))
    }

    /// For each `commit:path`, whether the path exists in that commit; one
    /// process, names on standard input.
    pub fn paths_exist(&self, names: &[(String, String)]) -> Result<Vec<bool>> {
        let mut input = String::new();
        for (commit, path) in names {
            if path.contains('\n') {
                return Err(Error::new(format!(
                    "the path {path:?} contains a line break and cannot be looked up"
                )));
            }
            input.push_str(&format!("{commit}:{path}\n"));
        }
        let lines = self.batch_check("%(objecttype)", input, names.len(), "look up paths")?;
        Ok(lines.iter().map(|l| !l.ends_with(" missing")).collect())
    }

    /// `git cat-file --batch-check=FORMAT` on the object names of `input`,
    /// one per line: the answer's lines, exactly `expected` of them.
    pub(super) fn batch_check(
        &self,
        format: &str,
        input: String,
        expected: usize,
        what: &str,
    ) -> Result<Vec<String>> {
        let out = self.run(
            self.cmd()
                .arg("cat-file")
                .arg(format!("--batch-check={format}"))
                .stdin(input),
            what,
        )?;
        let lines: Vec<String> = String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_string)
            .collect();
        if lines.len() != expected {
            return Err(Error::new(
                "git cat-file answered with an unexpected number of lines",
            ));
        }
        Ok(lines)
    }
}
