#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Interop test: Baton's LDAP directory backend against OpenLDAP slapd from Debian. Starts a
# private slapd (its own cn=config and database in a temp dir, on a free loopback port, stopped
# by its process group; the system slapd service is never configured or started), loads Baton's
# schema into it, seeds it with the contract organization through Baton's store, then checks:
# Baton loads the same directory, `baton org explain` decides alike from the file and from what
# Baton read from slapd, the servers' read-only bind DN cannot write, and a change made with
# ldapmodify / ldapdelete is seen by the fingerprint and the next load. Needs root for apt-get.
#
# Prints PASS/FAIL per check and ends with "N passed, M failed"; exits non-zero if any failed.
# Env: KEEP_WORK=1 keep the temp dir even when everything passed
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
cd "$BATON_ROOT"

PASSED=0
FAILED=0
SLAPD_PGID=""
SUFFIX="dc=example,dc=test"
BASE="ou=baton,$SUFFIX"
ADMIN="cn=admin,$SUFFIX"
READER="cn=baton-server,$SUFFIX"

WORK=$(mktemp -d /tmp/baton-ldap.XXXXXX)

cleanup() {
    local rc=$?
    stop_group "$SLAPD_PGID"
    finish_work "$rc" 40 "$WORK/slapd.log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# slapd's package must not configure (and start) a system directory: preseed "no configuration".
echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
ensure_packages "slapd slapadd slappasswd ldapmodify ldapadd ldapdelete ldapsearch" slapd ldap-utils

# ---- Baton: the launcher's jar (baton org explain), the test classes (LdapInterop) and their class path
log "building Baton"
./mvnw -q -B -ntp -DskipTests package
CP=$(./mvnw -q -B -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[[ -x $JAVA ]] || JAVA=java
interop() { # interop COMMAND [BIND_DN PASSWORD_FILE [FILE]]
    if [[ $1 == contract ]]; then
        "$JAVA" -cp "target/classes:target/test-classes:$CP" dev.baton.org.LdapInterop "$@"
        return
    fi
    "$JAVA" -Dbaton.ldap.changeAttribute=entryCSN -cp "target/classes:target/test-classes:$CP" dev.baton.org.LdapInterop \
        "$1" "ldap://127.0.0.1:$PORT" "$2" "$3" "$BASE" "${@:4}"
}

# ---- a private slapd
PORT=$(free_port)
mkdir -p "$WORK/slapd.d" "$WORK/db"
(
    umask 077
    printf 'admin-%s\n' "$RANDOM$RANDOM$RANDOM" >"$WORK/admin.password"
    printf 'server-%s\n' "$RANDOM$RANDOM$RANDOM" >"$WORK/server.password"
)
tr -d '\n' <"$WORK/admin.password" >"$WORK/admin.pw" # ldap-utils' -y takes the whole file
chmod 600 "$WORK/admin.pw"
ADMIN_HASH=$(slappasswd -T "$WORK/admin.pw")
SERVER_HASH=$(slappasswd -T <(tr -d '\n' <"$WORK/server.password"))

{
    printf '%s\n' "dn: cn=config" "objectClass: olcGlobal" "cn: config" "olcPidFile: $WORK/slapd.pid" \
        "olcArgsFile: $WORK/slapd.args" ""
    printf '%s\n' "dn: cn=module{0},cn=config" "objectClass: olcModuleList" "cn: module{0}" \
        "olcModulePath: /usr/lib/ldap" "olcModuleLoad: back_mdb" ""
    printf '%s\n' "dn: cn=schema,cn=config" "objectClass: olcSchemaConfig" "cn: schema" ""
    for s in core cosine inetorgperson; do
        cat "/etc/ldap/schema/$s.ldif"
        echo
    done
    cat src/main/resources/ldap/baton.ldif
    echo
    printf '%s\n' "dn: olcDatabase={-1}frontend,cn=config" "objectClass: olcDatabaseConfig" \
        "objectClass: olcFrontendConfig" "olcDatabase: {-1}frontend" ""
    printf '%s\n' "dn: olcDatabase={0}config,cn=config" "objectClass: olcDatabaseConfig" "olcDatabase: {0}config" \
        "olcAccess: {0}to * by * none" ""
    printf '%s\n' "dn: olcDatabase={1}mdb,cn=config" "objectClass: olcDatabaseConfig" "objectClass: olcMdbConfig" \
        "olcDatabase: {1}mdb" "olcDbDirectory: $WORK/db" "olcDbMaxSize: 268435456" "olcSuffix: $SUFFIX" \
        "olcRootDN: $ADMIN" "olcRootPW: $ADMIN_HASH" "olcDbIndex: objectClass eq" \
        "olcLimits: {0}dn.exact=\"$READER\" size=unlimited" \
        "olcAccess: {0}to attrs=userPassword by anonymous auth by * none" \
        "olcAccess: {1}to * by dn.exact=\"$READER\" read by * none" ""
} >"$WORK/config.ldif"
if ! slapadd -n 0 -F "$WORK/slapd.d" -l "$WORK/config.ldif" >"$WORK/slapadd.log" 2>&1; then
    show_log_tail "$WORK/slapadd.log"
    exit 1
fi
# -d keeps slapd in the foreground: the process we started is slapd itself, stopped by its group
SLAPD_PGID=$(start_group "$WORK/slapd.log" /usr/sbin/slapd -F "$WORK/slapd.d" -h "ldap://127.0.0.1:$PORT/" -d none)
wait_port "$PORT" 30
log "slapd on 127.0.0.1:$PORT (pgid $SLAPD_PGID)"
LDAP=(-x -H "ldap://127.0.0.1:$PORT" -D "$ADMIN" -y "$WORK/admin.pw")

printf '%s\n' "dn: $SUFFIX" "objectClass: dcObject" "objectClass: organization" "dc: example" "o: Example" "" \
    "dn: $READER" "objectClass: organizationalRole" "objectClass: simpleSecurityObject" "cn: baton-server" \
    "userPassword: $SERVER_HASH" >"$WORK/suffix.ldif"
ldapadd "${LDAP[@]}" -f "$WORK/suffix.ldif" >/dev/null

# ---- seed through Baton's store, as the administrator
interop contract "$WORK/org.yml"
if interop seed "$ADMIN" "$WORK/admin.password" "$WORK/org.yml" >"$WORK/seed.out" 2>&1; then
    pass "seeded slapd through LdapDirectoryStore.store: $(cat "$WORK/seed.out")"
else
    fail "seeding slapd: $(cat "$WORK/seed.out")"
fi
count=$(ldapsearch "${LDAP[@]}" -LLL -b "ou=rights,$BASE" "(objectClass=batonAccessEntry)" dn | grep -c '^dn:' || true)
if [[ $count == 7 ]]; then
    pass "slapd holds the 7 access control entries, in Baton's schema"
else
    fail "slapd holds $count access control entries, not 7"
fi

# ---- the servers' bind DN reads, and cannot write
if interop decisions "$READER" "$WORK/server.password" "$WORK/org.yml" >"$WORK/decisions.out" 2>&1; then
    pass "same decisions from slapd and org.yml: $(tail -n 1 "$WORK/decisions.out")"
else
    fail "decisions differ: $(cat "$WORK/decisions.out")"
fi
if interop add-group "$READER" "$WORK/server.password" intruders >"$WORK/reader-write.out" 2>&1; then
    fail "the read-only bind DN could write: $(cat "$WORK/reader-write.out")"
elif grep -q "insufficient access" "$WORK/reader-write.out"; then
    pass "the read-only bind DN cannot write: $(cut -c1-220 "$WORK/reader-write.out")"
else
    fail "adding a group as the read-only bind DN failed otherwise: $(cat "$WORK/reader-write.out")"
fi
interop decisions "$READER" "$WORK/server.password" "$WORK/org.yml" >"$WORK/before-write.out" 2>&1 || true
if interop add-group "$ADMIN" "$WORK/admin.password" editors >"$WORK/admin-write.out" 2>&1 &&
    ! interop decisions "$READER" "$WORK/server.password" "$WORK/org.yml" >"$WORK/after-write.out" 2>&1 &&
    grep -q "directories NOT equal" "$WORK/after-write.out" && grep -q "directories equal" "$WORK/before-write.out"; then
    pass "the administrator's bind DN writes a change as baton org would: $(cat "$WORK/admin-write.out")"
else
    fail "the administrator could not add a group: $(cat "$WORK/admin-write.out")"
fi

explain() { # explain FILE WHO RIGHT ON: the explanation, and baton's exit status
    "$BATON_CMD" org explain --directory "$1" --who "$2" --right "$3" --on "$4"
}
interop export "$READER" "$WORK/server.password" "$WORK/from-ldap.yml" >"$WORK/export.out" 2>&1 || true
same=1
while read -r who right on; do
    a=$(explain "$WORK/org.yml" "$who" "$right" "$on" 2>&1; echo "exit $?")
    b=$(explain "$WORK/from-ldap.yml" "$who" "$right" "$on" 2>&1; echo "exit $?")
    if [[ "$a" != "$b" ]]; then
        same=0
        printf -- '--- %s %s %s: from org.yml\n%s\n--- from slapd\n%s\n' "$who" "$right" "$on" "$a" "$b"
    fi
done <<'QUESTIONS'
server:branch relay server:hub/default
server:hub accept-properties server:branch
server:edge send-properties server:hub
server:edge accept-any-sender server:hub/submission
user:carol accept-any-sender server:hub/submission
user:bob submit server:branch/default
anonymous relay server:edge/default
QUESTIONS
if ((same)); then
    pass "baton org explain gives the same answers from org.yml and from slapd ($(cat "$WORK/export.out"))"
else
    fail "baton org explain differs between org.yml and slapd"
fi

# ---- a change made with ldapmodify, and a delete with ldapdelete
FP1=$(interop fingerprint "$READER" "$WORK/server.password")
FP1b=$(interop fingerprint "$READER" "$WORK/server.password")
if [[ "$FP1" == entryCSN:* && "$FP1" == "$FP1b" ]]; then
    pass "the fingerprint is stable without a change ($FP1)"
else
    fail "the fingerprint: '$FP1' then '$FP1b'"
fi
if explain "$WORK/from-ldap.yml" user:carol submit organization >/dev/null 2>&1; then
    fail "carol may submit before the change"
fi
printf '%s\n' "dn: cn=submitters,ou=groups,$BASE" "changetype: modify" "add: member" "member: uid=carol,ou=users,$BASE" \
    >"$WORK/carol.ldif"
ldapmodify "${LDAP[@]}" -f "$WORK/carol.ldif" >/dev/null
FP2=$(interop fingerprint "$READER" "$WORK/server.password")
if [[ "$FP2" != "$FP1" ]]; then pass "ldapmodify changes the fingerprint"; else fail "ldapmodify left the fingerprint as it was"; fi
interop export "$READER" "$WORK/server.password" "$WORK/after.yml" >/dev/null 2>&1 || true
if explain "$WORK/after.yml" user:carol submit organization >"$WORK/carol.out" 2>&1; then
    pass "the next load sees the change: $(head -n 1 "$WORK/carol.out")"
else
    fail "the next load does not see carol in submitters: $(cat "$WORK/carol.out")"
fi
ldapdelete "${LDAP[@]}" "cn=partner,ou=connectors,$BASE"
FP3=$(interop fingerprint "$READER" "$WORK/server.password")
interop export "$READER" "$WORK/server.password" "$WORK/deleted.yml" >/dev/null 2>&1 || true
if [[ "$FP3" != "$FP2" ]] && ! grep -q '"partner"' "$WORK/deleted.yml"; then
    pass "ldapdelete changes the fingerprint and the next load"
else
    fail "ldapdelete: fingerprint '$FP3' (was '$FP2'); partner still loaded: $(grep -c '"partner"' "$WORK/deleted.yml")"
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
