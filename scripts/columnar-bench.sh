#!/usr/bin/env bash
# Benchmark 13 (docs/BENCHMARKS.md): datagen -> blackhole with typed columns
# against JSON bytes, a C pass-through operator in each format, and the
# stateless pipeline of issue 15 (datagen -> filter `amount > 500.0` -> map
# `amount * 1.2` -> blackhole) in each format, 20M records at parallelism 1
# through the release `streamhost run`. CASES (default: all) picks cases. Prints, per
# round and case, the job time `run` reports and the process's user and
# system CPU seconds. Usage: scripts/columnar-bench.sh [ROUNDS] (default 5).
# CASES picks cases as CASE:PARALLELISM (default: the format cases and the
# stateless pipeline at parallelism 1), e.g.
# CASES="stateless-columns:1 stateless-bytes:1" scripts/columnar-bench.sh 3.
# With WINDOW=1: issue 15's windowed job instead (datagen -> key_by
# customer_id -> tumbling window count + sum -> blackhole), bytes against
# columns, at parallelism 1 and 2, and the same with hopping windows (100 s
# every 25 s: window-hop-*). Other cases for CASES: exchange-columns and
# exchange-bytes (datagen -> key_by customer_id -> blackhole: the hash
# exchange alone; at parallelism 2 it gathers each target's rows).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
cd "$root"
for product in streamhost streamhost-datagen streamhost-blackhole streamhost-window streamhost-expressions; do
    swift build -c release --product "$product" >/dev/null
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc -shared -fPIC -O2 -std=c11 -Wall -Wextra -Werror -I SDK/include \
    -o "$work/libpassthrough.so" scripts/columnar-bench/passthrough.c
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${WINDOW:-0}" = 1 ]; then
    cases="window-bytes:1 window-columns:1 window-bytes:2 window-columns:2 window-hop-bytes:1 window-hop-columns:1"
else
    cases="${CASES:-columns:1 bytes:1 pass-bytes:1 pass-columns:1 stateless-columns:1 stateless-bytes:1}"
fi
for round in $(seq 1 "$rounds"); do
    for entry in $cases; do
        case="${entry%%:*}"
        parallelism="${entry##*:}"
        /usr/bin/time -f "%U %S" -o "$work/time" .build/release/streamhost run "scripts/columnar-bench/$case.yaml" \
            --plugin "$work/libpassthrough.so" --set "parallelism=$parallelism" --no-progress >"$work/out" 2>&1
        job=$(grep -o 'after [0-9.]* s: [0-9]* records in, [0-9]* into sinks' "$work/out")
        echo "round $round  $case p$parallelism  $job  cpu user+sys $(cat "$work/time")"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
