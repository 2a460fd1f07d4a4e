#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The systemd unit dist/systemd/baton.service (docs/running.md):
#   1. systemd-analyze verify has nothing to say about it, in a scratch root that holds the
#      unit, the launcher and jar where ExecStart expects them (/opt/baton), and the system's
#      own units; a copy with a mistake in it is caught (so the check can fail);
#   2. as root (CI): the unit's commands run as systemd would run them: as an unprivileged user
#      whose only capability is CAP_NET_BIND_SERVICE, 'baton serve' listens on port 25 (and
#      without the capability it cannot), and ExecReload's 'baton reload' puts a changed
#      baton.yml in force and fails, with the reason, on a bad one.
# Skips (exit 0, saying so) only when systemd-analyze is not installed; .ci/run installs it.
# Needs the jar (./mvnw package, or verify) for part 2.
#
# Prints PASS/FAIL per check and ends with "N passed, M failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
UNIT=$BATON_ROOT/dist/systemd/baton.service

PASSED=0
FAILED=0
BATON_PGID=""
WORK=$(mktemp -d /tmp/baton-systemd.XXXXXX)
cleanup() {
    local rc=$?
    stop_group "$BATON_PGID"
    finish_work "$rc" 60 "$WORK/serve.log"
}
trap cleanup EXIT

if ! command -v systemd-analyze >/dev/null 2>&1; then
    echo "SKIP: systemd-analyze is not installed (Debian: apt-get install systemd), so $UNIT was not verified"
    exit 0
fi

# ---- 1. systemd-analyze verify
ROOT=$WORK/root
mkdir -p "$ROOT/etc/systemd/system" "$ROOT/usr/lib/systemd" "$ROOT/opt/baton/target"
cp -a /usr/lib/systemd/system "$ROOT/usr/lib/systemd/"
install -m 755 "$BATON_ROOT/baton" "$ROOT/opt/baton/baton"
JAR=$(ls "$BATON_ROOT"/target/baton-*-all.jar 2>/dev/null | head -n 1 || true)
[[ -n "$JAR" ]] && install -m 644 "$JAR" "$ROOT/opt/baton/target/"

verify() { # verify UNIT_FILE: prints what systemd-analyze said; fails when it said anything or failed
    local out rc=0
    cp "$1" "$ROOT/etc/systemd/system/baton.service"
    out=$(systemd-analyze verify --root="$ROOT" baton.service 2>&1) || rc=$?
    printf '%s' "$out"
    ((rc == 0)) && [[ -z "$out" ]]
}

if said=$(verify "$UNIT"); then
    pass "systemd-analyze verify $UNIT: nothing to say"
else
    fail "systemd-analyze verify $UNIT: $said"
fi
sed 's/^RestartSec=.*/RestartSec=soon/' "$UNIT" >"$WORK/broken.service"
if said=$(verify "$WORK/broken.service"); then
    fail "a unit with RestartSec=soon passed the check: it cannot fail"
else
    pass "a unit with a mistake is caught: $said"
fi
for want in "^User=baton$" "^AmbientCapabilities=CAP_NET_BIND_SERVICE$" "^StateDirectory=baton$" "^Restart=on-failure$" \
    "^ExecStart=/opt/baton/baton serve --data-dir /var/lib/baton$" "^ExecReload=/opt/baton/baton reload --data-dir /var/lib/baton$"; do
    if grep -q "$want" "$UNIT"; then pass "the unit has $want"; else fail "the unit lacks $want"; fi
done

# ---- 2. the unit's commands, as its user with its one capability
if (($(id -u) != 0)); then
    echo "SKIP: not root, so the unit's commands were not run as another user (CI runs this as root)"
elif [[ -z "$JAR" ]]; then
    fail "no target/baton-*-all.jar: build it first (./mvnw package)"
elif ! python3 -c 'import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 25))' 2>/dev/null; then
    echo "SKIP: 127.0.0.1:25 is taken on this machine, so listening on port 25 was not tried"
