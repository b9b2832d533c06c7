#!/usr/bin/env bash
# streamhost vs Flink (PyFlink mini-cluster) on the same workloads, on this
# machine: see side_by_side.py. Installs what it needs; not run in CI.
#
#   Benchmarks/flink/run.sh [side_by_side.py's options]
#   Benchmarks/flink/run.sh nexmark [nexmark.py's options]   # issue 16's Nexmark throughput
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
source scripts/bootstrap.sh
command -v java >/dev/null || apt-get install -y -q openjdk-17-jre-headless
# nexmark.py compiles q14's count_char class for Flink with javac.
[ "${1:-}" != nexmark ] || command -v javac >/dev/null || apt-get install -y -q openjdk-17-jdk-headless
venv="$root/.build/flink-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pyflink' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'apache-flink==2.3.*'
fi
swift build -c release --product streamhost >/dev/null
swift build -c release >/dev/null   # the first-party plugins next to the binary
if [ "${1:-}" = nexmark ]; then
    shift
    exec python3 Benchmarks/flink/nexmark.py "$@"
fi
exec python3 Benchmarks/flink/side_by_side.py "$@"
