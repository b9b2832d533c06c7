#!/usr/bin/env bash
# Runs the main example end to end on a fresh machine: builds streamhost and
# its plugins, builds the example C operator with plain cc (make), and runs
# examples/c-operator/job.yaml: generated orders -> the C operator (keeps
# orders of 500 or more) -> a JSON-lines file.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

swift build
make -s -C examples/c-operator
out="$(mktemp -d)"
echo "== streamhost plugin inspect (built-in plugins)"
.build/debug/streamhost plugin inspect | grep -E '^[a-z]|^  (source|operator|sink) '
echo "== streamhost run examples/c-operator/job.yaml (output in $out)"
(cd "$out" && "$OLDPWD/.build/debug/streamhost" run "$OLDPWD/examples/c-operator/job.yaml" \
    --plugin "$OLDPWD/examples/c-operator/libbig-orders.so")
echo "== first records of $out/big-orders.jsonl ($(wc -l < "$out/big-orders.jsonl") in all)"
head -n 3 "$out/big-orders.jsonl"
