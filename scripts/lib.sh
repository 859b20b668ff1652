# Shared by scripts/test and scripts/demo: Debian packages and JDK discovery.

# Packages the tests and the demo use (namespaces, traffic, packet decoding).
# qemu-system-x86, busybox-static, xz-utils: the real-kernel VM tests (io.dsrgw.harness.vm; the Debian kernel
# itself is only downloaded with apt-get download at test time, never installed).
# wrk: keep-alive HTTP load during the resilience tests (io.dsrgw.harness.scenario.ResilienceIT).
# bird2: BIRD 2 for the scale-out tests (io.dsrgw.harness.bird: examples/bird/ checked with bird -p, gateways announcing
# VIPs over BGP to a router with ECMP).
# clang, llvm, libbpf-dev, libbpf1, bpftool: the gateway build compiles its XDP program (gateway/src/main/bpf) with
# clang -target bpf; libbpf1 loads it at run time, bpftool runs gateway/src/test/bpf/smoke.sh.
# systemd: systemd-analyze verify on dist/systemd/*.service (io.dsrgw.harness.ops.SystemdUnitsTest); lintian,
# binutils (strip): the Debian packages (dist/deb) are built and checked; adduser: their postinst creates the dsrgw
# user.
# asciidoctor: picocli man pages (dist).
# chromium: the status page is checked in headless Chromium (DsrEndToEndIT).
DSRGW_APT_PACKAGES="systemd lintian binutils adduser iproute2 curl tshark nftables tcpdump iputils-ping procps python3 maven qemu-system-x86 busybox-static xz-utils wrk clang llvm libbpf-dev libbpf1 bpftool linux-libc-dev ethtool bird2 asciidoctor chromium"

dsrgw_install_packages() {
  local missing=()
  for p in $DSRGW_APT_PACKAGES "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "note: not root, cannot install: ${missing[*]} (tests that need them will skip and say why)" >&2
    return 0
  fi
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2
}

dsrgw_find_jdk() {
  local c v
  for c in ${JAVA_HOME:+"$JAVA_HOME"} /usr/lib/jvm/temurin-25* /usr/lib/jvm/*-25* /usr/lib/jvm/*; do
    [ -x "$c/bin/javac" ] || continue
    v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  echo "error: no JDK 25 found (expected: JAVA_HOME or a JDK >= 25 under /usr/lib/jvm)" >&2
  return 1
}

# Builds the distributions and the harness (mvn package, tests skipped) and shows its progress: one line per module
# and, while Maven fills an empty ~/.m2, a line every 100 files downloaded. The whole Maven output goes to
# target/build.log; on failure its end is printed.
dsrgw_build() {
  local log=target/build.log rc start=$SECONDS
  mkdir -p target
  # Measured with an empty ~/.m2 on a 2-core machine: 448 files, 54 MB, 2 minutes in all; 30-60 s once filled.
  if [ -d "${HOME}/.m2/repository/io/netty/netty-transport" ]; then
    echo "building (mvn package, tests skipped; about 30-60 s); full log: $log" >&2
  else
    echo "building (mvn package, tests skipped). The first build downloads Maven's plugins and the libraries" \
         "(about 450 files, 55 MB, into ~/.m2, once): a few minutes, depending on the network; full log: $log" >&2
  fi
  set +e
  mvn -B package -DskipTests 2>&1 | tee "$log" | awk '
    /^\[INFO\] Building .*\[[0-9]+\/[0-9]+\]$/ { sub(/^\[INFO\] Building /, ""); n = split($0, w, " ");
                                                 name = w[1]; for (i = 2; i <= n - 2; i++) name = name " " w[i];
                                                 printf "  %s %s\n", w[n], name; fflush() }
    /^\[INFO\] Downloaded from / { d++; if (d % 100 == 0) { printf "  %d files downloaded into ~/.m2...\n", d; fflush() } }
  ' >&2
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -ne 0 ]; then
    echo "build FAILED (mvn exit $rc); the end of $log:" >&2
    tail -n 40 "$log" >&2
    return "$rc"
  fi
  echo "built in $((SECONDS - start)) s" >&2
}
