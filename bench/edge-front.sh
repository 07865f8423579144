#!/usr/bin/env bash
# Puts nginx and Varnish in front of an oversky node, as docs/edges.md describes, and checks on
# loopback that the pair behaves: a local python origin (Cache-Control: max-age=300, it records
# the headers of every request it gets), a node caching site.test from it, an nginx and a Varnish
# whose configs are the ones of docs/edges.md with loopback ports. For each edge:
#
#   - two GETs with Host: site.test: the second carries Cache-Status: oversky; hit, and the origin
#     got one request;
#   - a URL the origin varies on (Vary: Accept-Language): the header reaches the node, one stored
#     variant per language;
#   - a GET and a Range GET of new URLs with forged forwarding headers (X-Forwarded-Host:
#     evil.test, X-Forwarded-For, X-Forwarded-Proto, Forwarded, X-Forwarded-Port, ...): none of the
#     forged values reaches the origin, and X-Forwarded-Host arrives as site.test.
#
# The same requests sent to the node directly are shown for comparison (not checked). A report
# goes to stdout, progress to stderr; the exit status is 1 when a check fails. Varnish is installed
# with apt-get when missing and skipped, with a message, when it cannot be installed or started
# (VARNISH=on makes that a failure, VARNISH=off skips it). See bench/README.md.
#
#   bash bench/edge-front.sh
set -euo pipefail

bench_name=edge-front
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # tools, ports, spawn/cleanup by PID, nginx helpers
VARNISH=${VARNISH:-auto}   # auto: install when missing, skip when it cannot run; on: required; off: skipped
SITE=site.test             # the site the node caches; every request through an edge names it
EVIL_HOST=evil.test        # forged values a client sends; none may reach the origin through an edge
EVIL_IP=203.0.113.66
EVIL_PORT=8443

need_positive_ints STARTUP_TIMEOUT
[[ $VARNISH =~ ^(auto|on|off)$ ]] || die "VARNISH expects auto, on or off, got '$VARNISH'"

# ---------------------------------------------------------------------------------------------
# Tools: nginx, curl and python3 are needed; varnish is installed when missing, skipped when it
# cannot be. From trap_cleanup on, the cleanup stops what this script starts (by PID) on any exit.
# ---------------------------------------------------------------------------------------------
ensure_tools nginx curl python3
# The interpreter itself, not a version manager's shim, so that its PID is the origin's.
python_bin=$(python3 -c 'import sys; print(sys.executable)') || die "python3 does not run"
"$python_bin" -c 'import sys; sys.exit(sys.version_info < (3, 7))' || die "the origin needs python 3.7 or later"

find_varnishd() { command -v varnishd || { [ -x /usr/sbin/varnishd ] && echo /usr/sbin/varnishd; } || true; }
varnishd_bin=""
varnish_skip=""   # why Varnish is not tested, when it is not
if [ "$VARNISH" = off ]; then
  varnish_skip="VARNISH=off"
else
  varnishd_bin=$(find_varnishd)
  if [ -z "$varnishd_bin" ]; then
    # install_tools dies on failure; in a subshell that only ends the subshell.
    if (install_tools varnish varnish); then varnishd_bin=$(find_varnishd); fi
    [ -n "$varnishd_bin" ] || varnish_skip="varnishd is missing and apt-get could not install the varnish package"
  fi
fi
skip_varnish() { # REASON: dies with VARNISH=on, else notes why Varnish is left out
  [ "$VARNISH" != on ] || die "VARNISH=on, but $1"
  varnish_skip=$1
  log "SKIPPING VARNISH: $1"
}
[ -z "$varnish_skip" ] || [ "$varnish_skip" = VARNISH=off ] || skip_varnish "$varnish_skip"

trap_cleanup
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
mkdir -p "$tmp/varnish" "$tmp/out" "$tmp/nginx-temp"

