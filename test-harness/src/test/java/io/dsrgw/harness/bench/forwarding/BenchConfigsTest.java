package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.encap.ip.Ipv4Addresses;

class BenchConfigsTest {
    private static final Path WORK = Path.of("/tmp/dsrgw123/gateway.sock");

    @Test
    void shouldGiveTheTunGatewayOneUdpVipTunnelledToTheDestination() throws Exception {
        GatewayConfig g = ConfigLoader.parseGateway(BenchConfigs.tun(WORK), "bench-G.conf");
        assertEquals("tun", g.ingress().kind());
        assertEquals(1, g.ingress().queues());
        assertEquals(1, g.vips().size());
        VipConfig vip = g.vips().get(0);
        assertEquals(BenchNetwork.VIP, vip.address().getHostAddress());
        assertEquals(List.of(BenchNetwork.VIP_PORT), vip.ports());
        assertEquals(BenchNetwork.BACKEND_ADDRESS, vip.backends().get(0).address().getHostAddress());
        assertEquals(WORK.toString(), g.admin().socket());
        assertEquals("auto", g.ingress().newFlowQueue());
        assertEquals("off", ConfigLoader.parseGateway(BenchConfigs.tun(WORK, "off"), "bench-G.conf").ingress()
                .newFlowQueue());
    }

    @Test
    void shouldGiveTheXdpGatewayTheSameVipWithNativeXdpOnTheIngressAndEgressVeths() throws Exception {
        GatewayConfig x = ConfigLoader.parseGateway(BenchConfigs.xdp("fb0123-in", "fb0123-out", WORK), "bench-X.conf");
        GatewayConfig g = ConfigLoader.parseGateway(BenchConfigs.tun(WORK), "bench-G.conf");
        assertEquals("xdp", x.ingress().kind());
        assertEquals(List.of("fb0123-in", "fb0123-out"), x.ingress().xdp().interfaces());
        assertEquals("native", x.ingress().xdp().mode());
        assertEquals(g.vips(), x.vips(), "G and X differ only in ingress");
        assertEquals(g.tunnelSource(), x.tunnelSource());
    }

    @Test
    void shouldLayOutTheEncapConfigAsBenchEncapsStruct() {
        byte[] v = BenchNetwork.encapConfig(0x01020304, Ipv4Addresses.parse("10.0.2.1"),
                Ipv4Addresses.parse("10.0.2.2"), UdpFrames.mac("02:00:0a:00:02:01"),
                UdpFrames.mac("02:00:0a:00:02:02"));
        assertArrayEquals(new byte[] {4, 3, 2, 1, 10, 0, 2, 1, 10, 0, 2, 2, 2, 0, 10, 0, 2, 1, 2, 0, 10, 0, 2, 2}, v);
    }

    @Test
    void shouldCutNapiThreadNamesAsTheKernelCutsComm() {
        assertEquals("napi/fb0123-in-", BenchNetwork.comm("napi/fb0123-in-"));
        assertEquals("napi/fb0123-out", BenchNetwork.comm("napi/fb0123-out-"));
    }

    @Test
    void shouldParseOptionsWithDefaultsAndRejectBadValues() {
        ForwardingBenchmark.Options d = ForwardingBenchmark.Options.parse(new String[0]);
        assertEquals(5, d.rounds());
        assertEquals(4.0, d.seconds());
        assertEquals(EnumSet.allOf(ForwardingPath.class), d.configs());
        ForwardingBenchmark.Options o = ForwardingBenchmark.Options.parse(new String[] {"--rounds", "3",
                "--seconds", "4", "--flows", "64", "--configs", "kl"});
        assertEquals(3, o.rounds());
        assertEquals(64, o.flows());
        assertEquals(EnumSet.of(ForwardingPath.K, ForwardingPath.L), o.configs());
        assertEquals("auto", d.newFlowQueue());
        assertEquals("off", ForwardingBenchmark.Options.parse(new String[] {"--new-flow-queue", "off"}).newFlowQueue());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ForwardingBenchmark.Options.parse(
                new String[] {"--new-flow-queue", "maybe"})).getMessage().contains("expected: auto, on or off"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ForwardingBenchmark.Options.parse(
                new String[] {"--rounds", "0"})).getMessage().contains("expected: an integer 1..100"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ForwardingBenchmark.Options.parse(
                new String[] {"--configs", "KQ"})).getMessage().contains("expected: letters of KGXL"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ForwardingBenchmark.Options.parse(
                new String[] {"--rounds"})).getMessage().contains("missing value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ForwardingBenchmark.Options.parse(
                new String[] {"--frobnicate", "1"})).getMessage().contains("unknown option"));
    }

    @Test
    void shouldReportTheGatewaysOwnErrorLineAsTheReasonXWasNotMeasured() {
        String log = "[main] INFO something\ndsr-gateway: run: ingress.kind: xdp (expected: tun; pcap input is for"
                + " dsr-gateway replay)\n\n";
        assertEquals("ingress.kind: xdp (expected: tun; pcap input is for dsr-gateway replay)",
                ForwardingBenchmark.gatewayError(log, "empty"));
        assertEquals("Exception in thread main java.lang.OutOfMemoryError", ForwardingBenchmark.gatewayError(
                "dsr-gateway: forwarding 1 VIPs on dsr0\nException in thread main java.lang.OutOfMemoryError\n"
                        + "\tat x.y\nflow_entries 0\n", "exited"));
        assertEquals("exited", ForwardingBenchmark.gatewayError("dsr-gateway: forwarding 1 VIPs on dsr0\n"
                + "rx_packets 5\nflow_entries 0\n", "exited"));
        assertEquals("exited", ForwardingBenchmark.gatewayError("\n \n", "exited"));
    }

    @Test
    void shouldCallWindowsWhereThePathKeptUpGeneratorLimited() {
        RoundResult refused = RoundResult.measured("K", 1, 1e6, 1e6, 900, 1.0, 5000);
        RoundResult dropped = RoundResult.measured("G", 1, 0.1e6, 0.9e6, 9000, 0.99, 0);
        RoundResult keptUp = RoundResult.measured("L", 1, 1e6, 1e6, 600, 0.99, 0);
        RoundResult idleCpu = RoundResult.measured("K", 2, 1e6, 1.2e6, 800, 0.7, 100);
        RoundResult refusedX = RoundResult.notMeasured("X", 1, "refused");
        assertTrue(ForwardingBenchmark.generatorVerdict(List.of(refused, dropped, refusedX))
                .startsWith("In every window CPU1 was at least 95% busy"));
        String v = ForwardingBenchmark.generatorVerdict(List.of(refused, dropped, keptUp, idleCpu));
        assertTrue(v.startsWith("GENERATOR-LIMITED windows") && v.endsWith(": L round 1, K round 2."), v);
        assertEquals("No window was measured.", ForwardingBenchmark.generatorVerdict(List.of(refusedX)));
    }
}
