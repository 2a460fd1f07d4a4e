#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Ingest benchmark (run by hand, not in CI): how many messages per second
# Baton accepts compared with Postfix, both discarding the mail after it
# has been safely queued, with Postfix's smtp-source as the load generator.
#
#   - Postfix: a private instance (own config/queue dirs in a temp dir,
#     nothing in /etc/postfix touched), fsyncing its queue files as it
#     does by default, routing bench.test to the discard transport.
#   - Baton: `transport: discard` route for bench.test.
#   - smtp-sink: accepts and forgets, no disk: the ceiling for this client
#     on this machine.
#
# Two modes: "new" = a new connection per message, "reuse" = smtp-source -d
# (all messages of a session over one connection). Servers are run
# alternately within each round so drift (thermal, page cache, other
# load) hits all of them alike.
#
# Env: MESSAGES (5000) SESSIONS (20) SIZE (4096 bytes) ROUNDS (3)
#      WARMUP (20000 messages per server and mode before measuring: Baton runs
#             as a long-lived server, so its JIT-compiled steady state is what counts)
#      BATON=0 skip Baton (e.g. while it is not built)  SINK=0 skip smtp-sink
#      BATON_CMD launcher (default <repo>/baton)  BATON_JAVA_OPTS (JVM flags)
#      EVENTS_LEVEL (none, minimum, medium, maximum; default: leave the levels
#             alone, i.e. none) sets every event-log category of the Baton run
#             with 'baton events level all LEVEL' before it starts
#      EVENTS_LEVEL2 also runs a second Baton server, "baton2", with its
#             categories at this level, in the same rotation: the fair way to
#             compare two levels (the ratio column becomes baton2/baton)
#      DELIVERY_LOG2 (true or false) also runs a second Baton server, "baton2",
#             with deliveryLog.enabled set so, in the same rotation (the
#             delivery log's cost: ratio baton2/baton)
#      POSTFIX=0 skip the Postfix server (smtp-source still comes from it)
#      RCPT (b@bench.test) the recipient smtp-source sends to; one outside
#             bench.test (x@elsewhere.test) is refused at RCPT, so each message
#             makes two error replies (RCPT, DATA): 7010s at medium
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../interop/lib.sh
source "$HERE/../interop/lib.sh"

MESSAGES=${MESSAGES:-5000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-4096}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-20000}
BATON=${BATON:-1}
SINK=${SINK:-1}
EVENTS_LEVEL=${EVENTS_LEVEL:-}
EVENTS_LEVEL2=${EVENTS_LEVEL2:-}
DELIVERY_LOG2=${DELIVERY_LOG2:-}
POSTFIX=${POSTFIX:-1}
RCPT=${RCPT:-b@bench.test}
RUN_TIMEOUT=900 # seconds per smtp-source run

WORK=$(mktemp -d /tmp/baton-bench-ingest.XXXXXX)
PF_CONF=""
BATON_PGID=""
BATON2_PGID=""
BATON_LOG=""
SINK_PGID=""

cleanup() {
    stop_group "$BATON_PGID"
    stop_group "$BATON2_PGID"
    stop_group "$SINK_PGID"
    pf_private_stop "$PF_CONF"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_packages "smtp-source smtp-sink postfix" postfix
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)

# --- servers -----------------------------------------------------------
declare -A PORT=()
SERVERS=()

if [[ "$POSTFIX" != 0 ]]; then
    PORT[postfix]=$(free_port)
    pf_private_start "$WORK/postfix" "${PORT[postfix]}" \
        "relay_domains = bench.test" \
        "transport_maps = inline:{bench.test=discard:}"
    SERVERS+=(postfix)
    log "Postfix $(postconf -d -h mail_version) on 127.0.0.1:${PORT[postfix]}"
fi

# start_baton_server NAME [EVENTS_LEVEL] [DELIVERY_LOG]: a Baton server in $WORK/NAME-data
start_baton_server() {
    local name=$1 level=${2:-} delivery_log=${3:-}
    PORT[$name]=$(free_port)
    mkdir -p "$WORK/$name-data"
    write_baton_config "$WORK/$name.yaml" bench.test discard offered
    if [[ -n "$delivery_log" ]]; then
        printf 'deliveryLog: { enabled: %s }\n' "$delivery_log" >>"$WORK/$name.yaml"
        log "$name: deliveryLog.enabled $delivery_log"
    fi
    if [[ -n "$level" ]]; then
        "$BATON_CMD" events level all "$level" --config "$WORK/$name.yaml" --data-dir "$WORK/$name-data" >/dev/null
        log "$name: every event-log category at $level"
    fi
    if ! JAVA_OPTS="${BATON_JAVA_OPTS:-${JAVA_OPTS:-}}" \
        start_baton "$WORK/$name.yaml" "$WORK/$name-data" "${PORT[$name]}" "$WORK/$name.log" 120; then
        show_log_tail "$BATON_LOG" 50
        exit 1
    fi
    SERVERS+=("$name")
}

if [[ "$BATON" != 0 ]]; then
    start_baton_server baton "$EVENTS_LEVEL"
    if [[ -n "$EVENTS_LEVEL2" || -n "$DELIVERY_LOG2" ]]; then
        BATON2_PGID=$BATON_PGID # start_baton sets BATON_PGID anew
        start_baton_server baton2 "$EVENTS_LEVEL2" "$DELIVERY_LOG2"
    fi
