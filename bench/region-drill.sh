#!/usr/bin/env bash
# The region-down drill on nine real nodes in three regions: availability, routing, DNS and
# repair after a whole region is killed, then the origin too, then the region's return. See
# bench/README.md ("region-drill.sh") and the header of bench/region-drill.py. Everything listens
# on 127.0.0.0/8; it stops only the processes it started.
#
#   bash bench/region-drill.sh > result.md
#   bash bench/region-drill.sh --objects 50 --site-objects 20 > result.md   # quicker
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v python3 >/dev/null || { echo "region-drill: python3 is needed (apt-get install -y python3)" >&2; exit 1; }
command -v dig >/dev/null || echo "region-drill: no dig (apt-get install -y dnsutils): DNS is left out" >&2
"$root/oversky" --version >&2   # builds the jar once, before any node starts
exec python3 "$root/bench/region-drill.py" "$@"
