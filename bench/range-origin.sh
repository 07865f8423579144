#!/usr/bin/env bash
# What range requests on a cold object cost the origin: oversky (--site) and nginx's proxy_cache
# (proxy_cache_lock on), each in front of the same counting origin, on loopback.
#
# The origin is a small python3 server with one file of FILE_BYTES random bytes (Cache-Control:
# max-age=3600, Range supported) on two ports, one per proxy, so that it can tell how many
# requests and bytes each proxy cost it. Each proxy gets RANGES range requests for random spans of
# the file it has never seen: half at once, then half one after the other. Every answer must be a
# 206 with the right bytes. The result is a Markdown section on stdout, ready for
# docs/benchmarks.md; progress goes to stderr.
#
#   bash bench/range-origin.sh > result.md
#   FILE_BYTES=104857600 RANGES=50 bash bench/range-origin.sh
set -euo pipefail

bench_name=range-origin
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FILE_BYTES=${FILE_BYTES:-21000000}    # size of the object the ranges are asked of
RANGES=${RANGES:-20}                  # range requests per proxy (half concurrent, half in turn)
SPAN=${SPAN:-2000000}                 # the longest range, bytes
SITE=bench.test

need_positive_ints FILE_BYTES RANGES SPAN STARTUP_TIMEOUT
[ "$FILE_BYTES" -le 1073741824 ] || die "FILE_BYTES ($FILE_BYTES) is capped at 1 GiB"
[ "$RANGES" -le 200 ] || die "RANGES ($RANGES) is capped at 200"
[ "$RANGES" -ge 2 ] || die "RANGES ($RANGES) must be at least 2"

ensure_tools nginx curl python3 cmp=diffutils
python_bin=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
trap_cleanup
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
mkdir -p "$tmp/www" "$tmp/nginx-cache" "$tmp/answers" "$tmp/cache-temp"
head -c "$FILE_BYTES" /dev/urandom > "$tmp/www/big.bin"

# GET /big.bin on either port: the file (Range: bytes=a-b or a- or -n honoured, one range);
# GET /count?port=P: "requests bytes" sent for /big.bin through port P.
cat > "$tmp/origin.py" <<'EOF'
import sys, threading, re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

path, ports = sys.argv[1], [int(p) for p in sys.argv[2:]]
data = open(path, "rb").read()
counts, lock = {p: [0, 0] for p in ports}, threading.Lock()

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        port = self.server.server_address[1]
        if self.path.startswith("/count"):
            q = int(self.path.split("port=")[1])
            with lock:
                body = ("%d %d\n" % tuple(counts[q])).encode()
            return self.answer(200, body, {"Cache-Control": "no-store"})
        if self.path != "/big.bin":
            return self.answer(404, b"no\n", {})
        start, end, status = 0, len(data) - 1, 200
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = min(end, int(m.group(2))) if m.group(2) else end
            else:
                start = max(0, len(data) - int(m.group(2)))
            status = 206
        body = data[start:end + 1]
        headers = {"Cache-Control": "max-age=3600", "Content-Type": "application/octet-stream",
                   "ETag": "\"big\"", "Accept-Ranges": "bytes"}
        if status == 206:
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, end, len(data))
        with lock:
            counts[port][0] += 1
        sent = self.answer(status, body, headers)
        with lock:
            counts[port][1] += sent

    def answer(self, status, body, headers):
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        sent = 0
        try:
            for i in range(0, len(body), 65536):
                self.wfile.write(body[i:i + 65536])
                sent += len(body[i:i + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass
        return sent

    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

servers = [Server(("127.0.0.1", p), Handler) for p in ports]
for s in servers[1:]:
    threading.Thread(target=s.serve_forever, daemon=True).start()
servers[0].serve_forever()
EOF

take_port origin_o
take_port origin_n
log "starting the counting origin on 127.0.0.1:$origin_o (oversky's) and :$origin_n (nginx's)"
spawn "python origin" "$tmp/origin.log" "$python_bin" "$tmp/origin.py" "$tmp/www/big.bin" "$origin_o" "$origin_n"
(wait_http "http://127.0.0.1:$origin_o/count?port=$origin_o" "$last_pid" "the origin" 15) || { cat "$tmp/origin.log" >&2; exit 1; }

take_port nginx_port
write_nginx_conf cache 2 off <<EOF
  proxy_cache_path $tmp/nginx-cache levels=1:2 keys_zone=bench:10m max_size=4g inactive=1h use_temp_path=off;
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://127.0.0.1:$origin_n;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache bench;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 60s;
      proxy_cache_valid 200 1h;
    }
  }
