#!/bin/bash
# Manual verification of the readiness endpoint and drain/undrain of `dsr-agent run` in a scratch namespace.
# Root only. Needs the built distribution: mvn -o -q -pl backend-agent package. Deletes every namespace it creates.
set -u
R=$(head -c3 /dev/urandom | xxd -p | cut -c1-5)
G=dsragt-g$R; B=dsragt-b$R; D=$(mktemp -d)
HERE=$(dirname "$(readlink -f "$0")")
AGENT=${DSR_AGENT:-$HERE/../../../target/dsr-agent/dsr-agent/bin/dsr-agent}
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
ip netns add $G; ip netns add $B
cleanup() { rm -rf $D; [ -n "${APID:-}" ] && kill $APID 2>/dev/null; ip netns del $G; ip netns del $B; echo "deleted $G $B"; }
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
  health { listen = "10.0.2.10:9181" }
}
CONF
get() { ip netns exec $G curl -s -m 2 -w ' -> HTTP %{http_code}\n' http://10.0.2.10:9181$1; }
ip netns exec $B $AGENT run --config $D/agent.conf > $D/out 2> $D/err & APID=$!
for i in $(seq 1 100); do grep -q "dsr-agent: ready" $D/out && break; sleep 0.1; done
echo "== ready after ~$((i/10))s; GET /ready from the gateway namespace:"; get /ready; get /healthz
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.2 10.0.2.10 10.0.1.2 10.100.0.1 5          # good
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.99 10.0.2.10 10.0.1.2 10.100.0.1 3         # bad source
ip netns exec $G python3 $HERE/send_ipip.py 10.0.2.2 10.0.2.10 10.0.1.2 10.100.0.1 1 corrupt  # malformed
sleep 0.5
echo "== GET /status"; get /status
echo "== a second agent on the same address:"
ip netns exec $B $AGENT run --config $D/agent.conf; echo "exit $?"
echo "== dsr-agent drain"; ip netns exec $B $AGENT drain --config $D/agent.conf
T0=$(date +%s%N)
until get /ready | grep -q 'HTTP 503'; do sleep 0.05; done
echo "   /ready says draining after $(( ($(date +%s%N) - T0) / 1000000 )) ms:"; get /ready
echo "   VIP still on lo: $(ip -n $B -br addr show dev lo | grep -c 10.100.0.1)"
ip netns exec $B $AGENT status --config $D/agent.conf | grep drained
echo "== restart the agent: still drained"
kill -TERM $APID; wait $APID; APID=
: > $D/out2; ip netns exec $B $AGENT run --config $D/agent.conf > $D/out2 2> $D/err2 & APID=$!
for i in $(seq 1 100); do grep -q "dsr-agent: ready" $D/out2 && break; sleep 0.1; done
get /ready
echo "== dsr-agent undrain"; ip netns exec $B $AGENT undrain --config $D/agent.conf
T0=$(date +%s%N)
until get /ready | grep -q 'HTTP 200'; do sleep 0.05; done
echo "   /ready says ready after $(( ($(date +%s%N) - T0) / 1000000 )) ms:"; get /ready
kill -TERM $APID; wait $APID; echo "== run exit status: $?"; APID=
echo "== stderr of the first run"; cat $D/err
ip netns exec $B $AGENT down --config $D/agent.conf
