#!/usr/bin/env python3
"""Request routing on real `oversky serve` processes, regions on loopback ranges.

Run through bench/routing.sh, which builds the launcher's jar first. Everything listens on
127.0.0.0/8 (region eu on 127.0.1.x, us on 127.0.2.x, ap on 127.0.3.x); the clients bind their
source address in their region's range, so the nodes route them by their real address. Only the
processes this script starts are stopped, by PID. It prints a Markdown report on stdout and its
progress on stderr.

Experiments, in order:
  1. six nodes in two regions: probe traffic per node; a client loop at 20 requests/s that
     follows the routing answers while a node it is sent to is killed with SIGKILL (time until no
     answer names it, requests that failed); then a drain and a SIGTERM of another node while
     the loop goes on (requests lost).
  2. twelve nodes in three regions: probe traffic; the share of decisions for a client of a
     region that stay in the region; a Zipf(1.0) load through a site in redirect mode and how
     much the busiest node serves against the mean.
  3. (--max-nodes 24) twenty-four nodes in three regions: probe traffic.
  4. (--partition, as root) four nodes on addresses added to the loopback interface and a fifth in a network namespace
     of its own, joined by a veth pair that is then taken down for 30 s: whether any node
     declares another down wrongly (the cut-off node must only suspect; the others may take it
     out, since none of them reaches it), and how long the cut-off node takes to come back.
"""
import argparse
import hashlib
import http.client
import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OVERSKY = os.environ.get("OVERSKY", os.path.join(ROOT, "oversky"))
REGIONS = {"eu": 1, "us": 2, "ap": 3}
TOKEN = "bench-token"
SITE = "site.test"
OBJECT_BYTES = 8192


def log(msg):
    print("routing: " + msg, file=sys.stderr, flush=True)


