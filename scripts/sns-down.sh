#!/usr/bin/env bash
# sns-down.sh: stops the deployment sns-up.sh started in a run dir — exactly the processes named by its pid files.
#
#   scripts/sns-down.sh [--run-dir DIR] [--wait SECONDS]
#
#   --run-dir DIR   the deployment's run dir (default ./run)
#   --wait SECONDS  how long each process gets to exit after SIGTERM before SIGKILL (default 10)
#
# A pid is signalled only if it is still a Tiny SNS JVM or rmiregistry whose command line names the run dir (a pid
# the system recycled for something else is left alone). Pid files are removed; data and logs are kept.
# Idempotent: with nothing running it says so and exits 0.
set -euo pipefail

script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$script_dir/lib.sh"

run_dir="./run"
wait_seconds=10
while (($#)); do
    case "$1" in
        --run-dir) run_dir="${2:?--run-dir needs a value}"; shift 2 ;;
        --run-dir=*) run_dir="${1#*=}"; shift ;;
        --wait) wait_seconds="${2:?--wait needs a value}"; shift 2 ;;
        --wait=*) wait_seconds="${1#*=}"; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "sns-down: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ "$wait_seconds" =~ ^[0-9]+$ ]] || { echo "sns-down: --wait must be a whole number of seconds" >&2; exit 2; }

if [[ ! -d "$run_dir" ]]; then
    echo "sns-down: no run dir $run_dir; nothing to stop"
    exit 0
fi
run_dir="$(cd "$run_dir" && pwd)"

names=()
pids=()
for pid_file in "$run_dir"/pids/*.pid; do
    [[ -e "$pid_file" ]] || continue
    name="$(basename "$pid_file" .pid)"
    pid="$(cat "$pid_file" 2>/dev/null || true)"
    if is_our_process "$pid" "$run_dir"; then
        names+=("$name")
        pids+=("$pid")
    else
        echo "sns-down: $name (pid ${pid:-?}) is not running"
        rm -f "$pid_file"
    fi
done
if ((${#pids[@]} == 0)); then
    echo "sns-down: nothing running in $run_dir"
    exit 0
fi

# Stop in phases, each with a bounded wait: synchronizers, servers, coordinator, registry (and anything else last),
# so no process spends its last seconds logging a storm of errors about the ones already gone.
phase_of() {
    case "$1" in
        sync-*) echo 1 ;;
        node-*) echo 2 ;;
        coordinator | coordinator-*) echo 3 ;;
        rmiregistry | rmiregistry-*) echo 4 ;;
        *) echo 5 ;;
    esac
}
for phase in 1 2 3 4 5; do
    members=()
    for i in "${!pids[@]}"; do
        [[ "$(phase_of "${names[$i]}")" == "$phase" ]] && members+=("$i")
    done
    ((${#members[@]})) || continue
    for i in "${members[@]}"; do
        kill -TERM "${pids[$i]}" 2>/dev/null || true
    done
    deadline=$((SECONDS + wait_seconds))
    while :; do
        alive=0
        for i in "${members[@]}"; do
            is_our_process "${pids[$i]}" "$run_dir" && alive=$((alive + 1))
        done
        ((alive == 0 || SECONDS >= deadline)) && break
        sleep 0.2
    done
    for i in "${members[@]}"; do
        name="${names[$i]}"
        pid="${pids[$i]}"
        if is_our_process "$pid" "$run_dir"; then
            kill -KILL "$pid" 2>/dev/null || true
            echo "sns-down: stopped $name (pid $pid) with SIGKILL after ${wait_seconds}s"
        else
            echo "sns-down: stopped $name (pid $pid)"
        fi
        rm -f "$run_dir/pids/$name.pid"
    done
done
echo "sns-down: stopped ${#pids[@]} processes; logs and data stay in $run_dir"
