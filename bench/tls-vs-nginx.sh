#!/usr/bin/env bash
# HTTPS and h2 cache hits: oversky terminating TLS itself (--tls-listen, --site-cert) against nginx
# with ssl and http2 and proxy_cache, both in front of the same local origin, on loopback, with one
# certificate. h2load loads each in turn with the same settings, over HTTP/1.1 in TLS (--h1) and
# over h2 (ALPN), for a 1 KiB and a 100 KiB object that both have cached (the warm-up checks that
# the second GET is a hit). ROUNDS rounds of every protocol and object, the two servers' order
# swapped every round; a figure is the median of its rounds (single runs varied by a third on this
# machine). The result is a Markdown section on stdout, ready for docs/benchmarks.md; progress goes
# to stderr.
#
#   bash bench/tls-vs-nginx.sh > result.md
#   ROUNDS=1 DURATION=30s CONNECTIONS=100 STREAMS=20 bash bench/tls-vs-nginx.sh
set -euo pipefail

bench_name=tls-vs-nginx
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
STREAMS=${STREAMS:-10}                # h2load -m over h2: concurrent streams a connection
ROUNDS=${ROUNDS:-3}                   # rounds of h2load runs (each server, protocol and object once a round)
NGINX_WORKERS=${NGINX_WORKERS:-2}     # worker_processes of the caching nginx
SITE=bench.test                       # the name both serve, and the certificate's
need_positive_ints CONNECTIONS THREADS STREAMS NGINX_WORKERS STARTUP_TIMEOUT ROUNDS
[ "$ROUNDS" -le 20 ] || die "ROUNDS ($ROUNDS) is capped at 20"
need_wrk_durations DURATION WARMUP
[[ $DURATION =~ ^[0-9]+s$ ]] || die "DURATION expects whole seconds such as 10s here (h2load -D), got '$DURATION'"
[[ $WARMUP =~ ^[0-9]+s?$ ]] || die "WARMUP expects whole seconds such as 5s here (h2load --warm-up-time), got '$WARMUP'"
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"

ensure_tools nginx curl openssl h2load=nghttp2-client
trap_cleanup
make_content nginx-cache origin-temp cache-temp
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$SITE" -addext "subjectAltName=DNS:$SITE" \
  -keyout "$tmp/site.key" -out "$tmp/site.crt" >/dev/null 2>&1 || die "openssl could not make a certificate"

take_port origin_port
write_nginx_conf origin 1 off <<EOF
  server {
    listen 127.0.0.1:$origin_port;
    root $tmp/www;
    location / { add_header Cache-Control "max-age=3600"; }
  }
EOF
start_nginx origin "the origin" "http://127.0.0.1:$origin_port/${names[0]}"

take_port nginx_port
write_nginx_conf cache "$NGINX_WORKERS" off <<EOF
  proxy_cache_path $tmp/nginx-cache keys_zone=hits:16m max_size=2g inactive=1h use_temp_path=off;
  server {
    listen 127.0.0.1:$nginx_port ssl http2;
    server_name $SITE;
    ssl_certificate $tmp/site.crt;
    ssl_certificate_key $tmp/site.key;
    ssl_session_cache shared:tls:10m;
    keepalive_requests 1000000;
    http2_max_concurrent_streams 128;
    location / {
      proxy_pass http://127.0.0.1:$origin_port;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache hits;
      proxy_cache_valid 200 1h;
      add_header X-Cache \$upstream_cache_status;
    }
  }
EOF
start_nginx cache "the caching nginx" "http://127.0.0.1:$origin_port/${names[0]}"   # its own port speaks TLS only: checked below
nginx_pid=$last_pid
take_port tls_port
start_oversky --site "$SITE=http://127.0.0.1:$origin_port" --allow-private-origins --no-request-log \
  --tls-listen "127.0.0.1:$tls_port" --site-cert "$SITE=$tmp/site.crt,$tmp/site.key"

port_of() { if [ "$1" = oversky ]; then echo "$tls_port"; else echo "$nginx_port"; fi; }
curl_tls() { # SERVER PATH CURL_ARG...: a GET over TLS, trusting the certificate, the name resolved to loopback
  local port; port=$(port_of "$1")
  curl -sS -m 10 --cacert "$tmp/site.crt" --resolve "$SITE:$port:127.0.0.1" "${@:3}" "https://$SITE:$port$2"
}
for _ in $(seq 75); do
  curl_tls nginx "/${names[0]}" -o /dev/null 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || { cat "$tmp/cache.out" "$tmp/cache-error.log" >&2 2>/dev/null; die "the caching nginx exited"; }
  sleep 0.2
