#!/bin/bash
# Manual verification of mode = auto / kernel on THIS machine's kernel (no tunnel drivers), as root in a scratch
# namespace: auto probes every kind, gets the kernel's "Unknown device type", falls back to userspace for all of
# them (one log line + status), applies, re-plans nothing, and down restores the namespace; kernel mode exits 1
# naming the kind and the kernel's message. Needs: mvn -o -q -pl backend-agent package. Deletes what it creates.
set -u
NS=dsrauto-$(head -c3 /dev/urandom | xxd -p | cut -c1-5)
D=$(mktemp -d)
HERE=$(dirname "$(readlink -f "$0")")
AGENT=${DSR_AGENT:-$HERE/../../../target/dsr-agent/dsr-agent/bin/dsr-agent}
export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
ip netns add $NS || exit 1
trap 'ip netns del $NS; rm -rf $D; echo "deleted $NS"' EXIT
ip netns exec $NS ip link set lo up
snap() { ip netns exec $NS sh -c 'ip -j addr; ip -j -d link | sed "s/\"operstate\":\"[A-Z]*\",//"; nft list ruleset; for k in all.rp_filter default.rp_filter all.arp_ignore all.arp_announce; do echo $k=$(cat /proc/sys/net/ipv4/conf/${k%.*}/${k#*.}); done'; }
snap > $D/before
for mode in auto kernel; do
cat > $D/$mode.conf <<CONF
dsrgw.agent {
  mode = $mode
  gateways = [10.0.2.2, "fd00:2::2"]
  vips = [10.100.0.1, "fd00:100::1"]
  tunnels = [ipip, sit, gre, ip6tnl, ip6gre]
  gre-keys = [42]
  local-address { ipv4 = 10.0.3.11, ipv6 = "fd00:3::11" }
  state-file = "$D/state/agent-state.conf"
}
CONF
done
fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
ip netns exec $NS $AGENT plan --config $D/kernel.conf > $D/kout 2> $D/kerr; rc=$?
cat $D/kerr
check "kernel mode exits 1" "[ $rc = 1 ]"
check "kernel mode names the kind and the kernel's message" "grep -q 'mode = kernel: the kernel cannot create ipip devices: ip link add dsrprobe0 type ipip remote 192.0.2.1 local 192.0.2.2: exit 2: Error: Unknown device type.' $D/kerr"
ip netns exec $NS $AGENT status --config $D/auto.conf > $D/status 2>&1; rc=$?
head -1 $D/status
check "auto status exits 0" "[ $rc = 0 ]"
check "auto falls back to userspace for every kind, with the kernel's message" "head -1 $D/status | grep -q '^mode auto: userspace decapsulation for \[ipip, sit, gre, ip6tnl, ip6gre\] (the kernel cannot create them: ipip: ip link add dsrprobe0 .*Error: Unknown device type.'"
check "probing left no device" "! ip netns exec $NS ip link show | grep -q dsrprobe"
ip netns exec $NS $AGENT apply --config $D/auto.conf > $D/apply 2>&1; check "auto apply exits 0" "[ $? = 0 ]"
check "auto apply made the decap TUN, no tunnel device" "ip netns exec $NS ip -d link show dsrdecap0 | grep -q tun && ! ip netns exec $NS ip link show | grep -qE 'dsr(ipip|sit|gre|gk|ip6)'"
ip netns exec $NS $AGENT plan --config $D/auto.conf > $D/plan2 2>&1
check "plan after apply is empty" "[ \"\$(cat $D/plan2)\" = 'nothing to change' ]"
ip netns exec $NS $AGENT down --config $D/auto.conf > $D/down 2>&1; check "down exits 0" "[ $? = 0 ]"
snap > $D/after
check "down restored links, addresses, nftables, sysctls" "diff $D/before $D/after"
echo "$([ $fail = 0 ] && echo PASSED || echo FAILED)"
exit $fail