# ---------------------------------------------------------------------------------------------
# The origin: a python server that answers every GET with Cache-Control: max-age=300 and writes
# each request (path and headers, in order) as one JSON line into TMP/origin-requests.jsonl.
# Paths under /vary/ answer with Vary: Accept-Language and a body naming the language.
# ---------------------------------------------------------------------------------------------
cat > "$tmp/origin.py" <<'EOF'
import json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
log = open(log_path, "a", buffering=1)

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/origin-is-up":
            return self.answer(b"up\n", "no-store", None)
        with lock:
            log.write(json.dumps({"path": self.path, "headers": list(self.headers.items())}) + "\n")
        body, vary = "origin page %s\n" % self.path, None
        if self.path.startswith("/vary/"):
            body += "language %s\n" % self.headers.get("Accept-Language", "(none)")
            vary = "Accept-Language"
        self.answer((body + "." * 1000 + "\n").encode(), "max-age=300", vary)

    def answer(self, payload, cache_control, vary):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", cache_control)
        if vary:
            self.send_header("Vary", vary)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass

class Server(ThreadingHTTPServer):
    daemon_threads = True

Server(("127.0.0.1", port), Handler).serve_forever()
EOF

# What the origin recorded: 'count PATH' (requests for PATH), 'header PATH NAME' (the values of
# NAME in the last request for PATH, ' | ' between several, '(absent)' when none), 'grep PATH TEXT'
# (the 'Name: value' lines of that request that contain TEXT, case-insensitive).
cat > "$tmp/seen.py" <<'EOF'
import json, sys
what, path = sys.argv[1], sys.argv[2]
reqs = []
with open(sys.argv[-1]) as f:
    for line in f:
        r = json.loads(line)
        if r["path"] == path:
            reqs.append(r)
if what == "count":
    print(len(reqs))
elif not reqs:
    print("(no request)")
elif what == "header":
    vals = [v for k, v in reqs[-1]["headers"] if k.lower() == sys.argv[3].lower()]
    print(" | ".join(vals) if vals else "(absent)")
elif what == "grep":
    for k, v in reqs[-1]["headers"]:
        if sys.argv[3].lower() in (k + ": " + v).lower():
            print("%s: %s" % (k, v))
EOF
seen() { "$python_bin" "$tmp/seen.py" "$@" "$tmp/origin-requests.jsonl"; }

take_port origin_port
log "starting the python origin on 127.0.0.1:$origin_port"
: > "$tmp/origin-requests.jsonl"
spawn "python origin" "$tmp/origin.log" "$python_bin" "$tmp/origin.py" "$origin_port" "$tmp/origin-requests.jsonl"
if ! (wait_http "http://127.0.0.1:$origin_port/origin-is-up" "$last_pid" "the python origin" 15); then
  cat "$tmp/origin.log" >&2 || true
  exit 1
fi

# ---------------------------------------------------------------------------------------------
# The node: caches site.test from the origin (a loopback origin needs --allow-private-origins).
# ---------------------------------------------------------------------------------------------
start_oversky --no-request-log --allow-private-origins --site "$SITE=http://127.0.0.1:$origin_port"
node_base="http://127.0.0.1:$oversky_port"

# ---------------------------------------------------------------------------------------------
# nginx in front of the node: the server block of docs/edges.md, on a loopback port without TLS.
# ---------------------------------------------------------------------------------------------
take_port nginx_port
write_nginx_conf nginx 1 off <<EOF
  access_log off;

  # Forwarded (RFC 7239) wants an IPv6 address quoted and in brackets.
  map \$remote_addr \$forwarded_for {
    ~:      "\"[\$remote_addr]\"";
    default \$remote_addr;
  }

  upstream oversky {
    server 127.0.0.1:$oversky_port;
    keepalive 32;
  }

  server {
    listen 127.0.0.1:$nginx_port;
    server_name $SITE;

    # The edge's own locations stay with the edge.
    location = /edge-health {
      default_type text/plain;
      return 200 "edge ok\n";
    }

    location / {
      proxy_pass http://oversky;

      # HTTP/1.1 with keep-alive to the node.
      proxy_http_version 1.1;
      proxy_set_header Connection "";

      # The site's name, and forwarding headers from what nginx knows; whatever the client sent
      # under these names is replaced, not appended to.
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header Forwarded "for=\$forwarded_for;host=\$host;proto=\$scheme";
      # Other forwarding headers some frameworks believe: dropped (an empty value is not sent).
      proxy_set_header X-Forwarded-Port "";
      proxy_set_header X-Forwarded-Server "";
      proxy_set_header X-Forwarded-Scheme "";
      proxy_set_header X-Forwarded-Ssl "";
      proxy_set_header X-Real-IP "";
      proxy_set_header X-Host "";
      proxy_set_header X-Original-URL "";
      proxy_set_header X-Rewrite-URL "";
      proxy_set_header Proxy-Connection "";

      # No cache in front of the node's cache; memory buffers, no temporary files.
      proxy_cache off;
      proxy_buffering on;
      proxy_max_temp_file_size 0;
      proxy_read_timeout 60s;
    }
  }
