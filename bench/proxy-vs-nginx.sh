#!/usr/bin/env bash
# Benchmarks oversky as a caching reverse proxy (--site) against nginx's proxy_cache, both in front
# of the same local origin, on loopback.
#
# The origin is an nginx server with a 1 KiB, a 100 KiB and a 100 MiB file (Cache-Control:
# max-age=3600) whose /slow/ location goes to a small python3 server that sleeps before answering
# and counts the requests it gets. Both proxies are warmed with each file (the second GET must be a
# hit), then loaded one after the other with the same client settings: wrk for the 1 KiB and the
# 100 KiB hit (requests/s, latency p50/p99), curl for the 100 MiB hit (MiB/s), and COLD concurrent
# curl requests for a URL neither has seen, after which the origin tells how many reached it
# (request collapsing: 1 is the target). The result is a Markdown section on stdout, ready for
# docs/benchmarks.md; progress goes to stderr. See bench/README.md for the variables.
#
#   bash bench/proxy-vs-nginx.sh > result.md
#   DURATION=30s CONNECTIONS=100 COLD=500 bash bench/proxy-vs-nginx.sh
set -euo pipefail

bench_name=proxy-vs-nginx
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # settings shared with key-vs-nginx.sh, and the helpers
COLD=${COLD:-200}                     # concurrent requests for one uncached slow URL, per proxy
SLOW_SECONDS=${SLOW_SECONDS:-1}       # how long the origin takes to answer a /slow/ request
SLOW_BYTES=${SLOW_BYTES:-10240}       # body size of a /slow/ answer
NGINX_WORKERS=${NGINX_WORKERS:-2}     # worker_processes of the caching nginx
NGINX_NOPUSH=${NGINX_NOPUSH:-off}     # tcp_nopush of the caching nginx (see bench/README.md)
SITE=bench.test                       # the Host both proxies answer for