else
    chmod 755 "$WORK"
    DATA=$WORK/var/lib/baton
    install -d -m 750 -o nobody "$DATA"
    write_config() { # write_config MAX_MESSAGE_SIZE
        cat >"$DATA/baton.yml" <<YML
server: {name: baton, fqdn: mail.baton.test}
acceptedDomains: [baton.test]
virtualServers:
  - {name: default, address: 127.0.0.1, port: 25, tls: {mode: "off"}, limits: {maxMessageSize: $1}}
YML
        chown nobody "$DATA/baton.yml"
    }
    write_config 1000000
    as_service() { # as_service [--with-capability] cmd...: as nobody, as the unit's User= and capabilities do
        local caps=-all
        if [[ $1 == --with-capability ]]; then caps=-all,+net_bind_service; shift; fi
        setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --inh-caps="$caps" \
            --ambient-caps="$caps" --bounding-set="$caps" --no-new-privs -- "$@"
    }
    ehlo_size() {
        python3 -c 'import smtplib; s = smtplib.SMTP("127.0.0.1", 25, timeout=10); s.ehlo(); print(s.esmtp_features.get("size", "")); s.quit()'
    }

    if as_service "$ROOT/opt/baton/baton" serve --data-dir "$DATA" >"$WORK/nocap.log" 2>&1 </dev/null; then
        fail "without CAP_NET_BIND_SERVICE, 'baton serve' as nobody started on port 25"
    elif grep -q "cannot listen on 127.0.0.1:25" "$WORK/nocap.log"; then
        pass "without the capability, port 25 is refused to nobody: $(grep -o 'cannot listen on 127.0.0.1:25[^(]*' "$WORK/nocap.log" | head -n 1)"
    else
        fail "without the capability, 'baton serve' failed otherwise: $(tail -n 3 "$WORK/nocap.log")"
    fi

    BATON_PGID=$(start_group "$WORK/serve.log" setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups \
        --inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service --bounding-set=-all,+net_bind_service \
        --no-new-privs -- "$ROOT/opt/baton/baton" serve --data-dir "$DATA")
    up=0
    for ((i = 0; i < 600; i++)); do
        if grep -q "listening on 127.0.0.1:25 " "$WORK/serve.log" 2>/dev/null; then up=1; break; fi
        kill -0 "$BATON_PGID" 2>/dev/null || break
        sleep 0.1
    done
    if ((up)); then
        owner=$(ps -o user= -p "$(java_pid_in_group "$BATON_PGID")" | tr -d ' ')
        if [[ "$owner" == nobody && "$(ehlo_size)" == 1000000 ]]; then
            pass "with only CAP_NET_BIND_SERVICE, 'baton serve' runs as $owner and answers on port 25"
        else
            fail "port 25: the server runs as '$owner', EHLO SIZE '$(ehlo_size || true)'"
        fi

        write_config 2000000
        if out=$(as_service "$ROOT/opt/baton/baton" reload --data-dir "$DATA" 2>&1) && [[ "$(ehlo_size)" == 2000000 ]]; then
            pass "ExecReload's 'baton reload' puts a changed baton.yml in force: $(echo "$out" | tr '\n' ' ')"
        else
            fail "ExecReload's 'baton reload': $out (EHLO SIZE now $(ehlo_size || true))"
        fi
        echo "virtualServers: [{ port: 99999 }]" >"$DATA/baton.yml"
        rc=0
        out=$(as_service "$ROOT/opt/baton/baton" reload --data-dir "$DATA" 2>&1) || rc=$?
        if ((rc == 1)) && [[ "$out" == *"virtualServers[0].port"* && "$(ehlo_size)" == 2000000 ]]; then
            pass "a bad baton.yml makes 'baton reload' (so systemctl reload) fail with the reason, and changes nothing"
        else
            fail "a bad baton.yml: 'baton reload' exit $rc: $out (EHLO SIZE now $(ehlo_size || true))"
        fi
    else
        fail "with CAP_NET_BIND_SERVICE, 'baton serve' as nobody did not listen on port 25: $(tail -n 5 "$WORK/serve.log")"
    fi
fi

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
