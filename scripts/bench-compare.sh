#!/usr/bin/env bash
# bench-compare.sh: the same load bench against several builds in one sitting, alternating, so that a claim like
# "2.1 x the posts/s" is a ratio of two medians measured on one machine in one hour, not of figures from two days.
#
#   scripts/bench-compare.sh [OPTIONS] REV1 REV2 [REV…] [-- BENCH ARGS…]
#
# REV: anything `git rev-parse` accepts (HEAD~3, main, a branch, a sha), or `.` / WORKTREE: the working tree as it
# is now, uncommitted and untracked (not ignored) files included. Revs are looked up in the repository of the current
# directory (else in the one this script is in). REV1 is the baseline of the ratios. The same rev twice is an A/A
# comparison: its ratios show the noise of the machine.
#
# Builds: each rev is checked out once as a detached `git worktree` in <cache>/<sha> and built there with
# `mvn -B -q -o -DskipTests package` (offline; online once if that fails; never `mvn install`, which would replace
# the shared ~/.m2 artifacts). A worktree already built for its sha is reused. Every run uses that rev's own
# scripts (sns-up.sh, bench.sh, sns-down.sh) and jars: each bench client speaks its own build's wire format.
#
# Order: each round runs every rev once, in ABBA order (round 1: REV1 REV2 …, round 2: … REV2 REV1, …). A slow
# drift of the machine (other people's builds, page cache, heat) then falls on every rev alike over two rounds;
# ABAB would always give REV1 the earlier slot of its pair. Within a round every rev gets the same bench seed (the
# same follow graph and operation sequence); rounds differ.
#
# One run (a rev in a round), every step bounded:
#   1. checks that every port of the deployment's layout is free (waits up to 30 s for the last run's to close);
#   2. SNS_POST_RATE=0 <rev>/scripts/sns-up.sh --run-dir <run> --base-port P --clusters C --replicas R --wait 180
#      (no per-user post limit: the bench measures capacity); a failed start is stopped and tried once more;
#   3. warm (the default): a warm-up bench whose figures are thrown away: the BENCH ARGS with --duration set to
#      --warm-for, --warmup 0s and no --preload. The servers' JIT has then seen the workload and the state holds that
#      bench's users and posts. With --fresh there is none: the deployment has seen only the measured bench's setup
#      and its own --warmup;
#   4. the measured bench: <rev>/scripts/bench.sh -k P --run-dir <run> --json <run>/bench.json --seed S BENCH ARGS;
#   5. <rev>/scripts/sns-down.sh --run-dir <run>, then the deployment's data is removed (logs kept).
#
# Options:
#   --rounds N      rounds (default 3; an even number balances the ABBA order exactly)
#   --fresh         no warm-up bench before each measured one (step 3)
#   --warm-for D    the warm-up bench's measured duration (default 10s)
#   --base-port P   the deployments' registry port (default 19500: its clusters sit on 20500, 30500, 40500, clear of a
#                   default deployment's 9000 / 10000 / 20000 / 30000 and of bases 11000 … 17000; 19000 would put
#                   clusters 2 and 3 on a default deployment's 20000 and 30000)
#   --clusters N    clusters of each deployment (default 3)
#   --replicas R    servers per cluster (default 2)
#   --coordinators K  coordinator replicas (default: the rev's sns-up.sh default)
#   --seed S        bench seed of round 1; round r uses S + r - 1 (default: random, printed). A --seed among the BENCH
#                   ARGS is used for every round instead
#   --timeout S     bound on one bench, its setup included (default 3600); sns-up.sh waits at most 180 s
#   --out FILE      the whole comparison as JSON (default bench-results/compare-<time>.json). Beside it, the directory
#                   FILE without .json holds builds' logs and per run: bench.json, bench.log, up.log, down.log, the
#                   warm-up's warm.log and the deployment's run dir (logs only unless --keep-data)
#   --cache DIR     where the worktrees are built (default ${TMPDIR:-/tmp}/sns-bench-compare)
#   --clean         remove the worktrees this comparison used when it ends (default: keep them for the next one)
#   --keep-data     keep each deployment's data (RocksDB, Raft logs) instead of removing it after its run
#   --verbose       show each bench's output as it runs (it is always in the run's bench.log)
#   -h, --help      this text
# BENCH ARGS (after --) go to every bench, e.g. `-- --mix 0:0:1 --cluster 1 --users 3000 --clients 64` (write-only).
# The script sets -k, --run-dir and --json itself; --start, -h/--coordinator-host, --report, --clusters and
# --replicas are refused there (give --clusters and --replicas before the revs). Environment: SNS_BENCH_HEAP,
# SNS_NODE_HEAP, SNS_HEARTBEAT … pass through to the rev's scripts as usual; SNS_POST_RATE is always 0.
#
# Output: a line per run as it ends, then a table: per rev and round ops/s, errors, the p99 (ms) of home-timeline,
# post and cross-cluster sent->shown, CPU µs per operation by process group, and the machine's 1-minute load when
# the run began; then each rev's median over its successful runs and that median's ratio to REV1's (ops/s: above 1
# is faster; latency and CPU: below 1 is better). The table is also in <dir>/summary.txt. A failed build, start or
# bench is reported and marked, and so is a run at whose end a process of its deployment was dead ("degraded"); the
# medians leave them out, the script goes on with the next run and exits 1 at the end (2: bad arguments). On exit,
# Ctrl-C included, every deployment it started is stopped (sns-down.sh, then kill -9 of whatever of it still lives).
#
# Examples:
#   scripts/bench-compare.sh HEAD .                                   # your uncommitted change against its base
#   scripts/bench-compare.sh --rounds 4 main compare -- --duration 60s
#   scripts/bench-compare.sh main HEAD -- --mix 0:0:1 --cluster 1 --users 3000 --clients 64
#   scripts/bench-compare.sh --rounds 1 HEAD~3 HEAD -- --users 200 --duration 5s --warmup 3s   # a quick try
set -euo pipefail

