#!/usr/bin/env bash
# Makes sure the tools streamhost builds with are present, installing the
# Debian packages that are missing. Sourced by scripts/example.sh and
# scripts/test.sh; safe to run again.
set -euo pipefail

# The Swift toolchain of this machine kind lives in /opt/swift.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="$PATH:/opt/swift/usr/bin"
fi
if ! command -v swift >/dev/null 2>&1; then
    echo "bootstrap: no Swift toolchain found (looked in PATH and /opt/swift/usr/bin)." >&2
    echo "bootstrap: streamhost needs Swift 6.0 or newer; Debian does not package it." >&2
    exit 1
fi

# Debian packages: a C compiler and make (plugins and examples are built
# with plain cc), libc headers, pkg-config, the record-batch codecs'
# libraries the log links (lz4, zstd, zlib, snappy), and RocksDB, which the
# large-state backend links, and libffi, which native functions (UDFs) are
# called through. The tests also use python3 (a client of the admin socket
# run as another user, and the Kafka clients' virtual environment, hence
# python3-venv), setpriv (util-linux) and kcat (a real Kafka client for the
# server's tests). cargo (with rustc) builds the Rust SDK, its tests and
# examples/rust-operator; a rustup toolchain on PATH is used when there is
# one, else Debian's (the SDK keeps to Debian bookworm's Rust 1.63).
missing=()
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$PATH:$HOME/.cargo/bin"
fi
command -v cargo >/dev/null 2>&1 || missing+=(cargo)
# openssl makes the throwaway CA and server certificate of the TLS tests.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# Go builds the Go SDK's example plugin (go build -buildmode=c-shared).
command -v go >/dev/null 2>&1 || missing+=(golang-go)
# prometheus: the real scraper of the metrics tests (PrometheusTests);
# Debian's package does not start its service where policy-rc.d forbids it,
# and the test runs its own instance on a free port.
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
for package in liblz4-dev libzstd-dev zlib1g-dev libsnappy-dev librocksdb-dev libffi-dev; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# chromium: the dashboard's browser test (DashboardTests) loads the page in
# headless Chromium. It is installed on its own: when it cannot be, that
# test is skipped with the reason and nothing else stops.
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "bootstrap: installing chromium (the dashboard's browser test)" >&2
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
            && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } \
        || echo "bootstrap: chromium could not be installed; the dashboard's browser test will be skipped" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: missing packages ${missing[*]}; run as root or install them." >&2
        exit 1
    fi
    echo "bootstrap: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
