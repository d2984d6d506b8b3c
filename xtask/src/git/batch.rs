//! `git cat-file`: the long-lived sessions that read contents, say where a
//! path leads, and walk trees, and the parsing of their answers.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{ChildStdin, ChildStdout};

use parity_core::{PathBytes, Sources};

use super::*;

/// `git cat-file --batch`, symlinks followed inside the tree. Requests and
/// answers are lines (`-Z` would take any path, but needs git 2.40).
pub(super) const BATCH: [&str; 3] = ["cat-file", "--batch", "--follow-symlinks"];

/// Where a path leads in a commit, as Python would open it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file: its blob's full object name.
    Blob(String),
    /// Nothing at that path.
    Missing,
    /// A symlink that dangles, leaves the tree, loops or runs through a
    /// file: git's word for it (`dangling`, `symlink`, `loop`, `notdir`),
    /// and why it is no file.
    BadLink { kind: String, why: String },
    /// A directory or a submodule: no file, and why.
    NotAFile(String),
}

/// How one path is asked of `cat-file`: a request line (`commit:path`, or
/// the object name a tree listing found for a path that holds a line
/// break), or not at all: missing (`None`), or no file, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Ask {
    Line(Vec<u8>),
    Not(Option<String>),
}

pub(super) fn has_line_break(path: &PathBytes) -> bool {
    path.as_bytes().contains(&b'\n')
}

/// The request lines of a batch, in order.
pub(super) fn request_lines(plans: &[Vec<Ask>]) -> Vec<u8> {
    let mut input = Vec::new();
    for ask in plans.iter().flatten() {
        if let Ask::Line(line) = ask {
            input.extend_from_slice(line);
        }
    }
    input
}

pub(super) fn malformed_batch() -> Error {
    Error::new("git cat-file answered in an unexpected format")
}

/// One answer's header of `git cat-file --batch --follow-symlinks`.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// `<request> missing` (or `ambiguous`).
    Missing,
    /// `<name> <type> <size>`, then the contents for `--batch`.
    Object {
        name: String,
        kind: String,
        size: usize,
    },
    /// `symlink|dangling|loop|notdir <size>`, then that many bytes (the
    /// link's target outside the tree, or the request).
    Link { kind: String, size: usize },
    /// Not asked (a path with a line break that is no file), and why.
    NotAsked(String),
}

pub(super) fn batch_header(line: &[u8]) -> Result<Answer> {
    let header = String::from_utf8_lossy(line);
    if header.ends_with(" missing") || header.ends_with(" ambiguous") {
        return Ok(Answer::Missing);
    }
    let fields: Vec<&str> = header.split(' ').collect();
    let size = |s: &str| s.parse::<usize>().map_err(|_| malformed_batch());
    match fields[..] {
        [kind @ ("symlink" | "dangling" | "loop" | "notdir"), n] => Ok(Answer::Link {
            kind: kind.to_string(),
            size: size(n)?,
        }),
        [name, kind, n] => Ok(Answer::Object {
            name: name.to_string(),
            kind: kind.to_string(),
            size: size(n)?,
        }),
        _ => Err(malformed_batch()),
    }
}

/// Why an object that is not a blob is no file.
pub(super) fn not_a_file(kind: &str) -> String {
    match kind {
        "tree" => "a directory".into(),
        "commit" => "a submodule".into(),
        other => format!("a {other} object"),
    }
}

/// Why a symlink git would not follow is no file.
pub(super) fn link_problem(kind: &str, detail: &[u8]) -> String {
    let detail =
        parity_core::report::escape_controls(&String::from_utf8_lossy(detail)).into_owned();
    match kind {
        "symlink" => format!("a symlink that leaves the repository (to {detail})"),
        "dangling" => "a symlink that points at nothing in the repository".into(),
        "loop" => "a symlink loop".into(),
        _ => "a symlink through a file".into(),
    }
}

