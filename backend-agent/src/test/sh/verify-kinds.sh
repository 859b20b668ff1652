#!/bin/bash
# Manual verification of issue 3's userspace decapsulation: real packets of every tunnel kind, both outer
# families, from a "gateway" namespace; the VIP's echo replies (and the clamped SYN-ACK MSS) are seen there.
# Root only. Needs the built distribution: mvn -o -q -pl backend-agent package. Deletes every namespace it creates.
set -u
R=$(head -c3 /dev/urandom | xxd -p | cut -c1-5)
G=dsragt-g$R; B=dsragt-b$R; D=$(mktemp -d)
HERE=$(dirname "$(readlink -f "$0")")
AGENT=${DSR_AGENT:-$HERE/../../../target/dsr-agent/dsr-agent/bin/dsr-agent}
SEND="python3 $HERE/send_tunnel.py"
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
ip netns add $G; ip netns add $B
cleanup() { rm -rf $D; [ -n "${APID:-}" ] && kill $APID 2>/dev/null; [ -n "${TPID:-}" ] && kill $TPID 2>/dev/null;
            [ -n "${LPID:-}" ] && kill $LPID 2>/dev/null; ip netns del $G; ip netns del $B; echo "deleted $G $B"; }
trap cleanup EXIT
ip link add vg$R netns $G type veth peer name vb$R netns $B
ip -n $G link set lo up; ip -n $B link set lo up
ip -n $G addr add 10.0.2.2/24 dev vg$R; ip -n $G addr add fd00:2::2/64 dev vg$R nodad
ip -n $G addr add 10.0.2.99/24 dev vg$R; ip -n $G addr add fd00:2::99/64 dev vg$R nodad   # not gateways
ip -n $G link set vg$R up
ip -n $B addr add 10.0.2.10/24 dev vb$R; ip -n $B addr add fd00:2::10/64 dev vb$R nodad; ip -n $B link set vb$R up
ip -n $B route add default via 10.0.2.2; ip -n $B -6 route add default via fd00:2::2
cat > $D/agent.conf <<CONF
dsrgw.agent {
  gateways = [10.0.2.2, "fd00:2::2"]
  vips = [10.100.0.1, "fd00:100::1"]
  tunnels = [ipip, sit, gre, ip6tnl, ip6gre]
  gre-keys = [42]
  mss-clamp { enabled = true, tunnel-mtu = 1500 }
  reconcile-interval = 2s
  state-file = "$D/agent-state.conf"
}
CONF
echo "== plan"; ip netns exec $B $AGENT plan --config $D/agent.conf
ip netns exec $G tcpdump -ni vg$R -w $D/g.pcap --immediate-mode 2>/dev/null & TPID=$!
ip netns exec $B $AGENT run --config $D/agent.conf > $D/out 2> $D/err & APID=$!
for i in $(seq 1 100); do grep -q "dsr-agent: ready" $D/out && break; sleep 0.1; done
echo "== ready after ~$((i/10))s"
echo "== nft -j list table inet dsrgw_agent (plain form):"; ip netns exec $B nft list table inet dsrgw_agent
# every kind with both inner families where the kind allows it: 2 echo requests each
ip netns exec $G $SEND ipip   10.0.2.2  10.0.2.10  10.0.1.2  10.100.0.1  2
ip netns exec $G $SEND sit    10.0.2.2  10.0.2.10  fd00:1::2 fd00:100::1 2
ip netns exec $G $SEND gre    10.0.2.2  10.0.2.10  10.0.1.2  10.100.0.1  2
ip netns exec $G $SEND gre    10.0.2.2  10.0.2.10  fd00:1::2 fd00:100::1 2
ip netns exec $G $SEND gre    10.0.2.2  10.0.2.10  10.0.1.2  10.100.0.1  2 key=42 csum
ip netns exec $G $SEND ip6tnl fd00:2::2 fd00:2::10 10.0.1.2  10.100.0.1  2
ip netns exec $G $SEND ip6tnl fd00:2::2 fd00:2::10 fd00:1::2 fd00:100::1 2
ip netns exec $G $SEND ip6gre fd00:2::2 fd00:2::10 10.0.1.2  10.100.0.1  2
ip netns exec $G $SEND ip6gre fd00:2::2 fd00:2::10 fd00:1::2 fd00:100::1 2
ip netns exec $G $SEND ip6gre fd00:2::2 fd00:2::10 fd00:1::2 fd00:100::1 2 key=42
echo "== expected at the end: decap_packets 22 (ipip 3, sit 2, gre 6, ip6tnl 5, ip6gre 6: 20 echo requests + 2 SYNs), 20 echo replies"
# drops: wrong GRE key (v4 + v6), bad sources (v4 + v6), inner not a VIP (v4 + v6), malformed inner
ip netns exec $G $SEND gre    10.0.2.2   10.0.2.10  10.0.1.2  10.100.0.1  1 key=7
ip netns exec $G $SEND ip6gre fd00:2::2  fd00:2::10 fd00:1::2 fd00:100::1 1 key=7
ip netns exec $G $SEND ipip   10.0.2.99  10.0.2.10  10.0.1.2  10.100.0.1  1
ip netns exec $G $SEND ip6tnl fd00:2::99 fd00:2::10 fd00:1::2 fd00:100::1 1
ip netns exec $G $SEND ipip   10.0.2.2   10.0.2.10  10.0.1.2  10.0.2.10   1
ip netns exec $G $SEND ip6tnl fd00:2::2  fd00:2::10 fd00:1::2 fd00:2::10  1
ip netns exec $G $SEND sit    10.0.2.2   10.0.2.10  fd00:1::2 fd00:100::1 1 corrupt
echo "== expected drops: drop_bad_gre_key 2, drop_bad_source 2, drop_not_vip 2, drop_malformed 1"
# MSS clamp: a listener on each VIP; a tunnelled SYN with MSS 1460 gets a SYN-ACK from the VIP
ip netns exec $B python3 -c "
import socket, time
a = socket.socket(socket.AF_INET); a.bind(('10.100.0.1', 8080)); a.listen()
b = socket.socket(socket.AF_INET6); b.bind(('fd00:100::1', 8080)); b.listen()
time.sleep(30)" & LPID=$!
sleep 0.5
ip netns exec $G $SEND ipip   10.0.2.2  10.0.2.10  10.0.1.2  10.100.0.1  1 syn=8080
ip netns exec $G $SEND ip6tnl fd00:2::2 fd00:2::10 fd00:1::2 fd00:100::1 1 syn=8080
sleep 1
kill -TERM $APID; wait $APID; echo "== run exit status: $?"; APID=
kill $LPID 2>/dev/null; LPID=
kill $TPID; wait $TPID 2>/dev/null; TPID=
echo "== counters (stdout of run)"; grep -v "ready" $D/out; echo "== stderr"; grep -v " INFO " $D/err
echo "== echo replies from the VIPs seen in the gateway namespace:"
tcpdump -nr $D/g.pcap '(icmp[icmptype] = icmp-echoreply and src 10.100.0.1) or (icmp6 and ip6[40] = 129 and src fd00:100::1)' 2>/dev/null | wc -l
echo "== SYN-ACKs from the VIPs (expect mss 1408 for IPv4, 1388 for IPv6: ip6gre keyed is the largest overhead):"
tcpdump -v -nr $D/g.pcap 'tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack) or (ip6 and ip6[53] & 0x12 == 0x12)' 2>/dev/null | grep -o "10.100.0.1.8080 >.*mss [0-9]*\|fd00:100::1.8080 >.*mss [0-9]*" | sed 's/Flags.*\(mss [0-9]*\)/\1/'
echo "== down"; ip netns exec $B $AGENT down --config $D/agent.conf
echo "== table after down (expect error):"; ip netns exec $B nft list table inet dsrgw_agent 2>&1 | head -1
ip -n $B addr show dev lo | grep -c "fd00:100::1\|10.100.0.1"
