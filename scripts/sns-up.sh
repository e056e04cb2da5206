#!/usr/bin/env bash
# sns-up.sh: starts a whole local Tiny SNS deployment in the background and waits until every cluster has a master.
#
#   scripts/sns-up.sh [--clusters N] [--replicas R] [--coordinators K] [--run-dir DIR] [--base-port P]
#                     [--wait SECONDS] [--tls]
#
#   --clusters N    clusters to start (default 3); each gets R servers (nodes) and 2 synchronizers
#   --replicas R    servers per cluster (default 2: a master/slave pair that the coordinator fails over;
#                   3 or more: Raft's own election fails over and the coordinator follows the leader)
#   --coordinators K  coordinator replicas, each with its own registry (default 3; 1 = a single coordinator, as
#                   the course has it). K = 3 or 5: they keep the
#                   failover records in a Raft group of their own and any one of them (and its registry) may die
#                   or pause without stopping logins, routing or failover (DESIGN.md §11). Replica i's registry is
#                   P + 10(i-1), its object P + 10(i-1) + 1, its Raft port P + 10(i-1) + 2; clients may pass them
#                   all (tsc -k 9000,9010,9020) or one (they learn the others from its first answer).
#   --run-dir DIR   logs, pid files, data and tmp of this deployment (default ./run, made absolute)
#   --base-port P   the RMI registry's port (default 9000); every other port moves by P - 9000
#   --wait SECONDS  how long to wait for a master in every cluster (default 60)
#   --tls           every process speaks RMI over TLS with mutual authentication, and so do the nodes' Raft
#                   ports (Bolt TLS), using the deployment key in
#                   <run>/tls/ (keystore.p12 + keystore.pass, mode 600; made with keytool on first use, then
#                   reused); the registry (`sns registry`) gets --tls too.
#                   Clients need the same key: tsc --tls <run>/tls ... (or SNS_TLS_DIR=<run>/tls)
#
# Processes (one JVM each, heap set deliberately: 14 JVMs share this machine — DESIGN.md §9):
#   registry (P; `sns registry`, pid file rmiregistry.pid), coordinator (object on P+1), per cluster c: node-c.1, node-c.2, sync-c.1, sync-c.2.
#   With --coordinators K, replicas 2..K are rmiregistry-i and coordinator-i (data dir <run>/coordinator-i).
# Each writes <run>/logs/<name>.log and <run>/pids/<name>.pid; ports are listed in <run>/ports.txt.
# <run>/secret (mode 600, made once and kept) is the deployment's shared secret, passed to every role as --secret-file.
# Stop with scripts/sns-down.sh --run-dir <run>. Does nothing (exit 0) if the run dir's processes still live.
# Environment: SNS_NODE_HEAP (default 256m), SNS_SMALL_HEAP (registry, coordinator, syncs; default 96m),
#              SNS_HEARTBEAT (default 500ms), SNS_DEAD_AFTER (default 2s),
#              SNS_POST_RATE (posts/s one session may make, `sns node --post-rate`; default the node's 50, 0 = off:
#              benchmarks that post faster than that from one user need it raised or off).
set -euo pipefail

script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$script_dir/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$script_dir/lib.sh"
# Only --tls decides: an SNS_TLS_DIR inherited from the shell must not turn some processes to TLS and not others.
unset SNS_TLS_DIR

clusters=3
replicas=2
coordinators=3
run_dir="./run"
base_port=9000
wait_seconds=60
tls=0

# The header comment above, without its '#'.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

while (($#)); do
    case "$1" in
        --clusters) clusters="${2:?--clusters needs a value}"; shift 2 ;;
        --clusters=*) clusters="${1#*=}"; shift ;;
        --replicas) replicas="${2:?--replicas needs a value}"; shift 2 ;;
        --replicas=*) replicas="${1#*=}"; shift ;;
        --coordinators) coordinators="${2:?--coordinators needs a value}"; shift 2 ;;
        --coordinators=*) coordinators="${1#*=}"; shift ;;
        --run-dir) run_dir="${2:?--run-dir needs a value}"; shift 2 ;;
        --run-dir=*) run_dir="${1#*=}"; shift ;;
        --base-port) base_port="${2:?--base-port needs a value}"; shift 2 ;;
        --base-port=*) base_port="${1#*=}"; shift ;;
        --wait) wait_seconds="${2:?--wait needs a value}"; shift 2 ;;
        --wait=*) wait_seconds="${1#*=}"; shift ;;
        --tls) tls=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "sns-up: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
    esac
