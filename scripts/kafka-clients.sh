#!/usr/bin/env bash
# Installs the real Kafka clients the server's end-to-end tests drive:
# confluent-kafka (librdkafka) and kafka-python from PyPI, into a virtual
# environment under the build folder (.build/kafka-venv). kcat comes from
# Debian through scripts/bootstrap.sh. Sourced by scripts/test.sh; quiet,
# and does nothing when the environment is already complete. A failure
# stops the test command with the reason: the tests never skip a client.
set -euo pipefail

KAFKA_VENV="${KAFKA_VENV:-$(pwd)/.build/kafka-venv}"
export KAFKA_VENV
kafka_clients_wanted=("confluent-kafka==2.6.1" "kafka-python==2.0.2")

if ! "$KAFKA_VENV/bin/python" -c 'import confluent_kafka, kafka' >/dev/null 2>&1; then
    echo "kafka-clients: installing ${kafka_clients_wanted[*]} into $KAFKA_VENV" >&2
    python3 -m venv "$KAFKA_VENV" || {
        echo "kafka-clients: python3 -m venv failed; install Debian's python3-venv." >&2
        exit 1
    }
    "$KAFKA_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${kafka_clients_wanted[@]}" || {
        echo "kafka-clients: pip could not install ${kafka_clients_wanted[*]} (is PyPI reachable?)." >&2
        exit 1
    }
fi
