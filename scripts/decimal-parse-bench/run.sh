#!/bin/sh
# The exact-decimal readers before and after JSONText's one parse (issue 12,
# "decimals once"): the window's old ExactDecimal.parse and the expressions'
# old DecimalNumber.parse, taken from git at 1380c87, against
# JSONDecimalText.parse with each user's options. JSONText is compiled as its
# own module, as in the package (the callers reach it across a module
# boundary); the old readers sit in the caller's module, as they did.
# Figures are thread CPU time per parse (the machine is shared), medians of 7
# interleaved rounds of 20M parses. Usage: scripts/decimal-parse-bench/run.sh
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" show 1380c87:Plugins/window/Decimal.swift | sed 's/^import StreamhostKit/import JSONText/' > "$work/old_window.swift"
git -C "$root" show 1380c87:Sources/Expressions/Values/DecimalNumber.swift > "$work/old_expr.swift"
cp "$root/scripts/decimal-parse-bench/main.swift" "$work/"
cd "$work"
swiftc -O -parse-as-library -module-name JSONText -package-name streamhost -emit-module -emit-library -static \
    "$root"/Sources/JSONText/*.swift -o libJSONText.a -emit-module-path JSONText.swiftmodule
swiftc -O -module-name DecBench -package-name streamhost -I . -L . -lJSONText \
    main.swift old_window.swift old_expr.swift -o decbench
./decbench
