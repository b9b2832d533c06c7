#!/usr/bin/env bash
# Builds everything and runs every test: unit tests per module, the loader's
# refusals against real shared objects, and end-to-end runs of the CLI that
# load every plugin through dlopen and build the examples with plain cc.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
# confluent-kafka and kafka-python for the server's end-to-end tests.
source scripts/kafka-clients.sh

swift build --build-tests
swift test --skip-build "$@"
