#!/usr/bin/env bash
# chaos.sh: a seeded fault run against a local deployment, judged by the checker.
#
#   scripts/chaos.sh [--duration S] [--kill-every S] [--restart-after S] [--clients N] [--run-dir DIR]
#                    [--base-port P] [--seed N] [--max-convergence S] [--max-unavailable S] [--tls]
#                    [--coordinators K] [--nemesis LIST] [--hosts]
#
#   --duration S        how long the workload posts (default 60)
#   --kill-every S      one fault every S seconds (default 8)
#   --restart-after S   a killed process is started again after S seconds (default 3)
#   --clients N         workload users, spread over all clusters (default 6)
#   --run-dir DIR       the deployment's run dir (default ./run-chaos); started with sns-up.sh (--hosts: hosts.sh up)
#                       unless one runs there
#   --base-port P       registry port when this script starts the deployment (default 11000; ports stay below 32768)
#   --seed N            seeds the fault schedule and the workload (default: from the clock; always printed); the
#                       same seed and options give the same faults
#   --max-convergence S FAIL if convergence takes longer (default 5)
#   --max-unavailable S FAIL if a user waits longer for an acknowledged write while writing, or a post longer to
#                       reach a follower in another cluster (default: the checker's, dead-after + heartbeat + 2.5 s
#                       of the deployment's failure detector: 5 s with sns-up.sh's 500 ms / 2 s; 0 = report only)
#   --tls               start the deployment with sns-up.sh --tls (a running one is used as it is: TLS if its
#                       ports.txt says so)
#   --coordinators K    start the deployment with K coordinator replicas (sns-up.sh --coordinators); with more
#                       than one, one fault in five hits a coordinator replica or a registry instead
#   --nemesis LIST      the kinds of fault, a comma list (default kill); each fault draws one of them:
#                         kill       kill -9 a cluster's master server (most often), its slave server or its master
#                                    synchronizer, or (with coordinator replicas) a coordinator replica or a
#                                    registry; started again with its own command line after --restart-after
#                         pause      SIGSTOP a cluster's master server (most often), its slave server, its master
#                                    synchronizer or (with coordinator replicas) a coordinator replica, then SIGCONT:
#                                    usually for 2 x dead-after + 2 s (the detector acts, and a caller stuck on the
#                                    paused process shows as a window above the bound), one pause in four for half
#                                    of dead-after (it must not)
#                         partition  cut a cluster's master server, or its master synchronizer, off from every
#                                    other host (one partition in three one way only), for 2 x dead-after + 2 s, then
#                                    heal; needs --hosts
#   --hosts             run on the network-namespace harness (scripts/hosts.sh, needs root): its deployment is used
#                       or started (hosts.sh up, --coordinators K, default 3) in --run-dir and stopped again; status,
#                       workload and check run on its client-1 host; restarts and partitions go through it (no TLS)
#
# Steps: start the deployment (unless running) → run `sns chaos workload` in the background → while it runs, one
# fault every --kill-every seconds, drawn from --nemesis on a seeded schedule. Before each fault the script waits
# (bounded) until every server is alive again, so no cluster loses both replicas at once. Faults stop early enough
# that the last one is over before the workload ends. Then `sns chaos check` waits for convergence, measured from the
# later of the last fault action and the workload's last write, reads every user's state and prints PASS/FAIL with
# the figures and the availability table: each user's longest wait for an acknowledged write and each pair of
# clusters' longest delivery wait, with the fault active then. A deployment this script started is stopped
# (sns-down.sh) even on failure or Ctrl-C; a paused process is always resumed and a partition healed.
# Files: <run>/chaos/{record.tsv,faults.log,workload.log,check.log}; faults.log lines are "<epoch-ms> <what>".
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
max_unavailable=""
up_tls=()
up_coordinators=()
nemesis_list="kill"
on_hosts=0
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
        --max-unavailable) max_unavailable="${2:?}"; shift 2 ;;
        --nemesis) nemesis_list="${2:?}"; shift 2 ;;
        --hosts) on_hosts=1; shift ;;
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
[[ -z "$max_unavailable" || "$max_unavailable" =~ ^[0-9]+(\.[0-9]+)?$ ]] \
    || { echo "chaos: --max-unavailable must be a number of seconds" >&2; exit 2; }
