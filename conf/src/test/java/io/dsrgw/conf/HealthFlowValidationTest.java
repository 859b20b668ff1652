package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static io.dsrgw.conf.Errors.gateway;
import static io.dsrgw.conf.Errors.gatewayFails;
import static io.dsrgw.conf.Errors.gw;
import static io.dsrgw.conf.Errors.gwBackend;
import static io.dsrgw.conf.Errors.gwExtra;
import static io.dsrgw.conf.Errors.gwVip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 5 keys: removed-backend-grace, flow-table, vips[].flow-table, health-check types and overrides. */
class HealthFlowValidationTest {

    private static GatewayConfig ok(String hocon) {
        try {
            return ConfigLoader.parseGateway(hocon, Errors.FILE);
        } catch (ConfigException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }

    private static HealthCheckConfig vipCheck(String vip) {
        return ok(gwVip(vip)).vips().get(0).healthCheck();
    }

    // ---- removed-backend-grace

    @Test
    void shouldReadTheRemovedBackendGraceFrom0sTo1h() {
        assertEquals(Duration.ZERO, ok(gwExtra("removed-backend-grace = 0s")).removedBackendGrace());
        assertEquals(Duration.ofHours(1), ok(gwExtra("removed-backend-grace = 1h")).removedBackendGrace());
        gatewayFails(gwExtra("removed-backend-grace = 61m"), "t.conf:5 dsrgw.gateway.removed-backend-grace: \"61m\" "
            + "(expected: a duration 0s..1h (e.g. 500ms, 1s, 10s))");
        gatewayFails(gwExtra("removed-backend-grace = -1s"), "t.conf:5 dsrgw.gateway.removed-backend-grace: "
            + "\"-1s\" (expected: a duration 0s..1h (e.g. 500ms, 1s, 10s))");
        gatewayFails(gwExtra("removed-backend-grase = 1s"),
            "t.conf:5 dsrgw.gateway.removed-backend-grase: unknown key (expected: did you mean removed-backend-grace?)");
    }

    // ---- flow-table

    @Test
    void shouldReadEveryFlowTableKey() {
        FlowTableConfig f = ok(gwExtra("flow-table { capacity = 1024, tcp-syn-timeout = 1s, "
            + "tcp-established-timeout = 1d, tcp-closing-timeout = 2s, udp-timeout = 3s, other-timeout = 4s }"))
            .flowTable();
        assertEquals(new FlowTableConfig(1024, Duration.ofSeconds(1), Duration.ofDays(1), Duration.ofSeconds(2),
            Duration.ofSeconds(3), Duration.ofSeconds(4)), f);
        assertEquals(1 << 26, ok(gwExtra("flow-table.capacity = 67108864")).flowTable().capacity());
    }

    @Test
    void shouldRequireAPowerOfTwoCapacityAndNameTheNearestOnes() {
        gatewayFails(gwExtra("flow-table.capacity = 1000000"), "t.conf:5 dsrgw.gateway.flow-table.capacity: 1000000 "
            + "(expected: a power of two 1024..67108864 (nearest: 524288 or 1048576))");
    }

    @Test
    void shouldBoundTheCapacity() {
        gatewayFails(gwExtra("flow-table.capacity = 512"),
            "t.conf:5 dsrgw.gateway.flow-table.capacity: 512 (expected: an integer 1024..67108864)");
        gatewayFails(gwExtra("flow-table.capacity = 134217728"),
            "t.conf:5 dsrgw.gateway.flow-table.capacity: 134217728 (expected: an integer 1024..67108864)");
    }

    @Test
    void shouldBoundEveryFlowTimeout() {
        List<String> errors = gateway(gwExtra("flow-table { tcp-syn-timeout = 500ms, tcp-established-timeout = 2d, "
            + "tcp-closing-timeout = 0s, udp-timeout = never, other-timeout = 25h }"));
        String range = " (expected: a duration 1s..24h (e.g. 500ms, 1s, 10s))";
        assertEquals(List.of(
            "t.conf:5 dsrgw.gateway.flow-table.other-timeout: \"25h\"" + range,
            "t.conf:5 dsrgw.gateway.flow-table.tcp-closing-timeout: \"0s\"" + range,
            "t.conf:5 dsrgw.gateway.flow-table.tcp-established-timeout: \"2d\"" + range,
            "t.conf:5 dsrgw.gateway.flow-table.tcp-syn-timeout: \"500ms\"" + range,
            "t.conf:5 dsrgw.gateway.flow-table.udp-timeout: \"never\"" + range), errors.stream().sorted().toList());
    }

    @Test
    void shouldSuggestFlowTableKeys() {
        gatewayFails(gwExtra("flow-table { udp-timout = 5s }"),
            "t.conf:5 dsrgw.gateway.flow-table.udp-timout: unknown key (expected: did you mean udp-timeout?)");
        gatewayFails(gwExtra("flow-tabel.capacity = 1024"),
            "t.conf:5 dsrgw.gateway.flow-tabel: unknown key (expected: did you mean flow-table?)");
        gatewayFails(gwExtra("flow-table = 5"), "t.conf:5 dsrgw.gateway.flow-table: 5 (expected: an object { "
            + "capacity, tcp-syn-timeout, tcp-established-timeout, tcp-closing-timeout, udp-timeout, other-timeout })");
    }

    @Test
    void flowTableRecordRejectsABadCapacity() {
        Duration s = Duration.ofSeconds(1);
        assertThrows(IllegalArgumentException.class, () -> new FlowTableConfig(3000, s, s, s, s, s));
        assertThrows(IllegalArgumentException.class, () -> new FlowTableConfig(512, s, s, s, s, s));
        assertEquals(64L * 1024 * 4, new FlowTableConfig(1024, s, s, s, s, s).memoryBytes(4));
    }

    // ---- vips[].flow-table

    @Test
    void shouldSwitchAVipToStateless() {
        VipConfig v = ok(gwVip(", flow-table = false")).vips().get(0);
        assertFalse(v.flowTable());
        assertTrue(v.toString().contains(" stateless"), v.toString());
        assertTrue(ok(gwVip(", flow-table = on")).vips().get(0).flowTable());
        gatewayFails(gwVip(", flow-table = maybe"),
            "t.conf:7 dsrgw.gateway.vips[0].flow-table: \"maybe\" (expected: true or false)");
        gatewayFails(gwVip(", flowtable = false"),
            "t.conf:7 dsrgw.gateway.vips[0].flowtable: unknown key (expected: did you mean flow-table?)");
    }

    // ---- health-check types

    @Test
    void shouldGiveTheAgentTypeItsPortAndPath() {
        HealthCheckConfig h = vipCheck(", health-check { type = agent }");
        assertEquals(new HealthCheckConfig("agent", 9181, "/ready", Duration.ofMillis(250), Duration.ofMillis(200),
            2, 3), h);
        assertEquals(9000, vipCheck(", health-check { type = agent, port = 9000, path = /r }").port());
        assertEquals("/r", vipCheck(", health-check { type = agent, port = 9000, path = /r }").path());
    }

    @Test
    void shouldAcceptTheTunnelTypeWithoutPortOrPath() {
        HealthCheckConfig h = vipCheck(", health-check { type = tunnel }");
        assertEquals("tunnel", h.type());
        assertEquals(0, h.port());
        assertEquals(80, vipCheck(", health-check { type = tunnel, port = 80 }").port());
        gatewayFails(gwVip(", health-check { type = tunnel, path = /x }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.path: \"/x\" "
                + "(expected: no path with type = tunnel (only http, https and agent probe a path))");
    }

    @Test
    void shouldRejectAPathOnATcpCheck() {
        gatewayFails(gwVip(", health-check { path = /x }"), "t.conf:7 dsrgw.gateway.vips[0].health-check.path: \"/x\" "
            + "(expected: no path with type = tcp (only http, https and agent probe a path))");
    }

    @Test
    void shouldAcceptHttpsWithTheVipPortAndHttpDefaults() {
        HealthCheckConfig h = vipCheck(", health-check { type = https, path = /hz }");
        assertEquals(new HealthCheckConfig("https", 80, "/hz", Duration.ofMillis(250), Duration.ofMillis(200), 2, 3,
            IntRanges.of(200, 399)), h);
        assertTrue(h.isHttp());
    }

    @Test
    void shouldSuggestTheClosestTypeKeyAndListTheTypes() {
        gatewayFails(gwVip(", health-check { type = grpc }"), "t.conf:7 dsrgw.gateway.vips[0].health-check.type: "
            + "\"grpc\" (expected: tcp, http, https, agent or tunnel)");
        gatewayFails(gwVip(", health-check { expected-stat = 200 }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-stat: unknown key "
                + "(expected: did you mean expected-status?)");
    }

    // ---- expected-status

    @Test
    void shouldReadStatusesRangesAndListsOfThem() {
        assertEquals(IntRanges.of(200, 200), vipCheck(", health-check { type = http, expected-status = 200 }")
            .expectedStatus());
        assertEquals(IntRanges.of(200, 299), vipCheck(", health-check { type = http, expected-status = \"200-299\" }")
            .expectedStatus());
        IntRanges r = vipCheck(", health-check { type = http, expected-status = [204, \"300-302\", 200, \"100\"] }")
            .expectedStatus();
        assertEquals("[100, 200, 204, 300-302]", r.toString());
        assertTrue(r.contains(301));
        assertFalse(r.contains(303));
        assertFalse(r.contains(201));
        // Adjacent entries merge: the same set compares equal however it was written.
        assertEquals(IntRanges.of(200, 202), vipCheck(", health-check { type = https, expected-status = "
            + "[200, 201, \"202-202\"] }").expectedStatus());
    }

    @Test
    void shouldRejectStatusesOutside100To599() {
        gatewayFails(gwVip(", health-check { type = http, expected-status = 600 }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status: 600 (expected: an HTTP status 100..599 or "
                + "a range such as \"200-399\"; HTTP statuses are 100..599)");
        gatewayFails(gwVip(", health-check { type = http, expected-status = [\"99-200\"] }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status[0]: \"99-200\" (expected: an HTTP status "
                + "100..599 or a range such as \"200-399\"; HTTP statuses are 100..599)");
    }

    @Test
    void shouldRejectMalformedAndReversedRanges() {
        gatewayFails(gwVip(", health-check { type = http, expected-status = 2xx }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status: \"2xx\" (expected: an HTTP status 100..599 or "
                + "a range such as \"200-399\")");
        gatewayFails(gwVip(", health-check { type = http, expected-status = \"399-200\" }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status: \"399-200\" (expected: an HTTP status "
                + "100..599 or a range such as \"200-399\"; the range is empty (write it low-high: \"200-399\"))");
        gatewayFails(gwVip(", health-check { type = http, expected-status = 200.5 }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status: 200.5 (expected: an HTTP status 100..599 "
                + "or a range such as \"200-399\")");
    }

    @Test
    void shouldRejectAnEmptyListAndOverlaps() {
        gatewayFails(gwVip(", health-check { type = http, expected-status = [] }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status: [] (expected: an HTTP status 100..599 or "
                + "a range such as \"200-399\", or a non-empty list of them, e.g. [200, \"300-399\"])");
        gatewayFails(gwVip(", health-check { type = http, expected-status = [\"200-299\", 204] }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status[1]: 204 "
                + "(expected: statuses not already listed; 204 is also in \"200-299\")");
    }

    @Test
    void shouldRejectExpectedStatusOnTypesThatHaveNone() {
        gatewayFails(gwVip(", health-check { expected-status = 200 }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status: 200 "
                + "(expected: no expected-status with type = tcp (only http and https check a status))");
        gatewayFails(gwVip(", health-check { type = agent, expected-status = 200 }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.expected-status: 200 (expected: no expected-status with "
                + "type = agent (the agent's answer decides: 200 ready, 503 draining or not-ready))");
    }

    @Test
    void shouldTakeExpectedStatusFromTheDefaults() {
        HealthCheckConfig h = vipCheck(", health-check { type = http }");
        assertEquals(IntRanges.HTTP_2XX_3XX, h.expectedStatus());
        GatewayConfig c = ok(gw("defaults.health-check.expected-status = [200]", ", health-check { type = http }",
            ""));
        assertEquals(IntRanges.HTTP_200, c.vips().get(0).healthCheck().expectedStatus());
        gatewayFails(gwExtra("defaults.health-check.expected-status = 0"),
            "t.conf:5 dsrgw.gateway.defaults.health-check.expected-status: 0 (expected: an HTTP status 100..599 or "
                + "a range such as \"200-399\"; HTTP statuses are 100..599)");
    }

    // ---- timeout < interval

    @Test
    void shouldRejectATimeoutEqualToTheInterval() {
        gatewayFails(gwVip(", health-check { interval = 1s, timeout = 1s }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.timeout: \"1s\" "
                + "(expected: a timeout shorter than interval (1s): a probe must end before the next one starts)");
    }

    @Test
    void shouldBlameTheIntervalWhenOnlyItWasWritten() {
        gatewayFails(gwVip(", health-check { interval = 200ms }"),
            "t.conf:7 dsrgw.gateway.vips[0].health-check.interval: \"200ms\" "
                + "(expected: an interval longer than timeout (200ms): a probe must end before the next one starts)");
    }

    @Test
    void shouldCheckTheDefaultsPairOnceAtTheDefaults() {
        // VIPs that inherit the bad pair are not blamed again.
        gatewayFails(gw("defaults.health-check { interval = 1s, timeout = 1s }", ", health-check {}", ""),
            "t.conf:5 dsrgw.gateway.defaults.health-check.timeout: \"1s\" "
                + "(expected: a timeout shorter than interval (1s): a probe must end before the next one starts)");
        gatewayFails(gwExtra("defaults.health-check { interval = 150ms }"),
            "t.conf:5 dsrgw.gateway.defaults.health-check.interval: \"150ms\" "
                + "(expected: an interval longer than timeout (200ms): a probe must end before the next one starts)");
    }

    // ---- per-backend override

    @Test
    void shouldInheritEveryKeyFromTheVipsCheck() {
        VipConfig v = ok(gw("", ", health-check { type = http, port = 8080, path = /hz, expected-status = 200, "
            + "interval = 1s, timeout = 500ms, rise = 4, fall = 5 }", ", health-check { rise = 1 }")).vips().get(0);
        HealthCheckConfig vip = v.healthCheck();
        BackendConfig b0 = v.backends().get(0);
        assertEquals(new HealthCheckConfig("http", 8080, "/hz", Duration.ofSeconds(1), Duration.ofMillis(500), 1, 5,
            IntRanges.HTTP_200), b0.healthCheck());
        assertEquals(b0.healthCheck(), b0.effectiveHealthCheck(v));
        BackendConfig b1 = v.backends().get(1);
        assertNull(b1.healthCheck());
        assertEquals(vip, b1.effectiveHealthCheck(v));
    }

    @Test
    void shouldGiveAnOverriddenTypeItsOwnPortAndPath() {
        VipConfig v = ok(gw("", ", health-check { type = http, port = 8080, path = /hz }",
            ", health-check { type = agent }")).vips().get(0);
        HealthCheckConfig h = v.backends().get(0).healthCheck();
        assertEquals("agent", h.type());
        assertEquals(9181, h.port());
        assertEquals("/ready", h.path());
        HealthCheckConfig tcp = ok(gw("", ", health-check { type = agent }", ", health-check { type = tcp }"))
            .vips().get(0).backends().get(0).healthCheck();
        assertEquals(80, tcp.port());
    }

    @Test
    void shouldProbeABackendWhoseVipHasNoCheck() {
        VipConfig v = ok(gwBackend(", health-check { type = agent }")).vips().get(0);
        assertNull(v.healthCheck());
        assertEquals(new HealthCheckConfig("agent", 9181, "/ready", Duration.ofMillis(250), Duration.ofMillis(200),
            2, 3), v.backends().get(0).healthCheck());
        assertNull(v.backends().get(1).effectiveHealthCheck(v));
    }

    @Test
    void shouldValidateTheOverrideLikeTheVipsCheck() {
        List<String> errors = gateway(gwBackend(", health-check { type = udp, port = 0, rise = 0, timeuot = 1s, "
            + "expected-status = 700 }"));
        String at = "t.conf:8 dsrgw.gateway.vips[0].backends[0].health-check.";
        assertEquals(List.of(
            at + "expected-status: 700 (expected: an HTTP status 100..599 or a range such as \"200-399\"; "
                + "HTTP statuses are 100..599)",
            at + "port: 0 (expected: an integer 1..65535)",
            at + "rise: 0 (expected: an integer 1..100)",
            at + "timeuot: unknown key (expected: did you mean timeout?)",
            at + "type: \"udp\" (expected: tcp, http, https, agent or tunnel)"), errors.stream().sorted().toList());
    }

    @Test
    void shouldCheckTheOverridesTimeoutAgainstTheInheritedInterval() {
        gatewayFails(gw("", ", health-check { interval = 1s, timeout = 500ms }", ", health-check { timeout = 1s }"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].health-check.timeout: \"1s\" "
                + "(expected: a timeout shorter than interval (1s): a probe must end before the next one starts)");
        gatewayFails(gwBackend(", health-check { type = tcp, expected-status = 200 }"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].health-check.expected-status: 200 "
                + "(expected: no expected-status with type = tcp (only http and https check a status))");
        gatewayFails(gwBackend(", health-check = yes"),
            "t.conf:8 dsrgw.gateway.vips[0].backends[0].health-check: \"yes\" (expected: an object { type, port, path, "
                + "expected-status, interval, timeout, rise, fall })");
    }

    @Test
    void backendToStringShowsItsOwnCheck() {
        BackendConfig b = new BackendConfig(InetAddress.ofLiteral("10.0.3.11"), 100, BackendState.ACTIVE, null,
            new HealthCheckConfig("tunnel", 0, "/", Duration.ofMillis(250), Duration.ofMillis(200), 2, 3));
        assertEquals("10.0.3.11 weight 100 active HealthCheckConfig[type=tunnel, port=0, path=/, interval=250ms, "
            + "timeout=200ms, rise=2, fall=3]", b.toString());
        assertEquals(Duration.ofMillis(950), b.healthCheck().detectionTime());
    }

    // ---- IntRanges

    @Test
    void intRangesMergeAndCompare() {
        IntRanges a = IntRanges.ofRanges(List.of(new int[] {300, 399}, new int[] {200, 299}));
        assertEquals(IntRanges.HTTP_2XX_3XX, a);
        assertEquals(IntRanges.HTTP_2XX_3XX.hashCode(), a.hashCode());
        assertEquals(1, a.rangeCount());
        assertEquals(200, a.low(0));
        assertEquals(399, a.high(0));
        assertFalse(a.contains(199));
        assertFalse(a.contains(400));
        assertThrows(IllegalArgumentException.class, () -> IntRanges.ofRanges(List.of()));
        assertThrows(IllegalArgumentException.class, () -> IntRanges.of(3, 2));
    }
}
