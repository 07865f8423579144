#!/usr/bin/env bash
# DNS answers of an oversky node against four authoritative servers, in one run, with dnsperf:
# Knot DNS (static zone: the baseline of every ratio), gdnsd (per-region answers from its geoip
# plugin's `nets`, no GeoIP database), PowerDNS Authoritative (bind backend, a LUA A record with
# `view()` per region) and BIND 9 (static zone). Per server: the most queries per second dnsperf
# gets (CLIENTS clients, 200 in flight) and the latency at a fixed 1,000 queries per second (p50,
# p99, from dnsperf -v's per-query lines: dnsperf 2.10 has no latency histogram). Then the same
# with an EDNS Client Subnet of the other region on every query. See bench/README.md.
#
#   bash bench/dns-vs-peers.sh > result.md    # per server and query kind: 10 s of q/s after a 5 s
#                                             # warm-up, then 5 rounds of 2 s at 1,000 q/s (about 5 min)
#   SECONDS_EACH=20 CLIENTS=8 ECS=off bash bench/dns-vs-peers.sh
#
# Installs dnsperf, dnsutils, knot, gdnsd, pdns-server, pdns-backend-bind and bind9 (Debian
# packages) when missing, with a policy-rc.d for the install when none exists, so that no
# system-wide server is started. Every server listens on 127.0.0.0/8 only, on free ports; only the
# processes this script starts are stopped, by PID.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_EACH=${SECONDS_EACH:-10}   # each server's q/s run, and its latency runs added up
WARM=${WARM:-5}                    # a q/s run before each server's first measurement, not counted
CLIENTS=${CLIENTS:-4}              # dnsperf -c
RATE=${RATE:-1000}                 # dnsperf -Q of the latency runs
ROUNDS=${ROUNDS:-5}                # latency rounds, the servers in turn in each
ECS=${ECS:-on}                     # off: no run with an EDNS Client Subnet
log() { echo "dns-vs-peers: $*" >&2; }
[ "$SECONDS_EACH" -ge 1 ] && [ "$SECONDS_EACH" -le 120 ] && [ "$WARM" -ge 0 ] && [ "$WARM" -le 60 ] &&
  [ "$ROUNDS" -ge 1 ] && [ "$ROUNDS" -le 20 ] && [ "$RATE" -ge 1 ] && [ "$RATE" -le 100000 ] ||
  { log "SECONDS_EACH must be 1..120, WARM 0..60, ROUNDS 1..20 and RATE 1..100000"; exit 1; }

