#!/usr/bin/env bash
# Benchmarks oversky's /key/<sha256> against nginx serving the same files from disk, on loopback.
#
# Both servers run in the same invocation on 127.0.0.1 and are loaded one after the other with the
# same client settings: wrk for a 1 KiB and a 100 KiB object (requests/s, latency p50/p99), curl for
# a 100 MiB download (MiB/s). The result is a Markdown section on stdout, ready for
# docs/benchmarks.md; progress goes to stderr. See bench/README.md for the variables.
#
#   bash bench/key-vs-nginx.sh > result.md
#   DURATION=30s CONNECTIONS=100 bash bench/key-vs-nginx.sh
set -euo pipefail

DURATION=${DURATION:-10s}             # wrk measurement length, per server and object
WARMUP=${WARMUP:-5s}                  # wrk warm-up length before each measurement (0 skips it)
CONNECTIONS=${CONNECTIONS:-50}        # wrk -c
THREADS=${THREADS:-2}                 # wrk -t
DOWNLOADS=${DOWNLOADS:-10}            # measured 100 MiB downloads per server (after one warm-up each)
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-300} # seconds to wait for the node (includes a first jar build)
NGINX_WORKERS=${NGINX_WORKERS:-$(nproc)}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OVERSKY=${OVERSKY:-$root/oversky}
oversky_root=$(cd "$(dirname "$OVERSKY")" && pwd)   # the checkout the launcher builds and runs

log() { echo "key-vs-nginx: $*" >&2; }
die() { log "error: $*"; exit 1; }