script_dir="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$script_dir/lib.sh"
unset SNS_TLS_DIR
# No per-user post limit in any deployment: the bench measures capacity, not the anti-abuse limit.
export SNS_POST_RATE=0

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }
fail_usage() { echo "bench-compare: $*" >&2; echo "bench-compare: see scripts/bench-compare.sh --help" >&2; exit 2; }
say() { echo "bench-compare: $*"; }

rounds=3
fresh=0
warm_for=10s
base_port=19500
clusters=3
replicas=2
coordinators=""
seed=""
bench_timeout_seconds=3600
up_wait_seconds=180
build_timeout_seconds=1800
out=""
cache="${TMPDIR:-/tmp}/sns-bench-compare"
clean=0
keep_data=0
verbose=0
revs=()
bench_args=()

while (($#)); do
    case "$1" in
        --rounds) rounds="${2:?--rounds needs a value}"; shift 2 ;;
        --fresh) fresh=1; shift ;;
        --warm-for) warm_for="${2:?--warm-for needs a value}"; shift 2 ;;
        --base-port) base_port="${2:?--base-port needs a value}"; shift 2 ;;
        --clusters) clusters="${2:?--clusters needs a value}"; shift 2 ;;
        --replicas) replicas="${2:?--replicas needs a value}"; shift 2 ;;
        --coordinators) coordinators="${2:?--coordinators needs a value}"; shift 2 ;;
        --seed) seed="${2:?--seed needs a value}"; shift 2 ;;
        --timeout) bench_timeout_seconds="${2:?--timeout needs a value}"; shift 2 ;;
        --out) out="${2:?--out needs a value}"; shift 2 ;;
        --cache) cache="${2:?--cache needs a value}"; shift 2 ;;
        --clean) clean=1; shift ;;
        --keep-data) keep_data=1; shift ;;
        --verbose) verbose=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; bench_args=("$@"); break ;;
        -?*) fail_usage "unknown option '$1'" ;;
        *) revs+=("$1"); shift ;;
    esac
done

is_uint() { [[ "$1" =~ ^[0-9]+$ ]]; }
((${#revs[@]} >= 2)) || fail_usage "give at least two revs to compare (the first is the baseline)"
is_uint "$rounds" && ((rounds >= 1)) || fail_usage "--rounds must be a positive integer"
is_uint "$base_port" && ((base_port >= 1024)) || fail_usage "--base-port must be an integer >= 1024"
is_uint "$clusters" && ((clusters >= 1)) || fail_usage "--clusters must be a positive integer"
is_uint "$replicas" && ((replicas >= 2 && replicas <= 9)) || fail_usage "--replicas must be 2 to 9"
[[ -z "$coordinators" ]] || { is_uint "$coordinators" && ((coordinators >= 1 && coordinators <= 9)); } \
    || fail_usage "--coordinators must be 1 to 9"
[[ -z "$seed" ]] || [[ "$seed" =~ ^-?[0-9]+$ ]] || fail_usage "--seed must be an integer"
is_uint "$bench_timeout_seconds" && ((bench_timeout_seconds > 0)) || fail_usage "--timeout must be whole seconds > 0"
[[ "$warm_for" =~ ^[0-9]+(ms|s|m|h)$ ]] || fail_usage "--warm-for must be a duration with a unit, e.g. 10s"

# The script owns the deployment's address and the output files; the rest of the bench's options are the user's.
user_seed=0
for arg in "${bench_args[@]}"; do
    case "$arg" in
        -k | -k?* | --coordinator-port | --coordinator-port=* | --run-dir | --run-dir=* | --json | --json=*)
            fail_usage "'$arg' after --: the script sets -k, --run-dir and --json for every bench itself" ;;
        -h | -h?* | --coordinator-host | --coordinator-host=* | --start | --report | --report=*)
            fail_usage "'$arg' after --: every bench runs against the deployment the script starts on 127.0.0.1" ;;
        --clusters | --clusters=* | --replicas | --replicas=*)
            fail_usage "'$arg' after --: give --clusters / --replicas to bench-compare.sh itself, before the revs" ;;
        --seed | --seed=*) user_seed=1 ;;
    esac
