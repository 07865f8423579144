#!/usr/bin/env bash
# DNS answers of an oversky node (dynamic: the routing decision per query) against BIND 9's
# named serving the same name from a static zone, in one run, with dnsperf. See bench/README.md.
#
#   bash bench/dns-vs-bind.sh                  # 10 s per server after a 5 s warm-up
#   SECONDS_EACH=20 CLIENTS=8 bash bench/dns-vs-bind.sh
#
# Installs dnsperf and bind9 (Debian packages) when missing. Everything listens on 127.0.9.x;
# only the processes this script starts are stopped.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_EACH=${SECONDS_EACH:-10}
WARM=${WARM:-5}
CLIENTS=${CLIENTS:-4}
log() { echo "dns-vs-bind: $*" >&2; }
if ! command -v dnsperf >/dev/null || ! [ -x /usr/sbin/named ]; then
  [ "$(id -u)" -eq 0 ] || { log "needs dnsperf and bind9: apt-get install -y dnsperf bind9"; exit 1; }
  log "installing dnsperf and bind9"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsperf bind9 >/dev/null
fi
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }

"$root/oversky" --version >&2
cat >"$tmp/regions.json" <<'JSON'
{"coverageZones": {"eu": {"network": ["127.0.0.0/8"], "network6": []}}}
JSON
hp=$(free_port 127.0.9.1); dp=$(free_port 127.0.9.1)
OVERSKY_JAVA_OPTS="-Xmx256m" "$root/oversky" serve --listen "127.0.9.1:$hp" --data "$tmp/node" --region eu \
  --region-map "$tmp/regions.json" --site "site.test=http://127.0.0.1:9" --dns-listen "127.0.9.1:$dp" --dns-zone cdn.test \
  --dns-rate-limit 0 --no-request-log >"$tmp/node.log" 2>&1 &
pids+=($!)

bp=$(free_port 127.0.0.1)   # named listens only on addresses an interface has: 127.0.0.1
mkdir -p "$tmp/bind"
cat >"$tmp/bind/cdn.test.zone" <<ZONE
\$TTL 30
@ 3600 IN SOA ns1.cdn.test. hostmaster.cdn.test. 1 3600 600 86400 300
@ 3600 IN NS ns1.cdn.test.
ns1 3600 IN A 127.0.9.2
site-test IN A 127.0.9.1
ZONE
cat >"$tmp/bind/named.conf" <<CONF
options { directory "$tmp/bind"; pid-file "$tmp/bind/named.pid"; listen-on port $bp { 127.0.0.1; };
  listen-on-v6 { none; }; recursion no; allow-query { any; }; };
zone "cdn.test" { type primary; file "$tmp/bind/cdn.test.zone"; };
CONF
/usr/sbin/named -f -c "$tmp/bind/named.conf" -n 2 >"$tmp/bind.log" 2>&1 &
pids+=($!)

for i in $(seq 1 120); do
  dig +short +time=1 +tries=1 -p "$dp" @127.0.9.1 site-test.cdn.test A 2>/dev/null | grep -q . &&
    dig +short +time=1 +tries=1 -p "$bp" @127.0.0.1 site-test.cdn.test A 2>/dev/null | grep -q . && break
  sleep 1
done
echo "site-test.cdn.test A" >"$tmp/queries"

run() { # server port seconds: queries per second
  dnsperf -s "$1" -p "$2" -d "$tmp/queries" -l "$3" -c "$CLIENTS" -q 200 2>&1 | awk '/Queries per second:/ {print $4}'
}
run 127.0.9.1 "$dp" "$WARM" >/dev/null
run 127.0.0.1 "$bp" "$WARM" >/dev/null
o=$(run 127.0.9.1 "$dp" "$SECONDS_EACH")
b=$(run 127.0.0.1 "$bp" "$SECONDS_EACH")
lost_o=$(dnsperf -s 127.0.9.1 -p "$dp" -d "$tmp/queries" -l 3 -c "$CLIENTS" -q 200 2>&1 | awk '/Queries lost:/ {print $3}')
printf '| server | queries/s | ratio to BIND |\n|---|---|---|\n'
printf '| oversky (routing decision, reused 250 ms per site and region) | %s | %s |\n' "$o" "$(python3 -c "print(round($o/$b, 2))")"
printf '| BIND 9 named (static zone, 2 threads) | %s | 1.00 |\n' "$b"
printf '\n`bash bench/dns-vs-bind.sh` (SECONDS_EACH=%s CLIENTS=%s), %s cores, %s; oversky lost %s queries in a 3 s check.\n' \
  "$SECONDS_EACH" "$CLIENTS" "$(nproc)" "$(date -u '+%Y-%m-%d %H:%M UTC')" "${lost_o:-?}"
