#!/bin/sh
# The bytes -> columns edge (ColumnarJSONDecoder) on JSON lines of orders:
# the one-pass path against the validated two-scan path it falls back to,
# same process, alternating. Columns, JSONText and TimeText are compiled
# as their own modules with -O, as in the package; the decoder's files sit
# in the benchmark's module (the two-scan path is chosen through its
# internal init). Figures are thread CPU time per record (the machine is
# shared), medians of 7 rounds, each decoding LINES lines in batches of
# 1,024 into fresh columns, as EdgeConversion does.
# Usage: [SCHEMA=nexmark] scripts/columnar-json-bench/run.sh FILE.jsonl [LINES]
# (FILE.jsonl: the orders of Benchmarks/flink/side_by_side.py, e.g.
# .build/flink-bench/orders-20000000.jsonl; with SCHEMA=nexmark the events
# of examples/nexmark/make-dataset.sh; LINES default 1000000).
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
input=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
lines=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf 'module StreamhostABI {\n    header "%s/SDK/include/streamhost.h"\n    export *\n}\n' "$root" > module.modulemap
for module in JSONText TimeText; do
    swiftc -O -parse-as-library -module-name $module -package-name streamhost -emit-module -emit-library -static \
        "$root"/SDK/swift/$module/*.swift -o lib$module.a -emit-module-path $module.swiftmodule
done
swiftc -O -parse-as-library -module-name Columns -package-name streamhost -emit-module -emit-library -static \
    -I . "$root"/SDK/swift/Columns/*.swift -o libColumns.a -emit-module-path Columns.swiftmodule
swiftc -O -module-name JSONColumnsBench -package-name streamhost -I . -L . -lJSONText -lTimeText -lColumns \
    "$root/scripts/columnar-json-bench/main.swift" "$root"/Sources/Core/Columnar/ColumnarJSONDecoder*.swift \
    "$root/Sources/Core/Columnar/DecimalText.swift" -o bench
./bench "$input" "$lines"
