#!/usr/bin/env bash
# The DHT lookup experiment: simulated networks of 1,000 and 10,000 nodes running the real node
# code in one JVM, with 0, 10 and 30 % of the nodes silently gone. Prints a Markdown table.
#
#   bash bench/dht-sim.sh > result.md            # 1000 and 10000 nodes, 1000 lookups each
#   SIZES=1000 LOOKUPS=300 bash bench/dht-sim.sh  # smaller and quicker
#
# Nothing listens on the network: the transport is in memory.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES=${SIZES:-1000,10000}
LOOKUPS=${LOOKUPS:-1000}
HEAP=${HEAP:-8g}
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"
oversky_find_jdk >/dev/null
oversky_find_mvn
cd "$root"
echo "dht-sim: building the dht module" >&2
mvn -B -q -ntp -Dmaven.test.skip=true -pl dht -am package >&2
cp_file=$(mktemp)
trap 'rm -f "$cp_file"' EXIT
mvn -B -q -ntp dependency:build-classpath -pl dht -Dmdep.outputFile="$cp_file" >&2
echo "dht-sim: running $SIZES nodes x {0,10,30} % gone, $LOOKUPS lookups each (heap $HEAP)" >&2
echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB;" \
  "command: SIZES=$SIZES LOOKUPS=$LOOKUPS bash bench/dht-sim.sh"
echo
"$JAVA_HOME/bin/java" -Xmx"$HEAP" -cp "dht/target/classes:$(cat "$cp_file")" \
  org.oversky.dht.sim.Simulation "$SIZES" "$LOOKUPS"
