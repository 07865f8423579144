#!/usr/bin/env bash
# Benchmarks the gateway mounted in an application server (embedded mode, the example app of
# examples/embedded-jetty) against the standalone node (`oversky serve`), both caching the same
# local origin for one site, on loopback, in the same run: issue 7's bar is that the embedded path
# costs at most 5 % of the standalone node's hit throughput.
#
# Both are built from this checkout (mvn package of the example and what it needs, which includes
# the node's jar), warmed with a 1 KiB and a 100 KiB object (the second GET must be a hit), then
# loaded with wrk, the order flipping each round (A B B A) so that a drift of the machine weighs on
# both alike. The result is a Markdown section on stdout, ready for docs/benchmarks.md; progress
# goes to stderr. See bench/README.md for the variables.
#
#   bash bench/embedded-vs-standalone.sh > result.md
#   DURATION=20s ROUNDS=3 bash bench/embedded-vs-standalone.sh
set -euo pipefail

bench_name=embedded-vs-standalone
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"   # settings shared with the other benchmarks, and the helpers
ROUNDS=${ROUNDS:-2}                   # measured runs per node and object; the order flips each round
MAX_COST=${MAX_COST:-5}               # the bar: at most this many percent fewer requests/s embedded
SITE=bench.test                       # the Host both nodes cache
MOUNT=/cdn                            # where AppServer mounts the node's own paths

need_positive_ints CONNECTIONS THREADS STARTUP_TIMEOUT ROUNDS
need_wrk_durations DURATION WARMUP
[ "$CONNECTIONS" -ge "$THREADS" ] || die "CONNECTIONS ($CONNECTIONS) must be at least THREADS ($THREADS)"
[ "$ROUNDS" -le 10 ] || die "ROUNDS ($ROUNDS) is capped at 10"
[[ $MAX_COST =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "MAX_COST expects a percentage such as 5, got '$MAX_COST'"

# ---------------------------------------------------------------------------------------------
# Tools: nginx, wrk and curl from Debian's packages when missing, Maven and a JDK >= 21 found as
# the launcher finds it; from here on, the cleanup stops what this script starts (by PID).
# ---------------------------------------------------------------------------------------------
ensure_tools nginx wrk curl
command -v mvn >/dev/null || die "mvn is missing; install Maven (apt-get install -y maven)"
[ -f "$oversky_root/scripts/jdk.sh" ] || die "$oversky_root has no scripts/jdk.sh; OVERSKY must be the checkout's launcher"
# shellcheck source=../scripts/jdk.sh
source "$oversky_root/scripts/jdk.sh"
oversky_find_jdk || die "no JDK >= 21 found"
read -r -a java_opts <<<"${OVERSKY_JAVA_OPTS:-}"   # the launcher passes them unquoted too
trap_cleanup

# ---------------------------------------------------------------------------------------------
# Content: a 1 KiB and a 100 KiB file of random bytes (lib.sh's objects 0 and 1).
# ---------------------------------------------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/$bench_name.XXXXXX")
mkdir -p "$tmp/www" "$tmp/data" "$tmp/embedded-data" "$tmp/origin-temp"
log "writing ${labels[0]} and ${labels[1]} of random bytes into $tmp/www"
sums=()
for i in 0 1; do
  head -c "${sizes[$i]}" /dev/urandom > "$tmp/www/${names[$i]}"
  sums+=("$(sha256sum "$tmp/www/${names[$i]}" | cut -d' ' -f1)")
done

# ---------------------------------------------------------------------------------------------
# Build: the example and the modules it needs (gateway included, so also the node's jar), and the
# example's runtime classpath in the same reactor, so that the sibling modules resolve to the jars
# just built here and not to older ones installed in ~/.m2.
# ---------------------------------------------------------------------------------------------
build_cmd="mvn -B -q -Dmaven.test.skip=true -pl examples/embedded-jetty -am package dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile=CLASSPATH_FILE"
log "building the example and the node with Maven (JAVA_HOME=$JAVA_HOME); up to a minute when the sources changed"
build_start=$SECONDS
spawn maven "$tmp/build.log" bash -c 'cd "$1" && shift && exec "$@"' build "$oversky_root" \
  mvn -B -q -Dmaven.test.skip=true -pl examples/embedded-jetty -am package dependency:build-classpath \
  -Dmdep.includeScope=runtime "-Dmdep.outputFile=$tmp/classpath.txt"
if ! wait "$last_pid"; then
  tail -n 40 "$tmp/build.log" >&2 || true
  die "the Maven build failed (its last lines are above)"
fi
build_seconds=$((SECONDS - build_start))
[ -s "$tmp/classpath.txt" ] || die "Maven wrote no classpath into $tmp/classpath.txt"
grep -q "$oversky_root/gateway/target/" "$tmp/classpath.txt" \
  || die "the example's classpath does not use this checkout's gateway build: $(head -c 300 "$tmp/classpath.txt")"
jetty_version=$(tr ':' '\n' <"$tmp/classpath.txt" | sed -n 's#.*/jetty-server-\(.*\)\.jar$#\1#p' | head -n 1)
jar_built=$(jar_id)   # the node's jar as this build left it; the launcher rebuilds it when stale

# The embedded node runs a copy of what this build made (the example's classes, the conf, cache
# and gateway jars): a build started elsewhere in the checkout during the run, the launcher's
# included, rewrites those jars in place, and a JVM reading classes from a rewritten jar fails.
snap="$tmp/classpath"
mkdir -p "$snap"
cp -a "$oversky_root/examples/embedded-jetty/target/classes" "$snap/example-classes"
embedded_cp="$snap/example-classes"
IFS=: read -r -a cp_entries < <(cat "$tmp/classpath.txt"; echo)   # Maven writes no final newline
n=0
for f in "${cp_entries[@]}"; do
  case $f in
    "$oversky_root"/*)
      n=$((n + 1))
      cp -a "$f" "$snap/$n-${f##*/}"
      embedded_cp+=":$snap/$n-${f##*/}"
      ;;
    *) embedded_cp+=":$f" ;;
  esac
