#!/usr/bin/env bash
# A cold sequential crawl of a whole site through oversky (--site) and through nginx's
# proxy_cache, both storing every file, in front of the same origin, on loopback.
#
# The origin is an nginx with FILES files of random bytes (sizes drawn from a fixed seed: mostly
# 1-16 KiB, some up to 128 KiB, a few up to 1 MiB, as a website's) sent with Cache-Control:
# max-age=3600. A python3 crawler asks each proxy for every file in turn on one kept-alive
# connection, as wget mirroring a site does, and checks each answer's length; it prints the
# crawl's wall time and the latency of each miss. Then it crawls the origin itself, for the floor.
# The proxies are crawled in turn (the order alternating), each cold, ROUNDS times with a new
# cache each time, the disk synced before each crawl. The result
# is a Markdown section on stdout, ready for docs/benchmarks.md; progress goes to stderr.
#
#   bash bench/cold-crawl.sh > result.md
#   FILES=500 ROUNDS=1 bash bench/cold-crawl.sh
#   PROFILE=DIR ASYNC_PROFILER=.../libasyncProfiler.so [PROFILE_EVENT=wall] bash bench/cold-crawl.sh
#     (async-profiler on the node for each measured crawl: DIR/oversky-roundN.collapsed)
set -euo pipefail

bench_name=cold-crawl
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FILES=${FILES:-1825}        # files in the site
WARM=${WARM:-6000}          # files of another part of the site crawled first, to warm each proxy up (0: none)
WARM_PASSES=${WARM_PASSES:-1} # warm-up crawls of those files, each pass but the first with its own query string (misses again)
ROUNDS=${ROUNDS:-3}         # cold crawls per proxy (a new cache each)
SITE=bench.test

need_positive_ints FILES ROUNDS WARM_PASSES STARTUP_TIMEOUT
[[ $WARM =~ ^[0-9]+$ ]] || die "WARM expects a whole number, got '$WARM'"
[ "$FILES" -le 20000 ] || die "FILES ($FILES) is capped at 20000"
[ "$ROUNDS" -le 10 ] || die "ROUNDS ($ROUNDS) is capped at 10"
[ "$WARM_PASSES" -le 10 ] || die "WARM_PASSES ($WARM_PASSES) is capped at 10"

ensure_tools nginx curl python3
need_profiler
python_bin=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
trap_cleanup
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
mkdir -p "$tmp/www/site" "$tmp/www/warm" "$tmp/origin-temp" "$tmp/cache-temp"

log "writing $FILES files into $tmp/www/site"
"$python_bin" - "$tmp/www/site" "$FILES" > "$tmp/files.txt" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
r = random.Random(1825)
for i in range(n):
    u = r.random()
    size = r.randint(1024, 16384) if u < 0.7 else r.randint(16384, 131072) if u < 0.95 else r.randint(131072, 1048576)
    name = "f%05d.%s" % (i, r.choice(["html", "css", "js", "png", "jpg", "svg"]))
    with open(os.path.join(root, name), "wb") as f:
        f.write(os.urandom(size))
    print("/site/%s %d" % (name, size))
EOF
total_bytes=$(awk '{ s += $2 } END { print s }' "$tmp/files.txt")
# The warm-up part: files of the same sizes under /warm/, never part of the measured crawl.
"$python_bin" - "$tmp/www/warm" "$WARM" > "$tmp/warm.txt" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
r = random.Random(7)
for i in range(n):
    u = r.random()
    size = r.randint(1024, 16384) if u < 0.7 else r.randint(16384, 131072) if u < 0.95 else r.randint(131072, 1048576)
    name = "w%05d.%s" % (i, r.choice(["html", "css", "js", "png", "jpg", "svg"]))
    with open(os.path.join(root, name), "wb") as f:
        f.write(os.urandom(size))
    print("/warm/%s %d" % (name, size))
EOF

cat > "$tmp/crawl.py" <<'EOF'
import http.client, sys, time
host, port, site, listing = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
suffix = sys.argv[5] if len(sys.argv) > 5 else ""
if not open(listing).read().strip():
    print("0 0 0")
    sys.exit(0)
files = [l.split() for l in open(listing)]
conn = http.client.HTTPConnection(host, port, timeout=60)
lat = []
start = time.perf_counter()
for path, size in files:
    t = time.perf_counter()
    conn.request("GET", path + suffix, headers={"Host": site, "User-Agent": "crawl"})
    r = conn.getresponse()
    body = r.read()
    lat.append((time.perf_counter() - t) * 1000)
    if r.status != 200 or len(body) != int(size):
        sys.exit("%s: status %d, %d bytes (expected %s)" % (path, r.status, len(body), size))
