#!/bin/sh
# Compiles the XDP fast path (dsrgw_xdp.c) into a BPF object; run by the gateway module's Maven build
# (exec-maven-plugin, phase process-classes) so that the object lands in target/classes and thus in the jar
# as the classpath resource /io/dsrgw/gateway/xdp/dsrgw_xdp.o.
# Usage: compile.sh SOURCE.c OUTPUT.o
set -eu
src=$1
out=$2
hint="install clang and libbpf-dev (Debian: apt-get install clang llvm libbpf-dev libbpf1 bpftool; scripts/lib.sh dsrgw_install_packages does it)"
if ! command -v clang >/dev/null 2>&1; then
  echo "ERROR: clang not found on PATH: the gateway module compiles its XDP program $src with clang -target bpf; $hint" >&2
  exit 1
fi
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
  echo "ERROR: /usr/include/bpf/bpf_helpers.h not found: the XDP program $src needs the libbpf headers; $hint" >&2
  exit 1
fi
# asm/types.h and friends live in the multiarch include directory on Debian; -target bpf does not search it
multiarch=/usr/include/$(uname -m)-linux-gnu
mkdir -p "$(dirname "$out")"
exec clang -O2 -g -target bpf -mcpu=v3 -Wall -Werror -I"$multiarch" -c "$src" -o "$out"
