#!/usr/bin/env bash
# Cached hits on oversky, nginx (proxy_cache) and Varnish (malloc storage), the three in front of
# one origin, in one run: the table of issue 16 (each object's hit rate on the three, and the
# ratios oversky / nginx, Varnish / nginx and oversky / the better peer).
#
# The origin is an nginx serving a 1 KiB, a 100 KiB, a 1 MiB and a 100 MiB file of random bytes
# with Cache-Control: max-age=3600, on one port per proxy so that its access log tells who asked.
# Each proxy is warmed with two GETs of each file (the second must be a hit, and every body must
# hash to its file's SHA-256). Then ROUNDS rounds: in each, for each of the three small objects,
# the three proxies are loaded in turn with the same wrk command (CONNECTIONS connections, ROUND
# each), the order rotated every round so that none always goes first. A proxy's figure is the
# median of its rounds. The 100 MiB file: DOWNLOADS curl downloads through each, taken in turn.
# The peak resident memory of each server's processes is reported too (memory must not grow
# with the body). The result is a Markdown section on stdout; progress goes to stderr.
#
#   bash bench/hits-vs-peers.sh > result.md
#   ROUNDS=3 ROUND=10s CONNECTIONS=100 bash bench/hits-vs-peers.sh
#   SERVER_CPUS=0 CLIENT_CPUS=1 bash bench/hits-vs-peers.sh   # each server on core 0, wrk and curl on core 1
#   PROFILE=DIR ASYNC_PROFILER=/path/to/libasyncProfiler.so bash bench/hits-vs-peers.sh   # the node's CPU samples
#
# Tools: nginx, wrk, curl and varnish come from Debian's packages when missing. Everything listens
# on 127.0.0.1; the cleanup stops what this script started, by PID.
set -euo pipefail

bench_name=hits-vs-peers
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # CONNECTIONS, THREADS, DOWNLOADS, the helpers
ROUNDS=${ROUNDS:-5}                       # rounds of wrk runs (each proxy and object once a round)
ROUND=${ROUND:-5s}                        # length of one wrk run
NGINX_WORKERS=${NGINX_WORKERS:-2}         # worker_processes of the caching nginx
VARNISH_STORAGE=${VARNISH_STORAGE:-malloc,512m} # varnishd -s
SITE=bench.test                           # the Host the three answer for

need_positive_ints ROUNDS CONNECTIONS THREADS DOWNLOADS NGINX_WORKERS STARTUP_TIMEOUT
need_wrk_durations ROUND WARMUP
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
[ "$ROUNDS" -le 20 ] || die "ROUNDS ($ROUNDS) is capped at 20"
[[ $VARNISH_STORAGE =~ ^malloc,[0-9]+[kmg]$ ]] || die "VARNISH_STORAGE expects malloc,SIZE (malloc,512m), got '$VARNISH_STORAGE'"
need_profiler
need_cpus

ensure_tools nginx wrk curl
find_varnishd() { command -v varnishd || { [ -x /usr/sbin/varnishd ] && echo /usr/sbin/varnishd; } || true; }
varnishd_bin=$(find_varnishd)
if [ -z "$varnishd_bin" ]; then
  install_tools varnish varnish
  varnishd_bin=$(find_varnishd)
  [ -n "$varnishd_bin" ] || die "varnishd is still missing after installing the varnish package"
fi
trap_cleanup

# ---------------------------------------------------------------------------------------------
# Content: four files of random bytes.
# ---------------------------------------------------------------------------------------------
names=(1k.bin 100k.bin 1m.bin 100m.bin)
labels=("1 KiB" "100 KiB" "1 MiB" "100 MiB")
sizes=(1024 102400 1048576 104857600)
small=(0 1 2)    # the objects loaded with wrk; the last one is downloaded with curl
big=3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
mkdir -p "$tmp/www" "$tmp/nginx-cache" "$tmp/varnish" "$tmp/origin-temp" "$tmp/nginx-temp"
log "writing ${labels[*]} of random bytes into $tmp/www"
sums=()
for i in "${!names[@]}"; do
  head -c "${sizes[$i]}" /dev/urandom > "$tmp/www/${names[$i]}"
  sums+=("$(sha256sum "$tmp/www/${names[$i]}" | cut -d' ' -f1)")
