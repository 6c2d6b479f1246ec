#!/usr/bin/env bash
# Benchmarks raftsql (a three-node cluster on this machine, release build) side by side with PostgreSQL 15
# measured in the same run, with pgbench custom scripts: autocommit inserts, point selects (leader and
# follower) and a transfer transaction; then `pgbench -i` (COPY of 100,000 rows per scale step, then primary
# keys) timed on both. Usage: bench/run.sh [seconds per run] [clients] [pgbench -i scale]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
CLIENTS=${2:-8}
SCALE=${3:-10}
WORK=$(mktemp -d /tmp/raftsql-bench.XXXXXX)
PGBIN=/usr/lib/postgresql/15/bin

if [ ! -x "$PGBIN/initdb" ] || ! command -v pgbench >/dev/null; then
  echo "== installing PostgreSQL 15 (server and pgbench) from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
fi
echo "== building raftsql (release)"
cargo build --release -q

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() {
  for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
  [ -d "$WORK/pg" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== starting PostgreSQL 15 (fsync on, synchronous_commit on)"
chmod 777 "$WORK"
PG_PORT=$(free_port)
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -o "-p $PG_PORT -k $WORK -c max_connections=200" -w start >/dev/null

echo "== starting a three-node raftsql cluster"
PIDS=""
R1=$(free_port); R2=$(free_port); R3=$(free_port)
P1=$(free_port); P2=$(free_port); P3=$(free_port)
PEERS="1=127.0.0.1:$R1,2=127.0.0.1:$R2,3=127.0.0.1:$R3"
i=1
for pair in "$R1:$P1" "$R2:$P2" "$R3:$P3"; do
  r=${pair%%:*}; p=${pair##*:}
  RUST_LOG=warn ./target/release/raftsql --id $i --data-dir "$WORK/n$i" --raft-addr 127.0.0.1:$r \
    --pg-addr 127.0.0.1:$p --peers "$PEERS" --max-connections 200 >"$WORK/n$i.log" 2>&1 &
  PIDS="$PIDS $!"
  i=$((i+1))
done
for p in $P1 $P2 $P3; do
  for _ in $(seq 1 100); do psql -h 127.0.0.1 -p "$p" -U raftsql -d raftsql -Atqc "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
done
STATUS=$(./target/release/raftsql cluster status --node 127.0.0.1:$R1 | head -1)
LEADER=$(echo "$STATUS" | sed -E 's/.*leader ([0-9]+).*/\1/')
case $LEADER in 1) LEADER_PORT=$P1; FOLLOWER_PORT=$P2;; 2) LEADER_PORT=$P2; FOLLOWER_PORT=$P1;; *) LEADER_PORT=$P3; FOLLOWER_PORT=$P1;; esac

setup() { # host port user
  psql -h 127.0.0.1 -p "$2" -U "$3" -d "$4" -q -v ON_ERROR_STOP=1 -f bench/schema.sql
  psql -h 127.0.0.1 -p "$2" -U "$3" -d "$4" -q -v ON_ERROR_STOP=1 -c "DELETE FROM bench_accounts" \
    -c "INSERT INTO bench_accounts (id, balance) SELECT x, 1000 FROM (WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 1000) SELECT x FROM s) AS s"
}
setup 127.0.0.1 "$PG_PORT" postgres postgres
setup 127.0.0.1 "$LEADER_PORT" raftsql raftsql

run() { # label port user db script mode
  local out tps failed
  out=$(pgbench -h 127.0.0.1 -p "$2" -U "$3" "$4" -n -f "bench/$5" -M "$6" -c "$CLIENTS" -j 2 -T "$SECS" --max-tries=20 2>&1) || true
  tps=$(echo "$out" | sed -nE 's/^tps = ([0-9.]+).*/\1/p' | head -1)
  failed=$(echo "$out" | sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' | head -1)
  printf '%s|%s|%s\n' "${tps:-error}" "${failed:-?}" "$(echo "$out" | sed -nE 's/^latency average = (.*)/\1/p' | head -1)"
}

echo
echo "pgbench -c $CLIENTS -j 2 -T $SECS, -M prepared; raftsql: 3 nodes on this machine (every commit fsynced on a quorum)"
printf '%-34s %14s %14s %8s %20s\n' "workload" "PostgreSQL tps" "raftsql tps" "ratio" "raftsql failed/lat"
for w in "autocommit insert:insert.sql:$LEADER_PORT" "autocommit insert via follower:insert.sql:$FOLLOWER_PORT" \
         "point select (leader):point_select.sql:$LEADER_PORT" "point select (follower):point_select.sql:$FOLLOWER_PORT" \
         "transfer transaction:transfer.sql:$LEADER_PORT"; do
  label=${w%%:*}; rest=${w#*:}; script=${rest%%:*}; port=${rest##*:}
  pg=$(run "$label" "$PG_PORT" postgres postgres "$script" prepared)
  rs=$(run "$label" "$port" raftsql raftsql "$script" prepared)
  pgt=${pg%%|*}; rst=${rs%%|*}; rsf=$(echo "$rs" | cut -d'|' -f2); rsl=$(echo "$rs" | cut -d'|' -f3)
  ratio=$(python3 -c "print(f'{float(\"$rst\")/float(\"$pgt\"):.2f}')" 2>/dev/null || echo "-")
  printf '%-34s %14s %14s %8s %20s\n' "$label" "$pgt" "$rst" "$ratio" "$rsf / $rsl"
done

init() { # port user db generation -> "seconds|copy seconds"
  local out
  out=$(pgbench -h 127.0.0.1 -p "$1" -U "$2" "$3" -i -q -s "$SCALE" -I "dt${4}vp" 2>&1) || { echo "error|"; return; }
  echo "$out" | sed -nE 's/^done in ([0-9.]+) s \(.*(client|server)-side generate ([0-9.]+) s.*/\1|\3/p'
}

echo
echo "pgbench -i -s $SCALE ($((SCALE * 100000)) accounts): total seconds (data generation seconds)"
printf '%-34s %14s %14s %8s\n' "initialization" "PostgreSQL s" "raftsql s" "ratio"
for w in "client-side (COPY), leader:g:$LEADER_PORT" "client-side (COPY), follower:g:$FOLLOWER_PORT" \
         "server-side (generate_series):G:$LEADER_PORT"; do
  label=${w%%:*}; rest=${w#*:}; gen=${rest%%:*}; port=${rest##*:}
  pg=$(init "$PG_PORT" postgres postgres "$gen")
  rs=$(init "$port" raftsql raftsql "$gen")
  ratio=$(python3 -c "print(f'{float(\"${rs%%|*}\")/float(\"${pg%%|*}\"):.2f}')" 2>/dev/null || echo "-")
  printf '%-34s %14s %14s %8s\n' "$label" "${pg%%|*} (${pg##*|})" "${rs%%|*} (${rs##*|})" "$ratio"
done
