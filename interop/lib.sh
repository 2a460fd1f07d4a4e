# shellcheck shell=bash
# Shared helpers for interop/run.sh and the scripts in bench/.
# Source it; it defines functions only and changes no shell options.
#
# Conventions:
#   - Only loopback addresses; ports are picked by the kernel (bind to 0),
#     never hard-coded, so runs can coexist with anything else on the box.
#   - Every process we start goes into its own session/process group
#     (setsid) so that stopping it also stops whatever it forked (the
#     ./baton launcher runs java as a child, Postfix's master forks
#     daemons), without ever killing anything by name.

# Repository root (interop/..).
BATON_ROOT="${BATON_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
# Command that launches Baton; overridable so the scripts' mechanics can
# be exercised against a stand-in while Baton itself is being written.
BATON_CMD="${BATON_CMD:-$BATON_ROOT/baton}"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Checks of a test script: counted in PASSED and FAILED, one line each.
PASSED=${PASSED:-0}
FAILED=${FAILED:-0}
pass() {
    PASSED=$((PASSED + 1))
    echo "PASS: $*"
}
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $*"
}

# Print a free TCP port on 127.0.0.1. There is a small race between closing
# the probe socket and the server binding it; acceptable for tests.
free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Install Debian packages only if one of the given commands is missing.
# Postfix is preseeded with "No configuration" so the package does not
# configure (or start) a system MTA on port 25: we only ever run private
# instances with their own config directory.
ensure_packages() { # ensure_packages "cmd1 cmd2" pkg...
    local cmds=$1 missing=0 c
    shift
    for c in $cmds; do
        command -v "$c" >/dev/null 2>&1 || [[ -x /usr/sbin/$c ]] || missing=1
    done
    ((missing)) || return 0
    log "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -q >/dev/null
    apt-get install -y -q -o Dpkg::Options::=--force-confold "$@" >/dev/null
}

# Start a command in its own session with output to a log file; prints the
# session id (= pid of the started process = its process group id).
start_group() { # start_group LOGFILE cmd args...
    local logfile=$1
    shift
    setsid "$@" >"$logfile" 2>&1 </dev/null &
    echo $!
}

# Stop a process group started by start_group: TERM, wait up to 10 s, KILL.
stop_group() { # stop_group PGID
    local pgid=$1 i
    [[ -n "$pgid" ]] || return 0
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    for ((i = 0; i < 100; i++)); do
        kill -0 -- "-$pgid" 2>/dev/null || return 0
        sleep 0.1
    done
    log "process group $pgid did not stop on SIGTERM; killing it"
    kill -KILL -- "-$pgid" 2>/dev/null || true
}

# The java process inside a process group (the launcher may fork rather
# than exec). Prints nothing if there is none.
java_pid_in_group() { # java_pid_in_group PGID
    ps -o pid=,comm= -g "$1" 2>/dev/null | awk '$2 == "java" { print $1; exit }'
}

# Write a Baton config: one virtual server on 127.0.0.1, one accepted
# domain routed to TRANSPORT (local|discard). Port 0 is replaced by the
# --smtp-port flag at start.
write_baton_config() { # write_baton_config FILE DOMAIN TRANSPORT [TLS_MODE]
    local file=$1 domain=$2 transport=$3 tls=${4:-offered}
    cat >"$file" <<EOF
server:
  name: test
  fqdn: mail.$domain
acceptedDomains: [$domain]
virtualServers:
  - name: default
    address: 127.0.0.1
    port: 0
    tls: { mode: $tls }
    relayNetworks: []
    limits:
      maxConnections: 20000
      maxConnectionsPerClient: 20000
      maxMessageSize: 209715200
routes:
  - domain: $domain
    transport: $transport
EOF
}

# Start Baton and wait until it logs "listening on 127.0.0.1:PORT".
# Sets BATON_PGID (for stop_group) and BATON_LOG. Extra JVM options come
# from JAVA_OPTS in the environment, which the launcher honours.
start_baton() { # start_baton CONFIG DATA_DIR PORT LOGFILE [TIMEOUT_S]
    local config=$1 data=$2 port=$3 timeout=${5:-60} i
    BATON_LOG=$4
    BATON_PGID=$(start_group "$BATON_LOG" "$BATON_CMD" serve \
        --config "$config" --data-dir "$data" --smtp-port "$port")
    for ((i = 0; i < timeout * 10; i++)); do
        if grep -q "listening on 127.0.0.1:$port" "$BATON_LOG" 2>/dev/null; then
            log "Baton listening on 127.0.0.1:$port (pgid $BATON_PGID)"
            return 0
        fi
        if ! kill -0 "$BATON_PGID" 2>/dev/null; then
            log "Baton exited before listening"
            return 1
        fi
        sleep 0.1
    done
    log "Baton did not print 'listening on 127.0.0.1:$port' within ${timeout}s"
    return 1
}