# Install what is missing. Debian's packages start their daemon on port 53 unless a policy-rc.d
# says no: add one for the install when there is none, and remove it after.
need=()
command -v dnsperf >/dev/null || need+=(dnsperf)
command -v dig >/dev/null || need+=(dnsutils)
[ -x /usr/sbin/knotd ] || need+=(knot)
[ -x /usr/sbin/gdnsd ] || need+=(gdnsd)
[ -x /usr/sbin/pdns_server ] || need+=(pdns-server)
[ -f /usr/lib/x86_64-linux-gnu/pdns/libbindbackend.so ] || ls /usr/lib/*/pdns/libbindbackend.so >/dev/null 2>&1 || need+=(pdns-backend-bind)
[ -x /usr/sbin/named ] || need+=(bind9)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { log "needs: apt-get install -y ${need[*]}"; exit 1; }
  log "installing ${need[*]}"
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy=1
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  [ -z "$policy" ] || rm -f /usr/sbin/policy-rc.d
fi

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"; }

# The two regions, the same for every dynamic server: eu is 127.0.1.0/24 (dnsperf sends from
# 127.0.1.50) and 127.0.0.0/24 (dig's default source), us is 127.0.2.0/24 (the ECS runs). The static
# servers answer eu's address to everyone.
CLIENT=127.0.1.50
EU=127.0.1.1
US=127.0.2.1
ECS_OPT=8:000118007f0002   # family 1 (IPv4), source /24, scope 0, 127.0.2.0
zone_head() { # the SOA, NS and glue every zone file starts with; $1 the name server's address
  cat <<ZONE
\$TTL 30
@ 3600 IN SOA ns1.cdn.test. hostmaster.cdn.test. 1 3600 600 86400 300
@ 3600 IN NS ns1.cdn.test.
ns1 3600 IN A $1
ZONE
}

# oversky: one node, region eu; its answer is its own address, for either region (there is no us
# node, so a us client gets eu's node, with the shorter TTL of a degraded answer).
"$root/oversky" --version >&2
cat >"$tmp/regions.json" <<'JSON'
{"coverageZones": {"eu": {"network": ["127.0.1.0/24", "127.0.0.0/24"], "network6": []},
                   "us": {"network": ["127.0.2.0/24"], "network6": []}}}
JSON
O=127.0.9.1; op=$(free_port $O); hp=$(free_port $O)
OVERSKY_JAVA_OPTS="${OVERSKY_JAVA_OPTS:--Xmx256m}" "$root/oversky" serve --listen "$O:$hp" --data "$tmp/node" --region eu \
  --region-map "$tmp/regions.json" --site "site.test=http://127.0.0.1:9" --dns-listen "$O:$op" --dns-zone cdn.test \
  --dns-rate-limit 0 --no-request-log >"$tmp/oversky.log" 2>&1 &
pids+=($!)

# Knot DNS: the static zone, its default workers (one UDP worker per core).
K=127.0.9.2; kp=$(free_port $K)
mkdir -p "$tmp/knot"
{ zone_head $K; echo "site-test IN A $EU"; } >"$tmp/knot/cdn.test.zone"
cat >"$tmp/knot/knot.conf" <<CONF
server:
    rundir: "$tmp/knot"
    pidfile: "$tmp/knot/knot.pid"
    listen: $K@$kp
database:
    storage: "$tmp/knot"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$tmp/knot"
zone:
  - domain: cdn.test
    file: "$tmp/knot/cdn.test.zone"
CONF
/usr/sbin/knotd -c "$tmp/knot/knot.conf" -s "$tmp/knot/knot.sock" >"$tmp/knot.log" 2>&1 &
pids+=($!)

# gdnsd: the geoip plugin with no database, only `nets`: eu's nets get eu's address, us's get us's
# (each datacenter falls over to the other); ECS is used when a query has it.
G=127.0.9.3; gp=$(free_port $G)
mkdir -p "$tmp/gdnsd/zones"
cat >"$tmp/gdnsd/config" <<CONF
options => { listen => [ $G:$gp ], run_dir => $tmp/gdnsd/run, state_dir => $tmp/gdnsd/state }
plugins => { geoip => {
  maps => { regions => {
    datacenters => [ eu, us ],
    nets => { 127.0.1.0/24 => [ eu, us ], 127.0.0.0/24 => [ eu, us ], 127.0.2.0/24 => [ us, eu ] }
  } }
  resources => { site => { map => regions, dcmap => { eu => $EU, us => $US } } }
} }
CONF
{ zone_head $G; echo "site-test 30 DYNA geoip!site"; } >"$tmp/gdnsd/zones/cdn.test"
/usr/sbin/gdnsd -c "$tmp/gdnsd" start >"$tmp/gdnsd.log" 2>&1 &
pids+=($!)

# PowerDNS Authoritative: the bind backend, Lua records on, `view()` picks the region's address
# from the client (ECS when present, edns-subnet-processing); one receiver thread per core.
P=127.0.9.4; pp=$(free_port $P)
mkdir -p "$tmp/pdns"
{ zone_head $P
  echo "site-test 30 IN LUA A \"view({ {{'127.0.2.0/24'}, {'$US'}}, {{'0.0.0.0/0'}, {'$EU'}} })\""; } >"$tmp/pdns/cdn.test.zone"
echo "zone \"cdn.test\" { type master; file \"$tmp/pdns/cdn.test.zone\"; };" >"$tmp/pdns/named.conf"
cat >"$tmp/pdns/pdns.conf" <<CONF
launch=bind
bind-config=$tmp/pdns/named.conf
enable-lua-records=yes
edns-subnet-processing=yes
local-address=$P
local-port=$pp
socket-dir=$tmp/pdns
receiver-threads=$(nproc)
daemon=no
guardian=no
write-pid=no
disable-syslog=yes
loglevel=3
CONF
/usr/sbin/pdns_server --config-dir="$tmp/pdns" >"$tmp/pdns.log" 2>&1 &
pids+=($!)

# BIND 9: the static zone, 2 worker threads, recursion off (as dns-vs-bind.sh). named listens only
# on addresses an interface has: 127.0.1.1 is none, so 127.0.0.1.
B=127.0.0.1; bp=$(free_port $B)
mkdir -p "$tmp/bind"
{ zone_head 127.0.9.5; echo "site-test IN A $EU"; } >"$tmp/bind/cdn.test.zone"
cat >"$tmp/bind/named.conf" <<CONF
options { directory "$tmp/bind"; pid-file "$tmp/bind/named.pid"; listen-on port $bp { $B; };
  listen-on-v6 { none; }; recursion no; allow-query { any; }; };
zone "cdn.test" { type primary; file "$tmp/bind/cdn.test.zone"; };
CONF
/usr/sbin/named -f -c "$tmp/bind/named.conf" -n 2 >"$tmp/bind.log" 2>&1 &
pids+=($!)

# name label address port, in the table's order
servers=(
  "oversky|oversky (routing decision per site and region, reused 250 ms)|$O|$op"
  "knot|Knot DNS $(/usr/sbin/knotd -V 2>&1 | awk '{print $NF; exit}') (static zone)|$K|$kp"
  "gdnsd|gdnsd $(/usr/sbin/gdnsd -h 2>&1 | grep -o 'gdnsd version [^ ]*' | awk '{print $3}') (geoip plugin, nets per region)|$G|$gp"
  "pdns|PowerDNS Auth $(/usr/sbin/pdns_server --version 2>&1 | grep -o 'Authoritative Server [0-9.]*' | awk '{print $3}') (bind backend, LUA view())|$P|$pp"
  "bind|BIND $(/usr/sbin/named -v | awk '{sub(/-.*/, "", $2); print $2}') (static zone, 2 threads)|$B|$bp"
)
answer() { # address port [dig options]: the A records of site-test.cdn.test and their TTL, "127.0.1.1 (30 s)" (none: empty)
  { dig +noall +answer +time=1 +tries=1 -b "$CLIENT" -p "$2" "@$1" site-test.cdn.test A "${@:3}" 2>/dev/null || true; } |
    awk '$4 == "A" {a = a (a == "" ? "" : ",") $5; t = $2} END {if (a != "") printf "%s (%s s)\n", a, t}'
}
for s in "${servers[@]}"; do
  IFS='|' read -r name label addr port <<<"$s"
  for i in $(seq 1 120); do
    [ -n "$(answer "$addr" "$port")" ] && break
    [ "$i" -lt 120 ] || { log "$name does not answer on $addr:$port"; tail -20 "$tmp/$name.log" >&2; exit 1; }
    sleep 1
  done
