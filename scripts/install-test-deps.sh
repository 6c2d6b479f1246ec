#!/usr/bin/env bash
# Installs what the test suite needs beyond cargo, if missing, from Debian's packages: psql, pgbench and the
# server (PostgreSQL 15), openssl (test certificates) and Python's venv module (the Python driver tests).
set -euo pipefail
missing=()
command -v psql >/dev/null || missing+=(postgresql-client-15)
# The server too: tests compare raftsql with a real PostgreSQL 15 (tests/cli_support/oracle.rs).
{ command -v pgbench >/dev/null && [ -x /usr/lib/postgresql/15/bin/postgres ]; } || missing+=(postgresql-15)
command -v openssl >/dev/null || missing+=(openssl)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian puts pgbench under /usr/lib/postgresql/15/bin; make sure it is on PATH.
if ! command -v pgbench >/dev/null && [ -x /usr/lib/postgresql/15/bin/pgbench ]; then
  ln -sf /usr/lib/postgresql/15/bin/pgbench /usr/local/bin/pgbench
fi
