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
# The Java side is MitInterop (test class path). mx1/mx2 are the FQDNs two Baton servers would
# announce, so the realm part of this script can later drive two real servers over X-EXPS.
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
    finish_work "$rc" 40 "$WORK/checks.log" "$WORK/kdc.log" "$WORK/krb5kdc.out" "$WORK/acceptor.log" "$WORK/mit-acceptor.log"
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

log "interop/krb5.sh took $((SECONDS - STARTED)) s"
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
