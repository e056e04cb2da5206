#!/usr/bin/env bash
# chaos.sh: a seeded fault run against a local deployment, judged by the checker.
#
#   scripts/chaos.sh [--duration S] [--kill-every S] [--restart-after S] [--clients N] [--run-dir DIR]
#                    [--base-port P] [--seed N] [--max-convergence S] [--tls] [--coordinators K]
#
#   --duration S        how long the workload posts (default 60)
#   --kill-every S      one fault every S seconds (default 8)
#   --restart-after S   a killed process is started again after S seconds (default 3)
#   --clients N         workload users, spread over all clusters (default 6)
#   --run-dir DIR       the deployment's run dir (default ./run-chaos); started with sns-up.sh unless one runs there
#   --base-port P       registry port when this script starts the deployment (default 11000; ports stay below 32768)
#   --seed N            seeds the fault schedule and the workload (default: from the clock; always printed)
#   --max-convergence S FAIL if convergence takes longer (default 5)
#   --tls               start the deployment with sns-up.sh --tls (a running one is used as it is: TLS if its
#                       ports.txt says so)
#   --coordinators K    start the deployment with K coordinator replicas (sns-up.sh --coordinators); with more
#                       than one, the faults also kill -9 or SIGSTOP a coordinator replica (the leader half the
#                       time) or kill -9 a registry, and start it again
#
# Steps: start the deployment (unless running) → run `sns chaos workload` in the background → while it runs, one
# fault every --kill-every seconds, on a seeded schedule: kill -9 a cluster's master server (most often), its slave
# server, or a master synchronizer; or SIGSTOP a master server for longer than dead-after and SIGCONT it. Each killed
# process is started again (same command line) after --restart-after seconds. Before each fault the script waits
# (bounded) until every server is alive again, so no cluster loses both replicas at once. Faults stop early enough
# that the last restart happens before the workload ends. Then `sns chaos check` waits for convergence, measured
# from the later of the last fault action and the workload's last write, reads every user's state and prints
# PASS/FAIL with the figures. A deployment this script started is stopped (sns-down.sh) even on failure or Ctrl-C;
# a paused process is always resumed. Files: <run>/chaos/{record.tsv,faults.log,workload.log,check.log}.
# Exit codes: 0 PASS; 1 FAIL or the run broke; 2 bad arguments.
set -euo pipefail

script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$script_dir/lib.sh"
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

duration=60
kill_every=8
restart_after=3
clients=6
run_dir="./run-chaos"
base_port=11000
seed=""
max_convergence=5
up_tls=()
up_coordinators=()
while (($#)); do
    case "$1" in
        --duration) duration="${2:?}"; shift 2 ;;
        --kill-every) kill_every="${2:?}"; shift 2 ;;
        --restart-after) restart_after="${2:?}"; shift 2 ;;
        --clients) clients="${2:?}"; shift 2 ;;
        --run-dir) run_dir="${2:?}"; shift 2 ;;
        --base-port) base_port="${2:?}"; shift 2 ;;
        --seed) seed="${2:?}"; shift 2 ;;
        --max-convergence) max_convergence="${2:?}"; shift 2 ;;
        --tls) up_tls=(--tls); shift ;;
        --coordinators) up_coordinators=(--coordinators "${2:?}"); shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "chaos: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done
for v in duration kill_every restart_after clients base_port max_convergence; do
    [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "chaos: --${v//_/-} must be a whole number" >&2; exit 2; }
done
((kill_every >= 1 && clients >= 2)) || { echo "chaos: --kill-every >= 1 and --clients >= 2" >&2; exit 2; }
[[ -z "$seed" ]] && seed="$(( $(date +%s%N) % 1000000007 ))"
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "chaos: --seed must be a whole number" >&2; exit 2; }
RANDOM=$((seed % 32768))
now_ms() { date +%s%3N; }

mkdir -p "$run_dir"
run_dir="$(cd "$run_dir" && pwd)"
chaos_dir="$run_dir/chaos"
mkdir -p "$chaos_dir"
faults_log="$chaos_dir/faults.log"
: >"$faults_log"
echo "chaos: seed $seed (replay with --seed $seed), run dir $run_dir"

