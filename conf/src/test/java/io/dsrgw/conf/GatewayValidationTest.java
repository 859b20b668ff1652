package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import java.util.List;

import static io.dsrgw.conf.Errors.gateway;
import static io.dsrgw.conf.Errors.gatewayFails;
import static io.dsrgw.conf.Errors.gw;
import static io.dsrgw.conf.Errors.gwBackend;
import static io.dsrgw.conf.Errors.gwExtra;
import static io.dsrgw.conf.Errors.gwVip;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per gateway validation rule; each asserts the complete list of problems. */
class GatewayValidationTest {

    @Test
    void baseConfigOfTheseTestsIsValid() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gw("", "", ""), "t.conf");
        assertEquals(2, c.backendCount());
    }

    // ---- unknown keys

    @Test
    void shouldSuggestTheClosestKeyForAnUnknownGatewayKey() {
        gatewayFails(gwExtra("tunnel-mut = 1400"),
            "t.conf:5 dsrgw.gateway.tunnel-mut: unknown key (expected: did you mean tunnel-mtu?)");
    }

    @Test
    void shouldReportUnknownKeysInsideBackends() {
        gatewayFails(gwBackend(", wieght = 5"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].wieght: unknown key (expected: did you mean weight?)");
    }

    @Test
    void shouldReportUnknownVipKeysAndSuggestPortsForPort() {
        gatewayFails(gwVip(", port = 80"),
            "t.conf:7 dsrgw.gateway.vips[0].port: unknown key (expected: did you mean ports?)");
    }

    @Test
    void shouldListTheKnownKeysWhenNothingIsClose() {
        gatewayFails(gwExtra("ingress { zzzzzzzz = 1 }"),
            "t.conf:5 dsrgw.gateway.ingress.zzzzzzzz: unknown key (expected: one of kind, device, queues, xdp, realtime-priority, egress, new-flow-queue, known-sources-per-second)");
    }

    @Test
    void shouldReportAMisspelledRootKey() {
        List<String> errors = gateway("dsrwg.gateway { hash-seed = x }\n");
        assertEquals(List.of(
            "t.conf:1 dsrwg: unknown key (expected: did you mean dsrgw?)",
            "t.conf:1 dsrgw.gateway: missing (expected: a dsrgw.gateway { ... } section)"), errors);
    }

    @Test
    void shouldNameTheOnlyAllowedRootKey() {
        List<String> errors = gateway(gw("", "", "") + "foo = 1\n");
        assertEquals(List.of("t.conf:11 foo: unknown key (expected: the only key here is dsrgw)"), errors);
    }

    @Test
    void shouldReportUnknownKeysInTheDefaultsBlock() {
        gatewayFails(gwExtra("defaults.backend.waight = 3"),
            "t.conf:5 dsrgw.gateway.defaults.backend.waight: unknown key (expected: did you mean weight?)");
    }

    // ---- types

    @Test
    void shouldRejectAStringWhereAnIntegerBelongs() {
        gatewayFails(gwExtra("tunnel-mtu = big"),
            "t.conf:5 dsrgw.gateway.tunnel-mtu: \"big\" (expected: an integer 576..65535)");
    }

    @Test
    void shouldRejectAFractionWhereAnIntegerBelongs() {
        gatewayFails(gwExtra("ttl = 6.5"), "t.conf:5 dsrgw.gateway.ttl: 6.5 (expected: an integer 1..255)");
    }

    @Test
    void shouldAcceptAQuotedInteger() {
        assertDoesNotThrow(() -> ConfigLoader.parseGateway(gwExtra("ttl = \"32\""), "t.conf"));
    }

    @Test
    void shouldRejectAScalarWhereAnObjectBelongs() {
        gatewayFails(gwExtra("ingress = 5"),
            "t.conf:5 dsrgw.gateway.ingress: 5 (expected: an object { kind, device, queues })");
    }

    @Test
    void shouldRejectASinglePortThatIsNotAList() {
        gatewayFails(gw("", "", "").replace("ports = [80]", "ports = 80"),
            "t.conf:7 dsrgw.gateway.vips[0].ports: 80 (expected: a non-empty list of ports 1..65535, e.g. [80, 443])");
    }

    @Test
    void shouldRejectAVipThatIsNotAnObject() {
        List<String> errors = gateway(gwExtra("").replace("vips = [{", "vips = [web, {"));
        assertEquals(List.of("t.conf:6 dsrgw.gateway.vips[0]: \"web\" (expected: a list of VIP objects "
            + "{ name, address, protocol, ports, backends, ... })"), errors);
    }

    @Test
    void shouldRejectAnUnknownEnumValue() {
        gatewayFails(gwVip(", tunnel = ipipp"),
            "t.conf:7 dsrgw.gateway.vips[0].tunnel: \"ipipp\" (expected: ipip, gre, gue or none)");
    }

    // ---- addresses

    @Test
    void shouldRejectAnOctetAbove255() {
        gatewayFails(gwBackend("").replace("10.0.3.11", "10.0.3.311"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].address: \"10.0.3.311\" "
                + "(expected: an IPv4 or IPv6 address; 311 is not an octet 0..255)");
    }

    @Test
    void shouldNeverResolveAHostName() {
        long start = System.nanoTime();
        gatewayFails(gwBackend("").replace("10.0.3.11", "backend1.example"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].address: \"backend1.example\" "
                + "(expected: an IPv4 or IPv6 address; 4 dot-separated octets needed, found 2)");
        assertTrue(System.nanoTime() - start < 2_000_000_000L, "no DNS lookup");
    }

    @Test
    void shouldRejectALeadingZero() {
        gatewayFails(gwVip("").replace("10.100.0.1", "10.100.0.01"),
            "t.conf:7 dsrgw.gateway.vips[0].address: \"10.100.0.01\" "
                + "(expected: an IPv4 or IPv6 address; '01' has a leading zero (octal or decimal?))");
    }

    @Test
    void shouldRejectANumberWhereAnAddressBelongs() {
        gatewayFails(gwVip("").replace("10.100.0.1", "10.5"),
            "t.conf:7 dsrgw.gateway.vips[0].address: 10.5 (expected: an IPv4 or IPv6 address (dotted quad a.b.c.d))");
    }

    @Test
    void shouldRejectABadIpv6Address() {
        gatewayFails(gwVip("").replace("10.100.0.1", "\"fd00::1::2\""),
            "t.conf:7 dsrgw.gateway.vips[0].address: \"fd00::1::2\" "
                + "(expected: an IPv4 or IPv6 address; '::' may appear only once)");
    }

    @Test
    void shouldRejectAnIpv4TunnelSourceForIpv6() {
        gatewayFails(gwExtra("tunnel-source.ipv6 = 10.0.2.2"),
            "t.conf:5 dsrgw.gateway.tunnel-source.ipv6: \"10.0.2.2\" (expected: an IPv6 address; this is IPv4)");
    }

    @Test
    void shouldRejectAMulticastVip() {
        gatewayFails(gwVip("").replace("10.100.0.1", "224.0.0.5"),
            "t.conf:7 dsrgw.gateway.vips[0].address: \"224.0.0.5\" "
                + "(expected: a unicast IPv4 or IPv6 address (not unspecified, loopback, multicast or broadcast))");
    }

    @Test
    void shouldAcceptQuotedAndUnquotedIpv4Alike() throws ConfigException {
        GatewayConfig a = ConfigLoader.parseGateway(gwVip(""), "a.conf");
        GatewayConfig b = ConfigLoader.parseGateway(gwVip("").replace("10.100.0.1", "\"10.100.0.1\""), "b.conf");
        assertEquals(a.vips().get(0).address(), b.vips().get(0).address());
    }

    // ---- duplicates

    @Test
    void shouldRejectDuplicateVipNames() {
        gatewayFails(gwExtra("").replace("  }]\n", "  }, {\n    name = web, address = 10.100.0.2, protocol = tcp,"
                + " ports = [80], backends = []\n  }]\n"),
            "t.conf:10 dsrgw.gateway.vips[1].name: \"web\" (expected: a unique VIP name; web is already used at "
                + "t.conf:7)");
    }

    @Test
    void shouldRejectTwoVipsClaimingTheSameAddressProtocolAndPort() {
        gatewayFails(gwExtra("").replace("  }]\n", "  }, {\n    name = web2, address = 10.100.0.1, protocol = tcp,"
                + " ports = [443, 80], backends = []\n  }]\n"),
            "t.conf:10 dsrgw.gateway.vips[1].ports[1]: 80 (expected: a port no other VIP has; 10.100.0.1 tcp 80 "
                + "already belongs to VIP web at t.conf:7)");
    }

    @Test
    void shouldAllowTheSamePortForAnotherProtocol() {
        assertDoesNotThrow(() -> ConfigLoader.parseGateway(gwExtra("").replace("  }]\n", "  }, {\n    name = dns,"
            + " address = 10.100.0.1, protocol = udp, ports = [80], backends = []\n  }]\n"), "t.conf"));
    }

    @Test
    void shouldRejectAPortListedTwice() {
        gatewayFails(gwVip("").replace("ports = [80]", "ports = [80, 443, 80]"),
            "t.conf:7 dsrgw.gateway.vips[0].ports[2]: 80 (expected: unique ports; 80 is listed twice)");
    }

    @Test
    void shouldRejectADuplicateBackend() {
        gatewayFails(gwBackend("").replace("10.0.3.12", "10.0.3.11"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[1].address: \"10.0.3.11\" (expected: a backend address not "
                + "already in this VIP; 10.0.3.11 is listed at t.conf:8)");
    }

    // ---- ranges

    @Test
    void shouldRejectPortZero() {
        gatewayFails(gwVip("").replace("ports = [80]", "ports = [0]"),
            "t.conf:7 dsrgw.gateway.vips[0].ports[0]: 0 (expected: a port 1..65535)");
    }

    @Test
    void shouldRejectAnEmptyPortList() {
        gatewayFails(gwVip("").replace("ports = [80]", "ports = []"),
            "t.conf:7 dsrgw.gateway.vips[0].ports: [] (expected: a non-empty list of ports 1..65535, e.g. [80, 443])");
    }

    @Test
    void shouldRejectWeightAbove65535() {
        gatewayFails(gwBackend(", weight = 65536"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].weight: 65536 (expected: an integer 0..65535)");
    }

    @Test
    void shouldRejectTtlAbove255() {
        gatewayFails(gwExtra("ttl = 256"), "t.conf:5 dsrgw.gateway.ttl: 256 (expected: an integer 1..255)");
    }

    @Test
    void shouldRejectTunnelMtuBelow576() {
        gatewayFails(gwExtra("tunnel-mtu = 575"),
            "t.conf:5 dsrgw.gateway.tunnel-mtu: 575 (expected: an integer 576..65535)");
    }

    @Test
    void shouldRejectZeroQueues() {
        gatewayFails(gwExtra("ingress.queues = 0"),
            "t.conf:5 dsrgw.gateway.ingress.queues: 0 (expected: an integer 1..256)");
    }

    @Test
    void shouldRejectABatchAbove1024() {
        gatewayFails(gwExtra("batch-size = 1025"),
            "t.conf:5 dsrgw.gateway.batch-size: 1025 (expected: an integer 1..1024)");
    }

    @Test
    void shouldRejectRiseZeroAndFallAbove100() {
        List<String> errors = gateway(gwVip(", health-check { rise = 0, fall = 101 }"));
        assertEquals(List.of(
            "t.conf:7 dsrgw.gateway.vips[0].health-check.rise: 0 (expected: an integer 1..100)",
            "t.conf:7 dsrgw.gateway.vips[0].health-check.fall: 101 (expected: an integer 1..100)"), errors);
    }

    @Test
    void shouldRejectAHealthCheckIntervalBelow100ms() {
        gatewayFails(gwVip(", health-check { interval = 50ms, timeout = 10ms }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.interval: \"50ms\" "
                + "(expected: a duration 100ms..1h (e.g. 500ms, 1s, 10s))");
    }

    @Test
    void shouldRejectATimeoutLongerThanTheInterval() {
        gatewayFails(gwVip(", health-check { interval = 1s, timeout = 2s }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.timeout: \"2s\" "
                + "(expected: a timeout shorter than interval (1s): a probe must end before the next one starts)");
    }

    @Test
    void shouldRejectANonDurationString() {
        gatewayFails(gwVip(", health-check { interval = soon }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.interval: \"soon\" "
                + "(expected: a duration 100ms..1h (e.g. 500ms, 1s, 10s))");
    }

    @Test
    void shouldRejectAGreKeyAbove32Bits() {
        gatewayFails(gwVip(", tunnel = gre, gre-key = 4294967296"),
            "t.conf:7 dsrgw.gateway.vips[0].gre-key: 4294967296 (expected: an integer 0..4294967295)");
    }

    @Test
    void shouldRejectAnHttpPathWithoutLeadingSlash() {
        gatewayFails(gwVip(", health-check { type = http, path = healthz }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.path: \"healthz\" "
                + "(expected: an HTTP path starting with /, without spaces)");
    }

    // ---- maglev

    @Test
    void shouldRejectANonPrimeMaglevTableSize() {
        gatewayFails(gw("", "", "").replace("maglev-table-size = 65537", "maglev-table-size = 65536"),
            "t.conf:4 dsrgw.gateway.maglev-table-size: 65536 (expected: a prime number (next prime: 65537))");
    }

    @Test
    void shouldRejectAMaglevTableNotLargerThanTheBackendsOfAVip() {
        gatewayFails(gw("", "", "").replace("maglev-table-size = 65537", "maglev-table-size = 2"),
            "t.conf:8 dsrgw.gateway.vips[0].backends: [{\"address\":\"10.0.3.11\"},{\"address\":\"10.0.3.12\"}] "
                + "(expected: fewer backends (2) than maglev-table-size (2); raise maglev-table-size to a prime "
                + "such as 211)");
    }

    @Test
    void shouldRejectAMaglevTableAboveTheMaximum() {
        gatewayFails(gw("", "", "").replace("maglev-table-size = 65537", "maglev-table-size = 1000033"),
            "t.conf:4 dsrgw.gateway.maglev-table-size: 1000033 (expected: an integer 2..1000003)");
    }

    // ---- families and tunnels

    @Test
    void shouldRequireAnIpv4TunnelSourceForIpv4Backends() {
        List<String> errors = gateway(gw("", "", "").replace("  tunnel-source { ipv4 = 10.0.2.2 }\n",
            "  tunnel-source { ipv6 = \"fd00:2::2\" }\n"));
        String why = " (expected: tunnel-source.ipv4 to be set: an IPv4 backend needs an IPv4 outer source)";
        assertEquals(List.of(
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].address: \"10.0.3.11\"" + why,
            "t.conf:8 dsrgw.gateway.vips[0].backends[1].address: \"10.0.3.12\"" + why), errors);
    }

    @Test
    void shouldRequireAnIpv6TunnelSourceForIpv6Backends() {
        gatewayFails(gwBackend("").replace("10.0.3.11", "\"fd00:3::11\""),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].address: \"fd00:3::11\" (expected: tunnel-source.ipv6 to be"
                + " set: an IPv6 backend needs an IPv6 outer source)");
    }

    @Test
    void shouldNotBlameBackendsWhenTheTunnelSourceItselfIsBad() {
        gatewayFails(gw("", "", "").replace("ipv4 = 10.0.2.2", "ipv4 = 10.0.2"),
            "t.conf:2 dsrgw.gateway.tunnel-source.ipv4: \"10.0.2\" "
                + "(expected: an IPv4 address; 4 dot-separated octets needed, found 3)");
    }

    @Test
    void shouldRejectAGreKeyOnAnIpipVip() {
        gatewayFails(gwVip(", gre-key = 42"),
            "t.conf:7 dsrgw.gateway.vips[0].gre-key: 42 (expected: no gre-key on a VIP with tunnel = ipip "
                + "(set tunnel = gre, or tunnel = gre on a backend, to use a key))");
    }

    @Test
    void shouldAcceptAGreKeyWhenABackendOverridesToGre() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gw("", ", gre-key = 42", ", tunnel = gre"), "t.conf");
        VipConfig vip = c.vips().get(0);
        assertEquals(42L, vip.greKey());
        assertEquals(TunnelFamily.GRE, vip.backends().get(0).effectiveTunnel(vip));
        assertEquals(TunnelFamily.IPIP, vip.backends().get(1).effectiveTunnel(vip));
    }

    @Test
    void shouldExplainThatSitIsChosenByTheBackendFamily() {
        gatewayFails(gwBackend(", tunnel = sit"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].tunnel: \"sit\" (expected: ipip, gre, gue or none (sit is chosen "
                + "automatically: the backend's address family picks the outer header))");
    }

    // ---- required keys

    @Test
    void shouldRequireTheHashSeed() {
        gatewayFails(gw("", "", "").replace("  hash-seed = \"seed\"\n", "\n"),
            "t.conf:1 dsrgw.gateway.hash-seed: missing (expected: a non-empty string, the same on every gateway)");
    }

    @Test
    void shouldRejectAnEmptyHashSeed() {
        gatewayFails(gw("", "", "").replace("hash-seed = \"seed\"", "hash-seed = \"\""),
            "t.conf:3 dsrgw.gateway.hash-seed: \"\" (expected: a non-empty string, the same on every gateway)");
    }

    @Test
    void shouldReportRequiredVipKeysAtTheVipsLine() {
        List<String> errors = gateway(gw("", "", "").replace(
            "name = web, address = 10.100.0.1, protocol = tcp, ports = [80] ", "name = web"));
        assertEquals(List.of(
            "t.conf:6 dsrgw.gateway.vips[0].address: missing (expected: an IPv4 or IPv6 address)",
            "t.conf:6 dsrgw.gateway.vips[0].protocol: missing (expected: tcp or udp)",
            "t.conf:6 dsrgw.gateway.vips[0].ports: missing "
                + "(expected: a non-empty list of ports 1..65535, e.g. [80, 443])"), errors);
    }

    @Test
    void shouldRequireTheBackendsKeyButAllowAnEmptyList() throws ConfigException {
        gatewayFails(gw("", "", "").replace(
                "    backends = [{ address = 10.0.3.11 }, { address = 10.0.3.12 }]\n", "\n"),
            "t.conf:6 dsrgw.gateway.vips[0].backends: missing "
                + "(expected: a list of backend objects { address, weight, state }, possibly empty)");
        GatewayConfig c = ConfigLoader.parseGateway(gw("", "", "").replace(
            "backends = [{ address = 10.0.3.11 }, { address = 10.0.3.12 }]", "backends = []"), "t.conf");
        assertTrue(c.vips().get(0).backends().isEmpty());
    }

    @Test
    void shouldRejectAnExplicitNullForARequiredKey() {
        gatewayFails(gw("", "", "").replace("hash-seed = \"seed\"", "hash-seed = null"),
            "t.conf:3 dsrgw.gateway.hash-seed: null (expected: a non-empty string, the same on every gateway)");
    }

    // ---- names and admin

    @Test
    void shouldRejectATooLongIngressDevice() {
        gatewayFails(gwExtra("ingress.device = dsr0123456789abc"),
            "t.conf:5 dsrgw.gateway.ingress.device: \"dsr0123456789abc\" "
                + "(expected: 1..15 characters of [A-Za-z0-9_.-])");
    }

    @Test
    void shouldRejectAnUnknownIngressKind() {
        gatewayFails(gwExtra("ingress.kind = af_xdp"),
            "t.conf:5 dsrgw.gateway.ingress.kind: \"af_xdp\" (expected: tun, xdp or pcap)");
    }

    @Test
    void shouldRejectABadVipName() {
        gatewayFails(gwVip("").replace("name = web", "name = \"my web\""),
            "t.conf:7 dsrgw.gateway.vips[0].name: \"my web\" (expected: 1..64 characters of [A-Za-z0-9_.-])");
    }

    @Test
    void shouldRequireHostAndPortForAdminHttp() {
        gatewayFails(gwExtra("admin.http = \"127.0.0.1\""),
            "t.conf:5 dsrgw.gateway.admin.http: \"127.0.0.1\" (expected: " + AdminHttpAddress.RULE + ")");
    }

    @Test
    void shouldRequireBracketsAroundAnIpv6AdminHost() {
        gatewayFails(gwExtra("admin.http = \"::1:9180\""),
            "t.conf:5 dsrgw.gateway.admin.http: \"::1:9180\" (expected: " + AdminHttpAddress.RULE + ")");
    }

    /** Issue 13: check-config accepted what run then refused; now both apply AdminHttpAddress. */
    @Test
    void shouldRefuseANonLoopbackOrNamedAdminHttpHostAsRunDoes() {
        for (String bad : new String[] {"0.0.0.0:9180", "192.0.2.1:9180", "[2001:db8::1]:9180", "localhost:9180"}) {
            gatewayFails(gwExtra("admin.http = \"" + bad + "\""),
                "t.conf:5 dsrgw.gateway.admin.http: \"" + bad + "\" (expected: " + AdminHttpAddress.RULE + ")");
            assertNotNull(AdminHttpAddress.problem(bad), bad);
        }
        assertNull(AdminHttpAddress.problem("127.0.0.2:0"));
    }

    @Test
    void shouldReadAnOptionalReadOnlyAdminSocketWithTheSocketRules() throws ConfigException {
        assertEquals("", ConfigLoader.parseGateway(gwExtra(""), "t.conf").admin().socketReadOnly());
        GatewayConfig c = ConfigLoader.parseGateway(gwExtra("admin.socket-readonly = \"/run/dsrgw/ro.sock\""),
                "t.conf");
        assertEquals("/run/dsrgw/ro.sock", c.admin().socketReadOnly());
        gatewayFails(gwExtra("admin.socket-readonly = \"ro.sock\""),
            "t.conf:5 dsrgw.gateway.admin.socket-readonly: \"ro.sock\" (expected: an absolute path, e.g. "
                + "/run/dsrgw/gateway-ro.sock)");
        gatewayFails(gwExtra("admin.socket-readonly = \"/run/dsrgw/gateway.sock\""),
            "t.conf:5 dsrgw.gateway.admin.socket-readonly: \"/run/dsrgw/gateway.sock\" (expected: a path other "
                + "than admin.socket)");
    }

    @Test
    void shouldAcceptABracketedIpv6AdminHost() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gwExtra("admin.http = \"[::1]:9180\""), "t.conf");
        assertEquals("[::1]:9180", c.admin().http());
    }

    @Test
    void shouldRequireAnAbsoluteAdminSocketPath() {
        gatewayFails(gwExtra("admin.socket = gateway.sock"),
            "t.conf:5 dsrgw.gateway.admin.socket: \"gateway.sock\" "
                + "(expected: an absolute path, e.g. /run/dsrgw/gateway.sock)");
    }
    /** An absolute path of exactly {@code bytes} UTF-8 bytes: /run/ + padding + /gateway.sock. */
    private static String socketPath(int bytes, char pad) {
        String head = "/run/";
        String tail = "/gateway.sock";
        int padBytes = bytes - head.length() - tail.length();
        int perChar = String.valueOf(pad).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertEquals(0, padBytes % perChar, "padding does not divide evenly");
        return head + String.valueOf(pad).repeat(padBytes / perChar) + tail;
    }

    @Test
    void shouldRejectAnAdminSocketPathLongerThanSunPathWithItsLengthAndTheLimit() {
        String path = socketPath(131, 'd');
        gatewayFails(gwExtra("admin.socket = \"" + path + "\""),
            "t.conf:5 dsrgw.gateway.admin.socket: \"" + path + "\" is 131 bytes "
                + "(expected: a unix socket path of at most 107 bytes)");
    }

    @Test
    void shouldRejectAnAdminSocketPathOneByteOverTheLimit() {
        String path = socketPath(108, 'd');
        gatewayFails(gwExtra("admin.socket = \"" + path + "\""),
            "t.conf:5 dsrgw.gateway.admin.socket: \"" + path + "\" is 108 bytes "
                + "(expected: a unix socket path of at most 107 bytes)");
    }

    @Test
    void shouldAcceptAnAdminSocketPathOfExactly107Bytes() throws ConfigException {
        String path = socketPath(107, 'd');
        GatewayConfig c = ConfigLoader.parseGateway(gwExtra("admin.socket = \"" + path + "\""), "t.conf");
        assertEquals(path, c.admin().socket());
    }

    @Test
    void shouldCountTheAdminSocketPathInUtf8BytesNotCharacters() {
        // 'é' is 2 bytes: 60 characters of padding make 138 bytes in 78 characters.
        String path = socketPath(138, '\u00e9');
        assertTrue(path.length() < 107, "the path must be short in characters for this test: " + path.length());
        gatewayFails(gwExtra("admin.socket = \"" + path + "\""),
            "t.conf:5 dsrgw.gateway.admin.socket: \"" + path + "\" is 138 bytes "
                + "(expected: a unix socket path of at most 107 bytes)");
    }
}
