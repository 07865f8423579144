#!/usr/bin/env bash
# The file system the OCI image adds to an empty base (Jib's "scratch"): a Java runtime made with
# jlink from the JDK that runs the build, the C libraries it loads (found with ldd), a passwd entry
# for the user the node runs as, and the directories it writes. Jib lays the application on top.
#
#   packaging/image/image-root.sh JAVA_HOME OUT_DIR
set -euo pipefail
java_home=$1
out=$2
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.sql,jdk.crypto.ec,jdk.management,jdk.unsupported,jdk.jfr
rm -rf "$out"
mkdir -p "$out/opt" "$out/etc" "$out/tmp" "$out/var/lib/oversky"
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --output "$out/opt/java" 2>/dev/null ||
  "$java_home/bin/jlink" --add-modules "${modules/,jdk.crypto.ec/}" --strip-debug --no-header-files --no-man-pages --output "$out/opt/java"
# every shared library the runtime's programs and libraries need, at the path the loader looks for it
find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 |
  xargs -0 ldd 2>/dev/null | grep -oE '/[^ ]+\.so[^ ]*' | sort -u | while read -r lib; do
    case "$lib" in "$out"*) continue ;; esac
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
  done
chmod 1777 "$out/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\noversky:x:10001:10001:oversky:/var/lib/oversky:/sbin/nologin\n' > "$out/etc/passwd"
printf 'root:x:0:\noversky:x:10001:\n' > "$out/etc/group"
echo "image-root: $(du -sh "$out" | cut -f1) in $out" >&2
