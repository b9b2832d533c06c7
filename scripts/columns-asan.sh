#!/usr/bin/env bash
# Builds the Columns module with AddressSanitizer (LeakSanitizer included on
# Linux) into one small executable, scripts/columns-asan/main.swift, which
# exports and imports nested columns over the Arrow C Data Interface many
# times (moved, released directly, a child moved out, a failed import) and
# drops everything: a use after free or a double release stops it with a
# report, a buffer or export never freed is reported at exit.
# A plain swiftc build of a few files; it does not touch .build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/StreamhostABI"
cp "$root/SDK/include/streamhost.h" "$work/StreamhostABI/"
printf 'module StreamhostABI {\n    header "streamhost.h"\n    export *\n}\n' > "$work/StreamhostABI/module.modulemap"
swiftc -sanitize=address -g -Onone -module-name ColumnsASan -I "$work" \
    "$root"/SDK/swift/Columns/*.swift "$root/scripts/columns-asan/main.swift" -o "$work/columns-asan" 2>/dev/null
"$work/columns-asan"
echo "columns-asan: no AddressSanitizer or LeakSanitizer report"
