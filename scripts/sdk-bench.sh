#!/usr/bin/env bash
# Benchmark 16 (docs/BENCHMARKS.md): the big-orders operator in C
# (examples/c-operator, cc -O2), in Rust (examples/rust-operator, cargo
# --release) and in Go (examples/go-operator, go build -buildmode=c-shared)
# on the same orders, in one process: scripts/sdk-bench/drive.c loads the
# libraries, hands each the same bytes batches through
# its vtable, the two alternating, ROUNDS times, with a host table that only
# counts. Prints records per CPU second per round and operator.
# Usage: scripts/sdk-bench.sh [ROUNDS] [RECORDS] (default 7, 1000000).
# The orders are made by datagen through `streamhost run` (STREAMHOST, by
# default .build/debug/streamhost; build it first).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-7}"
records="${2:-1000000}"
streamhost="${STREAMHOST:-$root/.build/debug/streamhost}"
cd "$root"
source scripts/bootstrap.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$root/.build/cargo"
make -s -C examples/c-operator OUT="$work" >/dev/null
make -s -C examples/go-operator OUT="$work" >/dev/null
cargo build -q --release --offline --manifest-path examples/rust-operator/Cargo.toml
cc -O2 -std=c11 -Wall -Wextra -Werror -I SDK/include -o "$work/drive" scripts/sdk-bench/drive.c -ldl
cat >"$work/orders.yaml" <<YAML
name: bench-orders
pipeline:
  - {id: gen, source: datagen, config: {count: $records, seed: 7}}
  - {id: out, sink: file, config: {path: "$work/orders.jsonl"}}
YAML
"$streamhost" run "$work/orders.yaml" --no-progress >/dev/null 2>&1
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $(rustc --version), $(go version), $(cc --version | head -1)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/drive" "$work/orders.jsonl" "$rounds" 500 \
    "$work/libbig-orders.so:big-orders" "$CARGO_TARGET_DIR/release/libbig_orders_rust.so:big-orders-rust" \
    "$work/libgo-operators.so:big-orders-go"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
