#!/usr/bin/env bash
# Runs the main example end to end on a fresh machine: builds streamhost and
# its plugins, then runs examples/orders-revenue/job.yaml in a scratch
# directory: generated out-of-order orders -> key_by category -> a tumbling
# five-minute window (count, sum of amount) in keyed state -> a JSON-lines
# file; stragglers past the watermark go to the dead-letter topic.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

swift build
root="$PWD"
out="$(mktemp -d)"
echo "== streamhost plugin inspect (built-in plugins)"
.build/debug/streamhost plugin inspect | grep -E '^[a-z]|^  (source|operator|sink) '
echo "== streamhost run examples/orders-revenue/job.yaml (in $out)"
(cd "$out" && "$root/.build/debug/streamhost" run "$root/examples/orders-revenue/job.yaml")
echo "== first windows of $out/revenue.jsonl ($(wc -l < "$out/revenue.jsonl") in all)"
head -n 4 "$out/revenue.jsonl"
echo "== late records in the dead-letter topic orders-revenue.dlq (first 2)"
(cd "$out" && "$root/.build/debug/streamhost" consume orders-revenue.dlq --from-beginning --max 2)
