#!/bin/sh
# Compiles the benchmark's XDP programs (every *.c here) into OUT_DIR/NAME.o with clang -O2 -g -target bpf.
# Run by the test-harness build (exec-maven-plugin, generate-resources); fails with a clear message when clang
# or the headers (libbpf-dev: bpf/bpf_helpers.h, linux-libc-dev: linux/bpf.h) are missing.
#   build.sh SRC_DIR OUT_DIR
set -eu
src=$1
out=$2
if ! command -v clang >/dev/null 2>&1; then
  echo "test-harness: clang not found on PATH: it compiles the benchmark's XDP programs in $src" \
       "(expected: Debian packages clang, libbpf-dev, linux-libc-dev)" >&2
  exit 1
fi
multiarch=$(uname -m)-linux-gnu
for h in bpf/bpf_helpers.h linux/bpf.h; do
  [ -e "/usr/include/$h" ] || {
    echo "test-harness: /usr/include/$h not found (expected: Debian packages libbpf-dev, linux-libc-dev)" >&2
    exit 1
  }
done
mkdir -p "$out"
for c in "$src"/*.c; do
  o="$out/$(basename "${c%.c}").o"
  # Rebuild only when the source is newer: the build runs on every mvn invocation.
  if [ ! -e "$o" ] || [ "$c" -nt "$o" ]; then
    clang -O2 -g -target bpf -Wall -Werror -I"/usr/include/$multiarch" -c "$c" -o "$o"
  fi
done