/// The next line of an answer, without its line feed.
pub(super) fn take_line<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8]> {
    let end = memchr::memchr(b'\n', rest).ok_or_else(malformed_batch)?;
    let line = &rest[..end];
    *rest = &rest[end + 1..];
    Ok(line)
}

/// `size` bytes and the line feed after them.
pub(super) fn take_body<'a>(rest: &mut &'a [u8], size: usize) -> Result<&'a [u8]> {
    if rest.len() <= size || rest[size] != b'\n' {
        return Err(malformed_batch());
    }
    let body = &rest[..size];
    *rest = &rest[size + 1..];
    Ok(body)
}

/// Records one answer in `sources`: a blob's contents, or why the path is
/// no readable file. A missing path is a submodule whose commit is not here,
/// or nothing: both are no file.
pub(super) fn record(sources: &mut Sources, path: &PathBytes, answer: Answer, body: Vec<u8>) {
    match answer {
        // The body moves in: a large file is held once, not copied.
        Answer::Object { kind, .. } if kind == "blob" => sources.insert(path.clone(), body),
        Answer::Object { kind, .. } => sources.insert_unreadable(path.clone(), not_a_file(&kind)),
        Answer::Link { kind, .. } => {
            sources.insert_unreadable(path.clone(), link_problem(&kind, &body))
        }
        Answer::Missing => {
            sources.insert_unreadable(path.clone(), "not a file (a submodule, or nothing at all)")
        }
        Answer::NotAsked(why) => sources.insert_unreadable(path.clone(), why),
    }
}

/// Reads the answers of `git cat-file --batch --follow-symlinks` to the
/// requests `plan` made for `paths`.
pub(super) fn parse_batch(rest: &mut &[u8], paths: &[PathBytes], plan: &[Ask]) -> Result<Sources> {
    let mut sources = Sources::new();
    for (path, ask) in paths.iter().zip(plan) {
        match ask {
            Ask::Not(None) => record(&mut sources, path, Answer::Missing, Vec::new()),
            Ask::Not(Some(why)) => sources.insert_unreadable(path.clone(), why.clone()),
            Ask::Line(_) => {
                let answer = batch_header(take_line(rest)?)?;
                let body = match &answer {
                    Answer::Missing | Answer::NotAsked(_) => &[][..],
                    Answer::Object { size, .. } | Answer::Link { size, .. } => {
                        take_body(rest, *size)?
                    }
                };
                record(&mut sources, path, answer, body.to_vec());
            }
        }
    }
    Ok(sources)
}

/// Bytes as an argument: exact on Unix, where paths are bytes.
#[cfg(unix)]
pub(super) fn os_string(bytes: Vec<u8>) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(bytes)
}

#[cfg(not(unix))]
pub(super) fn os_string(bytes: Vec<u8>) -> std::ffi::OsString {
    String::from_utf8_lossy(&bytes).into_owned().into()
}

/// The names of the regular files (modes 100644 and 100755) of a tree
/// object: entries `<mode> <name>\0<object name, raw>`.
/// One entry of a tree object: its mode, its name and its object name (raw bytes).
pub(super) struct TreeEntry<'t> {
    pub mode: &'t [u8],
    pub name: &'t [u8],
    pub id: &'t [u8],
}

impl TreeEntry<'_> {
    /// A regular file (not a symlink, a directory or a submodule).
    pub fn is_regular_file(&self) -> bool {
        self.mode == b"100644" || self.mode == b"100755"
    }

    /// The object name in hex, as `cat-file` takes it.
    pub fn hex_id(&self) -> String {
        self.id.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Every entry of a tree object.
pub(super) fn tree_entries(tree: &[u8], oid_bytes: usize) -> Result<Vec<TreeEntry<'_>>> {
    let mut entries = Vec::new();
    let mut rest = tree;
    while !rest.is_empty() {
        let space = memchr::memchr(b' ', rest).ok_or_else(malformed_batch)?;
        let nul = memchr::memchr(0, rest).ok_or_else(malformed_batch)?;
        if nul < space || rest.len() < nul + 1 + oid_bytes {
            return Err(malformed_batch());
        }
        entries.push(TreeEntry {
            mode: &rest[..space],
            name: &rest[space + 1..nul],
            id: &rest[nul + 1..nul + 1 + oid_bytes],
        });
        rest = &rest[nul + 1 + oid_bytes..];
    }
    Ok(entries)
}

