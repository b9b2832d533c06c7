#!/usr/bin/env bash
# Benchmark 13 (docs/BENCHMARKS.md): datagen -> blackhole with typed columns
# against JSON bytes, a C pass-through operator in each format, and the
# stateless pipeline of issue 15 (datagen -> filter `amount > 500.0` -> map
# `amount * 1.2` -> blackhole) in each format, 20M records at parallelism 1
# through the release `streamhost run`. CASES (default: all) picks cases. Prints, per
# round and case, the job time `run` reports and the process's user and
# system CPU seconds. Usage: scripts/columnar-bench.sh [ROUNDS] (default 5);
# CASES="stateless-columns stateless-bytes" scripts/columnar-bench.sh 3.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
cd "$root"
for product in streamhost streamhost-datagen streamhost-blackhole streamhost-expressions; do
    swift build -c release --product "$product" >/dev/null
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cc -shared -fPIC -O2 -std=c11 -Wall -Wextra -Werror -I SDK/include \
    -o "$work/libpassthrough.so" scripts/columnar-bench/passthrough.c
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
    for case in ${CASES:-columns bytes pass-bytes pass-columns stateless-columns stateless-bytes}; do
        /usr/bin/time -f "%U %S" -o "$work/time" .build/release/streamhost run "scripts/columnar-bench/$case.yaml" \
            --plugin "$work/libpassthrough.so" --no-progress >"$work/out" 2>&1
        job=$(grep -o 'after [0-9.]* s: [0-9]* records in, [0-9]* into sinks' "$work/out")
        echo "round $round  $case  $job  cpu user+sys $(cat "$work/time")"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