finish_work() { # finish_work RC LINES LOGFILE...: the end of a script's cleanup trap
    # On a failure (a failed check or a non-zero status) show each log's last LINES and keep
    # $WORK for inspection; else remove it, unless KEEP_WORK=1.
    local rc=$1 lines=$2 f
    shift 2
    if ((FAILED > 0 || rc != 0)); then
        for f in "$@"; do
            show_log_tail "$f" "$lines"
        done
        echo "work dir kept for inspection: $WORK" >&2
    elif [[ "${KEEP_WORK:-0}" == 1 ]]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}

show_log_tail() { # show_log_tail FILE [LINES]
    [[ -f "$1" ]] || return 0
    echo "----- last ${2:-50} lines of $1 -----" >&2
    tail -n "${2:-50}" "$1" >&2
    echo "----- end of $1 -----" >&2
}

# Count delivered messages in a Maildir's new/ (Baton's local transport
# puts them in DATA_DIR/mailboxes/<domain>/<localpart>/new/).
maildir_count() { # maildir_count DIR
    if [[ -d "$1/new" ]]; then
        find "$1/new" -type f | wc -l
    else
        echo 0
    fi
}

# Wait until a Maildir holds at least N messages: delivery may happen
# after the 250 reply (queue, then local transport).
wait_maildir() { # wait_maildir DIR N [TIMEOUT_S]
    local dir=$1 want=$2 timeout=${3:-60} i
    for ((i = 0; i < timeout * 10; i++)); do
        (($(maildir_count "$dir") >= want)) && return 0
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------------
# Private Postfix instance: own config_directory, queue_directory and
# data_directory under DIR; nothing in /etc/postfix is touched and no
# system MTA is started. Chroot is off so the temp queue dir needs no
# copies of /etc files. Logs go to DIR/maillog (there may be no syslog).
# Extra main.cf settings come as "name = value" arguments.
# Sets PF_CONF (for `postfix -c`); stop with pf_private_stop.
pf_private_start() { # pf_private_start DIR PORT [main.cf setting]...
    local dir=$1 port=$2 setting
    shift 2
    PF_CONF=$dir/conf
    mkdir -p "$PF_CONF" "$dir/queue"
    # Postfix daemons run as user postfix and must reach the queue; the
    # data directory (master.lock, TLS caches) must be theirs.
    chmod 755 "$dir" "$(dirname "$dir")"
    install -d -o postfix -m 700 "$dir/data"
    cat >"$PF_CONF/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $PF_CONF
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
myhostname = postfix.bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
biff = no
# Benchmarks hammer one client IP; keep anvil from throttling it.
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
default_process_limit = 200
EOF
    for setting in "$@"; do
        printf '%s\n' "$setting" >>"$PF_CONF/main.cf"
    done
    # Minimal master.cf: only the services this setup uses; our listener
    # replaces the usual port-25 "smtp inet" entry.
    cat >"$PF_CONF/master.cf" <<EOF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    postfix -c "$PF_CONF" check >>"$dir/maillog" 2>&1 || true
    postfix -c "$PF_CONF" start >>"$dir/maillog" 2>&1 || {
        show_log_tail "$dir/maillog"
        return 1
    }
    wait_port "$port" 30
}

pf_private_stop() { # pf_private_stop CONF_DIR
    [[ -n "${1:-}" && -f "$1/main.cf" ]] || return 0
    postfix -c "$1" stop >/dev/null 2>&1 || true
    # "stop" returns before the daemons are gone; wait so the caller can
    # remove the directory.
    local i
    for ((i = 0; i < 100; i++)); do
        postfix -c "$1" status >/dev/null 2>&1 || return 0
        sleep 0.1
    done
}

# Wait until something accepts TCP connections on 127.0.0.1:PORT.
wait_port() { # wait_port PORT [TIMEOUT_S]
    local port=$1 timeout=${2:-30} i
    for ((i = 0; i < timeout * 10; i++)); do
        if python3 -c 'import socket,sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$port" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    log "nothing listening on 127.0.0.1:$port after ${timeout}s"
    return 1
}
