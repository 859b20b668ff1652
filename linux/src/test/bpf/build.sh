#!/bin/sh
# Compiles the test BPF objects (test_xdp.c, test_rejected.c) into $1 (the test classpath's bpf/ directory);
# does nothing when $2 is "true" (mvn -DskipTests: the objects are only for tests).
# Run by Maven in generate-test-resources (linux/pom.xml). Needs clang and the libbpf headers (Debian: clang,
# libbpf-dev; scripts/lib.sh installs both).
set -eu
out=${1:?usage: build.sh OUTPUT_DIRECTORY}
src=$(dirname "$0")
if [ "${2:-false}" = true ]; then
    echo "linux/src/test/bpf/build.sh: tests skipped, test BPF objects not built"
    exit 0
fi
if ! command -v clang >/dev/null 2>&1; then
    echo "linux/src/test/bpf/build.sh: clang not found on PATH: install clang (Debian package clang) to build the test BPF objects" >&2
    exit 1
fi
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
    echo "linux/src/test/bpf/build.sh: /usr/include/bpf/bpf_helpers.h missing: install libbpf-dev" >&2
    exit 1
fi
mkdir -p "$out"
# -target bpf drops the multiarch include directory that holds <asm/types.h>: add it back.
multiarch=/usr/include/$(uname -m)-linux-gnu
for name in test_xdp test_rejected; do
    clang -O2 -g -Wall -Werror -target bpf -I"$multiarch" -c "$src/$name.c" -o "$out/$name.o"
done
