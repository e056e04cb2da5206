#!/usr/bin/env bash
# hosts.sh: runs a Tiny SNS deployment across Linux network namespaces, one "host" per process, and injects real
# network faults (partitions, delay, loss) and process faults (pause, kill) into it. Needs root (DEVELOPERS.md,
# "Multi-host tests").
#
#   scripts/hosts.sh up        --run-dir DIR [--clusters N] [--replicas R] [--coordinators 1|3|5] [--client-hosts M]
#                              [--run-id ID] [--wait SECONDS]
#   scripts/hosts.sh down      --run-dir DIR [--wait SECONDS]
#   scripts/hosts.sh cleanup   (--run-dir DIR | --run-id ID)
#   scripts/hosts.sh check
#   scripts/hosts.sh exec      --run-dir DIR HOST -- CMD...
#   scripts/hosts.sh tsc       --run-dir DIR HOST [tsc options] -u USERID
#   scripts/hosts.sh status    --run-dir DIR [HOST]
#   scripts/hosts.sh partition --run-dir DIR [--one-way] A[,B...] C[,D...]|others
#   scripts/hosts.sh heal      --run-dir DIR
#   scripts/hosts.sh netem     --run-dir DIR HOST 'delay 200ms [20ms] loss 20%' | clear
#   scripts/hosts.sh pause|resume|kill|restart --run-dir DIR NAME
#   scripts/hosts.sh probe     --run-dir DIR tcp|udp|rtt FROM TO [PORT]
#   scripts/hosts.sh namespaces (--run-dir DIR | --run-id ID)
#
# up: makes namespace snsh-<id>-net holding bridge br0, and per host a namespace snsh-<id>-<host> whose eth0 is a
#   veth whose peer is enslaved to br0, address 10.213.X.(10+i)/24 (X derived from the run id), lo up, no default
#   route, IPv6 off; nothing links to the root namespace. Hosts: coordinator, coordinator-2 … (each with its
#   registry: processes rmiregistry[-i] and coordinator[-i]), node-C.N, sync-C.N, client-1 … client-M (default M =
#   N clusters; nothing runs there until `tsc`/`exec`). Every process is started with `scripts/sns` and the flags a
#   real multi-host run uses (its --host, -h/-k naming the coordinators' addresses, --peers/--group with addresses,
#   SNS_RMI_HOSTNAME = its address), ports as in sns-up.sh (9000/9001/9002 on every coordinator host). Waits until
#   every cluster has a live master, then prints the status table. Writes DIR/hosts.txt (every host and process:
#   namespace, address, pid, command line), DIR/run.env, DIR/logs/<name>.log. If it fails, everything it made is
#   removed again (logs stay). An existing DIR/run.env keeps its run id and addresses (data dirs name them).
# down: SIGTERM (then SIGKILL after --wait, default 10 s) to every process, then every process left in the run's
#   namespaces, then deletes the namespaces. Data and logs stay. cleanup: the same for any leftover namespaces of a
#   run, by the prefix snsh-<id>- alone.
# check: exit 0 if this machine can run it (root, `ip netns add` works); else one line and exit 77 (skip).
# exec: runs CMD inside HOST's namespace with PATH starting at scripts/ (so `sns`, `tsc` work), SNS_RMI_HOSTNAME and
#   SNS_HOST_ADDRESS = HOST's address, SNS_COORDINATOR_HOST and SNS_COORDINATORS (-h and -k for any sns command).
# tsc: the course client on HOST, -h/-k/--callback-host filled in. status: `sns status` from HOST (default client-1).
# partition: drops every IPv4 packet from each host of the first set to each host of the second, and (without
#   --one-way) back; names are hosts or processes (a process stands for its host); `others` = every host not in the
#   first set. Done with tc on the sender's eth0 egress (u32 dst match -> a class whose queue holds 0 packets).
#   Partitions add up until `heal`, which removes them all (netem stays).
# netem: delays/drops every packet HOST sends (its eth0 egress), like `tc qdisc … netem` (which this kernel lacks):
#   a tc mirred redirect to a tap device and a delay line in user space (hosts-netem.py, python3). `clear` ends it.
# pause/resume: SIGSTOP/SIGCONT of the process by its recorded pid. kill: SIGKILL, waits until it is gone.
#   restart: SIGKILL if it runs, then the same command line again on the same host.
# probe tcp: TCP connect from FROM to TO:PORT (default 9, where nothing listens): open, refused (the RST came back:
#   both directions pass) or timeout (2 s). probe udp: 3 datagrams FROM -> TO:9, judged by TO's own Udp NoPorts
#   counter: delivered or lost (one direction only). probe rtt: milliseconds of a TCP connect (SYN -> RST).
# Environment: SNS_NODE_HEAP (192m), SNS_SMALL_HEAP (80m), SNS_HEARTBEAT (500ms), SNS_DEAD_AFTER (2s), SNS_POST_RATE,
#   SNS_JAVA_OPTS (passed to every JVM).
set -euo pipefail

script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
root="$(cd "$script_dir/.." && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$script_dir/lib.sh"
unset SNS_TLS_DIR # no TLS here: the deployment key names 127.0.0.1 only