def free_port(ip):
    with socket.socket() as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def request(url, path, source=None, headers=None, method="GET", timeout=3.0):
    """(status, headers dict, body) for one request from source address `source`."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


def body_of(k):
    seed = hashlib.sha256(b"obj%d" % k).digest()
    return (seed * (OBJECT_BYTES // len(seed) + 1))[:OBJECT_BYTES]


class Origin:
    """A static origin on 127.0.0.1: /obj/K answers OBJECT_BYTES, cacheable for an hour."""

    def __init__(self, port=0):
        self.requests = 0
        lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                with lock:
                    outer.requests += 1
                try:
                    k = int(self.path.rsplit("/", 1)[1])
                except ValueError:
                    self.send_error(404)
                    return
                b = body_of(k)
                self.send_response(200)
                self.send_header("Content-Length", str(len(b)))
                self.send_header("Cache-Control", "max-age=3600")
                self.end_headers()
                self.wfile.write(b)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


SITE_OPTIONS = ";routing=redirect"  # --shield adds ;shield=on
EXTRA_ARGS = []                      # --shield adds a cluster secret


class Node:
    def __init__(self, tmp, ip, region, zones, origin_port, bootstrap, netns=None, port=None, extra=(), site_options=None):
        self.ip, self.region, self.netns = ip, region, netns
        self.port = port or free_port(ip)
        self.url = "http://%s:%d" % (ip, self.port)
        self.data = os.path.join(tmp, "node-%s-%d" % (ip, self.port))
        args = [OVERSKY, "serve", "--listen", "%s:%d" % (ip, self.port), "--data", self.data,
                "--region", region, "--region-map", zones, "--admin-token", TOKEN,
                "--site", "%s=http://127.0.0.1:%d%s" % (SITE, origin_port, SITE_OPTIONS if site_options is None else site_options),
                "--allow-private-origins", "--no-request-log"] + EXTRA_ARGS + list(extra)
        if bootstrap:
            args += ["--bootstrap", bootstrap]
        env = dict(os.environ, OVERSKY_JAVA_OPTS="-Xmx160m -XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        self.logfile = open(self.data + ".log", "w")
        if netns:
            args = ["ip", "netns", "exec", netns] + args  # ip execs the launcher, which execs java: one PID
        self.proc = subprocess.Popen(args, stdout=self.logfile, stderr=subprocess.STDOUT, env=env)

    def alive(self):
        return self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        if self.alive():
            self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.logfile.close()

    def json(self, path, timeout=10.0):
        status, _, body = request(self.url, path, timeout=timeout)
        if status != 200:
            raise RuntimeError("%s%s answered %d" % (self.url, path, status))
        return json.loads(body)

    def probes_sent(self):
        _, _, body = request(self.url, "/metrics")
        for line in body.decode().splitlines():
            if line.startswith("oversky_routing_probes_sent_total"):
                return float(line.split()[-1])
        raise RuntimeError(self.url + " has no oversky_routing_probes_sent_total")


def start_nodes(tmp, layout, zones, origin_port, nodes=None):
    """layout: list of (ip, region); the first node (of `nodes` when given) bootstraps the others."""
    nodes = nodes if nodes is not None else []
    for ip, region in layout:
        nodes.append(Node(tmp, ip, region, zones, origin_port, nodes[0].url if nodes else None))
    return await_started(nodes)


def await_started(nodes):
    deadline = time.monotonic() + 300
    for n in nodes:
        while True:
            if not n.alive():
                raise RuntimeError("%s exited; see %s.log" % (n.url, n.data))
            try:
                if request(n.url, "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(n.url + " did not start in 300 s")
            time.sleep(0.5)
    return nodes


def states(asked):
    return {n["url"]: n["state"] for n in asked.json("/api/v1/cluster")["nodes"]}


def wait_all_up(nodes, timeout=180):
    t0 = time.monotonic()
    want = {n.url for n in nodes}
    while time.monotonic() - t0 < timeout:
        try:
            if all({u for u, s in states(n).items() if s == "up"} >= want for n in nodes):
                return time.monotonic() - t0
        except (OSError, RuntimeError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError("not every node saw every other up within %d s" % timeout)


def probe_rate(nodes, seconds):
    before = {n.url: n.probes_sent() for n in nodes}
    t0 = time.monotonic()
    time.sleep(seconds)
    after = {n.url: n.probes_sent() for n in nodes}
    elapsed = time.monotonic() - t0
    rates = [(after[u] - before[u]) / elapsed for u in before]
    return sum(rates) / len(rates), max(rates)


def chosen(node, query):
    return [c["url"] if isinstance(c, dict) else c for c in node.json("/api/v1/routing/explain?" + query)["chosen"]]


class ClientLoop(threading.Thread):
    """A client of `region` at `rate` requests/s that follows the routing answers: it asks a node it
    was last sent to (at first, its region's nodes) where to go, then fetches the object there."""

    def __init__(self, region, entries, rate, seconds):
        super().__init__(daemon=True)
        self.source = "127.0.%d.50" % REGIONS[region]
        self.entries = list(entries)
        self.rate, self.seconds = rate, seconds
        self.log = []  # (t, node sent to or None, ok)
        self.entry_failures = 0

    def run(self):
        t0 = time.monotonic()
        i = 0
        while True:
            due = t0 + i / self.rate
            now = time.monotonic()
            if now - t0 >= self.seconds:
                return
            if due > now:
                time.sleep(due - now)
            i += 1
            self.one(i)

    def one(self, i):
        k = i % 40
        answer = None
        for entry in random.sample(self.entries, len(self.entries)):
            try:
                status, _, body = request(entry, "/api/v1/routing/explain?host=%s&path=/obj/%d" % (SITE, k),
                                          source=self.source, timeout=2)
                if status == 200:
                    answer = [c["url"] for c in json.loads(body)["chosen"]]
                    break
            except OSError:
                pass
            self.entry_failures += 1
        t = time.monotonic()
        if not answer:
            self.log.append((t, None, False))
            return
        self.entries = answer
        target = answer[0]
        try:
            status, _, body = request(target, "/.well-known/oversky/site/%s/obj/%d" % (SITE, k), source=self.source, timeout=3)
            ok = status == 200 and body == body_of(k)
        except OSError:
            ok = False
        self.log.append((t, target, ok))


def failover(nodes, report):
    eu = [n for n in nodes if n.region == "eu"]
    loop = ClientLoop("eu", [n.url for n in eu], 20, 30)
    loop.start()
    time.sleep(10)
    named = chosen(eu[0], "client=127.0.1.50&host=%s&path=/obj/1" % SITE)
    victim = next(n for n in eu if n.url in named and n is not eu[0])
    t_kill = time.monotonic()
    victim.stop(signal.SIGKILL)
    log("killed %s (pid %d) with SIGKILL" % (victim.url, victim.proc.pid))
    # Each survivor, asked four times a second: when did it stop naming the victim for an eu client?
    survivors = [n for n in nodes if n is not victim]
    gone_at = {}
    while time.monotonic() - t_kill < 19 and len(gone_at) < len(survivors):
        for n in survivors:
            if n.url in gone_at:
                continue
            try:
                if all(victim.url not in chosen(n, "client=127.0.1.50&host=%s&path=/obj/%d" % (SITE, k)) for k in range(40)):
                    gone_at[n.url] = time.monotonic() - t_kill
            except (OSError, RuntimeError):
                pass
        time.sleep(0.25)
    loop.join()
    sent_after = [(t - t_kill, ok) for t, target, ok in loop.log if target == victim.url and t >= t_kill]
    last = max((t for t, _ in sent_after), default=0.0)
    failed = sum(1 for _, _, ok in loop.log if not ok)
    report["failover"] = {
        "requests": len(loop.log), "failed": failed, "sentToDeadAfterKill": len(sent_after),
        "lastSentToDead": round(last, 2),
        "survivorsDroppedIt": sorted(round(v, 2) for v in gone_at.values()),
        "survivorsNeverDropped": len(survivors) - len(gone_at),
        "entryRetries": loop.entry_failures,
    }
    log("failover: %s" % report["failover"])
    return victim


def drain(nodes, victim, report):
    live = [n for n in nodes if n is not victim]
    eu = [n for n in live if n.region == "eu"]
    loop = ClientLoop("eu", [n.url for n in eu], 20, 25)
    loop.start()
    time.sleep(5)
    named = chosen(eu[0], "client=127.0.1.50&host=%s&path=/obj/1" % SITE)
    drained = next(n for n in eu if n.url in named)
    status, _, _ = request(drained.url, "/api/v1/drain", method="POST", headers={"Authorization": "Bearer " + TOKEN})
    if status != 200:
        raise RuntimeError("drain answered %d" % status)
    t0 = time.monotonic()
    others = [n for n in live if n is not drained]
    while time.monotonic() - t0 < 15:
        try:
            if all(states(n).get(drained.url) == "draining" for n in others):
                break
        except (OSError, RuntimeError):
            pass
        time.sleep(0.25)
    seen = time.monotonic() - t0
    drained.stop(signal.SIGTERM)
    log("drained %s: every other node saw it draining after %.1f s; stopped with SIGTERM" % (drained.url, seen))
    loop.join()
    failed = sum(1 for _, _, ok in loop.log if not ok)
    report["drain"] = {"requests": len(loop.log), "failed": failed, "seenDrainingAfter": round(seen, 2),
                       "entryRetries": loop.entry_failures}
    log("drain: %s" % report["drain"])


def locality(nodes, report, decisions=1000):
    rnd = random.Random(7)
    stayed = total = 0
    regions_with_nodes = sorted({n.region for n in nodes})
    for _ in range(decisions):
        region = rnd.choice(regions_with_nodes)
        client = "127.0.%d.%d" % (REGIONS[region], rnd.randint(100, 250))
        key = hashlib.sha256(b"%d" % rnd.randint(0, 1 << 30)).hexdigest()
        asked = rnd.choice(nodes)
        answer = asked.json("/api/v1/routing/explain?client=%s&key=%s" % (client, key))["chosen"]
        region_of = {n.url: n.region for n in nodes}
        total += 1
        stayed += bool(answer) and all(region_of.get(c["url"]) == region for c in answer)
    report["locality"] = {"decisions": total, "inRegion": stayed, "share": round(stayed / total, 4)}
    log("locality: %s" % report["locality"])


def skew(nodes, report, requests, origin, objects=1000, threads=6):
    weights = [1.0 / (k + 1) for k in range(objects)]
    asked = set()
    origin_before = origin.requests
    served = {n.url: 0 for n in nodes}
    lock = threading.Lock()
    failures = [0]
    per_thread = requests // threads

    def worker(w):
        rnd = random.Random(100 + w)
        for _ in range(per_thread):
            region = rnd.choice(sorted(REGIONS))
            source = "127.0.%d.%d" % (REGIONS[region], 60 + w)
            entry = rnd.choice([n for n in nodes if n.region == region])
            k = 1000 + rnd.choices(range(objects), weights)[0]  # objects no earlier stage asked for
            with lock:
                asked.add(k)
            try:
                status, headers, body = request(entry.url, "/obj/%d" % k, source=source, headers={"Host": SITE})
                node = entry.url
                if status == 302:
                    loc = urllib.parse.urlsplit(headers["location"])
                    node = "%s://%s" % (loc.scheme, loc.netloc)
                    status, _, body = request(node, loc.path + ("?" + loc.query if loc.query else ""), source=source)
                ok = status == 200 and body == body_of(k)
            except OSError:
                ok = False
            with lock:
                if ok:
                    served[node] += 1
                else:
                    failures[0] += 1

    ts = [threading.Thread(target=worker, args=(w,)) for w in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    elapsed = time.monotonic() - t0
    counts = sorted(served.values())
    mean = sum(counts) / len(counts)
    by_region = {}
    for n in nodes:
        by_region.setdefault(n.region, []).append(served[n.url])
    report["skew"] = {
        "requests": per_thread * threads, "failed": failures[0], "seconds": round(elapsed, 1),
        "busiestOverMean": round(max(counts) / mean, 3), "quietestOverMean": round(min(counts) / mean, 3),
        "perRegion": {r: sorted(c) for r, c in sorted(by_region.items())},
        "objects": len(asked), "originRequests": origin.requests - origin_before,
        "originPerObject": round((origin.requests - origin_before) / max(1, len(asked)), 3),
    }
    log("skew: %s" % report["skew"])


def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def partition(tmp, origin, report, seconds=30):
    """Stage 4: five nodes, four on addresses added to the loopback interface and one alone in a
    network namespace behind a veth pair that is taken down for `seconds`. Needs root."""
    tag = "%x" % (os.getpid() & 0xfff)
    ns, outer, inner = "ovns" + tag, "ova" + tag, "ovb" + tag
    zones = os.path.join(tmp, "zones-partition.json")
    with open(zones, "w") as f:
        json.dump({"coverageZones": {"eu": {"network": ["10.77.1.0/24", "10.77.0.0/30"]}, "us": {"network": ["10.77.2.0/24"]}}}, f)
    made = []
    nodes = []
    try:
        for a in ["10.77.1.1", "10.77.1.2", "10.77.2.1", "10.77.2.2"]:
            sh("ip", "addr", "add", a + "/32", "dev", "lo"); made.append(("addr", a + "/32"))
        sh("ip", "netns", "add", ns); made.append(("netns", ns))
        sh("ip", "link", "add", outer, "type", "veth", "peer", "name", inner); made.append(("link", outer))
        sh("ip", "link", "set", inner, "netns", ns)
        sh("ip", "addr", "add", "10.77.0.1/30", "dev", outer)
        sh("ip", "link", "set", outer, "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", "10.77.0.2/30", "dev", inner)
        sh("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", "10.77.0.1")
        for ip, region in [("10.77.1.1", "eu"), ("10.77.1.2", "eu"), ("10.77.2.1", "us"), ("10.77.2.2", "us")]:
            nodes.append(Node(tmp, ip, region, zones, origin.port, nodes[0].url if nodes else None))
        cut = Node(tmp, "10.77.0.2", "eu", zones, origin.port, nodes[0].url, netns=ns, port=18080)
        nodes.append(cut)
        await_started(nodes)
        report["partition"] = {"upAfter": round(wait_all_up(nodes), 1)}
        others = [n for n in nodes if n is not cut]
        sh("ip", "link", "set", outer, "down")
        t0 = time.monotonic()
        log("partition: %s cut off for %d s" % (cut.url, seconds))
        false_down, cut_seen_down, cut_view = 0, None, {}
        while time.monotonic() - t0 < seconds:
            for n in others:
                for url, state in states(n).items():
                    if url == cut.url and state == "down" and cut_seen_down is None:
                        cut_seen_down = time.monotonic() - t0
                    elif url != cut.url and state == "down":
                        false_down += 1
            out = subprocess.run(["ip", "netns", "exec", ns, "python3", "-c",
                                  "import json,urllib.request;print(urllib.request.urlopen('%s/api/v1/cluster',timeout=2).read().decode())" % cut.url],
                                 capture_output=True, text=True)
            if out.returncode == 0:
                for n in json.loads(out.stdout)["nodes"]:
                    cut_view[n["state"]] = cut_view.get(n["state"], 0) + 1
            time.sleep(0.5)
        sh("ip", "link", "set", outer, "up")
        t1 = time.monotonic()
        back = wait_all_up(nodes, timeout=60)
        report["partition"].update({
            "seconds": seconds, "falseDownSamples": false_down,
            "cutOffNodeDownElsewhereAfter": None if cut_seen_down is None else round(cut_seen_down, 1),
            "cutOffNodesOwnViewStates": cut_view, "allUpAgainAfterHeal": round(back, 1),
        })
        log("partition: %s (heal took %.1f s)" % (report["partition"], time.monotonic() - t1))
    finally:
        for n in nodes:
            n.stop(signal.SIGKILL if n.alive() else signal.SIGTERM)
        for kind, name in reversed(made):
            cmd = {"netns": ["ip", "netns", "del", name], "link": ["ip", "link", "del", name],
                   "addr": ["ip", "addr", "del", name, "dev", "lo"]}[kind]
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def layout(per_region, regions):
    return [("127.0.%d.%d" % (REGIONS[r], i + 1), r) for r in regions for i in range(per_region)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-nodes", type=int, default=12, choices=[6, 12, 24])
    ap.add_argument("--skew-requests", type=int, default=3000)
    ap.add_argument("--probe-seconds", type=int, default=20)
    ap.add_argument("--partition", action="store_true", help="stage 4 (needs root: network namespaces)")
    ap.add_argument("--only-partition", action="store_true", help="stage 4 alone")
    ap.add_argument("--skip-stage1", action="store_true", help="start with the 12 nodes")
    ap.add_argument("--shield", action="store_true", help="the site with shield=on, the nodes one cluster (a shared secret)")
    args = ap.parse_args()
    global SITE_OPTIONS, EXTRA_ARGS
    if args.shield:
        SITE_OPTIONS += ";shield=on"
        EXTRA_ARGS = ["--cluster-secret", "bench-secret"]
    tmp = tempfile.mkdtemp(prefix="oversky-routing-")
    zones = os.path.join(tmp, "zones.json")
    with open(zones, "w") as f:
        json.dump({"coverageZones": {r: {"network": ["127.0.%d.0/24" % i], "network6": []} for r, i in REGIONS.items()}}, f)
    origin = Origin()
    report = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count(),
              "loadBefore": os.getloadavg()[0], "probes": {}}
    nodes = []
    try:
        if args.partition or args.only_partition:
            if os.geteuid() != 0:
                raise SystemExit("routing: --partition needs root (network namespaces and links)")
            partition(tmp, origin, report)
            if args.only_partition:
                print(json.dumps(report, indent=1))
                return
        report["site"] = SITE + SITE_OPTIONS + (" (one cluster)" if EXTRA_ARGS else "")
        if not args.skip_stage1:
            log("stage 1: 6 nodes in eu and us")
            nodes = start_nodes(tmp, layout(3, ["eu", "us"]), zones, origin.port)
            report["upAfter6"] = round(wait_all_up(nodes), 1)
            report["probes"][6] = probe_rate(nodes, args.probe_seconds)
            victim = failover(nodes, report)
            drain(nodes, victim, report)
            for n in nodes:
                n.stop()
        if args.max_nodes >= 12:
            log("stage 2: 12 nodes in eu, us and ap")
            nodes = start_nodes(tmp, layout(4, ["eu", "us", "ap"]), zones, origin.port)
            report["upAfter12"] = round(wait_all_up(nodes), 1)
            report["probes"][12] = probe_rate(nodes, args.probe_seconds)
            locality(nodes, report)
            skew(nodes, report, args.skew_requests, origin)
            for n in nodes:
                n.stop()
        if args.max_nodes >= 24:
            log("stage 3: 24 nodes in eu, us and ap")
            nodes = start_nodes(tmp, layout(8, ["eu", "us", "ap"]), zones, origin.port)
            report["upAfter24"] = round(wait_all_up(nodes, timeout=300), 1)
            report["probes"][24] = probe_rate(nodes, args.probe_seconds)
            for n in nodes:
                n.stop()
        report["originRequests"] = origin.requests
    finally:
        for n in nodes:
            if n.alive():
                n.stop(signal.SIGKILL)
        origin.close()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