started_deployment=0
workload_pid=""
paused_pid=""
finish() {
    local rc=$?
    [[ -n "$paused_pid" ]] && kill -CONT "$paused_pid" 2>/dev/null || true
    if [[ -n "$workload_pid" ]] && kill -0 "$workload_pid" 2>/dev/null; then
        kill -TERM "$workload_pid" 2>/dev/null || true
    fi
    if ((started_deployment)); then
        "$script_dir/sns-down.sh" --run-dir "$run_dir" --wait 5 >"$chaos_dir/down.log" 2>&1 || true
        echo "chaos: stopped the deployment it started (details in $chaos_dir/down.log)"
    fi
    echo "chaos: seed $seed"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

live_pids=0
for pid_file in "$run_dir"/pids/*.pid; do
    [[ -e "$pid_file" ]] || continue
    is_our_process "$(cat "$pid_file" 2>/dev/null)" "$run_dir" && live_pids=$((live_pids + 1))
done
if ((live_pids == 0)); then
    "$script_dir/sns-up.sh" --run-dir "$run_dir" --base-port "$base_port" "${up_tls[@]}" "${up_coordinators[@]}" \
        >"$chaos_dir/up.log" 2>&1 \
        || { started_deployment=1; echo "chaos: sns-up.sh failed:" >&2; tail -n 20 "$chaos_dir/up.log" >&2; exit 1; }
    started_deployment=1
    echo "chaos: started a deployment (sns-up.sh, base port $base_port)"
else
    echo "chaos: using the deployment already running in $run_dir ($live_pids processes)"
fi
registry_port="$(awk '/^registry/ { split($2, a, ":"); print a[2]; exit }' "$run_dir/ports.txt")"
# Every coordinator replica's registry (one entry without replicas): status, workload and check use them all.
coordinator_ports="$(awk '/^coordinator-ports/ { print $2; exit }' "$run_dir/ports.txt")"
[[ -n "$coordinator_ports" ]] || coordinator_ports="$registry_port"
coordinator_names=()
for pid_file in "$run_dir"/pids/coordinator*.pid "$run_dir"/pids/rmiregistry*.pid; do
    [[ -e "$pid_file" ]] && coordinator_names+=("$(basename "$pid_file" .pid)")
done
clusters="$(grep -c '^node-.*\.1 ' "$run_dir/ports.txt")"
use_deployment_tls "$run_dir" # status, workload and check speak TLS when the deployment does
dead_after_s=$(( $(echo "${SNS_DEAD_AFTER:-2s}" | sed -E 's/ms$//; s/s$/000/') / 1000 ))
((dead_after_s >= 1)) || dead_after_s=1

status_now() { SNS_HEAP=64m SNS_TMPDIR="$run_dir/tmp" "$script_dir/sns" status -h 127.0.0.1 -k "$coordinator_ports" 2>/dev/null; }
# role_name STATUS CLUSTER KIND(node|sync) ROLE: the live process of that kind and role in the cluster.
role_name() {
    echo "$1" | awk -v c="$2" -v k="$3-" -v r="$4" \
        '$1 == c && index($2, k) == 1 && $3 == r && $0 ~ /[[:space:]]yes[[:space:]]/ { print $2; exit }'
}
# healthy STATUS: every cluster has a live MASTER server leading and a live SLAVE server.
healthy() {
    local c
    for ((c = 1; c <= clusters; c++)); do
        [[ -n "$(role_name "$1" "$c" node MASTER)" && -n "$(role_name "$1" "$c" node SLAVE)" ]] || return 1
        echo "$1" | grep -Eq "^${c}[[:space:]]+node-${c}\.[0-9]+[[:space:]]+MASTER[[:space:]].*[[:space:]]yes[[:space:]]+leader[[:space:]]" || return 1
    done
}
log_fault() { echo "$(now_ms) $*" | tee -a "$faults_log" | sed 's/^[0-9]* /chaos: /'; }

# Saved command lines of killed processes, to start them again exactly as sns-up.sh did.
declare -A saved_cmd=()
kill_process() { # NAME
    local name="$1" pid
    pid="$(cat "$run_dir/pids/$name.pid" 2>/dev/null || true)"
    is_our_process "$pid" "$run_dir" || { log_fault "skip: $name (pid ${pid:-?}) is not running"; return 1; }
    saved_cmd[$name]="$(tr '\0' '\001' <"/proc/$pid/cmdline")"
    kill -KILL "$pid"
    log_fault "kill -9 $name (pid $pid)"
}
restart_process() { # NAME
    local name="$1" args=()
    IFS=$'\001' read -r -a args <<<"${saved_cmd[$name]%$'\001'}"
    echo "=== $(date '+%F %T') chaos: starting $name again" >>"$run_dir/logs/$name.log"
    (cd "$run_dir" && exec setsid nohup "${args[@]}" >>"$run_dir/logs/$name.log" 2>&1 </dev/null) &
    echo $! >"$run_dir/pids/$name.pid"
    disown "$!" # a later kill -9 of it is a fault of ours, not news for the terminal
    unset "saved_cmd[$name]"
    log_fault "restarted $name (pid $!)"
}

# kill_and_restart NAME: kill -9, then the same command line again after --restart-after seconds.
kill_and_restart() {
    local target="$1"
    if [[ -n "$target" ]] && kill_process "$target"; then
        faults=$((faults + 1))
        last_fault_ms="$(now_ms)"
        sleep "$restart_after"
        restart_process "$target"
        last_fault_ms="$(now_ms)"
    fi
}
# pause_and_resume NAME: SIGSTOP for longer than dead-after, then SIGCONT (always resumed on exit too).
pause_and_resume() {
    local target="$1" pid
    pid="$(cat "$run_dir/pids/$target.pid" 2>/dev/null || true)"
    if [[ -n "$target" ]] && is_our_process "$pid" "$run_dir"; then
        paused_pid="$pid"
        kill -STOP "$pid"
        log_fault "kill -STOP $target (pid $pid) for $((dead_after_s + 2))s"
        faults=$((faults + 1))
        sleep $((dead_after_s + 2))
        kill -CONT "$pid"
        paused_pid=""
        last_fault_ms="$(now_ms)"
        log_fault "kill -CONT $target (pid $pid)"
    fi
}
# pick_one PREFIX: one of the coordinator replicas' processes (coordinator*, rmiregistry*), at random.
pick_one() {
    local candidates=() name
    for name in "${coordinator_names[@]}"; do [[ "$name" == "$1"* ]] && candidates+=("$name"); done
    ((${#candidates[@]})) && echo "${candidates[$((RANDOM % ${#candidates[@]}))]}"
}

record="$chaos_dir/record.tsv"
start_ms="$(now_ms)"
SNS_HEAP=192m SNS_TMPDIR="$run_dir/tmp" "$script_dir/sns" chaos workload -h 127.0.0.1 -k "$coordinator_ports" \
    --clients "$clients" --duration "${duration}s" --record "$record" --seed "$seed" \
    >"$chaos_dir/workload.log" 2>&1 &
workload_pid=$!
echo "chaos: workload started (pid $workload_pid, $clients clients, ${duration}s); faults every ${kill_every}s"

# The last fault must be over (restarted / resumed) a couple of seconds before the workload stops posting.
fault_window_end=$(( start_ms + (duration - restart_after - dead_after_s - 3) * 1000 ))
last_fault_ms="$start_ms"
faults=0
sleep "$kill_every"
while (( $(now_ms) + (restart_after > dead_after_s + 2 ? restart_after : dead_after_s + 2) * 1000 < fault_window_end )) \
        && kill -0 "$workload_pid" 2>/dev/null; do
    status=""
    for _ in $(seq 1 20); do
        status="$(status_now || true)"
        healthy "$status" && break
        sleep 0.5
    done
    healthy "$status" || log_fault "note: not every cluster has two live servers; injecting anyway"
    cluster=$(( RANDOM % clusters + 1 ))
    dice=$(( RANDOM % 10 ))
    if ((dice < 5)); then kind=kill-master
    elif ((dice < 7)); then kind=kill-slave
    elif ((dice < 8)); then kind=kill-sync
    else kind=pause-master
    fi
    # With coordinator replicas, one fault in five is theirs: kill -9 or SIGSTOP a coordinator, or kill a registry.
    if ((${#coordinator_names[@]} > 2 && RANDOM % 5 == 0)); then
        case $((RANDOM % 3)) in
            0) kind=kill-coordinator ;;
            1) kind=pause-coordinator ;;
            *) kind=kill-registry ;;
        esac
    fi
    case "$kind" in
        kill-master) kill_and_restart "$(role_name "$status" "$cluster" node MASTER)" ;;
        kill-slave) kill_and_restart "$(role_name "$status" "$cluster" node SLAVE)" ;;
        kill-sync) kill_and_restart "$(role_name "$status" "$cluster" sync MASTER)" ;;
        kill-coordinator) kill_and_restart "$(pick_one coordinator)" ;;
        kill-registry) kill_and_restart "$(pick_one rmiregistry)" ;;
        pause-coordinator) pause_and_resume "$(pick_one coordinator)" ;;
        pause-master) pause_and_resume "$(role_name "$status" "$cluster" node MASTER)" ;;
    esac
    sleep "$kill_every"
done
echo "chaos: $faults faults injected; waiting for the workload to finish"
workload_rc=0
wait "$workload_pid" || workload_rc=$?
workload_pid=""
tail -n 1 "$chaos_dir/workload.log"
end_ms="$(awk -F'end=' '/^# end=/ { print $2 }' "$record" 2>/dev/null || true)"
[[ "$end_ms" =~ ^[0-9]+$ ]] || end_ms="$(now_ms)"
since=$(( last_fault_ms > end_ms ? last_fault_ms : end_ms ))
echo "chaos: last fault action at +$(( (last_fault_ms - start_ms) / 1000 ))s, last write at +$(( (end_ms - start_ms) / 1000 ))s;" \
    "convergence is measured from the later"

check_rc=0
SNS_HEAP=128m SNS_TMPDIR="$run_dir/tmp" "$script_dir/sns" chaos check -h 127.0.0.1 -k "$coordinator_ports" \
    --record "$record" --since "$since" --max-convergence "${max_convergence}s" 2>"$chaos_dir/check.err" \
    | tee "$chaos_dir/check.log" || check_rc=$?
if ((workload_rc != 0)); then
    echo "chaos: FAIL: the workload exited with $workload_rc (see $chaos_dir/workload.log)"
    exit 1
fi
if ((check_rc != 0)); then
    echo "chaos: FAIL (seed $seed; record $record, faults $faults_log)"
    exit 1
fi
echo "chaos: PASS ($faults faults, seed $seed)"
