#!/usr/bin/env bash
# Request routing on real nodes: failover after kill -9, drain, locality, load skew and probe
# traffic against the number of nodes. See bench/README.md ("routing.sh") and the header of
# bench/routing.py. Everything listens on 127.0.0.0/8; it stops only the processes it started.
#
#   bash bench/routing.sh > result.json                  # 6, then 12 nodes
#   bash bench/routing.sh --max-nodes 24 > result.json   # and probe traffic with 24
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v python3 >/dev/null || { echo "routing: python3 is needed (apt-get install -y python3)" >&2; exit 1; }
"$root/oversky" --version >&2   # builds the jar once, before any node starts
exec python3 "$root/bench/routing.py" "$@"
