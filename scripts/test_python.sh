#!/usr/bin/env bash
# psycopg 3, psycopg2 and asyncpg tests (tests/python) against a three-node cluster of the debug binary: a
# virtualenv in target/pyenv (created once), the drivers and pytest installed into it, the binary built, pytest run.
# Any non-zero pytest exit code fails the script, including 5 ("no tests collected").
set -euo pipefail
cd "$(dirname "$0")/.."

target="${CARGO_TARGET_DIR:-target}"
case "$target" in /*) ;; *) target="$PWD/$target" ;; esac
venv="$target/pyenv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check 'psycopg[binary]' psycopg2-binary asyncpg 'sqlalchemy>=2' alembic 'django>=5.2,<5.3' pytest

cargo build
export RAFTSQL_BIN="$target/debug/raftsql"
export PYTHONDONTWRITEBYTECODE=1
"$venv/bin/python" -m pytest -q -p no:cacheprovider tests/python "$@"