SKIP=77
NS_PREFIX_BASE=snsh
REGISTRY_PORT=9000
COORDINATOR_EXPORT_PORT=9001
COORDINATOR_RAFT_PORT=9002
DROP_PRIO=1   # tc filter priority of partition drops
NETEM_PRIO=100 # tc filter priority of the netem redirect (after the drops)

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
die() { echo "hosts: $*" >&2; exit 1; }
log() { echo "hosts: $*"; }

# --- arguments -------------------------------------------------------------------------------------------------------
(($#)) || { usage >&2; exit 2; }
command="$1"
shift
case "$command" in -h|--help|help) usage; exit 0 ;; esac

run_dir=""
run_id=""
clusters=3
replicas=2
coordinators=1
client_hosts=""
wait_seconds=""
one_way=0
positional=()
while (($#)); do
    case "$1" in
        --run-dir) run_dir="${2:?--run-dir needs a value}"; shift 2 ;;
        --run-dir=*) run_dir="${1#*=}"; shift ;;
        --run-id) run_id="${2:?--run-id needs a value}"; shift 2 ;;
        --run-id=*) run_id="${1#*=}"; shift ;;
        --clusters) clusters="${2:?}"; shift 2 ;;
        --replicas) replicas="${2:?}"; shift 2 ;;
        --coordinators) coordinators="${2:?}"; shift 2 ;;
        --client-hosts) client_hosts="${2:?}"; shift 2 ;;
        --wait) wait_seconds="${2:?}"; shift 2 ;;
        --one-way) one_way=1; shift ;;
        --) shift; positional+=(--); positional+=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        *) positional+=("$1"); shift ;;
    esac
done
# tsc and exec pass everything after HOST through: re-split there.

# --- helpers -----------------------------------------------------------------------------------------------------------
is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }

# check_machine: root, and ip netns add works. Prints the reason and returns 1 otherwise.
check_machine() {
    if [[ "$(id -u)" != 0 ]]; then
        echo "hosts: skipped: needs root for network namespaces (id -u is $(id -u))"
        return 1
    fi
    command -v ip >/dev/null && command -v tc >/dev/null || {
        echo "hosts: skipped: needs iproute2 (ip, tc)"
        return 1
    }
    local probe="$NS_PREFIX_BASE-check$$" output
    if ! output="$(ip netns add "$probe" 2>&1)"; then
        echo "hosts: skipped: 'ip netns add' does not work here: $output"
        return 1
    fi
    ip netns del "$probe" 2>/dev/null || true
}

require_run_dir() {
    [[ -n "$run_dir" ]] || die "$command needs --run-dir DIR"
    [[ -f "$run_dir/run.env" ]] || die "no deployment in $run_dir (no run.env; start one with: $0 up --run-dir $run_dir)"
    run_dir="$(cd "$run_dir" && pwd)"
    # shellcheck disable=SC1091 # written by `up`
    source "$run_dir/run.env"
    run_id="$RUN_ID"
    prefix="$NS_PREFIX"
}

ns_name() { echo "$prefix$1"; }

# The namespaces of the run whose prefix is $prefix (live, as `ip netns list` shows them).
run_namespaces() { ip netns list 2>/dev/null | awk -v p="$prefix" 'index($1, p) == 1 { print $1 }'; }

# host_field HOST COLUMN: a column of HOST's "host" line in hosts.txt (4 = namespace, 5 = address).
host_field() { awk -v h="$1" -v c="$2" '$1 == "host" && $2 == h { print $c; exit }' "$run_dir/hosts.txt"; }
proc_field() { awk -v n="$1" -v c="$2" '$1 == "proc" && $2 == n { print $c; exit }' "$run_dir/hosts.txt"; }
proc_command() { awk -v n="$1" '$1 == "proc" && $2 == n { $1 = $2 = $3 = $4 = $5 = $6 = ""; sub(/^ +/, ""); print; exit }' \
    "$run_dir/hosts.txt"; }
all_hosts() { awk '$1 == "host" { print $2 }' "$run_dir/hosts.txt"; }
all_procs() { awk '$1 == "proc" { print $2 }' "$run_dir/hosts.txt"; }

# resolve_host NAME: NAME if it is a host, the host of process NAME otherwise.
resolve_host() {
    local host
    host="$(host_field "$1" 2)"
    [[ -n "$host" ]] || host="$(proc_field "$1" 3)"
    [[ -n "$host" ]] || die "no host or process '$1' (hosts: $(all_hosts | tr '\n' ' '))"
    echo "$host"
}

addr_of() { local a; a="$(host_field "$1" 5)"; [[ -n "$a" ]] || die "no host '$1'"; echo "$a"; }