done
if [[ -z "$seed" ]]; then
    seed=$(((RANDOM << 30) | (RANDOM << 15) | RANDOM))
fi

# Ports of one deployment (sns-up.sh's layout, scripts/README.md): the coordinator replicas' registry, object and
# Raft ports, and per cluster each server's service and Raft port. Synchronizers listen on nothing.
shift_by=$((base_port - 9000))
layout_ports=()
for ((i = 1; i <= ${coordinators:-3}; i++)); do
    layout_ports+=($((base_port + 10 * (i - 1))) $((base_port + 10 * (i - 1) + 1)) $((base_port + 10 * (i - 1) + 2)))
done
for ((c = 1; c <= clusters; c++)); do
    for ((n = 1; n <= replicas; n++)); do
        layout_ports+=($((c * 10000 + n - 1 + shift_by)) $((c * 10000 + 100 + n - 1 + shift_by)))
    done
done
(($(printf '%s\n' "${layout_ports[@]}" | sort -n | tail -n 1) + 200 <= 65535)) \
    || fail_usage "with --base-port $base_port and $clusters clusters the ports leave 1024..65535"

# busy_ports: the layout's ports something listens on, with the owner when ss can tell.
busy_ports() {
    local port owner
    for port in "${layout_ports[@]}"; do
        if port_open "$port"; then
            owner="$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:(.*)' | head -n 1 || true)"
            echo "$port${owner:+ $owner}"
        fi
    done
}

# The repository of the current directory, else the one this script is in.
repo="$(git rev-parse --show-toplevel 2>/dev/null || git -C "$script_dir/.." rev-parse --show-toplevel)"

# --- revs -> commits ---------------------------------------------------------------------------------------------
# snapshot_worktree: a commit of the working tree as it is (tracked changes and untracked, not ignored files),
# made through a scratch index so that neither the real index nor any branch changes. Its dates and author are fixed,
# so the same tree on the same HEAD is the same sha, and its build is reused. A clean tree is HEAD itself.
snapshot_worktree() {
    local index tree head
    index="$(mktemp "${TMPDIR:-/tmp}/bench-compare-index.XXXXXX")"
    head="$(git -C "$repo" rev-parse HEAD)"
    cp "$(cd "$repo" && readlink -f "$(git rev-parse --git-path index)")" "$index" 2>/dev/null || rm -f "$index"
    GIT_INDEX_FILE="$index" git -C "$repo" add -A || { rm -f "$index"; return 1; }
    tree="$(GIT_INDEX_FILE="$index" git -C "$repo" write-tree)" || { rm -f "$index"; return 1; }
    rm -f "$index"
    if [[ "$tree" == "$(git -C "$repo" rev-parse 'HEAD^{tree}')" ]]; then
        echo "$head"
        return
    fi
    GIT_AUTHOR_NAME=bench-compare GIT_AUTHOR_EMAIL=bench-compare@localhost GIT_AUTHOR_DATE='@0 +0000' \
        GIT_COMMITTER_NAME=bench-compare GIT_COMMITTER_EMAIL=bench-compare@localhost GIT_COMMITTER_DATE='@0 +0000' \
        git -C "$repo" commit-tree "$tree" -p "$head" -m "bench-compare: the working tree on ${head:0:12}"
}

rev_shas=()
rev_labels=()
rev_subjects=()
for rev in "${revs[@]}"; do
    if [[ "$rev" == . || "$rev" == WORKTREE ]]; then
        sha="$(snapshot_worktree)" || fail_usage "could not snapshot the working tree of $repo"
        if [[ "$sha" == "$(git -C "$repo" rev-parse HEAD)" ]]; then
            subject="the working tree (no changes on HEAD: $(git -C "$repo" log -1 --format=%s HEAD))"
        else
            subject="the working tree: uncommitted changes on $(git -C "$repo" rev-parse --short HEAD)"
        fi
    else
        sha="$(git -C "$repo" rev-parse --verify --quiet "$rev^{commit}")" \
            || fail_usage "unknown rev '$rev' (not a commit in $repo)"
        subject="$(git -C "$repo" log -1 --format=%s "$sha")"
    fi
    rev_shas+=("$sha")
    rev_labels+=("$rev")
    rev_subjects+=("$subject")
done

busy="$(busy_ports)"
if [[ -n "$busy" ]]; then
    echo "bench-compare: ports of the layout at --base-port $base_port are in use:" >&2
    sed 's/^/    /' <<<"$busy" >&2
    echo "bench-compare: stop what holds them or choose another --base-port" >&2
    exit 2
fi