done

echo "site-test.cdn.test A" >"$tmp/queries"
qps() { # address port seconds [dnsperf options]: "queries/s lost"
  dnsperf -a "$CLIENT" -s "$1" -p "$2" -d "$tmp/queries" -l "$3" -c "$CLIENTS" -q 200 "${@:4}" 2>&1 |
    awk '/Queries lost:/ {lost=$3} /Queries per second:/ {q=$4} END {printf "%d %s\n", q, lost}'
}
latency() { # address port seconds [dnsperf options]: each answer's latency in ms, a line each; "T" per timeout
  dnsperf -a "$CLIENT" -s "$1" -p "$2" -d "$tmp/queries" -l "$3" -c "$CLIENTS" -Q "$RATE" -v "${@:4}" 2>/dev/null |
    awk '$1 == ">" && $2 == "T" {print "T"; next} $1 == ">" && $NF ~ /^[0-9.]+$/ {printf "%.4f\n", $NF * 1000}'
}
percentiles() { # file of latencies: "p50 p99 max timeouts"
  { grep -v T "$1" || true; } | sort -g | awk -v t="$(grep -c T "$1" || true)" '{v[n++] = $1} END {
    if (n == 0) { print "- - - " t; exit }
    i99 = int(n * 0.99); if (i99 >= n) i99 = n - 1
    printf "%.3f %.3f %.3f %d\n", v[int(n * 0.5)], v[i99], v[n-1], t }'
}

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load0=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A Q LOST P50 P99 PMAX PLOST R99 ANS
modes=(plain)
[ "$ECS" = off ] || modes+=(ecs)
opts_of() { [ "$1" = plain ] || echo "-E $ECS_OPT"; }
# Queries per second: each server in turn, a warm-up then the measured run.
for mode in "${modes[@]}"; do
  read -ra opts <<<"$(opts_of "$mode")"
  for s in "${servers[@]}"; do
    IFS='|' read -r name label addr port <<<"$s"
    log "$name ($mode): queries/s"
    if [ "$mode" = plain ]; then ANS[$name,$mode]=$(answer "$addr" "$port"); else ANS[$name,$mode]=$(answer "$addr" "$port" +subnet=127.0.2.0/24); fi
    [ "$WARM" -eq 0 ] || qps "$addr" "$port" "$WARM" "${opts[@]}" >/dev/null
    read -r Q[$name,$mode] LOST[$name,$mode] < <(qps "$addr" "$port" "$SECONDS_EACH" "${opts[@]}")
  done
