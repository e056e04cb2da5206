#!/usr/bin/env bash
# bench-failover.sh: failover time of a fresh deployment it starts and stops itself (issue 5).
#
#   scripts/bench-failover.sh [--kills N] [--clusters N] [--base-port P] [--run-dir DIR] [--keep] [--tls]
#
#   --kills N       masters to kill -9, one at a time (default 20)
#   --clusters N    clusters of the deployment (default 3)
#   --base-port P   registry port of the deployment (default 30000, away from the course's 9000)
#   --run-dir DIR   run dir (default: a new temp dir, removed at the end unless --keep)
#   --keep          keep the run dir (logs, data) for inspection
#   --tls           run the deployment (and the bench's RMI calls) over TLS: sns-up.sh --tls
#   --coordinators K  coordinator replicas of the deployment (sns-up.sh's default: 3)
#
# Runs `sns bench failover`: picks clusters in turn, kills the master named by <run>/pids/node-C.N.pid, measures
# until a user of that cluster has its next write acknowledged, restarts the node and waits until the cluster is two
# voters again. Prints every sample and p50/p90/p99/max. Timings of the deployment come from SNS_HEARTBEAT and
# SNS_DEAD_AFTER as for sns-up.sh.
set -euo pipefail

script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
kills=20
clusters=3
base_port=30000
run_dir=""
keep=0
up_tls=()
up_coordinators=()
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
while (($#)); do
    case "$1" in
        --kills) kills="${2:?}"; shift 2 ;;
        --clusters) clusters="${2:?}"; shift 2 ;;
        --base-port) base_port="${2:?}"; shift 2 ;;
        --run-dir) run_dir="${2:?}"; shift 2 ;;
        --keep) keep=1; shift ;;
        --tls) up_tls=(--tls); shift ;;
        --coordinators) up_coordinators=(--coordinators "${2:?}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench-failover: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
if [[ -z "$run_dir" ]]; then
    run_dir="$(mktemp -d "${TMPDIR:-/tmp}/sns-bench-failover.XXXXXX")"
fi

stop() {
    "$script_dir/sns-down.sh" --run-dir "$run_dir" --wait 5 >/dev/null || true
    if ((keep)); then
        echo "bench-failover: run dir kept: $run_dir"
    else
        rm -rf "$run_dir"
    fi
}
trap stop EXIT

"$script_dir/sns-up.sh" --clusters "$clusters" --run-dir "$run_dir" --base-port "$base_port" "${up_tls[@]}" \
    "${up_coordinators[@]}" >/dev/null
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$script_dir/lib.sh"
use_deployment_tls "$run_dir"
echo "bench-failover: deployment up in $run_dir (heartbeat ${SNS_HEARTBEAT:-500ms}, dead after ${SNS_DEAD_AFTER:-2s})"
SNS_HEAP=128m "$script_dir/sns" bench failover -k "$base_port" --run-dir "$run_dir" --kills "$kills"