# wait_ports_free: waits up to 30 s for the layout's ports to be free (a stopped deployment's sockets close late);
# prints the ports still busy, nothing if all are free.
wait_ports_free() {
    local deadline=$((SECONDS + 30)) busy
    while busy="$(busy_ports)" && [[ -n "$busy" ]] && ((SECONDS < deadline)); do
        sleep 1
    done
    echo "$busy"
}

# --- where things go ------------------------------------------------------------------------------------------
stamp="$(date '+%Y%m%d-%H%M%S')"
out="${out:-bench-results/compare-$stamp.json}"
[[ "$out" == *.json ]] || out="$out.json"
mkdir -p "$(dirname "$out")"
out="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
results="${out%.json}"
[[ ! -e "$results" ]] || fail_usage "$results exists already; give another --out"
mkdir -p "$results" "$cache"
cache="$(cd "$cache" && pwd)"
command -v python3 >/dev/null || { echo "bench-compare: needs python3 for the tables" >&2; exit 2; }

# --- cleanup: every deployment this script started is stopped, whatever happens ------------------------------------
child=""           # the bounded command running now (sns-up.sh, a bench, a build), to stop on Ctrl-C
tailer=""          # --verbose: the tail that shows it
live_rev_dir=""    # the deployment that may be running now: its rev's worktree and run dir
live_run_dir=""
used_worktrees=()
failures=0

# kill_run_leftovers RUN_DIR: kill -9 every Tiny SNS JVM or rmiregistry whose command line names RUN_DIR (its tmpdir,
# data dir or --run-dir), found in /proc so that one whose pid file was lost is found too. Nothing else: the path is
# this run's alone.
kill_run_leftovers() {
    local run_dir="$1" pid cmdline proc
    for proc in /proc/[0-9]*; do
        pid="${proc#/proc/}"
        cmdline="$(tr '\0' ' ' 2>/dev/null <"$proc/cmdline")" || continue
        [[ "$cmdline" == *"$run_dir/"* || "$cmdline" == *"$run_dir "* ]] || continue
        [[ "$cmdline" == *sns-cli.jar* || "$cmdline" == *rmiregistry* ]] || continue
        ((pid != $$)) || continue
        echo "bench-compare: kill -9 $pid, left over from $run_dir" >&2
        kill -KILL "$pid" 2>/dev/null || true
    done
}

