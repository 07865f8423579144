# shellcheck shell=bash
# Code shared by the benchmarks in this directory; they source it, it does not run on its own:
#
#   bench_name=key-vs-nginx   # prefix of the progress lines and of the temporary directory
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# Sourcing only sets the shared settings and defines functions; a script calls them in this order:
# need_positive_ints / need_wrk_durations, ensure_tools, trap_cleanup, make_content, for each
# server take_port, write_nginx_conf and start_nginx (or start_oversky), note_start, measure_wrk,
# measure_downloads, collect_facts, then the report with row, hit_rows, wrk_errors and
# print_warnings. The two servers compared are called 'oversky' and 'nginx'. Before it measures,
# a script defines url_of SERVER OBJECT_INDEX (the object's URL on that server) and sets wrk_cmd
# (the measured wrk command, as the report shows it) and, for proxies, host_args (curl and wrk
# arguments sent with every measured request). Everything listens on 127.0.0.1; the cleanup stops
# only the PIDs the script started (spawn, client, and the script's own stop_clients).

# ---------------------------------------------------------------------------------------------
# Settings both benchmarks take (bench/README.md describes them), and where the node comes from.
# ---------------------------------------------------------------------------------------------
DURATION=${DURATION:-10s}             # wrk measurement length, per server and object
WARMUP=${WARMUP:-5s}                  # wrk warm-up length before each measurement (0 skips it)
CONNECTIONS=${CONNECTIONS:-50}        # wrk -c
THREADS=${THREADS:-2}                 # wrk -t
DOWNLOADS=${DOWNLOADS:-10}            # measured 100 MiB downloads per server (after one warm-up each)
STARTUP_TIMEOUT=${STARTUP_TIMEOUT:-300} # seconds to wait for the node (includes a first jar build)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OVERSKY=${OVERSKY:-$root/oversky}
oversky_root=$(cd "$(dirname "$OVERSKY")" && pwd)   # the checkout the launcher builds and runs

SERVER_CPUS=${SERVER_CPUS:-}        # the CPUs (a taskset -c list: 0 or 0-1) the measured servers run on; empty: where the kernel puts them
CLIENT_CPUS=${CLIENT_CPUS:-}        # the CPUs the load generators (wrk, curl) run on; empty: where the kernel puts them
PROFILE=${PROFILE:-}                # a directory: async-profiler's samples of the node(s) for the measured part
ASYNC_PROFILER=${ASYNC_PROFILER:-}  # with PROFILE: the path of libasyncProfiler.so (in the tools.profiler:async-profiler jar)
PROFILE_EVENT=${PROFILE_EVENT:-cpu} # with PROFILE: async-profiler's event (cpu, wall, alloc, ...)

host_args=()   # extra curl and wrk arguments for the measured requests (a proxy's Host header)
failed=""      # what makes the run invalid; the report is printed first
declare -A result   # result[server,object,metric]

log() { echo "$bench_name: $*" >&2; }   # progress and warnings, on stderr
die() { log "error: $*"; exit 1; }       # the cleanup (EXIT trap) stops what was started

need_positive_ints() { # NAME...: dies unless each of these variables is a positive integer
  local n
  for n in "$@"; do
    [[ ${!n} =~ ^[1-9][0-9]*$ ]] || die "$n expects a positive integer, got '${!n}'"
  done
}

need_wrk_durations() { # NAME...: dies unless each of these variables is a wrk duration (10s, 1m)
  local n
  for n in "$@"; do
    [[ ${!n} =~ ^[0-9]+[smh]?$ ]] || die "$n expects a wrk duration such as 10s, got '${!n}'"
  done
}