EOF
start_nginx cache "the caching nginx" "http://127.0.0.1:$nginx_port/count?port=$origin_n"
start_oversky --site "$SITE=http://127.0.0.1:$origin_o" --allow-private-origins --no-request-log

# The same random spans for both proxies.
mapfile -t spans < <("$python_bin" -c "
import random
r = random.Random(7)
for _ in range($RANGES):
    a = r.randrange($FILE_BYTES - 1)
    print(a, min($FILE_BYTES - 1, a + r.randrange($SPAN)))")

fetch_range() { # BASE I: range I through BASE into answers/, checked against the file; prints ms
  local base=$1 i=$2 a b code t
  read -r a b <<<"${spans[$i]}"
  t=$(curl -sS -o "$tmp/answers/$i" -H "Host: $SITE" -H "Range: bytes=$a-$b" -w '%{http_code} %{time_total}' "$base/big.bin")
  code=${t%% *}
  [ "$code" = 206 ] || die "range $i ($a-$b) through $base answered $code"
  cmp -s "$tmp/answers/$i" <(tail -c +$((a + 1)) "$tmp/www/big.bin" | head -c $((b - a + 1))) \
    || die "range $i ($a-$b) through $base has the wrong bytes"
  awk -v s="${t#* }" 'BEGIN { printf "%.0f\n", s * 1000 }'
}

measure() { # SERVER BASE ORIGIN_PORT: the ranges through BASE; sets result[SERVER,...]
  local server=$1 base=$2 port=$3 half=$((RANGES / 2)) i pids=() ms=()
  log "$server: $half ranges at once, then $((RANGES - half)) in turn"
  for ((i = 0; i < half; i++)); do
    fetch_range "$base" "$i" > "$tmp/answers/ms-$i" & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i" || die "$server: a concurrent range failed"; done
  for ((i = half; i < RANGES; i++)); do fetch_range "$base" "$i" > "$tmp/answers/ms-$i"; done
  read -r result[$server,requests] result[$server,bytes] < <(curl -sS "http://127.0.0.1:$origin_o/count?port=$port")
  result[$server,p50]=$(cat "$tmp/answers"/ms-* | median)
}

note_start
measure oversky "http://127.0.0.1:$oversky_port" "$origin_o"
measure nginx "http://127.0.0.1:$nginx_port" "$origin_n"

mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
cat <<EOF
### $(date -u '+%Y-%m-%d %H:%M UTC') (commit $(git -C "$oversky_root" rev-parse --short HEAD 2>/dev/null || echo unknown))

\`bash bench/range-origin.sh\` (FILE_BYTES=$FILE_BYTES RANGES=$RANGES SPAN=$SPAN), $(nproc) cores, load before $load_start.
$RANGES range requests of up to $SPAN bytes each on a cold ${FILE_BYTES}-byte object ($((RANGES / 2)) at once, then the rest in turn); every answer a 206 with the right bytes.

| proxy | origin requests | origin bytes | copies of the file | range latency p50 |
|---|---|---|---|---|
| oversky | ${result[oversky,requests]} | $(mib "${result[oversky,bytes]}") MiB | $(ratio "${result[oversky,bytes]}" "$FILE_BYTES") | ${result[oversky,p50]} ms |
| nginx \`proxy_cache\` | ${result[nginx,requests]} | $(mib "${result[nginx,bytes]}") MiB | $(ratio "${result[nginx,bytes]}" "$FILE_BYTES") | ${result[nginx,p50]} ms |
EOF
