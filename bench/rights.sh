#!/usr/bin/env bash
# Rights at scale, by hand: a directory of 100,000 users and 10,000 groups nested 20 deep,
# its load time and effective-right evaluations per second (cold, warm, with explanation).
# Env: USERS (100000) GROUP_COUNT (10000; not GROUPS, which bash owns) DEPTH (20) QUERIES (2000000)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -ntp -DskipTests test-compile
CP=$(./mvnw -q -B -ntp dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
[[ -x $JAVA ]] || JAVA=java
exec "$JAVA" -Xmx4g -Dusers="${USERS:-100000}" -Dgroups="${GROUP_COUNT:-10000}" -Ddepth="${DEPTH:-20}" -Dqueries="${QUERIES:-2000000}" \
    -cp "target/classes:target/test-classes:$CP" dev.baton.bench.RightsBench
