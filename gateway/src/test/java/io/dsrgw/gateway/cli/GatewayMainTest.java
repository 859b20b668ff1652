package io.dsrgw.gateway.cli;

import io.dsrgw.encap.pcap.PcapReader;
import io.dsrgw.encap.pcap.PcapRecord;
import io.dsrgw.encap.pcap.PcapWriter;
import io.dsrgw.gateway.dataplane.TestPackets;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
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
import java.util.List;

import static io.dsrgw.gateway.dataplane.TestPackets.DF;
import static io.dsrgw.gateway.dataplane.TestPackets.MF;
import static io.dsrgw.gateway.dataplane.TestPackets.TCP;
import static io.dsrgw.gateway.dataplane.TestPackets.UDP;
import static io.dsrgw.gateway.dataplane.TestPackets.hex;
import static io.dsrgw.gateway.dataplane.TestPackets.ipip;
import static io.dsrgw.gateway.dataplane.TestPackets.ipv4;
import static io.dsrgw.gateway.dataplane.TestPackets.tcp;
import static io.dsrgw.gateway.dataplane.TestPackets.udp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GatewayMainTest {
    static final String CONFIG = """
            dsrgw.gateway {
              tunnel-source { ipv4 = 10.0.2.2 }
              hash-seed = "golden-seed"
              vips = [
                { name = web, address = 10.100.0.1, protocol = tcp, ports = [80, 443]
                  backends = [{ address = 10.0.3.10 }, { address = 10.0.3.11 }, { address = 10.0.3.12 }] }
                { name = dns, address = 10.100.0.2, protocol = udp, ports = [53]
                  backends = [{ address = 10.0.3.20 }, { address = 10.0.3.21 }] }
              ]
            }
            """;

    @TempDir
    Path dir;

    /** Output of one {@link GatewayMain#execute} call. */
    record Result(int code, String out, String err) {
    }

    static Result execute(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GatewayMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    Path config(String text) throws IOException {
        Path p = dir.resolve("gateway.conf");
        Files.writeString(p, text);
        return p;
    }

    @Test
    void shouldRejectAnUnknownOptionInOneLineEvenWhenRequiredOptionsAreMissingToo() {
        Result r = execute("replay", "--foo", "x");
        assertEquals(2, r.code());
        assertEquals("dsr-gateway: unknown option: '--foo' (see 'dsr-gateway replay --help')\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void shouldReportEveryKindOfUsageErrorPreciselyInOneLine() {
        assertUsage("dsr-gateway: missing command (expected: run, replay, check-config or --help) (see 'dsr-gateway "
                + "--help')");
        assertUsage("dsr-gateway: unknown command: 'start' (expected one of: run, replay, check-config) (see "
                + "'dsr-gateway --help')", "start");
        assertUsage("dsr-gateway: missing required option: '--config=FILE' (see 'dsr-gateway run --help')", "run");
        assertUsage("dsr-gateway: missing required parameter for option '--config' (FILE) (see 'dsr-gateway run "
                + "--help')", "run", "--config");
        assertUsage("dsr-gateway: unknown options: '--in', 'b' (see 'dsr-gateway run --help')", "run", "--config",
                "a", "--in", "b");
        assertUsage("dsr-gateway: option '--config' (FILE) should be specified only once (see 'dsr-gateway run "
                + "--help')", "run", "--config", "a", "--config=b");
        assertUsage("dsr-gateway: missing required option: '--out=OUT.pcap' (see 'dsr-gateway replay --help')",
                "replay", "--config", "c", "--in", "i");
        assertUsage("dsr-gateway: unexpected argument: 'extra' (see 'dsr-gateway run --help')", "run", "--config",
                "c", "extra");
        assertUsage("dsr-gateway: missing required parameter: 'FILE' (see 'dsr-gateway check-config --help')",
                "check-config");
        assertUsage("dsr-gateway: unexpected argument: 'b' (see 'dsr-gateway check-config --help')", "check-config",
                "a", "b");
        assertUsage("dsr-gateway: unknown option: '-x' (see 'dsr-gateway check-config --help')", "check-config",
                "-x");
    }

    private static void assertUsage(String line, String... args) {
        Result r = execute(args);
        assertEquals(2, r.code(), r.err());
        assertEquals(line + "\n", r.err(), "exactly one line on stderr");
        assertEquals("", r.out());
    }

    @Test
    void shouldPrintHelpOnEveryCommandAndExitZero() {
        for (String[] args : new String[][] {{"--help"}, {"-h"}, {"help"}, {"replay", "--help"}, {"run", "-h"},
            {"check-config", "--help"}, {"help", "replay"}}) {
            Result r = execute(args);
            assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: dsr-gateway"), r.out());
            assertEquals("", r.err());
        }
        assertTrue(execute("replay", "--help").out().contains("--in=IN.pcap"));
    }

    @Test
    void shouldPrintExactlyTheProgramAndItsVersionOnEveryCommand() {
        for (String[] args : new String[][] {{"--version"}, {"-V"}, {"run", "--version"}, {"check-config", "-V"}}) {
            Result r = execute(args);
            assertEquals(0, r.code(), r.err());
            assertEquals("dsr-gateway " + io.dsrgw.conf.cli.BuildInfo.version() + "\n", r.out());
        }
        assertTrue(io.dsrgw.conf.cli.BuildInfo.version().matches("\\d+\\.\\d+\\.\\d+.*"),
                "the version Maven filtered in: " + io.dsrgw.conf.cli.BuildInfo.version());
    }

    @Test
    void shouldAcceptAValidConfigInCheckConfig() throws IOException {
        Result r = execute("check-config", config(CONFIG).toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("OK: "), r.out());
    }

    @Test
    void shouldReportConfigErrorsWithExitCodeOne() throws IOException {
        Path bad = config(CONFIG.replace("protocol = udp", "protocol = sctp"));
        Result r = execute("check-config", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("sctp"), r.err());
        Result replay = execute("replay", "--config", bad.toString(), "--in", "x.pcap", "--out", "y.pcap");
        assertEquals(1, replay.code());
        assertTrue(replay.err().contains("sctp"), replay.err());
        assertFalse(replay.err().contains("Exception"), replay.err());
    }

    @Test
    void shouldAcceptGreVipsInCheckConfig() throws IOException {
        Path gre = config(CONFIG.replace("protocol = udp, ports = [53]", "protocol = udp, ports = [53], tunnel = gre"));
        Result r = execute("check-config", gre.toString());
        assertEquals(0, r.code(), r.out() + r.err());
    }

    @Test
    void shouldFailReplayOnAMissingInputWithoutAStackTrace() throws IOException {
        Path cfg = config(CONFIG);
        Result r = execute("replay", "--config", cfg.toString(), "--in", dir.resolve("none.pcap").toString(),
                "--out", dir.resolve("out.pcap").toString());
        assertEquals(1, r.code());
        assertEquals("dsr-gateway: replay: " + dir.resolve("none.pcap") + ": no such file\n", r.err());
        Path notPcap = dir.resolve("text.pcap");
        Files.writeString(notPcap, "not a capture");
        r = execute("replay", "--config", cfg.toString(), "--in", notPcap.toString(), "--out",
                dir.resolve("out.pcap").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("dsr-gateway: replay: " + notPcap + ": "), r.err());
        assertFalse(r.err().contains(notPcap + ": " + notPcap), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldReportDeeplyNestedBracesAndIncludeCyclesWithFileAndLineFromCheckConfigAndRun() throws IOException {
        // issue 14: a few KB of braces killed check-config with a StackOverflowError and its stack trace
        Path deep = config("dsrgw.gateway {\n  x = " + "{ y = ".repeat(5000) + "1" + " }".repeat(5000) + "\n}\n");
        for (String command : List.of("check-config", "run")) {
            Result r = command.equals("run") ? execute("run", "--config", deep.toString())
                    : execute("check-config", deep.toString());
            assertEquals(1, r.code(), command + ": " + r.err());
            assertTrue(r.err().contains(deep + ":2: { or [ nested 65 deep (expected: at most 64 nested objects and"
                    + " lists)"), command + ": " + r.err());
            assertFalse(r.err().contains("\tat "), command + ": " + r.err());
        }
        Path self = dir.resolve("self.conf");
        Files.writeString(self, "dsrgw.gateway { ttl = 64 }\ninclude \"self.conf\"\n");
        Result r = execute("check-config", self.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(":2: include \"self.conf\": "), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void shouldDropSourcesOfSecurityDenySourcesAndOwnAddressesInReplay() throws IOException {
        // issue 14: the key reaches the snapshot the pipeline runs with
        Path cfg = config(CONFIG.replace("hash-seed = \"golden-seed\"",
                "hash-seed = \"golden-seed\"\n  security.deny-sources = [\"198.51.100.0/24\"]"));
        byte[][] input = {
            ipv4(0, 1, DF, 63, TCP, "198.51.100.9", "10.100.0.1", tcp(40000, 80, 0)),
            ipv4(0, 2, DF, 63, TCP, "10.0.3.10", "10.100.0.1", tcp(40000, 80, 0)),
            ipv4(0, 3, DF, 63, TCP, "127.0.0.1", "10.100.0.1", tcp(40000, 80, 0)),
            ipv4(0, 4, DF, 63, TCP, "198.51.101.9", "10.100.0.1", tcp(40000, 80, 0))};
        Path in = dir.resolve("sources.pcap");
        try (PcapWriter w = PcapWriter.create(in, 101, false)) {
            for (int i = 0; i < input.length; i++) {
                w.write(1_700_000_000_000_000_000L + i, MemorySegment.ofArray(input[i]), 0, input[i].length);
            }
        }
        Result r = execute("replay", "--config", cfg.toString(), "--in", in.toString(), "--out",
                dir.resolve("out.pcap").toString());
        assertEquals(0, r.code(), r.err());
        for (String line : List.of("tx_packets 1\n", "drop_source_denied 1\n", "drop_source_own 1\n",
                "drop_source_martian 1\n")) {
            assertTrue(r.out().contains(line), line + " in " + r.out());
        }
    }

    @Test
    void shouldReplayTheLargestLegalIpv6PacketIntact() throws IOException {
        // issue 14: replay clipped packets to 65535 bytes, so a payload length of 65535 (65575 bytes) was malformed
        Path cfg = config("""
                dsrgw.gateway {
                  tunnel-source { ipv6 = "fd00:2::2" }
                  hash-seed = "golden-seed"
                  tunnel-mtu = 65535
                  vips = [{ name = dns6, address = "fd00:100::1", protocol = udp, ports = [53]
                            backends = [{ address = "fd00:3::10" }] }]
                }
                """);
        byte[] largest = TestPackets.ipv6(0, 0, UDP, 63, "fd00:1::2", "fd00:100::1", udp(5353, 53, 65535 - 8));
        assertEquals(65575, largest.length);
        Path in = dir.resolve("largest.pcap");
        try (PcapWriter w = PcapWriter.create(in, 101, false)) {
            w.write(1_700_000_000_000_000_000L, MemorySegment.ofArray(largest), 0, largest.length);
        }
        Path out = dir.resolve("out.pcap");
        Result r = execute("replay", "--config", cfg.toString(), "--in", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        // Intact: the pipeline saw all 65575 bytes (a clipped copy is malformed) and, as no tunnel can carry it
        // (65575 + 40 > tunnel-mtu), answered packet-too-big with MTU 65535 - 40 quoting the packet's head.
        assertTrue(r.out().contains("drop_malformed 0\n"), r.out());
        assertTrue(r.out().contains("tx_icmp_too_big 1\n"), r.out());
        try (PcapReader reader = PcapReader.open(out)) {
            PcapRecord rec = new PcapRecord();
            assertTrue(reader.next(rec));
            byte[] tooBig = rec.data().asSlice(rec.ipOffset(), rec.ipLength()).toArray(ValueLayout.JAVA_BYTE);
            assertEquals(2, tooBig[40], "ICMPv6 type packet too big");
            assertEquals(65495, ((tooBig[44] & 0xff) << 24) | ((tooBig[45] & 0xff) << 16) | ((tooBig[46] & 0xff) << 8)
                    | (tooBig[47] & 0xff), "MTU");
            assertEquals(hex(java.util.Arrays.copyOf(largest, 1280 - 48)),
                    hex(java.util.Arrays.copyOfRange(tooBig, 48, 1280)), "quoted head of the packet");
        }
    }

    @Test
    void shouldReplayAPcapThroughThePipelineEndToEnd() throws IOException {
        Path cfg = config(CONFIG);
        byte[] syn = ipv4(0x10, 0x1234, DF, 63, TCP, "10.0.1.2", "10.100.0.1", tcp(40000, 80, 0));
        byte[] notVip = ipv4(0, 1, 0, 63, TCP, "10.0.1.2", "10.0.9.9", tcp(40000, 80, 0));
        byte[] wrongPort = ipv4(0, 2, 0, 63, TCP, "10.0.1.2", "10.100.0.1", tcp(40000, 22, 0));
        byte[] dns = ipv4(0xb9, 2, 0, 63, UDP, "10.0.1.3", "10.100.0.2", udp(5353, 53, 12));
        byte[] fragment = ipv4(0, 9, MF, 63, UDP, "10.0.1.3", "10.100.0.2", udp(5353, 53, 16));
        byte[] malformed = {0x45, 0, 0, 20, 0};
        byte[][] input = {syn, notVip, wrongPort, dns, malformed, fragment};
        Path in = dir.resolve("in.pcap");
        try (PcapWriter w = PcapWriter.create(in, 101, false)) {
            for (int i = 0; i < input.length; i++) {
                w.write(1_700_000_000_000_000_000L + i * 1_000_000L, MemorySegment.ofArray(input[i]), 0,
                        input[i].length);
            }
        }
        Path out = dir.resolve("out.pcap");
        Result r = execute("replay", "--config", cfg.toString(), "--in", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("""
                rx_packets 6
                tx_packets 3
                drop_not_vip 2
                drop_malformed 1
                drop_no_backend 0
                drop_unsupported 0
                drop_tx_error 0
                drop_too_big 0
                tx_icmp_too_big 0
                drop_too_big_rate_limited 0
                tx_fragments 0
                tx_echo_reply 0
                fwd_icmp_error 0
                drop_unsupported_ext_header 0
                drop_icmp_quote_mismatch 0
                drop_source_martian 0
                drop_source_own 0
                drop_source_denied 0
                tx_raw_fallback 0
                drop_no_neighbour 0
                drop_echo_rate_limited 0
                rx_new_flow_packets 0
                rx_known_source_packets 0
                """, r.out());

        List<byte[]> packets = new ArrayList<>();
        List<Long> timestamps = new ArrayList<>();
        try (PcapReader reader = PcapReader.open(out)) {
            assertEquals(101, reader.linkType());
            PcapRecord rec = new PcapRecord();
            while (reader.next(rec)) {
                packets.add(rec.data().asSlice(rec.ipOffset(), rec.ipLength()).toArray(ValueLayout.JAVA_BYTE));
                timestamps.add(rec.timestampNanos());
            }
        }
        assertEquals(3, packets.size());
        // Same flows, same seed as the golden tests: pinned backends; outer ids count per pipeline from 0.
        assertEquals(hex(ipip(syn, 0, 64, "10.0.2.2", "10.0.3.12")), hex(packets.get(0)));
        assertEquals(hex(ipip(dns, 1, 64, "10.0.2.2", "10.0.3.21")), hex(packets.get(1)));
        assertEquals(List.of(1_700_000_000_000_000_000L, 1_700_000_000_003_000_000L, 1_700_000_000_005_000_000L),
                timestamps);
        assertEquals(TestPackets.addr("10.0.2.2"), intAt(packets.get(2), 12));
    }

    @Test
    void shouldReplayEthernetCapturesSkippingTheLinkHeader() throws IOException {
        Path cfg = config(CONFIG);
        byte[] syn = ipv4(0, 1, DF, 63, TCP, "10.0.1.2", "10.100.0.1", tcp(40000, 80, 0));
        byte[] frame = new byte[14 + syn.length];
        frame[12] = 0x08;
        System.arraycopy(syn, 0, frame, 14, syn.length);
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        Path in = dir.resolve("eth.pcap");
        try (PcapWriter w = PcapWriter.create(in, 1, true)) {
            w.write(5, MemorySegment.ofArray(frame), 0, frame.length);
            w.write(6, MemorySegment.ofArray(arp), 0, arp.length);
        }
        Path out = dir.resolve("out.pcap");
        Result r = execute("replay", "--config", cfg.toString(), "--in", in.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("rx_packets 2\ntx_packets 1\ndrop_not_vip 1\n"), r.out());
    }

    private static int intAt(byte[] b, int off) {
        return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8 | (b[off + 3] & 0xff);
    }

    @Test
    void shouldWriteAReplayOutputThatTsharkDecodesAsValidIpip() throws Exception {
        boolean tshark = Files.isExecutable(Path.of("/usr/bin/tshark"));
        Assumptions.assumeTrue(tshark, "tshark not installed at /usr/bin/tshark: cannot cross-check the output");
        Path cfg = config(CONFIG);
        byte[] syn = ipv4(0, 1, DF, 63, TCP, "10.0.1.2", "10.100.0.1", tcp(40000, 80, 0));
        Path in = dir.resolve("in.pcap");
        try (PcapWriter w = PcapWriter.create(in, 101, false)) {
            w.write(1_000_000_000L, MemorySegment.ofArray(syn), 0, syn.length);
        }
        Path out = dir.resolve("out.pcap");
        assertEquals(0, execute("replay", "--config", cfg.toString(), "--in", in.toString(), "--out",
                out.toString()).code());
        Process p = new ProcessBuilder("/usr/bin/tshark", "-r", out.toString(), "-o", "ip.check_checksum:TRUE",
                "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "ip.proto", "-e", "ip.checksum.status",
                "-e", "tcp.dstport").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String fields = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor());
        // Outer then inner header; checksum status 1 = good.
        assertEquals("10.0.2.2,10.0.1.2\t10.0.3.12,10.100.0.1\t4,6\t1,1\t80", fields);
    }
}
