#!/usr/bin/env bash
# Runs every test: unit, integration (real JRaft groups, RocksDB, RMI on 127.0.0.1) and end-to-end (real processes).
# Needs only JDK 17 and Maven. Extra Maven arguments pass through, e.g. scripts/test.sh -pl sns-raft-store -am
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B verify "$@"
