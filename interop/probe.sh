#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# An attacker's probe of a live Baton, with the tools one would use: testssl.sh
# against STARTTLS and implicit TLS, and nmap's SMTP scripts (open relay, known MTA
# vulnerabilities, commands, cipher strength). Any finding fails the run.
# Run by CI after interop/run.sh; needs root for apt-get.
#
# Findings that a test server necessarily has are not counted, each with its
# reason (see ACCEPTED below): a self-signed certificate, no CRL or OCSP, no CAA.
#
# Env: BATON_CMD launcher (default: <repo>/baton)  KEEP_WORK=1 keep the temp dir
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"

DOMAIN=probe.test
PASSED=0
FAILED=0
BATON_PGID=""
BATON_LOG=""
WORK=$(mktemp -d /tmp/baton-probe.XXXXXX)

cleanup() {
    local rc=$?
    stop_group "$BATON_PGID"
    finish_work "$rc" 40 "$BATON_LOG"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


ensure_packages "testssl nmap" testssl.sh nmap

mkdir -p "$WORK/data"
write_baton_config "$WORK/baton.yaml" "$DOMAIN" local offered
# smtp-open-relay runs 16 refused tests on one connection: let it finish them all
sed -i 's/^      maxConnections: 20000$/      maxConnections: 20000\n      maxErrors: 100/' "$WORK/baton.yaml"
# a second virtual server with implicit TLS (RFC 8314, port 465 style) for testssl.sh without STARTTLS
TLS_PORT=$(free_port)
sed -i "s/^routes:$/  - name: submissions\n    address: 127.0.0.1\n    port: $TLS_PORT\n    tls: { mode: implicit }\n    authentication: { anonymous: false }\nroutes:/" "$WORK/baton.yaml"
PORT=$(free_port)
if ! start_baton "$WORK/baton.yaml" "$WORK/data" "$PORT" "$WORK/baton.log" 60; then
    fail "Baton start"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
pass "Baton start: listening on 127.0.0.1:$PORT"

# --- testssl.sh ---------------------------------------------------------
# Finding ids a test server has by construction; anything else of severity
# LOW or more is a failure.
ACCEPTED='cert_revocation cert_chain_of_trust cert_trust cert_caIssuers cert_ocspURL cert_crlDistributionPoints OCSP_stapling
cert_mustStapleExtension DNS_CAArecord cert_extlifeSpan cert_certificatePolicies_EV cert_validityPeriod'
testssl_case() { # testssl_case LABEL NAME HOST:PORT [testssl options...]
    local label=$1 name=$2 target=$3
    shift 3
    echo "== testssl.sh $label"
    if timeout 900 testssl --quiet --warnings off --color 0 --ip one "$@" \
        --jsonfile "$WORK/testssl-$name.json" "$target" >"$WORK/testssl-$name.out" 2>&1 || [[ -s "$WORK/testssl-$name.json" ]]; then
        if findings=$(ACCEPTED="$ACCEPTED" python3 - "$WORK/testssl-$name.json" <<'PY'
import json, os, sys
accepted = set(os.environ["ACCEPTED"].split())
ranks = {"LOW": 1, "MEDIUM": 2, "HIGH": 3, "CRITICAL": 4}
found = [f for f in json.load(open(sys.argv[1]))
         if ranks.get(f.get("severity"), 0) >= 1 and f.get("id") not in accepted]
for f in found:
    print(f'{f["severity"]} {f["id"]}: {f.get("finding", "")}')
sys.exit(1 if found else 0)
PY
        ); then
            pass "testssl.sh $label: no finding of severity LOW or more (beyond the test certificate's)"
        else
            fail "testssl.sh $label findings:"
            echo "$findings"
        fi
    else
        fail "testssl.sh $label did not run"
        tail -n 30 "$WORK/testssl-$name.out"
    fi
}
testssl_case "--starttls smtp" starttls "127.0.0.1:$PORT" --starttls smtp
if grep -q "listening on 127.0.0.1:$TLS_PORT" "$BATON_LOG"; then
    testssl_case "implicit TLS (RFC 8314)" implicit "127.0.0.1:$TLS_PORT"
else
    fail "the implicit-TLS virtual server is not listening on $TLS_PORT"
fi

# --- nmap ------------------------------------------------------------------
echo "== nmap SMTP scripts"
SCRIPTS=smtp-open-relay,smtp-commands,smtp-vuln-cve2010-4344,smtp-vuln-cve2011-1720,smtp-vuln-cve2011-1764,ssl-enum-ciphers
if timeout 600 nmap -Pn -n -sV -p "$PORT" --script "$SCRIPTS" \
    --script-args "smtp-open-relay.domain=$DOMAIN,smtp-open-relay.from=antispam@$DOMAIN,smtp-open-relay.to=relaytest@elsewhere.test" -oN "$WORK/nmap.out" 127.0.0.1 >/dev/null 2>&1; then
    # -sV: the scripts only run on a port nmap has recognized as SMTP
    if grep -q "^| smtp-commands:" "$WORK/nmap.out"; then
        pass "nmap: the SMTP scripts ran"
    else
        fail "nmap: no smtp-commands output"
        cat "$WORK/nmap.out"
    fi
    if grep -q "Server doesn't seem to be an open relay, all tests failed" "$WORK/nmap.out"; then
        pass "nmap smtp-open-relay: not an open relay (all tests refused)"
    else
        fail "nmap smtp-open-relay: an open relay, or the script did not finish"
        grep -i -A12 "smtp-open-relay" "$WORK/nmap.out"
    fi
    if grep -q "VULNERABLE" "$WORK/nmap.out" && ! grep -q "NOT VULNERABLE" "$WORK/nmap.out"; then
        fail "nmap smtp-vuln-*: a vulnerability reported"
        grep -B3 -A8 "VULNERABLE" "$WORK/nmap.out"
    else
        pass "nmap smtp-vuln-*: nothing reported"
    fi
    if grep -q "least strength: A" "$WORK/nmap.out"; then
        pass "nmap ssl-enum-ciphers: every offered cipher rated A"
    else
        fail "nmap ssl-enum-ciphers: a cipher below A (or the script did not run)"
        grep -A40 "ssl-enum-ciphers" "$WORK/nmap.out" || cat "$WORK/nmap.out"
    fi
else
    fail "nmap did not run"
fi

# The probe must leave the server standing.
if kill -0 -- "-$BATON_PGID" 2>/dev/null; then
    pass "Baton still running after the probe"
else
    fail "Baton died during the probe"
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
