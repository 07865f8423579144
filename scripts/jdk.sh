# Sourced by the project's scripts: points JAVA_HOME at a JDK >= 21, or explains what to install.
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