# ---------------------------------------------------------------------------------------------
# Tools from Debian's packages when missing.
# ---------------------------------------------------------------------------------------------
ensure_tools() { # COMMAND[=PACKAGE]...: installs what is missing (nginx included); sets nginx_bin
  # A plain COMMAND is its own package and is named in the hint for a user without sudo;
  # COMMAND=PACKAGE (flock=util-linux) is installed when missing but left out of the hint.
  local t missing=() hint=()
  nginx_bin=$(command -v nginx || true)
  [ -n "$nginx_bin" ] || { [ -x /usr/sbin/nginx ] && nginx_bin=/usr/sbin/nginx; } || true
  for t in "$@"; do
    case $t in
      nginx) [ -n "$nginx_bin" ] || missing+=(nginx) ;;
      *=*) command -v "${t%%=*}" >/dev/null || missing+=("${t#*=}") ;;
      *) command -v "$t" >/dev/null || missing+=("$t") ;;
    esac
    [[ $t == *=* ]] || hint+=("$t")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    install_tools "${hint[*]}" "${missing[@]}"
    nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
    [ -x "$nginx_bin" ] || die "nginx is still missing after the install"
  fi
}

install_tools() { # HINT PACKAGE...: apt-get install, as root or with sudo -n, no service started
  local hint=$1 sudo="" pkgs=() policy_added="" p
  shift
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing $*; install them (apt-get install -y $hint) or run as root"
    sudo="sudo -n"
  fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing $* with apt-get"
  $sudo apt-get update -qq >&2
  for p in "$@"; do
    if [ "$p" = nginx ]; then
      # Debian 12 ships the server in 'nginx' (nginx-light only adds modules); older releases have
      # the small flavour in nginx-light. Take whichever apt-cache offers.
      if apt-cache policy nginx 2>/dev/null | grep -Eq 'Candidate: [0-9]'; then
        pkgs+=(nginx)
      elif apt-cache policy nginx-light 2>/dev/null | grep -Eq 'Candidate: [0-9]'; then
        pkgs+=(nginx-light)
      else
        die "apt-cache offers neither nginx nor nginx-light"
      fi
    else
      pkgs+=("$p")
    fi
  done
  # The nginx package starts a system-wide server on port 80 unless a policy forbids it; this
  # benchmark wants no server but its own, so forbid service starts for the install if nothing does.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    policy_added=yes
  fi
  local rc=0
  $sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >&2 || rc=$?
  [ -z "$policy_added" ] || $sudo rm -f /usr/sbin/policy-rc.d
  [ "$rc" -eq 0 ] || die "apt-get install ${pkgs[*]} failed"
}

# ---------------------------------------------------------------------------------------------
# Processes the script starts, and the cleanup that stops exactly those (by PID) on any exit.
# ---------------------------------------------------------------------------------------------
tmp=""
oversky_pid=""
client_pid=""     # the wrk run under way; run in the background so that a signal is handled at once
started_pids=()   # what spawn started, in order; the cleanup stops them last first
started_names=()

descendants() { # PID -> the PIDs of its children, grandchildren, ... (deepest first)
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}

stop_tree() { # PID NAME: TERM the process and what it started, KILL whatever is left after 10 s
  local pid=$1 name=$2 kids i
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kids=$(descendants "$pid")
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  for i in $pid $kids; do
    if kill -0 "$i" 2>/dev/null; then
      log "$name (pid $i) did not stop on TERM; killing it"
      kill -KILL "$i" 2>/dev/null || true
    fi
  done
  wait "$pid" 2>/dev/null || true
}

spawn() { # NAME OUTPUT COMMAND...: runs COMMAND in the background, stdout and stderr to OUTPUT;
  # sets last_pid and notes it for the cleanup, whose messages call it NAME
  local name=$1 out=$2
  shift 2
  "$@" >"$out" 2>&1 &
  last_pid=$!
  started_pids+=("$last_pid")
  started_names+=("$name")
}

