#!/usr/bin/env bash
# Installs schemathesis from PyPI into a virtual environment under the
# build folder (.build/api-venv): the HTTP API's end-to-end test runs it
# against a running server and the OpenAPI document it serves. Sourced by
# scripts/test.sh; quiet, and does nothing when the environment is already
# complete. A failure stops the test command with the reason.
set -euo pipefail

API_VENV="${API_VENV:-$(pwd)/.build/api-venv}"
export API_VENV
api_tools_wanted=("schemathesis==4.32.5")

if ! "$API_VENV/bin/schemathesis" --version >/dev/null 2>&1; then
    echo "api-tools: installing ${api_tools_wanted[*]} into $API_VENV" >&2
    python3 -m venv "$API_VENV" || {
        echo "api-tools: python3 -m venv failed; install Debian's python3-venv." >&2
        exit 1
    }
    "$API_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${api_tools_wanted[@]}" || {
        echo "api-tools: pip could not install ${api_tools_wanted[*]} (is PyPI reachable?)." >&2
        exit 1
    }
fi
