#!/usr/bin/env bash
# Runs the whole test suite: unit tests, OpenRaft's storage conformance suite, in-process clusters over real
# TCP, and the raftsql binary as separate processes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets "$@"
