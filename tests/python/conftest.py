"""A three-node raftsql cluster of real processes for the psycopg tests.

The built binary (target/debug/raftsql, or $RAFTSQL_BIN) is started three times with the same --peers list
on free ports (bound on port 0 first), each with its own data directory under pytest's tmp path. The fixture
waits, with deadlines, until every node answers `SELECT 1` over the PostgreSQL protocol and a write
(CREATE TABLE) goes through, then hands out connection strings; the nodes are stopped at the end.
"""

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("RAFTSQL_BIN", ROOT / "target" / "debug" / "raftsql"))
NODES = 3
READY_DEADLINE = 60.0


def free_ports(n):
    """n distinct free ports: all bound to port 0 at once, then released."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Cluster:
    def __init__(self, root):
        if not BIN.is_file():
            pytest.fail(f"{BIN} not found: run `cargo build` first (scripts/test_python.sh does)")
        self.root = root
        ports = free_ports(2 * NODES)
        self.raft = {i + 1: f"127.0.0.1:{ports[i]}" for i in range(NODES)}
        self.pg = {i + 1: ports[NODES + i] for i in range(NODES)}
        self.peers = ",".join(f"{i}={a}" for i, a in self.raft.items())
        self.procs = {}

    @property
    def ids(self):
        return sorted(self.raft)

    def dsn(self, node):
        return f"host=127.0.0.1 port={self.pg[node]} user=raftsql dbname=raftsql connect_timeout=5"

    def connect(self, node, **kwargs):
        return psycopg.connect(self.dsn(node), **kwargs)

    def log(self, node):
        try:
            return (self.root / f"n{node}.log").read_text(errors="replace")
        except OSError:
            return ""

    def start(self):
        for node in self.ids:
            log = open(self.root / f"n{node}.log", "wb")
            cmd = [
                str(BIN),
                "--id", str(node),
                "--data-dir", str(self.root / f"n{node}"),
                "--raft-addr", self.raft[node],
                "--pg-addr", f"127.0.0.1:{self.pg[node]}",
                "--peers", self.peers,
                "--heartbeat-ms", "100",
                "--election-timeout-ms", "800",
            ]  # fmt: skip
            env = dict(os.environ, RUST_LOG="warn")
            self.procs[node] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, env=env)
            log.close()

    def check_running(self):
        for node, p in self.procs.items():
            if p.poll() is not None:
                pytest.fail(f"node {node} exited with {p.returncode}:\n{self.log(node)}")

    def wait_ready(self):
        deadline = time.monotonic() + READY_DEADLINE
        for node in self.ids:
            while True:
                self.check_running()
                try:
                    with self.connect(node, autocommit=True) as conn:
                        assert conn.execute("SELECT 1").fetchone() == (1,)
                        break
                except psycopg.OperationalError as e:
                    if time.monotonic() > deadline:
                        pytest.fail(f"node {node} never answered SELECT 1: {e}\n{self.log(node)}")
                    time.sleep(0.05)
        # A write needs an elected leader and a committed entry.
        last = None
        while True:
            self.check_running()
            try:
                with self.connect(self.ids[0], autocommit=True) as conn:
                    conn.execute("CREATE TABLE IF NOT EXISTS ready_probe (id INTEGER PRIMARY KEY)")
                    return
            except psycopg.Error as e:
                last = e
            if time.monotonic() > deadline:
                pytest.fail(f"no write succeeded: {last!r}\n" + "\n".join(self.log(n) for n in self.ids))
            time.sleep(0.1)

    def roles(self):
        """{node id: role} as each node reports it through `raftsql cluster status`."""
        roles = {}
        for node in self.ids:
            out = subprocess.run(
                [str(BIN), "cluster", "status", "--node", self.raft[node]],
                capture_output=True, text=True, timeout=30, check=True,
            )  # fmt: skip
            m = re.match(r"node (\d+) \((\w+)\), term \d+, leader (\S+)", out.stdout)
            assert m and int(m.group(1)) == node, out.stdout
            roles[node] = m.group(2)
        return roles

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("raftsql"))
    try:
        c.start()
        c.wait_ready()
        yield c
        c.check_running()
    finally:
        c.stop()


@pytest.fixture(scope="session")
def oracle():
    """A PostgreSQL 15 server to compare raftsql with (see oracle.py)."""
    from oracle import Oracle

    o = Oracle(free_ports)
    try:
        yield o
    finally:
        o.stop()