done
for server in oversky nginx; do
  for i in 0 1; do
    curl_tls "$server" "/${names[$i]}" -o /dev/null || die "$server did not answer https://$SITE/${names[$i]}"
    headers=$(curl_tls "$server" "/${names[$i]}" --http2 -D - -o /dev/null) || die "$server: no second answer"
    grep -qiE '^(cache-status:.*; hit|x-cache: HIT)' <<<"$headers" || die "$server did not answer the second GET of ${names[$i]} from its cache: $headers"
  done
done
log "both answer over TLS from their caches"

parse_h2load() { # output file -> "rps mean_ms max_ms succeeded failed"
  awk '
    function ms(v,  n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u); if (u == "us") return n / 1000; if (u == "ms") return n; if (u == "s") return n * 1000; return -1 }
    /^finished in/ { rps = $4 }
    /^requests:/ { ok = $8; bad = $10 + $12 + $14 }
    /^time for request:/ { mean = ms($6); max = ms($5) }
    END { printf "%s %s %s %d %d\n", rps, mean, max, ok, bad }
  ' "$1"
}
declare -A res
note_start
servers=(oversky nginx)
for r in $(seq "$ROUNDS"); do
  for proto in h1 h2; do
    for i in 0 1; do
      for k in 0 1; do
        server=${servers[$(((k + r) % 2))]}
        out="$tmp/h2load-$proto-$server-$i-$r.txt"
        args=(-c "$CONNECTIONS" -t "$THREADS" -D "${DURATION%s}" --warm-up-time "${WARMUP%s}" -H ":authority: $SITE")
        if [ "$proto" = h1 ]; then args+=(--h1 -m 1); else args+=(-m "$STREAMS"); fi
        log "round $r of $ROUNDS: $server ${labels[$i]} over $proto: h2load ${args[*]}"
        client h2load "${args[@]}" "https://127.0.0.1:$(port_of "$server")/${names[$i]}" >"$out" 2>&1 || { cat "$out" >&2; die "h2load failed against $server"; }
        read -r rps mean max ok bad < <(parse_h2load "$out")
        [ "${ok:-0}" -gt 0 ] || { cat "$out" >&2; die "h2load completed no request against $server"; }
        [ "$bad" -eq 0 ] || failed+="$server ${labels[$i]} $proto round $r: $bad failed requests. "
        res[$proto,$i,$server]+="$rps $mean $max"$'\n'
        log "round $r of $ROUNDS: $server ${labels[$i]} over $proto: $rps requests/s, mean $mean ms"
      done
    done
  done
done
column_median() { rounds_median "${res[$1]}" "$2"; }   # KEY COLUMN -> the median over the rounds
round_ratios() { # PROTO OBJECT -> each round's oversky / nginx, lowest to highest
  paste -d' ' <(printf '%s' "${res[$1,$2,oversky]}" | awk 'NF { print $1 }') <(printf '%s' "${res[$1,$2,nginx]}" | awk 'NF { print $1 }') \
    | awk '{ printf "%.2f\n", $1 / $2 }' | sort -g | paste -sd' ' | sed 's/ /, /g'
}

echo "### $(date -u +%Y-%m-%d) $(date -u +%H:%M) UTC: HTTPS and h2 hits, oversky against nginx with TLS"
echo
echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), $(free -g | awk '/^Mem:/{print $2}') GiB;" \
  "$(nginx -v 2>&1 | sed 's/^nginx version: //') with $NGINX_WORKERS workers; $(h2load --version | head -1); load at start $load_start, at end $(loadavg)."
echo "Command: \`ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS STREAMS=$STREAMS bash bench/tls-vs-nginx.sh\`" \
  "(h2load -c $CONNECTIONS -t $THREADS, one request in flight a connection over HTTP/1.1, $STREAMS streams over h2; an RSA 2048 certificate;" \
  "$ROUNDS rounds, the servers' order swapped each round; each figure the median of the rounds)."
echo
echo "| hit | protocol | oversky req/s | nginx req/s | oversky / nginx | each round's ratio | oversky mean / max ms | nginx mean / max ms |"
echo "|---|---|---|---|---|---|---|---|"
for proto in h1 h2; do
  for i in 0 1; do
    orps=$(column_median "$proto,$i,oversky" 1); nrps=$(column_median "$proto,$i,nginx" 1)
    label=$([ "$proto" = h1 ] && echo "HTTP/1.1 over TLS" || echo "h2")
    echo "| ${labels[$i]} | $label | $(fmt "$orps" '%.0f') | $(fmt "$nrps" '%.0f') | $(ratio "$orps" "$nrps") | $(round_ratios "$proto" "$i") |" \
      "$(fmt "$(column_median "$proto,$i,oversky" 2)" '%.2f') / $(fmt "$(column_median "$proto,$i,oversky" 3)" '%.0f') |" \
      "$(fmt "$(column_median "$proto,$i,nginx" 2)" '%.2f') / $(fmt "$(column_median "$proto,$i,nginx" 3)" '%.0f') |"
  done
done
[ -z "$failed" ] || { echo; echo "INVALID RUN: $failed"; exit 1; }
