#!/usr/bin/env bash
# The DHT under churn: a simulated network of real nodes on simulated time, a share of it replaced
# every hour (30 %, Pareto session lengths), keys looked up every hour from random live nodes.
# Prints a Markdown table per run: lookups found, p50/p99 lookup time, messages per node and hour,
# and why the failures failed. Each run takes THREADS threads (1); the runs of MODES go side by side.
#
#   bash bench/dht-churn.sh                                  # 1000 nodes, 48 h, hand-over on and off
#   NODES=10000 HOURS=6 MODES=on bash bench/dht-churn.sh     # bigger and shorter
#   HOSTILE=0.2 bash bench/dht-churn.sh                      # a fifth of the nodes hostile, every kind
#   HOSTILE=0.2/collude,fake PATHS=1 bash bench/dht-churn.sh  # two kinds only; one lookup path
#   CHURN=0 bash bench/dht-churn.sh                          # no churn
#
#   NODES=10000 HEAP=10g YOUNG=3g MODES=on bash bench/dht-churn.sh   # 10,000 nodes: a bigger heap
#   THREADS=2 MODES=on bash bench/dht-churn.sh               # one run on two threads (parts of the nodes)
#
# Progress (the network built, then each simulated hour with all of its figures) goes to stderr as
# it comes. The JVM runs the parallel collector with a young generation of YOUNG (a third of the
# heap is about right): at 10,000 nodes G1 took 1.6 times the wall clock an hour.
#
# Nothing listens on the network: the transport is in memory.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NODES=${NODES:-1000}
HOURS=${HOURS:-48}
HOSTILE=${HOSTILE:-0}
LOOKUPS=${LOOKUPS:-200}
SEED=${SEED:-1}
MODES=${MODES:-on no-hand-over}
CHURN=${CHURN:-0.3}
PATHS=${PATHS:--}
THREADS=${THREADS:-1}
[[ $THREADS =~ ^[1-9][0-9]?$ ]] || { echo "dht-churn: THREADS expects the threads of one run, 1 to 64 (2 on two cores), got '$THREADS'" >&2; exit 2; }
HEAP=${HEAP:-6g}
YOUNG=${YOUNG:-2g}
# shellcheck source=../scripts/jdk.sh
source "$root/scripts/jdk.sh"
oversky_find_jdk >/dev/null
oversky_find_mvn
cd "$root"
echo "dht-churn: building the dht module" >&2
mvn -B -q -ntp -Dmaven.test.skip=true -pl dht -am package >&2
cp_file=$(mktemp)
out=$(mktemp -d)
trap 'rm -rf "$cp_file" "$out"' EXIT
mvn -B -q -ntp dependency:build-classpath -pl dht -Dmdep.outputFile="$cp_file" >&2
classes="$out/classes"
cp -r dht/target/classes "$classes" # a rebuild while the runs go on must not change their classes
echo "Date: $(date -u +%Y-%m-%dT%H:%MZ); machine: $(nproc) cores, $(free -g | awk '/^Mem:/{print $2}') GiB;" \
  "command: NODES=$NODES HOURS=$HOURS HOSTILE=$HOSTILE LOOKUPS=$LOOKUPS SEED=$SEED MODES='$MODES' CHURN=$CHURN PATHS=$PATHS THREADS=$THREADS HEAP=$HEAP YOUNG=$YOUNG bash bench/dht-churn.sh"
pids=()
for mode in $MODES; do
  echo "dht-churn: $NODES nodes, $HOURS h, hand-over $mode" >&2
  "$JAVA_HOME/bin/java" -Xmx"$HEAP" -Xmn"$YOUNG" -XX:+UseParallelGC -cp "$classes:$(cat "$cp_file")" \
    org.oversky.dht.sim.ChurnSimulation "$NODES" "$HOURS" "$HOSTILE" "$LOOKUPS" "$SEED" "$mode" "$CHURN" "$PATHS" "$THREADS" >"$out/$mode.md" \
    2> >(sed -u "s/^/[$mode] /" >&2) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for mode in $MODES; do echo; cat "$out/$mode.md"; done