EOF
log "starting nginx in front of the node on 127.0.0.1:$nginx_port"
start_nginx nginx "the edge nginx" "http://127.0.0.1:$nginx_port/edge-health" "$SITE"

# ---------------------------------------------------------------------------------------------
# Varnish in front of the node: the VCL of docs/edges.md, without the PROXY protocol listener.
# ---------------------------------------------------------------------------------------------
varnish_port=""
varnish_version=""
if [ -z "$varnish_skip" ]; then
  take_port varnish_port
  cat > "$tmp/edge.vcl" <<EOF
vcl 4.1;

import proxy;   # PROXY protocol v2 from a TLS terminator: proxy.is_ssl()

backend oversky {
    .host = "127.0.0.1";
    .port = "$oversky_port";
    .connect_timeout = 5s;
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 60s;
}

sub vcl_recv {
    # The edge's own locations stay with the edge.
    if (req.url == "/edge-health") {
        return (synth(200, "edge ok"));
    }
    if (req.http.Host !~ "(?i)^site\.test(:[0-9]+)?\$") {
        return (synth(421, "Misdirected Request"));
    }
    set req.backend_hint = oversky;
    set req.http.Host = "$SITE";

    # Forwarding headers from what Varnish knows; whatever the client sent is replaced (Varnish
    # itself appends client.ip to X-Forwarded-For before vcl_recv, which is overwritten here).
    set req.http.X-Forwarded-Host = req.http.Host;
    set req.http.X-Forwarded-For = client.ip;
    if (proxy.is_ssl()) {
        set req.http.X-Forwarded-Proto = "https";
    } else {
        set req.http.X-Forwarded-Proto = "http";
    }
    # Forwarded (RFC 7239) wants an IPv6 address quoted and in brackets.
    if (req.http.X-Forwarded-For ~ ":") {
        set req.http.Forwarded = {"for="["} + client.ip + {"]";host="} + req.http.Host + ";proto=" + req.http.X-Forwarded-Proto;
    } else {
        set req.http.Forwarded = "for=" + client.ip + ";host=" + req.http.Host + ";proto=" + req.http.X-Forwarded-Proto;
    }
    unset req.http.X-Forwarded-Port;
    unset req.http.X-Forwarded-Server;
    unset req.http.X-Forwarded-Scheme;
    unset req.http.X-Forwarded-Ssl;
    unset req.http.X-Real-IP;
    unset req.http.X-Host;
    unset req.http.X-Original-URL;
    unset req.http.X-Rewrite-URL;
    unset req.http.Proxy-Connection;

    # No cache on top of the node's cache.
    return (pass);
}
EOF
  varnish_version=$({ "$varnishd_bin" -V 2>&1 || true; } | awk 'NR == 1 { sub(/^varnishd \(/, ""); sub(/\)$/, ""); print }')
  log "starting varnishd ($varnish_version) in front of the node on 127.0.0.1:$varnish_port"
  # -F: in the foreground, so that the PID spawn notes is the manager's; -j none: no jail, the
  # cache process runs as the current user and can use the working directory in TMP; -T none: no
  # management port.
  spawn varnishd "$tmp/varnish.out" "$varnishd_bin" -F -j none -T none -n "$tmp/varnish" \
    -a "127.0.0.1:$varnish_port" -f "$tmp/edge.vcl" -s malloc,64m -p vsl_space=16M
  varnish_pid=$last_pid
  if ! (wait_http "http://127.0.0.1:$varnish_port/edge-health" "$varnish_pid" "varnishd" 30 "$SITE"); then
    tail -n 30 "$tmp/varnish.out" >&2 || true
    stop_tree "$varnish_pid" varnishd
    skip_varnish "varnishd ($varnishd_bin) did not start (its last output lines are on stderr)"
  fi
fi