cleanup() { # the EXIT trap: stops the client under way, the script's stop_clients (when it
  # defines one), what spawn started (last first); shows the node's log on failure; removes tmp
  local rc=$? k
  trap - EXIT INT TERM
  stop_tree "$client_pid" wrk
  if declare -F stop_clients >/dev/null; then stop_clients; fi
  for ((k = ${#started_pids[@]} - 1; k >= 0; k--)); do
    stop_tree "${started_pids[$k]}" "${started_names[$k]}"
  done
  if [ -n "$tmp" ] && [ -d "$tmp" ]; then
    if [ "$rc" -ne 0 ] && [ -f "$tmp/oversky.log" ]; then
      log "last lines of the node's log:"
      tail -n 20 "$tmp/oversky.log" >&2 || true
    fi
    rm -rf "$tmp"
  fi
  exit "$rc"
}

trap_cleanup() { # from here on, any exit (Ctrl-C and kill included) runs the cleanup
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

used_ports=()
take_port() { # VAR: sets VAR to a loopback port that nothing answers on now and no take_port gave
  # Below the kernel's ephemeral range (the first port of ip_local_port_range, 32768 by default),
  # so that no client connection of the benchmark itself can hold it when a server binds it.
  local port i p taken low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  [ "$low" -gt 12000 ] 2>/dev/null || low=32768
  for i in $(seq 200); do
    port=$((10000 + RANDOM % (low - 10000)))
    taken=""
    for p in "${used_ports[@]}"; do [ "$p" != "$port" ] || taken=yes; done
    if [ -z "$taken" ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      used_ports+=("$port")
      printf -v "$1" '%s' "$port"
      return 0
    fi
  done
  die "found no free loopback port"
}

wait_http() { # URL PID NAME TIMEOUT_S [HOST [any]]: poll until URL answers 2xx (any status with
  # 'any'), the process dies, or time is up
  local url=$1 pid=$2 name=$3 deadline=$((SECONDS + $4)) host=${5:-} any=${6:-} code
  local hdr=()
  [ -z "$host" ] || hdr=(-H "Host: $host")
  while :; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 2 "${hdr[@]}" "$url" 2>/dev/null || true)
    case $code in 2??) break ;; [1-5]??) [ -z "$any" ] || break ;; esac
    kill -0 "$pid" 2>/dev/null || die "$name exited before it answered $url"
    [ "$SECONDS" -lt "$deadline" ] || die "$name did not answer $url within $4 s (last status ${code:-none})"
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------
# Content and servers.
# ---------------------------------------------------------------------------------------------
names=(1k.bin 100k.bin 100m.bin)
labels=("1 KiB" "100 KiB" "100 MiB")
sizes=(1024 102400 104857600)

make_content() { # SUBDIR...: creates tmp with www and these subdirectories, writes each object's
  # random bytes into TMP/www/NAME and their SHA-256 into sums
  local i
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
  mkdir -p "$tmp/www" "${@/#/$tmp/}"
  log "writing ${labels[*]} of random bytes into $tmp/www"
  sums=()
  for i in 0 1 2; do
    head -c "${sizes[$i]}" /dev/urandom > "$tmp/www/${names[$i]}"
    sums+=("$(sha256sum "$tmp/www/${names[$i]}" | cut -d' ' -f1)")
  done
}

write_nginx_conf() { # STEM WORKERS TCP_NOPUSH < DIRECTIVES: writes TMP/STEM.conf, an nginx in the
  # foreground with workers as the current user, pid file, error log (TMP/STEM-error.log) and temp
  # paths (TMP/STEM-temp) in TMP, and an http block with sendfile, keep-alive and these DIRECTIVES
  local user_line="" t="$tmp/$1-temp"
  if [ "$(id -u)" -eq 0 ]; then
    # As root nginx would switch its workers to 'nobody'; keep them as the user running the script.
    user_line="user $(id -un) $(id -gn);"
  fi
  {
    cat <<EOF
$user_line
worker_processes $2;
daemon off;
pid $tmp/$1.pid;
error_log $tmp/$1-error.log warn;
events { worker_connections 4096; }
http {
  sendfile on;
  tcp_nopush $3;
  # nginx closes a keep-alive connection after 1000 requests by default; the node does not.
  keepalive_requests 1000000;
  default_type application/octet-stream;
  client_body_temp_path $t/body;
  proxy_temp_path $t/proxy;
  fastcgi_temp_path $t/fastcgi;
  uwsgi_temp_path $t/uwsgi;
  scgi_temp_path $t/scgi;
EOF
    cat
    echo "}"
  } > "$tmp/$1.conf"
}

header_of() { # FILE NAME -> the value of the last NAME header in a curl -D dump
  awk -v n="$(tr 'A-Z' 'a-z' <<<"$2")" -F': *' '
    { sub(/\r$/, "") } tolower($1) == n { v = substr($0, length($1) + 1); sub(/^: */, "", v) } END { print v }' "$1"
}

get_checked() { # SERVER OBJECT_INDEX -> the cache status header of one GET of the object through
  # that proxy (the header cache_header SERVER names, a function the script defines); dies unless
  # it is a 200 of the object's bytes (sums). The response head stays in TMP/warm-SERVER-INDEX.h.
  local s=$1 i=$2 url hdr got
  url=$(url_of "$s" "$i")
  hdr="$tmp/warm-$s-$i.h"
  got=$(curl -sS --max-time 120 "${host_args[@]}" -D "$hdr" "$url" | sha256sum | cut -d' ' -f1) \
    || die "GET $url (Host: $SITE) through $s failed"
  [ "$(awk 'NR == 1 { print $2 }' "$hdr")" = 200 ] || die "GET $url through $s answered: $(head -n 1 "$hdr" | tr -d '\r')"
  [ "$got" = "${sums[$i]}" ] || die "GET $url through $s served bytes with SHA-256 $got, not ${sums[$i]}"
  header_of "$hdr" "$(cache_header "$s")"
}

caching_nginx() { # ORIGIN_PORT LISTEN_PORT: the http-block directives of a caching nginx for
  # write_nginx_conf: proxy_cache on disk in TMP/nginx-cache with a lock, keep-alive to the origin
  # at ORIGIN_PORT, answering SITE on LISTEN_PORT with an X-Cache-Status header
  cat <<EOF
  access_log off;
  proxy_cache_path $tmp/nginx-cache levels=1:2 keys_zone=bench:10m max_size=1g inactive=1h use_temp_path=off;
  upstream origin {
    server 127.0.0.1:$1;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$2;
    server_name $SITE;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_read_timeout 60s;
      proxy_cache bench;
      proxy_cache_valid 200 1h;
      # One request per URL goes to the origin; the others wait for it (the node waits up to its
      # connect + read timeouts, 35 s by default; nginx's default lock timeout is 5 s).
      proxy_cache_lock on;
      proxy_cache_lock_timeout 30s;
      proxy_cache_lock_age 30s;
      add_header X-Cache-Status \$upstream_cache_status always;
    }
  }
EOF
}

start_nginx() { # STEM NAME URL [HOST [any]]: starts nginx with TMP/STEM.conf (output in TMP/STEM.out)
  # and waits up to 15 s for URL (see wait_http); on failure shows its output and exits. Sets last_pid.
  local stem=$1 name=$2
  spawn "${name#the }" "$tmp/$stem.out" "$nginx_bin" -p "$tmp" -c "$tmp/$stem.conf" -e "$tmp/$stem-error.log"
  if ! (wait_http "$3" "$last_pid" "$name" 15 "${@:4}"); then
    cat "$tmp/$stem.out" "$tmp/$stem-error.log" >&2 2>/dev/null || true
    exit 1
  fi
}

start_oversky() { # SERVE_ARG...: starts a node on a new port (oversky_port, oversky_pid) with an
  # empty TMP/data, its log in TMP/oversky.log, and waits for /healthz
  take_port oversky_port
  log "starting the oversky node on 127.0.0.1:$oversky_port (the launcher builds the jar when needed)"
  spawn oversky "$tmp/oversky.log" "$OVERSKY" serve --listen "127.0.0.1:$oversky_port" --data "$tmp/data" "$@"
  oversky_pid=$last_pid
  if ! (wait_http "http://127.0.0.1:$oversky_port/healthz" "$oversky_pid" "the oversky node" "$STARTUP_TIMEOUT"); then
    if grep -q 'the build failed' "$tmp/oversky.log" 2>/dev/null; then
      log "the launcher's build failed; when someone is editing the sources, retry in a minute"
    fi
    exit 1
  fi
}

# The launcher runs gateway/target/oversky.jar in place; a build started elsewhere during the run
# rewrites it under the running node. note_start takes the jar's identity, the report compares.
jar_id() { stat -c '%s bytes, modified %y' "$oversky_root/gateway/target/oversky.jar" 2>/dev/null | cut -d. -f1 || echo missing; }
exception_re='^([A-Za-z_$][A-Za-z0-9_$.]*(Exception|Error)\b|Exception in thread)'
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }   # the 1, 5 and 15 minute load averages

need_profiler() { # with PROFILE set: dies unless ASYNC_PROFILER and a JDK's jcmd are there
  [ -n "$PROFILE" ] || return 0
  [ -f "$ASYNC_PROFILER" ] || die "PROFILE needs ASYNC_PROFILER, the path of async-profiler's libasyncProfiler.so (in the tools.profiler:async-profiler jar), got '$ASYNC_PROFILER'"
  mkdir -p "$PROFILE" || die "PROFILE: cannot create the directory '$PROFILE'"
  [[ $PROFILE_EVENT =~ ^[a-z.:_A-Za-z0-9]+$ ]] || die "PROFILE_EVENT expects an async-profiler event such as cpu or wall, got '$PROFILE_EVENT'"
  # shellcheck source=/dev/null
  source "$root/scripts/jdk.sh" && oversky_find_jdk || die "PROFILE attaches with the JDK's jcmd: no JDK 21 or newer found"
}

profile() { # PID start|stop NAME: with PROFILE, async-profiler attached with jcmd to that JVM
  # samples PROFILE_EVENT from start to stop, written as collapsed stacks to PROFILE/NAME.collapsed
  [ -n "$PROFILE" ] || return 0
  if [ "$2" = start ]; then
    "$JAVA_HOME/bin/jcmd" "$1" JVMTI.agent_load "$ASYNC_PROFILER" "\"start,event=$PROFILE_EVENT,interval=1ms\"" > /dev/null
  else
    "$JAVA_HOME/bin/jcmd" "$1" JVMTI.agent_load "$ASYNC_PROFILER" "\"stop,collapsed,file=$PROFILE/$3.collapsed\"" > /dev/null
  fi
}

note_start() { # before the measurements: jar_start, load_start
  jar_end=""
  jar_start=$(jar_id)
  load_start=$(loadavg)
}

# ---------------------------------------------------------------------------------------------
# Measurements: wrk for the small objects, curl for the large one; oversky then nginx each time.
# ---------------------------------------------------------------------------------------------
parse_wrk() { # wrk output file -> "rps p50_ms p99_ms mib_per_s requests non2xx socket_errors"
  awk '
    function ms(v,  n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000; if (u == "ms") return n; if (u == "s") return n * 1000
      if (u == "m") return n * 60000; if (u == "h") return n * 3600000; return -1 }
    function mib(v,  n, u) { n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "B") return n / 1048576; if (u == "KB") return n / 1024; if (u == "MB") return n
      if (u == "GB") return n * 1024; if (u == "TB") return n * 1048576; return -1 }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    / requests in / { reqs = $1 }
    /^Requests\/sec:/ { rps = $2 }
    /^Transfer\/sec:/ { tput = mib($2) }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(/,/, ""); sock = $4 + $6 + $8 + $10 }
    END { printf "%s %s %s %s %d %d %d\n", rps, p50, p99, tput, reqs, non2xx, sock }
  ' "$1"
}

