#!/usr/bin/env bash
# The offload experiment with every node a process of its own, started through the launcher as an
# operator runs it (`MODE=processes bash bench/offload.sh` runs this). One origin (python3, a delay
# of ORIGIN_DELAY_MS per answer, OBJECT_BYTES bytes per object, counting its requests), NODES
# `oversky serve` processes on loopback, and CLIENTS python3 clients asking random nodes for
# REQUESTS objects of OBJECTS with a Zipf(1.0) popularity. The same load runs twice in one run:
# independent nodes (no cluster secret), then cooperating ones (one site cluster). Each time the
# nodes first serve WARM requests for other objects (warm JVMs), then the measured load. It prints
# a Markdown section: wall time, node CPU per request (all nodes' user+system time from /proc, and
# the part of it spent by the JVMs' JIT compiler threads, to tell a JVM still warming up),
# origin requests per object, latency by outcome, and the DHT's message figures per fill.
#
#   MODE=processes bash bench/offload.sh > result.md
#   MODE=processes NODES=30 REQUESTS=4000 bash bench/offload.sh
#   MODE=processes COOP_SITE_OPTIONS=';shield=url' bash bench/offload.sh   # options for the cluster's site
#   MODE=processes RATE=800 bash bench/offload.sh     # the measured load at a fixed rate, latency from each request's due time
#   MODE=processes IDLE=30 bash bench/offload.sh      # the nodes' CPU over 30 s without requests (default 10, 0: not measured)
#   MODE=processes WARM=20000 WARM_OBJECTS=20000 bash bench/offload.sh  # a warm-up of mostly fills (their code compiled before the measured load)
#   MODE=processes SLOW_OUT=slow.json bash bench/offload.sh  # every hit over 50 ms: [sent at, s; node; ms], by mode
#   MODE=processes KEEP_LOGS=dir bash bench/offload.sh      # the nodes' logs copied to dir before they go
set -euo pipefail

bench_name=offload-processes
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NODES=${NODES:-10}                  # oversky serve processes
OBJECTS=${OBJECTS:-1000}            # objects at the origin
REQUESTS=${REQUESTS:-20000}         # measured requests, in all
WARM=${WARM:-4000}                  # requests for other objects before the measured load
WARM_OBJECTS=${WARM_OBJECTS:-$OBJECTS} # how many other objects the warm-up asks for (more: more fills, the fill path's code compiled)
CLIENTS=${CLIENTS:-32}              # concurrent clients
OBJECT_BYTES=${OBJECT_BYTES:-16384} # size of every object
ORIGIN_DELAY_MS=${ORIGIN_DELAY_MS:-20}
HEAP=${HEAP:-256m}                  # each node's -Xmx
export RATE=${RATE:-0}              # measured requests a second in all (0: as fast as the clients go)
export COOP_SITE_OPTIONS=${COOP_SITE_OPTIONS:-} # appended to the cooperating nodes' --site (';shield=url')
IDLE=${IDLE:-10}                    # seconds without requests after the warm-up: the nodes' CPU at rest
SECRET=offload-processes
SITE=site.test
export IDLE WARM_OBJECTS

need_positive_ints NODES OBJECTS WARM_OBJECTS REQUESTS CLIENTS OBJECT_BYTES STARTUP_TIMEOUT
[[ $RATE =~ ^[0-9]+$ ]] || die "RATE expects a whole number of requests a second (0: as fast as the clients go), got '$RATE'"
[[ $WARM =~ ^[0-9]+$ ]] || die "WARM expects a whole number, got '$WARM'"
[[ $IDLE =~ ^[0-9]+$ ]] || die "IDLE expects a whole number of seconds (0: not measured), got '$IDLE'"
[[ -z $COOP_SITE_OPTIONS || $COOP_SITE_OPTIONS == \;* ]] || die "COOP_SITE_OPTIONS starts with ';' (as ';shield=url'), got '$COOP_SITE_OPTIONS'"
need_profiler
[[ $ORIGIN_DELAY_MS =~ ^[0-9]+$ ]] || die "ORIGIN_DELAY_MS expects a whole number of ms, got '$ORIGIN_DELAY_MS'"
[ "$NODES" -le 50 ] || die "NODES ($NODES) is capped at 50"
[ "$REQUESTS" -le 200000 ] || die "REQUESTS ($REQUESTS) is capped at 200000"
ensure_tools curl python3
python_bin=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
trap_cleanup
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")

