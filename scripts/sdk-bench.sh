#!/usr/bin/env bash
# The same operator written with each SDK, on the same input, in one run:
# datagen -> big-orders (keep amount >= 500) -> blackhole, 5M orders at
# parallelism 1 through the release `streamhost run`, in C
# (examples/c-operator), Go (examples/go-operator), Swift
# (examples/swift-operator) and Rust (examples/rust-operator, when present
# and cargo is installed), plus datagen -> blackhole alone (the host's
# share). Prints, per round and case, the job time `run` reports and the
# process's user and system CPU seconds.
# Usage: scripts/sdk-bench.sh [ROUNDS] (default 5).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
cd "$root"
for product in streamhost big-orders-swift; do
    swift build -c release --product "$product" >/dev/null
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
make -s -C examples/c-operator OUT="$work" >/dev/null
make -s -C examples/go-operator OUT="$work" >/dev/null
cases="baseline c go swift"
plugins=(--plugin "$work/libbig-orders.so" --plugin "$work/libgo-operators.so"
         --plugin .build/release/libbig-orders-swift.so)
if [ -d examples/rust-operator ] && command -v cargo >/dev/null 2>&1; then
    (cd examples/rust-operator && CARGO_TARGET_DIR="$work/cargo" cargo build --release --offline -q)
    rust_library=$(ls "$work"/cargo/release/lib*.so | head -1)
    plugins+=(--plugin "$rust_library")
    operator=$(grep -o 'operator: [a-z0-9-]*' examples/rust-operator/job.yaml | head -1 | cut -d' ' -f2)
    sed "s/big-orders-go/$operator/; s/sdk-bench-go/sdk-bench-rust/" scripts/sdk-bench/go.yaml > "$work/rust.yaml"
    cases="$cases rust"
fi
echo "commit $(git rev-parse --short HEAD), $(nproc) cores, go $(go env GOVERSION), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
    for case in $cases; do
        job="scripts/sdk-bench/$case.yaml"
        [ "$case" = rust ] && job="$work/rust.yaml"
        /usr/bin/time -f "%U %S" -o "$work/time" .build/release/streamhost run "$job" \
            "${plugins[@]}" --no-progress >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
        line=$(grep -o 'after [0-9.]* s: [0-9]* records in, [0-9]* into sinks' "$work/out")
        echo "round $round  $case  $line  cpu user+sys $(cat "$work/time")"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
