#!/usr/bin/env bash
# Runs the whole test suite: unit tests, OpenRaft's storage conformance suite, in-process clusters over real
# TCP, the raftsql binary as separate processes (also driven by psql, pgbench and tokio-postgres), then the
# psycopg tests in tests/python (scripts/test_python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets "$@"
./scripts/test_python.sh
