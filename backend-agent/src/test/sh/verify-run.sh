#!/bin/bash
# Manual verification of `dsr-agent run`: real IP-in-IP packets from a "gateway" namespace are decapsulated.
# Root only. Needs the built distribution: mvn -o -q -pl backend-agent package. Deletes every namespace it creates.
set -u
R=$(head -c3 /dev/urandom | xxd -p | cut -c1-5)
G=dsragt-g$R; B=dsragt-b$R; D=$(mktemp -d)
HERE=$(dirname "$(readlink -f "$0")")
AGENT=${DSR_AGENT:-$HERE/../../../target/dsr-agent/dsr-agent/bin/dsr-agent}
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
ip netns add $G; ip netns add $B
cleanup() { rm -rf $D; [ -n "${APID:-}" ] && kill $APID 2>/dev/null; [ -n "${TPID:-}" ] && kill $TPID 2>/dev/null; ip netns del $G; ip netns del $B; echo "deleted $G $B"; }
trap cleanup EXIT
ip link add vg$R netns $G type veth peer name vb$R netns $B
ip -n $G link set lo up; ip -n $B link set lo up
ip -n $G addr add 10.0.2.2/24 dev vg$R; ip -n $G link set vg$R up
ip -n $B addr add 10.0.2.10/24 dev vb$R; ip -n $B link set vb$R up; ip -n $B route add default via 10.0.2.2
cat > $D/agent.conf <<CONF
dsrgw.agent {
  gateways = [10.0.2.2]
  vips = [10.100.0.1]
  reconcile-interval = 2s
  state-file = "$D/agent-state.conf"
}
CONF
ip netns exec $G tcpdump -ni vg$R -w $D/g.pcap --immediate-mode 2>/dev/null & TPID=$!
ip netns exec $B $AGENT run --config $D/agent.conf > $D/out 2> $D/err & APID=$!
for i in $(seq 1 100); do grep -q "dsr-agent: ready" $D/out && break; sleep 0.1; done
echo "== ready after ~$((i/10))s"; cat $D/out
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.2 10.0.2.10 10.0.1.2 10.100.0.1 5          # good
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.99 10.0.2.10 10.0.1.2 10.100.0.1 3         # bad source
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.2 10.0.2.10 10.0.1.2 10.0.2.10 2           # not a VIP
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.2 10.0.2.10 10.0.1.2 10.100.0.1 1 corrupt  # malformed
sleep 1
echo "== drift: delete decap TUN and VIP; wait one reconcile"
ip -n $B link del dsrdecap0; ip -n $B addr del 10.100.0.1/32 dev lo
sleep 3
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.2 10.0.2.10 10.0.1.2 10.100.0.1 2          # good after repair
sleep 1
kill -TERM $APID; wait $APID; echo "== run exit status: $?"; APID=
kill $TPID; wait $TPID 2>/dev/null; TPID=
echo "== stdout"; cat $D/out; echo "== stderr"; cat $D/err
echo "== echo replies from the VIP seen by the gateway namespace:"
tcpdump -nr $D/g.pcap 'icmp[icmptype] = icmp-echoreply and src 10.100.0.1' 2>/dev/null | wc -l
echo "== still applied after run stopped:"; ip netns exec $B $AGENT status --config $D/agent.conf
ip netns exec $B $AGENT down --config $D/agent.conf
