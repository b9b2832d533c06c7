#!/usr/bin/env bash
# The cost of ABI rule 8's check per emit (docs/BENCHMARKS.md, "The
# thread-rule check"), standalone: scripts/thread-check-bench/main.swift,
# built with swiftc -O against the host's own Sources/CHostThread, without
# the rest of the package. Usage: scripts/thread-check-bench.sh [CALLS] [REPETITIONS]
# (default 100000000 calls per repetition, 7 repetitions).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if ! command -v swiftc >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swiftc ]; then export PATH="$PATH:/opt/swift/usr/bin"; fi
mkdir -p "$work/CHostThread"
cp "$root/Sources/CHostThread/include/sh_host_thread.h" "$work/CHostThread/"
printf 'module CHostThread {\n    header "sh_host_thread.h"\n    export *\n}\n' > "$work/CHostThread/module.modulemap"
cc -O2 -c -I "$work/CHostThread" -o "$work/sh_host_thread.o" "$root/Sources/CHostThread/sh_host_thread.c"
swiftc -O -I "$work/CHostThread" -o "$work/thread-check-bench" "$root/scripts/thread-check-bench/main.swift" "$work/sh_host_thread.o"
echo "commit $(git -C "$root" rev-parse --short HEAD), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$work/thread-check-bench" "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
