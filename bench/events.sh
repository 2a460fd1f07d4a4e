#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Event-log cost (run by hand, not in CI): two Baton servers side by side, one
# with every event-log category at None and one at LEVEL (medium), fed
# alternately by refused_send.py, whose every message gets one RCPT refused
# (550: a 7010 at Medium) and one accepted, over reused connections, with
# PIPELINING. Valid-mail ingest (few events) is bench/ingest.sh with
# EVENTS_LEVEL2=medium.
#
# Env: MESSAGES (5000) SESSIONS (20) SIZE (4096) ROUNDS (5) WARMUP (10000)
#      LEVEL (medium)  BATON_CMD launcher (default <repo>/baton)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../interop/lib.sh
source "$HERE/../interop/lib.sh"

MESSAGES=${MESSAGES:-5000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-4096}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-10000}
LEVEL=${LEVEL:-medium}

WORK=$(mktemp -d /tmp/baton-bench-events.XXXXXX)
PGIDS=()
cleanup() {
    local p
    for p in "${PGIDS[@]}"; do
        stop_group "$p"
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A PORT=()
for s in none "$LEVEL"; do
    PORT[$s]=$(free_port)
    mkdir -p "$WORK/$s"
    write_baton_config "$WORK/$s.yaml" bench.test discard offered
    # every message makes an error reply: let a session make as many as it sends messages
    sed -i 's/^      maxMessageSize: .*/&\n      maxErrors: 1000/' "$WORK/$s.yaml"
    "$BATON_CMD" events level all "$s" --config "$WORK/$s.yaml" --data-dir "$WORK/$s" >/dev/null
    start_baton "$WORK/$s.yaml" "$WORK/$s" "${PORT[$s]}" "$WORK/$s.log" 120 || { show_log_tail "$BATON_LOG" 50; exit 1; }
    PGIDS+=("$BATON_PGID")
done

run() { # run LEVEL COUNT: prints seconds
    timeout 900 python3 "$HERE/refused_send.py" "${PORT[$1]}" "$SESSIONS" "$2" "$SIZE"
}

if ((MESSAGES / SESSIONS > 1000 || WARMUP / SESSIONS > 1000)); then
    log "at most 1000 messages per session (maxErrors): raise SESSIONS"
    exit 2
fi
log "MESSAGES=$MESSAGES SESSIONS=$SESSIONS SIZE=$SIZE ROUNDS=$ROUNDS; levels none and $LEVEL"
for s in none "$LEVEL"; do
    run "$s" "$WARMUP" >/dev/null
done
RESULTS=$WORK/results.tsv
: >"$RESULTS"
for ((round = 1; round <= ROUNDS; round++)); do
    order=(none "$LEVEL")
    ((round % 2 == 0)) && order=("$LEVEL" none)
    for s in "${order[@]}"; do
        secs=$(run "$s" "$MESSAGES")
        rate=$(awk -v m="$MESSAGES" -v t="$secs" 'BEGIN { printf "%.0f", m / t }')
        log "round $round $s: ${secs}s, $rate msg/s"
        printf '%s\t%s\t%s\n' "$s" "$round" "$rate" >>"$RESULTS"
    done
done
for s in none "$LEVEL"; do
    n=$(cat "$WORK/$s/events/events.log"* 2>/dev/null | grep -c '"id":7010' || true)
    d=$(cat "$WORK/$s/events/events.log"* 2>/dev/null | grep -c '"id":4904' || true)
    log "level $s: $n events 7010 written, $d 'events dropped' notices"
done
python3 - "$RESULTS" none "$LEVEL" <<'PY'
import statistics, sys
path, a, b = sys.argv[1:4]
rate = {}
for line in open(path):
    s, rnd, r = line.split()
    rate.setdefault(s, []).append(float(r))
print()
print("msgs/s, every message with one refused and one accepted recipient (reused connections)")
for s in (a, b):
    print(f"{s:<8}" + "".join(f"{v:>8.0f}" for v in rate[s]) + f"   median {statistics.median(rate[s]):.0f}")
print(f"{b}/{a} (medians): {statistics.median(rate[b]) / statistics.median(rate[a]):.3f}")
PY
