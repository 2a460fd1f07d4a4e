#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop test: Baton's Kerberos (dev.baton.auth.kerberos) against MIT Kerberos from Debian. Starts
# a private MIT KDC (realm INTEROP.TEST: its own krb5.conf, kdc.conf and database in a temp dir,
# krb5kdc in the foreground on a free loopback port, stopped by its PID; /etc/krb5.conf and the
# system KDC service are never used), makes the two servers' principals smtp/mx1.interop.test and
# smtp/mx2.interop.test with kadmin.local and exports their keytabs, and a user alice. Then:
#   - the krb5.conf Baton writes (Krb5Conf) is the one every MIT tool here runs with;
#   - mx1 authenticates to mx2 and back (InitiatorLogin + GssapiClientMechanism against
#     ServiceKeytab + GssapiServerMechanism, keys and tickets from MIT);
#   - the failure causes through MIT: unknown service principal, ticket for another server,
#     a sender's principal deleted from the KDC,
#     stale keytab on the receiver and on the sender (re-keyed with cpw -randkey) and the fix
#     (export again), KDC unreachable; each with its SSPI code (docs/kerberos.md);
#   - a sender whose TGT lives 10 seconds logs in again on its own and goes on authenticating;
#   - a non-Java initiator, MIT's GSS-API through python3-gssapi with alice's ticket from kinit,
#     does SASL GSSAPI (RFC 4752, the security layer step included) with mx2's GssapiServerMechanism
#     (with and without mutual authentication; 10 minutes ahead under faketime: SEC_E_TIME_SKEW),
#     and the other way, mx2's GssapiClientMechanism with an MIT acceptor holding mx1's keytab.
#   - two real Baton servers, `baton serve` as mx1 and mx2 (kerberos.mode external with this
#     krb5.conf and MIT's keytabs, TLS offered, integrated authentication, one org.yml with realm
#     INTEROP.TEST, alice homed on mx1 and bob on mx2, routes organization then local): mail
#     submitted to one lands in the other's Maildir, received with ESMTPSA (TLS + X-EXPS GSSAPI);
#     alice, with kinit and Python's smtplib + python3-gssapi (gssapi_smtp.py), does AUTH GSSAPI
#     inside STARTTLS at mx2 and sends a message; mx1 re-keyed in MIT while it runs goes on sending
#     on its TGT, and once restarted with the stale keytab its hops fail on its side (7006, 1706
#     AcquireCredentialsHandle) and mx2's fresh tickets are refused by it (1706
#     AcceptSecurityContext), the mail waits in both queues (baton queue list) and is delivered
#     once the new keys are exported (baton queue retry).
# The Java side of the library checks is MitInterop (test class path).
# Needs root for apt-get.
#
# Prints PASS/FAIL per check and ends with "N passed, M failed"; exits non-zero if any failed.
# Env: KEEP_WORK=1 keep the temp dir even when everything passed
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
cd "$BATON_ROOT"
STARTED=$SECONDS

PASSED=0
FAILED=0
KDC_PID=""
ACCEPTOR_PGID=""
MIT_ACCEPTOR=""
REALM=INTEROP.TEST
DOMAIN=interop.test
MX1=mx1.$DOMAIN
MX2=mx2.$DOMAIN
PY=/usr/bin/python3 # Debian's, where python3-gssapi is installed

WORK=$(mktemp -d /tmp/baton-krb5.XXXXXX)