# ---------------------------------------------------------------------------------------------
# The checks, per way in: 'direct' (the node itself, for comparison), 'nginx' and 'varnish'.
# ---------------------------------------------------------------------------------------------
ways=(direct nginx)
[ -n "$varnish_skip" ] || ways+=(varnish)
label_of() { case $1 in direct) echo "direct to the node" ;; nginx) echo "nginx → node" ;; varnish) echo "Varnish → node" ;; esac; }
base_of() { case $1 in direct) echo "$node_base" ;; nginx) echo "http://127.0.0.1:$nginx_port" ;; varnish) echo "http://127.0.0.1:$varnish_port" ;; esac; }
header_of() { # FILE NAME -> the values of the NAME headers in a curl -D dump (' | ' between several)
  awk -v n="$(tr 'A-Z' 'a-z' <<<"$2")" '
    { sub(/\r$/, "") }
    /^HTTP\// { v = "" }
    { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { x = substr($0, i + 1); sub(/^ */, "", x); v = (v == "" ? x : v " | " x) } }
    END { print v }' "$1"
}
odd=()              # what the report should mention
declare -A out      # out[way,what]: what the report shows
n_req=0
get() { # WAY PATH CURL_ARG... -> sets code, hdr (the header dump) and body (the body file)
  local url
  url="$(base_of "$1")$2"
  n_req=$((n_req + 1))
  hdr="$tmp/out/$n_req.h"
  body="$tmp/out/$n_req.b"
  code=$(curl -sS --max-time 60 -H "Host: $SITE" "${@:3}" -D "$hdr" -o "$body" -w '%{http_code}' "$url") \
    || die "GET $url (Host: $SITE) through $1 failed"
}
fail() { # WAY MESSAGE: a failed check (only through an edge; for 'direct' it is only noted)
  if [ "$1" = direct ]; then
    odd+=("$(label_of direct): $2")
    log "note: direct to the node: $2"
  else
    failed+="$1: $2. "
    log "FAIL: $1: $2"
  fi
}
is_hit() { [[ $1 =~ ^oversky\;\ hit ]]; }

check_caching() { # WAY: two GETs of a new URL; the second must be a hit, the origin must see one
  local w=$1 path="/$1/page.txt" t late=""
  get "$w" "$path"
  [ "$code" = 200 ] || fail "$w" "the first GET of $path answered $code"
  grep -q "origin page $path" "$body" || fail "$w" "the first GET of $path did not serve the origin's page"
  out[$w,first]=$(header_of "$hdr" Cache-Status)
  sleep 1.1   # so that the hit has an Age of at least 1
  get "$w" "$path"
  [ "$code" = 200 ] || fail "$w" "the second GET of $path answered $code"
  out[$w,second]=$(header_of "$hdr" Cache-Status)
  out[$w,age]=$(header_of "$hdr" Age)
  out[$w,via]=$(header_of "$hdr" Via)
  out[$w,dates]=$(grep -ci '^date:' "$hdr" || true)
  [ "${out[$w,dates]}" = 1 ] || odd+=("$(label_of "$w"): the hit carried ${out[$w,dates]} \`Date\` fields: $(header_of "$hdr" Date)")
  if ! is_hit "${out[$w,second]}"; then
    odd+=("$(label_of "$w"): the second GET of $path was not a hit (\`Cache-Status: ${out[$w,second]:-(none)}\`)")
    for t in $(seq 10); do
      sleep 0.5
      get "$w" "$path"
      late=$(header_of "$hdr" Cache-Status)
      ! is_hit "$late" || break
    done
    is_hit "$late" || fail "$w" "$path was never answered from the node's cache (last Cache-Status: '${late:-none}')"
  fi
  out[$w,count]=$(seen count "$path")
  [ "${out[$w,count]}" = 1 ] || fail "$w" "the origin got ${out[$w,count]} requests for $path, not 1"
  log "$w: $path: first '${out[$w,first]}', second '${out[$w,second]}' (Age ${out[$w,age]:-none}); origin requests: ${out[$w,count]}"
}

check_vary() { # WAY: Accept-Language must reach the node: fr, fr again (a hit), en (its own variant)
  local w=$1 path="/vary/$1.txt" fr en
  get "$w" "$path" -H 'Accept-Language: fr'
  grep -q 'language fr' "$body" || fail "$w" "$path with Accept-Language: fr did not get the fr page"
  get "$w" "$path" -H 'Accept-Language: fr'
  fr=$(header_of "$hdr" Cache-Status)
  grep -q 'language fr' "$body" || fail "$w" "the second $path with Accept-Language: fr did not get the fr page"
  get "$w" "$path" -H 'Accept-Language: en'
  en=$(header_of "$hdr" Cache-Status)
  grep -q 'language en' "$body" || fail "$w" "$path with Accept-Language: en got another language's page"
  is_hit "$fr" || fail "$w" "the second fr GET of $path was not a hit ('$fr')"
  ! is_hit "$en" || fail "$w" "the en GET of $path was a hit: it got the fr variant ('$en')"
  out[$w,vary]="fr: \`${fr}\`, en: \`${en}\`, origin requests $(seen count "$path")"
  [ "$(seen count "$path")" = 2 ] || fail "$w" "the origin got $(seen count "$path") requests for $path, not 2 (fr, en)"
}

