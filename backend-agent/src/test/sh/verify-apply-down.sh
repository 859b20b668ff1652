#!/bin/bash
# Manual verification: apply / plan (empty) / down in a scratch namespace leaves it as before.
# Root only. Needs the built distribution: mvn -o -q -pl backend-agent package. Deletes every namespace it creates.
set -u
NS=dsragt-$(head -c3 /dev/urandom | xxd -p | cut -c1-5)
D=$(mktemp -d)
HERE=$(dirname "$(readlink -f "$0")")
AGENT=${DSR_AGENT:-$HERE/../../../target/dsr-agent/dsr-agent/bin/dsr-agent}
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
ip netns add $NS || exit 1
trap 'ip netns del $NS; echo "deleted $NS"' EXIT
ip netns exec $NS ip link set lo up
ip netns exec $NS sysctl -qw net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.default.rp_filter=2
ip netns exec $NS ip addr add 10.100.0.2/32 dev lo      # a foreign VIP present before apply
snap() { ip netns exec $NS sh -c 'ip -j addr; ip -j -d link | sed "s/\"operstate\":\"[A-Z]*\",//"; for k in all.rp_filter default.rp_filter all.arp_ignore all.arp_announce; do echo $k=$(cat /proc/sys/net/ipv4/conf/${k%.*}/${k#*.}); done'; }
snap > $D/before
cat > $D/agent.conf <<CONF
dsrgw.agent {
  gateways = [10.0.2.2]
  vips = [10.100.0.1, 10.100.0.2]
  state-file = "$D/state/agent-state.conf"
}
CONF
echo "== plan"; ip netns exec $NS $AGENT plan --config $D/agent.conf; echo "rc=$?"
echo "== apply"; ip netns exec $NS $AGENT apply --config $D/agent.conf; echo "rc=$?"
echo "== plan again"; ip netns exec $NS $AGENT plan --config $D/agent.conf; echo "rc=$?"
echo "== apply again"; ip netns exec $NS $AGENT apply --config $D/agent.conf; echo "rc=$?"
echo "== status"; ip netns exec $NS $AGENT status --config $D/agent.conf; echo "rc=$?"
echo "== state file"; cat $D/state/agent-state.conf
ip netns exec $NS ip addr show dev lo; ip netns exec $NS ip -d link show dsrdecap0
echo "== drift: arp_ignore=0, del VIP .1"; ip netns exec $NS sysctl -qw net.ipv4.conf.all.arp_ignore=0; ip netns exec $NS ip addr del 10.100.0.1/32 dev lo
ip netns exec $NS $AGENT status --config $D/agent.conf; ip netns exec $NS $AGENT apply --config $D/agent.conf
echo "== down"; ip netns exec $NS $AGENT down --config $D/agent.conf; echo "rc=$?"
snap > $D/after
if diff $D/before $D/after; then echo "SAME: namespace as before"; else echo "DIFFERENT"; fi
ls -la $D/state; rm -rf $D