done

servers=(oversky nginx varnish)
declare -A origin_port
for s in "${servers[@]}"; do take_port "origin_port[$s]"; done

# ---------------------------------------------------------------------------------------------
# The origin, and the three caches in front of it.
# ---------------------------------------------------------------------------------------------
write_nginx_conf origin 1 on <<EOF
  log_format bench '\$server_port \$status \$request_uri';
  access_log $tmp/origin-access.log bench;
  server {
    listen 127.0.0.1:${origin_port[oversky]};
    listen 127.0.0.1:${origin_port[nginx]};
    listen 127.0.0.1:${origin_port[varnish]};
    root $tmp/www;
    location / {
      add_header Cache-Control "max-age=3600";
    }
  }
EOF
log "starting the origin nginx on 127.0.0.1:${origin_port[oversky]}, :${origin_port[nginx]} and :${origin_port[varnish]}"
start_nginx origin "the origin nginx" "http://127.0.0.1:${origin_port[oversky]}/${names[0]}"

take_port nginx_port
caching_nginx "${origin_port[nginx]}" "$nginx_port" | write_nginx_conf nginx "$NGINX_WORKERS" off
log "starting the caching nginx on 127.0.0.1:$nginx_port ($NGINX_WORKERS workers)"
start_nginx nginx "the caching nginx" "http://127.0.0.1:$nginx_port/nginx-is-up" "$SITE" any
nginx_pid=$last_pid

take_port varnish_port
cat > "$tmp/bench.vcl" <<EOF
vcl 4.1;

backend origin {
    .host = "127.0.0.1";
    .port = "${origin_port[varnish]}";
}

sub vcl_recv {
    if (req.url == "/varnish-is-up") {
        return (synth(200, "up"));
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
EOF
varnish_version=$({ "$varnishd_bin" -V 2>&1 || true; } | awk 'NR == 1 { sub(/^varnishd \(/, ""); sub(/\)$/, ""); print }')
log "starting varnishd ($varnish_version, -s $VARNISH_STORAGE) on 127.0.0.1:$varnish_port"
# -F: in the foreground (the PID noted is the manager's); -j none: no jail, the worker runs as the
# current user in TMP; -T none: no management port.
spawn varnishd "$tmp/varnish.out" "$varnishd_bin" -F -j none -T none -n "$tmp/varnish" \
  -a "127.0.0.1:$varnish_port" -f "$tmp/bench.vcl" -s "$VARNISH_STORAGE" -p vsl_space=16M
varnish_pid=$last_pid
if ! (wait_http "http://127.0.0.1:$varnish_port/varnish-is-up" "$varnish_pid" "varnishd" 30); then
  tail -n 30 "$tmp/varnish.out" >&2 || true
  exit 1
fi

start_oversky --no-request-log --site "$SITE=http://127.0.0.1:${origin_port[oversky]}"

for p in "$nginx_pid" "$varnish_pid" "$oversky_pid"; do pin_server "$p"; done
declare -A port=([oversky]=$oversky_port [nginx]=$nginx_port [varnish]=$varnish_port)
declare -A pid_of=([oversky]=$oversky_pid [nginx]=$nginx_pid [varnish]=$varnish_pid)
host_args=(-H "Host: $SITE")
url_of() { echo "http://127.0.0.1:${port[$1]}/${names[$2]}"; }
cache_header() { case $1 in oversky) echo Cache-Status ;; nginx) echo X-Cache-Status ;; varnish) echo X-Cache ;; esac; }
is_hit() { # SERVER HEADER_VALUE: whether the proxy says it answered from its cache
  case $1 in oversky) [[ $2 =~ ^oversky\;\ hit ]] ;; *) [ "$2" = HIT ] ;; esac
}
origin_count() { # SERVER -> requests the origin's access log has from that proxy
  awk -v p="${origin_port[$1]}" '$1 == p { n++ } END { print n + 0 }' "$tmp/origin-access.log" 2>/dev/null || echo 0
}