# Forged forwarding headers, and hop-by-hop ones, as a client could send them.
forged=(
  -H "X-Forwarded-Host: $EVIL_HOST"
  -H "X-Forwarded-For: $EVIL_IP"
  -H "X-Forwarded-Proto: https"
  -H "X-Forwarded-Port: $EVIL_PORT"
  -H "X-Forwarded-Server: $EVIL_HOST"
  -H "X-Host: $EVIL_HOST"
  -H "X-Original-URL: /$EVIL_HOST"
  -H "Forwarded: for=$EVIL_IP;host=$EVIL_HOST;proto=https"
  -H "Connection: keep-alive, X-Hop"
  -H "X-Hop: named-in-connection"
  -H "Proxy-Connection: keep-alive"
  -H "Accept-Encoding: br, gzip"   # not forged: a header origins vary on, which must pass as sent
)
check_forged() { # WAY KIND [CURL_ARG...]: a new URL with the forged headers; none may reach the origin
  local w=$1 kind=$2 path="/$1/forged-$2.txt" leaks h
  get "$w" "$path" "${forged[@]}" "${@:3}"
  case $code in 200 | 206) ;; *) fail "$w" "$kind GET of $path with forged headers answered $code" ;; esac
  for h in Host X-Forwarded-Host X-Forwarded-For X-Forwarded-Proto Forwarded Via X-Hop Proxy-Connection Accept-Encoding; do
    out[$w,$kind,$h]=$(seen header "$path" "$h")
  done
  # The forged names and address are unique enough to look for anywhere; a port number is not
  # (it could be part of a random port or id), so X-Forwarded-Port must simply be absent.
  leaks=$( (seen grep "$path" "$EVIL_HOST"; seen grep "$path" "$EVIL_IP"; seen grep "$path" "X-Forwarded-Port:") \
    | sort -u | awk '{ printf "%s%s", (NR > 1 ? " / " : ""), $0 }')
  out[$w,$kind,leaks]=${leaks:-none}
  [ -z "$leaks" ] || fail "$w" "forged values reached the origin ($kind GET): $leaks"
  [ "${out[$w,$kind,Accept-Encoding]}" = "br, gzip" ] \
    || fail "$w" "the origin saw Accept-Encoding '${out[$w,$kind,Accept-Encoding]}' ($kind GET), not the client's 'br, gzip'"
  [ "${out[$w,$kind,X-Forwarded-Host]}" = "$SITE" ] \
    || fail "$w" "the origin saw X-Forwarded-Host '${out[$w,$kind,X-Forwarded-Host]}' ($kind GET), not '$SITE'"
}