fi

if [[ "$SINK" != 0 ]]; then
    PORT[sink]=$(free_port)
    # -u: smtp-sink refuses to run as root. Backlog 1024 so that bursts of
    # new connections are not dropped.
    SINK_PGID=$(start_group "$WORK/sink.log" "$SMTP_SINK" -u postfix "127.0.0.1:${PORT[sink]}" 1024)
    wait_port "${PORT[sink]}" 10
    SERVERS+=(sink)
fi

# Postfix answers 250 once the message is fsynced in its queue; discard
# happens afterwards. Let its queue drain between runs so one run's
# backlog does not slow the next.
postfix_drain() {
    local i n
    for ((i = 0; i < 600; i++)); do
        n=$(find "$WORK/postfix/queue/"{maildrop,incoming,active,deferred} -type f 2>/dev/null | wc -l)
        ((n == 0)) && return 0
        sleep 0.1
    done
    log "warning: Postfix queue still has $n files"
}

# Run smtp-source against SERVER; prints the elapsed seconds, or fails.
run_load() { # run_load SERVER MODE COUNT
    local server=$1 mode=$2 count=$3 t0 t1 flags=()
    [[ "$mode" == reuse ]] && flags=(-d)
    t0=$(date +%s.%N)
    if ! timeout "$RUN_TIMEOUT" "$SMTP_SOURCE" "${flags[@]}" -s "$SESSIONS" -m "$count" -l "$SIZE" \
        -f a@bench.test -t "$RCPT" "127.0.0.1:${PORT[$server]}" >"$WORK/source.out" 2>&1; then
        log "smtp-source against $server ($mode) failed:"
        tail -n 5 "$WORK/source.out" >&2
        return 1
    fi
    t1=$(date +%s.%N)
    [[ "$server" == postfix ]] && postfix_drain
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

log "servers: ${SERVERS[*]}; MESSAGES=$MESSAGES SESSIONS=$SESSIONS SIZE=$SIZE ROUNDS=$ROUNDS RCPT=$RCPT"
if ((WARMUP > 0)); then
    for s in "${SERVERS[@]}"; do
        for mode in new reuse; do
            run_load "$s" "$mode" "$WARMUP" >/dev/null || log "warm-up of $s ($mode) failed"
        done
    done
fi

RESULTS=$WORK/results.tsv
: >"$RESULTS"
for ((round = 1; round <= ROUNDS; round++)); do
    for mode in new reuse; do
        # Rotate the start so no server always goes first (or right after
        # Postfix's disk writes).
        n=${#SERVERS[@]}
        for ((k = 0; k < n; k++)); do
            s=${SERVERS[$(((k + round - 1) % n))]}
            if secs=$(run_load "$s" "$mode" "$MESSAGES"); then
                rate=$(awk -v m="$MESSAGES" -v t="$secs" 'BEGIN { printf "%.0f", m / t }')
            else
                secs=NaN rate=NaN
            fi
            log "round $round $mode $s: ${secs}s, $rate msg/s"
            printf '%s\t%s\t%s\t%s\n' "$s" "$mode" "$round" "$rate" >>"$RESULTS"
        done
    done
done

for s in baton baton2; do
    if [[ -d "$WORK/$s-data/events" ]]; then
        n=$(cat "$WORK/$s-data/events/events.log"* 2>/dev/null | wc -l)
        log "$s's event log: $n events so far (RCPT=$RCPT)"
    fi
done

# Table: rows = mode x round (+ median), columns = servers, then ratio.
python3 - "$RESULTS" "$ROUNDS" "${SERVERS[@]}" <<'EOF'
import math, statistics, sys
path, rounds, servers = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
rate = {}
for line in open(path):
    s, mode, rnd, r = line.split()
    rate[(s, mode, rnd)] = float(r)

def ratio(row):
    b, p = row.get("baton"), row.get("postfix")
    if "baton2" in row:
        b, p = row.get("baton2"), row.get("baton")
    if b is None or p is None or math.isnan(b) or math.isnan(p) or p == 0:
        return "-"
    return f"{b / p:.2f}"

cols = servers + (["baton2/baton"] if "baton2" in servers
                  else ["baton/postfix"] if "baton" in servers and "postfix" in servers else [])
print()
print("msgs/s (smtp-source; 'new' = new connection per message, 'reuse' = -d)")
print(f"{'mode':<6} {'round':<7}" + "".join(f"{c:>15}" for c in cols))
for mode in ("new", "reuse"):
    for rnd in [str(i) for i in range(1, rounds + 1)] + ["median"]:
        if rnd == "median":
            row = {}
            for s in servers:
                vals = [rate[(s, mode, str(i))] for i in range(1, rounds + 1)]
                vals = [v for v in vals if not math.isnan(v)]
                row[s] = statistics.median(vals) if vals else float("nan")
        else:
            row = {s: rate[(s, mode, rnd)] for s in servers}
        cells = [f"{row[s]:>15.0f}" for s in servers]
        if len(cols) > len(servers):
            cells.append(f"{ratio(row):>15}")
        print(f"{mode:<6} {rnd:<7}" + "".join(cells))
EOF
