# Sourced by the project's scripts: points JAVA_HOME at a JDK >= 21 (or explains what to install) and
# makes sure Maven is there (Debian's package, installed with apt-get when missing).
# Order: $JAVA_HOME when it is new enough, then every JDK under /usr/lib/jvm (newest first).
oversky_java_major() { # java binary -> major version number, or 0
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}' | cut -d. -f1 | grep -E '^[0-9]+$' || echo 0
}
oversky_find_jdk() {
  local candidate
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(oversky_java_major "$JAVA_HOME/bin/java")" -ge 21 ]; then
    return 0
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    if [ -x "$candidate/bin/javac" ] && [ "$(oversky_java_major "$candidate/bin/java")" -ge 21 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "oversky needs a JDK 21 or newer: set JAVA_HOME to one, or install one under /usr/lib/jvm." >&2
  return 1
}
oversky_apt_install() { # who-is-asking package...: installs Debian packages with apt-get (as root, or sudo -n); 1 when it cannot
  local who=$1 sudo=""; shift
  if [ "$(id -u)" != 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "$who needs $*: apt-get install $*" >&2
      return 1
    fi
  fi
  echo "$who: installing $* with apt-get (once)..." >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}
oversky_find_mvn() { # makes sure `mvn` runs: installs Debian's maven package when it is missing
  command -v mvn >/dev/null && return 0
  oversky_apt_install oversky maven || {
    echo "oversky: could not install Maven; install it (apt-get install maven) or put mvn on PATH, and try again." >&2
    return 1
  }
}
# The real servers and clients the integration tests run (BIND 9's named and dig, Unbound,
# openssl for certificates, Chromium for the dashboard):
# installs the Debian packages that are missing, once. A test that needs one and finds it missing
# fails and names the package.
oversky_test_packages() {
  local missing=()
  [ -x /usr/sbin/named ] || missing+=(bind9)
  command -v dig >/dev/null || missing+=(dnsutils)
  [ -x /usr/sbin/unbound ] || missing+=(unbound)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v pebble >/dev/null || missing+=(pebble)
  [ ${#missing[@]} -eq 0 ] && return 0
  oversky_apt_install run-tests "${missing[@]}" ||
    echo "run-tests: could not install ${missing[*]}; the tests that need them will fail and name them." >&2
}