# The fault kinds, each once, in the order given (the schedule draws from this list, so the order is part of a replay).
nemeses=()
IFS=',' read -r -a requested <<<"$nemesis_list"
for kind in "${requested[@]}"; do
    [[ -n "$kind" ]] || continue
    case "$kind" in
        kill|pause|partition) [[ " ${nemeses[*]} " == *" $kind "* ]] || nemeses+=("$kind") ;;
        *) echo "chaos: --nemesis takes a comma list of kill, pause, partition; not '$kind'" >&2; exit 2 ;;
    esac
done
((${#nemeses[@]})) || { echo "chaos: --nemesis needs at least one of kill, pause, partition" >&2; exit 2; }
if [[ " ${nemeses[*]} " == *" partition "* ]] && ((!on_hosts)); then
    echo "chaos: --nemesis partition needs --hosts (a deployment on the network-namespace harness, scripts/hosts.sh)" >&2
    exit 2
fi
if ((on_hosts)) && [[ ! -x "$script_dir/hosts.sh" ]]; then
    echo "chaos: --hosts needs scripts/hosts.sh (the network-namespace harness), which is not there" >&2
    exit 2
fi
if ((on_hosts)) && ((${#up_tls[@]})); then
    echo "chaos: --hosts runs without TLS (the harness's deployment has none); drop --tls" >&2
    exit 2
fi
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

# hosts_sh COMMAND ARGS...: the one way this script reaches the network-namespace harness (up, down, exec, status,
# kill, restart, partition A B|others, partition --one-way …, heal, netem HOST …), always on this run dir.
hosts_sh() {
    local command="$1"
    shift
    "$script_dir/hosts.sh" "$command" --run-dir "$run_dir" "$@"
}
# The deployment's processes by name, and their pids: the pid files of sns-up.sh, or with --hosts the "proc NAME HOST
# NAMESPACE ADDRESS PID COMMAND" lines of hosts.sh's hosts.txt (the same pid namespace: signals reach them from here).
process_names() {
    if ((on_hosts)); then
        awk '$1 == "proc" { print $2 }' "$run_dir/hosts.txt" 2>/dev/null || true
    else
        local pid_file
        for pid_file in "$run_dir"/pids/*.pid; do [[ -e "$pid_file" ]] && basename "$pid_file" .pid; done
    fi
}
pid_of() { # NAME
    if ((on_hosts)); then
        awk -v n="$1" '$1 == "proc" && $2 == n { print $6; exit }' "$run_dir/hosts.txt" 2>/dev/null || true
    else
        cat "$run_dir/pids/$1.pid" 2>/dev/null || true
    fi
}

started_deployment=0
workload_pid=""
paused_pid=""
partitioned=0
finish() {
    local rc=$?
    [[ -n "$paused_pid" ]] && kill -CONT "$paused_pid" 2>/dev/null || true
    if ((partitioned)); then
        hosts_sh heal >>"$chaos_dir/hosts.log" 2>&1 || echo "chaos: scripts/hosts.sh heal failed (see $chaos_dir/hosts.log)" >&2
    fi
    if [[ -n "$workload_pid" ]] && kill -0 "$workload_pid" 2>/dev/null; then
        kill -TERM "$workload_pid" 2>/dev/null || true
    fi
    if ((started_deployment && on_hosts)); then
        hosts_sh down --wait 5 >"$chaos_dir/down.log" 2>&1 || true
        echo "chaos: stopped the deployment it started (details in $chaos_dir/down.log)"
    elif ((started_deployment)); then
        "$script_dir/sns-down.sh" --run-dir "$run_dir" --wait 5 >"$chaos_dir/down.log" 2>&1 || true
        echo "chaos: stopped the deployment it started (details in $chaos_dir/down.log)"
    fi
    echo "chaos: seed $seed"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

live_pids=0
for name in $(process_names); do
    is_our_process "$(pid_of "$name")" "$run_dir" && live_pids=$((live_pids + 1))
done
if ((live_pids == 0 && on_hosts)); then
    # sns-up.sh's default of three coordinator replicas, unless --coordinators says otherwise.
    hosts_sh up --coordinators "${up_coordinators[1]:-3}" >"$chaos_dir/up.log" 2>&1 \
        || { echo "chaos: hosts.sh up failed:" >&2; tail -n 20 "$chaos_dir/up.log" >&2; exit 1; }
    started_deployment=1
    echo "chaos: started a deployment on network namespaces (hosts.sh up)"
elif ((live_pids == 0)); then
    "$script_dir/sns-up.sh" --run-dir "$run_dir" --base-port "$base_port" "${up_tls[@]}" "${up_coordinators[@]}" \
        >"$chaos_dir/up.log" 2>&1 \
        || { started_deployment=1; echo "chaos: sns-up.sh failed:" >&2; tail -n 20 "$chaos_dir/up.log" >&2; exit 1; }
    started_deployment=1
    echo "chaos: started a deployment (sns-up.sh, base port $base_port)"
else
    echo "chaos: using the deployment already running in $run_dir ($live_pids processes)"
fi
if ((on_hosts)); then
    # status, workload and check run on the harness's first client host, and reach the coordinators by address.
    coordinator_host="$(awk -F= '$1 == "COORDINATOR_HOST" { print $2; exit }' "$run_dir/run.env")"
    coordinator_ports="$(awk -F= '$1 == "COORDINATORS" { print $2; exit }' "$run_dir/run.env")"
    [[ -n "$coordinator_host" && -n "$coordinator_ports" ]] \
        || { echo "chaos: $run_dir/run.env names no coordinators" >&2; exit 1; }
else
    coordinator_host=127.0.0.1
    registry_port="$(awk '/^registry/ { split($2, a, ":"); print a[2]; exit }' "$run_dir/ports.txt")"
    # Every coordinator replica's registry (one entry without replicas): status, workload and check use them all.
    coordinator_ports="$(awk '/^coordinator-ports/ { print $2; exit }' "$run_dir/ports.txt")"
    [[ -n "$coordinator_ports" ]] || coordinator_ports="$registry_port"
    use_deployment_tls "$run_dir" # status, workload and check speak TLS when the deployment does
fi
coordinator_names=()
clusters=0
for name in $(process_names); do
    case "$name" in
        coordinator*|rmiregistry*) coordinator_names+=("$name") ;;
        node-*.1) clusters=$((clusters + 1)) ;;
    esac
done
# sns_cmd ARGS...: `sns ARGS` against the deployment, from this machine or from the harness's client-1 host.
sns_cmd() {
    if ((on_hosts)); then
        hosts_sh exec client-1 -- sns "$@" -h "$coordinator_host" -k "$coordinator_ports"
    else
        SNS_TMPDIR="$run_dir/tmp" "$script_dir/sns" "$@" -h 127.0.0.1 -k "$coordinator_ports"
    fi
}
# The failure detector's timings: what the running coordinator was started with (a deployment this script did not
# start may have others), else what sns-up.sh would give it.
coordinator_flag() { # FLAG: its value on the first coordinator's command line, if it runs
    local pid
    pid="$(pid_of coordinator)"
    is_our_process "$pid" "$run_dir" || return 0
    tr '\0' '\n' <"/proc/$pid/cmdline" | awk -v f="$1" 'take { print; exit } $0 == f { take = 1 }'
}
to_ms() { # 500ms | 2s | 1m -> milliseconds
    case "$1" in
        *ms) echo "${1%ms}" ;;
        *s) echo $(( ${1%s} * 1000 )) ;;
        *m) echo $(( ${1%m} * 60000 )) ;;
        *) echo "$1" ;;
    esac
}
heartbeat="$(coordinator_flag --heartbeat)"
dead_after="$(coordinator_flag --dead-after)"
heartbeat="${heartbeat:-${SNS_HEARTBEAT:-500ms}}"
dead_after="${dead_after:-${SNS_DEAD_AFTER:-2s}}"
dead_after_ms="$(to_ms "$dead_after")"
[[ "$dead_after_ms" =~ ^[0-9]+$ ]] || { echo "chaos: cannot read dead-after '$dead_after'" >&2; exit 1; }
# A long pause or a partition outlasts detection and the whole failover after it (dead-after again, + 2 s), so the
# failover really happens and a caller that waits for the stopped process instead shows as a window above the
# checker's bound (dead-after + heartbeat + 2.5 s); a short pause stays below detection.
long_fault_ms=$(( 2 * dead_after_ms + 2000 ))
short_pause_ms=$(( dead_after_ms / 2 ))
seconds() { printf '%d.%03d' $(( $1 / 1000 )) $(( $1 % 1000 )); } # MILLIS -> seconds for sleep
echo "chaos: nemesis ${nemeses[*]}; heartbeat $heartbeat, dead-after $dead_after"

# A JVM that lives a second: the client compiler only and the serial collector start it in about half the time.
status_now() {
    SNS_HEAP=64m SNS_JAVA_OPTS="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC" sns_cmd status 2>/dev/null
}
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
fault_role="" # what the fault at hand hits, set by the schedule below
kill_process() { # NAME
    local name="$1" pid
    pid="$(pid_of "$name")"
    is_our_process "$pid" "$run_dir" || { log_fault "skip: $name (pid ${pid:-?}) is not running"; return 1; }
    saved_cmd[$name]="$(tr '\0' '\001' <"/proc/$pid/cmdline")"
    kill -KILL "$pid"
    log_fault "kill -9 $name (pid $pid, $fault_role)"
}
restart_process() { # NAME
    local name="$1" args=()
    if ((on_hosts)); then # the same command line on the same host: the harness knows both
        hosts_sh restart "$name" >>"$chaos_dir/hosts.log" 2>&1 || log_fault "note: hosts.sh restart $name failed"
        log_fault "restarted $name (pid $(pid_of "$name"))"
        return 0
    fi
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
# pause_and_resume NAME MILLIS: SIGSTOP for MILLIS, then SIGCONT (always resumed on exit too).
pause_and_resume() {
    local target="$1" millis="$2" pid
    pid="$(pid_of "$target")"
    if [[ -n "$target" ]] && is_our_process "$pid" "$run_dir"; then
        paused_pid="$pid"
        kill -STOP "$pid"
        log_fault "kill -STOP $target (pid $pid, $fault_role) for $millis ms"
        faults=$((faults + 1))
        sleep "$(seconds "$millis")"
        kill -CONT "$pid"
        paused_pid=""
        last_fault_ms="$(now_ms)"
        log_fault "kill -CONT $target (pid $pid)"
    elif [[ -n "$target" ]]; then
        log_fault "skip: $target (pid ${pid:-?}) is not running"
    fi
}
# partition_and_heal NAME MILLIS [--one-way]: cut NAME's host off from every other host for MILLIS, then heal.
partition_and_heal() {
    local target="$1" millis="$2" way=()
    [[ -n "$target" ]] || return 0
    [[ "${3:-}" == --one-way ]] && way=(--one-way)
    if ! hosts_sh partition "${way[@]}" "$target" others >>"$chaos_dir/hosts.log" 2>&1; then
        log_fault "skip: scripts/hosts.sh partition ${way[*]} $target failed (see $chaos_dir/hosts.log)"
        return 0
    fi
    partitioned=1
    log_fault "partition ${way[*]:+${way[*]} }$target ($fault_role) | the rest for $millis ms"
    faults=$((faults + 1))
    sleep "$(seconds "$millis")"
    hosts_sh heal >>"$chaos_dir/hosts.log" 2>&1 || log_fault "note: scripts/hosts.sh heal failed (see $chaos_dir/hosts.log)"
    partitioned=0
    last_fault_ms="$(now_ms)"
    log_fault "heal"
}
# pick_one PREFIX: one of the coordinator replicas' processes (coordinator*, rmiregistry*), at random.
pick_one() {
    local candidates=() name
    for name in "${coordinator_names[@]}"; do [[ "$name" == "$1"* ]] && candidates+=("$name"); done
    ((${#candidates[@]})) && echo "${candidates[$((RANDOM % ${#candidates[@]}))]}"
}

record="$chaos_dir/record.tsv"
start_ms="$(now_ms)"
# (On the harness the servers push timeline posts back to client-1's address: hosts.sh exec sets SNS_RMI_HOSTNAME.)
SNS_HEAP=192m sns_cmd chaos workload --clients "$clients" --duration "${duration}s" --record "$record" \
    --seed "$seed" >"$chaos_dir/workload.log" 2>&1 &
workload_pid=$!
echo "chaos: workload started (pid $workload_pid, $clients clients, ${duration}s); faults every ${kill_every}s"

# The last fault must be over (restarted / resumed / healed) a couple of seconds before the workload stops posting.
longest_fault_ms=$(( restart_after * 1000 > long_fault_ms ? restart_after * 1000 : long_fault_ms ))
fault_window_end=$(( start_ms + duration * 1000 - restart_after * 1000 - dead_after_ms - 3000 ))
last_fault_ms="$start_ms"
faults=0
# sleep_then_status SECONDS: sleeps, and leaves a fresh `sns status` in $status: it is started as long before the
# sleep ends as the last one took (seconds on a loaded machine), so that it does not push the next fault back.
status_ms=2000
sleep_then_status() {
    local total_ms=$(( $1 * 1000 )) lead_ms="$status_ms" started
    (( lead_ms <= total_ms )) || lead_ms="$total_ms"
    sleep "$(seconds $(( total_ms - lead_ms )))"
    started="$(now_ms)"
    status="$(status_now || true)"
    status_ms=$(( $(now_ms) - started ))
    (( status_ms >= lead_ms )) || sleep "$(seconds $(( lead_ms - status_ms )))"
}
sleep_then_status "$kill_every"
while (( $(now_ms) + longest_fault_ms < fault_window_end )) && kill -0 "$workload_pid" 2>/dev/null; do
    for _ in $(seq 1 20); do
        healthy "$status" && break
        sleep 0.5
        status="$(status_now || true)"
    done
    healthy "$status" || log_fault "note: not every cluster has two live servers; injecting anyway"
    # Each `sns status` is a JVM start (seconds on a loaded machine): the window may have closed meanwhile.
    (( $(now_ms) + longest_fault_ms < fault_window_end )) || break
    # Every draw comes from $RANDOM, seeded: the same seed and options give the same kinds, clusters and lengths.
    nemesis="${nemeses[$(( RANDOM % ${#nemeses[@]} ))]}"
    cluster=$(( RANDOM % clusters + 1 ))
    dice=$(( RANDOM % 20 ))
    # With coordinator replicas, one fault in five (kill, pause) is theirs.
    theirs=$(( ${#coordinator_names[@]} > 2 && RANDOM % 5 == 0 ))
    case "$nemesis" in
        kill)
            if ((theirs)); then
                if ((RANDOM % 2)); then kind=kill-registry; else kind=kill-coordinator; fi
            elif ((dice < 12)); then kind=kill-master
            elif ((dice < 17)); then kind=kill-slave
            else kind=kill-sync
            fi ;;
        pause)
            if ((theirs)); then kind=pause-coordinator
            elif ((dice < 11)); then kind=pause-master
            elif ((dice < 16)); then kind=pause-slave
            else kind=pause-sync
            fi
            pause_ms=$(( RANDOM % 4 == 0 ? short_pause_ms : long_fault_ms )) ;;
        partition)
            if ((dice < 14)); then kind=partition-master; else kind=partition-sync; fi
            way=""
            ((RANDOM % 3)) || way=--one-way ;;
    esac
    # What the target is, for the faults log (which names only the process): master, slave, master sync, ...
    case "${kind#*-}" in
        sync) fault_role="master sync" ;;
        coordinator) fault_role="coordinator replica" ;;
        *) fault_role="${kind#*-}" ;;
    esac
    case "$kind" in
        kill-master) kill_and_restart "$(role_name "$status" "$cluster" node MASTER)" ;;
        kill-slave) kill_and_restart "$(role_name "$status" "$cluster" node SLAVE)" ;;
        kill-sync) kill_and_restart "$(role_name "$status" "$cluster" sync MASTER)" ;;
        kill-coordinator) kill_and_restart "$(pick_one coordinator)" ;;
        kill-registry) kill_and_restart "$(pick_one rmiregistry)" ;;
        pause-master) pause_and_resume "$(role_name "$status" "$cluster" node MASTER)" "$pause_ms" ;;
        pause-slave) pause_and_resume "$(role_name "$status" "$cluster" node SLAVE)" "$pause_ms" ;;
        pause-sync) pause_and_resume "$(role_name "$status" "$cluster" sync MASTER)" "$pause_ms" ;;
        pause-coordinator) pause_and_resume "$(pick_one coordinator)" "$pause_ms" ;;
        partition-master) partition_and_heal "$(role_name "$status" "$cluster" node MASTER)" "$long_fault_ms" "$way" ;;
        partition-sync) partition_and_heal "$(role_name "$status" "$cluster" sync MASTER)" "$long_fault_ms" "$way" ;;
    esac
    sleep_then_status "$kill_every"
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
availability=(--heartbeat "$heartbeat" --dead-after "$dead_after")
[[ -n "$max_unavailable" ]] && availability+=(--max-unavailable "$(awk -v s="$max_unavailable" 'BEGIN { printf "%.0fms", s * 1000 }')")
SNS_HEAP=128m sns_cmd chaos check --record "$record" --since "$since" --max-convergence "${max_convergence}s" \
    --faults "$faults_log" "${availability[@]}" 2>"$chaos_dir/check.err" | tee "$chaos_dir/check.log" || check_rc=$?
if ((workload_rc != 0)); then
    echo "chaos: FAIL: the workload exited with $workload_rc (see $chaos_dir/workload.log)"
    exit 1
fi
if ((check_rc != 0)); then
    echo "chaos: FAIL (seed $seed; record $record, faults $faults_log)"
    exit 1
fi
echo "chaos: PASS ($faults faults, seed $seed)"
