package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.conf.Errors.gateway;
import static io.dsrgw.conf.Errors.gatewayFails;
import static io.dsrgw.conf.Errors.gwExtra;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ingress.kind = xdp} and {@code ingress.xdp { interfaces, mode }} (issue 11). */
class XdpIngressValidationTest {

    @Test
    void shouldReadAnXdpIngressWithItsInterfacesAndMode() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(
            gwExtra("ingress { kind = xdp, xdp { interfaces = [eth0, \"veth-gw.1\"], mode = generic } }"), "t.conf");
        assertTrue(c.ingress().isXdp());
        assertEquals(List.of("eth0", "veth-gw.1"), c.ingress().xdp().interfaces());
        assertEquals(XdpConfig.MODE_GENERIC, c.ingress().xdp().mode());
        assertEquals("dsr0", c.ingress().device(), "the TUN slow path keeps its default device");
    }

    @Test
    void shouldDefaultToNativeModeAndTunIngress() throws ConfigException {
        GatewayConfig xdp = ConfigLoader.parseGateway(gwExtra("ingress { kind = xdp, xdp.interfaces = [eth0] }"),
            "t.conf");
        assertEquals(XdpConfig.MODE_NATIVE, xdp.ingress().xdp().mode());
        GatewayConfig tun = ConfigLoader.parseGateway(gwExtra(""), "t.conf");
        assertFalse(tun.ingress().isXdp());
        assertEquals(List.of(), tun.ingress().xdp().interfaces());
    }

    @Test
    void shouldRequireInterfacesWhenTheKindIsXdp() {
        gatewayFails(gwExtra("ingress { kind = xdp }"),
            "t.conf:5 dsrgw.gateway.ingress.xdp.interfaces: missing (expected: a non-empty list of 1..64 distinct "
                + "interface names (1..15 characters of [A-Za-z0-9_.-]), e.g. [\"eth0\"])");
    }

    @Test
    void shouldRejectAnEmptyInterfaceList() {
        gatewayFails(gwExtra("ingress { kind = xdp, xdp.interfaces = [] }"),
            "t.conf:5 dsrgw.gateway.ingress.xdp.interfaces: [] (expected: a non-empty list of 1..64 distinct "
                + "interface names (1..15 characters of [A-Za-z0-9_.-]), e.g. [\"eth0\"])");
    }

    @Test
    void shouldRejectABadInterfaceNameADuplicateAndTheTunDevice() {
        assertEquals(List.of(
            "t.conf:5 dsrgw.gateway.ingress.xdp.interfaces[0]: \"eth0 \" (expected: 1..15 characters of "
                + "[A-Za-z0-9_.-])",
            "t.conf:5 dsrgw.gateway.ingress.xdp.interfaces[2]: \"eth1\" (expected: distinct interface names; eth1 is "
                + "already listed at t.conf:5)",
            "t.conf:5 dsrgw.gateway.ingress.xdp.interfaces[3]: \"dsr0\" (expected: an interface VIP traffic arrives on, "
                + "not the TUN device ingress.device (dsr0): the TUN is the slow path behind the XDP program)"),
            gateway(gwExtra("ingress { kind = xdp, xdp.interfaces = [\"eth0 \", eth1, eth1, dsr0] }")));
    }

    @Test
    void shouldRejectAnUnknownModeAndUnknownKeys() {
        assertEquals(List.of(
            "t.conf:5 dsrgw.gateway.ingress.xdp.queue: unknown key (expected: one of interfaces, mode)",
            "t.conf:5 dsrgw.gateway.ingress.xdp.mode: \"driver\" (expected: native or generic)"),
            gateway(gwExtra("ingress { kind = xdp, xdp { interfaces = [eth0], mode = driver, queue = 1 } }")));
    }

    @Test
    void shouldReadTheWorkersRealtimePriorityOffByDefault() throws ConfigException {
        assertEquals(0, ConfigLoader.parseGateway(gwExtra(""), "t.conf").ingress().realtimePriority());
        assertEquals(1, ConfigLoader.parseGateway(gwExtra("ingress.realtime-priority = 1"), "t.conf").ingress()
            .realtimePriority());
        gatewayFails(gwExtra("ingress.realtime-priority = 100"),
            "t.conf:5 dsrgw.gateway.ingress.realtime-priority: 100 (expected: an integer 0..99)");
    }

    @Test
    void shouldReadTheKnownSourcesPerSecond200ByDefaultAndRefuseANegativeOrTooLargeOne() throws ConfigException {
        assertEquals(200, ConfigLoader.parseGateway(gwExtra(""), "t.conf").ingress().knownSourcesPerSecond());
        assertEquals(0, ConfigLoader.parseGateway(gwExtra("ingress.known-sources-per-second = 0"), "t.conf")
            .ingress().knownSourcesPerSecond());
        gatewayFails(gwExtra("ingress.known-sources-per-second = -1"),
            "t.conf:5 dsrgw.gateway.ingress.known-sources-per-second: -1 (expected: an integer 0..65536)");
        gatewayFails(gwExtra("ingress.known-sources-per-second = 65537"),
            "t.conf:5 dsrgw.gateway.ingress.known-sources-per-second: 65537 (expected: an integer 0..65536)");
    }

    @Test
    void shouldReadTheEgressPacketByDefaultAndRefuseAnythingButPacketOrRaw() throws ConfigException {
        assertEquals("packet", ConfigLoader.parseGateway(gwExtra(""), "t.conf").ingress().egress());
        assertEquals("raw", ConfigLoader.parseGateway(gwExtra("ingress.egress = raw"), "t.conf").ingress().egress());
        gatewayFails(gwExtra("ingress.egress = af_packet"),
            "t.conf:5 dsrgw.gateway.ingress.egress: \"af_packet\" (expected: packet or raw)");
        gatewayFails(gwExtra("ingress.egress = 1"),
            "t.conf:5 dsrgw.gateway.ingress.egress: 1 (expected: packet or raw)");
    }

    @Test
    void shouldReadTheNewFlowQueueAutoByDefaultAndRefuseAnythingButAutoOnOrOff() throws ConfigException {
        assertEquals("auto", ConfigLoader.parseGateway(gwExtra(""), "t.conf").ingress().newFlowQueue());
        assertEquals("on", ConfigLoader.parseGateway(gwExtra("ingress.new-flow-queue = on"), "t.conf").ingress()
            .newFlowQueue());
        assertEquals("off", ConfigLoader.parseGateway(gwExtra("ingress.new-flow-queue = \"off\""), "t.conf")
            .ingress().newFlowQueue());
        gatewayFails(gwExtra("ingress.new-flow-queue = yes"),
            "t.conf:5 dsrgw.gateway.ingress.new-flow-queue: \"yes\" (expected: auto, on or off)");
        gatewayFails(gwExtra("ingress.new-flow-queue = true"),
            "t.conf:5 dsrgw.gateway.ingress.new-flow-queue: true (expected: auto, on or off)");
    }
}
