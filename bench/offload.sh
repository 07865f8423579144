#!/usr/bin/env bash
# The origin offload experiment (issue 5): one origin with OBJECTS objects (a static server that
# counts its requests), 10 nodes on loopback in one site cluster, CLIENTS clients spread over all
# nodes asking for REQUESTS objects with a Zipf(1.0) popularity; then the same load with
# cooperation off (independent caches) as the baseline, in the same run. Prints a Markdown table.
#
#   bash bench/offload.sh > result.md                      # 1000 objects, 20000 requests, 16 clients
#   OBJECTS=300 REQUESTS=3000 CLIENTS=8 BUDGET=500ms bash bench/offload.sh
#   MODE=processes bash bench/offload.sh > result.md       # each node a process (offload-processes.sh)
#
# Everything listens on 127.0.0.1 and stops with the run (it is a JUnit test run by Maven, with
# every node in one JVM; MODE=processes starts each node through the launcher instead).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${MODE:-jvm}" in
  jvm) ;;
  processes) exec bash "$root/bench/offload-processes.sh" ;;
  *) echo "offload: MODE is jvm (the default: the nodes in one JVM) or processes, not '$MODE'" >&2; exit 2 ;;
esac
OBJECTS=${OBJECTS:-1000}
REQUESTS=${REQUESTS:-20000}
CLIENTS=${CLIENTS:-16}
BUDGET=${BUDGET:-150ms}   # the nodes' cluster.lookup-budget
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"
oversky_find_jdk >/dev/null
oversky_find_mvn
cd "$root"
echo "offload: $OBJECTS objects, $REQUESTS requests, $CLIENTS clients, 10 nodes; cooperation on, then off" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
mvn -B -ntp verify -pl integration-tests -am -Dtest=OffloadTest#fullSizeReport -Dsurefire.failIfNoSpecifiedTests=false \
  -Doversky.offload=true -Doversky.offload.objects="$OBJECTS" -Doversky.offload.requests="$REQUESTS" \
  -Doversky.offload.clients="$CLIENTS" -Doversky.offload.budget="$BUDGET" > "$log" 2>&1 || { tail -50 "$log" >&2; exit 1; }
echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB;" \
  "command: OBJECTS=$OBJECTS REQUESTS=$REQUESTS CLIENTS=$CLIENTS BUDGET=$BUDGET bash bench/offload.sh"
echo
sed -n '/^OFFLOAD REPORT$/,/^$/p' "$log" | sed '1d'
grep '^cluster figures' "$log" || true