need_positive_ints CONNECTIONS THREADS DOWNLOADS COLD SLOW_BYTES STARTUP_TIMEOUT NGINX_WORKERS
need_wrk_durations DURATION WARMUP
[[ $SLOW_SECONDS =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v s="$SLOW_SECONDS" 'BEGIN { exit !(s > 0 && s <= 20) }' \
  || die "SLOW_SECONDS expects a number of seconds above 0 and at most 20, got '$SLOW_SECONDS'"
[[ $NGINX_NOPUSH =~ ^(on|off)$ ]] || die "NGINX_NOPUSH expects on or off, got '$NGINX_NOPUSH'"
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
[ "$COLD" -le 1000 ] || die "COLD ($COLD) is capped at 1000 (one curl process each)"
[ "$SLOW_BYTES" -le 104857600 ] || die "SLOW_BYTES ($SLOW_BYTES) is capped at 100 MiB"

# ---------------------------------------------------------------------------------------------
# Tools: nginx, wrk, curl and python3 from Debian's packages when missing; from here on, the
# cleanup stops what this script starts (by PID) on any exit.
# ---------------------------------------------------------------------------------------------
ensure_tools nginx wrk curl python3 flock=util-linux
# The interpreter itself, not a version manager's shim, so that its PID is the origin's.
python_bin=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
"$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 7))' || die "the slow origin needs python 3.7 or later"
trap_cleanup

cold_pids=()    # the curl processes of the cold-request test under way
stop_clients() { # the cleanup's hook: the cold-request curls still running (each is 'flock ... curl')
  local p
  for p in "${cold_pids[@]}"; do
    kill -0 "$p" 2>/dev/null || continue
    stop_tree "$p" curl
  done
  cold_pids=()
}

# ---------------------------------------------------------------------------------------------
# Content: three files of random bytes, and the slow origin's script.
# ---------------------------------------------------------------------------------------------
make_content data nginx-cache nginx-temp origin-temp cold

# GET /slow/<anything> sleeps, then answers SLOW_BYTES with Cache-Control: max-age=3600;
# GET /count?path=/slow/<anything> answers how many requests that path has had.
cat > "$tmp/slow-origin.py" <<'EOF'
import sys, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, delay, size = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
body = bytes(i % 251 for i in range(size))
counts, lock = {}, threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/count":
            path = urllib.parse.parse_qs(url.query).get("path", [""])[0]
            with lock:
                n = counts.get(path, 0)
            self.answer(200, b"%d\n" % n, "text/plain", "no-store")
        elif url.path.startswith("/slow/"):
            with lock:
                counts[url.path] = counts.get(url.path, 0) + 1
            time.sleep(delay)
            self.answer(200, body, "application/octet-stream", "max-age=3600")
        else:
            self.answer(404, b"not found\n", "text/plain", "no-store")

    def answer(self, status, payload, content_type, cache_control):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", cache_control)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the listen backlog; the default 5 drops bursts of connections

Server(("127.0.0.1", port), Handler).serve_forever()
EOF

# ---------------------------------------------------------------------------------------------
# The origin: the python server for /slow/, and an nginx with the files that passes /slow/ on.
# It listens on two ports, one per proxy, so that its access log tells who asked.
# ---------------------------------------------------------------------------------------------
take_port slow_port
log "starting the slow python origin on 127.0.0.1:$slow_port (${SLOW_SECONDS} s, $SLOW_BYTES bytes)"
spawn "python origin" "$tmp/slow-origin.log" "$python_bin" "$tmp/slow-origin.py" "$slow_port" "$SLOW_SECONDS" "$SLOW_BYTES"
if ! (wait_http "http://127.0.0.1:$slow_port/count?path=/" "$last_pid" "the python origin" 15); then
  cat "$tmp/slow-origin.log" >&2 || true
  exit 1
fi

take_port origin_port_o   # oversky's way to the origin
take_port origin_port_n   # the caching nginx's way to it
write_nginx_conf origin 1 on <<EOF
  log_format bench '\$server_port \$status \$request_uri';
  access_log $tmp/origin-access.log bench;
  server {
    listen 127.0.0.1:$origin_port_o;
    listen 127.0.0.1:$origin_port_n;
    root $tmp/www;
    location / {
      add_header Cache-Control "max-age=3600";
    }
    location /slow/ {
      proxy_pass http://127.0.0.1:$slow_port;
      proxy_read_timeout 60s;
    }
  }
EOF
log "starting the origin nginx on 127.0.0.1:$origin_port_o and :$origin_port_n"
start_nginx origin "the origin nginx" "http://127.0.0.1:$origin_port_o/${names[0]}"

# ---------------------------------------------------------------------------------------------
# The caching nginx: proxy_cache with a lock, loopback only, as the current user.
# ---------------------------------------------------------------------------------------------
take_port nginx_port
# With tcp_nopush on, a 100 KiB hit from proxy_cache waits about 40 ms for its last segment
# (about 1250 requests/s instead of 32000 here); static files do not. Off is nginx's default.
caching_nginx "$origin_port_n" "$nginx_port" | write_nginx_conf nginx "$NGINX_WORKERS" "$NGINX_NOPUSH"
log "starting the caching nginx on 127.0.0.1:$nginx_port ($NGINX_WORKERS workers)"
# Neither /slow/ nor the files are asked for here, so that nothing is cached before the warm-up;
# any answer (a 404 passed on from the origin) shows that it is up.
start_nginx nginx "the caching nginx" "http://127.0.0.1:$nginx_port/nginx-is-up" "$SITE" any

# ---------------------------------------------------------------------------------------------
# oversky: a node with an empty data dir and one site, the origin.
# ---------------------------------------------------------------------------------------------
start_oversky --no-request-log --site "$SITE=http://127.0.0.1:$origin_port_o"

oversky_base="http://127.0.0.1:$oversky_port"
nginx_base="http://127.0.0.1:$nginx_port"
base_of() { if [ "$1" = oversky ]; then echo "$oversky_base"; else echo "$nginx_base"; fi; }
url_of() { echo "$(base_of "$1")/${names[$2]}"; }   # SERVER OBJECT_INDEX -> the file's URL through that proxy
host_args=(-H "Host: $SITE")
cache_header() { if [ "$1" = oversky ]; then echo Cache-Status; else echo X-Cache-Status; fi; }
is_hit() { # SERVER HEADER_VALUE: whether the proxy says it answered from its cache
  if [ "$1" = oversky ]; then [[ $2 =~ ^oversky\;\ hit ]]; else [ "$2" = HIT ]; fi
}
origin_count() { # PORT -> requests for the files (not /slow/) in the origin's access log from that proxy
  awk -v p="$1" '$1 == p && $3 !~ "^/slow/" { n++ } END { print n + 0 }' "$tmp/origin-access.log" 2>/dev/null || echo 0
}
origin_port_of() { if [ "$1" = oversky ]; then echo "$origin_port_o"; else echo "$origin_port_n"; fi; }

odd=()      # what the report should mention

# ---------------------------------------------------------------------------------------------
# Warm-up: one GET of each file through each proxy, then a second that must be a hit.
# ---------------------------------------------------------------------------------------------
declare -A warm   # warm[server,object,first|second]: the cache status header of each GET
for s in oversky nginx; do
  for i in 0 1 2; do
    warm[$s,$i,first]=$(get_checked "$s" "$i")
    warm[$s,$i,second]=$(get_checked "$s" "$i")
    if ! is_hit "$s" "${warm[$s,$i,second]}"; then
      log "warning: $s: the second GET of ${labels[$i]} is not a hit: $(cache_header "$s"): ${warm[$s,$i,second]:-(none)}"
      odd+=("$s: the second GET of ${labels[$i]} was not a hit (\`$(cache_header "$s"): ${warm[$s,$i,second]:-(none)}\`)")
      # Give a store that completes after the response a moment, then insist.
      late=""
      for t in $(seq 10); do
        sleep 0.5
        late=$(get_checked "$s" "$i")
        ! is_hit "$s" "$late" || break
      done
      if is_hit "$s" "$late"; then
        odd+=("$s: ${labels[$i]} became a hit ${t} GETs later (\`$late\`)")
      else
        failed+="$s never answered ${labels[$i]} from its cache (last: '${late:-none}'). "
      fi
    fi
    log "warm-up $s ${labels[$i]}: first '${warm[$s,$i,first]}', second '${warm[$s,$i,second]}'"
  done
done
[ -z "$failed" ] || die "$failed"

note_start
origin_before_o=$(origin_count "$origin_port_o")
origin_before_n=$(origin_count "$origin_port_n")

# ---------------------------------------------------------------------------------------------
# Hits: wrk for the small objects, curl for the large one; oversky then nginx each time.
# ---------------------------------------------------------------------------------------------
wrk_cmd="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H 'Host: $SITE'"
measure_wrk
measure_downloads

# Every request of the hit measurements should have been answered from the cache.
result[oversky,hit,origin]=$(($(origin_count "$origin_port_o") - origin_before_o))
result[nginx,hit,origin]=$(($(origin_count "$origin_port_n") - origin_before_n))
for s in oversky nginx; do
  if [ "${result[$s,hit,origin]}" -ne 0 ]; then
    log "warning: $s sent ${result[$s,hit,origin]} requests to the origin during the hit measurements"
    odd+=("$s sent ${result[$s,hit,origin]} requests to the origin during the hit measurements (0 expected)")
  fi
done

# The load average now, before the cold test's COLD processes raise it for a minute.
load_end=$(loadavg)

# ---------------------------------------------------------------------------------------------
# Cold: COLD concurrent requests for one URL neither proxy has seen; how many reach the origin?
# Each request is its own curl, held behind a lock until all are started, then released at once.
# ---------------------------------------------------------------------------------------------
epoch() { date +%s.%N; }
run_cold() { # SERVER
  local s=$1 path url dir n p t0 t1 ready deadline comm
  path="/slow/cold-$s-$$.bin"
  url="$(base_of "$s")$path"
  dir="$tmp/cold/$s"
  mkdir -p "$dir"
  [ "$(curl -fsS --max-time 5 "http://127.0.0.1:$slow_port/count?path=$path")" = 0 ] \
    || die "the origin has already seen $path"
  log "cold: $COLD concurrent GETs of $path through $s (origin answers in ${SLOW_SECONDS} s)"
  : > "$tmp/cold.lock"
  exec 8>"$tmp/cold.lock"
  flock -x 8
  cold_pids=()
  for n in $(seq "$COLD"); do
    flock -s "$tmp/cold.lock" curl -sS --max-time 60 -H "Host: $SITE" -D "$dir/$n.h" -o /dev/null \
      -w '%{http_code} %{size_download} %{time_total}\n' "$url" >"$dir/$n.w" 2>"$dir/$n.err" 8>&- &
    cold_pids+=($!)
  done
  # Wait until every one of them is flock waiting for the lock (or beyond), then open the gate.
  deadline=$((SECONDS + 30))
  while :; do
    ready=0
    for p in "${cold_pids[@]}"; do
      comm=gone
      read -r comm 2>/dev/null <"/proc/$p/comm" || true
      case $comm in flock | curl | gone) ready=$((ready + 1)) ;; esac
    done
    [ "$ready" -lt "$COLD" ] || break
    [ "$SECONDS" -lt "$deadline" ] || die "only $ready of $COLD cold-request processes started within 30 s"
    sleep 0.05
  done
  sleep 0.2
  t0=$(epoch)
  flock -u 8
  exec 8>&-
  for p in "${cold_pids[@]}"; do
    wait "$p" || true   # each one's outcome is in its files
  done
  t1=$(epoch)
  cold_pids=()

  local ok=0 bad=0 times="$dir/times" statuses="$dir/statuses" code size total
  : > "$times"
  : > "$statuses"
  for n in $(seq "$COLD"); do
    code=""; size=""; total=""
    read -r code size total 2>/dev/null <"$dir/$n.w" || true
    if [ "$code" = 200 ] && [ "$size" = "$SLOW_BYTES" ]; then
      ok=$((ok + 1))
      echo "$total" >> "$times"
    else
      bad=$((bad + 1))
      [ "$bad" -gt 3 ] || log "cold $s request $n: status '${code:-none}', ${size:-0} bytes; $(head -c 300 "$dir/$n.err" 2>/dev/null)"
    fi
    # The cache status without its varying numbers (ttl=...), for a tally.
    header_of "$dir/$n.h" "$(cache_header "$s")" 2>/dev/null | sed -E 's/; ttl=-?[0-9]+//' >> "$statuses" || true
  done
  result[$s,cold,ok]=$ok
  result[$s,cold,bad]=$bad
  result[$s,cold,wall]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }')
  if [ "$ok" -gt 0 ]; then
    result[$s,cold,median]=$(median < "$times")
    result[$s,cold,max]=$(sort -g "$times" | tail -n 1)
  else
    result[$s,cold,median]=0
    result[$s,cold,max]=0
  fi
  result[$s,cold,tally]=$(sort "$statuses" | uniq -c | sort -rn \
    | awk '{ n = $1; $1 = ""; sub(/^ /, ""); printf "%s%d × `%s`", (NR > 1 ? ", " : ""), n, ($0 == "" ? "(none)" : $0) }')
  result[$s,cold,origin]=$(curl -fsS --max-time 5 "http://127.0.0.1:$slow_port/count?path=$path") \
    || die "the origin did not answer its count for $path"
  log "cold $s: ${result[$s,cold,origin]} origin requests; $ok ok, $bad failed; all done in ${result[$s,cold,wall]} s; ${result[$s,cold,tally]}"
  if [ "$bad" -ne 0 ]; then
    failed+="$s: $bad of $COLD cold requests were not a 200 of $SLOW_BYTES bytes. "
  fi
  if [ "${result[$s,cold,origin]}" -ne 1 ]; then
    odd+=("$s let ${result[$s,cold,origin]} of $COLD concurrent cold requests through to the origin (1 is the target)")
  fi
}
run_cold oversky
run_cold nginx

# ---------------------------------------------------------------------------------------------
# Report (Markdown on stdout).
# ---------------------------------------------------------------------------------------------
collect_facts
curl_version=$(curl --version | awk 'NR == 1 { print $1, $2 }')
python_version=$("$python_bin" --version 2>&1)
load_after=$(loadavg)
command_line="$(settings_line) COLD=$COLD SLOW_SECONDS=$SLOW_SECONDS SLOW_BYTES=$SLOW_BYTES NGINX_WORKERS=$NGINX_WORKERS NGINX_NOPUSH=$NGINX_NOPUSH bash bench/proxy-vs-nginx.sh"

cat <<EOF
## Caching proxy vs nginx proxy_cache, $(date -u '+%Y-%m-%d %H:%M UTC')

- command: \`$command_line\`
- machine: $(nproc) cores (\`nproc\`), $cpu_model
- oversky: commit $commit, \`oversky serve --no-request-log --site $SITE=http://127.0.0.1:ORIGIN\`, on $java_version
- nginx: $nginx_version, $NGINX_WORKERS workers, \`proxy_cache\` on disk (\`proxy_cache_lock on\`, \`proxy_cache_valid 200 1h\`), \`sendfile on\`, \`tcp_nopush $NGINX_NOPUSH\`, \`access_log off\`, keep-alive to the origin
- origin: nginx (1 worker) serving the files with \`Cache-Control: max-age=3600\`; \`/slow/\` passed to a $python_version \`http.server\` that answers after $SLOW_SECONDS s
- machine load average (1, 5, 15 min): $load_start at the start, $load_end after the hits, $load_after after the cold test (its $COLD processes count)
- hits: $wrk_version, \`$wrk_cmd URL\` after a $WARMUP warm-up of the same proxy, oversky first; both caches warmed by two GETs per object
- 100 MiB: $curl_version, \`curl -o /dev/null -w '%{speed_download}'\`, one warm-up and $DOWNLOADS downloads per proxy, alternating
- cold: $COLD \`curl\` processes released at once for one URL neither proxy has seen ($SLOW_BYTES bytes), oversky first, then nginx with another URL; the origin counts the requests it gets
- client, proxies and origin share the same cores; everything on 127.0.0.1

| object | metric | oversky | nginx | oversky/nginx |
|---|---|---:|---:|---:|
EOF
hit_rows " hit"
row "$COLD cold" "requests that reached the origin" "${result[oversky,cold,origin]}" "${result[nginx,cold,origin]}" "%d"
row "$COLD cold" "all answered after (s)" "${result[oversky,cold,wall]}" "${result[nginx,cold,wall]}" "%.2f"
row "$COLD cold" "request time, median (s)" "${result[oversky,cold,median]}" "${result[nginx,cold,median]}" "%.2f"
row "$COLD cold" "request time, max (s)" "${result[oversky,cold,max]}" "${result[nginx,cold,max]}" "%.2f"

errors=""
for s in oversky nginx; do
  errors+=$(wrk_errors "$s")
  [ "${result[$s,cold,bad]}" -eq 0 ] || errors+=" $s cold: ${result[$s,cold,bad]} of $COLD not a 200 of the full body;"
done
cat <<EOF

- requests: oversky ${result[oversky,0,reqs]} (1 KiB), ${result[oversky,1,reqs]} (100 KiB); nginx ${result[nginx,0,reqs]}, ${result[nginx,1,reqs]}; errors:${errors:- none}
- origin requests for the files during the hit measurements (0 expected): oversky ${result[oversky,hit,origin]}, nginx ${result[nginx,hit,origin]}
- warm-up, first and second GET: oversky $(for i in 0 1 2; do printf '%s`%s` then `%s`' "$([ "$i" = 0 ] || echo '; ')" "${warm[oversky,$i,first]}" "${warm[oversky,$i,second]}"; done); nginx $(for i in 0 1 2; do printf '%s%s then %s' "$([ "$i" = 0 ] || echo '; ')" "${warm[nginx,$i,first]:-none}" "${warm[nginx,$i,second]:-none}"; done)
- cold, cache status of the $COLD answers: oversky ${result[oversky,cold,tally]}; nginx ${result[nginx,cold,tally]}
- response headers of the 1 KiB hit (in wrk's transfer): oversky $o_hdr bytes, nginx $n_hdr bytes
- 100 MiB downloads (MiB/s), oversky: ${o_speeds[*]}; nginx: ${n_speeds[*]}
EOF
if [ ${#odd[@]} -gt 0 ]; then
  echo
  echo "**Noticed:**"
  for o in "${odd[@]}"; do echo "- $o"; done
fi
print_warnings
if grep -q '\[\(error\|crit\|alert\|emerg\)\]' "$tmp/nginx-error.log" 2>/dev/null; then
  log "the caching nginx logged errors:"
  grep '\[\(error\|crit\|alert\|emerg\)\]' "$tmp/nginx-error.log" | head -n 20 >&2 || true
fi

if [ -n "$failed" ]; then
  die "this run is invalid: $failed"
fi
