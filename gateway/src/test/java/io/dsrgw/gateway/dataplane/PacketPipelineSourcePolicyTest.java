package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.EchoMode;
import io.dsrgw.conf.SourcePrefix;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.dsrgw.gateway.dataplane.FixtureTablesPipelineTest.inet;
import static io.dsrgw.gateway.dataplane.PacketPipelineIcmpTest.Capture;
import static io.dsrgw.gateway.dataplane.PacketPipelineIcmpTest.VIP4;
import static io.dsrgw.gateway.dataplane.PacketPipelineIcmpTest.VIP6;
import static io.dsrgw.gateway.dataplane.PacketPipelineIcmpTest.backend;
import static io.dsrgw.gateway.dataplane.PacketPipelineIcmpTest.run;
import static io.dsrgw.gateway.dataplane.TestPackets.DF;
import static io.dsrgw.gateway.dataplane.TestPackets.ICMP;
import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.icmpEcho;
import static io.dsrgw.gateway.dataplane.TestPackets.icmpv6Echo;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv6;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 14: the source-address policy. A packet to a VIP whose source no client can have (a martian, a VIP, a
 * backend, a tunnel source of the gateway, a configured deny prefix) is dropped and counted by reason, and the
 * gateway never answers it: no echo reply, no too-big, nothing tunnelled. Private, shared and documentation
 * ranges are ordinary clients.
 */
public class PacketPipelineSourcePolicyTest {

    /** PacketPipelineIcmpTest's VIPs and backends (tunnel sources 10.0.2.2, fd00:2::2) with two deny prefixes. */
    public static ForwardingSnapshot snapshot() {
        return snapshot(List.of(new SourcePrefix(inet("198.51.100.0"), 24), new SourcePrefix(inet("2001:db8:bad::"),
                48)));
    }

    /** The same VIPs and backends with these deny prefixes. */
    public static ForwardingSnapshot snapshot(List<SourcePrefix> deny) {
        ForwardingSnapshot.Builder b = ForwardingSnapshot.builder("src-seed", 251, Ipv4Addresses.parse("10.0.2.2"),
                64, 1500).icmp(EchoMode.ANSWER, 1000);
        long[] s6 = Ipv6Addresses.parse("fd00:2::2");
        b.tunnelSourceIpv6(s6[0], s6[1]);
        b.denySources(deny);
        b.addVip("web4", inet(VIP4), TCP, new int[] {80}, null, false, List.of(backend("10.0.3.10", TunnelKind.GRE),
                backend("fd00:3::19", TunnelKind.IP6GRE)));
        b.addVip("dns4", inet(VIP4), UDP, new int[] {53}, null, false, List.of(backend("10.0.3.11", TunnelKind.GRE)));
        b.addVip("web6", inet(VIP6), TCP, new int[] {80}, null, false, List.of(backend("fd00:3::11",
                TunnelKind.IP6TNL), backend("10.0.3.19", TunnelKind.SIT)));
        return b.build();
    }

