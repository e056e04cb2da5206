#!/usr/bin/env bash
# kill-master.sh: kills (-9) the current master server of one cluster of a deployment started by sns-up.sh.
#
#   scripts/kill-master.sh CLUSTER [--run-dir DIR]
#
#   CLUSTER        the cluster number (1, 2, …)
#   --run-dir DIR  the deployment's run dir (default ./run)
#
# Asks the coordinator (scripts/sns status, on the registry port in <run>/ports.txt) which server of CLUSTER is
# its live MASTER, then sends SIGKILL to exactly the pid in <run>/pids/node-C.N.pid — after checking that this pid is
# a Tiny SNS JVM of this run dir started as node --cluster C --id N. Prints what it killed.
# Exit codes: 0 killed; 1 no deployment, no master, or the pid file does not name that server; 2 bad arguments.
set -euo pipefail

script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$script_dir/lib.sh"

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

cluster=""
run_dir="./run"
while (($#)); do
    case "$1" in
        --run-dir) run_dir="${2:?--run-dir needs a value}"; shift 2 ;;
        --run-dir=*) run_dir="${1#*=}"; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "kill-master: unknown option '$1'" >&2; usage >&2; exit 2 ;;
        *) [[ -z "$cluster" ]] || { echo "kill-master: one cluster only" >&2; exit 2; }; cluster="$1"; shift ;;
    esac
done
[[ "$cluster" =~ ^[1-9][0-9]*$ ]] || { echo "kill-master: give the cluster number, e.g. kill-master.sh 2" >&2; exit 2; }

if [[ ! -f "$run_dir/ports.txt" ]]; then
    echo "kill-master: no deployment in $run_dir (no ports.txt); start one with $script_dir/sns-up.sh" >&2
    exit 1
fi
run_dir="$(cd "$run_dir" && pwd)"
registry_port="$(awk '/^registry/ { split($2, a, ":"); print a[2]; exit }' "$run_dir/ports.txt")"
[[ "$registry_port" =~ ^[0-9]+$ ]] || { echo "kill-master: cannot read the registry port from $run_dir/ports.txt" >&2; exit 1; }
use_deployment_tls "$run_dir" # a deployment started with sns-up.sh --tls is asked over TLS

if ! status="$(SNS_HEAP=64m SNS_TMPDIR="$run_dir/tmp" "$script_dir/sns" status -h 127.0.0.1 -k "$registry_port" 2>&1)"; then
    echo "kill-master: the coordinator does not answer on 127.0.0.1:$registry_port:" >&2
    echo "$status" | tail -n 3 >&2
    exit 1
fi
# The live MASTER server row of the cluster: "C  node-C.N  MASTER  host:port  0.3s ago  yes  leader …".
name="$(echo "$status" | awk -v c="$cluster" '$1 == c && $2 ~ /^node-/ && $3 == "MASTER" && $0 ~ /[[:space:]]yes[[:space:]]/ { print $2; exit }')"
if [[ -z "$name" ]]; then
    echo "kill-master: cluster $cluster has no live master; the coordinator says:" >&2
    echo "$status" | awk -v c="$cluster" 'NR <= 2 || $1 == c' >&2
    exit 1
fi
pid_file="$run_dir/pids/$name.pid"
pid="$(cat "$pid_file" 2>/dev/null || true)"
if ! is_our_process "$pid" "$run_dir"; then
    echo "kill-master: the master of cluster $cluster is $name, but $pid_file names no live process of $run_dir" \
        "(pid '${pid:-none}'); was it started by another run dir?" >&2
    exit 1
fi
member="${name##*.}"
cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
if [[ "$cmdline" != *" node --cluster $cluster --id $member "* ]]; then
    echo "kill-master: pid $pid from $pid_file is not node --cluster $cluster --id $member: $cmdline" >&2
    exit 1
fi
kill -KILL "$pid"
echo "kill-master: killed $name (pid $pid), the master of cluster $cluster, with SIGKILL"
