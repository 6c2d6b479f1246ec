//! Running PostgreSQL's command-line clients (psql, pgbench) against a ProcCluster node: a child process with
//! a deadline (killed and reported if it runs past it), its exit code, stdout and stderr, and a libpq
//! environment cleared of anything from the caller's shell that would change what the client sends.
#![allow(dead_code)]

pub mod oracle;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// What a finished client printed and how it exited.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Panics with everything the client printed unless it exited with `code`.
    pub fn expect_code(&self, code: i32, what: &str) -> &Self {
        assert_eq!(self.code, code, "{what}: exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Exit code 0 and nothing on stderr.
    pub fn expect_clean(&self, what: &str) -> &Self {
        self.expect_code(0, what);
        assert_eq!(self.stderr, "", "{what}: stderr\nstdout:\n{}", self.stdout);
        self
    }
}

/// The full path of `name` if it is an executable file on PATH.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| {
        use std::os::unix::fs::PermissionsExt;
        p.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
    })
}

/// Whether `program` is on PATH; if not, says so on the real stderr (not captured by the test harness, so the
/// notice shows in a normal `cargo test` run) and the caller passes without testing anything.
pub fn available(program: &str, test: &str) -> bool {
    if find_on_path(program).is_some() {
        return true;
    }
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: {program} is not on PATH (install the PostgreSQL 15 client: postgresql-client-15)"
    );
    false
}

/// libpq and psql variables that would change the connection or the session if set in the caller's shell.
const LIBPQ_ENV: &[&str] = &[
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGSERVICE",
    "PGSERVICEFILE",
    "PGOPTIONS",
    "PGAPPNAME",
    "PGTZ",
    "PGDATESTYLE",
    "PGCLIENTENCODING",
    "PGSSLMODE",
    "PGGSSENCMODE",
    "PGTARGETSESSIONATTRS",
    "PSQLRC",
    "PSQL_HISTORY",
    "PSQL_PAGER",
    "PAGER",
];

/// A command for `program` with the libpq environment cleared, C locale and a connect timeout.
pub fn client(program: &str) -> Command {
    let mut cmd = Command::new(program);
    for var in LIBPQ_ENV {
        cmd.env_remove(var);
    }
    cmd.env("LC_ALL", "C").env("PGCONNECT_TIMEOUT", "10");
    cmd
}

/// `psql` connected to 127.0.0.1:`port` as raftsql/raftsql, without reading ~/.psqlrc.
pub fn psql(port: u16) -> Command {
    let mut cmd = client("psql");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "raftsql", "-d", "raftsql", "-X"]);
    cmd
}

/// Runs `cmd` to completion, feeding it `stdin` (or nothing), and kills it if it is still running after
/// `timeout`: a hung server fails the test instead of hanging it.
pub fn run(cmd: &mut Command, stdin: Option<&str>, timeout: Duration) -> Output {
    let described = format!("{cmd:?}");
    let mut child = cmd
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {described}: {e}"));
    let feeder = stdin.map(|text| {
        let mut pipe = child.stdin.take().unwrap();
        let text = text.to_owned();
        // A client that exits early (ON_ERROR_STOP) closes its end; the write error is expected then.
        thread::spawn(move || {
            let _ = pipe.write_all(text.as_bytes());
        })
    });
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = out_pipe.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = err_pipe.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for client") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
            panic!("{described} still running after {timeout:?}; killed\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        thread::sleep(Duration::from_millis(10)); // poll interval while the client runs
    };
    if let Some(f) = feeder {
        let _ = f.join();
    }
    Output {
        code: status.code().unwrap_or_else(|| panic!("{described} killed by a signal: {status:?}")),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}