need_cpus() { # dies unless SERVER_CPUS and CLIENT_CPUS are both empty or both CPU lists taskset takes
  [ -z "$SERVER_CPUS$CLIENT_CPUS" ] && return 0
  [ -n "$SERVER_CPUS" ] && [ -n "$CLIENT_CPUS" ] \
    || die "SERVER_CPUS and CLIENT_CPUS go together (SERVER_CPUS=0 CLIENT_CPUS=1: the servers on one core, the client on the other), got '$SERVER_CPUS' and '$CLIENT_CPUS'"
  command -v taskset > /dev/null || die "SERVER_CPUS and CLIENT_CPUS need taskset (util-linux)"
  local c
  for c in "$SERVER_CPUS" "$CLIENT_CPUS"; do
    taskset -c "$c" true 2> /dev/null || die "'$c' is not a CPU list this machine has (nproc: $(nproc)); SERVER_CPUS and CLIENT_CPUS take taskset -c lists, 0 or 0-1"
  done
}

pin_server() { # PID: with SERVER_CPUS, every thread of the process and of its descendants on those
  # CPUs (threads started later inherit it)
  [ -n "$SERVER_CPUS" ] || return 0
  local p
  for p in "$1" $(descendants "$1"); do
    taskset -a -p -c "$SERVER_CPUS" "$p" > /dev/null || die "could not pin process $p to CPUs $SERVER_CPUS"
  done
}