done
# Latency at RATE queries/s: ROUNDS rounds of SECONDS_EACH/ROUNDS s (rounded up) per server and
# mode, the servers in turn within a round, so that the machine's stalls (other tenants, steal
# time) fall on all of them alike rather than on whichever was measured when they came.
# Percentiles over all rounds' answers; the table also gives the spread of the rounds' p99.
slice=$(( (SECONDS_EACH + ROUNDS - 1) / ROUNDS ))
for round in $(seq 1 "$ROUNDS"); do
  log "latency at $RATE q/s: round $round of $ROUNDS ($slice s each)"
  for mode in "${modes[@]}"; do
    read -ra opts <<<"$(opts_of "$mode")"
    for s in "${servers[@]}"; do
      IFS='|' read -r name label addr port <<<"$s"
      latency "$addr" "$port" "$slice" "${opts[@]}" >"$tmp/lat.$name.$mode.$round"
      R99[$name,$mode]="${R99[$name,$mode]:-} $(percentiles "$tmp/lat.$name.$mode.$round" | awk '{print $2}')"
    done
  done
done
for mode in "${modes[@]}"; do
  for s in "${servers[@]}"; do
    IFS='|' read -r name label addr port <<<"$s"
    cat "$tmp"/lat."$name.$mode".* >"$tmp/lat.$name.$mode"
    read -r P50[$name,$mode] P99[$name,$mode] PMAX[$name,$mode] PLOST[$name,$mode] < <(percentiles "$tmp/lat.$name.$mode")
    R99[$name,$mode]=$(tr ' ' '\n' <<<"${R99[$name,$mode]}" | grep . | sort -g | awk '{v[n++] = $1} END {printf "%s–%s", v[0], v[n-1]}')
  done
done

ratio() { python3 -c 'import sys; a, b = sys.argv[1:]; print("-" if a == "-" or b in ("-", "0", "0.000") else f"{float(a) / float(b):.2f}")' "$1" "$2"; }
group() { python3 -c 'import sys; print(f"{int(sys.argv[1]):,}")' "$1"; }
printf '| server | queries | answer (TTL) | queries/s | ×Knot | lost | p50 at %s q/s (ms) | p99 (ms) | p99 ×Knot | p99 per round (ms) | max (ms) | timeouts |\n' "$(group "$RATE")"
printf '|---|---|---|---|---|---|---|---|---|---|---|---|\n'
for mode in "${modes[@]}"; do
  [ "$mode" = plain ] && what="from eu" || what="ECS us"
  for s in "${servers[@]}"; do
    IFS='|' read -r name label addr port <<<"$s"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$what" "${ANS[$name,$mode]}" \
      "$(group "${Q[$name,$mode]}")" "$(ratio "${Q[$name,$mode]}" "${Q[knot,$mode]}")" "${LOST[$name,$mode]:-?}" \
      "${P50[$name,$mode]}" "${P99[$name,$mode]}" "$(ratio "${P99[$name,$mode]}" "${P99[knot,$mode]}")" \
      "${R99[$name,$mode]}" "${PMAX[$name,$mode]}" "${PLOST[$name,$mode]}"
  done
done
printf '\n`bash bench/dns-vs-peers.sh` (SECONDS_EACH=%s WARM=%s CLIENTS=%s RATE=%s ROUNDS=%s ECS=%s), %s cores (%s), %s, commit %s; load average %s at the start, %s at the end.\n' \
  "$SECONDS_EACH" "$WARM" "$CLIENTS" "$RATE" "$ROUNDS" "$ECS" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')" \
  "$started" "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')" "$load0" "$(cut -d' ' -f1-3 /proc/loadavg)"
for f in "$tmp"/oversky.log; do
  ! grep -q -i 'exception' "$f" || log "the node logged exceptions: $(grep -c -i exception "$f")"
done