# ---------------------------------------------------------------------------------------------
# Warm-up: two GETs of each file through each proxy, the second a hit, every body checked.
# ---------------------------------------------------------------------------------------------
declare -A warm
for s in "${servers[@]}"; do
  for i in "${!names[@]}"; do
    warm[$s,$i]="$(get_checked "$s" "$i") then "
    for t in $(seq 10); do
      h=$(get_checked "$s" "$i")
      ! is_hit "$s" "$h" || break
      sleep 0.2   # a store that completes after the response: ask again
    done
    is_hit "$s" "$h" || die "$s did not answer ${labels[$i]} from its cache after $t GETs (last: $(cache_header "$s"): ${h:-none})"
    warm[$s,$i]+="$h"
    log "warm-up $s ${labels[$i]}: ${warm[$s,$i]}"
  done
done

note_start
declare -A origin_before
for s in "${servers[@]}"; do origin_before[$s]=$(origin_count "$s"); done

# ---------------------------------------------------------------------------------------------
# Hits: a wrk warm-up of each proxy and object, then the rounds.
# ---------------------------------------------------------------------------------------------
tree_sum() { # PID FILE AWK -> the sum, over the process and its descendants, of what the awk
  # program prints for /proc/P/FILE (0 for a process gone)
  local p sum=0 t
  for p in "$1" $(descendants "$1"); do
    t=$(awk "$3" "/proc/$p/$2" 2>/dev/null || echo 0)
    sum=$((sum + ${t:-0}))
  done
  echo "$sum"
}
cpu_ticks() { tree_sum "$1" stat '{ print $14 + $15 }'; }   # PID -> user + system clock ticks so far
syscalls() { tree_sum "$1" io '/^sysc[rw]:/ { n += $2 } END { print n + 0 }'; }   # PID -> read and write system calls so far
hz=$(getconf CLK_TCK)
declare -A rounds   # rounds[server,object]: "rps p50 p99 socket_errors cpu_us syscalls" of each round, one per line (the last two a request)
wrk_cmd="wrk -t$THREADS -c$CONNECTIONS -d$ROUND --latency -H 'Host: $SITE'"
wrk_once() { # SERVER OBJECT_INDEX DURATION OUT
  client wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --latency "${host_args[@]}" "$(url_of "$1" "$2")" > "$4" \
    || die "wrk failed against $(url_of "$1" "$2") ($1)"
}
if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
  for i in "${small[@]}"; do
    for s in "${servers[@]}"; do
      log "warm-up   $s ${labels[$i]}: wrk -d$WARMUP"
      wrk_once "$s" "$i" "$WARMUP" /dev/null
    done
  done
fi
profile "$oversky_pid" start oversky
for r in $(seq "$ROUNDS"); do
  for i in "${small[@]}"; do
    for k in 0 1 2; do
      s=${servers[$(((k + r) % 3))]}
      out="$tmp/wrk-$s-$i-$r.txt"
      ticks0=$(cpu_ticks "${pid_of[$s]}"); calls0=$(syscalls "${pid_of[$s]}")
      wrk_once "$s" "$i" "$ROUND" "$out"
      ticks1=$(cpu_ticks "${pid_of[$s]}"); calls1=$(syscalls "${pid_of[$s]}")
      read -r rps p50 p99 tput reqs non2xx sock < <(parse_wrk "$out")
      [ -n "$rps" ] && [ "$reqs" -gt 0 ] || { cat "$out" >&2; die "wrk completed no request against $s for ${labels[$i]}"; }
      [ "$non2xx" -eq 0 ] || failed+="$s ${labels[$i]} round $r: $non2xx non-2xx/3xx of $reqs requests. "
      [ "$sock" -eq 0 ] || log "warning: $s ${labels[$i]} round $r: $sock socket errors"
      per_req=$(awk -v t=$((ticks1 - ticks0)) -v c=$((calls1 - calls0)) -v hz="$hz" -v n="$reqs" 'BEGIN { printf "%.1f %.2f", 1e6 * t / hz / n, c / n }')
      rounds[$s,$i]+="$rps $p50 $p99 $sock $per_req"$'\n'
      log "round $r of $ROUNDS, ${labels[$i]}, $s: $rps requests/s, p50 $p50 ms, p99 $p99 ms, CPU and system calls a request $per_req"
    done
  done
