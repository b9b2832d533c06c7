#!/usr/bin/env bash
# Flink's expected outputs of the supported Nexmark queries over the fixed
# dataset, into examples/nexmark/expected/ (xz-compressed JSON lines, with
# provenance.json). Not run in CI: it installs PyFlink from PyPI and takes
# minutes.
#
#   examples/nexmark/run_flink_expected.sh [--queries q0,q5]
#
# Writes the dataset first when .build/nexmark/nexmark-100k.jsonl is
# missing (make-dataset.sh, which needs a built streamhost). PyFlink goes
# into .build/flink-venv, as Benchmarks/flink/run.sh does; FLINK_VENV names
# another one. Java 17 must be present. The Nexmark SQL files come from
# STREAMHOST_NEXMARK_DIR (default ../shared/nexmark beside the checkout).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
command -v java >/dev/null || { echo "error: java not found; install openjdk-17-jre-headless" >&2; exit 1; }
venv="${FLINK_VENV:-$root/.build/flink-venv}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyflink' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'apache-flink==2.3.*'
fi
dataset="$root/.build/nexmark/nexmark-100k.jsonl"
[ -f "$dataset" ] || examples/nexmark/make-dataset.sh "$dataset"
expected_sha="$(cut -d' ' -f1 examples/nexmark/expected/dataset.sha256 2>/dev/null || true)"
actual_sha="$(sha256sum "$dataset" | cut -d' ' -f1)"
if [ -n "$expected_sha" ] && [ "$expected_sha" != "$actual_sha" ]; then
    echo "warning: $dataset (sha256 $actual_sha) is not the dataset of expected/dataset.sha256 ($expected_sha)" >&2
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" examples/nexmark/flink_expected.py --dataset "$dataset" --out "$work" "$@"
out="$root/examples/nexmark/expected"
mkdir -p "$out"
for file in "$work"/*.jsonl; do
    xz -9 -T1 -c "$file" > "$out/$(basename "$file").xz"
done
echo "$actual_sha  nexmark-100k.jsonl" > "$out/dataset.sha256"
"$venv/bin/python" - "$out/provenance.json" <<PY
import json, subprocess, sys
from importlib.metadata import version
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
with open(sys.argv[1], "w") as f:
    json.dump({"apache-flink": version("apache-flink"), "java": java,
               "dataset": {"file": "nexmark-100k.jsonl", "sha256": "$actual_sha",
                           "job": "examples/nexmark/dataset.yaml", "events": 100000, "seed": 42,
                           "first-event.rate": 100},
               "command": "examples/nexmark/run_flink_expected.sh"}, f, indent=2)
    f.write("\n")
PY
ls -l "$out"