# dead_processes RUN_DIR: the names of the deployment's processes (pid files) that no longer run.
dead_processes() {
    local pid_file pid dead=()
    for pid_file in "$1"/pids/*.pid; do
        [[ -e "$pid_file" ]] || continue
        pid="$(cat "$pid_file" 2>/dev/null || true)"
        is_our_process "$pid" "$1" || dead+=("$(basename "$pid_file" .pid)")
    done
    echo "${dead[*]}"
}

# stop_deployment REV_DIR RUN_DIR: the rev's own sns-down.sh (bounded), then anything of the run still alive.
stop_deployment() {
    local rev_dir="$1" run_dir="$2"
    [[ -d "$run_dir" ]] || return 0
    timeout -k 10 90 "$rev_dir/scripts/sns-down.sh" --run-dir "$run_dir" --wait 15 >>"$run_dir/../down.log" 2>&1 \
        || echo "bench-compare: sns-down.sh failed for $run_dir (see $run_dir/../down.log)" >&2
    kill_run_leftovers "$run_dir"
}

stop_child() {
    local pid
    for pid in $child $tailer; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in $child; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    child=""
    tailer=""
}

cleanup() {
    trap - EXIT INT TERM HUP
    stop_child
    if [[ -n "$live_run_dir" ]]; then
        echo "bench-compare: stopping the deployment in $live_run_dir" >&2
        stop_deployment "$live_rev_dir" "$live_run_dir"
        live_run_dir=""
    fi
    if ((clean)); then
        local dir
        for dir in "${used_worktrees[@]}"; do
            git -C "$repo" worktree remove --force "$dir" 2>/dev/null || rm -rf "$dir"
            echo "bench-compare: removed the worktree $dir"
        done
    fi
}
trap cleanup EXIT
trap 'echo "bench-compare: interrupted" >&2; cleanup; exit 130' INT TERM HUP

# run_bounded SECONDS LOG COMMAND…: COMMAND with its output appended to LOG (and shown if SHOW=1), in directory
# $RUN_IN (default: here), stopped after SECONDS (TERM, then KILL 20 s later). Run in the background and waited for, so
# that Ctrl-C reaches the trap at once and the trap knows the pid to stop.
run_bounded() {
    local seconds="$1" log="$2" show="${SHOW:-0}" in="${RUN_IN:-.}" rc=0
    shift 2
    (cd "$in" && exec timeout -k 20 "$seconds" "$@") >>"$log" 2>&1 </dev/null &
    child=$!
    if ((show)); then
        tail -n +1 -f --pid="$child" "$log" 2>/dev/null | sed 's/^/    | /' &
        tailer=$!
    fi
    wait "$child" || rc=$?
    [[ -z "$tailer" ]] || wait "$tailer" 2>/dev/null || true
    child=""
    tailer=""
    ((rc != 124)) || echo "bench-compare: timed out after ${seconds}s: $*" >>"$log"
    return "$rc"
}

# --- builds ------------------------------------------------------------------------------------------------------
# build_rev I: the worktree of rev I in <cache>/<sha>, built (or reused). Prints nothing on success; on failure says
# why and returns 1. A lock per sha keeps two comparisons from building the same worktree at once.
rev_dirs=()
rev_builds=()
build_rev() {
    local i="$1" sha="${rev_shas[$1]}" dir="$cache/${rev_shas[$1]}" log="$results/build-${rev_shas[$1]:0:12}.log"
    local lock_fd rc=0
    exec {lock_fd}>"$cache/$sha.lock"
    if ! flock -w 1800 "$lock_fd"; then
        echo "bench-compare: ${rev_labels[$i]}: another comparison holds $cache/$sha.lock for 30 min" >&2
        return 1
    fi
    if [[ -f "$dir/.bench-compare-built" && -f "$dir/sns-cli/target/sns-cli.jar" \
        && "$(git -C "$dir" rev-parse HEAD 2>/dev/null)" == "$sha" ]]; then
        say "${rev_labels[$i]} (${sha:0:10}): reusing the build in $dir"
        exec {lock_fd}>&-
        return 0
    fi
    if [[ -e "$dir" ]]; then
        git -C "$repo" worktree remove --force "$dir" >>"$log" 2>&1 || rm -rf "$dir"
    fi
    # --force: a worktree of this path that git still lists although its directory is gone is taken over.
    if ! git -C "$repo" worktree add --force --detach "$dir" "$sha" >>"$log" 2>&1; then
        echo "bench-compare: ${rev_labels[$i]}: git worktree add failed; see $log" >&2
        exec {lock_fd}>&-
        return 1
    fi
    local script
    for script in sns-up.sh sns-down.sh bench.sh; do
        if [[ ! -x "$dir/scripts/$script" ]]; then
            echo "bench-compare: ${rev_labels[$i]}: has no scripts/$script; it cannot be benched this way" >&2
            exec {lock_fd}>&-
            return 1
        fi
    done
    say "${rev_labels[$i]} (${sha:0:10}): building in $dir (mvn -B -q -o -DskipTests package; log $log)"
    RUN_IN="$dir" run_bounded "$build_timeout_seconds" "$log" mvn -B -q -o -DskipTests package || rc=$?
    if ((rc != 0)); then
        say "${rev_labels[$i]}: the offline build failed (exit $rc); trying once online"
        rc=0
        RUN_IN="$dir" run_bounded "$build_timeout_seconds" "$log" mvn -B -q -DskipTests package || rc=$?
    fi
    if ((rc != 0)) || [[ ! -f "$dir/sns-cli/target/sns-cli.jar" || ! -d "$dir/sns-cli/target/lib" ]]; then
        echo "bench-compare: ${rev_labels[$i]} (${sha:0:10}): the build failed (exit $rc); last lines of $log:" >&2
        tail -n 15 "$log" | sed 's/^/    /' >&2
        exec {lock_fd}>&-
        return 1
    fi
    echo "$sha" >"$dir/.bench-compare-built"
    exec {lock_fd}>&-
}

say "comparing ${#revs[@]} revs of $repo, $rounds round(s), $( ((fresh)) && echo fresh || echo "warm (warm-up bench of $warm_for)")"
for i in "${!revs[@]}"; do
    printf '  REV%d  %-14s %s  %s\n' $((i + 1)) "${rev_labels[$i]}" "${rev_shas[$i]:0:10}" "${rev_subjects[$i]}"
done
for i in "${!revs[@]}"; do
    rev_dirs+=("$cache/${rev_shas[$i]}")
    # The same sha twice (an A/A comparison) is built once.
    for ((j = 0; j < i; j++)); do
        if [[ "${rev_shas[$j]}" == "${rev_shas[$i]}" ]]; then
            rev_builds+=("${rev_builds[$j]}")
            continue 2
        fi
    done
    used_worktrees+=("$cache/${rev_shas[$i]}")
    if build_rev "$i"; then
        rev_builds+=(ok)
    else
        rev_builds+=(failed)
        failures=$((failures + 1))
    fi
done

# --- runs --------------------------------------------------------------------------------------------------------
# without_run_length ARGS…: the bench args minus --duration, --warmup and --preload (for the warm-up bench).
warm_args=()
without_run_length() {
    warm_args=()
    while (($#)); do
        case "$1" in
            --duration | -d | --warmup | --preload) shift 2 || shift ;;
            --duration=* | -d?* | --warmup=* | --preload=*) shift ;;
            *) warm_args+=("$1"); shift ;;
        esac
    done
}
without_run_length "${bench_args[@]}"

manifest="$results/runs.tsv"
: >"$manifest"
# one_run ROUND POSITION I: steps 1 to 5 of the header for rev I; appends its line to the manifest.
one_run() {
    local round="$1" position="$2" i="$3"
    local dir="${rev_dirs[$i]}" name
    name="$(printf 'r%02d-%d-rev%d' "$round" "$position" $((i + 1)))"
    local run_home="$results/$name"
    local run_dir="$run_home/run" status=ok rc=0 load started_ms ended_ms round_seed=() notes=""
    mkdir -p "$run_home"
    started_ms="$(date +%s%3N)"
    load="$(cut -d' ' -f1 /proc/loadavg)"
    ((user_seed)) || round_seed=(--seed $((seed + round - 1)))
    echo
    say "round $round/$rounds, run $position: REV$((i + 1)) ${rev_labels[$i]} (${rev_shas[$i]:0:10}) in $run_home (load $load)"
    if [[ "${rev_builds[$i]}" != ok ]]; then
        status="skipped: build failed"
    else
        local busy
        busy="$(wait_ports_free)"
        if [[ -n "$busy" ]]; then
            status="failed: ports in use: $(tr '\n' ' ' <<<"$busy")"
        else
            live_rev_dir="$dir"
            live_run_dir="$run_dir"
            local up_args=(--run-dir "$run_dir" --base-port "$base_port" --clusters "$clusters" --replicas "$replicas"
                --wait "$up_wait_seconds")
            [[ -z "$coordinators" ]] || up_args+=(--coordinators "$coordinators")
            say "  sns-up.sh ${up_args[*]}"
            # One more try after a failed start, in a fresh run dir: on a loaded machine a start can fail for reasons
            # that say nothing about the rev's throughput (a coordinator replica whose first RMI call timed out).
            local try
            for try in 1 2; do
                if run_bounded $((up_wait_seconds + 60)) "$run_home/up.log" "$dir/scripts/sns-up.sh" "${up_args[@]}"; then
                    status=ok
                    break
                fi
                status="failed: sns-up.sh, twice (see $run_home/up.log and run-failed-start/)"
                tail -n 12 "$run_home/up.log" | sed 's/^/    /' >&2
                stop_deployment "$dir" "$run_dir"
                ((try == 1)) || break
                mv "$run_dir" "$run_home/run-failed-start"
                notes="the first start failed (run-failed-start/); started again"
                say "  the start failed; stopped it, trying once more"
                busy="$(wait_ports_free)"
                if [[ -n "$busy" ]]; then
                    status="failed: sns-up.sh; then ports in use: $(tr '\n' ' ' <<<"$busy")"
                    break
                fi
            done
            if [[ "$status" == ok ]] && ((!fresh)); then
                say "  warm-up bench (discarded): --duration $warm_for --warmup 0s ${warm_args[*]}"
                RUN_IN="$run_home" SHOW=$verbose run_bounded "$bench_timeout_seconds" "$run_home/warm.log" \
                    "$dir/scripts/bench.sh" -k "$base_port" --run-dir "$run_dir" --json "$run_home/warm.json" \
                    "${warm_args[@]}" --duration "$warm_for" --warmup 0s "${round_seed[@]}" || rc=$?
                if ((rc != 0)); then
                    status="failed: warm-up bench exit $rc (see $run_home/warm.log)"
                    tail -n 12 "$run_home/warm.log" | sed 's/^/    /' >&2
                fi
            fi
            if [[ "$status" == ok ]]; then
                say "  bench ${round_seed[*]} ${bench_args[*]}"
                RUN_IN="$run_home" SHOW=$verbose run_bounded "$bench_timeout_seconds" "$run_home/bench.log" \
                    "$dir/scripts/bench.sh" -k "$base_port" --run-dir "$run_dir" --json "$run_home/bench.json" \
                    "${round_seed[@]}" "${bench_args[@]}" || rc=$?
                if ((rc != 0)); then
                    status="failed: bench exit $rc (see $run_home/bench.log)"
                    tail -n 12 "$run_home/bench.log" | sed 's/^/    /' >&2
                fi
            fi
            # A figure measured while part of the deployment was dead (e.g. a coordinator replica that gave up at
            # start on a loaded machine) is not comparable: reported, and left out of the medians.
            local dead
            dead="$(dead_processes "$run_dir")"
            if [[ "$status" == ok && -n "$dead" ]]; then
                status="degraded: not running at the end: $dead (see $run_dir/logs)"
            fi
            stop_deployment "$dir" "$run_dir"
            live_run_dir=""
            if ((!keep_data)); then
                local kept
                for kept in "$run_dir" "$run_home/run-failed-start"; do
                    rm -rf "$kept/data" "$kept"/coordinator* "$kept/tmp" "$kept/secret"
                done
            fi
        fi
    fi
    ended_ms="$(date +%s%3N)"
    [[ "$status" == ok ]] || failures=$((failures + 1))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$position" "$i" "$status" "$load" "$started_ms" \
        "$ended_ms" "$run_home" "$notes" >>"$manifest"
    if [[ -s "$run_home/bench.json" ]]; then
        local headline
        headline="$(python3 - line "$run_home/bench.json" <<<"$report_py" 2>&1)" || true
        if [[ "$status" == ok ]]; then say "  $headline"; else say "  $headline; $status"; fi
    else
        say "  $status"
    fi
}

# The tables, in one small Python program: `line FILE` (one run's headline) or `table` (everything; its inputs come
# as environment variables). Tolerant of older revs' JSON: a figure a rev does not report is shown as "-".
report_py="$(cat <<'PY'
import json, os, statistics, sys

def p99(section):
    return section.get("p99Ms") if section and section.get("count") else None

def figures(report):
    """The headline figures of one bench JSON; CPU per group as a dict."""
    kinds = report.get("operationsByKind", {})
    cpu = report.get("cpu") or {}
    rss = [m.get("peakRssKib", 0) / 1024 for m in report.get("memory", []) if m.get("process", "").startswith("node-")]
    convergence = [v for v in (report.get("convergenceMillis") or {}).values() if v is not None]
    return {
        "opsPerSecond": report.get("opsPerSecond"),
        "errors": sum(k.get("errors", 0) for k in kinds.values()),
        "homeTimelineP99Ms": p99(kinds.get("home-timeline")),
        "userTimelineP99Ms": p99(kinds.get("user-timeline")),
        "postP99Ms": p99(kinds.get("post")),
        "crossClusterSentToShownP99Ms": p99((report.get("crossClusterVisibility") or {}).get("sentToShown")),
        "cpuMicrosPerOp": {g["group"]: g.get("microsPerOperation") for g in cpu.get("perGroup", [])},
        "machineBusyFraction": cpu.get("machineBusyFraction"),
        "convergenceMillisMax": max(convergence) if convergence else None,
        "nodePeakRssMibMax": round(max(rss), 1) if rss else None,
    }

def fmt(v, digits=1, thousands=False):
    if v is None:
        return "-"
    return f"{v:,.0f}" if thousands else f"{v:.{digits}f}"

if sys.argv[1] == "line":
    f = figures(json.load(open(sys.argv[2])))
    print(f"{fmt(f['opsPerSecond'], thousands=True)} ops/s, {f['errors']} errors, p99 ms: home-timeline "
          f"{fmt(f['homeTimelineP99Ms'])}, post {fmt(f['postP99Ms'])}, cross-cluster {fmt(f['crossClusterSentToShownP99Ms'])}")
    sys.exit(0)

env = os.environ
labels = json.loads(env["BC_LABELS"])
if len(set(labels)) < len(labels):  # the same rev twice (A/A): tell them apart by position
    labels = [f"{i + 1}:{label}" for i, label in enumerate(labels)]
shas = json.loads(env["BC_SHAS"])
subjects = json.loads(env["BC_SUBJECTS"])
builds = json.loads(env["BC_BUILDS"])
runs = []
for line in open(env["BC_MANIFEST"]):
    rnd, pos, rev, status, load, t0, t1, home, notes = line.rstrip("\n").split("\t")
    run = {"round": int(rnd), "position": int(pos), "rev": int(rev), "label": labels[int(rev)], "status": status,
           "load1": float(load), "startedEpochMillis": int(t0), "seconds": (int(t1) - int(t0)) / 1000, "dir": home,
           "notes": notes}
    path = os.path.join(home, "bench.json")
    if os.path.exists(path) and os.path.getsize(path) > 0:
        run["report"] = json.load(open(path))
        run["figures"] = figures(run["report"])
    runs.append(run)

groups = []  # CPU groups in the order the reports name them
for run in runs:
    for g in run.get("figures", {}).get("cpuMicrosPerOp", {}):
        if g not in groups:
            groups.append(g)
short = {"nodes": "nodes", "synchronizers": "syncs", "coordinator + registry": "coord", "bench (this JVM)": "bench"}
# (key, header, digits); CPU groups as "cpu:<group>"
columns = [("opsPerSecond", "ops/s", None), ("errors", "errors", 0), ("homeTimelineP99Ms", "home", 1),
           ("postP99Ms", "post", 1), ("crossClusterSentToShownP99Ms", "x-cluster", 1)]
columns += [("cpu:" + g, short.get(g, g[:8]), 0) for g in groups]

def value(fig, key):
    if key.startswith("cpu:"):
        return fig.get("cpuMicrosPerOp", {}).get(key[4:])
    return fig.get(key)

def cell(v, digits):
    return fmt(v, thousands=True) if digits is None else fmt(v, digits)

width = max(8, max(len(l) for l in labels) + 6)
widths = [max(9, len(h) + 1) for _, h, _ in columns]
lines = []
def row(first, second, cells, tail=""):
    lines.append(f"{first:<7}{second:<{width}}" + "".join(f"{c:>{w}}" for c, w in zip(cells, widths)) + tail)

n_lat = 3
lines.append(" " * (7 + width) + f"{'':>{widths[0] + widths[1]}}" + f"{'p99 ms':^{sum(widths[2:2 + n_lat])}}"
             + (f"{'CPU µs per operation':^{sum(widths[2 + n_lat:])}}" if groups else ""))
row("round", "rev", [h for _, h, _ in columns], "   load  status")
for run in sorted(runs, key=lambda r: (r["round"], r["position"])):
    fig = run.get("figures", {})
    row(str(run["round"]), f"{run['label']}", [cell(value(fig, k), d) for k, d in [(c[0], c[2]) for c in columns]],
        f"  {run['load1']:5.2f}  {run['status']}")

summary = []
for i, label in enumerate(labels):
    ok = [r["figures"] for r in runs if r["rev"] == i and r["status"] == "ok" and "figures" in r]
    medians = {}
    for key, _, _ in columns:
        values = [value(f, key) for f in ok if value(f, key) is not None]
        medians[key] = statistics.median(values) if values else None
    summary.append({"rev": i, "label": label, "sha": shas[i], "runsOk": len(ok), "median": medians})
lines.append("")
for s in summary:
    row("median", f"{s['label']} ({s['runsOk']})", [cell(s["median"][k], d) for k, _, d in columns])
base = summary[0]["median"]
for s in summary:
    ratios = {}
    for key, _, _ in columns:
        v, b = s["median"][key], base[key]
        ratios[key] = None if v is None or not b else v / b
    s["ratioToRev1"] = ratios
    row("ratio", f"{s['label']}", [fmt(ratios[k], 2) for k, _, _ in columns])
lines.append(f"(ratio: the rev's median / {labels[0]}'s; ops/s above 1 is faster, latency and CPU below 1 are better;"
             " medians over the runs with status ok, their count in brackets)")

def flat_key(key):
    return {"cpu:" + g: "cpuMicrosPerOp." + g for g in groups}.get(key, key)

document = {
    "tool": "scripts/bench-compare.sh",
    "commandLine": json.loads(env["BC_COMMAND"]),
    "machine": {"cores": os.cpu_count(), "kernel": os.uname().release, "java": env.get("BC_JAVA", "")},
    "options": json.loads(env["BC_OPTIONS"]),
    "revs": [{"index": i + 1, "rev": labels[i], "sha": shas[i], "subject": subjects[i], "build": builds[i]}
             for i in range(len(labels))],
    "runs": runs,
    "summary": [{**s, "median": {flat_key(k): v for k, v in s["median"].items()},
                 "ratioToRev1": {flat_key(k): v for k, v in s["ratioToRev1"].items()}} for s in summary],
}
with open(env["BC_OUT"], "w") as f:
    json.dump(document, f, indent=1)
text = "\n".join(lines)
with open(env["BC_SUMMARY"], "w") as f:
    f.write(text + "\n")
print(text)
PY
)"

for ((round = 1; round <= rounds; round++)); do
    order=("${!revs[@]}")
    if ((round % 2 == 0)); then
        reversed=()
        for ((k = ${#order[@]} - 1; k >= 0; k--)); do
            reversed+=("${order[$k]}")
        done
        order=("${reversed[@]}")
    fi
    position=1
    for i in "${order[@]}"; do
        one_run "$round" "$position" "$i"
        position=$((position + 1))
    done
done

# --- report ------------------------------------------------------------------------------------------------------
json_list() { python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$@"; }
echo
BC_LABELS="$(json_list "${rev_labels[@]}")" BC_SHAS="$(json_list "${rev_shas[@]}")" \
    BC_SUBJECTS="$(json_list "${rev_subjects[@]}")" BC_BUILDS="$(json_list "${rev_builds[@]}")" \
    BC_COMMAND="$(json_list "$0" "${revs[@]}" -- "${bench_args[@]}")" \
    BC_OPTIONS="$(python3 -c 'import json, sys; a = sys.argv; print(json.dumps({"rounds": int(a[1]),
        "mode": a[2], "warmFor": a[3], "order": "ABBA", "basePort": int(a[4]), "clusters": int(a[5]),
        "replicas": int(a[6]), "coordinators": a[7] or "default", "seed": a[8], "benchArgs": a[9:]}))' \
        "$rounds" "$( ((fresh)) && echo fresh || echo warm)" "$warm_for" "$base_port" "$clusters" "$replicas" \
        "$coordinators" "$( ((user_seed)) && echo "from the bench args" || echo "$seed + round - 1")" \
        "${bench_args[@]}")" \
    BC_JAVA="$(java -version 2>&1 | head -n 1)" BC_MANIFEST="$manifest" BC_OUT="$out" \
    BC_SUMMARY="$results/summary.txt" python3 - table <<<"$report_py"
echo
say "JSON: $out"
say "runs, logs and summary.txt: $results/"
((user_seed)) || say "seed $seed (round r: $seed + r - 1)"
if ((failures)); then
    say "$failures build(s) or run(s) failed: see the status column and the logs above"
    exit 1
fi