done
profile "$oversky_pid" stop oversky

column_median() { rounds_median "${rounds[$1,$2]}" "$3"; }   # SERVER OBJECT COLUMN(1-based) -> the median over the rounds

# ---------------------------------------------------------------------------------------------
# The 100 MiB file: curl downloads, the proxies in turn.
# ---------------------------------------------------------------------------------------------
declare -A speeds download_ticks
log "${labels[$big]}: one download each, then $DOWNLOADS each, in turn"
for s in "${servers[@]}"; do download "$s" "$big" > /dev/null; download_ticks[$s]=0; done
profile "$oversky_pid" start oversky   # the node's samples during the downloads (it idles through the peers' turns)
for d in $(seq "$DOWNLOADS"); do
  for k in 0 1 2; do
    s=${servers[$(((k + d) % 3))]}
    before=$(cpu_ticks "${pid_of[$s]}")
    speeds[$s]+="$(download "$s" "$big") "
    download_ticks[$s]=$((download_ticks[$s] + $(cpu_ticks "${pid_of[$s]}") - before))
  done
done
profile "$oversky_pid" stop oversky-download
cpu_per_download() { awk -v t="${download_ticks[$1]}" -v hz="$hz" -v n="$DOWNLOADS" 'BEGIN { printf "%.0f", 1000 * t / hz / n }'; }

declare -A origin_during
for s in "${servers[@]}"; do
  origin_during[$s]=$(($(origin_count "$s") - origin_before[$s]))
  [ "${origin_during[$s]}" -eq 0 ] || failed+="$s sent ${origin_during[$s]} requests to the origin while its hits were measured. "
done

peak_rss_mib() { echo $(($(tree_sum "$1" status '/^VmHWM:/ { print $2 }') / 1024)); }   # PID -> peak resident memory (VmHWM) summed, MiB
declare -A rss
for s in "${servers[@]}"; do rss[$s]=$(peak_rss_mib "${pid_of[$s]}"); done

# ---------------------------------------------------------------------------------------------
# Report (Markdown on stdout).
# ---------------------------------------------------------------------------------------------
collect_facts
load_end=$(loadavg)
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
peer_name() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b ? "nginx" : "Varnish") }'; }
command_line="${SERVER_CPUS:+SERVER_CPUS=$SERVER_CPUS CLIENT_CPUS=$CLIENT_CPUS }ROUNDS=$ROUNDS ROUND=$ROUND WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS DOWNLOADS=$DOWNLOADS NGINX_WORKERS=$NGINX_WORKERS VARNISH_STORAGE=$VARNISH_STORAGE bash bench/hits-vs-peers.sh"

cat <<EOF
## Cached hits: oversky, nginx and Varnish, $(date -u '+%Y-%m-%d %H:%M UTC')