    public static final Map<String, CounterSet> BAD_SOURCES4 = Map.ofEntries(
            Map.entry("0.0.0.0", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("0.1.2.3", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("127.0.0.1", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("127.255.0.9", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("224.0.0.1", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("239.255.255.250", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("240.0.0.1", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("255.255.255.255", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry(VIP4, CounterSet.DROP_SOURCE_OWN),
            Map.entry("10.0.3.10", CounterSet.DROP_SOURCE_OWN),
            Map.entry("10.0.3.11", CounterSet.DROP_SOURCE_OWN),
            Map.entry("10.0.3.19", CounterSet.DROP_SOURCE_OWN),
            Map.entry("10.0.2.2", CounterSet.DROP_SOURCE_OWN),
            Map.entry("198.51.100.0", CounterSet.DROP_SOURCE_DENIED),
            Map.entry("198.51.100.77", CounterSet.DROP_SOURCE_DENIED));

    public static final Map<String, CounterSet> BAD_SOURCES6 = Map.ofEntries(
            Map.entry("::", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("::1", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("ff02::1", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("ff0e::1234", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("::ffff:10.0.1.2", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry("::ffff:0.0.0.0", CounterSet.DROP_SOURCE_MARTIAN),
            Map.entry(VIP6, CounterSet.DROP_SOURCE_OWN),
            Map.entry("fd00:3::11", CounterSet.DROP_SOURCE_OWN),
            Map.entry("fd00:3::19", CounterSet.DROP_SOURCE_OWN),
            Map.entry("fd00:2::2", CounterSet.DROP_SOURCE_OWN),
            Map.entry("2001:db8:bad:1::5", CounterSet.DROP_SOURCE_DENIED));

    /** Ordinary clients: private, shared (100.64/10), documentation ranges, next to the denied ones. */
    public static final List<String> CLIENTS4 = List.of("10.0.1.2", "10.0.3.9", "10.100.0.2", "172.16.5.4", "192.168.1.1",
            "100.64.0.1", "192.0.2.1", "198.51.101.1", "198.51.99.255", "203.0.113.5", "1.1.1.1", "223.255.255.254",
            "128.0.0.1");
    public static final List<String> CLIENTS6 = List.of("fd00:1::2", "fd00:3::12", "2001:db8::1", "2001:db8:bac::1",
            "2001:db8:bae::1", "::2", "fe00::1", "2a00::1", "::fffe:a00:102", "1::ffff:a00:102");

    @Test
    void shouldDropAndCountEveryPacketToAVipFromASourceNoClientCanHave() {
        PacketPipeline p = new PacketPipeline(snapshot(), new WorkerCounters());
        Capture sent = new Capture();
        int i = 0;
        for (Map.Entry<String, CounterSet> e : BAD_SOURCES4.entrySet()) {
            String src = e.getKey();
            assertEquals(e.getValue(), run(p, ipv4(0, i++, DF, 63, TCP, src, VIP4, tcp(40000, 80, 0)), sent), src);
            assertEquals(e.getValue(), run(p, ipv4(0, i++, 0, 63, UDP, src, VIP4, udp(40000, 53, 8)), sent), src);
            assertEquals(e.getValue(), run(p, ipv4(0, i++, 0, 63, ICMP, src, VIP4, icmpEcho()), sent),
                    src + ": no echo reply");
            assertEquals(e.getValue(), run(p, ipv4(0, i++, DF, 63, TCP, src, VIP4, tcp(40000, 80, 1600)), sent),
                    src + ": no too-big");
        }
        for (Map.Entry<String, CounterSet> e : BAD_SOURCES6.entrySet()) {
            String src = e.getKey();
            assertEquals(e.getValue(), run(p, ipv6(0, 0, TCP, 63, src, VIP6, tcp(40000, 80, 0)), sent), src);
            assertEquals(e.getValue(), run(p, ipv6(0, 0, 58, 63, src, VIP6, icmpv6Echo(src, VIP6, 1)), sent),
                    src + ": no echo reply");
            assertEquals(e.getValue(), run(p, ipv6(0, 0, TCP, 63, src, VIP6, tcp(40000, 80, 1600)), sent),
                    src + ": no too-big");
        }
        assertEquals(List.of(), sent.destinations, "nothing sent anywhere");
        long martian = BAD_SOURCES4.values().stream().filter(c -> c == CounterSet.DROP_SOURCE_MARTIAN).count() * 4
                + BAD_SOURCES6.values().stream().filter(c -> c == CounterSet.DROP_SOURCE_MARTIAN).count() * 3;
        assertEquals(martian, p.counters().get(CounterSet.DROP_SOURCE_MARTIAN));
        assertEquals(5 * 4 + 4 * 3, p.counters().get(CounterSet.DROP_SOURCE_OWN));
        assertEquals(2 * 4 + 3, p.counters().get(CounterSet.DROP_SOURCE_DENIED));
    }

    @Test
    void shouldForwardAndAnswerOrdinaryClientsIncludingPrivateSharedAndDocumentationRanges() {
        PacketPipeline p = new PacketPipeline(snapshot(), new WorkerCounters());
        for (String src : CLIENTS4) {
            Capture sent = new Capture();
            assertEquals(CounterSet.TX_PACKETS, run(p, ipv4(0, 1, DF, 63, TCP, src, VIP4, tcp(40000, 80, 0)), sent),
                    src);
            assertEquals(CounterSet.TX_ECHO_REPLY, run(p, ipv4(0, 2, 0, 63, ICMP, src, VIP4, icmpEcho()), sent),
                    src);
            assertEquals(src, sent.lastDestination());
        }
        for (String src : CLIENTS6) {
            Capture sent = new Capture();
            assertEquals(CounterSet.TX_PACKETS, run(p, ipv6(0, 0, TCP, 63, src, VIP6, tcp(40000, 80, 0)), sent), src);
            assertEquals(CounterSet.TX_ECHO_REPLY, run(p, ipv6(0, 0, 58, 63, src, VIP6, icmpv6Echo(src, VIP6, 1)),
                    sent), src);
            assertEquals(Ipv6Addresses.format(Ipv6Addresses.parse(src)[0], Ipv6Addresses.parse(src)[1]),
                    sent.lastDestination());
        }
    }

    @Test
    void shouldStillCountABadSourceToANonVipAsNotAVip() {
        PacketPipeline p = new PacketPipeline(snapshot(), new WorkerCounters());
        assertEquals(CounterSet.DROP_NOT_VIP, run(p, ipv4(0, 1, 0, 63, TCP, "127.0.0.1", "10.0.9.9", tcp(1, 80, 0)),
                new Capture()));
        assertEquals(CounterSet.DROP_NOT_VIP, run(p, ipv6(0, 0, TCP, 63, "::1", "fd00:9::9", tcp(1, 80, 0)),
                new Capture()));
    }
}
