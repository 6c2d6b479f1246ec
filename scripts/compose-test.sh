#!/usr/bin/env bash
# End-to-end test of the docker-compose cluster: psql to each node, a write on one read on the others, the
# leader's container stopped while writes go on through the others, started again, caught up, and the data
# identical on all three. Skips (exit 0, saying so) when no Docker engine answers.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! docker info >/dev/null 2>&1; then
  echo "compose test SKIPPED: no Docker engine answers on this machine"
  exit 0
fi
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export RAFTSQL_PG1_PORT=$(free_port) RAFTSQL_PG2_PORT=$(free_port) RAFTSQL_PG3_PORT=$(free_port)
export RAFTSQL_HTTP1_PORT=$(free_port) RAFTSQL_HTTP2_PORT=$(free_port) RAFTSQL_HTTP3_PORT=$(free_port)
export COMPOSE_PROJECT_NAME=raftsql-test-$$
if docker compose version >/dev/null 2>&1; then
  compose() { docker compose "$@"; }
else
  compose() { docker-compose "$@"; }   # the standalone tool, as Debian packages it
fi
cleanup() { compose down -v --remove-orphans >/dev/null 2>&1 || true; }
trap cleanup EXIT

./scripts/docker-build.sh
compose up -d --build

port() { case $1 in 1) echo "$RAFTSQL_PG1_PORT";; 2) echo "$RAFTSQL_PG2_PORT";; 3) echo "$RAFTSQL_PG3_PORT";; esac; }
q() { # node sql -> trimmed single-value output
  psql "host=127.0.0.1 port=$(port "$1") user=raftsql dbname=raftsql connect_timeout=5" -X -A -t -v ON_ERROR_STOP=1 -c "$2"
}
wait_for() { # description command...
  local what=$1; shift
  for _ in $(seq 1 120); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5 # poll interval of a wait with a deadline (60 s)
  done
  echo "FAILED: timed out waiting for $what"; compose logs --tail 50; exit 1
}
check() { # description expected actual
  if [ "$2" != "$3" ]; then echo "FAILED: $1: expected '$2', got '$3'"; compose logs --tail 50; exit 1; fi
  echo "ok - $1"
}

for n in 1 2 3; do wait_for "node $n to answer" q "$n" "SELECT 1"; done
wait_for "a write through node 1" q 1 "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)"
check "insert on node 1" "INSERT 0 1" "$(psql "host=127.0.0.1 port=$RAFTSQL_PG1_PORT user=raftsql dbname=raftsql" -X -c "INSERT INTO t VALUES (1, 'one')" | tail -1)"
for n in 2 3; do check "read on node $n" "one" "$(q "$n" "SELECT v FROM t WHERE id = 1")"; done

leader=$(python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1]))["node"]["current_leader"])' \
  "http://127.0.0.1:$RAFTSQL_HTTP1_PORT/status")
echo "leader is node $leader; stopping its container"
compose stop "node$leader"
others=$(for n in 1 2 3; do if [ "$n" != "$leader" ]; then echo "$n"; fi; done)
i=2
for n in $others; do
  wait_for "a write through node $n without the old leader" q "$n" "INSERT INTO t VALUES ($i, 'after stop') ON CONFLICT (id) DO NOTHING"
  i=$((i + 1))
done
first=$(echo "$others" | head -1)
check "rows on node $first while node $leader is down" "3" "$(q "$first" "SELECT count(*) FROM t")"

compose start "node$leader"
wait_for "node $leader to come back" q "$leader" "SELECT 1"
caught_up() { [ "$(q "$leader" "SELECT count(*) FROM t" 2>/dev/null)" = "3" ]; }
wait_for "node $leader to catch up" caught_up
digest() { q "$1" "SELECT group_concat(id || ':' || v, ',') FROM (SELECT id, v FROM t ORDER BY id)"; }
d1=$(digest 1); d2=$(digest 2); d3=$(digest 3)
check "node 2 identical to node 1" "$d1" "$d2"
check "node 3 identical to node 1" "$d1" "$d3"
code=$(compose stop -t 30 node1 >/dev/null 2>&1; docker inspect -f '{{.State.ExitCode}}' "$(compose ps -a -q node1)")
check "node 1 exits 0 on SIGTERM" "0" "$code"
echo "compose test passed"