cleanup() {
    local rc=$?
    stop_group "$ACCEPTOR_PGID"
    stop_group "$KDC_PID"
    stop_group "$MIT_ACCEPTOR"
    stop_group "${MX1_PGID:-}"
    stop_group "${MX2_PGID:-}"
    finish_work "$rc" 40 "$WORK/checks.log" "$WORK/kdc.log" "$WORK/krb5kdc.out" "$WORK/acceptor.log" "$WORK/mit-acceptor.log" \
        "$WORK"/mx[12]/serve*.log "$WORK/submit.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ensure_packages "krb5kdc kdb5_util kadmin.local kinit klist" krb5-kdc krb5-admin-server krb5-user
ensure_packages faketime faketime
if ! "$PY" -c 'import gssapi' 2>/dev/null; then
    ensure_packages "python3-gssapi-is-missing" python3-gssapi # no command to look for: the import failed
fi

# ---- Baton: the test classes (MitInterop) and their class path
log "building Baton"
./mvnw -q -B -ntp -DskipTests package
CP=$(./mvnw -q -B -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[[ -x $JAVA ]] || JAVA=java
interop() { # interop COMMAND ARGS...
    "$JAVA" -cp "target/classes:target/test-classes:$CP" dev.baton.auth.kerberos.MitInterop "$@"
}

# ---- a private MIT realm: Baton's krb5.conf, our kdc.conf, a fresh database
KDC_PORT=$(free_port)
DEAD_PORT=$(free_port) # nothing listens there
export KRB5_CONFIG=$WORK/krb5.conf KRB5_KDC_PROFILE=$WORK/kdc.conf KRB5CCNAME=FILE:$WORK/alice.ccache
interop krb5conf "$KRB5_CONFIG" "$REALM" "127.0.0.1:$KDC_PORT" "$DOMAIN"
interop krb5conf "$WORK/dead-krb5.conf" "$REALM" "127.0.0.1:$DEAD_PORT" "$DOMAIN"
mkdir -m 700 "$WORK/kdc"
cat >"$KRB5_KDC_PROFILE" <<EOF
[kdcdefaults]
    kdc_listen = 127.0.0.1:$KDC_PORT
    kdc_tcp_listen = 127.0.0.1:$KDC_PORT
[realms]
    $REALM = {
        database_name = $WORK/kdc/principal
        key_stash_file = $WORK/kdc/stash
        acl_file = $WORK/kdc/kadm5.acl
        max_life = 10h
        max_renewable_life = 1d
        master_key_type = aes256-cts-hmac-sha1-96
        supported_enctypes = aes256-cts-hmac-sha384-192:normal aes256-cts-hmac-sha1-96:normal
        default_principal_flags = +preauth
    }
[logging]
    kdc = FILE:$WORK/kdc.log
    admin_server = FILE:$WORK/kadmin.log
    default = FILE:$WORK/krb5lib.log
EOF
: >"$WORK/kdc/kadm5.acl"
(
    umask 077
    printf 'master-%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$WORK/master.password"
    printf 'alice-%s\n' "$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" >"$WORK/alice.password"
)
if ! kdb5_util -r "$REALM" create -s -P "$(cat "$WORK/master.password")" >"$WORK/kdb5_util.log" 2>&1; then
    show_log_tail "$WORK/kdb5_util.log"
    exit 1
fi
# -n: no fork, so the process we started (its own session, see start_group) is krb5kdc itself
KDC_PID=$(start_group "$WORK/krb5kdc.out" /usr/sbin/krb5kdc -n -r "$REALM" -P "$WORK/krb5kdc.pid")
wait_port "$KDC_PORT" 30
log "MIT krb5kdc on 127.0.0.1:$KDC_PORT (pid $KDC_PID)"

# kadmin.local -q exits 0 when the query failed ("add_principal: Principal or policy already
# exists ...", "kadmin.local: Principal x does not exist.", a usage text): only its output says so.
# So every line must be one kadmin.local prints on success; anything else is a failure, and the
# script stops (set -e) with the query and its output shown.
KADMIN_OK='^(Authenticating as principal .* with password\.'
KADMIN_OK+='|(WARNING: n|N)o policy specified for .*; defaulting to no policy'
KADMIN_OK+='|Principal ".*" (created|deleted)\.'
KADMIN_OK+='|Make sure that you have removed this principal from all ACLs before reusing\.'
KADMIN_OK+='|Entry for principal .* added to keytab .*'
KADMIN_OK+='|Key for ".*" randomized\.)$'
kadmin() { # kadmin QUERY: kadmin.local on the private database, quietly; fails when the query did
    local out=$WORK/kadmin.last
    if kadmin.local -r "$REALM" -q "$1" >"$out" 2>&1 && ! grep -Evq "$KADMIN_OK" "$out"; then
        cat "$out" >>"$WORK/kadmin.out"
        return 0
    fi
    cat "$out" >>"$WORK/kadmin.out"
    log "kadmin.local -q \"$(sed -E 's/-pw [^ ]+/-pw ***/' <<<"$1")\" failed:"
    grep -Ev "$KADMIN_OK" "$out" >&2 || cat "$out" >&2
    return 1
}
kadmin "addprinc -randkey smtp/$MX1"
kadmin "addprinc -randkey smtp/$MX2"
kadmin "addprinc -pw $(cat "$WORK/alice.password") alice"
kadmin "ktadd -k $WORK/mx1.keytab smtp/$MX1"
kadmin "ktadd -k $WORK/mx2.keytab smtp/$MX2"
chmod 600 "$WORK"/*.keytab

exchange() { # exchange KRB5CONF INIT_KEYTAB INIT_FQDN ACCEPT_KEYTAB ACCEPT_FQDN TARGET_FQDN: MitInterop's line
    interop exchange "$1" "$REALM" "$2" "$3" "$4" "$5" "$6" 2>&1 | tail -n 1
}
expect() { # expect NAME LINE PATTERN...: pass when LINE contains every PATTERN
    local name=$1 line=$2 p
    shift 2
    printf '%s\n    %s\n' "$name" "$line" >>"$WORK/checks.log"
    for p in "$@"; do
        if [[ "$line" != *"$p"* ]]; then
            fail "$name: '$p' not in: $line"
            return
        fi
    done
    pass "$name: $(cut -c1-240 <<<"$line")"
}

kvnos() { # kvnos KEYTAB: the key versions it holds, "2 3"
    klist -k "$1" | awk '$1 ~ /^[0-9]+$/ { print $1 }' | sort -un | paste -sd ' '
}

if [[ $(klist -kt "$WORK/mx2.keytab" 2>&1) == *"smtp/$MX2@$REALM"* ]]; then
    pass "MIT's tools run with Baton's krb5.conf: kadmin.local exported smtp/$MX2@$REALM (klist -k)"
else
    fail "klist -k of mx2.keytab: $(klist -kt "$WORK/mx2.keytab" 2>&1)"
fi

# ---- two Baton servers, keys and tickets from MIT
line=$(exchange "$KRB5_CONFIG" "$WORK/mx1.keytab" "$MX1" "$WORK/mx2.keytab" "$MX2" "$MX2")
expect "mx1 authenticates to mx2" "$line" "success client=smtp/$MX1@$REALM server=smtp/$MX2" "complete=true"
line=$(exchange "$KRB5_CONFIG" "$WORK/mx2.keytab" "$MX2" "$WORK/mx1.keytab" "$MX1" "$MX1")
expect "mx2 authenticates to mx1" "$line" "success client=smtp/$MX2@$REALM server=smtp/$MX1" "complete=true"

# ---- failure causes, as MIT produces them
line=$(exchange "$KRB5_CONFIG" "$WORK/mx1.keytab" "$MX1" "$WORK/mx2.keytab" "$MX2" "nosuch.$DOMAIN")
expect "unknown service principal" "$line" "side=initiator" "code=0x80090303 name=SEC_E_TARGET_UNKNOWN" "(7)"
line=$(exchange "$KRB5_CONFIG" "$WORK/mx1.keytab" "$MX1" "$WORK/mx2.keytab" "$MX2" "$MX1")
expect "a ticket for mx1 presented to mx2" "$line" "side=acceptor" "code=0x80090322 name=SEC_E_WRONG_PRINCIPAL"

cp "$WORK/mx2.keytab" "$WORK/mx2-old.keytab"
kadmin "cpw -randkey smtp/$MX2"
line=$(exchange "$KRB5_CONFIG" "$WORK/mx1.keytab" "$MX1" "$WORK/mx2-old.keytab" "$MX2" "$MX2")
expect "stale keytab on the receiver (mx2 re-keyed)" "$line" "side=acceptor" "code=0x8009030c name=SEC_E_LOGON_DENIED" \
    "key version"
# the usual fix: ktadd appends the new keys, the keytab then holds the old and the new version
kadmin "ktadd -norandkey -k $WORK/mx2.keytab smtp/$MX2"
line=$(exchange "$KRB5_CONFIG" "$WORK/mx1.keytab" "$MX1" "$WORK/mx2.keytab" "$MX2" "$MX2")
expect "the receiver's keys exported again (keytab with versions $(kvnos "$WORK/mx2.keytab"))" "$line" \
    "success client=smtp/$MX1@$REALM"

cp "$WORK/mx1.keytab" "$WORK/mx1-old.keytab"
kadmin "cpw -randkey smtp/$MX1"
line=$(exchange "$KRB5_CONFIG" "$WORK/mx1-old.keytab" "$MX1" "$WORK/mx2.keytab" "$MX2" "$MX2")
expect "stale keytab on the sender (mx1 re-keyed)" "$line" "side=initiator" "code=0x8009030c name=SEC_E_LOGON_DENIED" \
    "operation=AcquireCredentialsHandle"
kadmin "ktadd -norandkey -k $WORK/mx1.keytab smtp/$MX1"
line=$(exchange "$KRB5_CONFIG" "$WORK/mx1.keytab" "$MX1" "$WORK/mx2.keytab" "$MX2" "$MX2")
expect "the sender's keys exported again (keytab with versions $(kvnos "$WORK/mx1.keytab"))" "$line" \
    "success client=smtp/$MX1@$REALM"

kadmin "addprinc -randkey smtp/mx3.$DOMAIN"
kadmin "ktadd -k $WORK/mx3.keytab smtp/mx3.$DOMAIN"
kadmin "delprinc -force smtp/mx3.$DOMAIN"
line=$(exchange "$KRB5_CONFIG" "$WORK/mx3.keytab" "mx3.$DOMAIN" "$WORK/mx2.keytab" "$MX2" "$MX2")
expect "a sender whose principal was deleted from the KDC" "$line" "side=initiator" \
    "code=0x80090303 name=SEC_E_TARGET_UNKNOWN" "operation=AcquireCredentialsHandle" "(6)"

# a TGT of 10 seconds: InitiatorLogin logs in again from the keytab at 4/5 of it, and goes on
kadmin "addprinc -randkey -maxlife 10s smtp/mx4.$DOMAIN"
kadmin "ktadd -k $WORK/mx4.keytab smtp/mx4.$DOMAIN"
line=$(interop renewal "$KRB5_CONFIG" "$REALM" "$WORK/mx4.keytab" "mx4.$DOMAIN" "$WORK/mx2.keytab" "$MX2" 20 2>&1 |
    tail -n 1)
expect "the sender's 10-second TGT renewed from its keytab, then used" "$line" "renewed logins=2 lifetime=" \
    "then success client=smtp/mx4.$DOMAIN@$REALM"

line=$(exchange "$WORK/dead-krb5.conf" "$WORK/mx1.keytab" "$MX1" "$WORK/mx2.keytab" "$MX2" "$MX2")
expect "KDC unreachable" "$line" "side=initiator" "code=0x80090311 name=SEC_E_NO_AUTHENTICATING_AUTHORITY" "kind=TEMPORARY"

# ---- a non-Java initiator: MIT's GSS-API (python3-gssapi) with alice's ticket from kinit
if kinit alice <"$WORK/alice.password" >"$WORK/kinit.out" 2>&1; then
    pass "kinit alice with Baton's krb5.conf: $(klist 2>&1 | grep -m1 'Default principal')"
else
    fail "kinit alice: $(cat "$WORK/kinit.out")"
fi
ACCEPTOR_PGID=$(start_group "$WORK/acceptor.log" "$JAVA" -cp "target/classes:target/test-classes:$CP" \
    dev.baton.auth.kerberos.MitInterop acceptor "$KRB5_CONFIG" "$REALM" "$WORK/mx2.keytab" "$MX2" 5)
APORT=""
for ((i = 0; i < 300; i++)); do
    APORT=$(sed -n 's/^listening \([0-9]*\)$/\1/p' "$WORK/acceptor.log")
    [[ -n $APORT ]] && break
    kill -0 "$ACCEPTOR_PGID" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $APORT ]]; then
    fail "the Java acceptor did not listen: $(cat "$WORK/acceptor.log")"
else
    line=$("$PY" "$HERE/gssapi_client.py" "$APORT" "smtp@$MX2" 2>&1 | tail -n 1) || true
    expect "python3-gssapi (MIT) as alice to mx2's GssapiServerMechanism" "$line" "235 alice@$REALM"
    line=$(GSSAPI_MUTUAL=0 "$PY" "$HERE/gssapi_client.py" "$APORT" "smtp@$MX2" 2>&1 | tail -n 1) || true
    expect "the same without mutual authentication" "$line" "235 alice@$REALM"
    # the ticket for smtp/mx2 is in alice's cache now: a client 10 minutes ahead needs no KDC
    line=$(faketime -f '+10m' "$PY" "$HERE/gssapi_client.py" "$APORT" "smtp@$MX2" 2>&1 | tail -n 1) || true
    expect "python3-gssapi 10 minutes ahead of mx2" "$line" "535 0x80090324 SEC_E_TIME_SKEW"
    line=$("$PY" "$HERE/gssapi_client.py" "$APORT" "smtp@$MX2" "smtp/$MX1@$REALM" 2>&1 | tail -n 1) || true
    expect "alice asking to act as smtp/$MX1 is refused" "$line" "535 INVALID_CREDENTIALS" "asked to act as smtp/$MX1@$REALM"
    line=$("$PY" "$HERE/gssapi_client.py" "$APORT" "smtp@$MX1" 2>&1 | tail -n 1) || true
    expect "python3-gssapi with a ticket for mx1 at mx2" "$line" "535 0x80090322 SEC_E_WRONG_PRINCIPAL"
fi
stop_group "$ACCEPTOR_PGID" # it ends by itself after its 5 connections
ACCEPTOR_PGID=""

# ---- the other way: Baton's GssapiClientMechanism to a non-Java acceptor (MIT, mx1's keytab)
rm -f "$WORK/mit-acceptor.port"
MIT_ACCEPTOR=$(KRB5_KTNAME=FILE:$WORK/mx1.keytab start_group "$WORK/mit-acceptor.log" "$PY" "$HERE/gssapi_server.py" \
    "$WORK/mit-acceptor.port")
for ((i = 0; i < 100; i++)); do
    [[ -s "$WORK/mit-acceptor.port" ]] && break
    sleep 0.1
done
if [[ -s "$WORK/mit-acceptor.port" ]]; then
    line=$(interop initiate "$KRB5_CONFIG" "$REALM" "$WORK/mx2.keytab" "$MX2" "$MX1" "$(cat "$WORK/mit-acceptor.port")" \
        2>&1 | tail -n 1)
    expect "mx2's GssapiClientMechanism to a python3-gssapi (MIT) acceptor of mx1" "$line" \
        "success server=smtp/$MX1" "reply=235 smtp/$MX2@$REALM"
else
    fail "the MIT acceptor did not start: $(cat "$WORK/mit-acceptor.log")"
fi
stop_group "$MIT_ACCEPTOR"
MIT_ACCEPTOR=""

# ---- two real Baton servers (baton serve) on MIT's realm and keytabs: mail both ways over TLS with
# X-EXPS GSSAPI, a user's AUTH GSSAPI from smtplib + python3-gssapi, a stale keytab and its fix
MX1_PORT=$(free_port)
MX2_PORT=$(free_port)
MX1_PGID=""
MX2_PGID=""
ALICE_CCACHE=FILE:$WORK/alice-smtp.ccache
org_server_config() { # org_server_config NAME PORT KEYTAB: $WORK/NAME with baton.yml and the shared org.yml
    local dir=$WORK/$1
    mkdir -p "$dir"
    cat >"$dir/baton.yml" <<EOF
server: { name: $1, fqdn: $1.$DOMAIN }
virtualServers:
  - { name: default, address: 127.0.0.1, port: $2, tls: { mode: offered }, authentication: { integrated: true } }
routes:
  - { domain: $DOMAIN, transport: organization }
  - { domain: $DOMAIN, transport: local }
queue: { retryDelay: 2s, maxRetryDelay: 4s }
kerberos: { mode: external, krb5Conf: "$KRB5_CONFIG", keytab: "$3" }
EOF
    cat >"$dir/org.yml" <<EOF
organization: { name: Interop, acceptedDomains: [$DOMAIN] }
realm: $REALM
servers:
  - { name: mx1, fqdn: $MX1, smtp: "[127.0.0.1]:$MX1_PORT" }
  - { name: mx2, fqdn: $MX2, smtp: "[127.0.0.1]:$MX2_PORT" }
users:
  - { name: alice, home: mx1, addresses: [alice@$DOMAIN] }
  - { name: bob, home: mx2, addresses: [bob@$DOMAIN] }
rights:
  - { allow: accept-authoritative-domain, to: "group:everyone", on: organization }
  - { allow: relay, to: "group:organization-servers", on: organization }
  - { allow: submit, to: "group:authenticated-users", on: organization }
EOF
    # authentication failures (7006, 1704, 1706) are written from diagnostic level Minimum; every
    # category starts at None (docs/events.md). No server runs yet: this writes events/levels.json.
    "$BATON_CMD" events level authentication minimum --data-dir "$dir" >>"$WORK/levels.log" 2>&1
}
org_server() { # org_server NAME PORT LOG: baton serve on $WORK/NAME; its process group in MX1_PGID/MX2_PGID
    local rc=0
    start_baton "$WORK/$1/baton.yml" "$WORK/$1" "$2" "$WORK/$1/$3" 90 || rc=$?
    if [[ $1 == mx1 ]]; then MX1_PGID=$BATON_PGID; else MX2_PGID=$BATON_PGID; fi
    ((rc == 0)) || show_log_tail "$WORK/$1/$3"
    return "$rc"
}
submit() { # submit PORT FROM TO SUBJECT: anonymous, with baton send
    "$BATON_CMD" send --server "127.0.0.1:$1" --helo client.$DOMAIN --from "$2" --to "$3" --subject "$4" \
        >>"$WORK/submit.log" 2>&1 || echo "(baton send to $1 failed, see submit.log)"
}
wait_subject() { # wait_subject MAILDIR SUBJECT [TIMEOUT_S]: prints the file in MAILDIR/new with that Subject
    local subject=$2 timeout=${3:-60} i f
    for ((i = 0; i < timeout * 10; i++)); do
        f=$(grep -lF "Subject: $subject" "$1"/new/* 2>/dev/null | head -n 1) || true
        if [[ -n $f ]]; then
            echo "$f"
            return 0
        fi
        sleep 0.1
    done
    return 1
}
first_received() { # first_received FILE: the topmost Received header, unfolded on one line
    awk '/^Received:/ && !on { r = $0; on = 1; next } on && /^[ \t]/ { r = r " " $0; next } on { exit } END { print r }' \
        "$1" | tr -s ' \t\r' ' '
}
expect_delivered() { # expect_delivered NAME MAILDIR SUBJECT PATTERN...: the message arrived, its Received has each PATTERN
    local name=$1 maildir=$2 subject=$3 f
    shift 3
    if f=$(wait_subject "$maildir" "$subject" 60); then
        expect "$name" "$(first_received "$f")" "$@"
    else
        fail "$name: no message '$subject' in $maildir/new within 60 s"
    fi
}
events_of() { # events_of NAME ID PATTERN [TIMEOUT_S]: the first event ID of $WORK/NAME (baton events) with PATTERN
    local timeout=${4:-30} i line=""
    for ((i = 0; i < timeout; i++)); do
        line=$("$BATON_CMD" events --data-dir "$WORK/$1" --id "$2" 2>&1 | grep -m1 -F -- "$3") && break
        sleep 1
    done
    [[ -n $line ]] || line="(no event $2 with \"$3\" in the event log of $1 within $timeout s)"
    echo "$line"
}
queued_line() { # queued_line NAME RCPT: the recipient's line of baton queue list on $WORK/NAME
    "$BATON_CMD" queue list --data-dir "$WORK/$1" 2>&1 | grep -m1 -F "<$2>" | tr -s ' ' || echo "(no <$2> in the queue of $1)"
}

org_server_config mx1 "$MX1_PORT" "$WORK/mx1.keytab"
org_server_config mx2 "$MX2_PORT" "$WORK/mx2.keytab"
if org_server mx1 "$MX1_PORT" serve.log && org_server mx2 "$MX2_PORT" serve.log; then
    line=$(grep -ho 'kerberos: logged in as [^ ]*' "$WORK/mx1/serve.log" "$WORK/mx2/serve.log" | paste -sd ',') || true
    expect "two baton serve processes log in from MIT's keytabs" "$line" "logged in as smtp/$MX1@$REALM" \
        "logged in as smtp/$MX2@$REALM"

    # 1. the organization transport: TLS + X-EXPS GSSAPI to the recipient's home server, both ways
    submit "$MX1_PORT" "alice@$DOMAIN" "bob@$DOMAIN" "mx1 to bob at mx2"
    submit "$MX2_PORT" "bob@$DOMAIN" "alice@$DOMAIN" "mx2 to alice at mx1"
    expect_delivered "baton serve mx1 -> mx2 (TLS, X-EXPS GSSAPI with MIT's tickets) into bob's Maildir" \
        "$WORK/mx2/mailboxes/$DOMAIN/bob" "mx1 to bob at mx2" "from $MX1 " "by $MX2 (Baton) with ESMTPSA" "(using TLS"
    expect_delivered "baton serve mx2 -> mx1 into alice's Maildir" \
        "$WORK/mx1/mailboxes/$DOMAIN/alice" "mx2 to alice at mx1" "from $MX2 " "by $MX1 (Baton) with ESMTPSA" "(using TLS"

    # 2. a user: kinit, then smtplib + python3-gssapi (MIT) doing AUTH GSSAPI inside STARTTLS at mx2
    if KRB5CCNAME=$ALICE_CCACHE kinit alice <"$WORK/alice.password" >>"$WORK/kinit.out" 2>&1; then
        line=$(KRB5CCNAME=$ALICE_CCACHE "$PY" "$HERE/gssapi_smtp.py" "$MX2_PORT" "smtp@$MX2" "alice@$DOMAIN" \
            "bob@$DOMAIN" "alice by AUTH GSSAPI" 2>&1 | tail -n 1) || true
        expect "kinit alice + smtplib/python3-gssapi AUTH GSSAPI (STARTTLS) at baton serve mx2, then a message" "$line" \
            "AUTH 235" "MAIL 250" "RCPT 250" "DATA 250"
        expect_delivered "the message alice submitted with AUTH GSSAPI, in bob's Maildir" \
            "$WORK/mx2/mailboxes/$DOMAIN/bob" "alice by AUTH GSSAPI" "from client.$DOMAIN " "by $MX2 (Baton) with ESMTPSA"
    else
        fail "kinit alice into $ALICE_CCACHE: $(cat "$WORK/kinit.out")"
    fi

    # 3. mx1 re-keyed in MIT while it runs: its keytab is stale. A running sender goes on with the
    # TGT it holds; once it logs in again (here: a restart) its hops fail on its side, and a peer
    # with a fresh ticket for mx1 is refused by mx1; exporting the new keys fixes both.
    kadmin "cpw -randkey smtp/$MX1"
    submit "$MX1_PORT" "alice@$DOMAIN" "bob@$DOMAIN" "re-keyed mx1, still running"
    expect_delivered "mx1 re-keyed while running (keytab versions $(kvnos "$WORK/mx1.keytab")) still sends on its TGT" \
        "$WORK/mx2/mailboxes/$DOMAIN/bob" "re-keyed mx1, still running" "by $MX2 (Baton) with ESMTPSA"
    stop_group "$MX1_PGID"
    stop_group "$MX2_PGID"
    MX1_PGID=""
    MX2_PGID=""
    if org_server mx1 "$MX1_PORT" serve-2.log && org_server mx2 "$MX2_PORT" serve-2.log; then
        line=$(grep -m1 -e 'kerberos: cannot log in as' -e 'kerberos: logged in as' "$WORK/mx1/serve-2.log") ||
            line="(no kerberos login line in serve-2.log)"
        expect "mx1 restarted with its stale keytab cannot log in" "$line" "smtp/$MX1@$REALM" "stale keytab"
        submit "$MX1_PORT" "alice@$DOMAIN" "bob@$DOMAIN" "stale sender mx1"
        submit "$MX2_PORT" "bob@$DOMAIN" "alice@$DOMAIN" "stale receiver mx1"
        line=$(events_of mx1 7006 "$MX2")
        expect "stale sender: mx1's hop to mx2 fails on mx1 (event 7006)" "$line" " 7006 " "failed on this server"
        line=$(events_of mx1 1706 AcquireCredentialsHandle)
        expect "stale sender: mx1's event 1706" "$line" "Kerberos called AcquireCredentialsHandle" "SEC_E_LOGON_DENIED"
        expect "stale sender: the message stays in mx1's queue (baton queue list)" "$(queued_line mx1 "bob@$DOMAIN")" \
            "<bob@$DOMAIN> pending"
        line=$(events_of mx2 7006 "$MX1")
        expect "stale receiver: mx2's hop to mx1 refused by mx1 (mx2's event 7006)" "$line" " 7006 " "535"
        line=$(events_of mx1 1706 AcceptSecurityContext)
        expect "stale receiver: mx1's event 1706" "$line" "Kerberos called AcceptSecurityContext" "SEC_E_LOGON_DENIED"
        expect "stale receiver: the message stays in mx2's queue" "$(queued_line mx2 "alice@$DOMAIN")" \
            "<alice@$DOMAIN> pending"

        kadmin "ktadd -norandkey -k $WORK/mx1.keytab smtp/$MX1"
        "$BATON_CMD" queue retry --all --data-dir "$WORK/mx1" >>"$WORK/retry.log" 2>&1 || true
        "$BATON_CMD" queue retry --all --data-dir "$WORK/mx2" >>"$WORK/retry.log" 2>&1 || true
        expect_delivered "mx1's new keys exported (versions $(kvnos "$WORK/mx1.keytab")), baton queue retry: mx1 -> bob" \
            "$WORK/mx2/mailboxes/$DOMAIN/bob" "stale sender mx1" "from $MX1 " "by $MX2 (Baton) with ESMTPSA"
        expect_delivered "and mx2 -> alice at mx1" \
            "$WORK/mx1/mailboxes/$DOMAIN/alice" "stale receiver mx1" "from $MX2 " "by $MX1 (Baton) with ESMTPSA"
    else
        fail "the Baton servers did not start again (see $WORK/mx1/serve-2.log, $WORK/mx2/serve-2.log)"
    fi
else
    fail "two baton serve processes with MIT's keytabs did not start (see $WORK/mx1/serve.log, $WORK/mx2/serve.log)"
fi
stop_group "$MX1_PGID"
stop_group "$MX2_PGID"
MX1_PGID=""
MX2_PGID=""

log "interop/krb5.sh took $((SECONDS - STARTED)) s"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