done

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
if ! is_uint "$clusters" || ((clusters < 1)); then
    echo "sns-up: --clusters must be a positive integer" >&2
    exit 2
fi
if ! is_uint "$replicas" || ((replicas < 2 || replicas > 9)); then
    echo "sns-up: --replicas must be 2 to 9 (a cluster's servers share its ports c*10000 + n - 1)" >&2
    exit 2
fi
if ! is_uint "$coordinators" || ((coordinators < 1 || coordinators > 9)); then
    echo "sns-up: --coordinators must be 1 to 9 (3 or 5 for a group that survives the loss of one or two)" >&2
    exit 2
fi
if ! is_uint "$base_port" || ((base_port < 1024)); then
    echo "sns-up: --base-port must be an integer >= 1024" >&2
    exit 2
fi
is_uint "$wait_seconds" || { echo "sns-up: --wait must be a whole number of seconds" >&2; exit 2; }

shift_by=$((base_port - 9000))
registry_port=$base_port
export_port=$((base_port + 1))
# Coordinator replica i (1-based): its registry, its RMI object and its Raft port.
coordinator_registry_port() { echo $((base_port + 10 * ($1 - 1))); }
coordinator_export_port() { echo $((base_port + 10 * ($1 - 1) + 1)); }
coordinator_raft_port() { echo $((base_port + 10 * ($1 - 1) + 2)); }
coordinator_name() { if (($1 == 1)); then echo coordinator; else echo "coordinator-$1"; fi; }
registry_name() { if (($1 == 1)); then echo rmiregistry; else echo "rmiregistry-$1"; fi; }
# -k for every role and client: all coordinator registries.
coordinator_ports="$registry_port"
group=""
for ((i = 1; i <= coordinators; i++)); do
    ((i > 1)) && coordinator_ports="$coordinator_ports,$(coordinator_registry_port "$i")"
    group="${group:+$group,}127.0.0.1:$(coordinator_registry_port "$i"):$(coordinator_raft_port "$i")"
done
server_port() { echo $(($1 * 10000 + $2 - 1 + shift_by)); }
raft_port() { echo $(($1 * 10000 + 100 + $2 - 1 + shift_by)); }
sync_port() { echo $(($1 * 10000 + 200 + $2 - 1 + shift_by)); }
if (($(sync_port "$clusters" 2) > 65535 || $(server_port 1 1) < 1024)); then
    echo "sns-up: with --base-port $base_port and $clusters clusters the ports leave 1024..65535" >&2
    exit 2
fi

mkdir -p "$run_dir"
run_dir="$(cd "$run_dir" && pwd)"

