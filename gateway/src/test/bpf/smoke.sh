#!/bin/bash
# Smoke test of the XDP fast path (gateway/src/main/bpf/dsrgw_xdp.c) with bpftool, outside Maven.
#
# Loads the program (the verifier must accept it), fills its maps per dsrgw_xdp.h, and runs packets through it with
# BPF_PROG_TEST_RUN ("bpftool prog run") inside a network namespace of its own, where routes and permanent
# neighbours let the real bpf_fib_lookup resolve next hops. Every encapsulated output is compared byte for byte
# with what the Java data plane computes for the same frame (SmokeExpect.java: FlowHash, Maglev slot,
# TunnelEncapsulator), the outer IPv4 identification being the only field taken from the XDP output.
#
# Needs root, clang, bpftool, JDK 25 (JAVA_HOME) and the encap jar (mvn -pl encap -am install -DskipTests).
# Cleans up its namespace, bpffs mount and temp files on exit. The real tests are the Java ones; this script is
# for working on the C program. Usage: gateway/src/test/bpf/smoke.sh   (exit 0 = all cases passed)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "smoke.sh: needs root (network namespace, BPF)" >&2; exit 2; }
for tool in clang bpftool ip python3; do
  command -v "$tool" >/dev/null || { echo "smoke.sh: $tool not found (scripts/lib.sh installs it)" >&2; exit 2; }
done
java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
encap_jar=$(ls "$repo"/encap/target/dsrgw-encap-*.jar 2>/dev/null | grep -v -- '-tests\.jar' | head -1 || true)
[ -n "$encap_jar" ] || { echo "smoke.sh: no encap jar: run mvn -pl encap -am install -DskipTests first" >&2; exit 2; }

ns=dsrgw-smoke-$$
live_gw=dsrgw-smoke-gw-$$
live_peer=dsrgw-smoke-peer-$$
work=$(mktemp -d /tmp/dsrgw-smoke-XXXXXX) # no dots: libbpf rewrites "." to "_" in pin paths
bpffs=$work/bpffs
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  ip netns del "$live_gw" 2>/dev/null || true
  ip netns del "$live_peer" 2>/dev/null || true
  umount "$bpffs" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
ok() { echo "  ok   $*"; }
fail() { echo "  FAIL $*"; failures=$((failures + 1)); }

# ---------------------------------------------------------------------------------------------- build
"$repo/gateway/src/main/bpf/compile.sh" "$repo/gateway/src/main/bpf/dsrgw_xdp.c" "$work/dsrgw_xdp.o"
"$java_home/bin/javac" -d "$work/classes" -cp "$encap_jar" "$here/SmokeExpect.java"
j() { "$java_home/bin/java" -cp "$work/classes:$encap_jar" SmokeExpect "$@"; }

# ---------------------------------------------------------------------------------------------- topology
# veth0: ingress (XDP_TX side): 10.0.3.0/24 and fd00:3::/64 with permanent neighbours, 10.0.4.0/24 without any
# veth1: redirect target (in dsrgw_tx_ports): 10.0.5.0/24
ip netns add "$ns"
nsx() { ip netns exec "$ns" "$@"; }
ip -n "$ns" link add veth0 type veth peer name veth0p
ip -n "$ns" link add veth1 type veth peer name veth1p
for l in lo veth0 veth0p veth1 veth1p; do ip -n "$ns" link set dev "$l" up; done
nsx sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$ns" addr add 10.0.3.1/24 dev veth0
ip -n "$ns" addr add fd00:3::1/64 dev veth0 nodad
ip -n "$ns" addr add 10.0.5.1/24 dev veth1
ip -n "$ns" route add 10.0.4.0/24 dev veth0
# neighbour MACs: 02:00 + the last 4 bytes of the address (SmokeExpect's "auto" destination MAC)
for h in 10 11 12 30; do
  ip -n "$ns" neigh add 10.0.3.$h lladdr 02:00:0a:00:03:$(printf %02x "$h") dev veth0 nud permanent
