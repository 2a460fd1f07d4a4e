#!/usr/bin/env bash
# The LDAP directory at scale, by hand: RightsBench's directory (100,000 users, 10,000 groups nested
# 20 deep) seeded into the UnboundID in-memory server through LdapDirectoryStore, then the time of
# a full load and of a fingerprint (a running server's poll).
# Env: USERS (100000) GROUP_COUNT (10000; not GROUPS, which bash owns) DEPTH (20) ROUNDS (3) PAGE_SIZE (20000)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -ntp -DskipTests test-compile
CP=$(./mvnw -q -B -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[[ -x $JAVA ]] || JAVA=java
exec "$JAVA" -Xmx4g -Dusers="${USERS:-100000}" -Dgroups="${GROUP_COUNT:-10000}" -Ddepth="${DEPTH:-20}" -Drounds="${ROUNDS:-3}" -DpageSize="${PAGE_SIZE:-20000}" \
    -cp "target/classes:target/test-classes:$CP" dev.baton.bench.LdapBench