/// An object read by name: its full object name, whether it is a blob, and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub name: String,
    pub is_blob: bool,
    pub contents: Vec<u8>,
}

/// What the decision's contents are read through: `CatFileSession`.
pub trait ReadContents {
    /// One `Sources` per `(commit, paths)` request, in order.
    fn contents_in(&mut self, requests: &[(&str, &[PathBytes])]) -> Result<Vec<Sources>>;
    /// The regular files directly in `dir` at `commit`.
    fn files_in_dir(&mut self, commit: &str, dir: &str) -> Result<Sources>;
    /// The paths of every file under `dir` at `commit` (empty: the whole tree).
    fn files_under(&mut self, commit: &str, dir: &str) -> Result<Vec<PathBytes>>;
}

impl ReadContents for CatFileSession<'_> {
    fn contents_in(&mut self, requests: &[(&str, &[PathBytes])]) -> Result<Vec<Sources>> {
        CatFileSession::contents_in(self, requests)
    }

    fn files_in_dir(&mut self, commit: &str, dir: &str) -> Result<Sources> {
        CatFileSession::files_in_dir(self, commit, dir)
    }

    fn files_under(&mut self, commit: &str, dir: &str) -> Result<Vec<PathBytes>> {
        CatFileSession::files_under(self, commit, dir)
    }
}

/// A `CatFileSession` started only when something is first read through it:
/// a check whose contents were all read ahead starts no process.
pub struct LazySession<'g> {
    git: &'g Git,
    session: Option<CatFileSession<'g>>,
}

impl<'g> LazySession<'g> {
    pub fn new(git: &'g Git) -> Self {
        LazySession { git, session: None }
    }

    fn session(&mut self) -> Result<&mut CatFileSession<'g>> {
        if self.session.is_none() {
            self.session = Some(self.git.cat_file_session()?);
        }
        Ok(self.session.as_mut().expect("just started"))
    }

    /// Starts the session now, if it is sure to be read through: git starts
    /// up while the caller does other work. Speculative: if it cannot
    /// start, the first read tries again and reports why.
    pub fn start(&mut self) {
        if self.session.is_none() {
            self.session = self.git.cat_file_session().ok();
        }
    }

    /// Ends the session, if one was started.
    pub fn finish(self) -> Result<()> {
        self.session.map_or(Ok(()), CatFileSession::finish)
    }
}

impl ReadContents for LazySession<'_> {
    fn contents_in(&mut self, requests: &[(&str, &[PathBytes])]) -> Result<Vec<Sources>> {
        if requests.iter().all(|(_, paths)| paths.is_empty()) {
            return Ok(requests.iter().map(|_| Sources::new()).collect());
        }
        self.session()?.contents_in(requests)
    }

    fn files_in_dir(&mut self, commit: &str, dir: &str) -> Result<Sources> {
        self.session()?.files_in_dir(commit, dir)
    }

    fn files_under(&mut self, commit: &str, dir: &str) -> Result<Vec<PathBytes>> {
        self.session()?.files_under(commit, dir)
    }
}

/// A `git cat-file --batch-check` kept running for a whole audit.
pub struct CheckSession<'g> {
    pub(super) _stream: GitStream<'g>,
    pub(super) requests: ChildStdin,
    pub(super) answers: BufReader<ChildStdout>,
}