wall = time.perf_counter() - start
lat.sort()
print("%.3f %.2f %.2f" % (wall, lat[len(lat) // 2], lat[int(len(lat) * 0.99)]))
EOF

take_port origin_port
write_nginx_conf origin 1 off <<EOF
  access_log off;
  server {
    listen 127.0.0.1:$origin_port;
    root $tmp/www;
    add_header Cache-Control "max-age=3600";
  }
EOF
start_nginx origin "the origin nginx" "http://127.0.0.1:$origin_port/site/$(head -1 "$tmp/files.txt" | cut -d' ' -f1 | xargs basename)"

take_port cache_port
crawl() { # PORT [LISTING [SUFFIX]] -> "wall p50 p99"
  "$python_bin" "$tmp/crawl.py" 127.0.0.1 "$1" "$SITE" "${2:-$tmp/files.txt}" "${3:-}" || die "the crawl through port $1 failed"
}
warm_up() { # PORT: WARM_PASSES crawls of the warm-up files, each pass after the first with its own query
  local pass
  for ((pass = 1; pass <= WARM_PASSES; pass++)); do
    crawl "$1" "$tmp/warm.txt" "$( ((pass == 1)) || echo "?pass=$pass")" > /dev/null
  done
}

declare -a o_wall n_wall o_p50 n_p50 o_p99 n_p99
note_start
run_oversky() { # one cold crawl through a new node
  # Each round's cache is moved aside, not deleted: on ext4 without a journal, a new file skips
  # past every inode deleted in the last half minute, and would pay for the previous round.
  [ ! -e "$tmp/data" ] || mv "$tmp/data" "$tmp/data.$round.old"
  start_oversky --site "$SITE=http://127.0.0.1:$origin_port" --allow-private-origins --no-request-log
  warm_up "$oversky_port"
  log "round $round: crawling $FILES files through oversky"
  profile "$oversky_pid" start
  read -r w p50 p99 < <(crawl "$oversky_port")
  profile "$oversky_pid" stop "oversky-round$round"
  o_wall+=("$w"); o_p50+=("$p50"); o_p99+=("$p99")
  stop_tree "$oversky_pid" oversky
}

run_nginx() { # one cold crawl through a new nginx proxy_cache
  [ ! -e "$tmp/nginx-cache" ] || mv "$tmp/nginx-cache" "$tmp/nginx-cache.$round.old"
  mkdir -p "$tmp/nginx-cache"
  write_nginx_conf cache 2 off <<EOF
  access_log off;
  proxy_cache_path $tmp/nginx-cache levels=1:2 keys_zone=crawl:50m max_size=10g inactive=1h use_temp_path=off;
  server {
    listen 127.0.0.1:$cache_port;
    location / {
      proxy_pass http://127.0.0.1:$origin_port;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache crawl;
      proxy_cache_lock on;
    }
  }
EOF
  start_nginx cache "the caching nginx" "http://127.0.0.1:$cache_port/nothing-here" "$SITE" any
  cache_pid=$last_pid
  warm_up "$cache_port"
  log "round $round: crawling $FILES files through nginx"
  read -r w p50 p99 < <(crawl "$cache_port")
  n_wall+=("$w"); n_p50+=("$p50"); n_p99+=("$p99")
  stop_tree "$cache_pid" nginx
}

for ((round = 1; round <= ROUNDS; round++)); do
  # Each crawl starts with the page cache's dirty pages written (neither pays for the other's
  # writes), and the order alternates between rounds.
  sync
  if ((round % 2)); then run_oversky; sync; run_nginx; else run_nginx; sync; run_oversky; fi
done
log "crawling the origin itself"
read -r origin_wall origin_p50 _ < <(crawl "$origin_port")

med() { printf '%s\n' "$@" | median; }
ow=$(med "${o_wall[@]}"); nw=$(med "${n_wall[@]}")
cat <<EOF
### $(date -u '+%Y-%m-%d %H:%M UTC') (commit $(git -C "$oversky_root" rev-parse --short HEAD 2>/dev/null || echo unknown))

\`bash bench/cold-crawl.sh\` (FILES=$FILES WARM=$WARM WARM_PASSES=$WARM_PASSES ROUNDS=$ROUNDS), $(nproc) cores, load before $load_start.
$FILES files, $(awk -v b="$total_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB in all, crawled in turn on one connection, each proxy cold for them and storing every file, after $WARM_PASSES warm-up crawl(s) of $WARM other files (misses each time); the disk synced before each crawl, the order alternating between rounds; medians of $ROUNDS rounds (each round's figures in brackets).

| | crawl wall time | miss latency p50 | miss latency p99 |
|---|---|---|---|
| oversky | $ow s [${o_wall[*]}] | $(med "${o_p50[@]}") ms [${o_p50[*]}] | $(med "${o_p99[@]}") ms [${o_p99[*]}] |
| nginx \`proxy_cache\` | $nw s [${n_wall[*]}] | $(med "${n_p50[@]}") ms [${n_p50[*]}] | $(med "${n_p99[@]}") ms [${n_p99[*]}] |
| the origin alone (no cache) | $origin_wall s | $origin_p50 ms | |

oversky / nginx wall time: **$(ratio "$ow" "$nw")** (target: at most 1.3).
EOF