done

# ---------------------------------------------------------------------------------------------
# The origin: nginx with the files and Cache-Control: max-age=3600 (embedded mode takes no
# default TTL, so the origin says how long to keep them). One port per node, so that its access
# log tells which node asked.
# ---------------------------------------------------------------------------------------------
take_port origin_port_e   # the embedded node's way to the origin
take_port origin_port_s   # the standalone node's
write_nginx_conf origin 1 on <<EOF
  log_format bench '\$server_port \$status \$request_uri';
  access_log $tmp/origin-access.log bench;
  server {
    listen 127.0.0.1:$origin_port_e;
    listen 127.0.0.1:$origin_port_s;
    root $tmp/www;
    location / {
      add_header Cache-Control "max-age=3600";
    }
  }
EOF
log "starting the origin nginx on 127.0.0.1:$origin_port_e and :$origin_port_s"
start_nginx origin "the origin nginx" "http://127.0.0.1:$origin_port_e/${names[0]}"

# ---------------------------------------------------------------------------------------------
# The nodes: the example application with the gateway mounted, and `oversky serve`, each with an
# empty data directory, the same JVM and JVM options, no request log.
# ---------------------------------------------------------------------------------------------
take_port embedded_port
log "starting the embedded node (AppServer) on 127.0.0.1:$embedded_port"
spawn embedded "$tmp/embedded.log" "$JAVA_HOME/bin/java" "${java_opts[@]}" --enable-native-access=ALL-UNNAMED \
  -cp "$embedded_cp" org.oversky.examples.embedded.AppServer \
  "$embedded_port" "$SITE=http://127.0.0.1:$origin_port_e" "$tmp/embedded-data"
embedded_pid=$last_pid
if ! (wait_http "http://127.0.0.1:$embedded_port$MOUNT/healthz" "$embedded_pid" "the embedded node" "$STARTUP_TIMEOUT"); then
  tail -n 20 "$tmp/embedded.log" >&2 || true
  exit 1
fi

start_oversky --no-request-log --site "$SITE=http://127.0.0.1:$origin_port_s"
standalone_pid=$oversky_pid
jar_started=$(jar_id)

