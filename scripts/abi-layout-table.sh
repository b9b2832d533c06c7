#!/bin/sh
# Writes SDK/abi/layout.tsv, the layout that SDK/abi/abi_layout.c asserts,
# as a table for binding streamhost.h in other languages. The Rust SDK's
# layout test parses the assertions (the same parser that checks the Rust
# bindings against them) and, with STREAMHOST_WRITE_LAYOUT_TABLE=1, writes
# the table instead of comparing it with the committed one.
#
#   scripts/abi-layout-table.sh       (needs cargo: scripts/bootstrap.sh)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
STREAMHOST_WRITE_LAYOUT_TABLE=1 cargo test --offline --quiet --manifest-path "$root/SDK/rust/Cargo.toml" \
    --test layout the_committed_layout_table_is_what_abi_layout_c_asserts
echo "wrote $root/SDK/abi/layout.tsv"
