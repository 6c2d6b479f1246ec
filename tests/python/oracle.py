"""PostgreSQL 15 itself, for differential tests: a throwaway server (initdb in a temporary directory, trust
authentication, fsync off) on a free loopback port, with the same role and database names as raftsql's. As root
the server runs as the `postgres` user that Debian's packages create (PostgreSQL refuses to run as root). The
Rust tests' tests/cli_support/oracle.rs does the same.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time

import psycopg
import pytest

BIN = "/usr/lib/postgresql/15/bin"
START_DEADLINE = 30.0


def _as_server_user():
    if os.geteuid() != 0:
        return {}
    pw = pwd.getpwnam("postgres")
    return {"user": pw.pw_uid, "group": pw.pw_gid}


class Oracle:
    def __init__(self, port_source):
        if not os.path.exists(f"{BIN}/postgres"):
            pytest.fail(f"PostgreSQL 15's server is not installed at {BIN}: run scripts/install-test-deps.sh")
        self.dir = tempfile.mkdtemp(prefix="pg-oracle")
        who = _as_server_user()
        if who:
            os.chown(self.dir, who["user"], who["group"])
        data = os.path.join(self.dir, "data")
        env = dict(os.environ, LC_ALL="C")
        subprocess.run(
            [f"{BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8"],
            check=True, capture_output=True, env=env, **who,
        )  # fmt: skip
        self.port = port_source(1)[0]
        self.proc = subprocess.Popen(
            [f"{BIN}/postgres", "-D", data, "-p", str(self.port), "-k", self.dir,
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "TimeZone=UTC"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, **who,
        )  # fmt: skip
        deadline = time.monotonic() + START_DEADLINE
        while True:
            try:
                with psycopg.connect(self.dsn("postgres", "postgres"), autocommit=True) as conn:
                    conn.execute("CREATE ROLE raftsql SUPERUSER LOGIN")
                    conn.execute("CREATE DATABASE raftsql OWNER raftsql")
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    pytest.fail("PostgreSQL 15 did not start")
                time.sleep(0.05)

    def dsn(self, user="raftsql", dbname="raftsql"):
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname} connect_timeout=5"

    def url(self, driver="psycopg"):
        return f"postgresql+{driver}://raftsql@127.0.0.1:{self.port}/raftsql"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