impl CheckSession<'_> {
    /// Where each path leads in `commit` (a path with a line break, which
    /// cannot be asked for on a line, as missing).
    pub fn resolve(&mut self, commit: &str, paths: &[PathBytes]) -> Result<Vec<Resolved>> {
        self.send(commit, paths)?;
        self.receive(paths)
    }

    /// Asks where `paths` lead in `commit`; `receive` reads the answers, so
    /// that several sessions can work at once. A few short lines: they fit
    /// the pipe, so writing before reading cannot block on git's answers.
    pub fn send(&mut self, commit: &str, paths: &[PathBytes]) -> Result<()> {
        let mut input = Vec::new();
        for path in paths.iter().filter(|p| !has_line_break(p)) {
            input.extend_from_slice(commit.as_bytes());
            input.push(b':');
            input.extend_from_slice(path.as_bytes());
            input.push(b'\n');
        }
        self.requests.write_all(&input)?;
        self.requests.flush()?;
        Ok(())
    }

    /// The answers to the last `send` of `paths`.
    pub fn receive(&mut self, paths: &[PathBytes]) -> Result<Vec<Resolved>> {
        let mut out = Vec::new();
        for path in paths {
            if has_line_break(path) {
                out.push(Resolved::Missing);
                continue;
            }
            let mut header = Vec::new();
            self.answers.read_until(b'\n', &mut header)?;
            let line = header.strip_suffix(b"\n").ok_or_else(malformed_batch)?;
            out.push(match batch_header(line)? {
                Answer::Missing | Answer::NotAsked(_) => Resolved::Missing,
                Answer::Object { name, kind, .. } if kind == "blob" => Resolved::Blob(name),
                Answer::Object { kind, .. } => Resolved::NotAFile(not_a_file(&kind)),
                Answer::Link { kind, size } => {
                    let mut body = vec![0; size + 1];
                    self.answers.read_exact(&mut body)?;
                    if body.pop() != Some(b'\n') {
                        return Err(malformed_batch());
                    }
                    let why = link_problem(&kind, &body);
                    Resolved::BadLink { kind, why }
                }
            });
        }
        Ok(out)
    }
}

/// A `git cat-file --batch` kept running for a whole audit: each commit's
/// requests go in as it is judged, so one process serves every commit.
pub struct CatFileSession<'g> {
    pub(super) stream: GitStream<'g>,
    pub(super) requests: ChildStdin,
    pub(super) answers: BufReader<ChildStdout>,
    /// The blobs `files_in_dir` read, by raw object name, for the session:
    /// a scan reads a revision directory at many commits, and from one
    /// commit to the next almost all of its files are the same blobs.
    pub(super) dir_blobs: HashMap<Vec<u8>, Vec<u8>>,
}

