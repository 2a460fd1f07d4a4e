#!/usr/bin/env bash
# Organization relay benchmark (by hand, not CI): what TLS and X-EXPS GSSAPI cost on a hop
# between two Baton servers of one organization, against a plain hop and a TLS-only hop, with
# Postfix relaying the same plain and TLS hops as the reference. Same load, same run.
#
#   hub (Baton, runs the embedded Kerberos realm) --org.test---> edge, TLS + X-EXPS GSSAPI
#                                                 --plain.test-> edge, no TLS
#                                                 --tls.test---> edge, STARTTLS
#   Postfix                                       --plain.test / --tls.test-> the same edge
#
# The edge (a second Baton, the realm used as an external one with the keytab the hub wrote)
# discards what it receives. smtp-source submits to the sender; a run is timed from the first
# connection until the sender's queue is empty (the edge acknowledged every message).
# Two phases: connection reuse on (Baton delivery.reuse defaults; Postfix's connection cache)
# and off (Baton delivery.reuse.maxIdle: 0; Postfix smtp_connection_cache_on_demand = no), where
# every message is one new connection: for org.test one TCP + TLS + GSSAPI handshake each, so
# its msg/s is the handshakes per second. Each phase starts the senders fresh: the first run
# (COLD messages) is the cold figure, then WARMUP messages per sender and hop, then ROUNDS.
#
# Env: MESSAGES (2000) SESSIONS (20) SIZE (4096) ROUNDS (3) WARMUP (3000) COLD (500) PHASES ("reuse new")
#      BATON_CMD launcher (default <repo>/baton)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../interop/lib.sh
source "$HERE/../interop/lib.sh"

MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-4096}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3000}
COLD=${COLD:-500}
PHASES=${PHASES:-reuse new}
RUN_TIMEOUT=900

WORK=$(mktemp -d /tmp/baton-bench-org.XXXXXX)
PF_CONF=""
HUB_PGID=""
EDGE_PGID=""

cleanup() {
    stop_group "$HUB_PGID"
    stop_group "$EDGE_PGID"
    pf_private_stop "$PF_CONF"
    if [[ "${KEEP_WORK:-0}" == 1 ]]; then
        echo "work dir kept: $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_packages "smtp-source postfix" postfix
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)

HUB_PORT=$(free_port)
EDGE_ORG=$(free_port)
EDGE_PLAIN=$(free_port)
EDGE_TLS=$(free_port)
PF_PORT=$(free_port)
HUB=$WORK/hub
EDGE=$WORK/edge
mkdir -p "$HUB" "$EDGE"

for d in "$HUB" "$EDGE"; do
    cat >"$d/org.yml" <<YAML
organization: { name: Bench, acceptedDomains: [org.test, plain.test, tls.test] }
realm: BENCH.TEST
servers:
  - { name: hub, fqdn: hub.bench.test, smtp: "[127.0.0.1]:$HUB_PORT" }
  - { name: edge, fqdn: edge.bench.test, smtp: "[127.0.0.1]:$EDGE_ORG", virtualServers: [default, plain, tls] }
users:
  - { name: b, home: edge, addresses: [b@org.test] }
rights:
  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
  - { allow: relay, to: "group:organization-servers", on: organization }
YAML
done

LIMITS="limits: { maxConnections: 20000, maxConnectionsPerClient: 20000 }"

hub_config() { # hub_config MAX_IDLE
    cat >"$HUB/baton.yml" <<YAML
server: { name: hub, fqdn: hub.bench.test }
virtualServers:
  - { name: default, address: 127.0.0.1, port: 0, $LIMITS }
routes:
  - { domain: org.test, transport: organization }
  - { domain: plain.test, transport: smtp, host: "[127.0.0.1]", port: $EDGE_PLAIN, tls: none }
  - { domain: tls.test, transport: smtp, host: "[127.0.0.1]", port: $EDGE_TLS, tls: required }
queue: { deliveryWorkers: 20 }
delivery: { reuse: { maxIdle: $1 } }
kerberos: { mode: embedded }
YAML
}

start_hub() { # start_hub MAX_IDLE
    hub_config "$1"
    if ! start_baton "$HUB/baton.yml" "$HUB" "$HUB_PORT" "$WORK/hub.log" 120; then
        show_log_tail "$WORK/hub.log" 40
        exit 1
    fi
    HUB_PGID=$BATON_PGID
}

start_postfix() { # start_postfix on|off (connection cache on demand)
    local cache=yes
    [[ $1 == off ]] && cache=no
    pf_private_stop "$PF_CONF"
    rm -rf "$WORK/postfix"
    pf_private_start "$WORK/postfix" "$PF_PORT" \
        "relay_domains = plain.test, tls.test" \
        "transport_maps = inline:{plain.test=smtp:[127.0.0.1]:$EDGE_PLAIN, tls.test=smtp:[127.0.0.1]:$EDGE_TLS}" \
        "smtp_tls_security_level = none" \
        "smtp_tls_policy_maps = inline:{[127.0.0.1]:$EDGE_TLS=encrypt}" \
        "smtp_connection_cache_on_demand = $cache" \
        "default_destination_concurrency_limit = 20"
}

# The hub first: it makes the realm, the edge's principal and keytab.
start_hub 32
cat >"$EDGE/baton.yml" <<YAML
server: { name: edge, fqdn: edge.bench.test }
virtualServers:
  - { name: default, address: 127.0.0.1, port: 0, tls: { mode: offered }, authentication: { integrated: true }, $LIMITS }
  - { name: plain, fqdn: sink.bench.test, address: 127.0.0.1, port: $EDGE_PLAIN, tls: { mode: offered }, $LIMITS }
  - { name: tls, fqdn: sink.bench.test, address: 127.0.0.1, port: $EDGE_TLS, tls: { mode: offered }, $LIMITS }
