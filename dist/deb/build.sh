#!/bin/sh
# Builds the Debian package of one dsrgw program from its Maven distribution (issue 13.2); called by the `deb`
# Maven profile of gateway/ and backend-agent/ (package phase), which scripts/test (CI) turns on:
#   build.sh PACKAGE VERSION DIST_DIR OUT_DIR JAVA_HOME
# PACKAGE: dsrgw-gateway or dsrgw-agent. VERSION: the Maven version (0.1.0-SNAPSHOT becomes 0.1.0~SNAPSHOT, a native
# Debian version that sorts before 0.1.0). DIST_DIR: target/<dist>/<dist> (bin/, lib/*.jar).
# Layout: /usr/lib/PACKAGE/{runtime,lib,bin}, /usr/bin/<launchers> (symlinks), /etc/dsrgw/<conf> (conffile),
# /lib/systemd/system/<unit>, /usr/share/doc/PACKAGE/{copyright,changelog.gz}, /usr/share/man/man1/*.1.gz,
# /usr/share/bash-completion/completions/<launcher>. The runtime is a jlink image of
# only the modules jdeps finds in lib/*.jar: no JDK on the host.
set -eu
pkg=$1 mvn_version=$2 dist=$3 out=$4 jdk=$5
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# The project's commit identity: it has no mailing list of its own.
maintainer="dsrgw maintainers <maintainers@users.noreply.h-seed-f64fd2da.example>"
version=$(printf '%s' "$mvn_version" | sed 's/-/~/')
case "$pkg" in
  dsrgw-gateway) launchers="dsr-gateway dsrctl"; unit=dsr-gateway.service; conf=gateway.conf
                 summary="L3 Direct Server Return load-balancing gateway"
                 # ip: TUN setup and VIP routes; libbpf1: the XDP fast path (ingress.kind = xdp), loaded at run time.
                 depends="iproute2, libbpf1" ;;
  dsrgw-agent)   launchers="dsr-agent"; unit=dsr-agent.service; conf=agent.conf
                 summary="backend agent of the dsrgw DSR load balancer"
                 # ip: tunnels, VIPs on lo, routes; nft: the tunnel filter and the MSS clamp.
                 depends="iproute2, nftables" ;;
  *) echo "build.sh: unknown package $pkg (expected: dsrgw-gateway or dsrgw-agent)" >&2; exit 2 ;;
esac
command -v dpkg-deb >/dev/null || { echo "build.sh: dpkg-deb not found (Debian package dpkg)" >&2; exit 1; }
[ -d "$dist/lib" ] || { echo "build.sh: $dist/lib: no such directory (expected: the Maven distribution)" >&2; exit 1; }

work="$out/deb-$pkg"
stage="$work/root"
rm -rf "$work"
mkdir -p "$stage/DEBIAN" "$stage/usr/lib/$pkg/bin" "$stage/usr/lib/$pkg/lib" "$stage/usr/bin" \
         "$stage/etc/dsrgw" "$stage/lib/systemd/system" "$stage/usr/share/doc/$pkg"

