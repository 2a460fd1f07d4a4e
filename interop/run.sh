#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop test: real third-party SMTP clients (Python smtplib, swaks,
# Postfix's smtp-source) against a running Baton with local (Maildir)
# delivery, plus Baton delivering to Postfix's smtp-sink (smtp route) and
# a private Postfix instance relaying into Baton (relayhost), and swaks
# authenticating (AUTH PLAIN, LOGIN) to a Baton whose users are set with
# 'baton org'. Run by CI
# after the Maven build; needs root for apt-get.
#
# Prints PASS/FAIL per check and ends with "N passed, M failed";
# exits non-zero if any check failed.
#
# Env: BATON_CMD   launcher to run (default: <repo>/baton)
#      KEEP_WORK=1 keep the temp dir even when everything passed
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

DOMAIN=interop.test
CLIENT_TIMEOUT=180 # seconds, per client invocation
DELIVERY_TIMEOUT=60

PASSED=0
FAILED=0
BATON_PGID=""
BATON_LOG=""
RELAY_PGID="" # second Baton (relaying to smtp-sink)
RELAY_LOG=""
AUTH_PGID=""  # third Baton (AUTH against its directory's users)
AUTH_LOG=""
SINK_PGID=""  # Postfix smtp-sink
PF_CONF=""    # private Postfix instance

WORK=$(mktemp -d /tmp/baton-interop.XXXXXX)
DATA=$WORK/data
MAILBOXES=$DATA/mailboxes/$DOMAIN

