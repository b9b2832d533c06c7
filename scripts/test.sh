#!/usr/bin/env bash
# Builds everything and runs every test: unit tests per module, the loader's
# refusals against real shared objects, and end-to-end runs of the CLI that
# load every plugin through dlopen and build the examples with plain cc.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
# confluent-kafka and kafka-python for the server's end-to-end tests.
source scripts/kafka-clients.sh
# schemathesis for the HTTP API's test against its OpenAPI document.
source scripts/api-tools.sh

swift build --build-tests
if [ $# -gt 0 ]; then
    exec swift test --skip-build "$@"
fi
# The crash-and-restart suites drive real clients whose own timeouts
# (librdkafka's, the scripts') assume the server gets its share of the two
# cores; next to the ~1000 other tests it may not. They run on their own
# after the rest, so no test is skipped and none races the machine's load.
# (KafkaServerDisconnectTests, whose disconnect-and-reconnect rounds ran
# out of their one-minute limit once beside the browser, Prometheus, Rust
# and Go tests of the parallel run, is in the pooled group below.)
# NexmarkQueryTests and NexmarkBenchmarkScriptTests run every Nexmark
# query through debug binaries (minutes of both cores); beside them the
# in-process server tests (ServerLogClientTests, BrokerFuzzTests) ran out
# of their time limits in a fresh-clone CI run.
# LargeStateTests (10M keys on RocksDB through the CLI) holds one of the
# test runner's two cooperative threads for minutes while its child runs;
# beside another blocking test that stalled every async test for six
# minutes in a CI run (four one-minute time limits exceeded).
alone='ServeFaultTests|ServeRestartTests|NexmarkQueryTests|NexmarkBenchmarkScriptTests|LargeStateTests'
# The in-process server suites are async tests with one-minute time
# limits: each await needs one of the runner's cooperative threads (two on
# these machines) to resume. Tests that run a child process block a thread
# while it runs; two such tests at once left no thread for ten minutes in
# fresh-clone CI runs, and four of these suites failed their limits
# (stop 22, and again with LargeStateTests moved out). They take ~15 s, so
# they run in a process of their own where nothing blocks a thread.
# (A stack of the stalled run: ChaosTests' hundred SIGKILLs held one
# thread for minutes, short CLI tests the other.) KafkaServerDisconnectTests
# is such a suite too: in the alone group it would sit beside the Nexmark
# and large-state runs, which block threads for minutes.
pooled='KafkaServerTests|ServerLogClientTests|KafkaClientTests|BrokerTests|KafkaServerSecurityTests|BrokerFuzzTests|KafkaServerDisconnectTests'
swift test --skip-build --skip "$alone|$pooled"
swift test --skip-build --filter "$pooled"
swift test --skip-build --filter "$alone"