# Refuse to start a second deployment over a live one.
live=()
for pid_file in "$run_dir"/pids/*.pid; do
    [[ -e "$pid_file" ]] || continue
    pid="$(cat "$pid_file" 2>/dev/null || true)"
    if is_our_process "$pid" "$run_dir"; then
        live+=("$(basename "$pid_file" .pid) (pid $pid)")
    fi
done
if ((${#live[@]})); then
    echo "sns-up: a deployment is already running in $run_dir: ${live[*]}"
    echo "sns-up: nothing changed. Stop it first with: $script_dir/sns-down.sh --run-dir $run_dir"
    exit 0
fi

jar="$root/sns-cli/target/sns-cli.jar"
if [[ ! -f "$jar" || ! -d "$root/sns-cli/target/lib" ]]; then
    echo "sns-up: building the jars (mvn -B -q -DskipTests package)..."
    (cd "$root" && mvn -B -q -DskipTests package)
fi

mkdir -p "$run_dir/logs" "$run_dir/pids" "$run_dir/tmp" "$run_dir/data"
rm -f "$run_dir"/pids/*.pid
# The deployment's shared secret (mode 600, kept across restarts): the coordinator accepts heartbeats, and the nodes
# accept synchronization calls, only from processes that present it. Clients never need it.
secret_file="$run_dir/secret"
ensure_secret "$secret_file"

# --tls: the deployment's key pair, self-signed, in <run>/tls (owner-only files; reused if present). The password
# lives in a file beside it and reaches every JVM as a path, so it never shows in ps.
tls_args=()
if ((tls)); then
    tls_dir="$run_dir/tls"
    made="$(ensure_tls_key "$tls_dir" "$(basename "$run_dir")")" || { echo "sns-up: no TLS key" >&2; exit 1; }
    [[ -z "$made" ]] || echo "sns-up: $made"
    tls_args=(--tls "$tls_dir")
fi

node_heap="${SNS_NODE_HEAP:-256m}"
small_heap="${SNS_SMALL_HEAP:-96m}"
heartbeat="${SNS_HEARTBEAT:-500ms}"
dead_after="${SNS_DEAD_AFTER:-2s}"
post_rate=()
if [[ -n "${SNS_POST_RATE:-}" ]]; then
    [[ "$SNS_POST_RATE" =~ ^[0-9]+$ ]] || { echo "sns-up: SNS_POST_RATE must be a whole number (0 = off)" >&2; exit 2; }
    post_rate=(--post-rate "$SNS_POST_RATE")
fi

# start NAME HEAP COMMAND...: runs COMMAND detached (own session, no terminal, HUP ignored), output to its log.
# Every wrapper execs (setsid does not fork: a background job of a script is no group leader), so the pid recorded
# is the JVM's own.
start() {
    local name="$1" heap="$2"
    shift 2
    local log="$run_dir/logs/$name.log"
    echo "=== $(date '+%F %T') starting $name: $*" >>"$log"
    SNS_HEAP="$heap" SNS_TMPDIR="$run_dir/tmp" setsid nohup "$@" >>"$log" 2>&1 </dev/null &
    echo $! >"$run_dir/pids/$name.pid"
    printf '  %-14s pid %-7s log %s\n' "$name" "$!" "$log"
}

{
    echo "# Tiny SNS deployment in $run_dir (base port $base_port, $clusters clusters)"
    if ((tls)); then
        echo "registry          127.0.0.1:$registry_port   (sns registry --tls; clients use -k $registry_port)"
        echo "tls               $tls_dir   (every process and client: --tls $tls_dir)"
    else
        echo "registry          127.0.0.1:$registry_port   (sns registry; clients use -k $registry_port)"
    fi
    echo "coordinator       127.0.0.1:$export_port   (RMI object, bound as sns/coordinator)"
    for ((i = 2; i <= coordinators; i++)); do
        echo "$(coordinator_name "$i")     registry 127.0.0.1:$(coordinator_registry_port "$i")  object $(coordinator_export_port "$i")  raft $(coordinator_raft_port "$i")"
    done
    ((coordinators > 1)) && echo "coordinator-group $group   (replica 1's raft port $(coordinator_raft_port 1))"
    echo "coordinator-ports $coordinator_ports   (-k for every role and client)"
    for ((c = 1; c <= clusters; c++)); do
        for ((n = 1; n <= replicas; n++)); do
            echo "node-$c.$n          service 127.0.0.1:$(server_port "$c" "$n")  raft 127.0.0.1:$(raft_port "$c" "$n")"
        done
        for n in 1 2; do
            echo "sync-$c.$n          127.0.0.1:$(sync_port "$c" "$n")   (reported only: a synchronizer listens on nothing)"
        done
    done
} >"$run_dir/ports.txt"

echo "sns-up: starting $clusters clusters in $run_dir"
# Every process runs in the run dir: JRaft writes its metrics files (thread_pool_metrics.log.*) into the cwd.
cd "$run_dir"
# Our registry, not the JDK's rmiregistry: it listens on 127.0.0.1 only, holds binds to the API's serialization
# allow-list (RmiEndpoints.FILTER_PATTERN, not just the JDK's "any stub") and can speak TLS. Same pid file name, so
# sns-down.sh stops it last as before.
for ((i = 1; i <= coordinators; i++)); do
    port="$(coordinator_registry_port "$i")"
    name="$(registry_name "$i")"
    start "$name" "$small_heap" "$script_dir/sns" registry --host 127.0.0.1 --port "$port" "${tls_args[@]}"
    # The coordinator binds into the registry, so the registry must listen first.
    deadline=$((SECONDS + 15))
    until port_open "$port"; do
        if ((SECONDS >= deadline)) || ! kill -0 "$(cat "$run_dir/pids/$name.pid")" 2>/dev/null; then
            echo "sns-up: the registry did not start listening on $port; see $run_dir/logs/$name.log" >&2
            tail -n 20 "$run_dir/logs/$name.log" >&2 || true
            echo "sns-up: stop what started with: $script_dir/sns-down.sh --run-dir $run_dir" >&2
            exit 1
        fi
        sleep 0.2
    done
    group_args=()
    data="$run_dir/coordinator"
    if ((coordinators > 1)); then
        group_args=(--group "$group" --id "$i")
        ((i > 1)) && data="$run_dir/coordinator-$i"
    fi
    start "$(coordinator_name "$i")" "$small_heap" "$script_dir/sns" coordinator --host 127.0.0.1 -k "$port" \
        --export-port "$(coordinator_export_port "$i")" --clusters "$clusters" --heartbeat "$heartbeat" \
        --dead-after "$dead_after" --data-dir "$data" --secret-file "$secret_file" "${group_args[@]}" "${tls_args[@]}"
done
for ((c = 1; c <= clusters; c++)); do
    peers="127.0.0.1:$(raft_port "$c" 1)"
    for ((n = 2; n <= replicas; n++)); do
        peers="$peers,127.0.0.1:$(raft_port "$c" "$n")"
    done
    for ((n = 1; n <= replicas; n++)); do
        start "node-$c.$n" "$node_heap" "$script_dir/sns" node --cluster "$c" --id "$n" --host 127.0.0.1 \
            -h 127.0.0.1 -k "$coordinator_ports" --port "$(server_port "$c" "$n")" --raft-port "$(raft_port "$c" "$n")" \
            --peers "$peers" --data-dir "$run_dir/data/cluster-$c/node-$n" --clusters "$clusters" \
            --heartbeat "$heartbeat" --secret-file "$secret_file" "${tls_args[@]}" "${post_rate[@]}"
    done
done
for ((c = 1; c <= clusters; c++)); do
    for n in 1 2; do
        start "sync-$c.$n" "$small_heap" "$script_dir/sns" sync --cluster "$c" --id "$n" --host 127.0.0.1 \
            --port "$(sync_port "$c" "$n")" -h 127.0.0.1 -k "$coordinator_ports" --clusters "$clusters" \
            --heartbeat "$heartbeat" --secret-file "$secret_file" "${tls_args[@]}"
    done
done

# Wait until the coordinator reports a live MASTER server for every cluster.
echo "sns-up: waiting up to ${wait_seconds}s for a master in every cluster..."
status_file="$run_dir/status.txt"
deadline=$((SECONDS + wait_seconds))
while :; do
    missing=()
    if SNS_HEAP=64m SNS_TMPDIR="$run_dir/tmp" "$script_dir/sns" status -h 127.0.0.1 -k "$coordinator_ports" \
        "${tls_args[@]}" >"$status_file" 2>"$run_dir/logs/status.err"; then
        for ((c = 1; c <= clusters; c++)); do
            # A live MASTER server row whose Raft column says it leads (the role may come before the leadership).
            grep -Eq "^${c}[[:space:]]+node-${c}\.[0-9]+[[:space:]]+MASTER[[:space:]].*[[:space:]]yes[[:space:]]+leader[[:space:]]" \
                "$status_file" || missing+=("cluster $c has no live master leading its Raft group")
        done
    else
        missing+=("the coordinator does not answer on 127.0.0.1:$registry_port")
    fi
    ((${#missing[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
        echo "sns-up: not ready after ${wait_seconds}s: ${missing[*]}" >&2
        for pid_file in "$run_dir"/pids/*.pid; do
            name="$(basename "$pid_file" .pid)"
            pid="$(cat "$pid_file")"
            if ! kill -0 "$pid" 2>/dev/null; then
                echo "sns-up: $name (pid $pid) is not running; last lines of $run_dir/logs/$name.log:" >&2
                tail -n 15 "$run_dir/logs/$name.log" | sed 's/^/    /' >&2 || true
            elif [[ "$name" == node-* || "$name" == sync-* ]] \
                && ! grep -q "[[:space:]]${name}[[:space:]]" "$status_file" 2>/dev/null; then
                echo "sns-up: $name (pid $pid) runs but has not registered; see $run_dir/logs/$name.log" >&2
            fi
        done
        [[ -s "$status_file" ]] && { echo "sns-up: last status:" >&2; cat "$status_file" >&2; }
        [[ -s "$run_dir/logs/status.err" ]] && tail -n 3 "$run_dir/logs/status.err" >&2
        echo "sns-up: processes are left running for inspection; stop them with:" >&2
        echo "    $script_dir/sns-down.sh --run-dir $run_dir" >&2
        exit 1
    fi
    sleep 1
done

cat "$status_file"
echo
echo "sns-up: ready. Ports: $run_dir/ports.txt; logs: $run_dir/logs/"
tls_hint="${tls_args[*]:+ ${tls_args[*]}}"
echo "  client: $script_dir/tsc -h 127.0.0.1 -k $coordinator_ports$tls_hint -u 1"
echo "  status: $script_dir/sns status -k $coordinator_ports$tls_hint"
echo "  stop:   $script_dir/sns-down.sh --run-dir $run_dir"
