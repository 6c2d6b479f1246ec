//! PostgreSQL 15 itself, started for differential tests: a throwaway cluster (initdb in a temporary directory,
//! trust authentication, fsync off) on a free loopback port, stopped when dropped. PostgreSQL refuses to run as
//! root, so as root the server runs as the `postgres` user that Debian's packages create.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

/// Where Debian's postgresql-15 package puts the server programs.
const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A running PostgreSQL 15 server.
pub struct Oracle {
    pub port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The postgres user's uid and gid, when running as root.
fn server_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions; getpwnam gets a NUL-terminated name and its result is read at once.
    unsafe {
        if libc::geteuid() != 0 {
            return None;
        }
        let pw = libc::getpwnam(c"postgres".as_ptr());
        assert!(!pw.is_null(), "running as root, and there is no postgres user to run PostgreSQL as");
        Some(((*pw).pw_uid, (*pw).pw_gid))
    }
}

/// `program` with `args`, as the postgres user when running as root.
fn as_server_user(program: &Path, args: &[&str]) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(program);
    cmd.args(args);
    if let Some((uid, gid)) = server_user() {
        cmd.uid(uid).gid(gid);
    }
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Oracle {
    /// Starts a server; panics if PostgreSQL 15's server is not installed (`scripts/install-test-deps.sh`
    /// installs it).
    pub fn start() -> Oracle {
        let bin = PathBuf::from(BIN);
        assert!(
            bin.join("postgres").exists(),
            "PostgreSQL 15's server is not installed at {BIN}: run scripts/install-test-deps.sh (postgresql-15)"
        );
        let dir = tempfile::Builder::new().prefix("pg-oracle").tempdir().unwrap();
        let data = dir.path().join("data");
        if let Some((uid, gid)) = server_user() {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let data_s = data.display().to_string();
        let out = as_server_user(&bin.join("initdb"), &["-D", &data_s, "-A", "trust", "-U", "postgres", "-E", "UTF8"])
            .env("LC_ALL", "C")
            .output()
            .unwrap();
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let port = free_port();
        let sock = dir.path().display().to_string();
        let port_s = port.to_string();
        let args = [
            "-D",
            &data_s,
            "-p",
            &port_s,
            "-k",
            &sock,
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "TimeZone=UTC",
        ];
        let child = as_server_user(&bin.join("postgres"), &args)
            .env("LC_ALL", "C")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let oracle = Oracle { port, child, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL 15 did not start listening on {port}");
            std::thread::sleep(Duration::from_millis(50)); // poll interval while the server starts
        }
        // Listening is not yet accepting queries: wait for a query to answer.
        loop {
            let ok = super::client("psql")
                .args(["-h", "127.0.0.1", "-p", &port_s, "-U", "postgres", "-d", "postgres", "-X", "-c", "SELECT 1"])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ok {
                break;
            }
            assert!(Instant::now() < deadline, "PostgreSQL 15 did not answer on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        // The same user and database names as raftsql's, so output that names them matches.
        for setup in ["CREATE ROLE raftsql SUPERUSER LOGIN", "CREATE DATABASE raftsql OWNER raftsql"] {
            let out = super::client("psql")
                .args(["-h", "127.0.0.1", "-p", &port_s, "-U", "postgres", "-d", "postgres", "-X", "-c", setup])
                .output()
                .unwrap();
            assert!(out.status.success(), "oracle setup: {}", String::from_utf8_lossy(&out.stderr));
        }
        oracle
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        // SIGINT: PostgreSQL's fast shutdown (clients are disconnected); then make sure.
        // SAFETY: kill with the pid of our own child process.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGINT);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