cleanup() {
    local rc=$?
    pf_private_stop "$PF_CONF"
    stop_group "$SINK_PGID"
    stop_group "$AUTH_PGID"
    stop_group "$RELAY_PGID"
    stop_group "$BATON_PGID"
    finish_work "$rc" 50 "$BATON_LOG" "$RELAY_LOG" "$AUTH_LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# Run a client with a timeout, output to $WORK/NAME.out; on failure the
# output is shown so the CI log explains itself.
run_client() { # run_client NAME cmd args...
    local name=$1
    shift
    if timeout "$CLIENT_TIMEOUT" "$@" >"$WORK/$name.out" 2>&1; then
        return 0
    else
        local rc=$?
        echo "--- $name exited $rc; last 30 lines of its output:"
        tail -n 30 "$WORK/$name.out"
        return "$rc"
    fi
}

# Check that exactly N messages were delivered to LOCALPART@interop.test.
check_delivered() { # check_delivered LABEL LOCALPART N
    local label=$1 dir=$MAILBOXES/$2 want=$3 got
    wait_maildir "$dir" "$want" "$DELIVERY_TIMEOUT" || true
    got=$(maildir_count "$dir")
    if ((got == want)); then
        pass "$label: $got/$want messages in $2/new"
    else
        fail "$label: $got/$want messages in $2/new after ${DELIVERY_TIMEOUT}s"
    fi
}

# A client run that must succeed, followed by the delivery check.
client_case() { # client_case LABEL LOCALPART N cmd args...
    local label=$1 lp=$2 n=$3
    shift 3
    if run_client "$lp" "$@"; then
        pass "$label: client exited 0"
        check_delivered "$label" "$lp" "$n"
    else
        fail "$label: client failed"
    fi
}

# --- setup -------------------------------------------------------------
ensure_packages "swaks smtp-source" postfix swaks
if [[ -f /etc/postfix/main.cf ]] && postfix status >/dev/null 2>&1; then
    # Not ours to stop; it cannot interfere since we only use free ports.
    log "note: a system Postfix instance is running (ignored)"
fi

mkdir -p "$DATA"
write_baton_config "$WORK/baton.yaml" "$DOMAIN" local offered
PORT=$(free_port)
if ! start_baton "$WORK/baton.yaml" "$DATA" "$PORT" "$WORK/baton.log" 60; then
    fail "Baton start: no 'listening on 127.0.0.1:$PORT' line"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
pass "Baton start: listening on 127.0.0.1:$PORT"

# --- Test 1: Python smtplib -------------------------------------------
echo "== smtplib"
client_case "smtplib STARTTLS+PIPELINING, 3 msgs/session" smtplib_tls 3 \
    python3 "$HERE/smtplib_check.py" "$PORT" "smtplib_tls@$DOMAIN" 3 tls
client_case "smtplib plain, 2 msgs/session" smtplib_plain 2 \
    python3 "$HERE/smtplib_check.py" "$PORT" "smtplib_plain@$DOMAIN" 2 plain
# The body has a line starting with "."; it must be stored unstuffed.
if grep -qx $'\\.leading dot line\r\\?' "$MAILBOXES"/smtplib_tls/new/* 2>/dev/null; then
    pass "smtplib: dot-stuffed line stored unstuffed"
else
    fail "smtplib: line '.leading dot line' not found verbatim in stored message"
fi

# --- Test 2: swaks -----------------------------------------------------
echo "== swaks"
SWAKS=(swaks --server 127.0.0.1 --port "$PORT" --helo client.interop.test
    --from "sender@$DOMAIN" --timeout 60)
client_case "swaks plain" swaks_plain 1 \
    "${SWAKS[@]}" --to "swaks_plain@$DOMAIN"
client_case "swaks --tls (STARTTLS)" swaks_tls 1 \
    "${SWAKS[@]}" --to "swaks_tls@$DOMAIN" --tls
client_case "swaks --pipeline" swaks_pipeline 1 \
    "${SWAKS[@]}" --to "swaks_pipeline@$DOMAIN" --pipeline
# 1 MiB of random data as an attachment: >= 1365 KiB once base64-encoded
# (4/3), whether stored with CRLF or LF line ends.
head -c 1048576 /dev/urandom >"$WORK/attachment.bin"
client_case "swaks 1 MiB attachment over TLS" swaks_big 1 \
    "${SWAKS[@]}" --to "swaks_big@$DOMAIN" --tls \
    --attach-type application/octet-stream --attach "@$WORK/attachment.bin" \
    --suppress-data
big=$(find "$MAILBOXES/swaks_big/new" -type f -size +1360k 2>/dev/null | wc -l)
if ((big == 1)); then
    pass "swaks 1 MiB attachment: stored message holds the whole base64 attachment (> 1360 KiB)"
else
    fail "swaks 1 MiB attachment: stored message missing or truncated"
fi

# --- Test 3: Postfix smtp-source ---------------------------------------
echo "== smtp-source"
SMTP_SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
client_case "smtp-source 200 msgs, 5 sessions, new connection per msg" source 200 \
    "$SMTP_SOURCE" -s 5 -m 200 -l 2048 -f "a@$DOMAIN" -t "source@$DOMAIN" "127.0.0.1:$PORT"
client_case "smtp-source -d 200 msgs, 5 reused sessions" source_d 200 \
    "$SMTP_SOURCE" -d -s 5 -m 200 -l 2048 -f "a@$DOMAIN" -t "source_d@$DOMAIN" "127.0.0.1:$PORT"

# --- Test 4: no open relay ---------------------------------------------
echo "== relay refusal"
# Expected to fail, so not through run_client (which reports failures).
if timeout "$CLIENT_TIMEOUT" "${SWAKS[@]}" --to x@elsewhere.test >"$WORK/relay.out" 2>&1; then
    fail "relay to x@elsewhere.test was accepted (open relay!)"
elif grep -Eq '^ *<\*\* +550[ -]' "$WORK/relay.out"; then
    pass "relay to x@elsewhere.test refused with 550: $(grep -E '^ *<\*\* +550' "$WORK/relay.out" | head -n 1 | sed 's/^ *<\*\* *//')"
else
    fail "relay to x@elsewhere.test failed, but without a 550 reply"
    tail -n 20 "$WORK/relay.out"
fi

# --- Test 5: Baton delivers to Postfix's smtp-sink ----------------------
echo "== outbound to smtp-sink"
# A second Baton that relays sink.test (not accepted) for loopback
# clients to smtp-sink, which dumps every transaction into a file.
SINK_DIR=$WORK/sink
RELAY_DATA=$WORK/relay-data
mkdir -p "$SINK_DIR" "$RELAY_DATA"
SINK_PORT=$(free_port)
SMTP_SINK=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
SINK_PGID=$(start_group "$WORK/smtp-sink.log" "$SMTP_SINK" -u root \
    -d "$SINK_DIR/%M." "127.0.0.1:$SINK_PORT" 100)
cat >"$WORK/relay.yaml" <<EOF
server:
  name: relay
  fqdn: relay.$DOMAIN
acceptedDomains: [$DOMAIN]
virtualServers:
  - name: default
    address: 127.0.0.1
    port: 0
    tls: { mode: offered }
    relayNetworks: [127.0.0.0/8]
routes:
  - domain: sink.test
    transport: smtp
    host: "[127.0.0.1]"
    port: $SINK_PORT
    tls: opportunistic
  - domain: $DOMAIN
    transport: local
delivery: { heloName: mx.interop.test }
queue:
  retryDelay: 1s
EOF
RELAY_PORT=$(free_port)
relay_ok=1
if ! wait_port "$SINK_PORT" 30; then
    fail "smtp-sink: not listening on 127.0.0.1:$SINK_PORT"
    relay_ok=0
else
    # Save the main instance's handles: start_baton overwrites them.
    main_pgid=$BATON_PGID main_log=$BATON_LOG
    if start_baton "$WORK/relay.yaml" "$RELAY_DATA" "$RELAY_PORT" "$WORK/relay.log" 60; then
        RELAY_PGID=$BATON_PGID RELAY_LOG=$BATON_LOG
    else
        RELAY_PGID=$BATON_PGID RELAY_LOG=$BATON_LOG
        fail "relay Baton start: no 'listening on 127.0.0.1:$RELAY_PORT' line"
        relay_ok=0
    fi
    BATON_PGID=$main_pgid BATON_LOG=$main_log
fi
if ((relay_ok)); then
    sent=0
    for i in 1 2 3; do
        if run_client "sink_$i" swaks --server 127.0.0.1 --port "$RELAY_PORT" \
            --helo client.interop.test --from "sender@$DOMAIN" \
            --to someone@sink.test --header "Subject: sink test $i" --timeout 60; then
            sent=$((sent + 1))
        fi
    done
    if ((sent == 3)); then
        pass "relay Baton accepted 3 messages for someone@sink.test"
    else
        fail "relay Baton accepted $sent/3 messages for someone@sink.test"
    fi
    # Wait (bounded) until Baton's queue is empty and the sink holds 3
    # complete transactions naming the recipient.
    got=0 queue_empty=0
    for ((i = 0; i < DELIVERY_TIMEOUT * 2; i++)); do
        if timeout 30 "$BATON_CMD" queue list --config "$WORK/relay.yaml" \
            --data-dir "$RELAY_DATA" >"$WORK/queue-list.out" 2>&1 &&
            grep -q 'Queue is empty\.' "$WORK/queue-list.out"; then
            queue_empty=1
        else
            queue_empty=0
        fi
        got=$( (grep -l -r 'someone@sink\.test' "$SINK_DIR" 2>/dev/null || true) | wc -l)
        ((queue_empty && got >= 3)) && break
        sleep 0.5
    done
    if ((got == 3)); then
        pass "smtp-sink received $got/3 messages for someone@sink.test from Baton"
    else
        fail "smtp-sink received $got/3 messages for someone@sink.test after ${DELIVERY_TIMEOUT}s"
    fi
    if ((queue_empty)); then
        pass "relay Baton queue empty after delivery to smtp-sink"
    else
        fail "relay Baton queue not empty after ${DELIVERY_TIMEOUT}s:"
        tail -n 20 "$WORK/queue-list.out"
    fi
fi
stop_group "$SINK_PGID"
SINK_PGID=""

# --- Test 6: Postfix relays into Baton ----------------------------------
echo "== Postfix relay into Baton"
PF_PORT=$(free_port)
pf_failed_before=$FAILED
if pf_private_start "$WORK/postfix" "$PF_PORT" \
    "relayhost = [127.0.0.1]:$PORT"; then
    if run_client pf_relay swaks --server 127.0.0.1 --port "$PF_PORT" \
        --helo client.interop.test --from "sender@$DOMAIN" \
        --to "pf_relay@$DOMAIN" --timeout 60; then
        pass "Postfix accepted a message for pf_relay@$DOMAIN"
        check_delivered "Postfix relayhost -> Baton" pf_relay 1
    else
        fail "Postfix refused a message for pf_relay@$DOMAIN"
    fi
else
    fail "private Postfix instance did not start on 127.0.0.1:$PF_PORT"
fi
if ((FAILED > pf_failed_before)) && [[ -f "$WORK/postfix/maillog" ]]; then
    show_log_tail "$WORK/postfix/maillog" 30
fi
pf_private_stop "$PF_CONF"
PF_CONF=""

# --- Test 7: swaks AUTH against the directory's users -------------------
echo "== AUTH (swaks)"
# A third Baton with an organization's directory (org.yml) instead of
# baton.yml's acceptedDomains: its rights and its user alice are set with
# 'baton org', her password with 'baton org password' (stored as Argon2id
# and SCRAM-SHA-256, never as text). PLAIN and LOGIN are offered inside
# TLS only.
AUTH_DATA=$WORK/auth-data
AUTH_MAILBOXES=$AUTH_DATA/mailboxes/$DOMAIN
AUTH_PASSWORD="interop $(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
mkdir -p "$AUTH_DATA"
cat >"$AUTH_DATA/baton.yml" <<EOF
server:
  name: auth
  fqdn: auth.$DOMAIN
virtualServers:
  - name: default
    address: 127.0.0.1
    port: 0
    tls: { mode: offered }
    relayNetworks: []
routes: []
mailboxes: { autoCreate: true }
EOF
cat >"$AUTH_DATA/org.yml" <<EOF
organization: { name: "$DOMAIN", acceptedDomains: ["$DOMAIN"] }
servers:
  - { name: "auth", fqdn: "auth.$DOMAIN", virtualServers: ["default"] }
EOF
org() { # org ARGS...: baton org on the AUTH instance's directory; output to $WORK/org.out
    timeout "$CLIENT_TIMEOUT" "$BATON_CMD" org "$@" --data-dir "$AUTH_DATA" >>"$WORK/org.out" 2>&1
}
if org allow accept-authoritative-domain --to group:everyone &&
    org allow submit --to group:authenticated-users &&
    org add user alice --address "alice@$DOMAIN" --home auth &&
    printf '%s\n' "$AUTH_PASSWORD" | org password alice &&
    "$BATON_CMD" org show --data-dir "$AUTH_DATA" >"$WORK/org-show.out" 2>&1 &&
    grep -qx "  user alice (home auth): alice@$DOMAIN; has a password" "$WORK/org-show.out" &&
    ! grep -qF "$AUTH_PASSWORD" "$AUTH_DATA/org.yml"; then
    pass "baton org: rights, user alice and her password set (org.yml holds no cleartext password)"
else
    fail "baton org: could not set up the directory of the AUTH instance"
    tail -n 20 "$WORK/org.out"
fi
AUTH_PORT=$(free_port)
main_pgid=$BATON_PGID main_log=$BATON_LOG
if start_baton "$AUTH_DATA/baton.yml" "$AUTH_DATA" "$AUTH_PORT" "$WORK/auth.log" 60; then
    auth_ok=1
else
    fail "AUTH Baton start: no 'listening on 127.0.0.1:$AUTH_PORT' line"
    auth_ok=0
fi
AUTH_PGID=$BATON_PGID AUTH_LOG=$BATON_LOG
BATON_PGID=$main_pgid BATON_LOG=$main_log
if ((auth_ok)); then
    AUTH_SWAKS=(swaks --server 127.0.0.1 --port "$AUTH_PORT" --helo client.interop.test
        --from "alice@$DOMAIN" --timeout 60 --auth-user alice)
    # A good password inside STARTTLS: 235, then 250 after DATA, and the
    # message in the Maildir says the sender authenticated (ESMTPSA).
    for mech in PLAIN LOGIN; do
        box=auth_${mech,,}
        if run_client "$box" "${AUTH_SWAKS[@]}" --to "$box@$DOMAIN" --tls --auth "$mech" \
            --auth-password "$AUTH_PASSWORD" &&
            grep -Eq '^<~ +235 2\.7\.0' "$WORK/$box.out" &&
            grep -Eq '^<~ +250 2\.0\.0 OK queued as' "$WORK/$box.out"; then
            pass "swaks AUTH $mech inside STARTTLS, good password: 235, then 250 after DATA"
            wait_maildir "$AUTH_MAILBOXES/$box" 1 "$DELIVERY_TIMEOUT" || true
            if (($(maildir_count "$AUTH_MAILBOXES/$box") == 1)) &&
                grep -q 'with ESMTPSA id' "$AUTH_MAILBOXES/$box"/new/*; then
                pass "swaks AUTH $mech: the message is in $box/new, received with ESMTPSA"
            else
                fail "swaks AUTH $mech: no message received with ESMTPSA in $box/new after ${DELIVERY_TIMEOUT}s"
            fi
        else
            fail "swaks AUTH $mech inside STARTTLS with the good password did not end in 250 after DATA"
        fi
    done
    # A bad password: 535 5.7.8, swaks exits non-zero (28: AUTH failed),
    # nothing delivered. Expected to fail, so not through run_client.
    for mech in PLAIN LOGIN; do
        box=auth_bad_${mech,,}
        rc=0
        timeout "$CLIENT_TIMEOUT" "${AUTH_SWAKS[@]}" --to "$box@$DOMAIN" --tls --auth "$mech" \
            --auth-password "not $AUTH_PASSWORD" >"$WORK/$box.out" 2>&1 || rc=$?
        if ((rc != 0)) && grep -Eq '^<~\* +535 5\.7\.8' "$WORK/$box.out" &&
            (($(maildir_count "$AUTH_MAILBOXES/$box") == 0)); then
            pass "swaks AUTH $mech with a bad password: 535 5.7.8, swaks exited $rc, nothing delivered"
        else
            fail "swaks AUTH $mech with a bad password: exit $rc, no 535 5.7.8, or a message delivered"
            tail -n 20 "$WORK/$box.out"
        fi
    done
    # Before STARTTLS the basic mechanisms are not offered: EHLO has no
    # AUTH, so swaks --auth gives up (exit 28) before MAIL; and an AUTH
    # PLAIN sent anyway is refused with 538 5.7.11 (RFC 4954 4).
    rc=0
    timeout "$CLIENT_TIMEOUT" "${AUTH_SWAKS[@]}" --to "auth_notls@$DOMAIN" --auth PLAIN \
        --auth-password "$AUTH_PASSWORD" >"$WORK/auth_notls.out" 2>&1 || rc=$?
    if ((rc == 28)) && grep -q 'Host did not advertise authentication' "$WORK/auth_notls.out" &&
        ! grep -Eq '^<- +250[ -]AUTH' "$WORK/auth_notls.out" && ! grep -q 'MAIL FROM' "$WORK/auth_notls.out"; then
        pass "swaks AUTH PLAIN without STARTTLS: AUTH not offered before TLS, swaks exited 28 before MAIL"
    else
        fail "swaks AUTH PLAIN without STARTTLS: exit $rc (want 28, AUTH not advertised)"
        tail -n 20 "$WORK/auth_notls.out"
    fi
    reply=$(timeout 60 python3 -c '
import base64, smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
s.ehlo("client.interop.test")
code, text = s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0alice\0" + sys.argv[2].encode()).decode())
print(code, text.decode())
s.quit()' "$AUTH_PORT" "$AUTH_PASSWORD" 2>&1) || true
    if [[ $reply == "538 5.7.11 "* ]]; then
        pass "AUTH PLAIN before STARTTLS, sent anyway: $reply"
    else
        fail "AUTH PLAIN before STARTTLS, sent anyway: got '$reply', want 538 5.7.11"
    fi
fi
stop_group "$AUTH_PGID"
AUTH_PGID=""

# Baton must still be up after all of the above.
if kill -0 -- "-$BATON_PGID" 2>/dev/null; then
    pass "Baton still running at the end"
else
    fail "Baton died during the test"
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
