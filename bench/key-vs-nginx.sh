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

bench_name=key-vs-nginx
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # settings shared with proxy-vs-nginx.sh, and the helpers
NGINX_WORKERS=${NGINX_WORKERS:-$(nproc)}

need_positive_ints CONNECTIONS THREADS DOWNLOADS STARTUP_TIMEOUT NGINX_WORKERS
need_wrk_durations DURATION WARMUP
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"

# ---------------------------------------------------------------------------------------------
# Tools: nginx, wrk and curl from Debian's packages when missing; from here on, the cleanup stops
# what this script starts (by PID) on any exit.
# ---------------------------------------------------------------------------------------------
ensure_tools nginx wrk curl
trap_cleanup

# ---------------------------------------------------------------------------------------------
# Content: three files of random bytes.
# ---------------------------------------------------------------------------------------------
make_content data nginx-temp

# ---------------------------------------------------------------------------------------------
# nginx: its own minimal config, loopback only, as the current user.
# ---------------------------------------------------------------------------------------------
take_port nginx_port
write_nginx_conf nginx "$NGINX_WORKERS" on <<EOF
  access_log off;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
  }
EOF
log "starting nginx on 127.0.0.1:$nginx_port ($NGINX_WORKERS workers)"
start_nginx nginx nginx "http://127.0.0.1:$nginx_port/${names[0]}"

# ---------------------------------------------------------------------------------------------
# oversky: a node with an empty data dir; register the three files by their nginx URLs.
# ---------------------------------------------------------------------------------------------
start_oversky --allow-private-origins --no-request-log

url_of() { # SERVER OBJECT_INDEX -> the object's URL: /key/<sha256> on the node, the file on nginx
  if [ "$1" = oversky ]; then
    echo "http://127.0.0.1:$oversky_port/key/${keys[$2]}"
  else
    echo "http://127.0.0.1:$nginx_port/${names[$2]}"
  fi
}

keys=()
for i in 0 1 2; do
  location=$(url_of nginx "$i")
  answer=$(curl -sS --max-time 120 -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data "{\"location\":\"$location\"}" "http://127.0.0.1:$oversky_port/api/v1/register") \
    || die "registering $location failed"
  status=${answer##*$'\n'}
  body=${answer%$'\n'*}
  [ "$status" = 201 ] || die "registering $location answered $status: $body"
  key=$(grep -Eo '"key" *: *"[0-9a-f]{64}"' <<<"$body" | grep -Eo '[0-9a-f]{64}') \
    || die "no key in the answer to registering $location: $body"
  expected=${sums[$i]}
  [ "$key" = "$expected" ] || die "${names[$i]}: key $key is not the file's SHA-256 $expected"
  # Both servers must serve the same bytes before their speeds mean anything.
  for url in "http://127.0.0.1:$oversky_port/key/$key" "$location"; do
    got=$(curl -fsS --max-time 120 "$url" | sha256sum | cut -d' ' -f1) || die "GET $url failed"
    [ "$got" = "$key" ] || die "GET $url served bytes with SHA-256 $got, not $key"
  done
  keys+=("$key")
done
log "registered: ${keys[*]}"

note_start

# ---------------------------------------------------------------------------------------------
# Load: wrk for the small objects, curl for the large one; oversky then nginx each time.
# ---------------------------------------------------------------------------------------------
wrk_cmd="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency"
measure_wrk
measure_downloads

# ---------------------------------------------------------------------------------------------
# Report (Markdown on stdout).
# ---------------------------------------------------------------------------------------------
collect_facts
load_end=$(loadavg)
command_line="$(settings_line) bash bench/key-vs-nginx.sh"

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
hit_rows ""

errors="$(wrk_errors oversky)$(wrk_errors nginx)"
cat <<EOF

- requests: oversky ${result[oversky,0,reqs]} (1 KiB), ${result[oversky,1,reqs]} (100 KiB); nginx ${result[nginx,0,reqs]}, ${result[nginx,1,reqs]}; errors:${errors:- none}
- response headers of the 1 KiB object (in wrk's transfer): oversky $o_hdr bytes, nginx $n_hdr bytes
- 100 MiB downloads (MiB/s), oversky: ${o_speeds[*]}; nginx: ${n_speeds[*]}
EOF
print_warnings

if [ -n "$failed" ]; then
  die "non-2xx responses make this run invalid: $failed"
fi