done
ip -n "$ns" neigh add fd00:3::10 lladdr 02:00:00:00:00:10 dev veth0 nud permanent
ip -n "$ns" neigh add 10.0.5.20 lladdr 02:00:0a:00:05:14 dev veth1 nud permanent
mac0=$(nsx cat /sys/class/net/veth0/address)
mac1=$(nsx cat /sys/class/net/veth1/address)
if0=$(nsx cat /sys/class/net/veth0/ifindex)
if1=$(nsx cat /sys/class/net/veth1/ifindex)

# ---------------------------------------------------------------------------------------------- load
mkdir -p "$bpffs"
mount -t bpf bpf "$bpffs"
mkdir "$bpffs/maps"
nsx bpftool prog load "$work/dsrgw_xdp.o" "$bpffs/prog" type xdp pinmaps "$bpffs/maps"
m=$bpffs/maps
echo "loaded: $(nsx bpftool prog show pinned "$bpffs/prog" | head -2 | tr -s ' \n\t' ' ')"
ls "$m" | tr '\n' ' '; echo

seed=smoke-seed
ring_size=13
src4=10.0.2.2
src6=fd00:2::2
ttl=64
mtu=1500
upd() { nsx bpftool map update pinned "$m/$1" key hex $2 value hex $3; }
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
ring() { # RING_ID ID... : slot i of ring RING_ID = i-th id, cycling
  local r=$1; shift; local ids=("$@") cmds=$work/ring.batch i
  : > "$cmds"
  for ((i = 0; i < ring_size; i++)); do
    echo "map update pinned $m/dsrgw_rings key hex $(le32 $((r * ring_size + i))) value hex $(le32 "${ids[i % ${#ids[@]}]}")" >> "$cmds"
  done
  nsx bpftool batch file "$cmds" > /dev/null
}

upd dsrgw_config "00 00 00 00" "$(j config $seed $ring_size $mtu $src4 $src6 $ttl)"
# VIP 1: 10.100.0.1 tcp 80, ring 0, three ipip backends (slot i -> id 100 + i % 3)
upd dsrgw_vips "$(j vipkey 10.100.0.1 tcp 80)" "$(j vipval 1 0 0)"
for i in 0 1 2; do upd dsrgw_backends "$(le32 $((100 + i)))" "$(j backend 10.0.3.$((10 + i)) 1 ipip - 0)"; done
ring 0 100 101 102
# VIP 2: 10.100.0.2 tcp 80, ring 1, backend 10.0.4.1 (route, no neighbour)
upd dsrgw_vips "$(j vipkey 10.100.0.2 tcp 80)" "$(j vipval 2 1 0)"
upd dsrgw_backends "$(le32 200)" "$(j backend 10.0.4.1 2 ipip - 0)"
ring 1 200
# VIP 3: fd00:100::1 tcp 443, ring 2, ip6gre with key 42 to fd00:3::10
upd dsrgw_vips "$(j vipkey fd00:100::1 tcp 443)" "$(j vipval 3 2 0)"
upd dsrgw_backends "$(le32 300)" "$(j backend fd00:3::10 3 ip6gre 42 0)"
ring 2 300
# VIP 4: 10.100.0.3 udp 53, ring 3, gre with key 4294967295 to 10.0.5.20 behind veth1 (redirect)
upd dsrgw_vips "$(j vipkey 10.100.0.3 udp 53)" "$(j vipval 4 3 0)"
upd dsrgw_backends "$(le32 400)" "$(j backend 10.0.5.20 4 gre 4294967295 0)"
ring 3 400
nsx bpftool map update pinned "$m/dsrgw_tx_ports" key hex $(le32 "$if1") value hex $(le32 "$if1")
# VIP 5: fd00:100::1 udp 53, STATELESS, ring 4, sit to 10.0.3.30
upd dsrgw_vips "$(j vipkey fd00:100::1 udp 53)" "$(j vipval 5 4 1)"
upd dsrgw_backends "$(le32 500)" "$(j backend 10.0.3.30 5 sit - 0)"
ring 4 500
# VIP 6: 10.100.0.6 tcp 80 PASS_ALL
upd dsrgw_vips "$(j vipkey 10.100.0.6 tcp 80)" "$(j vipval 6 5 2)"
# VIP 7: 10.100.0.7 tcp 80, ring 6, ip6tnl (4in6) to fd00:3::10
upd dsrgw_vips "$(j vipkey 10.100.0.7 tcp 80)" "$(j vipval 7 6 0)"
upd dsrgw_backends "$(le32 700)" "$(j backend fd00:3::10 7 ip6tnl - 0)"
ring 6 700
# VIP 8: fd00:100::8 tcp 80, ring 7, an ipip backend (cannot carry IPv6): PASS_BAD_BACKEND
upd dsrgw_vips "$(j vipkey fd00:100::8 tcp 80)" "$(j vipval 8 7 0)"
upd dsrgw_backends "$(le32 800)" "$(j backend 10.0.3.10 8 ipip - 0)"
ring 7 800

# ---------------------------------------------------------------------------------------------- run
# run NAME FRAME_FILE -> sets $retval, output in $work/NAME.out
run() {
  local name=$1 frame=$2 len
  len=$(stat -c %s "$frame")
  j ctx "$work/$name.ctx" "$if0" "$len"
  local out
  out=$(nsx bpftool prog run pinned "$bpffs/prog" data_in "$frame" data_out "$work/$name.out" data_size_out 4096 \
    ctx_in "$work/$name.ctx" 2>&1) || true
  retval=$(echo "$out" | sed -nE 's/.*[Rr]eturn value: ([0-9]+).*/\1/p')
  [ -n "$retval" ] || { retval="none (bpftool: $(echo "$out" | tr '\n' ' '))"; : > "$work/$name.out"; }
}
XDP_PASS=2; XDP_TX=3; XDP_REDIRECT=4
expect_pass_unchanged() { # NAME FRAME
  run "$1" "$2"
  if [ "$retval" = $XDP_PASS ] && cmp -s "$2" "$work/$1.out"; then ok "$1: XDP_PASS, packet unchanged"
  else fail "$1: retval $retval (want $XDP_PASS) or packet changed"; fi
}
expect_encap() { # NAME FRAME WANT_RETVAL KIND GREKEY DMAC SMAC BACKENDS
  run "$1" "$2"
  if [ "$retval" != "$3" ]; then fail "$1: retval $retval (want $3)"; return; fi
  local r
  if r=$(j expect "$2" "$work/$1.out" $seed $ring_size "$4" "$( [ "${4#ip6}" != "$4" ] && echo $src6 || echo $src4 )" \
      $ttl "$5" $mtu "$6" "$7" "$8"); then ok "$1: retval $retval, $r"; else fail "$1: $r"; fi
}
flow() { # SRC SPORT DST DPORT PROTO -> sets $fb (backend id of the flow entry, or "none") and $flow_class
  local out
  fb=none; flow_class=none
  if out=$(nsx bpftool -j map lookup pinned "$m/dsrgw_flows" key hex $(j flowkey "$@") 2>/dev/null); then
    read -r fb flow_class < <(python3 -c 'import json,sys
v=json.load(sys.stdin)["value"]; b=[int(x,16) for x in v]
print(int.from_bytes(bytes(b[8:12]),"little"), b[12])' <<< "$out")
  fi
}
counters() { # prints "index sum" lines
  nsx bpftool -j map dump pinned "$m/dsrgw_counters" | python3 -c 'import json,sys
for e in json.load(sys.stdin):
    k = e["key"] if isinstance(e["key"], int) else int.from_bytes(bytes(int(x,16) for x in e["key"]),"little")
    print(k, sum(c["value"] if isinstance(c["value"], int) else int.from_bytes(bytes(int(x,16) for x in c["value"]),"little") for c in e["values"]))'
}
counter() { counters | awk -v k="$1" '$1 == k { print $2 }'; }

echo "cases:"
j frame "$work/syn.in" 0 10.0.1.2 40000 10.100.0.1 80 tcp 0x02 0xb9 6
# Maglev: the backend Java's slot picks (ring 0: slot i -> 100 + i % 3); 6 bytes of Ethernet padding trimmed
expect_encap syn "$work/syn.in" $XDP_TX ipip - auto "$mac0" 10.0.3.10,10.0.3.11,10.0.3.12
flow 10.0.1.2 40000 10.100.0.1 80 tcp
want=$((100 + $(j slot $seed $ring_size 10.0.1.2 40000 10.100.0.1 80 tcp) % 3))
[ "$fb" = "$want" ] && [ "$flow_class" = 0 ] && ok "syn: flow entry -> backend $fb (Java slot), class 0 (SYN)" \
  || fail "syn: flow entry backend $fb class $flow_class (want $want, 0)"
b_ip=10.0.3.$((10 + want - 100))

j frame "$work/ack.in" 0 10.0.1.2 40000 10.100.0.1 80 tcp 0x10 0 0
other=$((100 + (want - 100 + 1) % 3)); o_ip=10.0.3.$((10 + other - 100))
ring 0 $other   # Maglev now says "other" for every slot: the established flow must stay on its backend
expect_encap ack-pinned "$work/ack.in" $XDP_TX ipip - auto "$mac0" "$b_ip"
flow 10.0.1.2 40000 10.100.0.1 80 tcp; [ "$fb" = "$want" ] && [ "$flow_class" = 1 ] \
  && ok "ack-pinned: flow stays on $want, class 1 (ESTABLISHED)" || fail "ack-pinned: flow entry/class $flow_class"
upd dsrgw_backends "$(le32 "$want")" "$(j backend "$b_ip" 1 ipip - 2)"   # its backend DOWN: re-hash
expect_encap ack-rehash "$work/ack.in" $XDP_TX ipip - auto "$mac0" "$o_ip"
flow 10.0.1.2 40000 10.100.0.1 80 tcp; [ "$fb" = "$other" ] && ok "ack-rehash: flow rebound to $other" \
  || fail "ack-rehash: flow not rebound to $other"
upd dsrgw_backends "$(le32 "$want")" "$(j backend "$b_ip" 1 ipip - 0)"   # back up, Maglev back to it
ring 0 $want
expect_encap ack-kept "$work/ack.in" $XDP_TX ipip - auto "$mac0" "$o_ip"
expect_encap syn-rehash "$work/syn.in" $XDP_TX ipip - auto "$mac0" "$b_ip"
flow 10.0.1.2 40000 10.100.0.1 80 tcp; [ "$fb" = "$want" ] && [ "$flow_class" = 0 ] \
  && ok "syn-rehash: a SYN takes the Maglev choice $want again, class 0" || fail "syn-rehash: flow not rewritten"
ring 0 100 101 102

j frame "$work/notvip.in" 0 10.0.1.2 40000 10.100.0.1 22 tcp 0x02 0 0
expect_pass_unchanged not-vip "$work/notvip.in"
j icmpframe "$work/icmp.in" 10.0.1.2 10.100.0.1
expect_pass_unchanged icmp "$work/icmp.in"
j frame "$work/noneigh.in" 0 10.0.1.2 40001 10.100.0.2 80 tcp 0x02 0 0
expect_pass_unchanged no-neighbour "$work/noneigh.in"
j frame "$work/passall.in" 0 10.0.1.2 40001 10.100.0.6 80 tcp 0x02 0 0
expect_pass_unchanged pass-all "$work/passall.in"
j frame "$work/v6.in" 100 fd00:1::2 40000 fd00:100::1 443 tcp 0x02 0xb9 0
expect_encap ip6gre-vlan "$work/v6.in" $XDP_TX ip6gre 42 auto "$mac0" fd00:3::10
j frame "$work/gre.in" 0 10.0.1.2 5353 10.100.0.3 53 udp 0 0x04 0
expect_encap gre-redirect "$work/gre.in" $XDP_REDIRECT gre 4294967295 auto "$mac1" 10.0.5.20
j frame "$work/sit.in" 0 fd00:1::2 5353 fd00:100::1 53 udp 0 0 0
expect_encap sit-stateless "$work/sit.in" $XDP_TX sit - auto "$mac0" 10.0.3.30
flow fd00:1::2 5353 fd00:100::1 53 udp; [ "$fb" = none ] && ok "sit-stateless: no flow entry" \
  || fail "sit-stateless: a flow entry was written"
flow 10.0.1.2 5353 10.100.0.3 53 udp; [ "$fb" = 400 ] && [ "$flow_class" = 3 ] \
  && ok "gre-redirect: flow entry -> 400 class 3 (UDP)" || fail "gre-redirect: flow entry"

j frame "$work/4in6.in" 0 10.0.1.2 40002 10.100.0.7 80 tcp 0x02 0x03 0
expect_encap ip6tnl-4in6 "$work/4in6.in" $XDP_TX ip6tnl - auto "$mac0" fd00:3::10
# more flows: each IPv6 outer carries 20 bits of the flow hash in its label, each byte is compared with Java
for sport in 1 1024 33333 65535; do
  j frame "$work/v6-$sport.in" 0 fd00:1::$(printf %x "$sport") $sport fd00:100::1 443 tcp 0x02 0 0
  expect_encap "hash-$sport" "$work/v6-$sport.in" $XDP_TX ip6gre 42 auto "$mac0" fd00:3::10
done

# frames the fast path must hand to the kernel untouched, each with its reason counter
mutate() { # IN OUT PYTHON-EXPR-ON-bytearray-b
  python3 -c 'import sys; b=bytearray(open(sys.argv[1],"rb").read()); exec(sys.argv[3]); open(sys.argv[2],"wb").write(b)' "$@"
}
mutate "$work/syn.in" "$work/frag.in" 'b[20] |= 0x20'                       # MF
expect_pass_unchanged fragment "$work/frag.in"
mutate "$work/syn.in" "$work/opts.in" 'b[14] = 0x46; b[17] += 4; b[34:34] = bytes([1, 1, 1, 0])'
expect_pass_unchanged ip-options "$work/opts.in"
mutate "$work/v6-1.in" "$work/ext.in" 'b[20] = 0'                           # hop-by-hop options
expect_pass_unchanged ipv6-ext-header "$work/ext.in"
mutate "$work/syn.in" "$work/trunc.in" 'del b[44:]'                          # TCP header cut short
expect_pass_unchanged truncated "$work/trunc.in"
j frame "$work/big.in" 0 10.0.1.2 5354 10.100.0.3 53 udp 0 0 0 1445       # 1473 + 28 (gre key) > 1500
expect_pass_unchanged too-big "$work/big.in"
j frame "$work/fits.in" 0 10.0.1.2 5354 10.100.0.3 53 udp 0 0 0 1444      # 1472 + 28 = 1500: fits
expect_encap mtu-fits "$work/fits.in" $XDP_REDIRECT gre 4294967295 auto "$mac1" 10.0.5.20
j frame "$work/mismatch.in" 0 fd00:1::2 40000 fd00:100::8 80 tcp 0x02 0 0
expect_pass_unchanged ipip-with-ipv6 "$work/mismatch.in"
mutate "$work/syn.in" "$work/arp.in" 'b[12:14] = bytes([0x08, 0x06])'
expect_pass_unchanged non-ip "$work/arp.in"

echo "counters (index sum):"
counters | awk '$2 != 0' | tr '\n' ';'; echo
rx=$(counter 0); verdicts=$(counters | awk '$1 >= 1 && $1 <= 21 { s += $2 } END { print s }')
[ "$rx" = "$verdicts" ] && ok "rx ($rx) = tx + redirect + pass_*" || fail "rx $rx != verdicts $verdicts"
[ "$(counter 16)" = 1 ] && ok "pass_fib_no_neigh = 1" || fail "pass_fib_no_neigh = $(counter 16)"
[ "$(counter 9)" = 1 ] && ok "pass_icmp = 1" || fail "pass_icmp = $(counter 9)"
[ "$(counter 11)" = 1 ] && ok "pass_not_vip = 1" || fail "pass_not_vip = $(counter 11)"
for c in "4 non_ip" "5 malformed" "6 ip_options" "7 ipv6_ext_header" "8 fragment" "12 vip_slow_path" "14 bad_backend" \
    "15 too_big"; do
  set -- $c
  [ "$(counter "$1")" = 1 ] && ok "pass_$2 = 1" || fail "pass_$2 = $(counter "$1") (want 1)"
done


# ---------------------------------------------------------------------------------------------- live
# Native XDP on a real veth: a UDP datagram sent by the peer namespace to VIP 10.100.0.9 comes back to it
# IPIP-encapsulated by XDP_TX (backend 10.0.3.10 = the peer itself). The peer's veth needs an XDP program of its
# own to receive XDP_TX frames (GRO alone did not do on this kernel): a 2-line XDP_PASS program.
if command -v tcpdump >/dev/null; then
  cat > "$work/xdp_pass.c" <<'EOC'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp") int xdp_pass(struct xdp_md *ctx) { return XDP_PASS; }
char LICENSE[] SEC("license") = "GPL";
EOC
  clang -O2 -target bpf -I/usr/include/$(uname -m)-linux-gnu -c "$work/xdp_pass.c" -o "$work/xdp_pass.o"
  upd dsrgw_vips "$(j vipkey 10.100.0.9 udp 53)" "$(j vipval 9 8 0)"
  upd dsrgw_backends "$(le32 900)" "$(j backend 10.0.3.10 9 ipip - 0)"
  ring 8 900
  ip netns add "$live_gw"; ip netns add "$live_peer"
  ip -n "$live_gw" link add gw0 type veth peer name peer0 netns "$live_peer"
  ip -n "$live_gw" link set lo up; ip -n "$live_gw" link set gw0 up
  ip -n "$live_peer" link set lo up; ip -n "$live_peer" link set peer0 up
  ip -n "$live_gw" addr add 10.0.3.1/24 dev gw0
  ip -n "$live_peer" addr add 10.0.3.10/24 dev peer0
  ip -n "$live_peer" route add 10.100.0.0/24 via 10.0.3.1
  ip netns exec "$live_gw" sysctl -qw net.ipv4.ip_forward=1
  gw_mac=$(ip netns exec "$live_gw" cat /sys/class/net/gw0/address)
  peer_mac=$(ip netns exec "$live_peer" cat /sys/class/net/peer0/address)
  ip -n "$live_gw" neigh add 10.0.3.10 lladdr "$peer_mac" dev gw0 nud permanent
  ip -n "$live_peer" neigh add 10.0.3.1 lladdr "$gw_mac" dev peer0 nud permanent
  ip netns exec "$live_gw" ip link set dev gw0 xdpdrv pinned "$bpffs/prog"
  ip netns exec "$live_peer" ip link set dev peer0 xdpdrv obj "$work/xdp_pass.o" sec xdp
  ip netns exec "$live_peer" timeout 4 tcpdump -i peer0 -U -w "$work/live.pcap" udp or ip proto 4 2>/dev/null &
  sleep 1.5
  ip netns exec "$live_peer" python3 -c 'import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hello, xdp", ("10.100.0.9", 53))'
  wait
  # the capture holds the datagram as sent, then the encapsulated frame that came back
  python3 - "$work/live.pcap" "$work/live" <<'EOP'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack_from("<I", data, off + 8)[0]
    open("%s.%d" % (sys.argv[2], n), "wb").write(data[off + 16:off + 16 + incl])
    off += 16 + incl
    n += 1
EOP
  if [ -f "$work/live.1" ] && r=$(j expect "$work/live.0" "$work/live.1" $seed $ring_size ipip $src4 $ttl - $mtu \
      "$peer_mac" "$gw_mac" 10.0.3.10); then
    ok "live: native XDP on veth, XDP_TX of a real datagram: $r"
  else
    fail "live: no encapsulated frame came back, or it differs: ${r:-}"
  fi
  ip netns exec "$live_gw" ip link set dev gw0 xdpdrv off
else
  echo "  skip live: tcpdump not installed"
fi

if [ $failures -eq 0 ]; then echo "smoke.sh: all passed"; else echo "smoke.sh: $failures FAILED"; exit 1; fi
