#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Big-message test (by hand): Baton with a 64 MB heap must accept and
# deliver a 100 MB message, i.e. it must stream DATA to disk instead of
# buffering it. Checks the 250 reply, that the message landed in the
# Maildir with about the right size, and that the body is intact.
#
# Env: SIZE_MB (100) XMX (64m) BATON_CMD (default <repo>/baton)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../interop/lib.sh
source "$HERE/../interop/lib.sh"

SIZE_MB=${SIZE_MB:-100}
XMX=${XMX:-64m}
DOMAIN=bench.test

WORK=$(mktemp -d /tmp/baton-bench-big.XXXXXX)
BATON_PGID=""
BATON_LOG=""
cleanup() {
    stop_group "$BATON_PGID"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    show_log_tail "$BATON_LOG" 50
    echo "FAIL: $*"
    exit 1
}

# Message: headers, then base64 lines of 76 characters + CRLF, like a big
# attachment. 57 random bytes make one 78-byte line.
MSG=$WORK/message.eml
B64_LINES=$((SIZE_MB * 1024 * 1024 / 78))
{
    printf 'From: <big@%s>\r\nTo: <big@%s>\r\nSubject: %s MB test\r\n' "$DOMAIN" "$DOMAIN" "$SIZE_MB"
    printf 'MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n'
    printf 'Content-Transfer-Encoding: base64\r\n\r\n'
    head -c $((B64_LINES * 57)) /dev/urandom | base64 -w 76 | sed 's/$/\r/'
} >"$MSG"
MSG_BYTES=$(stat -c %s "$MSG")
log "generated $MSG_BYTES bytes"

mkdir -p "$WORK/data"
write_baton_config "$WORK/baton.yaml" "$DOMAIN" local offered
PORT=$(free_port)
JAVA_OPTS="-Xmx$XMX ${JAVA_OPTS:-}" \
    start_baton "$WORK/baton.yaml" "$WORK/data" "$PORT" "$WORK/baton.log" 120 ||
    fail "Baton did not start"

t0=$(date +%s.%N)
timeout 900 python3 "$HERE/big_send.py" "$PORT" "big@$DOMAIN" "big@$DOMAIN" "$MSG" ||
    fail "sending the ${SIZE_MB} MB message failed (no 250)"
t1=$(date +%s.%N)

BOX=$WORK/data/mailboxes/$DOMAIN/big
wait_maildir "$BOX" 1 120 || fail "message not in $BOX/new within 120 s after the 250"
t2=$(date +%s.%N)
STORED=$(find "$BOX/new" -type f | head -n 1)
STORED_BYTES=$(stat -c %s "$STORED")

pid=$(java_pid_in_group "$BATON_PGID")
[[ -n "$pid" ]] && grep -E 'VmHWM|VmRSS' "/proc/$pid/status" | tr -s ' \t' ' ' | paste -sd ' ' -

awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN {
    printf "time: SMTP session %.2fs, 250 to Maildir %.2fs\n", b - a, c - b }'
echo "sent $MSG_BYTES bytes, stored $STORED_BYTES bytes"

# Stored size may differ by trace headers or by CRLF -> LF conversion
# (76/78 of the size); anything outside 95%..105% means truncation or
# duplication.
if ((STORED_BYTES < MSG_BYTES * 95 / 100 || STORED_BYTES > MSG_BYTES * 105 / 100)); then
    fail "stored size $STORED_BYTES is not within 5% of $MSG_BYTES"
fi

# Same body, ignoring line-ending style: headers differ (Baton adds its
# own), the base64 payload must not.
body_hash() { sed -e '1,/^\r\{0,1\}$/d' -e 's/\r$//' "$1" | sha256sum | cut -d' ' -f1; }
[[ "$(body_hash "$MSG")" == "$(body_hash "$STORED")" ]] || fail "stored body differs from the sent body"

echo "PASS: ${SIZE_MB} MB message accepted and delivered intact with -Xmx$XMX"
