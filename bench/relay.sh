#!/usr/bin/env bash
# Relay benchmark (by hand, not CI): Baton and Postfix each accept mail and relay it over SMTP
# to Postfix's smtp-sink; end-to-end msgs/s = messages / (time from the first connection until
# the server's queue is empty, i.e. the sink acknowledged every message). Same load, same run.
#
# Env: MESSAGES (5000) SESSIONS (20) SIZE (4096 bytes) ROUNDS (3) WARMUP (20000 per server: the JIT-compiled steady state of a long-running server)
#      BATON_CMD launcher (default <repo>/baton)  BATON_JAVA_OPTS (JVM flags)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../interop/lib.sh
source "$HERE/../interop/lib.sh"

MESSAGES=${MESSAGES:-5000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-4096}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-20000}
RUN_TIMEOUT=900

WORK=$(mktemp -d /tmp/baton-bench-relay.XXXXXX)
PF_CONF=""
BATON_PGID=""
BATON_LOG=""
SINK_PGID=""

cleanup() {
    stop_group "$BATON_PGID"
    stop_group "$SINK_PGID"
    pf_private_stop "$PF_CONF"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_packages "smtp-source smtp-sink postfix" postfix
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)

SINK_PORT=$(free_port)
SINK_PGID=$(start_group "$WORK/sink.log" "$SMTP_SINK" -u postfix "127.0.0.1:$SINK_PORT" 1024)
wait_port "$SINK_PORT" 10

declare -A PORT=()
PORT[postfix]=$(free_port)
pf_private_start "$WORK/postfix" "${PORT[postfix]}" \
    "relay_domains = bench.test" \
    "transport_maps = inline:{bench.test=smtp:[127.0.0.1]:$SINK_PORT}" \
    "smtp_tls_security_level = none"
log "Postfix $(postconf -d -h mail_version) on 127.0.0.1:${PORT[postfix]}, relaying to smtp-sink on $SINK_PORT"

PORT[baton]=$(free_port)
mkdir -p "$WORK/baton-data"
cat >"$WORK/baton.yaml" <<YAML
server: { name: bench, fqdn: mail.bench.test }
acceptedDomains: [bench.test]
virtualServers:
  - name: default
    address: 127.0.0.1
    port: 0
    limits: { maxConnections: 20000, maxConnectionsPerClient: 20000 }
routes:
  - { domain: bench.test, transport: smtp, host: "[127.0.0.1]", port: $SINK_PORT, tls: none }
queue: { deliveryWorkers: 20 }
YAML
if ! JAVA_OPTS="${BATON_JAVA_OPTS:-${JAVA_OPTS:-}}" \
    start_baton "$WORK/baton.yaml" "$WORK/baton-data" "${PORT[baton]}" "$WORK/baton.log" 120; then
    show_log_tail "$BATON_LOG" 50
    exit 1
fi

queue_files() { # queue_files SERVER: messages still queued
    case $1 in
        postfix) find "$WORK/postfix/queue/"{maildrop,incoming,active,deferred} -type f 2>/dev/null | wc -l ;;
        baton) find "$WORK/baton-data/spool/queue" -type f 2>/dev/null | wc -l ;;
    esac
}

# Sends COUNT messages to SERVER and waits until its queue is empty; prints elapsed seconds.
run_load() { # run_load SERVER COUNT
    local server=$1 count=$2 t0 t1 i
    t0=$(date +%s.%N)
    timeout "$RUN_TIMEOUT" "$SMTP_SOURCE" -s "$SESSIONS" -m "$count" -l "$SIZE" \
        -f a@bench.test -t b@bench.test "127.0.0.1:${PORT[$server]}" >"$WORK/source.out" 2>&1 || {
        log "smtp-source against $server failed:"
        tail -n 5 "$WORK/source.out" >&2
        return 1
    }
    for ((i = 0; i < RUN_TIMEOUT * 20; i++)); do
        (($(queue_files "$server") == 0)) && break
        sleep 0.05
    done
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

log "MESSAGES=$MESSAGES SESSIONS=$SESSIONS SIZE=$SIZE ROUNDS=$ROUNDS WARMUP=$WARMUP"
for s in postfix baton; do
    ((WARMUP > 0)) && { run_load "$s" "$WARMUP" >/dev/null || log "warm-up of $s failed"; }
done

declare -A RATES=()
for ((round = 1; round <= ROUNDS; round++)); do
    order=(postfix baton)
    ((round % 2 == 0)) && order=(baton postfix)
    for s in "${order[@]}"; do
        secs=$(run_load "$s" "$MESSAGES")
        rate=$(awk -v n="$MESSAGES" -v t="$secs" 'BEGIN { printf "%.0f", n / t }')
        RATES[$s]+="$rate "
        log "round $round $s: ${secs}s, $rate msg/s end to end"
    done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
pm=$(echo "${RATES[postfix]}" | median)
bm=$(echo "${RATES[baton]}" | median)
printf '\nend-to-end msgs/s (ingest + relay to smtp-sink)\n'
printf '%-8s %-24s %s\n' server rounds median
printf '%-8s %-24s %s\n' postfix "${RATES[postfix]}" "$pm" baton "${RATES[baton]}" "$bm"
awk -v b="$bm" -v p="$pm" 'BEGIN { printf "baton/postfix %.2f\n", b / p }'