on_client_cpus() { # COMMAND...: runs it on CLIENT_CPUS when set
  if [ -n "$CLIENT_CPUS" ]; then taskset -c "$CLIENT_CPUS" "$@"; else "$@"; fi
}

cpus_line() { # the report's line on where the servers and the client ran
  if [ -n "$SERVER_CPUS" ]; then
    echo "the servers pinned to CPUs $SERVER_CPUS (\`taskset\`, every thread), the client to CPUs $CLIENT_CPUS"
  else
    echo "servers and client where the kernel puts them, on the same cores"
  fi
}

client() { # COMMAND...: runs it in the background (on CLIENT_CPUS when set) and waits, so that
  # traps run without delay
  local rc=0
  on_client_cpus "$@" &
  client_pid=$!
  wait "$client_pid" || rc=$?
  client_pid=""
  return "$rc"
}

run_wrk() { # SERVER OBJECT_INDEX: a wrk warm-up (unless WARMUP is 0), then the measured run, into
  # result[SERVER,OBJECT_INDEX,rps|p50|p99|tput|reqs|non2xx|sock]; non-2xx answers go to failed
  local server=$1 i=$2 url out="$tmp/wrk-$1-$2.txt" rps p50 p99 tput reqs non2xx sock
  url=$(url_of "$server" "$i")
  if [ "$WARMUP" != 0 ] && [ "$WARMUP" != 0s ]; then
    log "warm-up   $server ${labels[$i]}: wrk -t$THREADS -c$CONNECTIONS -d$WARMUP"
    client wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${host_args[@]}" "$url" >/dev/null \
      || die "wrk failed against $url"
  fi
  log "measuring $server ${labels[$i]}: $wrk_cmd"
  client wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "${host_args[@]}" "$url" >"$out" \
    || die "wrk failed against $url"
  read -r rps p50 p99 tput reqs non2xx sock < <(parse_wrk "$out")
  if [ -z "$rps" ] || [ "$reqs" -eq 0 ]; then
    cat "$out" >&2
    die "wrk completed no request against $server for ${labels[$i]}"
  fi
  if [ "$non2xx" -ne 0 ]; then
    log "FAIL: $server answered $non2xx of $reqs requests for ${labels[$i]} with a non-2xx/3xx status"
    failed+="$server ${labels[$i]}: $non2xx non-2xx/3xx of $reqs requests. "
  fi
  if [ "$sock" -ne 0 ]; then
    log "warning: $server ${labels[$i]}: $sock socket errors ($(grep 'Socket errors' "$out" | sed 's/^ *//'))"
  fi
  result[$server,$i,rps]=$rps
  result[$server,$i,p50]=$p50
  result[$server,$i,p99]=$p99
  result[$server,$i,tput]=$tput
  result[$server,$i,reqs]=$reqs
  result[$server,$i,non2xx]=$non2xx
  result[$server,$i,sock]=$sock
}

