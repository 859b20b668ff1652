package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.encap.tunnel.TunnelSpec;
import io.dsrgw.gateway.dataplane.BackendIds;
import io.dsrgw.gateway.dataplane.FlowSteering;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.TestPackets;
import io.dsrgw.linux.bpf.BpfProgram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Randomized agreement of the XDP program (test-run in a namespace, backend read from the outer destination) with the
 * Java data plane ({@link FlowSteering} over a {@link FlowTable} in front of Maglev, the rule the TUN workers forward
 * with) for thousands of flows over IPv4 and IPv6, TCP and UDP VIPs (one stateless) and all five tunnel kinds, while
 * the backend set changes and each new snapshot is published to the program:
 * <ol>
 *   <li>first packets (SYN or mid-stream TCP, UDP);</li>
 *   <li>a backend added per VIP: pinned flows stay (some now differ from Maglev), new flows follow Maglev, a SYN on a
 *       known 5-tuple re-hashes;</li>
 *   <li>a backend drained: its flows stay, no new flow goes to it;</li>
 *   <li>a backend marked down: its flows re-hash (the program's flow_rehash counter moves exactly as many flows as
 *       Java's {@link FlowSteering#rehashed()});</li>
 *   <li>a backend removed: its flows re-hash too.</li>
 * </ol>
 * The seed is fixed and printed ({@code -Ddsrgw.xdp.seed=N} to replay another).
 */
class XdpRandomizedTest {
    static final long SEED = Long.getLong("dsrgw.xdp.seed", 0x5eedL);
    static final int FLOWS_PER_VIP = 400;
    static final int TABLE_SIZE = 1021;
    /** Long timeouts: nothing expires while the test runs, whatever the machine's speed. */
    static final FlowTimeouts TIMEOUTS = new FlowTimeouts(Duration.ofHours(1), Duration.ofHours(1),
            Duration.ofHours(1), Duration.ofHours(1), Duration.ofHours(1));

    static XdpTestbed testbed;
    static XdpDataPlane plane;

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        testbed = XdpTestbed.create("dsrgw-xdp-random");
        plane = XdpDataPlane.load(1 << 16, TIMEOUTS, TABLE_SIZE, 8);
    }

    @AfterAll
    static void tearDown() throws Exception {
        XdpTestbed.close(plane, testbed);
    }

    /** A backend of the model. */
    static final class BackendDef {
        final String address;
        final TunnelKind kind;
        final int weight;
        BackendState state = BackendState.ACTIVE;

        BackendDef(String address, TunnelKind kind, int weight) {
            this.address = address;
            this.kind = kind;
            this.weight = weight;
        }
    }

    /** A VIP of the model. */
    record VipDef(String name, String address, int protocol, int[] ports, Long greKey, boolean stateless,
                  List<BackendDef> backends) {
        boolean v4() {
            return !address.contains(":");
        }
    }

    /** A flow: client address and port to one of a VIP's ports. */
    record Flow(VipDef vip, String client, int clientPort, int port) {
        @Override
        public String toString() {
            return vip.name + " " + (vip.v4() ? client : "[" + client + "]") + ":" + clientPort + " -> port " + port;
        }
    }

    private final Random random = new Random(SEED);
    private final BackendIds ids = new BackendIds();
    private final List<VipDef> vips = new ArrayList<>();
    private final FlowSteering java = new FlowSteering(new FlowTable(1 << 18, TIMEOUTS));
    private final FlowKey key = new FlowKey();
    private long generation;
    private int nextHost = 1;

    private String backend4() {
        int n = nextHost++;
        return "10.1." + (n >> 8) + "." + (n & 0xff);
    }

    private String backend6() {
        return "fd00:1::" + Integer.toHexString(nextHost++);
    }

    private BackendDef newBackend(TunnelKind kind) {
        String address = kind.outerFamily() == 6 ? backend6() : backend4();
        return new BackendDef(address, kind, 50 + random.nextInt(150));
    }

    private void model() {
        vips.add(new VipDef("web4", "10.100.0.1", IpProtocol.TCP, new int[] {80, 443}, null, false,
                backends(TunnelKind.IPIP, 5, TunnelKind.IP6TNL, 1)));
        vips.add(new VipDef("dns4", "10.100.0.2", IpProtocol.UDP, new int[] {53}, 7L, false,
                backends(TunnelKind.GRE, 3, TunnelKind.IP6GRE, 2)));
        vips.add(new VipDef("web6", "fd00:100::1", IpProtocol.TCP, new int[] {80}, null, false,
                backends(TunnelKind.IP6TNL, 4, TunnelKind.SIT, 2)));
        vips.add(new VipDef("dns6", "fd00:100::2", IpProtocol.UDP, new int[] {53, 5353}, 4242L, false,
                backends(TunnelKind.IP6GRE, 3, TunnelKind.GRE, 1)));
        vips.add(new VipDef("pure4", "10.100.0.3", IpProtocol.TCP, new int[] {8080}, null, true,
                backends(TunnelKind.IPIP, 4, TunnelKind.IPIP, 0)));
        vips.add(new VipDef("gue", "fd00:100::3", IpProtocol.TCP, new int[] {8443}, null, false,
                backends(TunnelKind.GUE, 3, TunnelKind.GUE6, 2)));
    }

    private List<BackendDef> backends(TunnelKind a, int na, TunnelKind b, int nb) {
        List<BackendDef> out = new ArrayList<>();
        for (int i = 0; i < na; i++) {
            out.add(newBackend(a));
        }
        for (int i = 0; i < nb; i++) {
            out.add(newBackend(b));
        }
        return out;
    }

    private ForwardingSnapshot build() {
        ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("randomized-" + SEED, TABLE_SIZE,
                Ipv4Addresses.parse("10.0.2.2"), 64, 1500).generation(++generation).backendIds(ids);
        long[] source6 = Ipv6Addresses.parse("fd00:2::2");
        b.tunnelSourceIpv6(source6[0], source6[1]);
        Set<String> stateless = new HashSet<>();
        for (VipDef v : vips) {
            List<ForwardingSnapshot.Backend> backends = new ArrayList<>();
            for (BackendDef d : v.backends) {
                backends.add(new ForwardingSnapshot.Backend(inet(d.address), d.weight, d.state, d.kind));
            }
            b.addVip(v.name, inet(v.address), v.protocol, v.ports, v.greKey, false, backends);
            if (v.stateless) {
                stateless.add(v.name);
            }
        }
        return b.statelessVips(stateless).build();
    }

    static InetAddress inet(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private List<Flow> newFlows(int perVip) {
        List<Flow> flows = new ArrayList<>();
        for (VipDef v : vips) {
            for (int i = 0; i < perVip; i++) {
                String client = v.v4()
                        ? "198.18." + random.nextInt(256) + "." + (1 + random.nextInt(254))
                        : "2001:db8::" + Integer.toHexString(random.nextInt(0x10000)) + ":"
                        + Integer.toHexString(1 + random.nextInt(0xfffe));
                flows.add(new Flow(v, client, 1024 + random.nextInt(64512), v.ports[random.nextInt(v.ports.length)]));
            }
        }
        return flows;
    }

    /** What both planes said for one round of packets: per flow the backend address ("PASS": none). */
    record Round(int packets, List<String> mismatches, String[] backendOf) {
    }

    /**
     * Sends one packet per flow (TCP flags {@code flags}, or a SYN where {@code syn[i]}) through Java and the program
     * and compares the backends.
     */
    private Round round(ForwardingSnapshot s, List<Flow> flows, int flags, boolean[] syn) throws Exception {
        BpfProgram program = plane.program();
        return testbed.ns().call(() -> {
            List<String> mismatches = new ArrayList<>();
            String[] backendOf = new String[flows.size()];
            for (int i = 0; i < flows.size(); i++) {
                Flow f = flows.get(i);
                int tcpFlags = f.vip.protocol == IpProtocol.TCP
                        ? (syn != null && syn[i] ? FlowSteering.TCP_SYN : flags) : FlowSteering.NO_FLAGS;
                int vip;
                if (f.vip.v4()) {
                    key.setIpv4(Ipv4Addresses.parse(f.client), Ipv4Addresses.parse(f.vip.address), f.vip.protocol,
                            f.clientPort, f.port, false);
                    vip = s.vipIndex(key.destinationIpv4(), f.vip.protocol, f.port);
                } else {
                    long[] c = Ipv6Addresses.parse(f.client);
                    long[] d = Ipv6Addresses.parse(f.vip.address);
                    key.setIpv6(c[0], c[1], d[0], d[1], f.vip.protocol, f.clientPort, f.port, false);
                    vip = s.vipIndex6(d[0], d[1], f.vip.protocol, f.port);
                }
                int b = java.backendFor(s, vip, key, s.flowHash().hash(key), tcpFlags, System.nanoTime());
                String expected = b == ForwardingSnapshot.NONE ? "PASS" : destination(s.tunnel(b));
                backendOf[i] = expected;
                XdpTestbed.Result r = testbed.runHere(program, testbed.frame(packet(f, tcpFlags)));
                String actual = r.verdict() == BpfProgram.XDP_TX ? outerDestination(r.out()) : r.verdictName();
                if (!expected.equals(actual)) {
                    mismatches.add(f + " flags " + tcpFlags + ": java " + expected + ", xdp " + actual);
                }
            }
            return new Round(flows.size(), mismatches, backendOf);
        });
    }

    static String destination(TunnelSpec t) {
        return t.outerFamily() == 4 ? Ipv4Addresses.format(t.ipv4Destination())
                : Ipv6Addresses.format(t.destinationHi(), t.destinationLo());
    }

    static String outerDestination(byte[] frame) {
        if ((frame[14] & 0xf0) == 0x40) {
            return (frame[30] & 0xff) + "." + (frame[31] & 0xff) + "." + (frame[32] & 0xff) + "." + (frame[33] & 0xff);
        }
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (frame[38 + i] & 0xff);
            lo = lo << 8 | (frame[46 + i] & 0xff);
        }
        return Ipv6Addresses.format(hi, lo);
    }

    static byte[] packet(Flow f, int tcpFlags) {
        byte[] l4;
        if (f.vip.protocol == IpProtocol.TCP) {
            l4 = TestPackets.tcp(f.clientPort, f.port, 16);
            l4[13] = (byte) tcpFlags;
        } else {
            l4 = TestPackets.udp(f.clientPort, f.port, 16);
        }
        return f.vip.v4()
                ? TestPackets.ipv4(0, 1, TestPackets.DF, 64, f.vip.protocol, f.client, f.vip.address, l4)
                : TestPackets.ipv6(0, 0, f.vip.protocol, 64, f.client, f.vip.address, l4);
    }

    private static void assertAgree(String phase, Round r) {
        assertTrue(r.mismatches().isEmpty(), phase + ": " + r.mismatches().size() + " of " + r.packets()
                + " packets disagree (seed " + SEED + "), e.g. " + r.mismatches().subList(0,
                Math.min(5, r.mismatches().size())));
    }

    @Test
    void shouldPickTheJavaDataPlanesBackendForEveryFlowWhileBackendsComeDrainGoDownAndGo() throws Exception {
        System.out.println("XdpRandomizedTest: seed " + SEED + " (-Ddsrgw.xdp.seed=N to replay another)");
        model();
        List<Flow> flows = newFlows(FLOWS_PER_VIP);
        boolean[] firstSyn = new boolean[flows.size()];
        for (int i = 0; i < firstSyn.length; i++) {
            firstSyn[i] = random.nextBoolean();
        }

        // 1. first packets: SYNs and mid-stream TCP (a flow the gateway never saw), UDP
        ForwardingSnapshot s = build();
        plane.publish(s);
        Round first = round(s, flows, FlowSteering.TCP_ACK, firstSyn);
        assertAgree("first packets", first);

        // 2. a backend added to every VIP
        for (VipDef v : vips) {
            v.backends.add(newBackend(v.backends.getFirst().kind));
        }
        s = build();
        plane.publish(s);
        Round added = round(s, flows, FlowSteering.TCP_ACK, null);
        assertAgree("after adding backends", added);
        int stayed = 0;
        int statelessMoved = 0;
        for (int i = 0; i < flows.size(); i++) {
            Flow f = flows.get(i);
            if (f.vip.stateless) {
                statelessMoved += added.backendOf()[i].equals(first.backendOf()[i]) ? 0 : 1;
            } else if (!maglevChoice(s, f).equals(added.backendOf()[i])) {
                stayed++; // pinned: stays where it was although Maglev now says otherwise
            }
        }
        assertTrue(stayed > 0, "some pinned flows differ from Maglev after the add (else this phase tests nothing)");
        assertTrue(statelessMoved > 0, "some stateless flows moved with Maglev");
        boolean[] syn = new boolean[flows.size()];
        int synMoved = 0;
        for (int i = 0; i < flows.size(); i++) {
            syn[i] = flows.get(i).vip.protocol == IpProtocol.TCP && random.nextInt(3) == 0;
        }
        Round synRound = round(s, flows, FlowSteering.TCP_ACK, syn);
        assertAgree("SYNs on known 5-tuples", synRound);
        for (int i = 0; i < flows.size(); i++) {
            if (syn[i] && !synRound.backendOf()[i].equals(added.backendOf()[i])) {
                synMoved++;
            }
        }
        assertTrue(synMoved > 0, "some SYNs re-hashed to the new Maglev choice");
        List<Flow> fresh = newFlows(FLOWS_PER_VIP / 4);
        assertAgree("new flows after adding", round(s, fresh, FlowSteering.TCP_ACK, null));
        flows.addAll(fresh);

        // 3. a backend of every VIP drained: its flows stay, new flows avoid it
        List<String> drained = new ArrayList<>();
        for (VipDef v : vips) {
            BackendDef d = v.backends.get(1);
            d.state = BackendState.DRAINING;
            drained.add(d.address);
        }
        s = build();
        plane.publish(s);
        Round afterDrain = round(s, flows, FlowSteering.TCP_ACK, null);
        assertAgree("after draining", afterDrain);
        int onDrained = 0;
        for (int i = 0; i < flows.size(); i++) {
            if (!flows.get(i).vip.stateless && drained.contains(afterDrain.backendOf()[i])) {
                onDrained++;
            }
        }
        assertTrue(onDrained > 0, "flows pinned to draining backends stay there");
        List<Flow> afterDrainFlows = newFlows(FLOWS_PER_VIP / 4);
        Round newAfterDrain = round(s, afterDrainFlows, FlowSteering.TCP_ACK, null);
        assertAgree("new flows after draining", newAfterDrain);
        for (int i = 0; i < afterDrainFlows.size(); i++) {
            assertTrue(!drained.contains(newAfterDrain.backendOf()[i]), "no new flow to a draining backend");
        }
        flows.addAll(afterDrainFlows);

        // 4. a backend of every VIP down: its flows re-hash, as many in the program as in Java
        for (VipDef v : vips) {
            v.backends.get(0).state = BackendState.DOWN;
        }
        s = build();
        plane.publish(s);
        long javaRehashed = java.rehashed();
        long xdpRehashed = plane.counters().value("flow_rehash");
        Round afterDown = round(s, flows, FlowSteering.TCP_ACK, null);
        assertAgree("after marking backends down", afterDown);
        long javaMoved = java.rehashed() - javaRehashed;
        assertTrue(javaMoved > 0, "flows of down backends re-hashed");
        assertEquals(javaMoved, plane.counters().value("flow_rehash") - xdpRehashed, "re-hashed flows, xdp vs java");

        // 5. a backend of every VIP removed altogether
        for (VipDef v : vips) {
            v.backends.remove(2);
        }
        s = build();
        plane.publish(s);
        assertAgree("after removing backends", round(s, flows, FlowSteering.TCP_ACK, null));
    }

    /** The address of the VIP's current Maglev choice for flow {@code f}. */
    private String maglevChoice(ForwardingSnapshot s, Flow f) {
        int vip;
        if (f.vip.v4()) {
            key.setIpv4(Ipv4Addresses.parse(f.client), Ipv4Addresses.parse(f.vip.address), f.vip.protocol,
                    f.clientPort, f.port, false);
            vip = s.vipIndex(key.destinationIpv4(), f.vip.protocol, f.port);
        } else {
            long[] c = Ipv6Addresses.parse(f.client);
            long[] d = Ipv6Addresses.parse(f.vip.address);
            key.setIpv6(c[0], c[1], d[0], d[1], f.vip.protocol, f.clientPort, f.port, false);
            vip = s.vipIndex6(d[0], d[1], f.vip.protocol, f.port);
        }
        int b = s.backendFor(vip, s.flowHash().hash(key));
        return b == ForwardingSnapshot.NONE ? "PASS" : destination(s.tunnel(b));
    }
}
