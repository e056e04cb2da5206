#!/usr/bin/env bash
# How many events one synchronizer carries (issue 4): a backlog built while cluster 1's synchronizers are stopped,
# then drained by one of them. Starts its own deployment in a temp run dir and stops it at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
events=20000
base_port=11000
up_tls=()
while (($#)); do
    case "$1" in
        --events) events="$2"; shift 2 ;;
        --base-port) base_port="$2"; shift 2 ;;
        --tls) up_tls=(--tls); shift ;;
        -h|--help) echo "usage: scripts/bench-sync.sh [--events N (default 20000)] [--base-port P (default 11000)] [--tls]"; exit 0 ;;
        *) echo "bench-sync.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
run="$(mktemp -d "${TMPDIR:-/tmp}/sns-bench-sync.XXXXXX")"
cleanup() { "$here/sns-down.sh" --run-dir "$run" >/dev/null 2>&1 || true; rm -rf "$run"; }
trap cleanup EXIT
# 64 writers at ~300 posts/s each: far over the node's default per-session post rate, so the limit is off here.
SNS_POST_RATE=0 "$here/sns-up.sh" --run-dir "$run" --base-port "$base_port" "${up_tls[@]}" >/dev/null
# shellcheck source=lib.sh
source "$here/lib.sh"
use_deployment_tls "$run" # with --tls the bench's own sns commands need the key too
# The command line sns-up.sh started sync-1.1 with is in its log's first line ("=== … starting sync-1.1: CMD").
restart_cmd="$(sed -n 's/^=== .* starting sync-1.1: //p' "$run/logs/sync-1.1.log" | head -1)"
for s in sync-1.1 sync-1.2; do kill "$(cat "$run/pids/$s.pid")"; done
sleep 1
echo "bench-sync: cluster 1's synchronizers stopped; building a backlog of $events events"
"$here/sns" bench sync -k "$base_port" --events "$events" --post-only --secret-file "$run/secret" 2>/dev/null
# exec all the way down (nohup, then scripts/sns execs java), so $! is the JVM that sns-down.sh stops.
(cd "$run" && SNS_TMPDIR="$run/tmp" SNS_HEAP=96m exec nohup $restart_cmd >> "$run/logs/sync-1.1.log" 2>&1 < /dev/null) &
echo $! > "$run/pids/sync-1.1.pid"
"$here/sns" bench sync -k "$base_port" --drain-only --secret-file "$run/secret" 2>/dev/null