node_conns() { # -> TCP connections established to the node's port from this machine (client side)
  awk -v p="$(printf '%04X' "$oversky_port")" '$4 == "01" && $3 ~ (":" p "$") { n++ } END { print n + 0 }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
for w in "${ways[@]}"; do
  log "checking $w ($(base_of "$w"))"
  conns_before=$(node_conns)
  check_caching "$w"
  check_vary "$w"
  check_forged "$w" plain
  # A Range request on a miss makes the node fetch the whole object once (cache.range-fill-max).
  check_forged "$w" range -H 'Range: bytes=0-9'
  # An edge with keep-alive keeps its connections to the node open for the next requests.
  out[$w,conns]=$(($(node_conns) - conns_before))
done

# ---------------------------------------------------------------------------------------------
# Report (Markdown on stdout).
# ---------------------------------------------------------------------------------------------
commit=$(git -C "$oversky_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$oversky_root" --no-optional-locks status --porcelain -uno 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
nginx_version=$("$nginx_bin" -v 2>&1 || true)
nginx_version=${nginx_version#nginx version: }
cell() { local v=${1:-(none)}; printf '`%s`' "${v//|/\\|}"; }

cat <<EOF
## oversky behind nginx and Varnish, $(date -u '+%Y-%m-%d %H:%M UTC')

- oversky: commit $commit, \`oversky serve --no-request-log --allow-private-origins --site $SITE=http://127.0.0.1:ORIGIN\`
- nginx: $nginx_version, the server block of docs/edges.md on 127.0.0.1:$nginx_port (no TLS)
- varnish: $([ -z "$varnish_skip" ] && echo "$varnish_version" || echo "not tested: $varnish_skip")$([ -n "$varnish_skip" ] || echo ", the VCL of docs/edges.md on 127.0.0.1:$varnish_port, \`-s malloc,64m\`")
- origin: $("$python_bin" --version 2>&1) \`http.server\` on 127.0.0.1:$origin_port, \`Cache-Control: max-age=300\`, records the headers of each request

### Caching through the edge

| way in | 1st GET | 2nd GET (1 s later) | Age, Via of the 2nd | \`Date\` fields of the 2nd | origin requests | Vary: Accept-Language | connections left open to the node |
|---|---|---|---|---:|---:|---|---:|
EOF
for w in "${ways[@]}"; do
  printf '| %s | %s | %s | %s, %s | %s | %s | %s | %s |\n' "$(label_of "$w")" "$(cell "${out[$w,first]}")" "$(cell "${out[$w,second]}")" \
    "$(cell "${out[$w,age]}")" "$(cell "${out[$w,via]}")" "${out[$w,dates]}" "${out[$w,count]}" "${out[$w,vary]}" "${out[$w,conns]}"
done
cat <<EOF

### What the origin saw for a client's forged headers

The client sent \`X-Forwarded-Host: $EVIL_HOST\`, \`X-Forwarded-For: $EVIL_IP\`, \`X-Forwarded-Proto: https\`,
\`X-Forwarded-Port\`, \`X-Forwarded-Server\`, \`X-Host\`, \`X-Original-URL\`, \`Forwarded: for=$EVIL_IP;host=$EVIL_HOST;proto=https\`,
and \`Connection: keep-alive, X-Hop\` with \`X-Hop\` and \`Proxy-Connection\`, and (not forged) \`Accept-Encoding: br, gzip\`;
"range" is the same with \`Range: bytes=0-9\` on a miss (the node fetches the whole object). Values are the origin's
request headers.

EOF
header_line="| header |"
rule_line="|---|"
for w in "${ways[@]}"; do
  header_line+=" $(label_of "$w") |"
  rule_line+="---|"
done
for kind in plain range; do
  echo "#### ${kind} GET"
  echo
  echo "$header_line"
  echo "$rule_line"
  for h in Host X-Forwarded-Host X-Forwarded-For X-Forwarded-Proto Forwarded Via X-Hop Proxy-Connection Accept-Encoding leaks; do
    line="| $([ "$h" = leaks ] && echo '**forged values at the origin**' || echo "$h") |"
    for w in "${ways[@]}"; do line+=" $(cell "${out[$w,$kind,$h]}") |"; done
    echo "$line"
  done
  echo
done
if [ -n "$varnish_skip" ]; then
  echo "**Varnish was not tested:** $varnish_skip."
  echo
fi
if [ ${#odd[@]} -gt 0 ]; then
  echo "**Noticed:**"
  for o in "${odd[@]}"; do echo "- $o"; done
  echo
fi
node_exceptions=$(grep -Ec "$exception_re" "$tmp/oversky.log" || true)
if [ "$node_exceptions" -gt 0 ]; then
  echo "**Warning:** the node logged $node_exceptions exceptions (on stderr)."
  grep -E -A3 "$exception_re" "$tmp/oversky.log" | head -n 40 >&2 || true
fi
for f in nginx-error.log varnish.out; do
  if [ -f "$tmp/$f" ] && grep -Eq '\[(error|crit|alert|emerg)\]|Error|Panic' "$tmp/$f"; then
    log "$f has errors:"
    grep -E '\[(error|crit|alert|emerg)\]|Error|Panic' "$tmp/$f" | head -n 20 >&2 || true
  fi
done

if [ -n "$failed" ]; then
  echo "**Result: FAILED**: $failed"
  die "a check failed: $failed"
fi
echo "**Result:** every check passed ($(printf '%s, ' "${ways[@]:1}" | sed 's/, $//'))."
log "every check passed"
