#!/usr/bin/env python3
"""The region-down drill on real `oversky serve` processes: three regions of three nodes on
127.0.1.x (eu), 127.0.2.x (us) and 127.0.3.x (ap), one cluster, each node also answering DNS for
the CDN's zone. Run through bench/region-drill.sh. Only the processes this script starts are
stopped, by PID. It prints a Markdown report on stdout and its progress on stderr.

  1. Register OBJECTS bodies (at random nodes) and cache a site's SITE_OBJECTS objects through a
     node of every region; wait until every key has its 3 copies (time to place them).
  2. Kill -9 every node of us. Then, measured from the kill:
     - availability: every registered object through every surviving node (GET /key/, one
       redirect followed), pass after pass: the share good in the first pass, and when a whole
       pass was good;
     - routing: when no surviving node names a us node to a us client any more (explain), and
       DNS (dig, the client's subnet in ECS): when no answer names one, plus the TTL they carry;
     - repair: when every key again had 3 live holders in the 2 surviving regions.
  3. Stop the origin too: the site's objects through every surviving node (served stale, or not).
  4. Start the origin and the us nodes again (same data): when routing names us nodes to a us
     client again, and how many origin requests the return cost (the site's objects through us).
"""
import argparse
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import routing as r  # noqa: E402  (the node, origin and request helpers of routing.py)

ZONE = "cdn.test"
DNS_NAME = "site-test." + ZONE


def log(msg):
    print("region-drill: " + msg, file=sys.stderr, flush=True)


def start(tmp, ip, region, zones, origin_port, bootstrap, port=None, dns_port=None):
    dns_port = dns_port or r.free_port(ip)
    n = r.Node(tmp, ip, region, zones, origin_port, bootstrap, port=port, site_options="",
               extra=["--cluster-secret", "drill-secret", "--dns-listen", "%s:%d" % (ip, dns_port), "--dns-zone", ZONE])
    n.dns_port = dns_port
    return n


def fetch_key(node, key):
    status, headers, body = r.request(node.url, "/key/" + key, timeout=5)
    if status == 302:
        loc = headers.get("location", "")
        u = loc.split("/key/")[0]
        status, headers, body = r.request(u, "/key/" + key, timeout=5)
    return status == 200 and hashlib.sha256(body).hexdigest() == key


def site_get(node, k):
    try:
        status, headers, body = r.request(node.url, "/obj/%d" % k, headers={"Host": r.SITE}, timeout=5)
        return status, headers.get("cache-status", ""), body == r.body_of(k)
    except OSError as e:
        return 0, str(e), False


def placed(asked, keys, live_urls):
    for key in keys:
        doc = asked.json("/api/v1/keys/%s/placement" % key)
        holders = [h for h in doc["holders"] if h["url"] in live_urls and h["state"] == "up"]
        if len(holders) < 3 or len({h["region"] for h in holders}) < 2:
            return False
    return True


def dig_addresses(node, subnet):
    out = subprocess.run(["dig", "@" + node.ip, "-p", str(node.dns_port), "+short", "+tries=1", "+time=1",
                          "+subnet=" + subnet, DNS_NAME, "A"], capture_output=True, text=True, timeout=5).stdout
    return [l.strip() for l in out.splitlines() if l.strip() and l[0].isdigit()]


