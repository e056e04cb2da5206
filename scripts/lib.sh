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

# ensure_tls_key DIR [NAME]: the deployment's TLS key in DIR, made once and then kept: keystore.p12 (PKCS12, one
# self-signed EC P-256 key pair, SAN ip:127.0.0.1 and dns:localhost, valid 10 years) and keystore.pass (its random
# password, given to keytool and to every JVM as a file, so it never shows in ps). Directory 700, files 600. keytool
# is taken from beside ${JAVA:-java}. Prints one line when it made a new key; keytool's output only on failure.
ensure_tls_key() {
    local dir="$1" name="${2:-$(basename "$(dirname "$1")")}" java_bin keytool_bin output
    name="${name//[^A-Za-z0-9._-]/_}" # keytool parses -dname: no commas or quotes from a directory name
    if [[ ! -s "$dir/keystore.p12" || ! -s "$dir/keystore.pass" ]]; then
        java_bin="$(readlink -f "$(command -v "${JAVA:-java}")")" || { echo "no java to find keytool by" >&2; return 1; }
        keytool_bin="$(dirname "$java_bin")/keytool"
        [[ -x "$keytool_bin" ]] || keytool_bin=keytool
        output="$(
            umask 077
            mkdir -p "$dir"
            rm -f "$dir/keystore.p12"
            od -An -tx1 -N24 /dev/urandom | tr -d ' \n' >"$dir/keystore.pass"
            "$keytool_bin" -genkeypair -alias sns -keyalg EC -keysize 256 -validity 3650 \
                -dname "CN=Tiny SNS deployment $name" -ext "SAN=ip:127.0.0.1,dns:localhost" \
                -storetype PKCS12 -keystore "$dir/keystore.p12" \
                -storepass:file "$dir/keystore.pass" -keypass:file "$dir/keystore.pass" -noprompt 2>&1
        )" || { echo "keytool could not make the TLS key in $dir: $output" >&2; return 1; }
        echo "made the deployment's TLS key in $dir"
    fi
    chmod 700 "$dir"
    chmod 600 "$dir/keystore.p12" "$dir/keystore.pass"
}

# use_deployment_tls RUN_DIR: if the deployment in RUN_DIR runs with TLS (sns-up.sh --tls wrote a "tls DIR" line
# into its ports.txt), export SNS_TLS_DIR=DIR so every sns command run from here on speaks TLS with its key;
# otherwise make sure no inherited SNS_TLS_DIR turns them to TLS.
use_deployment_tls() {
    local dir
    dir="$(awk '$1 == "tls" { print $2; exit }' "$1/ports.txt" 2>/dev/null || true)"
    if [[ -n "$dir" ]]; then
        export SNS_TLS_DIR="$dir"
    else
        unset SNS_TLS_DIR
    fi
}

# port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# ensure_secret FILE: the deployment's shared secret (32 random bytes, base64), created with mode 600 under umask 077
# so it is never readable by others, not even for a moment; an existing one is kept (a restart must not change it,
# or processes still running would be refused) and only its mode is corrected to 600.
ensure_secret() {
    local file="$1"
    if [[ -s "$file" ]]; then
        chmod 600 "$file"
        return 0
    fi
    (
        umask 077
        local tmp="$file.tmp.$$"
        head -c 32 /dev/urandom | base64 >"$tmp"
        mv -f "$tmp" "$file"
    )
    [[ -s "$file" ]] || { echo "could not write the deployment secret $file" >&2; return 1; }
}
