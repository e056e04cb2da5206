#!/usr/bin/env bash
# The Raft store's own benchmark (issue 2): a 2-voter group in one JVM with fsync on, the real domain state machine
# over RocksDB. Prints committed posts/s with N proposals in flight and sequential commit latency.
# Arguments pass through to ReplicaBench: [seconds=10] [inFlight=64] [sequentialPosts=5000] [users=64]
# [followersPerUser=5] [warmupSeconds=10].  Example: scripts/bench-raft.sh 10 64 5000 64 5 10
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -B -q -pl sns-raft-store -am test-compile
(cd sns-raft-store && mvn -B -q dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test.classpath)
tmp="$(mktemp -d "${TMPDIR:-/tmp}/sns-bench-raft.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# Copy the classes: a concurrent build of another module must not rewrite them under the running bench.
cp -r sns-raft-store/target/classes "$tmp/classes"
cp -r sns-raft-store/target/test-classes "$tmp/test-classes"
cp -r sns-api/target/classes "$tmp/api-classes"
java -Xmx512m --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
    --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED \
    -Djava.io.tmpdir="$tmp" \
    -cp "$tmp/test-classes:$tmp/classes:$tmp/api-classes:$(cat sns-raft-store/target/test.classpath)" \
    tinysns.raft.bench.ReplicaBench "$@" 2> "$tmp/stderr.log" || { tail -20 "$tmp/stderr.log" >&2; exit 1; }
