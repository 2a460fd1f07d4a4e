#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Idle-connection soak (by hand): can Baton hold N idle SMTP sessions in a
# small heap? Baton runs with -Xmx512m (through JAVA_OPTS, which the
# launcher honours); a Python asyncio client opens N connections, reads
# the 220 greeting, stays silent for HOLD seconds, then checks every
# connection still answers NOOP with 250. Reports Baton's heap and RSS
# before and while holding the connections.
#
# Env: N (10000) HOLD (30 s) PER_ADDR (5000 connections per source address
#      127.0.0.2, 127.0.0.3, ...) XMX (512m) BATON_CMD (default <repo>/baton)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../interop/lib.sh
source "$HERE/../interop/lib.sh"

N=${N:-10000}
HOLD=${HOLD:-30}
PER_ADDR=${PER_ADDR:-5000}
XMX=${XMX:-512m}

# Client and server each need one descriptor per connection; Baton
# inherits this limit from us. Containers may cap the hard limit (20000
# here), so take what we can get and say so if it is too little.
hard=$(ulimit -Hn)
if [[ "$hard" == unlimited ]] || ((hard >= 65536)); then
    ulimit -n 65536
else
    ulimit -n "$hard"
fi
if (($(ulimit -n) < N + 256)); then
    log "warning: open-files limit $(ulimit -n) is too low for N=$N"
fi

WORK=$(mktemp -d /tmp/baton-bench-idle.XXXXXX)
BATON_PGID=""
BATON_LOG=""
CLIENT_PID=""
cleanup() {
    if [[ -n "$CLIENT_PID" ]]; then kill "$CLIENT_PID" 2>/dev/null || true; fi
    stop_group "$BATON_PGID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

JCMD=$(command -v jcmd || true)
[[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd ]] && JCMD=/usr/lib/jvm/temurin-25-jdk-amd64/bin/jcmd

# Print RSS and heap of the java process in Baton's process group.
report_memory() { # report_memory LABEL
    local pid
    pid=$(java_pid_in_group "$BATON_PGID")
    echo "--- memory $1"
    if [[ -z "$pid" ]]; then
        echo "no java process found in Baton's process group (stand-in?)"
        pid=$BATON_PGID
    fi
    echo "pid $pid $(grep VmRSS "/proc/$pid/status" || echo 'VmRSS: n/a')"
    if [[ -n "$JCMD" && -n "$(java_pid_in_group "$BATON_PGID")" ]]; then
        timeout 30 "$JCMD" "$pid" GC.heap_info || echo "jcmd GC.heap_info failed"
        # Live set after a full GC: what the connections really retain.
        timeout 30 "$JCMD" "$pid" GC.run >/dev/null || true
        echo "after GC.run:"
        timeout 30 "$JCMD" "$pid" GC.heap_info | head -n 3 || true
        grep VmRSS "/proc/$pid/status" || true
    fi
}

mkdir -p "$WORK/data"
write_baton_config "$WORK/baton.yaml" bench.test discard offered
PORT=$(free_port)
if ! JAVA_OPTS="-Xmx$XMX ${JAVA_OPTS:-}" \
    start_baton "$WORK/baton.yaml" "$WORK/data" "$PORT" "$WORK/baton.log" 120; then
    show_log_tail "$BATON_LOG" 50
    echo "FAIL: Baton did not start"
    exit 1
fi
report_memory "before connections (JAVA_OPTS=-Xmx$XMX)"

log "opening $N idle connections to 127.0.0.1:$PORT (hold ${HOLD}s)"
: >"$WORK/client.out" # exists before the polling below starts
python3 "$HERE/idle_client.py" "$PORT" "$N" "$HOLD" "$PER_ADDR" >"$WORK/client.out" 2>&1 &
CLIENT_PID=$!

# Sample memory while the connections are held, i.e. once the client says
# it is holding them; the connect phase itself is bounded by 10 minutes.
for ((i = 0; i < 6000; i++)); do
    grep -q '^HOLDING' "$WORK/client.out" && break
    kill -0 "$CLIENT_PID" 2>/dev/null || break
    sleep 0.1
done
cat "$WORK/client.out"
if grep -q '^HOLDING' "$WORK/client.out"; then
    sleep $((HOLD / 2))
    report_memory "holding $(awk '/^HOLDING/ { print $2 }' "$WORK/client.out") connections"
fi

# The client ends by itself after the hold; give it time for the checks.
if ! timeout $((HOLD + 300)) tail --pid="$CLIENT_PID" -f /dev/null; then
    kill "$CLIENT_PID" 2>/dev/null || true
fi
wait "$CLIENT_PID" || true
CLIENT_PID=""
result=$(grep '^RESULT' "$WORK/client.out" || true)
echo "${result:-RESULT missing}"

if [[ "$result" == "RESULT opened=$N alive=$N of $N" ]] && kill -0 -- "-$BATON_PGID" 2>/dev/null; then
    echo "PASS: all $N idle connections stayed open for ${HOLD}s with -Xmx$XMX"
else
    show_log_tail "$BATON_LOG" 50
    echo "FAIL: not all $N connections survived (or Baton died) with -Xmx$XMX"
    exit 1
fi
