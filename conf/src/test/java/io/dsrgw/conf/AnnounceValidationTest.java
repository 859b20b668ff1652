package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.dsrgw.conf.Errors.gateway;
import static io.dsrgw.conf.Errors.gatewayFails;
import static io.dsrgw.conf.Errors.gwExtra;
import static io.dsrgw.conf.Errors.gwVip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code announce { table, withdraw-grace }} and the per-VIP {@code announce} (issue 12). */
class AnnounceValidationTest {

    private static final String TABLE_RULE = "a routing table id 1..4294967295 other than 253 (default), 254 (main) "
        + "and 255 (local), e.g. 200: a table of its own, which BIRD's kernel protocol learns";

    @Test
    void shouldNotAnnounceWithoutATableAndAnnounceEveryVipByDefault() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gwExtra(""), "t.conf");
        assertFalse(c.announce().enabled());
        assertEquals(AnnounceConfig.DEFAULT_WITHDRAW_GRACE, c.announce().withdrawGrace());
        assertTrue(c.vips().get(0).announce());
    }

    @Test
    void shouldReadTheTableAndTheWithdrawGrace() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gwExtra("announce { table = 200, withdraw-grace = 12s }"),
            "t.conf");
        assertTrue(c.announce().enabled());
        assertEquals(200, c.announce().table());
        assertEquals(Duration.ofSeconds(12), c.announce().withdrawGrace());
        GatewayConfig top = ConfigLoader.parseGateway(gwExtra("announce.table = 4294967295"), "t.conf");
        assertEquals(4294967295L, top.announce().table(), "table ids are 32-bit unsigned");
    }

    @Test
    void shouldReadAVipThatIsNotAnnounced() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gwVip(", announce = false"), "t.conf");
        assertFalse(c.vips().get(0).announce());
    }

    @Test
    void shouldRejectTheSystemTablesAndTablesOutOfRange() {
        for (String t : new String[] {"253", "254", "255"}) {
            gatewayFails(gwExtra("announce.table = " + t), "t.conf:5 dsrgw.gateway.announce.table: " + t
                + " (expected: " + TABLE_RULE + "; the system's tables hold other routes, which BIRD would announce "
                + "too)");
        }
        for (String t : new String[] {"0", "-1", "4294967296", "main", "2.5"}) {
            List<String> errors = gateway(gwExtra("announce.table = " + t));
            assertEquals(1, errors.size(), t + ": " + errors);
            assertTrue(errors.get(0).startsWith("t.conf:5 dsrgw.gateway.announce.table: "), errors.get(0));
            assertTrue(errors.get(0).endsWith("(expected: " + TABLE_RULE + ")"), errors.get(0));
        }
    }

    @Test
    void shouldRejectABadWithdrawGraceAndUnknownKeysWithSuggestions() {
        assertEquals(List.of(
            "t.conf:5 dsrgw.gateway.announce.withdraw-grase: unknown key (expected: did you mean withdraw-grace?)",
            "t.conf:5 dsrgw.gateway.announce.withdraw-grace: \"11m\" (expected: a duration 0s..10m (e.g. 500ms, 1s, "
                + "10s))"),
            gateway(gwExtra("announce { table = 200, withdraw-grace = 11m, withdraw-grase = 1s }")));
        gatewayFails(gwExtra("announce = 200"),
            "t.conf:5 dsrgw.gateway.announce: 200 (expected: an object { table, withdraw-grace })");
    }

    @Test
    void shouldRejectANonBooleanVipAnnounce() {
        gatewayFails(gwVip(", announce = maybe"), "t.conf:7 dsrgw.gateway.vips[0].announce: \"maybe\" (expected: true "
            + "or false)");
    }

    @Test
    void shouldRequireVipsSharingAnAddressToAgreeOnAnnounce() {
        String twoVips = "dsrgw.gateway {\n"                                            // 1
            + "  tunnel-source { ipv4 = 10.0.2.2 }\n"                                   // 2
            + "  hash-seed = \"seed\"\n"                                                // 3
            + "  vips = [\n"                                                            // 4
            + "    { name = web, address = 10.100.0.1, protocol = tcp, ports = [80], backends = [] }\n" // 5
            + "    { name = dns, address = 10.100.0.1, protocol = udp, ports = [53], backends = [],\n" // 6
            + "      announce = false }\n"                                               // 7
            + "    { name = other, address = 10.100.0.2, protocol = udp, ports = [53], backends = [],\n" // 8
            + "      announce = false }\n"                                               // 9
            + "  ]\n"
            + "}\n";
        gatewayFails(twoVips, "t.conf:7 dsrgw.gateway.vips[1].announce: false (expected: announce = true like VIP web "
            + "at t.conf:5, which has the same address 10.100.0.1 (the announced route is per address))");
        String defaultSecond = twoVips.replace("announce = false }\n    { name = other", "}\n    { name = other")
            .replace("ports = [80], backends = [] }", "ports = [80], backends = [], announce = false }");
        gatewayFails(defaultSecond, "t.conf:6 dsrgw.gateway.vips[1].announce: true (the default) (expected: announce "
            + "= false like VIP web at t.conf:5, which has the same address 10.100.0.1 (the announced route is per "
            + "address))");
    }

    @Test
    void shouldReportAnAnnounceChangeAsAVipChangeAndASettingChange() throws ConfigException {
        GatewayConfig before = ConfigLoader.parseGateway(gwExtra(""), "t.conf");
        GatewayConfig vipOff = ConfigLoader.parseGateway(gwVip(", announce = false"), "t.conf");
        GatewayConfig table = ConfigLoader.parseGateway(gwExtra("announce.table = 200"), "t.conf");
        assertEquals(List.of("web"), ConfigDiff.between(before, vipOff).changed());
        assertTrue(ConfigDiff.onlyHealthChecks(before.vips().get(0), vipOff.vips().get(0)),
            "announce does not change forwarding: the VIP keeps its Maglev table");
        assertEquals(List.of("announce"), ConfigDiff.between(before, table).changedSettings());
    }

    @Test
    void shouldKeepAnnounceThroughWithVipsAndWithBackends() throws ConfigException {
        GatewayConfig c = ConfigLoader.parseGateway(gw("announce.table = 7", ", announce = false"), "t.conf");
        VipConfig v = c.vips().get(0).withBackends(List.of());
        assertFalse(v.announce());
        GatewayConfig changed = c.withVips(List.of(v));
        assertEquals(c.announce(), changed.announce());
        assertNotEquals(c, changed);
    }

    @Test
    void shouldRefuseAnInvalidAnnounceRecord() {
        assertThrows(IllegalArgumentException.class, () -> new AnnounceConfig(254, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new AnnounceConfig(200, Duration.ofSeconds(-1)));
        assertEquals("announce table 200 withdraw-grace 5s",
            new AnnounceConfig(200, AnnounceConfig.DEFAULT_WITHDRAW_GRACE).toString());
    }

    private static String gw(String extra, String vip) {
        return Errors.gw(extra, vip, "");
    }
}