# alive PID: the process exists and is not a zombie.
alive() {
    local state
    [[ "$1" =~ ^[0-9]+$ ]] || return 1
    state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# await_gone PID SECONDS: true once PID is gone (or a zombie).
await_gone() {
    local pid="$1" deadline=$((SECONDS + $2))
    while alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

# set_proc_pid NAME PID: rewrites NAME's pid in hosts.txt.
set_proc_pid() {
    awk -v n="$1" -v p="$2" '$1 == "proc" && $2 == n { $6 = p } { print }' "$run_dir/hosts.txt" >"$run_dir/hosts.txt.new"
    mv -f "$run_dir/hosts.txt.new" "$run_dir/hosts.txt"
}

# our_pid NAME: the recorded pid of process NAME if it still runs as a process of this run dir, else nothing.
our_pid() {
    local pid
    pid="$(proc_field "$1" 6)"
    [[ -n "$pid" ]] || die "no process '$1' (processes: $(all_procs | tr '\n' ' '))"
    if alive "$pid" && is_our_process "$pid" "$run_dir"; then
        echo "$pid"
    fi
}

# launch NAME: starts process NAME in its host's namespace with the command line recorded in hosts.txt, detached
# (own session, no terminal), output appended to its log; records the new pid. Every wrapper execs (setsid, nohup,
# ip netns exec, env, scripts/sns), so the pid is the JVM's own.
launch() {
    local name="$1" host ns cmdline pid
    host="$(proc_field "$name" 3)"
    ns="$(ns_name "$host")"
    cmdline="$(proc_command "$name")"
    local -a argv
    eval "argv=($cmdline)"
    echo "=== $(date '+%F %T') hosts: starting $name on $host ($(addr_of "$host"), namespace $ns): $cmdline" \
        >>"$run_dir/logs/$name.log"
    (cd "$run_dir" && exec setsid nohup ip netns exec "$ns" "${argv[@]}" >>"$run_dir/logs/$name.log" 2>&1 </dev/null) &
    pid=$!
    set_proc_pid "$name" "$pid"
    printf '  %-16s on %-14s %-14s pid %s\n' "$name" "$host" "$(addr_of "$host")" "$pid"
}

# host_command HOST CMD...: sets host_argv to CMD inside HOST's namespace, with the environment `exec` promises.
host_command() {
    local host="$1" addr
    shift
    addr="$(addr_of "$host")"
    host_argv=(ip netns exec "$(ns_name "$host")" env PATH="$script_dir:$PATH" SNS_RMI_HOSTNAME="$addr"
        SNS_HOST_ADDRESS="$addr" SNS_TMPDIR="$run_dir/tmp" SNS_COORDINATOR_HOST="$COORDINATOR_HOST"
        SNS_COORDINATORS="$COORDINATORS" "$@")
}

# in_host HOST CMD...: runs it (and waits).
in_host() {
    local -a host_argv
    host_command "$@"
    "${host_argv[@]}"
}

# tcp_connect FROM_HOST ADDR PORT TIMEOUT: open | refused | timeout
tcp_connect() {
    local output rc=0
    output="$(ip netns exec "$(ns_name "$1")" timeout "$4" bash -c "exec 3<>/dev/tcp/$2/$3" 2>&1)" || rc=$?
    if ((rc == 0)); then
        echo open
    elif [[ "$output" == *"refused"* ]]; then
        echo refused
    else
        echo timeout
    fi
}

udp_noports() { ip netns exec "$(ns_name "$1")" awk '$1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $3 }' /proc/net/snmp; }

# --- up ----------------------------------------------------------------------------------------------------------------
made_namespaces=()
up_teardown() {
    local rc=$?
    trap - EXIT INT TERM
    if ((rc != 0)); then
        echo "hosts: up failed (exit $rc); removing everything it started and made (logs stay in $run_dir/logs)" >&2
        teardown 3 >&2 || true
    fi
    exit "$rc"
}

do_up() {
    check_machine >&2 || exit "$SKIP"
    [[ -n "$run_dir" ]] || die "up needs --run-dir DIR"
    is_uint "$clusters" && ((clusters >= 1 && clusters <= 9)) || die "--clusters must be 1..9"
    is_uint "$replicas" && ((replicas >= 2 && replicas <= 5)) || die "--replicas must be 2..5"
    is_uint "$coordinators" && ((coordinators >= 1 && coordinators <= 5)) || die "--coordinators must be 1..5"
    [[ -n "$client_hosts" ]] || client_hosts="$clusters"
    is_uint "$client_hosts" && ((client_hosts >= 1 && client_hosts <= 9)) || die "--client-hosts must be 1..9"
    wait_seconds="${wait_seconds:-90}"
    is_uint "$wait_seconds" || die "--wait must be whole seconds"
    mkdir -p "$run_dir"
    run_dir="$(cd "$run_dir" && pwd)"

    local subnet
    if [[ -f "$run_dir/run.env" ]]; then
        # Same run dir again: same run id and addresses (the data dirs' Raft configurations name them).
        # shellcheck disable=SC1091
        source "$run_dir/run.env"
        prefix="$NS_PREFIX"
        [[ -z "$(run_namespaces)" ]] || {
            echo "hosts: a deployment of run $RUN_ID is up in $run_dir ($(run_namespaces | wc -l) namespaces); nothing changed."
            echo "hosts: stop it first with: $0 down --run-dir $run_dir"
            exit 0
        }
        [[ -z "$run_id" || "$run_id" == "$RUN_ID" ]] || die "$run_dir belongs to run $RUN_ID, not $run_id"
        run_id="$RUN_ID"
        subnet="$SUBNET"
        clusters="$CLUSTERS"; replicas="$REPLICAS"; coordinators="$COORDINATOR_COUNT"; client_hosts="$CLIENT_HOSTS"
    else
        [[ -n "$run_id" ]] || run_id="$(od -An -tx1 -N3 /dev/urandom | tr -d ' \n')"
        [[ "$run_id" =~ ^[a-z0-9]{1,12}$ ]] || die "--run-id must be 1-12 lowercase letters or digits"
        # 10.213.X.0/24, X from the run id; never one the root namespace routes (it would not collide anyway: the
        # bridge lives in a namespace of its own, but a run must never look like the machine's network).
        local x=$(( $(cksum <<<"$run_id" | cut -d' ' -f1) % 250 + 2 )) tries=0
        while ip -4 route show table all 2>/dev/null | grep -q "10\.213\.$x\."; do
            x=$(( x % 250 + 2 )); tries=$((tries + 1))
            ((tries < 250)) || die "no free 10.213.X.0/24"
        done
        subnet="10.213.$x"
    fi
    prefix="$NS_PREFIX_BASE-$run_id-"
    [[ -z "$(run_namespaces)" ]] || die "namespaces with prefix $prefix exist already: $(run_namespaces | tr '\n' ' ')"

    # Hosts, in address order.
    local -a hosts=()
    local i c n
    for ((i = 1; i <= coordinators; i++)); do hosts+=("$(coord_name "$i")"); done
    for ((c = 1; c <= clusters; c++)); do
        for ((n = 1; n <= replicas; n++)); do hosts+=("node-$c.$n"); done
        for n in 1 2; do hosts+=("sync-$c.$n"); done
    done
    for ((i = 1; i <= client_hosts; i++)); do hosts+=("client-$i"); done

    local coordinator_host="$subnet.10" coordinator_list="" group=""
    for ((i = 1; i <= coordinators; i++)); do
        local a="$subnet.$((9 + i))"
        coordinator_list="${coordinator_list:+$coordinator_list,}$a:$REGISTRY_PORT"
        group="${group:+$group,}$a:$REGISTRY_PORT:$COORDINATOR_RAFT_PORT"
    done

    mkdir -p "$run_dir/logs" "$run_dir/tmp" "$run_dir/data" "$run_dir/netem"
    local secret_file="$run_dir/secret"
    ensure_secret "$secret_file"
    cat >"$run_dir/run.env" <<EOF
RUN_ID=$run_id
NS_PREFIX=$prefix
SUBNET=$subnet
CLUSTERS=$clusters
REPLICAS=$replicas
COORDINATOR_COUNT=$coordinators
CLIENT_HOSTS=$client_hosts
COORDINATOR_HOST=$coordinator_host
COORDINATORS=$coordinator_list
EOF
    # shellcheck disable=SC1091
    source "$run_dir/run.env"

    local jar="$root/sns-cli/target/sns-cli.jar"
    if [[ ! -f "$jar" || ! -d "$root/sns-cli/target/lib" ]]; then
        log "building the jars (mvn -B -q -DskipTests package)..."
        (cd "$root" && mvn -B -q -DskipTests package)
    fi

    trap up_teardown EXIT
    trap 'exit 130' INT TERM

    log "run $run_id: ${#hosts[@]} hosts on $subnet.0/24, bridge br0 in namespace ${prefix}net"
    local net="${prefix}net"
    ip netns add "$net"
    ns_quiet "$net"
    ip -n "$net" link add br0 type bridge
    ip -n "$net" link set br0 up
    {
        echo "# Tiny SNS on network namespaces: run $run_id, $subnet.0/24 on bridge br0 in namespace $net"
        echo "# host NAME - NAMESPACE ADDRESS"
        echo "# proc NAME HOST NAMESPACE ADDRESS PID COMMAND (run inside NAMESPACE, cwd $run_dir)"
    } >"$run_dir/hosts.txt"
    for i in "${!hosts[@]}"; do
        local host="${hosts[$i]}" ns addr
        ns="$(ns_name "$host")"
        addr="$subnet.$((10 + i))"
        ip netns add "$ns"
        ns_quiet "$ns"
        ip -n "$net" link add "v$i" type veth peer name eth0 netns "$ns"
        ip -n "$net" link set "v$i" master br0 up
        ip -n "$ns" addr add "$addr/24" dev eth0
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
        # Partitions: u32 filters at the root (prio $DROP_PRIO) send what they match to class 1:2, whose queue holds
        # 0 packets (every packet there is dropped); all else goes out at once (htb's direct queue, default 0).
        tc -netns "$ns" qdisc add dev eth0 root handle 1: htb default 0
        tc -netns "$ns" class add dev eth0 parent 1: classid 1:2 htb rate 1mbit
        tc -netns "$ns" qdisc add dev eth0 parent 1:2 handle 2: pfifo limit 0
        [[ -z "$(ip -n "$ns" route show default)" ]] || die "$ns has a default route"
        echo "host $host - $ns $addr" >>"$run_dir/hosts.txt"
    done

    # Processes: the command lines, then start them in order.
    local node_heap="${SNS_NODE_HEAP:-192m}" small_heap="${SNS_SMALL_HEAP:-80m}"
    local heartbeat="${SNS_HEARTBEAT:-500ms}" dead_after="${SNS_DEAD_AFTER:-2s}"
    local -a post_rate=()
    [[ -z "${SNS_POST_RATE:-}" ]] || post_rate=(--post-rate "$SNS_POST_RATE")
    for ((i = 1; i <= coordinators; i++)); do
        local host a data
        host="$(coord_name "$i")"
        a="$(addr_of "$host")"
        data="$run_dir/coordinator"
        local -a group_args=()
        if ((coordinators > 1)); then
            group_args=(--group "$group" --id "$i")
            ((i > 1)) && data="$run_dir/coordinator-$i"
        fi
        add_proc "$(registry_name "$i")" "$host" "$small_heap" registry --host "$a" --port "$REGISTRY_PORT"
        add_proc "$host" "$host" "$small_heap" coordinator --host "$a" -k "$REGISTRY_PORT" \
            --export-port "$COORDINATOR_EXPORT_PORT" --clusters "$clusters" --heartbeat "$heartbeat" \
            --dead-after "$dead_after" --data-dir "$data" --secret-file "$secret_file" "${group_args[@]}"
    done
    for ((c = 1; c <= clusters; c++)); do
        local peers=""
        for ((n = 1; n <= replicas; n++)); do
            peers="${peers:+$peers,}$(addr_of "node-$c.$n"):$((c * 10000 + 100 + n - 1))"
        done
        for ((n = 1; n <= replicas; n++)); do
            add_proc "node-$c.$n" "node-$c.$n" "$node_heap" node --cluster "$c" --id "$n" \
                --host "$(addr_of "node-$c.$n")" -h "$coordinator_host" -k "$coordinator_list" \
                --port "$((c * 10000 + n - 1))" --raft-port "$((c * 10000 + 100 + n - 1))" --peers "$peers" \
                --data-dir "$run_dir/data/cluster-$c/node-$n" --clusters "$clusters" --heartbeat "$heartbeat" \
                --secret-file "$secret_file" "${post_rate[@]}"
        done
        for n in 1 2; do
            add_proc "sync-$c.$n" "sync-$c.$n" "$small_heap" sync --cluster "$c" --id "$n" \
                --host "$(addr_of "sync-$c.$n")" --port "$((c * 10000 + 200 + n - 1))" -h "$coordinator_host" \
                -k "$coordinator_list" --clusters "$clusters" --heartbeat "$heartbeat" --secret-file "$secret_file"
        done
    done

    log "starting the processes"
    for ((i = 1; i <= coordinators; i++)); do
        local host a
        host="$(coord_name "$i")"
        a="$(addr_of "$host")"
        launch "$(registry_name "$i")"
        # The coordinator binds into the registry, so the registry must listen first.
        local deadline=$((SECONDS + 20))
        until [[ "$(tcp_connect "$host" "$a" "$REGISTRY_PORT" 1)" == open ]]; do
            ((SECONDS < deadline)) && alive "$(proc_field "$(registry_name "$i")" 6)" \
                || die "the registry on $host did not listen on $a:$REGISTRY_PORT; see $run_dir/logs/$(registry_name "$i").log"
            sleep 0.2
        done
        launch "$host"
    done
    local name
    for name in $(all_procs); do
        [[ "$name" == node-* || "$name" == sync-* ]] && launch "$name"
    done

    log "waiting up to ${wait_seconds}s for a master in every cluster..."
    local deadline=$((SECONDS + wait_seconds)) status_file="$run_dir/status.txt"
    while :; do
        local -a missing=()
        if SNS_HEAP=64m in_host client-1 timeout 30 sns status -h "$coordinator_host" -k "$coordinator_list" \
            >"$status_file" 2>"$run_dir/logs/status.err"; then
            for ((c = 1; c <= clusters; c++)); do
                grep -Eq "^${c}[[:space:]]+node-${c}\.[0-9]+[[:space:]]+MASTER[[:space:]].*[[:space:]]yes[[:space:]]+leader[[:space:]]" \
                    "$status_file" || missing+=("cluster $c has no live master leading its Raft group")
            done
        else
            missing+=("the coordinator does not answer at $coordinator_list")
        fi
        ((${#missing[@]} == 0)) && break
        if ((SECONDS >= deadline)); then
            echo "hosts: not ready after ${wait_seconds}s: ${missing[*]}" >&2
            for name in $(all_procs); do
                alive "$(proc_field "$name" 6)" || {
                    echo "hosts: $name is not running; last lines of its log:" >&2
                    tail -n 15 "$run_dir/logs/$name.log" | sed 's/^/    /' >&2 || true
                }
            done
            [[ -s "$status_file" ]] && cat "$status_file" >&2
            exit 1
        fi
        sleep 1
    done
    trap - EXIT INT TERM
    cat "$status_file"
    echo
    log "ready: run $run_id, hosts and processes in $run_dir/hosts.txt, logs in $run_dir/logs/"
    echo "  client: $0 tsc --run-dir $run_dir client-1 -u 1"
    echo "  status: $0 status --run-dir $run_dir"
    echo "  stop:   $0 down --run-dir $run_dir"
}

coord_name() { if (($1 == 1)); then echo coordinator; else echo "coordinator-$1"; fi; }
registry_name() { if (($1 == 1)); then echo rmiregistry; else echo "rmiregistry-$1"; fi; }

# ns_quiet NS: IPv6 off (no link-local chatter, no router solicitations): traffic is IPv4 on the bridge and loopback.
ns_quiet() {
    made_namespaces+=("$1")
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

# add_proc NAME HOST HEAP SNS-ARGS...: records process NAME (not started) with its full command line.
add_proc() {
    local name="$1" host="$2" heap="$3" addr ns
    shift 3
    addr="$(addr_of "$host")"
    ns="$(ns_name "$host")"
    local cmdline
    cmdline="$(printf '%q ' env SNS_HEAP="$heap" SNS_TMPDIR="$run_dir/tmp" SNS_RMI_HOSTNAME="$addr" \
        "$script_dir/sns" "$@")"
    echo "proc $name $host $ns $addr - ${cmdline% }" >>"$run_dir/hosts.txt"
}

# --- down / cleanup ------------------------------------------------------------------------------------------------------
# teardown WAIT: SIGTERM every recorded process (synchronizers and nodes, then coordinators, then registries), SIGKILL
# after WAIT seconds, then every process left in the run's namespaces, then the namespaces.
teardown() {
    local wait="$1" name pid
    if [[ -f "$run_dir/hosts.txt" ]]; then
        local phase
        for phase in 1 2 3; do
            local -a pids=()
            for name in $(all_procs); do
                case "$phase:$name" in 1:sync-* | 1:node-* | 2:coordinator* | 3:rmiregistry*) ;; *) continue ;; esac
                pid="$(proc_field "$name" 6)"
                if alive "$pid" && is_our_process "$pid" "$run_dir"; then
                    kill -TERM "$pid" 2>/dev/null || true
                    kill -CONT "$pid" 2>/dev/null || true # a paused one gets the TERM only once it runs
                    pids+=("$pid")
                fi
            done
            for pid in "${pids[@]}"; do
                await_gone "$pid" "$wait" || { kill -KILL "$pid" 2>/dev/null || true; await_gone "$pid" 10 || true; }
            done
        done
    fi
    sweep_namespaces
}

# sweep_namespaces: SIGKILL every process inside a namespace of the run (clients, netem delay lines, anything exec
# started), then delete the namespaces (their veths go with them).
sweep_namespaces() {
    local ns pid
    local -a namespaces
    mapfile -t namespaces < <(run_namespaces)
    for ns in "${namespaces[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do
            kill -CONT "$pid" 2>/dev/null || true
            kill -KILL "$pid" 2>/dev/null || true
        done
    done
    for ns in "${namespaces[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do await_gone "$pid" 10 || true; done
        ip netns del "$ns" 2>/dev/null || echo "hosts: could not delete namespace $ns" >&2
    done
    local left
    left="$(run_namespaces)"
    [[ -z "$left" ]] || { echo "hosts: namespaces left: $left" >&2; return 1; }
    ((${#namespaces[@]} == 0)) || echo "hosts: deleted ${#namespaces[@]} namespaces ${prefix}*"
}

do_down() {
    [[ -n "$run_dir" && -f "$run_dir/run.env" ]] || { log "no deployment in ${run_dir:-(no --run-dir)}; nothing to stop"; exit 0; }
    require_run_dir
    wait_seconds="${wait_seconds:-10}"
    is_uint "$wait_seconds" || die "--wait must be whole seconds"
    teardown "$wait_seconds"
}

do_cleanup() {
    if [[ -n "$run_dir" ]]; then
        require_run_dir
    elif [[ -n "$run_id" ]]; then
        [[ "$run_id" =~ ^[a-z0-9]{1,12}$ ]] || die "bad --run-id '$run_id'"
        prefix="$NS_PREFIX_BASE-$run_id-"
    else
        die "cleanup needs --run-dir DIR or --run-id ID"
    fi
    if [[ -n "$run_dir" ]]; then teardown 3; else sweep_namespaces; fi
}

do_namespaces() {
    if [[ -n "$run_dir" ]]; then
        require_run_dir
    else
        [[ -n "$run_id" ]] || die "namespaces needs --run-dir DIR or --run-id ID"
        prefix="$NS_PREFIX_BASE-$run_id-"
    fi
    run_namespaces
}

# --- exec, tsc, status ---------------------------------------------------------------------------------------------------
do_exec() {
    require_run_dir
    ((${#positional[@]} >= 3)) && [[ "${positional[1]}" == -- ]] || die "usage: exec --run-dir DIR HOST -- CMD..."
    local host
    host="$(resolve_host "${positional[0]}")"
    local -a host_argv
    host_command "$host" "${positional[@]:2}"
    exec "${host_argv[@]}" # the caller's process becomes CMD: its signals reach CMD
}

do_tsc() {
    require_run_dir
    ((${#positional[@]} >= 1)) || die "usage: tsc --run-dir DIR HOST [tsc options] -u USERID"
    local host
    host="$(resolve_host "${positional[0]}")"
    local -a more=("${positional[@]:1}")
    [[ "${more[0]:-}" == -- ]] && more=("${more[@]:1}")
    local -a host_argv
    host_command "$host" tsc -h "$COORDINATOR_HOST" -k "$COORDINATORS" --callback-host "$(addr_of "$host")" \
        "${more[@]}"
    SNS_HEAP="${SNS_HEAP:-64m}" exec "${host_argv[@]}"
}

do_status() {
    require_run_dir
    local host="${positional[0]:-client-1}"
    host="$(resolve_host "$host")"
    SNS_HEAP="${SNS_HEAP:-64m}" in_host "$host" timeout 60 sns status -h "$COORDINATOR_HOST" -k "$COORDINATORS"
}

# --- nemeses -------------------------------------------------------------------------------------------------------------
# expand_set LIST [EXCLUDED...]: the hosts named by a comma-separated LIST; `others` = every host not in EXCLUDED.
expand_set() {
    local list="$1" item
    shift
    local -a out=()
    IFS=',' read -ra items <<<"$list"
    for item in "${items[@]}"; do
        [[ -n "$item" ]] || continue
        if [[ "$item" == others ]]; then
            local h
            for h in $(all_hosts); do
                [[ " $* " == *" $h "* ]] || out+=("$h")
            done
        else
            out+=("$(resolve_host "$item")")
        fi
    done
    printf '%s\n' "${out[@]}" | awk 'NF && !seen[$0]++'
}

# drop_all HOST ADDR...: HOST's packets to each ADDR are dropped on HOST's eth0 egress (one tc -batch per host, so a
# partition takes effect within a few milliseconds on each host).
drop_all() {
    local host="$1" addr
    shift
    for addr in "$@"; do
        echo "filter add dev eth0 parent 1: protocol ip prio $DROP_PRIO u32 match ip dst $addr/32 flowid 1:2"
    done | tc -netns "$(ns_name "$host")" -batch -
}

do_partition() {
    require_run_dir
    ((${#positional[@]} == 2)) || die "usage: partition --run-dir DIR [--one-way] A[,B...] C[,D...]|others"
    local -a left right
    mapfile -t left < <(expand_set "${positional[0]}")
    mapfile -t right < <(expand_set "${positional[1]}" "${left[@]}")
    ((${#left[@]} && ${#right[@]})) || die "partition: both sides need at least one host"
    local a b
    for a in "${left[@]}"; do
        for b in "${right[@]}"; do
            [[ "$a" != "$b" ]] || die "partition: $a is on both sides"
        done
    done
    local -a left_addrs=() right_addrs=()
    for a in "${left[@]}"; do left_addrs+=("$(addr_of "$a")"); done
    for b in "${right[@]}"; do right_addrs+=("$(addr_of "$b")"); done
    for a in "${left[@]}"; do
        drop_all "$a" "${right_addrs[@]}"
    done
    if ((!one_way)); then
        for b in "${right[@]}"; do
            drop_all "$b" "${left_addrs[@]}"
        done
    fi
    local arrow='<-/->'
    ((one_way)) && arrow='-/->'
    echo "$(date '+%F %T') ${left[*]} $arrow ${right[*]}" >>"$run_dir/partitions.txt"
    log "partition: ${left[*]} $arrow ${right[*]}"
}

do_heal() {
    require_run_dir
    local host
    for host in $(all_hosts); do
        tc -netns "$(ns_name "$host")" filter del dev eth0 parent 1: prio "$DROP_PRIO" 2>/dev/null || true
        if tc -netns "$(ns_name "$host")" filter show dev eth0 parent 1: | grep -q "pref $DROP_PRIO "; then
            die "heal: $host still has partition filters"
        fi
    done
    [[ ! -f "$run_dir/partitions.txt" ]] || echo "$(date '+%F %T') healed" >>"$run_dir/partitions.txt"
    log "healed: no partition left"
}

# to_ms VALUE: 200ms, 0.2s, 200us, 200 (ms) -> milliseconds (decimal).
to_ms() {
    local v="$1"
    case "$v" in
        *ms) echo "${v%ms}" ;;
        *us) awk -v x="${v%us}" 'BEGIN { print x / 1000 }' ;;
        *s) awk -v x="${v%s}" 'BEGIN { print x * 1000 }' ;;
        *) echo "$v" ;;
    esac
}

netem_clear() {
    local host="$1" ns pid_file pid
    ns="$(ns_name "$host")"
    tc -netns "$ns" filter del dev eth0 parent 1: prio "$NETEM_PRIO" 2>/dev/null || true
    pid_file="$run_dir/netem/$host.pid"
    if [[ -f "$pid_file" ]]; then
        pid="$(cat "$pid_file")"
        if alive "$pid" && grep -qa "hosts-netem.py" "/proc/$pid/cmdline" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            await_gone "$pid" 5 || { kill -KILL "$pid" 2>/dev/null || true; await_gone "$pid" 5 || true; }
        fi
        rm -f "$pid_file"
    fi
}

do_netem() {
    require_run_dir
    ((${#positional[@]} == 2)) || die "usage: netem --run-dir DIR HOST 'delay 200ms [JITTER] loss 20%' | clear"
    local host spec
    host="$(resolve_host "${positional[0]}")"
    spec="${positional[1]}"
    netem_clear "$host"
    if [[ "$spec" == clear ]]; then
        log "netem $host: cleared"
        return 0
    fi
    local delay=0 jitter=0 loss=0 word
    local -a words
    read -ra words <<<"$spec"
    for ((word = 0; word < ${#words[@]}; word++)); do
        case "${words[$word]}" in
            delay)
                delay="$(to_ms "${words[$((word + 1))]:?delay needs a time}")"; word=$((word + 1))
                if [[ "${words[$((word + 1))]:-}" =~ ^[0-9.]+(ms|us|s)?$ ]]; then
                    jitter="$(to_ms "${words[$((word + 1))]}")"; word=$((word + 1))
                fi ;;
            loss)
                loss="${words[$((word + 1))]:?loss needs a percentage}"; loss="${loss%\%}"; word=$((word + 1)) ;;
            *) die "netem: cannot read '${words[$word]}' in '$spec' (delay TIME [JITTER], loss PERCENT%)" ;;
        esac
    done
    command -v python3 >/dev/null || die "netem needs python3 (the kernel has no sch_netem; hosts-netem.py stands in)"
    local ns pid
    ns="$(ns_name "$host")"
    local ready="$run_dir/netem/$host.ready"
    rm -f "$ready"
    mkdir -p "$run_dir/netem"
    ip netns exec "$ns" setsid python3 "$script_dir/hosts-netem.py" --tap netem0 --dev eth0 --delay "$delay" \
        --jitter "$jitter" --loss "$loss" --ready-file "$ready" --tag "$prefix$host" \
        >>"$run_dir/logs/netem-$host.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$run_dir/netem/$host.pid"
    local deadline=$((SECONDS + 10))
    until [[ -f "$ready" ]] && ip -n "$ns" link show netem0 >/dev/null 2>&1; do
        alive "$pid" && ((SECONDS < deadline)) || { netem_clear "$host"; die "netem on $host did not start; see $run_dir/logs/netem-$host.log"; }
        sleep 0.1
    done
    ip -n "$ns" link set netem0 up
    tc -netns "$ns" filter add dev eth0 parent 1: protocol all prio "$NETEM_PRIO" u32 match u32 0 0 \
        action mirred egress redirect dev netem0
    log "netem $host: delay ${delay}ms jitter ${jitter}ms loss ${loss}% on what it sends (pid $pid)"
}

do_signal() {
    require_run_dir
    ((${#positional[@]} == 1)) || die "usage: $command --run-dir DIR NAME"
    local name="${positional[0]}" pid
    pid="$(our_pid "$name")"
    case "$command" in
        pause)
            [[ -n "$pid" ]] || die "$name is not running"
            kill -STOP "$pid"; log "paused $name (pid $pid)" ;;
        resume)
            [[ -n "$pid" ]] || die "$name is not running"
            kill -CONT "$pid"; log "resumed $name (pid $pid)" ;;
        kill)
            [[ -n "$pid" ]] || die "$name is not running"
            kill -KILL "$pid"
            await_gone "$pid" 10 || die "$name (pid $pid) survived SIGKILL for 10 s"
            log "killed $name (pid $pid)" ;;
        restart)
            if [[ -n "$pid" ]]; then
                kill -KILL "$pid"
                await_gone "$pid" 10 || die "$name (pid $pid) survived SIGKILL for 10 s"
            fi
            launch "$name" ;;
    esac
}

do_probe() {
    require_run_dir
    ((${#positional[@]} >= 3)) || die "usage: probe --run-dir DIR tcp|udp|rtt FROM TO [PORT]"
    local kind="${positional[0]}" from to port="${positional[3]:-9}"
    from="$(resolve_host "${positional[1]}")"
    to="$(resolve_host "${positional[2]}")"
    case "$kind" in
        tcp) tcp_connect "$from" "$(addr_of "$to")" "$port" 2 ;;
        udp)
            local before after i
            before="$(udp_noports "$to")"
            ip netns exec "$(ns_name "$from")" bash -c "for i in 1 2 3; do echo probe >/dev/udp/$(addr_of "$to")/9; done" \
                2>/dev/null || true
            for ((i = 0; i < 5; i++)); do # the kernel delivers at once; 0.5 s covers a busy machine
                after="$(udp_noports "$to")"
                ((after > before)) && { echo delivered; return 0; }
                sleep 0.1
            done
            echo lost ;;
        rtt)
            ip netns exec "$(ns_name "$from")" timeout 10 bash -c '
                s=${EPOCHREALTIME/./}; (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; e=${EPOCHREALTIME/./}
                echo $(( (e - s) / 1000 ))' _ "$(addr_of "$to")" "$port" ;;
        *) die "probe: tcp, udp or rtt, not '$kind'" ;;
    esac
}

case "$command" in
    check) check_machine || exit "$SKIP"; echo "hosts: ok: root, ip netns works" ;;
    up) do_up ;;
    down) do_down ;;
    cleanup) do_cleanup ;;
    namespaces) do_namespaces ;;
    exec) do_exec ;;
    tsc) do_tsc ;;
    status) do_status ;;
    partition) do_partition ;;
    heal) do_heal ;;
    netem) do_netem ;;
    pause|resume|kill|restart) do_signal ;;
    probe) do_probe ;;
    *) echo "hosts: unknown command '$command'" >&2; usage >&2; exit 2 ;;
esac