- command: \`$command_line\`
- machine: $(nproc) cores (\`nproc\`), $cpu_model; load average $load_start at the start, $load_end at the end
- oversky: commit $commit, \`oversky serve --no-request-log --site $SITE=http://127.0.0.1:ORIGIN\`, on $java_version
- nginx: $nginx_version, $NGINX_WORKERS workers, \`proxy_cache\` on disk, \`sendfile on\`, \`tcp_nopush off\`, \`access_log off\`
- Varnish: $varnish_version, \`-s $VARNISH_STORAGE\`, default thread pools, the built-in VCL (plus an X-Cache header)
- origin: nginx (1 worker) serving the files with \`Cache-Control: max-age=3600\`
- hits: $wrk_version, \`$wrk_cmd URL\`, $ROUNDS rounds, each proxy and object once a round in a rotating order, after a $WARMUP warm-up of each; a figure is the median of the rounds
- ${labels[$big]}: \`curl -o /dev/null\`, one warm-up and $DOWNLOADS downloads per proxy, in turn; the median
- $(cpus_line); the origin where the kernel puts it; everything on 127.0.0.1

| object | oversky | nginx | Varnish | oversky / nginx | Varnish / nginx | oversky / best peer |
|---|---:|---:|---:|---:|---:|---:|
EOF
for i in "${small[@]}"; do
  o=$(column_median oversky "$i" 1); n=$(column_median nginx "$i" 1); v=$(column_median varnish "$i" 1)
  printf '| %s hit, requests/s | %s | %s | %s | %s | %s | **%s** (%s best) |\n' "${labels[$i]}" "$(fmt "$o" %.0f)" "$(fmt "$n" %.0f)" "$(fmt "$v" %.0f)" \
    "$(ratio "$o" "$n")" "$(ratio "$v" "$n")" "$(ratio "$o" "$(best "$n" "$v")")" "$(peer_name "$n" "$v")"
done
o=$(printf '%s' "${speeds[oversky]}" | tr ' ' '\n' | awk NF | median)
n=$(printf '%s' "${speeds[nginx]}" | tr ' ' '\n' | awk NF | median)
v=$(printf '%s' "${speeds[varnish]}" | tr ' ' '\n' | awk NF | median)
printf '| %s download, MiB/s | %s | %s | %s | %s | %s | **%s** (%s best) |\n' "${labels[$big]}" "$(fmt "$o" %.0f)" "$(fmt "$n" %.0f)" "$(fmt "$v" %.0f)" \
  "$(ratio "$o" "$n")" "$(ratio "$v" "$n")" "$(ratio "$o" "$(best "$n" "$v")")" "$(peer_name "$n" "$v")"

echo
echo "| object | latency p50 / p99 (ms), oversky | nginx | Varnish |"
echo "|---|---|---|---|"
for i in "${small[@]}"; do
  printf '| %s hit |' "${labels[$i]}"
  for s in "${servers[@]}"; do
    printf ' %s / %s |' "$(fmt "$(column_median "$s" "$i" 2)" %.2f)" "$(fmt "$(column_median "$s" "$i" 3)" %.2f)"
  done
  echo
done

echo
echo "| object | server CPU a hit, µs (user + system, /proc): oversky | nginx | Varnish | read and write system calls a hit: oversky | nginx | Varnish |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for i in "${small[@]}"; do
  printf '| %s hit |' "${labels[$i]}"
  for c in 5 6; do
    for s in "${servers[@]}"; do printf ' %s |' "$(fmt "$(column_median "$s" "$i" "$c")" %.1f)"; done
  done
  echo
done

cat <<EOF

- requests/s of each round: $(for s in "${servers[@]}"; do for i in "${small[@]}"; do printf '%s %s: %s; ' "$s" "${labels[$i]}" "$(printf '%s' "${rounds[$s,$i]}" | awk 'NF { printf "%s%.0f", (n++ ? ", " : ""), $1 }')"; done; done)
- ${labels[$big]} downloads (MiB/s): $(for s in "${servers[@]}"; do printf '%s %s; ' "$s" "${speeds[$s]% }"; done)
- the server's CPU a ${labels[$big]} download (user + system of its processes, /proc, the mean of the $DOWNLOADS): oversky $(cpu_per_download oversky) ms, nginx $(cpu_per_download nginx) ms, Varnish $(cpu_per_download varnish) ms
- peak resident memory (VmHWM, the processes of each server summed): oversky ${rss[oversky]} MiB, nginx ${rss[nginx]} MiB, Varnish ${rss[varnish]} MiB (its malloc storage holds every object)
- requests that reached the origin while the hits were measured (0 expected): oversky ${origin_during[oversky]}, nginx ${origin_during[nginx]}, Varnish ${origin_during[varnish]}
- warm-up, first then second GET: $(for s in "${servers[@]}"; do printf '%s: ' "$s"; for i in "${!names[@]}"; do printf '%s `%s`; ' "${labels[$i]}" "${warm[$s,$i]}"; done; done)
EOF
print_warnings
[ -z "$failed" ] || die "this run is invalid: $failed"