servers=(embedded standalone)
url_of() { # SERVER OBJECT_INDEX -> the file's URL through that node
  if [ "$1" = embedded ]; then echo "http://127.0.0.1:$embedded_port/${names[$2]}"; else echo "http://127.0.0.1:$oversky_port/${names[$2]}"; fi
}
pid_of() { if [ "$1" = embedded ]; then echo "$embedded_pid"; else echo "$standalone_pid"; fi; }
log_of() { if [ "$1" = embedded ]; then echo "$tmp/embedded.log"; else echo "$tmp/oversky.log"; fi; }
origin_port_of() { if [ "$1" = embedded ]; then echo "$origin_port_e"; else echo "$origin_port_s"; fi; }
host_args=(-H "Host: $SITE")
alive() { # SERVER: dies (showing its log) when that node is gone
  kill -0 "$(pid_of "$1")" 2>/dev/null && return 0
  log "last lines of the $1 node's log:"
  tail -n 20 "$(log_of "$1")" >&2 || true
  die "the $1 node exited during the run"
}
origin_count() { # PORT -> requests in the origin's access log from that node
  awk -v p="$1" '$1 == p { n++ } END { print n + 0 }' "$tmp/origin-access.log" 2>/dev/null || echo 0
}
odd=()      # what the report should mention

# ---------------------------------------------------------------------------------------------
# Warm-up: one GET of each file through each node, then a second that must be a hit.
# ---------------------------------------------------------------------------------------------
declare -A warm   # warm[server,object,first|second]: the Cache-Status of each GET
get_checked() { # SERVER OBJECT_INDEX -> the Cache-Status; dies unless a 200 of the right bytes
  local s=$1 i=$2 url hdr got
  url=$(url_of "$s" "$i")
  hdr="$tmp/warm-$s-$i.h"
  got=$(curl -sS --max-time 60 "${host_args[@]}" -D "$hdr" "$url" | sha256sum | cut -d' ' -f1) \
    || die "GET $url (Host: $SITE) through the $s node failed"
  if [ "$(awk 'NR == 1 { print $2 }' "$hdr")" != 200 ]; then
    log "last lines of the $s node's log:"
    tail -n 30 "$(log_of "$s")" >&2 || true
    die "GET $url through the $s node answered: $(head -n 1 "$hdr" | tr -d '\r')"
  fi
  [ "$got" = "${sums[$i]}" ] || die "GET $url through the $s node served bytes with SHA-256 $got, not ${sums[$i]}"
  header_of "$hdr" Cache-Status
}
is_hit() { [[ $1 =~ ^oversky\;\ hit ]]; }
for s in "${servers[@]}"; do
  for i in 0 1; do
    warm[$s,$i,first]=$(get_checked "$s" "$i")
    warm[$s,$i,second]=$(get_checked "$s" "$i")
    if ! is_hit "${warm[$s,$i,second]}"; then
      log "warning: $s: the second GET of ${labels[$i]} is not a hit: Cache-Status: ${warm[$s,$i,second]:-(none)}"
      odd+=("$s: the second GET of ${labels[$i]} was not a hit (\`Cache-Status: ${warm[$s,$i,second]:-(none)}\`)")
      late=""
      for t in $(seq 10); do
        sleep 0.5
        late=$(get_checked "$s" "$i")
        ! is_hit "$late" || break
      done
      is_hit "$late" || die "the $s node never answered ${labels[$i]} from its cache (last: '${late:-none}')"
      odd+=("$s: ${labels[$i]} became a hit $t GETs later (\`$late\`)")
    fi
    log "warm-up $s ${labels[$i]}: first '${warm[$s,$i,first]}', second '${warm[$s,$i,second]}'"
  done
done

note_start
declare -A origin_before
for s in "${servers[@]}"; do origin_before[$s]=$(origin_count "$(origin_port_of "$s")"); done