# --- the origin: a delay, then OBJECT_BYTES bytes determined by the path; GET /counts tells how
# many requests each path had (and POST /counts/reset forgets them).
cat > "$tmp/origin.py" <<'PYEOF'
import http.server, json, random, sys, threading, time
port, delay, size = int(sys.argv[1]), int(sys.argv[2]) / 1000.0, int(sys.argv[3])
counts, lock = {}, threading.Lock()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        with lock: counts.clear()
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def do_GET(self):
        if self.path == "/counts":
            with lock: body = json.dumps(counts).encode()
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body); return
        with lock: counts[self.path] = counts.get(self.path, 0) + 1
        time.sleep(delay)
        body = random.Random(self.path).randbytes(size)
        self.send_response(200)
        self.send_header("Cache-Control", "public, max-age=3600")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
Server(("127.0.0.1", port), Handler).serve_forever()
PYEOF

# --- the load: CLIENTS threads, each request to a random node, every body checked; prints one JSON
# line with the wall time and each request's outcome and latency.
cat > "$tmp/load.py" <<'PYEOF'
import bisect, http.client, json, random, sys, threading, time
ports = [int(p) for p in sys.argv[1].split(",")]
prefix, objects, requests, clients, size, seed = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
rate = float(sys.argv[8]) if len(sys.argv) > 8 else 0.0  # requests a second in all; 0: each client sends its next at once
r = random.Random(seed)
weights = [1.0 / k for k in range(1, objects + 1)]
cdf, s = [], 0.0
for w in weights:
    s += w; cdf.append(s)
plan = [(min(bisect.bisect_left(cdf, r.random() * s), objects - 1), r.randrange(len(ports))) for _ in range(requests)]
nxt, lock = [0], threading.Lock()
out = {"hit": [], "hitAt": [], "peer": [], "origin": [], "errors": [], "mismatches": 0, "mismatchDetails": [], "slow": []}
def client():
    conns = {}
    mine = {"hit": [], "hitAt": [], "peer": [], "origin": []}
    while True:
        with lock:
            i = nxt[0]; nxt[0] += 1
        if i >= len(plan): break
        obj, node = plan[i]
        path = "%s%d" % (prefix, obj)
        t = time.perf_counter()
        if rate > 0:
            # A fixed rate: request i is due at start + i / rate, and its latency counts from
            # then, a wait for a free client included (no coordinated omission).
            due = start + i / rate
            if due > t:
                time.sleep(due - t)
            t = due
        resp = None
        for attempt in (1, 2):
            # A kept-alive connection the node closed while idle (http.idle-timeout) fails at once:
            # sent again on a new one, as browsers do. Any other failure is an error.
            reused = node in conns
            try:
                c = conns.get(node) or http.client.HTTPConnection("127.0.0.1", ports[node], timeout=60)
                conns[node] = c
                c.request("GET", path, headers={"Host": "site.test"})
                resp = c.getresponse(); body = resp.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                conns.pop(node, None)
                if reused and attempt == 1:
                    t = time.perf_counter()
                    continue
                with lock: out["errors"].append("%s via node %d: %s" % (path, node, e))
            except Exception as e:
                conns.pop(node, None)
                with lock: out["errors"].append("%s via node %d: %s" % (path, node, e))
                break
        if resp is None:
            continue
        ms = (time.perf_counter() - t) * 1000
        if resp.status != 200 or body != random.Random(path).randbytes(size):
            with lock:
                out["mismatches"] += 1
                if len(out["mismatchDetails"]) < 10:
                    out["mismatchDetails"].append("%s via node %d: status %d, %d bytes, Cache-Status %s"
                                         % (path, node, resp.status, len(body), resp.getheader("Cache-Status", "")))
            continue
        cs = resp.getheader("Cache-Status", "")
        kind = "peer" if "fwd=peer" in cs else "hit" if "hit" in cs else "origin"
        mine[kind].append(ms)
        if kind == "hit":
            mine["hitAt"].append(round(t - start, 3)) # when it was due: the hits' tail by part of the run
        if kind == "hit" and ms > 50:
            # The slow hits, each with when it was sent (s from the start) and through which node,
            # to tell a pause of one node from the whole machine's.
            mine.setdefault("slow", []).append([round(t - start, 3), node, round(ms, 1)])
    with lock:
        for k, v in mine.items(): out[k].extend(v)
start = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(clients)]
for th in threads: th.start()
for th in threads: th.join()
out["wall"] = time.perf_counter() - start
out["distinct"] = len({o for o, _ in plan})
out["errorCount"] = len(out["errors"])
out["errors"] = out["errors"][:5] + (["..."] if len(out["errors"]) > 5 else [])
out["slow"].sort()
print(json.dumps(out))
PYEOF

take_port origin_port
spawn origin "$tmp/origin.log" "$python_bin" "$tmp/origin.py" "$origin_port" "$ORIGIN_DELAY_MS" "$OBJECT_BYTES"
wait_http "http://127.0.0.1:$origin_port/counts" "$last_pid" "the origin" 30

cpu_ticks() { # PID... -> user+system clock ticks of these processes, summed
  local p sum=0 t
  for p in "$@"; do
    t=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    sum=$((sum + t))
  done
  echo "$sum"
}

jit_ticks() { # PID... -> user+system clock ticks of these processes' JIT compiler threads, summed
  local p sum=0 t
  for p in "$@"; do
    # /proc/PID/task/TID/stat: "TID (comm) state ..."; utime and stime are fields 12 and 13 after
    # the comm, which may hold spaces ("C2 CompilerThre").
    t=$(cat /proc/"$p"/task/*/stat 2>/dev/null | awk '/\(C[12] CompilerThre\)/ { sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }')
    sum=$((sum + t))
  done
  echo "$sum"
}

status_sum() { # FIELD(dht.x or cluster.x) -> the field summed over the running nodes
  local port total=0 v
  for port in "${node_ports[@]}"; do
    v=$(curl -sS --max-time 5 "http://127.0.0.1:$port/api/v1/status" | "$python_bin" -c \
      'import json, sys; d = json.load(sys.stdin); a, b = sys.argv[1].split("."); print(int(d.get(a, {}).get(b, 0) or 0))' "$1" || echo 0)
    total=$((total + v))
  done
  echo "$total"
}

by_type() { # FILE: every running node's DHT requests received, by RPC, summed, as JSON in FILE
  local port n=0
  for port in "${node_ports[@]}"; do
    curl -sS --max-time 10 "http://127.0.0.1:$port/api/v1/status" > "$1.$n" || echo '{}' > "$1.$n"
    n=$((n + 1))
  done
  "$python_bin" - "$1" "$n" <<'PYEOF'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
total = {}
for i in range(n):
    try:
        d = json.load(open("%s.%d" % (out, i)))
    except ValueError:
        continue
    for k, v in (d.get("dht", {}).get("rpcReceivedByType") or {}).items():
        total[k] = total.get(k, 0) + v
json.dump(total, open(out, "w"))
PYEOF
}

start_nodes() { # MODE (independent|cooperating): starts NODES nodes, each on a port and data dir of its own
  local mode=$1 i args node_port port site
  node_ports=(); node_pids=()
  for ((i = 0; i < NODES; i++)); do
    take_port node_port
    site="$SITE=http://127.0.0.1:$origin_port"
    [ "$mode" != cooperating ] || site+=$COOP_SITE_OPTIONS
    args=(serve --listen "127.0.0.1:$node_port" --data "$tmp/$mode/node$i" --site "$site"
      --allow-private-origins --no-request-log)
    if [ "$mode" = cooperating ]; then
      args+=(--cluster-secret "$SECRET")
      [ "$i" -eq 0 ] || args+=(--bootstrap "http://127.0.0.1:${node_ports[0]}")
    fi
    OVERSKY_JAVA_OPTS="-Xmx$HEAP ${OVERSKY_JAVA_OPTS:-}" spawn "node$i" "$tmp/$mode-node$i.log" "$OVERSKY" "${args[@]}"
    node_pids+=("$last_pid"); node_ports+=("$node_port")
    wait_http "http://127.0.0.1:$node_port/healthz" "$last_pid" "node $i" "$STARTUP_TIMEOUT"
  done
  if [ "$mode" = cooperating ]; then
    local want=$((NODES - 1)) deadline=$((SECONDS + 60)) c
    [ "$want" -le 20 ] || want=20
    for port in "${node_ports[@]}"; do
      while :; do
        c=$(curl -sS --max-time 5 "http://127.0.0.1:$port/api/v1/status" | "$python_bin" -c 'import json,sys; print(json.load(sys.stdin)["dht"]["contacts"])' || echo 0)
        [ "$c" -ge "$want" ] && break
        [ "$SECONDS" -lt "$deadline" ] || die "node on port $port knows $c nodes after 60 s (wanted $want)"
        sleep 0.5
      done
    done
  fi
}

profile_nodes() { # MODE start|stop: with PROFILE, one collapsed-stacks file per node and mode
  local i
  for ((i = 0; i < ${#node_pids[@]}; i++)); do profile "${node_pids[$i]}" "$2" "$1-node$i"; done
}

stop_nodes() {
  local i
  for ((i = ${#node_pids[@]} - 1; i >= 0; i--)); do stop_tree "${node_pids[$i]}" "node$i"; done
}

declare -A res
run_mode() { # MODE
  local mode=$1 ports before after
  log "$mode: starting $NODES nodes"
  start_nodes "$mode"
  ports=$(IFS=,; echo "${node_ports[*]}")
  if [ "$WARM" -gt 0 ]; then
    log "$mode: warm-up, $WARM requests for $WARM_OBJECTS other objects"
    "$python_bin" "$tmp/load.py" "$ports" /warm/ "$WARM_OBJECTS" "$WARM" "$CLIENTS" "$OBJECT_BYTES" 7 > /dev/null
  fi
  res[$mode,idle_ms]=0; res[$mode,idle_jit_ms]=0
  if [ "$IDLE" -gt 0 ]; then
    log "$mode: $IDLE s without requests"
    before=$(cpu_ticks "${node_pids[@]}"); jit_before=$(jit_ticks "${node_pids[@]}")
    sleep "$IDLE" # the measured span itself, nothing waited for
    after=$(cpu_ticks "${node_pids[@]}"); jit_after=$(jit_ticks "${node_pids[@]}")
    res[$mode,idle_ms]=$(( (after - before) * 1000 / $(getconf CLK_TCK) ))
    res[$mode,idle_jit_ms]=$(( (jit_after - jit_before) * 1000 / $(getconf CLK_TCK) ))
  fi
  curl -sS --max-time 10 -X POST "http://127.0.0.1:$origin_port/counts" > /dev/null
  local sent0 recv0 failed0 rejected0 lookups0 timeouts0
  sent0=$(status_sum dht.rpcSent); recv0=$(status_sum dht.rpcReceived); failed0=$(status_sum dht.rpcFailed)
  rejected0=$(status_sum dht.rpcRejected); lookups0=$(status_sum cluster.recordLookups); timeouts0=$(status_sum cluster.recordLookupTimeouts)
  by_type "$tmp/$mode-types-before.json"
  profile_nodes "$mode" start
  before=$(cpu_ticks "${node_pids[@]}"); jit_before=$(jit_ticks "${node_pids[@]}")
  log "$mode: measured load, $REQUESTS requests from $CLIENTS clients"
  "$python_bin" "$tmp/load.py" "$ports" /obj/ "$OBJECTS" "$REQUESTS" "$CLIENTS" "$OBJECT_BYTES" 1 "$RATE" > "$tmp/$mode-load.json"
  after=$(cpu_ticks "${node_pids[@]}"); jit_after=$(jit_ticks "${node_pids[@]}")
  profile_nodes "$mode" stop
  res[$mode,load]=$tmp/$mode-load.json
  res[$mode,cpu_ms]=$(( (after - before) * 1000 / $(getconf CLK_TCK) ))
  res[$mode,jit_ms]=$(( (jit_after - jit_before) * 1000 / $(getconf CLK_TCK) ))
  res[$mode,origin]=$(curl -sS --max-time 10 "http://127.0.0.1:$origin_port/counts" | "$python_bin" -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')
  res[$mode,sent]=$(( $(status_sum dht.rpcSent) - sent0 )); res[$mode,recv]=$(( $(status_sum dht.rpcReceived) - recv0 ))
  res[$mode,failed]=$(( $(status_sum dht.rpcFailed) - failed0 )); res[$mode,rejected]=$(( $(status_sum dht.rpcRejected) - rejected0 ))
  res[$mode,lookups]=$(( $(status_sum cluster.recordLookups) - lookups0 )); res[$mode,timeouts]=$(( $(status_sum cluster.recordLookupTimeouts) - timeouts0 ))
  by_type "$tmp/$mode-types-after.json"
  for ((i = 0; i < NODES; i++)); do
    ! grep -qE "$exception_re" "$tmp/$mode-node$i.log" || log "warning: $mode node $i logged an exception (see its log${KEEP_LOGS:+ in $KEEP_LOGS})"
  done
  if [ -n "${KEEP_LOGS:-}" ]; then
    mkdir -p "$KEEP_LOGS" && cp "$tmp/$mode"-node*.log "$KEEP_LOGS/" || log "warning: could not copy the nodes' logs to $KEEP_LOGS"
  fi
  stop_nodes
}

note_start
run_mode independent
run_mode cooperating

"$python_bin" - "$REQUESTS" "$CLIENTS" "$NODES" "$OBJECTS" "$OBJECT_BYTES" "$ORIGIN_DELAY_MS" "$WARM" \
  "${res[independent,load]}" "${res[cooperating,load]}" \
  "${res[independent,cpu_ms]} ${res[independent,jit_ms]} ${res[independent,origin]} ${res[independent,sent]} ${res[independent,recv]} ${res[independent,failed]} ${res[independent,rejected]} ${res[independent,lookups]} ${res[independent,timeouts]} ${res[independent,idle_ms]} ${res[independent,idle_jit_ms]}" \
  "${res[cooperating,cpu_ms]} ${res[cooperating,jit_ms]} ${res[cooperating,origin]} ${res[cooperating,sent]} ${res[cooperating,recv]} ${res[cooperating,failed]} ${res[cooperating,rejected]} ${res[cooperating,lookups]} ${res[cooperating,timeouts]} ${res[cooperating,idle_ms]} ${res[cooperating,idle_jit_ms]}" \
  "$(date -u '+%Y-%m-%d %H:%M UTC')" "$(git -C "$oversky_root" rev-parse --short HEAD 2>/dev/null || echo unknown)" "$(nproc)" "$load_start" \
  "$tmp/cooperating-types-before.json" "$tmp/cooperating-types-after.json" <<'PYEOF'
import json, sys
(requests, clients, nodes, objects, size, delay, warm), loads, figs = sys.argv[1:8], sys.argv[8:10], sys.argv[10:12]
when, commit, cores, load = sys.argv[12:16]
def q(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, int(-(-p * len(v) // 1)) - 1))] if v else float("nan")
rows = {}
for name, l, f in zip(["independent", "cooperating"], loads, figs):
    d = json.load(open(l))
    cpu, jit, origin, sent, recv, failed, rejected, lookups, timeouts, idle, idle_jit = (int(x) for x in f.split())
    done = len(d["hit"]) + len(d["peer"]) + len(d["origin"])
    fills = len(d["peer"]) + len(d["origin"])
    rows[name] = dict(d=d, done=done, fills=fills, cpu=cpu, jit=jit, origin=origin, sent=sent, recv=recv, failed=failed,
                      rejected=rejected, lookups=lookups, timeouts=timeouts, idle=idle, idle_jit=idle_jit)
def share(row):
    d = row["d"]
    total = float(clients) * d["wall"]
    hits = sum(d["hit"]) / 1000.0
    fills = (sum(d["peer"]) + sum(d["origin"])) / 1000.0
    return 100 * hits / total, 100 * fills / total, hits / d["wall"]
def lat(v):
    return "—" if not v else "%.1f / %.1f" % (q(v, .5), q(v, .99))
print("### %s (commit %s)\n" % (when, commit))
import os
opts = os.environ.get("COOP_SITE_OPTIONS", "")
rate = os.environ.get("RATE", "0")
print("`MODE=processes bash bench/offload.sh` (NODES=%s OBJECTS=%s REQUESTS=%s WARM=%s%s CLIENTS=%s OBJECT_BYTES=%s ORIGIN_DELAY_MS=%s%s%s), %s cores, load before %s. Each node an `oversky serve` process; the same Zipf(1.0) load on independent nodes, then on one site cluster%s, in one run, after %s warm-up requests for other objects.\n"
      % (nodes, objects, requests, warm, " WARM_OBJECTS=%s" % os.environ["WARM_OBJECTS"] if os.environ.get("WARM_OBJECTS", objects) != objects else "", clients, size, delay, " RATE=%s" % rate if rate != "0" else "", " COOP_SITE_OPTIONS='%s'" % opts if opts else "", cores, load,
         " (its site with `%s`)" % opts.lstrip(";") if opts else "", warm))
print("| | independent | cooperating | cooperating / independent |")
print("|---|---|---|---|")
i, c = rows["independent"], rows["cooperating"]
def r(label, a, b, fmt="%.1f", ratio=True):
    rr = ("%.2f" % (b / a)) if ratio and a else ""
    print("| %s | %s | %s | %s |" % (label, fmt % a if isinstance(a, (int, float)) else a, fmt % b if isinstance(b, (int, float)) else b, rr))
r("requests completed", i["done"], c["done"], "%d", False)
r("wall time, s", i["d"]["wall"], c["d"]["wall"], "%.2f")
r("node CPU per request, ms (all nodes)", i["cpu"] / max(1, i["done"]), c["cpu"] / max(1, c["done"]), "%.2f")
r("of it the JIT compiler threads, ms", i["jit"] / max(1, i["done"]), c["jit"] / max(1, c["done"]), "%.2f")
r("node CPU per request without the JIT, ms", (i["cpu"] - i["jit"]) / max(1, i["done"]), (c["cpu"] - c["jit"]) / max(1, c["done"]), "%.2f")
idle_s = float(os.environ.get("IDLE", "0"))
if idle_s > 0:
    r("node CPU at rest (%g s, no requests), ms a second, all nodes; of it the JIT" % idle_s, "%.1f; %.1f" % (i["idle"] / idle_s, i["idle_jit"] / idle_s),
      "%.1f; %.1f" % (c["idle"] / idle_s, c["idle_jit"] / idle_s), "%s", False)
r("origin requests per object", i["origin"] / i["d"]["distinct"], c["origin"] / c["d"]["distinct"], "%.3f")
r("mismatches / errors", "%d / %d" % (i["d"]["mismatches"], i["d"]["errorCount"]), "%d / %d" % (c["d"]["mismatches"], c["d"]["errorCount"]), "%s", False)
r("hits: share, p50 / p99 ms", "%.1f %%, %s" % (100 * len(i["d"]["hit"]) / max(1, i["done"]), lat(i["d"]["hit"])), "%.1f %%, %s" % (100 * len(c["d"]["hit"]) / max(1, c["done"]), lat(c["d"]["hit"])), "%s", False)
# In a closed loop the clients' time is shared between outcomes: time a fill leaves to the others
# (an origin's delay) is time more hits run at once, so compare hits at a fixed rate (RATE=).
r("clients' time in hits / fills (hits in flight on average)", "%.0f %% / %.0f %% (%.1f)" % share(i), "%.0f %% / %.0f %% (%.1f)" % share(c), "%s", False)
r("peer fills: count, p50 / p99 ms", "%d, %s" % (len(i["d"]["peer"]), lat(i["d"]["peer"])), "%d, %s" % (len(c["d"]["peer"]), lat(c["d"]["peer"])), "%s", False)
r("origin fills: count, p50 / p99 ms", "%d, %s" % (len(i["d"]["origin"]), lat(i["d"]["origin"])), "%d, %s" % (len(c["d"]["origin"]), lat(c["d"]["origin"])), "%s", False)
r("DHT requests sent / received", "%d / %d" % (i["sent"], i["recv"]), "%d / %d" % (c["sent"], c["recv"]), "%s", False)
r("DHT requests sent per fill", i["sent"] / max(1, i["fills"]), c["sent"] / max(1, c["fills"]), "%.1f", False)
r("node CPU per fill, ms", i["cpu"] / max(1, i["fills"]), c["cpu"] / max(1, c["fills"]), "%.1f")
r("RPCs failed / rejected", "%d / %d" % (i["failed"], i["rejected"]), "%d / %d (%.2f %% / %.2f %%)" % (c["failed"], c["rejected"], 100 * c["failed"] / max(1, c["sent"]), 100 * c["rejected"] / max(1, c["recv"])), "%s", False)
r("record lookups, over budget", "%d, %d" % (i["lookups"], i["timeouts"]), "%d, %d (%.1f %%)" % (c["lookups"], c["timeouts"], 100 * c["timeouts"] / max(1, c["lookups"])), "%s", False)
tb, ta = (json.load(open(f)) for f in sys.argv[16:18])
types = {k: ta.get(k, 0) - tb.get(k, 0) for k in ta}
if any(types.values()):
    print("\nCooperating, DHT requests received during the measured load by RPC, per fill (%d fills): %s."
          % (c["fills"], ", ".join("`%s` %.2f" % (k, v / max(1, c["fills"])) for k, v in types.items() if v)))
for name in rows:
    slow = rows[name]["d"].get("slow", [])
    if slow:
        # Where the slow hits fall: spread over the nodes and the run (the machine), or bunched on
        # one node or one moment (a pause of one JVM).
        by_node, by_tenth = {}, {}
        wall = rows[name]["d"]["wall"]
        for t, node, ms in slow:
            by_node[node] = by_node.get(node, 0) + 1
            by_tenth[min(9, int(10 * t / wall))] = by_tenth.get(min(9, int(10 * t / wall)), 0) + 1
        print("\n%s, hits over 50 ms: %d; by node %s; by tenth of the run %s."
              % (name.capitalize(), len(slow), " ".join("%d:%d" % kv for kv in sorted(by_node.items())),
                 " ".join("%d" % by_tenth.get(k, 0) for k in range(10))))
    at = rows[name]["d"].get("hitAt", [])
    if at:
        wall = rows[name]["d"]["wall"]
        tenths = [[] for _ in range(10)]
        for t, ms in zip(at, rows[name]["d"]["hit"]):
            tenths[min(9, int(10 * t / wall))].append(ms)
        print("\n%s, hits p99 ms by tenth of the run: %s." % (name.capitalize(), " ".join("%.1f" % q(v, .99) for v in tenths)))
    if os.environ.get("SLOW_OUT"):
        json.dump({n: rows[n]["d"].get("slow", []) for n in rows}, open(os.environ["SLOW_OUT"], "w"))
for name in rows:
    if rows[name]["d"].get("mismatchDetails"):
        print("\n%s mismatches: %s" % (name, "; ".join(rows[name]["d"]["mismatchDetails"])))
    if rows[name]["d"]["errors"]:
        print("\n%s errors: %s" % (name, "; ".join(rows[name]["d"]["errors"])))
PYEOF
