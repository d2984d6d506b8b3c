//! A throwaway PostgreSQL cluster and the Python worker that talks to the
//! engines.
//!
//! The cluster lives in a temporary directory, listens on a Unix socket only,
//! and runs as `postgres` when the harness runs as root (PostgreSQL refuses
//! root), as the current user otherwise. Dropping the `Cluster`, also while a
//! panic unwinds, stops it with `pg_ctl -m immediate stop` and waits until the
//! server's process has gone.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};

/// How to install what the harness needs, for the error messages.
pub const INSTALL_POSTGRES: &str = "apt-get install -y postgresql";
pub const INSTALL_PYTHON_PACKAGES: &str =
    "python3 -m pip install -r testdata/engines/requirements.txt";

/// The directory of `initdb` and `pg_ctl`: on PATH, else Debian's place.
pub fn postgres_bin_dir() -> Result<PathBuf> {
    find_postgres_bin_dir(
        std::env::var_os("PATH").as_deref(),
        Path::new("/usr/lib/postgresql"),
    )
}

/// `postgres_bin_dir` with the search path and Debian's directory given.
pub fn find_postgres_bin_dir(path: Option<&std::ffi::OsStr>, debian: &Path) -> Result<PathBuf> {
    if let Some(path) = path {
        for dir in std::env::split_paths(path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir(debian)
        .map(|dir| dir.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .find(|bin| bin.join("initdb").is_file())
        .ok_or_else(|| {
            Error::new(format!(
                "the engines harness needs PostgreSQL's initdb and pg_ctl, found neither on PATH nor under /usr/lib/postgresql: install them with `{INSTALL_POSTGRES}`"
            ))
        })
}

/// Where throwaway files go: memory (`/dev/shm`) when the machine has it, as
/// CREATE DATABASE there takes a twentieth of the time it takes on disk; the
/// temporary directory otherwise.
pub fn scratch_root() -> PathBuf {
    let shm = Path::new("/dev/shm");
    let writable = shm.is_dir()
        && tempfile::Builder::new()
            .prefix("parity-probe")
            .tempfile_in(shm)
            .is_ok();
    if writable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A running PostgreSQL server, stopped when dropped.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// `Some("postgres")` when commands must run as that user.
    run_as: Option<String>,
    stopped: bool,
}

impl Cluster {
    /// initdb and start, on a socket in the cluster's own directory.
    pub fn start() -> Result<Cluster> {
        let bin = postgres_bin_dir()?;
        let dir = tempfile::Builder::new()
            .prefix("parity-pg")
            .tempdir_in(scratch_root())?;
        let run_as = running_as_root().then(|| "postgres".to_string());
        if let Some(user) = &run_as {
            let status = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(dir.path())
                .status()?;
            if !status.success() {
                return Err(Error::new(format!(
                    "cannot give {} to the {user} user (is PostgreSQL installed? `{INSTALL_POSTGRES}`)",
                    dir.path().display()
                )));
            }
        }
        let mut cluster = Cluster {
            dir,
            bin,
            run_as,
            stopped: true,
        };
        let data = cluster.data_dir();
        cluster.pg(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-c listen_addresses='' -k {} -c fsync=off -c full_page_writes=off -c synchronous_commit=off",
            cluster.socket_dir().display()
        );
        cluster.stopped = false;
        cluster.pg(
            "pg_ctl",
            &[
                "-D",
                &data.display().to_string(),
                "-o",
                &options,
                "-l",
                &cluster.dir.path().join("server.log").display().to_string(),
                "-w",
                "start",
            ],
        )?;
        Ok(cluster)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A libpq connection string for `db` over the socket.
    pub fn dsn(&self, db: &str) -> String {
        format!(
            "host={} dbname={db} user=postgres",
            self.socket_dir().display()
        )
    }

    /// The SQLAlchemy URL for `db` over the socket.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgresql+psycopg://postgres@/{db}?host={}",
            self.socket_dir().display()
        )
    }

    fn pg(&self, program: &str, args: &[&str]) -> Result<()> {
        let path = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(&path);
                c
            }
            None => Command::new(&path),
        };
        let output = command
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| Error::new(format!("cannot run {}: {e}", path.display())))?;
        if output.status.success() {
            return Ok(());
        }
        let log = std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default();
        Err(Error::new(format!(
            "{program} failed: {} {} {}",
            String::from_utf8_lossy(&output.stderr).trim(),
            String::from_utf8_lossy(&output.stdout).trim(),
            log.lines().last().unwrap_or("")
        )))
    }

    /// Stops the server now (the drop does it otherwise).
    pub fn stop(&mut self) -> Result<()> {
        if self.stopped {
            return Ok(());
        }
        self.stopped = true;
        let postmaster = self.postmaster_pid();
        let data = self.data_dir().display().to_string();
        self.pg("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"])?;
        // pg_ctl returns once the server has removed its pid file, which it
        // does on its way out: wait until the process itself has gone too.
        let Some(pid) = postmaster else {
            return Ok(());
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while process_runs(pid) {
            if std::time::Instant::now() > deadline {
                return Err(Error::new(format!(
                    "the PostgreSQL server (pid {pid}) still runs 10 s after `pg_ctl stop`"
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        Ok(())
    }

    /// The server's process id, from the first line of `postmaster.pid`
    /// (`None` once the server has removed it).
    pub fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.data_dir().join("postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Whether the server answers (`pg_ctl status`).
    pub fn is_running(&self) -> bool {
        let data = self.data_dir().display().to_string();
        self.pg("pg_ctl", &["-D", &data, "status"]).is_ok()
    }

    pub fn data_path(&self) -> PathBuf {
        self.data_dir()
    }
}

/// Whether process `pid` runs: it exists and is not a zombie that no parent
/// has reaped yet (Linux's `/proc`).
pub fn process_runs(pid: u32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The state follows the parenthesised command name.
    let state = stat.rsplit(')').next().unwrap_or("").trim_start();
    !state.starts_with('Z') && !state.starts_with('X')
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// The worker script, `testdata/engines/worker.py`.
pub fn worker_script() -> PathBuf {
    crate::harness::ci::project_root().join("testdata/engines/worker.py")
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    #[serde(default)]
    value: Value,
    #[serde(default)]
    error: String,
}

/// The versions the worker found, from its `ping`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Versions {
    pub sqlite: String,
    pub alembic: String,
    pub sqlalchemy: String,
    pub psycopg: String,
}

/// One long-lived `python3 worker.py`: one JSON request per line, one answer.
pub struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    pub versions: Versions,
}

impl Worker {
    /// Starts the worker and checks that python3 has the pinned packages.
    pub fn start(stderr_log: &Path) -> Result<Worker> {
        Worker::start_with(Path::new("python3"), stderr_log)
    }

    /// `start` with another Python interpreter.
    pub fn start_with(python: &Path, stderr_log: &Path) -> Result<Worker> {
        let log = std::fs::File::create(stderr_log)?;
        let mut child = Command::new(python)
            .arg(worker_script())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if std::env::var_os("PARITY_ENGINES_PROFILE").is_some() {
                Stdio::inherit()
            } else {
                Stdio::from(log)
            })
            .spawn()
            .map_err(|e| {
                Error::new(format!(
                    "the engines harness needs python3 ({e}): install Python 3 and then `{INSTALL_PYTHON_PACKAGES}`"
                ))
            })?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = BufReader::new(child.stdout.take().expect("piped"));
        let mut worker = Worker {
            child,
            stdin,
            stdout,
            versions: Versions {
                sqlite: String::new(),
                alembic: String::new(),
                sqlalchemy: String::new(),
                psycopg: String::new(),
            },
        };
        worker.versions = worker.call(&json!({"op": "ping"})).map_err(|e| {
            Error::new(format!(
                "python3 cannot load the engines' packages ({e}): install them with `{INSTALL_PYTHON_PACKAGES}`"
            ))
        })?;
        Ok(worker)
    }

    /// Sends one request and reads its answer's value.
    pub fn call<T: DeserializeOwned>(&mut self, request: &Value) -> Result<T> {
        let op = request["op"].as_str().unwrap_or("?").to_string();
        let t0 = std::time::Instant::now();
        let r = self.call_inner(request, &op);
        if std::env::var_os("PARITY_ENGINES_PROFILE").is_some() {
            eprintln!("worker {op}: {:.3}s", t0.elapsed().as_secs_f64());
        }
        r
    }

    fn call_inner<T: DeserializeOwned>(&mut self, request: &Value, op: &str) -> Result<T> {
        writeln!(self.stdin, "{request}")
            .and_then(|()| self.stdin.flush())
            .map_err(|e| Error::new(format!("the Python worker is gone ({op}): {e}")))?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        if line.is_empty() {
            return Err(Error::new(format!(
                "the Python worker ended without answering {op}"
            )));
        }
        let answer: Answer = serde_json::from_str(&line)
            .map_err(|e| Error::new(format!("the Python worker's answer to {op}: {e}")))?;
        if !answer.ok {
            return Err(Error::new(format!("{op}: {}", answer.error)));
        }
        serde_json::from_value(answer.value)
            .map_err(|e| Error::new(format!("the Python worker's answer to {op}: {e}")))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