# ---------------------------------------------------------------------------------------------
# Hits: per object, ROUNDS rounds of one wrk run against each node; the order flips every round
# and the first round's order alternates between the objects (1 KiB: E S S E, 100 KiB: S E E S).
# The first run of each node for an object is preceded by a WARMUP-long wrk warm-up.
# ---------------------------------------------------------------------------------------------
wrk_cmd="wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency -H 'Host: $SITE'"
declare -A warmed run_order
for i in 0 1; do
  run_order[$i]=""
  for r in $(seq "$ROUNDS"); do
    if [ $(((i + r) % 2)) -eq 1 ]; then order=(embedded standalone); else order=(standalone embedded); fi
    for s in "${order[@]}"; do
      alive "$s"
      log "round $r of $ROUNDS, ${labels[$i]}: $s"
      if [ -z "${warmed[$s,$i]:-}" ]; then
        run_wrk "$s" "$i"
        warmed[$s,$i]=yes
      else
        WARMUP=0 run_wrk "$s" "$i"
      fi
      for m in rps p50 p99 reqs non2xx sock; do result[$s,$i,$m,$r]=${result[$s,$i,$m]}; done
      run_order[$i]+="${run_order[$i]:+, }$s"
      log "  $s ${labels[$i]}: $(fmt "${result[$s,$i,rps]}" %.0f) requests/s, p50 ${result[$s,$i,p50]} ms, p99 ${result[$s,$i,p99]} ms"
    done
  done
done
for s in "${servers[@]}"; do alive "$s"; done
load_end=$(loadavg)
for s in "${servers[@]}"; do
  result[$s,origin]=$(($(origin_count "$(origin_port_of "$s")") - ${origin_before[$s]}))
  if [ "${result[$s,origin]}" -ne 0 ]; then
    log "warning: the $s node sent ${result[$s,origin]} requests to the origin during the measurements"
    odd+=("the $s node sent ${result[$s,origin]} requests to the origin during the measurements (0 expected: all hits)")
  fi
done