measure_wrk() { # run_wrk for the 1 KiB and the 100 KiB object, oversky first each time
  local i
  for i in 0 1; do
    run_wrk oversky "$i"
    run_wrk nginx "$i"
  done
}

download() { # SERVER [OBJECT_INDEX] -> MiB/s of one download of the object (the 100 MiB one, index
  # 2, by default); dies unless it is a 200 of the full size. With host_args set (a proxy
  # benchmark) the messages name the proxy.
  local i=${2:-2} url via="" out code size speed
  url=$(url_of "$1" "$i")
  [ ${#host_args[@]} -eq 0 ] || via=" through $1"
  out=$(on_client_cpus curl -sS --max-time 300 "${host_args[@]}" -o /dev/null -w '%{http_code} %{size_download} %{speed_download}' "$url") \
    || die "downloading $url$via failed"
  read -r code size speed <<<"$out"
  [ "$code" = 200 ] || die "downloading $url$via answered $code"
  [ "$size" = "${sizes[$i]}" ] || die "downloading $url$via gave $size bytes, not ${sizes[$i]}"
  awk -v s="$speed" 'BEGIN { printf "%.1f\n", s / 1048576 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
rounds_median() { printf '%s' "$1" | awk -v c="$2" 'NF { print $c }' | median; }   # LINES COLUMN -> the median of that column over the lines (one a round)

measure_downloads() { # one warm-up download per server, then DOWNLOADS each, alternating; the
  # speeds in o_speeds and n_speeds, their median and best in result[SERVER,2,median|best]
  local d speed
  log "100 MiB downloads: one warm-up each, then $DOWNLOADS each, alternating oversky and nginx"
  download oversky >/dev/null
  download nginx >/dev/null
  o_speeds=()
  n_speeds=()
  for d in $(seq "$DOWNLOADS"); do
    speed=$(download oversky) || exit 1
    o_speeds+=("$speed")
    speed=$(download nginx) || exit 1
    n_speeds+=("$speed")
    log "download $d: oversky ${o_speeds[-1]} MiB/s, nginx ${n_speeds[-1]} MiB/s"
  done
  result[oversky,2,median]=$(printf '%s\n' "${o_speeds[@]}" | median)
  result[nginx,2,median]=$(printf '%s\n' "${n_speeds[@]}" | median)
  result[oversky,2,best]=$(printf '%s\n' "${o_speeds[@]}" | sort -g | tail -n 1)
  result[nginx,2,best]=$(printf '%s\n' "${n_speeds[@]}" | sort -g | tail -n 1)
}

# ---------------------------------------------------------------------------------------------
# Report (Markdown on stdout).
# ---------------------------------------------------------------------------------------------
collect_facts() { # dies if the node is gone; sets what the report shows besides the results:
  # java_version, nginx_version, wrk_version, jar_end, node_exceptions, cpu_model, commit, and
  # o_hdr and n_hdr (the size of the 1 KiB object's response headers on oversky and nginx)
  local java_bin out
  kill -0 "$oversky_pid" 2>/dev/null || die "the oversky node exited during the run"
  # The tools' version commands write to stderr and some exit non-zero (wrk -v), so take their output whole.
  java_bin=$(readlink "/proc/$oversky_pid/exe" 2>/dev/null || true)
  java_version="unknown"
  if [ -n "$java_bin" ] && [ -x "$java_bin" ]; then
    out=$("$java_bin" -version 2>&1 || true)
    java_version=$(awk 'NR <= 2 { printf "%s%s", (NR > 1 ? "; " : ""), $0 }' <<<"$out")
  fi
  out=$("$nginx_bin" -v 2>&1 || true)
  nginx_version=${out#nginx version: }
  out=$(wrk -v 2>&1 || true)
  wrk_version=$(awk 'NR == 1 { print $1, $2 }' <<<"$out")
  jar_end=$(jar_id)
  node_exceptions=$(grep -Ec "$exception_re" "$tmp/oversky.log" || true)
  cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  commit=$(git -C "$oversky_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ "$commit" != unknown ] && [ -n "$(git -C "$oversky_root" --no-optional-locks status --porcelain -uno 2>/dev/null)" ]; then
    commit="$commit (with uncommitted changes)"
  fi
  o_hdr=$(header_bytes oversky)
  n_hdr=$(header_bytes nginx)
}

settings_line() { echo "DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS DOWNLOADS=$DOWNLOADS"; }   # the shared settings, for the report's command line

header_bytes() { curl -sS -o /dev/null "${host_args[@]}" -w '%{size_header}' "$(url_of "$1" 0)"; }   # SERVER -> size of the 1 KiB object's response headers

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f "\n", v }'; }
row() { # LABEL METRIC OVERSKY NGINX FORMAT
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$(fmt "$3" "$5")" "$(fmt "$4" "$5")" "$(ratio "$3" "$4")"
}

hit_rows() { # SUFFIX: the table rows of measure_wrk and measure_downloads, each object's label followed by SUFFIX
  local i
  for i in 0 1; do
    row "${labels[$i]}$1" "requests/s" "${result[oversky,$i,rps]}" "${result[nginx,$i,rps]}" "%.0f"
    row "${labels[$i]}$1" "latency p50 (ms)" "${result[oversky,$i,p50]}" "${result[nginx,$i,p50]}" "%.2f"
    row "${labels[$i]}$1" "latency p99 (ms)" "${result[oversky,$i,p99]}" "${result[nginx,$i,p99]}" "%.2f"
    row "${labels[$i]}$1" "transfer (MiB/s)" "${result[oversky,$i,tput]}" "${result[nginx,$i,tput]}" "%.1f"
  done
  row "${labels[2]}$1" "download, median (MiB/s)" "${result[oversky,2,median]}" "${result[nginx,2,median]}" "%.0f"
  row "${labels[2]}$1" "download, best (MiB/s)" "${result[oversky,2,best]}" "${result[nginx,2,best]}" "%.0f"
}

wrk_errors() { # SERVER -> " SERVER OBJECT: N non-2xx/3xx, M socket errors;" for each wrk run of it with errors
  local i n
  for i in 0 1; do
    n=$((${result[$1,$i,non2xx]} + ${result[$1,$i,sock]}))
    [ "$n" -eq 0 ] || printf '%s' " $1 ${labels[$i]}: ${result[$1,$i,non2xx]} non-2xx/3xx, ${result[$1,$i,sock]} socket errors;"
  done
}

print_warnings() { # the report's warnings: the jar rebuilt during the run, exceptions in the node's log
  if [ "$jar_start" != "$jar_end" ]; then
    echo
    echo "**Warning:** gateway/target/oversky.jar was rebuilt during the run ($jar_start, then $jar_end);"
    echo "the node ran the classes it had loaded from the first build. Run again on a quiet tree."
    log "warning: the jar was rebuilt during the run"
  fi
  if [ "$node_exceptions" -gt 0 ]; then
    echo
    echo "**Warning:** the node logged $node_exceptions exceptions during the run (its log is on stderr)."
    log "warning: the node logged $node_exceptions exceptions:"
    grep -E -A3 "$exception_re" "$tmp/oversky.log" | head -n 40 >&2 || true
  fi
}
