package io.dsrgw.gateway.cli;

import io.dsrgw.encap.pcap.PcapReader;
import io.dsrgw.encap.pcap.PcapRecord;
import io.dsrgw.encap.pcap.PcapWriter;
import io.dsrgw.encap.testing.FixtureTable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static io.dsrgw.gateway.dataplane.TestPackets.DF;
import static io.dsrgw.gateway.dataplane.TestPackets.ICMP;
import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.hex;
import static io.dsrgw.gateway.dataplane.TestPackets.icmpEcho;
import static io.dsrgw.gateway.dataplane.TestPackets.icmpv6Echo;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv6;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dsr-gateway replay} ({@link GatewayMain#execute}) over every tunnel kind: the encap fixture tables'
 * encapsulate and echo cases give the table's bytes, and one capture through a config with every kind decodes
 * cleanly in tshark (checksums good, GRE key and flags as configured, IPv6 outers, ICMP the gateway originates).
 */
class ReplayKindsTest {
    @TempDir
    Path dir;

    static String execute(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GatewayMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Replays {@code packets} (1 ms apart) through {@code config}; returns the transmitted packets and stdout. */
    record Replayed(List<byte[]> packets, String counters, Path pcap) {
    }

    Replayed replay(String name, String config, List<byte[]> packets) throws IOException {
        Path cfg = dir.resolve(name + ".conf");
        Files.writeString(cfg, config);
        Path in = dir.resolve(name + "-in.pcap");
        try (PcapWriter w = PcapWriter.create(in, 101, false)) {
            for (int i = 0; i < packets.size(); i++) {
                w.write(1_000_000_000L + i * 1_000_000L, MemorySegment.ofArray(packets.get(i)), 0,
                        packets.get(i).length);
            }
        }
        Path out = dir.resolve(name + "-out.pcap");
        String counters = execute("replay", "--config", cfg.toString(), "--in", in.toString(), "--out",
                out.toString());
        List<byte[]> result = new ArrayList<>();
        try (PcapReader reader = PcapReader.open(out)) {
            PcapRecord rec = new PcapRecord();
            while (reader.next(rec)) {
                result.add(rec.data().asSlice(rec.ipOffset(), rec.ipLength()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return new Replayed(result, counters, out);
    }

    /** The fixture addresses, one backend, the tunnel family / backend family that yields {@code kind}. */
    static String fixtureConfig(String kind, String greKey, boolean greChecksum, long ttl, String echo) {
        return fixtureConfig(kind, greKey, greChecksum, ttl, echo, "");
    }

    /** ... with {@code guePorts} ("gue-port = N" for the VIPs) for the gue kinds. */
    static String fixtureConfig(String kind, String greKey, boolean greChecksum, long ttl, String echo,
                                String guePorts) {
        String family = kind.contains("gre") ? "gre" : kind.startsWith("gue") ? "gue" : "ipip";
        String backend = kind.startsWith("ip6") || kind.equals("gue6") ? "\"fd00:3::11\"" : "\"10.0.3.10\"";
        String gre = (greKey.equals("none") ? "" : ", gre-key = " + greKey)
                + (family.equals("gre") ? ", gre-checksum = " + greChecksum : "")
                + (family.equals("gue") ? ", " + guePorts : "");
        StringBuilder vips = new StringBuilder();
        for (String address : List.of("\"10.100.0.1\"", "\"fd00:100::1\"")) {
            for (String service : List.of("protocol = tcp, ports = [80]", "protocol = udp, ports = [53]")) {
                vips.append("{ name = v").append(vips.length()).append(", address = ").append(address).append(", ")
                        .append(service).append(", tunnel = ").append(family).append(gre)
                        .append("\n  backends = [{ address = ").append(backend).append(" }] }\n");
            }
        }
        return """
                dsrgw.gateway {
                  tunnel-source { ipv4 = "10.0.2.2", ipv6 = "fd00:2::2" }
                  hash-seed = "fixture-seed"
                  ttl = %d
                  icmp { echo = %s }
                  vips = [
                %s]
                }
                """.formatted(ttl, echo, vips);
    }

    @TestFactory
    Stream<DynamicTest> shouldReplayEveryEncapsulateCaseOfTheTableToItsOutput() {
        Map<String, List<FixtureTable.Case>> groups = new LinkedHashMap<>();
        for (FixtureTable.Case c : FixtureTable.load("tunnel-kinds")) {
            if (c.op().equals("encapsulate") && c.verdict().equals("ok")) {
                String group = c.config("kind") + " key " + c.config("gre-key") + " checksum "
                        + c.config("gre-checksum") + " ttl " + c.config("ttl")
                        + (c.hasConfig("gue-port") ? " gue-port " + c.config("gue-port") + " source ports "
                        + c.config("gue-source-ports") : "");
                groups.computeIfAbsent(group, g -> new ArrayList<>()).add(c);
            }
        }
        assertTrue(groups.size() >= 8, "groups: " + groups.keySet());
        return groups.entrySet().stream().map(g -> DynamicTest.dynamicTest(g.getKey(), () -> {
            FixtureTable.Case first = g.getValue().getFirst();
            String config = fixtureConfig(first.config("kind"), first.config("gre-key"),
                    Boolean.parseBoolean(first.config("gre-checksum")), first.configNumber("ttl"), "answer",
                    first.hasConfig("gue-port") ? "gue-port = " + first.config("gue-port") : "");
            if (first.hasConfig("gue-source-ports")) {
                // generated under the fixture seed: the source ports and IPv6 UDP checksums must match exactly
                config = config.replace("  ttl =", "  gue-source-ports = \"" + first.config("gue-source-ports")
                        + "\"\n  ttl =");
            }
            Replayed r = replay("kinds", config, g.getValue().stream().map(FixtureTable.Case::input).toList());
            assertEquals(g.getValue().size(), r.packets().size(), r.counters());
            for (int i = 0; i < r.packets().size(); i++) {
                FixtureTable.Case c = g.getValue().get(i);
                assertEquals(hex(FixtureTable.maskPerGatewayFields(c.outputs().getFirst())),
                        hex(FixtureTable.maskPerGatewayFields(r.packets().get(i))), c.toString());
            }
        }));
    }

    @Test
    void shouldReplayTheEchoTableAnsweringExactlyTheValidRequests() throws IOException {
        List<FixtureTable.Case> cases = FixtureTable.load("echo");
        Replayed r = replay("echo", fixtureConfig("ipip", "none", false, 64, "answer"),
                cases.stream().map(FixtureTable.Case::input).toList());
        List<FixtureTable.Case> answered = cases.stream().filter(c -> c.verdict().equals("ok")).toList();
        // plus the fragmented request, tunnelled to the backend (which reassembles and answers): the last case
        assertEquals(answered.size() + 1, r.packets().size(), r.counters());
        assertTrue(cases.getLast().description().contains("fragmented"), cases.getLast().toString());
        assertTrue(r.counters().contains("tx_packets 1\n"), r.counters());
        for (int i = 0; i < answered.size(); i++) {
            FixtureTable.Case c = answered.get(i);
            assertEquals(hex(c.outputs().getFirst()), hex(r.packets().get(i)), c.toString());
        }
        assertTrue(r.counters().contains("tx_echo_reply " + answered.size() + "\n"), r.counters());
    }

    @TestFactory
    Stream<DynamicTest> shouldReplayTheTooBigTableForPacketsLargerThanTheirTunnel() {
        // GRE (24) for IPv4 inners, IP6GRE (44) for IPv6, tunnel-mtu = the table's MTU + that overhead; echo
        // requests forwarded so that a big one is too big like any packet
        Map<String, List<FixtureTable.Case>> groups = new LinkedHashMap<>();
        for (FixtureTable.Case c : FixtureTable.load("icmp-too-big")) {
            boolean v6 = (c.input()[0] & 0xf0) == 0x60;
            boolean df = v6 || (c.input()[6] & 0x40) != 0;
            if (c.input().length > c.configNumber("mtu") && df) {
                String kind = v6 ? "ip6gre" : "gre";
                groups.computeIfAbsent(kind + " " + c.config("mtu") + " " + c.config("ttl"), g -> new ArrayList<>())
                        .add(c);
            }
        }
        assertTrue(groups.size() >= 2, "IPv4 and IPv6 too-big cases: " + groups.keySet());
        return groups.entrySet().stream().map(g -> DynamicTest.dynamicTest(g.getKey(), () -> {
            FixtureTable.Case first = g.getValue().getFirst();
            String kind = g.getKey().split(" ")[0];
            int overhead = kind.equals("gre") ? 24 : 44;
            String config = fixtureConfig(kind, "none", false, first.configNumber("ttl"), "forward")
                    .replace("hash-seed", "tunnel-mtu = " + (first.configNumber("mtu") + overhead) + "\n  hash-seed");
            Replayed r = replay("too-big", config, g.getValue().stream().map(FixtureTable.Case::input).toList());
            List<FixtureTable.Case> sent = g.getValue().stream().filter(c -> c.verdict().equals("ok")).toList();
            assertEquals(sent.size(), r.packets().size(), r.counters());
            for (int i = 0; i < sent.size(); i++) {
                assertEquals(hex(sent.get(i).outputs().getFirst()), hex(r.packets().get(i)), sent.get(i).toString());
            }
            assertTrue(r.counters().contains("tx_icmp_too_big " + sent.size() + "\n"), r.counters());
        }));
    }

    static final String ALL_KINDS = """
            dsrgw.gateway {
              tunnel-source { ipv4 = "10.0.2.2", ipv6 = "fd00:2::2" }
              tunnel-mtu = 1500
              hash-seed = "replay-kinds"
              icmp { echo = answer, too-big-rate = 100 }
              vips = [
                { name = ipip, address = "10.100.0.1", protocol = tcp, ports = [80]
                  backends = [{ address = "10.0.3.11" }] }
                { name = sit, address = "fd00:100::2", protocol = tcp, ports = [80]
                  backends = [{ address = "10.0.3.11" }] }
                { name = gre4, address = "10.100.0.3", protocol = tcp, ports = [80], tunnel = gre
                  backends = [{ address = "10.0.3.11" }] }
                { name = gre6, address = "fd00:100::4", protocol = tcp, ports = [80], tunnel = gre
                  backends = [{ address = "10.0.3.11" }] }
                { name = grek, address = "10.100.0.5", protocol = udp, ports = [7], tunnel = gre, gre-key = 42
                  gre-checksum = true, backends = [{ address = "10.0.3.11" }] }
                { name = ip6tnl4, address = "10.100.0.6", protocol = tcp, ports = [80]
                  backends = [{ address = "fd00:3::11" }] }
                { name = ip6tnl6, address = "fd00:100::7", protocol = tcp, ports = [80]
                  backends = [{ address = "fd00:3::11" }] }
                { name = ip6gre4, address = "10.100.0.8", protocol = udp, ports = [7], tunnel = gre
                  backends = [{ address = "fd00:3::11" }] }
                { name = ip6gre6, address = "fd00:100::9", protocol = tcp, ports = [80], tunnel = gre
                  backends = [{ address = "fd00:3::11" }] }
                { name = ip6grek, address = "fd00:100::10", protocol = udp, ports = [7], tunnel = gre, gre-key = 7
                  backends = [{ address = "fd00:3::11" }] }
              ]
            }
            """;

    @Test
    void shouldWriteEveryKindAndTheGatewaysOwnIcmpAsPacketsTsharkDecodesWithGoodChecksums() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")),
                "tshark not installed at /usr/bin/tshark: cannot cross-check the replay output");
        List<byte[]> in = List.of(
                ipv4(0, 1, DF, 63, TCP, "10.0.1.2", "10.100.0.1", tcp(40000, 80, 0)),
                ipv6(0, 0, TCP, 63, "fd00:1::2", "fd00:100::2", tcp(40000, 80, 0)),
                ipv4(0, 1, DF, 63, TCP, "10.0.1.2", "10.100.0.3", tcp(40000, 80, 0)),
                ipv6(0, 0, TCP, 63, "fd00:1::2", "fd00:100::4", tcp(40000, 80, 0)),
                ipv4(0, 1, 0, 63, UDP, "10.0.1.2", "10.100.0.5", udp(40000, 7, 10)),
                ipv4(0, 1, DF, 63, TCP, "10.0.1.2", "10.100.0.6", tcp(40000, 80, 0)),
                ipv6(0, 0, TCP, 63, "fd00:1::2", "fd00:100::7", tcp(40000, 80, 0)),
                ipv4(0, 1, 0, 63, UDP, "10.0.1.2", "10.100.0.8", udp(40000, 7, 10)),
                ipv6(0, 0, TCP, 63, "fd00:1::2", "fd00:100::9", tcp(40000, 80, 0)),
                ipv6(0, 0, UDP, 63, "fd00:1::2", "fd00:100::10", udp(40000, 7, 10)),
                ipv4(0, 2, 0, 63, ICMP, "10.0.1.2", "10.100.0.1", icmpEcho()),
                ipv6(0, 0, 58, 63, "fd00:1::2", "fd00:100::2", icmpv6Echo("fd00:1::2", "fd00:100::2", 9)),
                ipv4(0, 3, DF, 63, TCP, "10.0.1.2", "10.100.0.3", tcp(40001, 80, 1460)),
                ipv6(0, 0, TCP, 63, "fd00:1::2", "fd00:100::9", tcp(40001, 80, 1440)),
                ipv4(0, 4, 0, 63, UDP, "10.0.1.2", "10.100.0.5", udp(40002, 7, 2000)));
        Replayed r = replay("all", ALL_KINDS, in);
        assertTrue(r.counters().startsWith("rx_packets 15\ntx_packets 10\n"), r.counters());
        assertTrue(r.counters().contains("tx_icmp_too_big 2\n") && r.counters().contains("tx_echo_reply 2\n")
                && r.counters().contains("tx_fragments 1\n"), r.counters());
        List<String> lines = tshark(r.pcap(), "ip.proto", "ipv6.nxt", "ip.checksum.status", "gre.flags.key",
                "gre.key", "gre.flags.checksum", "gre.checksum.status", "icmp.type", "icmpv6.type",
                "icmp.checksum.status", "icmpv6.checksum.status", "ip.flags.mf");
        String all = String.join("\n", lines);
        assertEquals(16, lines.size(), all); // 10 tunnelled, 2 echo replies, 2 too-big, 2 fragments
        for (String line : lines) {
            String[] f = line.split("\\|", -1);
            // checksum status columns (ip, gre, icmp, icmpv6): 0 = bad, 1 = good, 2 = unverified
            for (int column : new int[] {2, 6, 9, 10}) {
                assertTrue(!f[column].contains("0") && !f[column].contains("2"), "checksum column " + column + ": "
                        + line + "\n" + all);
            }
        }
        // ipip, sit, gre 4in4, gre 6in4, keyed+checksum gre, ip6tnl 4in6, ip6tnl 6in6, ip6gre 4in6, 6in6, keyed
        List<String> expected = List.of(
                "4,6||1,1|||||||||0,0",
                "41|6|1|||||||||0",
                "47,6||1,1|0||0||||||0,0",
                "47|6|1|0||0||||||0",
                "47,17||1,1|1|0x0000002a|1|1|||||0,0",
                "6|4|1|||||||||0",
                "|41,6||||||||||",
                "17|47|1|0||0||||||0",
                "|47,6||0||0||||||",
                "|47,17||1|0x00000007|0||||||",
                "1||1|||||0||1||0",          // echo reply from the VIP
                "|58|||||||129||1|",          // ICMPv6 echo reply
                "1,6||1,1|||||3||1||0,0",     // frag-needed quoting the client's TCP packet
                "|58,6|||||||2||1|",          // packet too big
                "47||1|||||||||1",            // first outer fragment (MF)
                "47,17||1,1|1|0x0000002a|1|1|||||0,0"); // last fragment: tshark reassembled keyed, checksummed GRE
        assertEquals(String.join("\n", expected), all);
    }

    /**
     * GUE through {@code replay}, read back by tshark: Wireshark 4.0 has no GUE dissector, so {@code -d
     * udp.port==6080,ip} decodes the UDP payload as IP (GUE variant 1 dispatches on the version nibble the same
     * way). Outer UDP to 6080 from a port in the configured range, checksum absent under IPv4 and good under IPv6,
     * inner TCP checksum good, two flows on two source ports.
     */
    @Test
    void shouldReplayGueThatTsharkDecodesAsIpInUdp() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")),
                "tshark not installed at /usr/bin/tshark: cannot cross-check the replay output");
        String config = """
                dsrgw.gateway {
                  tunnel-source { ipv4 = "10.0.2.2", ipv6 = "fd00:2::2" }
                  hash-seed = "replay-gue"
                  gue-source-ports = "50000-50999"
                  vips = [
                    { name = gue4, address = "10.100.0.1", protocol = tcp, ports = [80], tunnel = gue
                      backends = [{ address = "10.0.3.11" }] }
                    { name = gue6, address = "fd00:100::2", protocol = tcp, ports = [80], tunnel = gue
                      backends = [{ address = "fd00:3::11" }] }
                  ]
                }
                """;
        // with valid TCP checksums (encap's builders), so tshark's verdict on the inner TCP means something
        List<byte[]> in = List.of(
                io.dsrgw.encap.testing.TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40000, 80, 0x02, 0),
                io.dsrgw.encap.testing.TestPackets.tcpPacket("10.0.1.2", "10.100.0.1", 40001, 80, 0x02, 0),
                io.dsrgw.encap.testing.TestPackets.tcpPacket6("fd00:1::2", "fd00:100::2", 40000, 80, 0x02, 0));
        Replayed r = replay("gue", config, in);
        assertEquals(3, r.packets().size(), r.counters());
        List<String> lines = tshark(r.pcap(), List.of("-d", "udp.port==6080,ip", "-o",
                "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE"), "ip.proto", "ipv6.nxt",
                "udp.srcport", "udp.dstport", "udp.checksum.status", "tcp.checksum.status");
        assertEquals(3, lines.size(), String.join("\n", lines));
        java.util.Set<String> sourcePorts = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            String[] f = lines.get(i).split("\\|", -1);
            int sport = Integer.parseInt(f[2]);
            assertTrue(sport >= 50000 && sport <= 50999, lines.get(i));
            sourcePorts.add(f[2]);
            assertEquals("6080", f[3], lines.get(i));
            assertEquals("1", f[5], "inner TCP checksum good: " + lines.get(i));
        }
        assertEquals("17,6||", lines.get(0).substring(0, 6), lines.get(0));
        assertEquals("3", lines.get(0).split("\\|", -1)[4], "IPv4 outer: UDP checksum not present");
        assertEquals("|17,6|", lines.get(2).substring(0, 6), lines.get(2));
        assertEquals("1", lines.get(2).split("\\|", -1)[4], "IPv6 outer: UDP checksum good");
        assertTrue(sourcePorts.size() >= 2, "the two IPv4 flows leave from two ports: " + lines);
        assertTrue(!lines.get(0).split("\\|", -1)[2].equals(lines.get(1).split("\\|", -1)[2]), String.join("\n",
                lines));
    }

    /**
     * L2 DSR through {@code replay}: replay is an offline tool and skips the host check of {@code run} and
     * {@code check-config} (that each {@code tunnel = none} backend is on a connected network), so a config whose
     * backends this machine does not reach replays anyway; the capture holds the l2-dsr table's packets
     * unchanged (Ethernet padding in the input cut), and tshark reads them as plain IP to the VIP with the TTL /
     * hop limit the client sent.
     */
    @Test
    void shouldReplayAnL2DsrConfigUnchangedOnAMachineThatDoesNotReachItsBackends() throws Exception {
        String config = """
                dsrgw.gateway {
                  hash-seed = "fixture-seed"
                  vips = [
                    { name = t4, address = "10.100.0.1", protocol = tcp, ports = [80], tunnel = none
                      backends = [{ address = "10.0.3.10" }] }
                    { name = u4, address = "10.100.0.1", protocol = udp, ports = [53], tunnel = none
                      backends = [{ address = "10.0.3.10" }] }
                    { name = t6, address = "fd00:100::1", protocol = tcp, ports = [80], tunnel = none
                      backends = [{ address = "fd00:3::11" }] }
                    { name = u6, address = "fd00:100::1", protocol = udp, ports = [53], tunnel = none
                      backends = [{ address = "fd00:3::11" }] }
                  ]
                }
                """;
        Path cfg = dir.resolve("l2-host.conf");
        Files.writeString(cfg, config);
        List<String> host = io.dsrgw.gateway.control.LinkLayerBackends.problems(
                io.dsrgw.conf.ConfigLoader.loadGateway(cfg), io.dsrgw.gateway.control.LinkLayerBackends.KERNEL);
        Assumptions.assumeTrue(!host.isEmpty(), "this machine reaches 10.0.3.10 and fd00:3::11 on connected "
                + "networks, so it cannot show that replay skips the host check");
        List<FixtureTable.Case> cases = FixtureTable.load("l2-dsr");
        List<byte[]> in = cases.stream().map(c -> java.util.Arrays.copyOf(c.input(),
                c.input().length + (int) c.configNumber("eth-padding"))).toList();
        assertTrue(cases.stream().anyMatch(c -> c.configNumber("eth-padding") > 0), "a padded case");
        Replayed r = replay("l2", config, in);
        assertEquals(cases.size(), r.packets().size(), r.counters());
        assertTrue(r.counters().contains("tx_packets " + cases.size() + "\n"), r.counters());
        for (int i = 0; i < cases.size(); i++) {
            assertEquals(hex(cases.get(i).outputs().getFirst()), hex(r.packets().get(i)), cases.get(i).toString());
        }
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/tshark")),
                "tshark not installed at /usr/bin/tshark: cannot cross-check the replay output");
        List<String> lines = tshark(r.pcap(), "ip.dst", "ipv6.dst", "ip.ttl", "ipv6.hlim", "ip.checksum.status",
                "ip.proto", "ipv6.nxt", "udp.dstport", "tcp.dstport");
        assertEquals(cases.size(), lines.size(), String.join("\n", lines));
        for (int i = 0; i < cases.size(); i++) {
            byte[] p = cases.get(i).input();
            String[] f = lines.get(i).split("\\|", -1);
            String where = cases.get(i) + ": " + lines.get(i);
            if ((p[0] & 0xf0) == 0x40) {
                assertEquals("10.100.0.1", f[0], where + ": plain IPv4 to the VIP, no outer header");
                assertEquals(Integer.toString(p[8] & 0xff), f[2], where + ": TTL not decremented");
                assertEquals("1", f[4], where + ": IPv4 header checksum good");
                assertEquals("", f[1], where);
            } else {
                assertEquals("fd00:100::1", f[1], where + ": plain IPv6 to the VIP, no outer header");
                assertEquals(Integer.toString(p[7] & 0xff), f[3], where + ": hop limit not decremented");
                assertEquals("", f[0], where);
            }
            assertTrue(f[7].equals("53") || f[8].equals("80"), where + ": the client's transport header");
        }
    }

    static List<String> tshark(Path pcap, String... fields) throws Exception {
        return tshark(pcap, List.of(), fields);
    }

    static List<String> tshark(Path pcap, List<String> options, String... fields) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/tshark", "-r", pcap.toString(), "-o",
                "ip.check_checksum:TRUE",
                "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"));
        cmd.addAll(options);
        for (String f : fields) {
            cmd.add("-e");
            cmd.add(f);
        }
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return out.lines().toList();
    }
}