# Per node and object: the mean of the rounds, the request and error totals, and the spread of
# requests/s between its rounds (max - min over the mean, in %).
values() { local s=$1 i=$2 m=$3 r; for r in $(seq "$ROUNDS"); do echo "${result[$s,$i,$m,$r]}"; done; }
mean() { awk '{ t += $1; n++ } END { printf "%.6f\n", (n ? t / n : 0) }'; }
for s in "${servers[@]}"; do
  for i in 0 1; do
    for m in rps p50 p99; do result[$s,$i,$m]=$(values "$s" "$i" "$m" | mean); done
    for m in reqs non2xx sock; do result[$s,$i,$m]=$(values "$s" "$i" "$m" | awk '{ t += $1 } END { print t + 0 }'); done
    result[$s,$i,spread]=$(values "$s" "$i" rps | awk '
      NR == 1 { lo = hi = $1 } { t += $1; if ($1 < lo) lo = $1; if ($1 > hi) hi = $1 }
      END { printf "%.1f\n", (t ? (hi - lo) / (t / NR) * 100 : 0) }')
  done
done

# ---------------------------------------------------------------------------------------------
# Report (Markdown on stdout).
# ---------------------------------------------------------------------------------------------
java_of() { # SERVER -> the first two lines of `java -version` of the binary that node runs
  local bin out
  bin=$(readlink "/proc/$(pid_of "$1")/exe" 2>/dev/null || true)
  [ -n "$bin" ] && [ -x "$bin" ] || { echo unknown; return; }
  out=$("$bin" -version 2>&1 || true)
  awk 'NR <= 2 { printf "%s%s", (NR > 1 ? "; " : ""), $0 }' <<<"$out"
  echo " ($bin)"
}
java_e=$(java_of embedded)
java_s=$(java_of standalone)
if [ "$java_e" = "$java_s" ]; then java_line="both on $java_e"; else java_line="embedded on $java_e, standalone on $java_s"; fi
out=$("$nginx_bin" -v 2>&1 || true)
nginx_version=${out#nginx version: }
out=$(wrk -v 2>&1 || true)
wrk_version=$(awk 'NR == 1 { print $1, $2 }' <<<"$out")
maven_version=$(mvn -B -v 2>/dev/null | sed -n '1s/\x1b\[[0-9;]*m//g; 1p' | awk '{ print $1, $2, $3 }')
cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
commit=$(git -C "$oversky_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && [ -n "$(git -C "$oversky_root" --no-optional-locks status --porcelain -uno 2>/dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
jar_end=$(jar_id)
for s in "${servers[@]}"; do
  result[$s,hdr]=$(header_bytes "$s")
  result[$s,exceptions]=$(grep -Ec "$exception_re" "$(log_of "$s")" || true)
done
load_after=$(loadavg)
opts_shown=${OVERSKY_JAVA_OPTS:+${OVERSKY_JAVA_OPTS} }
if [ "$jar_started" = "$jar_built" ]; then same_build="both nodes from one build"; else same_build="**the launcher rebuilt the standalone node's jar after this build** (see the warning)"; fi
command_line="DURATION=$DURATION WARMUP=$WARMUP CONNECTIONS=$CONNECTIONS THREADS=$THREADS ROUNDS=$ROUNDS MAX_COST=$MAX_COST${OVERSKY_JAVA_OPTS:+ OVERSKY_JAVA_OPTS='$OVERSKY_JAVA_OPTS'} bash bench/embedded-vs-standalone.sh"

# Positive: the embedded node is that many percent worse (fewer requests/s, or a higher latency).
cost() { # METRIC EMBEDDED STANDALONE
  awk -v m="$1" -v e="$2" -v s="$3" 'BEGIN {
    if (s + 0 == 0) { print "n/a"; exit }
    c = (m == "rps") ? (1 - e / s) * 100 : (e / s - 1) * 100
    printf "%+.1f %%\n", c }'
}
cost_row() { # LABEL METRIC_NAME KEY OBJECT_INDEX FORMAT
  local e=${result[embedded,$4,$3]} s=${result[standalone,$4,$3]}
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$(fmt "$e" "$5")" "$(fmt "$s" "$5")" "$(ratio "$e" "$s")" "$(cost "$3" "$e" "$s")"
}
rps_cost() { awk -v e="${result[embedded,$1,rps]}" -v s="${result[standalone,$1,rps]}" 'BEGIN { printf "%.1f\n", (1 - e / s) * 100 }'; }
over=()
verdicts=()
for i in 0 1; do
  c=$(rps_cost "$i")
  verdicts+=("${labels[$i]} $(awk -v c="$c" 'BEGIN { printf "%+.1f", c }') %")
  awk -v c="$c" -v m="$MAX_COST" 'BEGIN { exit !(c > m) }' && over+=("${labels[$i]}")
  for s in "${servers[@]}"; do
    if awk -v d="${result[$s,$i,spread]}" -v m="$MAX_COST" 'BEGIN { exit !(d > m) }'; then
      odd+=("the $s node's ${labels[$i]} runs differ by ${result[$s,$i,spread]} % in requests/s, more than the ${MAX_COST} % bar: repeat the run (or raise DURATION, ROUNDS) before trusting the verdict")
    fi
  done
done

cat <<EOF
## Embedded handler vs standalone node, $(date -u '+%Y-%m-%d %H:%M UTC')

- command: \`$command_line\`
- machine: $(nproc) cores (\`nproc\`), $cpu_model
- oversky: commit $commit, $same_build (\`$build_cmd\`, $build_seconds s, $maven_version), $java_line, JVM options \`${opts_shown}--enable-native-access=ALL-UNNAMED\` for both
- embedded: \`org.oversky.examples.embedded.AppServer\` (examples/embedded-jetty) on Jetty ${jetty_version:-unknown}: a \`Server()\` and a \`ServerConnector\` with one selector per core, \`Handler.Sequence(oversky.handler(), app)\`, \`Gateway.builder(config).embedded(true).mount("$MOUNT")\`, no request log
- standalone: \`oversky serve --listen 127.0.0.1:PORT --data DIR --no-request-log --site $SITE=http://127.0.0.1:ORIGIN\` (\`GatewayServer\`)
- origin: $nginx_version (1 worker) serving the files with \`Cache-Control: max-age=3600\`, one port per node
- machine load average (1, 5, 15 min): $load_start at the start, $load_end after the measurements, $load_after at the end
- hits: $wrk_version, \`$wrk_cmd URL\`; per object a $WARMUP warm-up before each node's first run, then $ROUNDS runs per node, the order flipping every round (1 KiB: ${run_order[0]}; 100 KiB: ${run_order[1]}); figures are the mean of a node's $ROUNDS runs; both caches warmed by two GETs per object
- client, both nodes and the origin share the same cores; everything on 127.0.0.1

| object | metric | embedded | standalone | embedded/standalone | embedded cost |
|---|---|---:|---:|---:|---:|
EOF
for i in 0 1; do
  cost_row "${labels[$i]} hit" "requests/s" rps "$i" "%.0f"
  cost_row "${labels[$i]} hit" "latency p50 (ms)" p50 "$i" "%.2f"
  cost_row "${labels[$i]} hit" "latency p99 (ms)" p99 "$i" "%.2f"
done

echo
if [ ${#over[@]} -eq 0 ]; then
  echo "**Verdict:** the embedded node's cost in requests/s (${verdicts[0]}, ${verdicts[1]}) is within the ${MAX_COST} % bar."
else
  echo "**Verdict:** the embedded node's cost in requests/s (${verdicts[0]}, ${verdicts[1]}) is above the ${MAX_COST} % bar for $(printf '%s' "${over[0]}"; [ ${#over[@]} -lt 2 ] || printf ' and %s' "${over[1]}")."
fi
errors=""
for s in "${servers[@]}"; do errors+=$(wrk_errors "$s"); done
runs() { # SERVER OBJECT_INDEX -> its runs' requests/s, in order
  local r; for r in $(seq "$ROUNDS"); do printf '%s%s' "$([ "$r" = 1 ] || echo ', ')" "$(fmt "${result[$1,$2,rps,$r]}" %.0f)"; done
}
cat <<EOF

- cost: for requests/s \`(1 - embedded/standalone) × 100\`, for latency \`(embedded/standalone - 1) × 100\`; positive means the embedded node is slower
- requests/s of each run: 1 KiB embedded $(runs embedded 0), standalone $(runs standalone 0); 100 KiB embedded $(runs embedded 1), standalone $(runs standalone 1)
- spread between a node's runs ((max - min) / mean of requests/s): 1 KiB embedded ${result[embedded,0,spread]} %, standalone ${result[standalone,0,spread]} %; 100 KiB embedded ${result[embedded,1,spread]} %, standalone ${result[standalone,1,spread]} %
- requests: embedded ${result[embedded,0,reqs]} (1 KiB), ${result[embedded,1,reqs]} (100 KiB); standalone ${result[standalone,0,reqs]}, ${result[standalone,1,reqs]}; errors:${errors:- none}
- origin requests during the measurements (0 expected): embedded ${result[embedded,origin]}, standalone ${result[standalone,origin]}
- warm-up, first and second GET: embedded $(for i in 0 1; do printf '%s`%s` then `%s`' "$([ "$i" = 0 ] || echo '; ')" "${warm[embedded,$i,first]}" "${warm[embedded,$i,second]}"; done); standalone $(for i in 0 1; do printf '%s`%s` then `%s`' "$([ "$i" = 0 ] || echo '; ')" "${warm[standalone,$i,first]}" "${warm[standalone,$i,second]}"; done)
- response headers of the 1 KiB hit: embedded ${result[embedded,hdr]} bytes, standalone ${result[standalone,hdr]} bytes
EOF
if [ ${#odd[@]} -gt 0 ]; then
  echo
  echo "**Noticed:**"
  for o in "${odd[@]}"; do echo "- $o"; done
fi
if [ "$jar_started" != "$jar_built" ]; then
  echo
  echo "**Warning:** the launcher rebuilt gateway/target/oversky.jar after this script's build ($jar_built, then"
  echo "$jar_started): the sources changed in between, so the two nodes may run different code. Run again on a quiet tree."
  log "warning: the launcher rebuilt the node's jar after this script's build; the nodes may run different code"
fi
if [ "$jar_start" != "$jar_end" ]; then
  echo
  echo "**Warning:** gateway/target/oversky.jar was rebuilt during the run ($jar_start, then $jar_end);"
  echo "the standalone node ran the classes it had loaded from the first build. Run again on a quiet tree."
  log "warning: the jar was rebuilt during the run"
fi
for s in "${servers[@]}"; do
  if [ "${result[$s,exceptions]}" -gt 0 ]; then
    echo
    echo "**Warning:** the $s node logged ${result[$s,exceptions]} exceptions during the run (its log is on stderr)."
    log "warning: the $s node logged ${result[$s,exceptions]} exceptions:"
    grep -E -A3 "$exception_re" "$(log_of "$s")" | head -n 40 >&2 || true
  fi
done

if [ -n "$failed" ]; then
  die "this run is invalid: $failed"
fi