# The runtime: the modules the jars use (jdeps), less two that only unused code asks for: java.desktop (java.beans,
# for Typesafe Config's ConfigBeanFactory, which dsrgw does not use; it would bring AWT and fonts, 15 MB) and
# java.compiler (error_prone_annotations' annotations, never loaded at run time). The package test runs the
# installed programs on this runtime.
modules=$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 -q \
          --class-path "$dist/lib/*" "$dist"/lib/*.jar | tr , '\n' | grep -vx -e java.desktop -e java.compiler \
          | paste -sd, -)
echo "build.sh: $pkg: jlink $modules" >&2
"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
  --output "$stage/usr/lib/$pkg/runtime"
# jlink copies the JDK's executables and shared objects with their symbols: strip them (Debian policy; 10 MB less).
find "$stage/usr/lib/$pkg/runtime" -type f \( -name '*.so' -o -path '*/bin/*' -o -name jspawnhelper -o -name jexec \) \
  -exec strip --strip-unneeded --remove-section=.comment --remove-section=.note {} +
# jlink's legal notices: kept (they belong to the runtime's licenses), but readable by all like every other file.
chmod -R u+w,go+rX "$stage/usr/lib/$pkg/runtime"

install -m 0644 "$dist"/lib/*.jar "$stage/usr/lib/$pkg/lib/"
install -m 0755 "$root/dist/bin/dsrgw-java" "$stage/usr/lib/$pkg/bin/"
for l in $launchers; do
  install -m 0755 "$root/dist/bin/$l" "$stage/usr/lib/$pkg/bin/"
  ln -s "../lib/$pkg/bin/$l" "$stage/usr/bin/$l"
done
install -m 0644 "$root/examples/$conf" "$stage/etc/dsrgw/$conf"
install -m 0644 "$root/dist/systemd/$unit" "$stage/lib/systemd/system/$unit"
install -m 0644 "$here/copyright" "$stage/usr/share/doc/$pkg/copyright"
# The man pages and bash completions the build generated from the command-line model (dist/man.sh, share/ of the
# distribution): one page per program and sub-command, one completion per launcher, named after it (bash-completion
# loads completions/<command> on first use).
mkdir -p "$stage/usr/share/man/man1" "$stage/usr/share/bash-completion/completions"
for page in "$dist"/share/man/man1/*.1; do
  [ -f "$page" ] || { echo "build.sh: $dist/share/man/man1: no man pages (expected: the build's dist/man.sh output)" >&2; exit 1; }
  gzip -9n < "$page" > "$stage/usr/share/man/man1/$(basename "$page").gz"
done
for l in $launchers; do
  [ -f "$dist/share/bash-completion/completions/$l" ] \
    || { echo "build.sh: $dist/share/bash-completion/completions/$l: no such file (expected: the completion of $l)" >&2; exit 1; }
  # Sourced by bash-completion, never run: without picocli's "#!/usr/bin/env bash" line (lintian:
  # bash-completion-with-hashbang).
  sed '1{/^#!/d}' "$dist/share/bash-completion/completions/$l" > "$stage/usr/share/bash-completion/completions/$l"
  chmod 0644 "$stage/usr/share/bash-completion/completions/$l"
done
chmod 0644 "$stage"/usr/share/man/man1/*.gz
mkdir -p "$stage/usr/share/lintian/overrides"
sed "s/@PACKAGE@/$pkg/g" "$here/lintian-overrides" > "$stage/usr/share/lintian/overrides/$pkg"
chmod 0644 "$stage/usr/share/lintian/overrides/$pkg"
sed "s/@PACKAGE@/$pkg/; s/@VERSION@/$version/; s/@MAINTAINER@/$maintainer/" "$here/changelog" | gzip -9n > "$stage/usr/share/doc/$pkg/changelog.gz"
chmod 0644 "$stage/usr/share/doc/$pkg/changelog.gz"

echo "/etc/dsrgw/$conf" > "$stage/DEBIAN/conffiles"
for s in postinst prerm postrm; do
  sed "s/@PACKAGE@/$pkg/g; s/@UNIT@/$unit/g" "$here/$s" > "$stage/DEBIAN/$s"
  chmod 0755 "$stage/DEBIAN/$s"
done
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $size
Pre-Depends: adduser
Depends: libc6, $depends
Section: net
Priority: optional
Description: $summary
 dsrgw is an L3 Direct Server Return load balancer: the gateway hashes each
 flow to a backend with Maglev and tunnels its packets there (IP-in-IP, GRE,
 IPv6); the backends answer the clients directly. This package ships its own
 Java runtime (jlink) and a hardened systemd unit running as user dsrgw.
CONTROL
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
  > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"
deb="$out/${pkg}_${version}_amd64.deb"
rm -f "$out/${pkg}"_*_amd64.deb
# gzip, not xz: the runtime's modules file is compressed already, and xz took minutes for a few percent.
dpkg-deb --root-owner-group -Zgzip --build "$stage" "$deb" >&2
echo "build.sh: $deb ($(du -h "$deb" | cut -f1))" >&2