for n in CONNECTIONS THREADS DOWNLOADS STARTUP_TIMEOUT NGINX_WORKERS; do
  [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n expects a positive integer, got '${!n}'"
done
for n in DURATION WARMUP; do
  [[ ${!n} =~ ^[0-9]+[smh]?$ ]] || die "$n expects a wrk duration such as 10s, got '${!n}'"
done
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"

# ---------------------------------------------------------------------------------------------
# Tools: nginx, wrk and curl from Debian's packages when missing.
# ---------------------------------------------------------------------------------------------
nginx_bin=$(command -v nginx || true)
[ -n "$nginx_bin" ] || { [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx; } || true

install_tools() {
  local sudo="" pkgs=() policy_added=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing $*; install them (apt-get install -y nginx wrk curl) or run as root"
    sudo="sudo -n"
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing $* with apt-get"
  $sudo apt-get update -qq >&2
  for p in "$@"; do
    if [ "$p" = nginx ]; then
      # Debian 12 ships the server in 'nginx' (nginx-light only adds modules); older releases have
      # the small flavour in nginx-light. Take whichever apt-cache offers.
      if apt-cache policy nginx 2>/dev/null | grep -Eq 'Candidate: [0-9]'; then
        pkgs+=(nginx)
      elif apt-cache policy nginx-light 2>/dev/null | grep -Eq 'Candidate: [0-9]'; then
        pkgs+=(nginx-light)
      else
        die "apt-cache offers neither nginx nor nginx-light"
      fi
    else
      pkgs+=("$p")
    fi
  done
  # The nginx package starts a system-wide server on port 80 unless a policy forbids it; this
  # benchmark wants no server but its own, so forbid service starts for the install if nothing does.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_added=yes
  fi
  local rc=0
  $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 || rc=$?
  [ -z "$policy_added" ] || $sudo rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get install ${pkgs[*]} failed"
}

missing=()
[ -n "$nginx_bin" ] || missing+=(nginx)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  install_tools "${missing[@]}"
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$nginx_bin" ] || die "nginx is still missing after the install"
fi

# ---------------------------------------------------------------------------------------------
# Processes this script starts, and the cleanup that stops exactly those (by PID) on any exit.
# ---------------------------------------------------------------------------------------------
tmp=""
nginx_pid=""
oversky_pid=""
client_pid=""   # the wrk run under way; run in the background so that a signal is handled at once

descendants() { # PID -> the PIDs of its children, grandchildren, ... (deepest first)
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}

stop_tree() { # PID NAME: TERM the process and what it started, KILL whatever is left after 10 s
  local pid=$1 name=$2 kids i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  for i in $pid $kids; do
    if kill -0 "$i" 2>/dev/null; then
      log "$name (pid $i) did not stop on TERM; killing it"
      kill -KILL "$i" 2>/dev/null || true
    fi
  done
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_tree "$client_pid" wrk
  stop_tree "$oversky_pid" oversky
  stop_tree "$nginx_pid" nginx
  if [ -n "$tmp" ] && [ -d "$tmp" ]; then
    if [ "$rc" -ne 0 ] && [ -f "$tmp/oversky.log" ]; then
      log "last lines of the node's log:"
      tail -n 20 "$tmp/oversky.log" >&2 || true
    fi
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { # a loopback port that nothing answers on now
  local port i
  for i in $(seq 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "found no free loopback port"
}

wait_http() { # URL PID NAME TIMEOUT_S: poll until URL answers 2xx, the process dies, or time is up
  local url=$1 pid=$2 name=$3 deadline=$((SECONDS + $4))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "$name exited before it answered $url"
    [ "$SECONDS" -lt "$deadline" ] || die "$name did not answer $url within $4 s"
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# Content: three files of random bytes.
# ---------------------------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/key-vs-nginx.XXXXXX")
mkdir -p "$tmp/www" "$tmp/data" "$tmp/nginx-temp"
names=(1k.bin 100k.bin 100m.bin)
labels=("1 KiB" "100 KiB" "100 MiB")
sizes=(1024 102400 104857600)
log "writing ${labels[*]} of random bytes into $tmp/www"
for i in 0 1 2; do
  head -c "${sizes[$i]}" /dev/urandom > "$tmp/www/${names[$i]}"
done

# ---------------------------------------------------------------------------------------------
# nginx: its own minimal config, loopback only, as the current user.
# ---------------------------------------------------------------------------------------------
nginx_port=$(free_port)
user_line=""
if [ "$(id -u)" -eq 0 ]; then
  # As root nginx would switch its workers to 'nobody'; keep them as the user running the script.
  user_line="user $(id -un) $(id -gn);"
fi
cat > "$tmp/nginx.conf" <<EOF
$user_line
worker_processes $NGINX_WORKERS;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  # nginx closes a keep-alive connection after 1000 requests by default; the node does not.
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path $tmp/nginx-temp/body;
  proxy_temp_path $tmp/nginx-temp/proxy;
  fastcgi_temp_path $tmp/nginx-temp/fastcgi;
  uwsgi_temp_path $tmp/nginx-temp/uwsgi;
  scgi_temp_path $tmp/nginx-temp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
  }
}
EOF
log "starting nginx on 127.0.0.1:$nginx_port ($NGINX_WORKERS workers)"
"$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" >"$tmp/nginx.out" 2>&1 &
nginx_pid=$!
if ! (wait_http "http://127.0.0.1:$nginx_port/${names[0]}" "$nginx_pid" nginx 15); then
  cat "$tmp/nginx.out" "$tmp/nginx-error.log" >&2 2>/dev/null || true
  exit 1
fi

# ---------------------------------------------------------------------------------------------
# oversky: a node with an empty data dir; register the three files by their nginx URLs.
# ---------------------------------------------------------------------------------------------
oversky_port=$(free_port)
while [ "$oversky_port" = "$nginx_port" ]; do oversky_port=$(free_port); done
log "starting the oversky node on 127.0.0.1:$oversky_port (the launcher builds the jar when needed)"
"$OVERSKY" serve --listen "127.0.0.1:$oversky_port" --data "$tmp/data" \
  --allow-private-origins --no-request-log >"$tmp/oversky.log" 2>&1 &
oversky_pid=$!
# The launcher runs gateway/target/oversky.jar in place; a build started elsewhere during the run
# rewrites it under the running node. Note the jar's identity now and compare it at the end.
jar_id() { stat -c '%s bytes, modified %y' "$oversky_root/gateway/target/oversky.jar" 2>/dev/null | cut -d. -f1 || echo missing; }
exception_re='^([A-Za-z_$][A-Za-z0-9_$.]*(Exception|Error)\b|Exception in thread)'
wait_http "http://127.0.0.1:$oversky_port/healthz" "$oversky_pid" "the oversky node" "$STARTUP_TIMEOUT"

keys=()
for i in 0 1 2; do
  location="http://127.0.0.1:$nginx_port/${names[$i]}"
  answer=$(curl -sS --max-time 120 -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "{\"location\":\"$location\"}" "http://127.0.0.1:$oversky_port/api/v1/register") \
    || die "registering $location failed"
  status=${answer##*$'\n'}
  body=${answer%$'\n'*}
  [ "$status" = 201 ] || die "registering $location answered $status: $body"
  key=$(grep -Eo '"key" *: *"[0-9a-f]{64}"' <<<"$body" | grep -Eo '[0-9a-f]{64}') \
    || die "no key in the answer to registering $location: $body"
  expected=$(sha256sum "$tmp/www/${names[$i]}" | cut -d' ' -f1)
  [ "$key" = "$expected" ] || die "${names[$i]}: key $key is not the file's SHA-256 $expected"
  # Both servers must serve the same bytes before their speeds mean anything.
  for url in "http://127.0.0.1:$oversky_port/key/$key" "$location"; do
    got=$(curl -fsS --max-time 120 "$url" | sha256sum | cut -d' ' -f1) || die "GET $url failed"
    [ "$got" = "$key" ] || die "GET $url served bytes with SHA-256 $got, not $key"
  done
  keys+=("$key")
done
log "registered: ${keys[*]}"

jar_end=""
jar_start=$(jar_id)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

oversky_url() { echo "http://127.0.0.1:$oversky_port/key/${keys[$1]}"; }
nginx_url() { echo "http://127.0.0.1:$nginx_port/${names[$1]}"; }

# ---------------------------------------------------------------------------------------------
# Load: wrk for the small objects, curl for the large one; oversky then nginx each time.
# ---------------------------------------------------------------------------------------------
wrk_cmd="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
failed=""
declare -A result   # result[server,object,metric]

parse_wrk() { # wrk output file -> "rps p50_ms p99_ms mib_per_s requests non2xx socket_errors"
  awk '
    function ms(v,  n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000; if (u == "ms") return n; if (u == "s") return n * 1000
      if (u == "m") return n * 60000; if (u == "h") return n * 3600000; return -1 }
    function mib(v,  n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "B") return n / 1048576; if (u == "KB") return n / 1024; if (u == "MB") return n
      if (u == "GB") return n * 1024; if (u == "TB") return n * 1048576; return -1 }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    / requests in / { reqs = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /^Transfer\/sec:/ { tput = mib($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %s %d %d %d\n", rps, p50, p99, tput, reqs, non2xx, sock }
  ' "$1"
}

client() { # COMMAND...: runs it in the background and waits, so that traps run without delay
  local rc=0
  "$@" &
  client_pid=$!
  wait "$client_pid" || rc=$?
  client_pid=""
  return "$rc"
}

run_wrk() { # SERVER OBJECT_INDEX URL
  local server=$1 i=$2 url=$3 out="$tmp/wrk-$1-$2.txt" rps p50 p99 tput reqs non2xx sock
  if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
    log "warm-up   $server ${labels[$i]}: wrk -t$THREADS -c$CONNECTIONS -d$WARMUP"
    client wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null || die "wrk failed against $url"
  fi
  log "measuring $server ${labels[$i]}: $wrk_cmd"
  client wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$out" || die "wrk failed against $url"
  read -r rps p50 p99 tput reqs non2xx sock < <(parse_wrk "$out")
  if [ -z "$rps" ] || [ "$reqs" -eq 0 ]; then
    cat "$out" >&2
    die "wrk completed no request against $server for ${labels[$i]}"
  fi
  if [ "$non2xx" -ne 0 ]; then
    log "FAIL: $server answered $non2xx of $reqs requests for ${labels[$i]} with a non-2xx/3xx status"
    failed+="$server ${labels[$i]}: $non2xx non-2xx/3xx of $reqs requests. "
  fi
  if [ "$sock" -ne 0 ]; then
    log "warning: $server ${labels[$i]}: $sock socket errors ($(grep 'Socket errors' "$out" | sed 's/^ *//'))"
  fi
  result[$server,$i,rps]=$rps
  result[$server,$i,p50]=$p50
  result[$server,$i,p99]=$p99
  result[$server,$i,tput]=$tput
  result[$server,$i,reqs]=$reqs
  result[$server,$i,non2xx]=$non2xx
  result[$server,$i,sock]=$sock
}

for i in 0 1; do
  run_wrk oversky "$i" "$(oversky_url "$i")"
  run_wrk nginx "$i" "$(nginx_url "$i")"
done

download() { # URL -> MiB/s of one download; dies unless it is a 200 of the full size
  local url=$1 out code size speed
  out=$(curl -sS --max-time 300 -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$url") \
    || die "downloading $url failed"
  read -r code size speed <<<"$out"
  [ "$code" = 200 ] || die "downloading $url answered $code"
  [ "$size" = "${sizes[2]}" ] || die "downloading $url gave $size bytes, not ${sizes[2]}"
  awk -v s="$speed" 'BEGIN { printf "%.1f\n", s / 1048576 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

log "100 MiB downloads: one warm-up each, then $DOWNLOADS each, alternating oversky and nginx"
download "$(oversky_url 2)" >/dev/null
download "$(nginx_url 2)" >/dev/null
o_speeds=()
n_speeds=()
for d in $(seq "$DOWNLOADS"); do
  speed=$(download "$(oversky_url 2)") || exit 1
  o_speeds+=("$speed")
  speed=$(download "$(nginx_url 2)") || exit 1
  n_speeds+=("$speed")
  log "download $d: oversky ${o_speeds[-1]} MiB/s, nginx ${n_speeds[-1]} MiB/s"
done
result[oversky,2,median]=$(printf '%s\n' "${o_speeds[@]}" | median)
result[nginx,2,median]=$(printf '%s\n' "${n_speeds[@]}" | median)
result[oversky,2,best]=$(printf '%s\n' "${o_speeds[@]}" | sort -g | tail -n 1)
result[nginx,2,best]=$(printf '%s\n' "${n_speeds[@]}" | sort -g | tail -n 1)

# ---------------------------------------------------------------------------------------------
# Report (Markdown on stdout).
# ---------------------------------------------------------------------------------------------
kill -0 "$oversky_pid" 2>/dev/null || die "the oversky node exited during the run"
# The tools' version commands write to stderr and some exit non-zero (wrk -v), so take their output whole.
java_bin=$(readlink "/proc/$oversky_pid/exe" 2>/dev/null || true)
java_version="unknown"
if [ -n "$java_bin" ] && [ -x "$java_bin" ]; then
  out=$("$java_bin" -version 2>&1 || true)
  java_version=$(awk 'NR <= 2 { printf "%s%s", (NR > 1 ? "; " : ""), $0 }' <<<"$out")
fi
out=$("$nginx_bin" -v 2>&1 || true)
nginx_version=${out#nginx version: }
out=$(wrk -v 2>&1 || true)
wrk_version=$(awk 'NR == 1 { print $1, $2 }' <<<"$out")
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
jar_end=$(jar_id)
node_exceptions=$(grep -Ec "$exception_re" "$tmp/oversky.log" || true)
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git -C "$oversky_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$oversky_root" --no-optional-locks status --porcelain -uno 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
header_bytes() { curl -sS -o /dev/null -w '%{size_header}' "$1"; }
o_hdr=$(header_bytes "$(oversky_url 0)")
n_hdr=$(header_bytes "$(nginx_url 0)")
command_line="DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS DOWNLOADS=$DOWNLOADS bash bench/key-vs-nginx.sh"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f "\n", v }'; }
row() { # LABEL METRIC OVERSKY NGINX FORMAT
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$(fmt "$3" "$5")" "$(fmt "$4" "$5")" "$(ratio "$3" "$4")"
}

cat <<EOF
## /key/ vs nginx, $(date -u '+%Y-%m-%d %H:%M UTC')

- command: \`$command_line\`
- machine: $(nproc) cores (\`nproc\`), $cpu_model
- oversky: commit $commit, \`oversky serve --no-request-log --allow-private-origins\`, on $java_version
- nginx: $nginx_version, $NGINX_WORKERS workers, \`sendfile on\`, \`access_log off\`, files on disk
- machine load average (1, 5, 15 min): $load_start at the start, $load_end at the end
- load: $wrk_version, \`$wrk_cmd URL\` after a $WARMUP warm-up of the same server, oversky first
- 100 MiB: \`curl -o /dev/null -w '%{speed_download}'\`, one warm-up and $DOWNLOADS downloads per server, alternating
- client and servers share the same cores; everything on 127.0.0.1

| object | metric | oversky | nginx | oversky/nginx |
|---|---|---:|---:|---:|
EOF
for i in 0 1; do
  row "${labels[$i]}" "requests/s" "${result[oversky,$i,rps]}" "${result[nginx,$i,rps]}" "%.0f"
  row "${labels[$i]}" "latency p50 (ms)" "${result[oversky,$i,p50]}" "${result[nginx,$i,p50]}" "%.2f"
  row "${labels[$i]}" "latency p99 (ms)" "${result[oversky,$i,p99]}" "${result[nginx,$i,p99]}" "%.2f"
  row "${labels[$i]}" "transfer (MiB/s)" "${result[oversky,$i,tput]}" "${result[nginx,$i,tput]}" "%.1f"
done
row "${labels[2]}" "download, median (MiB/s)" "${result[oversky,2,median]}" "${result[nginx,2,median]}" "%.0f"
row "${labels[2]}" "download, best (MiB/s)" "${result[oversky,2,best]}" "${result[nginx,2,best]}" "%.0f"

errors=""
for s in oversky nginx; do
  for i in 0 1; do
    n=$((${result[$s,$i,non2xx]} + ${result[$s,$i,sock]}))
    [ "$n" -eq 0 ] || errors+=" $s ${labels[$i]}: ${result[$s,$i,non2xx]} non-2xx/3xx, ${result[$s,$i,sock]} socket errors;"
  done
done
cat <<EOF

- requests: oversky ${result[oversky,0,reqs]} (1 KiB), ${result[oversky,1,reqs]} (100 KiB); nginx ${result[nginx,0,reqs]}, ${result[nginx,1,reqs]}; errors:${errors:- none}
- response headers of the 1 KiB object (in wrk's transfer): oversky $o_hdr bytes, nginx $n_hdr bytes
- 100 MiB downloads (MiB/s), oversky: ${o_speeds[*]}; nginx: ${n_speeds[*]}
EOF
if [ "$jar_start" != "$jar_end" ]; then
  echo
  echo "**Warning:** gateway/target/oversky.jar was rebuilt during the run ($jar_start, then $jar_end);"
  echo "the node ran the classes it had loaded from the first build. Run again on a quiet tree."
  log "warning: the jar was rebuilt during the run"
fi
if [ "$node_exceptions" -gt 0 ]; then
  echo
  echo "**Warning:** the node logged $node_exceptions exceptions during the run (its log is on stderr)."
  log "warning: the node logged $node_exceptions exceptions:"
  grep -E -A3 "$exception_re" "$tmp/oversky.log" | head -n 40 >&2 || true
fi

if [ -n "$failed" ]; then
  die "non-2xx responses make this run invalid: $failed"
fi
