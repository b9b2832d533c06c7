#!/usr/bin/env bash
# Writes the fixed Nexmark dataset (dataset.yaml: the nexmark source's
# events as JSON lines, as Flink's json format reads Nexmark's generator
# table) and prints its sha256.
#
#   examples/nexmark/make-dataset.sh [FILE [EVENTS [RATE]]]
#
# FILE defaults to .build/nexmark/nexmark-100k.jsonl, EVENTS to 100000 and
# RATE (first-event.rate: events per second of event time) to dataset.yaml's
# 100 (the dataset of examples/nexmark/expected/, whose sha256 is in
# expected/dataset.sha256; the throughput benchmark, Benchmarks/flink/
# nexmark.py, writes others). Uses .build/debug/streamhost, or $STREAMHOST.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:-$root/.build/nexmark/nexmark-100k.jsonl}"
events="${2:-100000}"
rate="${3:-}"
streamhost="${STREAMHOST:-$root/.build/debug/streamhost}"
if [ ! -x "$streamhost" ]; then
    echo "error: no streamhost binary at $streamhost; build it (swift build) or set STREAMHOST" >&2
    exit 1
fi
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
"$streamhost" run "$root/examples/nexmark/dataset.yaml" --data-dir "$data" --no-progress \
    --set "out.path=$out" --set "gen.events.num=$events" ${rate:+--set "gen.first-event.rate=$rate"}
sha256sum "$out"
