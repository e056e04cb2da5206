#!/usr/bin/env bash
# Cost of timeline reads on one replica's store (issue 13): home and user timelines of 20 posts through RocksKvStore.read
# and the domain as the gateway runs them, 1 and 2 threads, and the serialized size of the reply. No Raft, no RMI.
# Arguments pass through to ReadBench: [dbDir|-] [users=1000] [follows=20] [posts=100000] [seconds=5].
# A dbDir keeps the filled state for the next run with the same sizes. Example: scripts/bench-reads.sh /tmp/rb 1000 20 100000 5
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mvn -B -o -q -pl sns-raft-store -am test-compile
(cd sns-raft-store && mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test.classpath)
tmp="$(mktemp -d "${TMPDIR:-/tmp}/sns-bench-reads.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# Copy the classes: a concurrent build of another module must not rewrite them under the running bench.
cp -r sns-raft-store/target/classes "$tmp/classes"
cp -r sns-raft-store/target/test-classes "$tmp/test-classes"
cp -r sns-api/target/classes "$tmp/api-classes"
java -Xmx512m ${BENCH_JAVA_OPTS:-} --add-opens java.base/java.lang=ALL-UNNAMED -Djava.io.tmpdir="$tmp" \
    -cp "$tmp/test-classes:$tmp/classes:$tmp/api-classes:$(cat sns-raft-store/target/test.classpath)" \
    tinysns.raft.bench.ReadBench "$@" 2> "$tmp/stderr.log" || { tail -20 "$tmp/stderr.log" >&2; exit 1; }