routes:
  - { domain: org.test, transport: discard }
  - { domain: plain.test, transport: discard }
  - { domain: tls.test, transport: discard }
kerberos: { mode: external, krb5Conf: "$HUB/kerberos/krb5.conf", keytab: "$HUB/kerberos/keytabs/edge.keytab" }
YAML
if ! start_baton "$EDGE/baton.yml" "$EDGE" "$EDGE_ORG" "$WORK/edge.log" 120; then
    show_log_tail "$WORK/edge.log" 40
    exit 1
fi
EDGE_PGID=$BATON_PGID
log "Postfix $(postconf -d -h mail_version); hub on $HUB_PORT, edge on $EDGE_ORG (org), $EDGE_PLAIN (plain), $EDGE_TLS (tls)"

queue_files() { # queue_files SENDER
    case $1 in
        postfix) find "$WORK/postfix/queue/"{maildrop,incoming,active,deferred} -type f 2>/dev/null | wc -l ;;
        baton) find "$HUB/spool/queue" -type f 2>/dev/null | wc -l ;;
    esac
}

# Sends COUNT messages for DOMAIN through SENDER, waits until its queue is empty; prints seconds.
run_load() { # run_load SENDER DOMAIN COUNT
    local sender=$1 domain=$2 count=$3 port t0 t1 i
    port=$HUB_PORT
    [[ $sender == postfix ]] && port=$PF_PORT
    t0=$(date +%s.%N)
    timeout "$RUN_TIMEOUT" "$SMTP_SOURCE" -s "$SESSIONS" -m "$count" -l "$SIZE" \
        -f a@plain.test -t "b@$domain" "127.0.0.1:$port" >"$WORK/source.out" 2>&1 || {
        log "smtp-source through $sender for $domain failed:"
        tail -n 5 "$WORK/source.out" >&2
        return 1
    }
    for ((i = 0; i < RUN_TIMEOUT * 20; i++)); do
        (($(queue_files "$sender") == 0)) && break
        sleep 0.05
    done
    ((i < RUN_TIMEOUT * 20)) || { log "$sender: queue not empty after ${RUN_TIMEOUT}s"; return 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}

rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", n / t }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

HOPS=("baton org.test" "baton plain.test" "baton tls.test" "postfix plain.test" "postfix tls.test")
declare -A COLDRATE=() RATES=()
log "MESSAGES=$MESSAGES SESSIONS=$SESSIONS SIZE=$SIZE ROUNDS=$ROUNDS WARMUP=$WARMUP COLD=$COLD PHASES=$PHASES"
for phase in $PHASES; do
    if [[ $phase == new ]]; then
        stop_group "$HUB_PGID"
        start_hub 0
        start_postfix off
    else
        start_postfix on
        if [[ $phase != "${PHASES%% *}" ]]; then
            stop_group "$HUB_PGID"
            start_hub 32
        fi
    fi
    for hop in "${HOPS[@]}"; do
        read -r s d <<<"$hop"
        secs=$(run_load "$s" "$d" "$COLD")
        COLDRATE["$phase $hop"]=$(rate "$COLD" "$secs")
        log "$phase cold $hop: ${secs}s, ${COLDRATE["$phase $hop"]} msg/s"
    done
    if ((WARMUP > 0)); then
        for hop in "${HOPS[@]}"; do
            read -r s d <<<"$hop"
            run_load "$s" "$d" "$WARMUP" >/dev/null || log "warm-up $hop failed"
        done
    fi
    for ((round = 1; round <= ROUNDS; round++)); do
        order=("${HOPS[@]}")
        ((round % 2 == 0)) && order=("${HOPS[4]}" "${HOPS[3]}" "${HOPS[2]}" "${HOPS[1]}" "${HOPS[0]}")
        for hop in "${order[@]}"; do
            read -r s d <<<"$hop"
            secs=$(run_load "$s" "$d" "$MESSAGES")
            r=$(rate "$MESSAGES" "$secs")
            RATES["$phase $hop"]+="$r "
            log "$phase round $round $hop: ${secs}s, $r msg/s"
        done
    done
done

printf '\nend-to-end msg/s (submit to the sender + relay to the edge, until the sender queue is empty)\n'
for phase in $PHASES; do
    printf '\nphase %s (%s)\n' "$phase" "$([[ $phase == new ]] && echo 'a new connection per message' || echo 'connection reuse')"
    printf '%-20s %-6s %-20s %s\n' hop cold warm-rounds warm-median
    declare -A MED=()
    for hop in "${HOPS[@]}"; do
        MED[$hop]=$(echo "${RATES["$phase $hop"]}" | median)
        printf '%-20s %-6s %-20s %s\n' "$hop" "${COLDRATE["$phase $hop"]}" "${RATES["$phase $hop"]}" "${MED[$hop]}"
    done
    awk -v o="${MED[baton org.test]}" -v p="${MED[baton plain.test]}" -v t="${MED[baton tls.test]}" \
        -v fp="${MED[postfix plain.test]}" -v ft="${MED[postfix tls.test]}" 'BEGIN {
        printf "baton org/plain %.2f   baton org/tls %.2f   baton tls/plain %.2f\n", o / p, o / t, t / p
        printf "baton/postfix plain %.2f   baton/postfix tls %.2f\n", p / fp, t / ft }'
    unset MED
done