impl CatFileSession<'_> {
    /// The contents of `paths` in `commit` (a full object name), as
    /// `Git::contents_at` gives them.
    pub fn contents_at(&mut self, commit: &str, paths: &[PathBytes]) -> Result<Sources> {
        let mut sources = Sources::new();
        for path in paths {
            let (answer, body) = self.ask(commit, path.as_bytes())?;
            record(&mut sources, path, answer, body);
        }
        Ok(sources)
    }

    /// One request, and its answer with the bytes that follow it.
    fn ask(&mut self, commit: &str, path: &[u8]) -> Result<(Answer, Vec<u8>)> {
        let path = PathBytes::from(path);
        let plan = match has_line_break(&path) {
            true => self.stream.git.plan(commit, std::slice::from_ref(&path))?,
            false => {
                let mut line = format!("{commit}:").into_bytes();
                line.extend_from_slice(path.as_bytes());
                line.push(b'\n');
                vec![Ask::Line(line)]
            }
        };
        match plan.into_iter().next() {
            Some(Ask::Line(line)) => self.answer(&line),
            Some(Ask::Not(Some(why))) => Ok((Answer::NotAsked(why), Vec::new())),
            _ => Ok((Answer::Missing, Vec::new())),
        }
    }

    /// The answer to one request line, with the bytes that follow it.
    fn answer(&mut self, request: &[u8]) -> Result<(Answer, Vec<u8>)> {
        self.requests.write_all(request)?;
        self.requests.flush()?;
        let mut header = Vec::new();
        self.answers.read_until(b'\n', &mut header)?;
        let line = header.strip_suffix(b"\n").ok_or_else(malformed_batch)?;
        let answer = batch_header(line)?;
        let size = match &answer {
            Answer::Missing | Answer::NotAsked(_) => return Ok((answer, Vec::new())),
            Answer::Object { size, .. } | Answer::Link { size, .. } => *size,
        };
        let mut body = vec![0; size + 1];
        self.answers.read_exact(&mut body)?;
        if body.pop() != Some(b'\n') {
            return Err(malformed_batch());
        }
        Ok((answer, body))
    }

    /// The object at `commit:path` (a blob's contents, or a tree's), with
    /// its object name, or `None` if there is none (or it is a symlink git
    /// will not follow).
    pub fn object_at(&mut self, commit: &str, path: &str) -> Result<Option<Object>> {
        match self.ask(commit, path.as_bytes())? {
            (Answer::Object { name, kind, .. }, contents) => Ok(Some(Object {
                name,
                is_blob: kind == "blob",
                contents,
            })),
            _ => Ok(None),
        }
    }

    /// The regular files directly in `dir` at `commit` (a full object name),
    /// with their contents: none when `dir` is not a directory there.
    /// Symlinks and submodules are not files; subdirectories are not read.
    pub fn files_in_dir(&mut self, commit: &str, dir: &str) -> Result<Sources> {
        let dir = dir.trim_end_matches('/');
        let tree = match self.object_at(commit, dir)? {
            Some(object) if !object.is_blob => object,
            _ => return Ok(Sources::new()),
        };
        let mut sources = Sources::new();
        for entry in tree_entries(&tree.contents, tree.name.len() / 2)? {
            if !entry.is_regular_file() {
                continue;
            }
            let mut path = dir.as_bytes().to_vec();
            path.push(b'/');
            path.extend_from_slice(entry.name);
            let path = PathBytes::from(path);
            if let Some(contents) = self.dir_blobs.get(entry.id) {
                sources.insert(path, contents.clone());
                continue;
            }
            let (answer, body) = self.answer(format!("{}\n", entry.hex_id()).as_bytes())?;
            if matches!(&answer, Answer::Object { kind, .. } if kind == "blob") {
                self.dir_blobs.insert(entry.id.to_vec(), body.clone());
            }
            record(&mut sources, &path, answer, body);
        }
        Ok(sources)
    }

    /// The paths of every file (blob or symlink) under `dir` at `commit`,
    /// walking its trees through the session, as `Git::files_under` lists
    /// them; none when `dir` is not a directory there.
    pub fn files_under(&mut self, commit: &str, dir: &str) -> Result<Vec<PathBytes>> {
        let mut files = Vec::new();
        let mut dirs = vec![dir.trim_end_matches('/').as_bytes().to_vec()];
        while let Some(dir) = dirs.pop() {
            let shown = String::from_utf8_lossy(&dir).into_owned();
            let tree = match self.object_at(commit, &shown)? {
                Some(object) if !object.is_blob => object,
                _ => continue,
            };
            for entry in tree_entries(&tree.contents, tree.name.len() / 2)? {
                let mut path = dir.clone();
                if !path.is_empty() {
                    path.push(b'/');
                }
                path.extend_from_slice(entry.name);
                match entry.mode {
                    b"40000" => dirs.push(path),
                    b"160000" => {}
                    _ => files.push(PathBytes::from(path)),
                }
            }
        }
        files.sort();
        Ok(files)
    }

    /// `Git::contents_in` over the open session: one `Sources` per request.
    pub fn contents_in(&mut self, requests: &[(&str, &[PathBytes])]) -> Result<Vec<Sources>> {
        requests
            .iter()
            .map(|(commit, paths)| self.contents_at(commit, paths))
            .collect()
    }

    /// Closes the requests and waits for git.
    pub fn finish(self) -> Result<()> {
        drop(self.requests);
        drop(self.answers);
        self.stream.finish()
    }
}
