#!/bin/sh
# The kcat session: the cluster's metadata, then every order from the
# beginning (-e: exit at the end). BOOTSTRAP names the server.
set -e
BOOTSTRAP="${BOOTSTRAP:-localhost:9092}"
kcat -b "$BOOTSTRAP" -L -t orders
kcat -b "$BOOTSTRAP" -C -t orders -o beginning -e -q -f '%k %s\n'