def dig_ttl(node, subnet):
    out = subprocess.run(["dig", "@" + node.ip, "-p", str(node.dns_port), "+noall", "+answer", "+tries=1", "+time=1",
                          "+subnet=" + subnet, DNS_NAME, "A"], capture_output=True, text=True, timeout=5).stdout
    ttls = [int(l.split()[1]) for l in out.splitlines() if l.strip() and not l.startswith(";")]
    return max(ttls) if ttls else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--objects", type=int, default=200)
    ap.add_argument("--site-objects", type=int, default=50)
    args = ap.parse_args()
    have_dig = subprocess.run(["sh", "-c", "command -v dig"], capture_output=True).returncode == 0
    tmp = tempfile.mkdtemp(prefix="oversky-drill-")
    zones = os.path.join(tmp, "zones.json")
    with open(zones, "w") as f:
        json.dump({"coverageZones": {g: {"network": ["127.0.%d.0/24" % i], "network6": []} for g, i in r.REGIONS.items()}}, f)
    origin = r.Origin()
    report = {"started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cores": os.cpu_count()}
    nodes = []
    try:
        for ip, region in r.layout(3, ["eu", "us", "ap"]):
            nodes.append(start(tmp, ip, region, zones, origin.port, nodes[0].url if nodes else None))
        r.await_started(nodes)
        report["upAfter"] = round(r.wait_all_up(nodes), 1)
        log("9 nodes up; registering %d objects" % args.objects)
        keys = []
        t0 = time.monotonic()
        for k in range(args.objects):
            n = random.choice(nodes)
            status, doc = post_json(n, "/api/v1/register", {"location": "http://127.0.0.1:%d/obj/%d" % (origin.port, 1000 + k)})
            if status != 201:
                raise RuntimeError("register at %s answered %d: %s" % (n.url, status, doc))
            keys.append(doc["key"])
        for region in ["eu", "us", "ap"]:
            node = next(n for n in nodes if n.region == region)
            for k in range(args.site_objects):
                site_get(node, k)
        live = {n.url for n in nodes}
        while not placed(nodes[0], keys, live):
            if time.monotonic() - t0 > 300:
                raise RuntimeError("the copies were not placed within 300 s")
            time.sleep(1)
        report["placedAfterRegistering"] = round(time.monotonic() - t0, 1)
        log("every key has 3 copies, %.1f s after the first registration" % report["placedAfterRegistering"])

        dead = [n for n in nodes if n.region == "us"]
        survivors = [n for n in nodes if n.region != "us"]
        dead_urls = {n.url for n in dead}
        dead_ips = {n.ip for n in dead}
        t_kill = time.monotonic()
        for n in dead:
            n.stop(signal.SIGKILL)
        log("killed the us nodes with SIGKILL")
        live = {n.url for n in survivors}
        routing_gone = dns_gone = repaired = all_good = None
        first_pass = None
        passes = 0
        dns_ttl = None
        while time.monotonic() - t_kill < 120 and (routing_gone is None or repaired is None or all_good is None
                                                     or (have_dig and dns_gone is None)):
            now = time.monotonic() - t_kill
            if routing_gone is None:
                try:
                    named = set()
                    for n in survivors:
                        for k in range(5):
                            named |= set(r.chosen(n, "client=127.0.2.50&host=%s&path=/obj/%d" % (r.SITE, k)))
                    if not named & dead_urls:
                        routing_gone = now
                except (OSError, RuntimeError):
                    pass
            if have_dig and dns_gone is None:
                try:
                    answers = set()
                    for n in survivors:
                        answers |= set(dig_addresses(n, "127.0.2.0/24"))
                    if answers and not answers & dead_ips:
                        dns_gone = now
                        dns_ttl = dig_ttl(survivors[0], "127.0.2.0/24")
                except (OSError, subprocess.SubprocessError):
                    pass
            if all_good is None:
                good = total = 0
                for n in survivors:
                    for key in keys:
                        total += 1
                        try:
                            good += 1 if fetch_key(n, key) else 0
                        except OSError:
                            pass
                passes += 1
                if first_pass is None:
                    first_pass = (good, total, round(time.monotonic() - t_kill, 1))
                if good == total:
                    all_good = time.monotonic() - t_kill
            if repaired is None:
                try:
                    if placed(survivors[0], keys, live):
                        repaired = time.monotonic() - t_kill
                except (OSError, RuntimeError):
                    pass
            time.sleep(0.25)
        report["afterKill"] = {
            "firstPassGood": "%d of %d (pass took %s s)" % first_pass,
            "allGoodAfter": round(all_good, 1) if all_good is not None else "never within 120 s",
            "passes": passes,
            "routingStoppedNamingUsAfter": round(routing_gone, 1) if routing_gone is not None else "never",
            "dnsStoppedNamingUsAfter": (round(dns_gone, 1) if dns_gone is not None else "never") if have_dig else "no dig",
            "dnsTtlThen": dns_ttl,
            "repairedAfter": round(repaired, 1) if repaired is not None else "never within 120 s",
        }
        log("after the kill: %s" % report["afterKill"])

        origin.close()
        log("origin stopped")
        served = stale = 0
        for n in survivors:
            for k in range(args.site_objects):
                status, cache_status, ok = site_get(n, k)
                served += 1 if status == 200 and ok else 0
                stale += 1 if "stale" in cache_status.lower() or "fwd=stale" in cache_status else 0
        report["originDown"] = {"siteRequests": len(survivors) * args.site_objects, "served": served, "markedStale": stale}
        log("origin down: %s" % report["originDown"])

        port = origin.port
        origin = r.Origin(port)
        t_back = time.monotonic()
        back = [start(tmp, n.ip, n.region, zones, origin.port, survivors[0].url, port=n.port, dns_port=n.dns_port) for n in dead]
        nodes.extend(back)
        r.await_started(back)
        back_urls = {n.url for n in back}
        routed_back = None
        while time.monotonic() - t_back < 180 and routed_back is None:
            try:
                named = set(r.chosen(survivors[0], "client=127.0.2.50&host=%s&path=/obj/1" % r.SITE))
                if named & back_urls:
                    routed_back = time.monotonic() - t_back
            except (OSError, RuntimeError):
                pass
            time.sleep(0.25)
        served = 0
        for n in back:
            for k in range(args.site_objects):
                status, _, ok = site_get(n, k)
                served += 1 if status == 200 and ok else 0
        report["return"] = {
            "routingNamesUsAgainAfter": round(routed_back, 1) if routed_back is not None else "never within 180 s",
            "siteRequestsThroughUs": len(back) * args.site_objects, "served": served,
            "originRequestsForThem": origin.requests,
        }
        log("us back: %s" % report["return"])
    finally:
        for n in nodes:
            if n.alive():
                n.stop(signal.SIGKILL)
        try:
            origin.close()
        except Exception:  # noqa: BLE001  (closing twice)
            pass
    print(markdown(report))


def post_json(node, path, doc):
    import http.client
    conn = http.client.HTTPConnection(node.ip, node.port, timeout=30)
    try:
        conn.request("POST", path, body=json.dumps(doc), headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def markdown(report):
    lines = ["Region-down drill, %s, %s cores" % (report["started"], report["cores"]), ""]
    lines.append("| figure | result |")
    lines.append("|---|---|")
    lines.append("| 9 nodes up in every view | %s s |" % report["upAfter"])
    lines.append("| every registered key on 3 nodes in 3 regions, from the first registration | %s s |" % report["placedAfterRegistering"])
    for k, v in report.get("afterKill", {}).items():
        lines.append("| after kill -9 of us: %s | %s |" % (k, v))
    for k, v in report.get("originDown", {}).items():
        lines.append("| origin down too: %s | %s |" % (k, v))
    for k, v in report.get("return", {}).items():
        lines.append("| us back: %s | %s |" % (k, v))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
