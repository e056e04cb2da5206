# shellcheck shell=bash
# Shared helpers of sns-up.sh and sns-down.sh (sourced, not run).

# is_our_process PID RUN_DIR: true if PID is alive and is a Tiny SNS JVM (sns-cli.jar) or rmiregistry started for
# RUN_DIR (its command line names the run dir, e.g. in -Djava.io.tmpdir). Guards against a recycled pid.
is_our_process() {
    local pid="$1" run_dir="$2" cmdline
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
    [[ "$cmdline" == *"$run_dir"* ]] || return 1
    [[ "$cmdline" == *sns-cli.jar* || "$cmdline" == *rmiregistry* ]]
}

# port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
