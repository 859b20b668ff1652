package io.dsrgw.harness.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.HeadlessChromium;
import io.dsrgw.harness.traffic.RequestLoad.Request;
import io.dsrgw.harness.traffic.RequestLoad;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The issue-2 end-to-end checks against the real {@code dsr-gateway run} and {@code dsr-agent run} processes in
 * one topology of 3 backends (started once for the class; ~10 s). The last test stops the gateway to read its
 * final counters, so the order is fixed. Issue 13: the gateway's and an agent's {@code /metrics} are scraped and
 * checked against the traffic, and the status page is loaded in headless Chromium (screenshot:
 * {@code target/status-page.png}).
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120)
class DsrEndToEndIT {
    /** Routed by the router to the gateway like the VIP, but not a VIP: the gateway must not forward it. */
    static final String NON_VIP = "10.100.0.99";
    static final int REQUESTS = 60;
    static final long BLOB_BYTES = 8L << 20;
    /** The gateway's admin HTTP (ScenarioConfigs), reachable inside the gateway's namespace. */
    static final String ADMIN_HTTP = "http://127.0.0.1:9180";

    private DsrScenario scenario;
    private Path work;

    @BeforeAll
    void startScenario() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("nft");
        NetnsAssumptions.assumeTool("curl");
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        work = Files.createTempDirectory(logs.toAbsolutePath(), "e2e-");
        scenario = DsrScenario.builder().backends(3).workDir(work).routeViaGateway(NON_VIP + "/32").start();
        System.out.println("[e2e] topology " + scenario.topology().prefix() + " up; logs in " + work);
    }

    @AfterAll
    void stopScenario() {
        if (scenario != null) {
            scenario.close();
        }
    }

    @Test
    @Order(1)
    void shouldSpreadNewConnectionsToTheVipOverEveryBackend() throws Exception {
        scenario.resetCounters();
        DsrScenario.Spread spread = scenario.spread(REQUESTS);
        System.out.println("[e2e] spread: " + spread.summary());
        assertTrue(spread.failures().isEmpty(), "failed requests: " + spread.failures() + "\n" + scenario.logTails());
        assertEquals(REQUESTS, spread.distinctLocalPorts(), "every request on its own connection");
        for (Backend b : scenario.topology().backends()) {
            assertTrue(spread.perBackend().get(b.name()) > 0, b.name() + " got no request: " + spread.perBackend());
        }
        assertEquals(scenario.topology().backends().size(), spread.perBackend().size(),
                "answers only from configured backends: " + spread.perBackend());
    }

    @Test
    @Order(2)
    void shouldDownloadAMultiMegabyteBodyThatMatchesItsChecksum() throws Exception {
        Curl.Download d = Curl.download(scenario.client(), DsrScenario.url("/blob?bytes=" + BLOB_BYTES),
                work.resolve("blob.bin"), Duration.ofSeconds(60));
        String expected = Blob.sha256Hex(BLOB_BYTES);
        System.out.printf("[e2e] download: %d bytes in %.2f s from %s, sha256 %s%n", d.response().bytes(),
                d.response().seconds(), d.response().headers().get("x-backend"), d.sha256Hex());
        assertTrue(d.response().ok(), d.response().describe() + "\n" + scenario.logTails());
        assertEquals(BLOB_BYTES, Files.size(d.file()));
        assertEquals(expected, d.response().headers().get("x-sha256"), "server's digest");
        assertEquals(expected, d.sha256Hex(), "digest of the bytes received");
        Files.delete(d.file());
    }

    @Test
    @Order(3)
    void shouldCarryOnlyClientToVipPacketsThroughTheGatewayWhileRepliesBypassIt() throws Exception {
        settle(); // the previous test's last packets (closing handshakes) must not straddle the reset
        scenario.resetCounters();
        DsrScenario.Spread spread = scenario.spread(20);
        Curl.Download d = Curl.download(scenario.client(), DsrScenario.url("/blob?bytes=" + (1 << 20)),
                work.resolve("blob1m.bin"), Duration.ofSeconds(30));
        settle(); // curl exits before its connection's last ACK has crossed every namespace
        DsrEvidence e = scenario.evidence();
        System.out.println("[e2e] DSR evidence over 20 requests + a 1 MiB download:\n" + e.summary());
        assertTrue(spread.failures().isEmpty() && d.response().ok(),
                spread.summary() + " / " + d.response().describe());
        assertTrue(e.clientSentToVip() > 0, "client sent to the VIP");
        assertEquals(e.clientSentToVip(), e.gatewayInClientToVip(), "every client->VIP packet reached the gateway");
        assertEquals(e.gatewayInClientToVip(), e.gatewayInIpv4(), "the gateway received nothing but client->VIP");
        assertEquals(0, e.gatewayInFromVip(), "packets from the VIP reached the gateway");
        assertEquals(0, e.gatewayOutFromVip(), "the gateway sent packets from the VIP");
        assertEquals(e.gatewayInClientToVip(), e.gatewayOutIpip(), "every client->VIP packet left encapsulated");
        assertEquals(e.gatewayOutIpip(), e.gatewayOutIpv4(), "the gateway sent nothing but IP-in-IP");
        assertEquals(e.gatewayOutIpip(), e.backendIpipInTotal(), "backends received every encapsulated packet");
        // Cross-check with the kernel's own veth counters: beyond the IPv4 packets nft saw, only a few ARP or
        // IPv6 neighbour packets may appear (a large gap would mean the nft rules miss traffic).
        assertTrue(e.gatewayVeth().rxPackets() - e.gatewayInIpv4() <= 10, "veth rx vs nft: " + e.gatewayVeth());
        assertTrue(e.gatewayVeth().txPackets() - e.gatewayOutIpv4() <= 10, "veth tx vs nft: " + e.gatewayVeth());
        assertEquals(0, e.routerFromVipToGateway(), "the router sent replies towards the gateway");
        assertTrue(e.routerRepliesFromBackends() >= 1 << 20 / 1500, "replies on the backend bridge");
        assertEquals(e.routerRepliesFromBackends(), e.routerRepliesToClient(),
                "router forwarded replies to the client");
        assertEquals(e.routerRepliesToClient(), e.clientGotFromVip(), "client received every reply");
        assertTrue(e.clientGotFromVipBytes() > 1 << 20, "the client received the 1 MiB from the VIP");
        assertTrue(e.gatewayInIpv4Bytes() < (1 << 20) / 10,
                "the gateway carried only the small client->VIP direction: " + e.gatewayInIpv4Bytes() + " bytes");
        Files.delete(d.file());
    }

    /** Lets packets in flight between namespaces arrive, so that counters on both ends agree. */
    private static void settle() throws InterruptedException {
        Thread.sleep(150);
    }

    @Test
    @Order(4)
    void shouldScrapePrometheusMetricsFromTheGatewayAndAnAgentThatAgreeWithTheTraffic() throws Exception {
        Curl.Response g = Curl.get(scenario.topology().gateway(), ADMIN_HTTP + "/metrics", Duration.ofSeconds(5));
        assertTrue(g.ok(), "gateway /metrics: " + g.describe());
        PrometheusText m = PrometheusText.parse(g.body(), "dsrgw_"); // strict: HELP, TYPE, names, _total
        double tx = m.sum("dsrgw_tx_packets_total");
        double toBackends = m.sum("dsrgw_backend_packets_total");
        System.out.printf("[e2e] /metrics: %d samples, tx %.0f, per backend %s%n", m.samples().size(), tx,
                m.samples("dsrgw_backend_packets_total"));
        assertTrue(tx > 0, "the earlier tests' traffic was forwarded: " + g.body());
        // Per backend counts what was handed to the kernel: forwarded packets, fragments and ICMP errors, and
        // packets the kernel refused afterwards (moved from tx to the tx_error drop reason by the worker).
        assertEquals(tx + m.sum("dsrgw_fragmented_packets_total") + m.sum("dsrgw_icmp_errors_forwarded_total")
                + m.value("dsrgw_packets_dropped_total", Map.of("reason", "tx_error")), toBackends,
                "per-backend packets add up to the forwarded ones");
        assertEquals(toBackends, m.value("dsrgw_vip_packets_total", Map.of("vip", "web")), "per-VIP = its backends");
        for (Backend b : scenario.topology().backends()) {
            Map<String, String> labels = Map.of("vip", "web", "backend", b.address());
            double packets = m.value("dsrgw_backend_packets_total", labels);
            assertTrue(packets > 0, b.name() + " got requests, so packets: " + packets);
            assertTrue(m.value("dsrgw_backend_bytes_total", labels) >= 40 * packets, "bytes of " + b.name());
            assertTrue(m.value("dsrgw_backend_flows", labels) >= 0, "flows of " + b.name());
            assertEquals(1.0, m.value("dsrgw_backend_state", Map.of("vip", "web", "backend", b.address(),
                    "state", "active")), b.name() + " active");
            assertEquals(100.0, m.value("dsrgw_backend_weight", labels), b.name() + " weight");
        }
        assertEquals(1.0, m.value("dsrgw_config_last_reload_successful", Map.of()));
        assertTrue(m.value("dsrgw_config_last_reload_success_timestamp_seconds", Map.of())
                > System.currentTimeMillis() / 1000.0 - 3600, "start-up counts as the last good load");
        assertEquals(1, m.samples("dsrgw_build_info").size(), "build info");
        assertTrue(m.types().keySet().containsAll(java.util.List.of("dsrgw_packets_dropped_total",
                "dsrgw_rx_packets_total", "dsrgw_flow_table_entries")), "renamed metrics: " + m.types().keySet());

        Backend b1 = scenario.topology().backends().getFirst();
        Curl.Response a = Curl.get(b1.namespace(), "http://127.0.0.1:9181/metrics", Duration.ofSeconds(5));
        assertTrue(a.ok(), "agent /metrics: " + a.describe());
        PrometheusText am = PrometheusText.parse(a.body(), "dsrgw_agent_");
        System.out.println("[e2e] agent /metrics of " + b1.name() + ": " + am.samples().size() + " samples");
        assertTrue(am.value("dsrgw_agent_decap_packets_total", Map.of()) > 0, "decapsulated: " + a.body());
        assertEquals(1.0, am.value("dsrgw_agent_ready", Map.of()), a.body());
        assertEquals(1.0, am.value("dsrgw_agent_ready_state", Map.of("state", "ready")));
        assertEquals(0.0, am.value("dsrgw_agent_ready_state", Map.of("state", "not-ready")));
        assertTrue(am.value("dsrgw_agent_drift_repairs_total", Map.of()) >= 0, "drift repairs exported");
    }

    @Test
    @Order(5)
    void shouldShowEveryBackendOfApiStatusOnTheStatusPageInHeadlessChromium() throws Exception {
        Assumptions.assumeTrue(HeadlessChromium.find() != null, "chromium not installed (apt-get install "
                + "chromium; scripts/lib.sh DSRGW_APT_PACKAGES): the status page is not tested in a browser");
        var ns = scenario.topology().gateway();
        JsonNode before = status(ns);
        long t0 = System.nanoTime();
        String dom = HeadlessChromium.dumpDom(ns, ADMIN_HTTP + "/", Duration.ofSeconds(5));
        System.out.printf("[e2e] chromium --dump-dom in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        JsonNode after = status(ns);
        Files.writeString(Path.of("target", "status-page.html"), dom);
        assertTrue(dom.contains("data-loaded=\"true\""), "the page's script ran and rendered /api/status:\n" + dom);
        Map<String, Map<String, String>> rows = new java.util.TreeMap<>();
        java.util.regex.Matcher row = java.util.regex.Pattern.compile(
                "<tr class=\"backend\" data-vip=\"([^\"]*)\" data-backend=\"([^\"]*)\">(.*?)</tr>").matcher(dom);
        while (row.find()) {
            Map<String, String> cells = new java.util.TreeMap<>();
            java.util.regex.Matcher td = java.util.regex.Pattern.compile(
                    "<td[^>]*data-field=\"([a-z]+)\"[^>]*>([^<]*)</td>").matcher(row.group(3));
            while (td.find()) {
                cells.put(td.group(1), td.group(2));
            }
            rows.put(row.group(1) + " " + row.group(2), cells);
        }
        Map<String, JsonNode> api = new java.util.TreeMap<>();
        for (JsonNode vip : after.get("vip_list")) {
            for (JsonNode b : vip.get("backends")) {
                api.put(vip.get("name").asText() + " " + b.get("address").asText(), b);
            }
        }
        assertEquals(api.keySet(), rows.keySet(), "one row per backend of /api/status");
        for (Map.Entry<String, JsonNode> e : api.entrySet()) {
            JsonNode earlier = beforeBackend(before, e.getKey());
            for (String field : java.util.List.of("state", "health", "weight", "override", "flows")) {
                String now = e.getValue().get(field).asText();
                if (earlier != null && earlier.get(field).asText().equals(now)) { // stable across the page load
                    assertEquals(now, rows.get(e.getKey()).get(field), field + " of " + e.getKey() + ": " + rows);
                }
            }
            assertTrue(rows.get(e.getKey()).get("pps").matches("[0-9]+\\.[0-9]|\u2013"), "packets/s: " + rows);
        }
        Path png = Path.of("target", "status-page.png");
        HeadlessChromium.screenshot(ns, ADMIN_HTTP + "/", Duration.ofSeconds(3), png, 1200, 500);
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(png), 8);
        assertEquals("\u0089PNG", new String(head, 0, 4, java.nio.charset.StandardCharsets.ISO_8859_1), "a PNG");
        System.out.println("[e2e] status page: " + rows.size() + " rows match /api/status; screenshot " + png
                .toAbsolutePath());
    }

    private static JsonNode status(io.dsrgw.harness.netns.Namespace ns) throws Exception {
        Curl.Response r = Curl.get(ns, ADMIN_HTTP + "/api/status", Duration.ofSeconds(5));
        assertTrue(r.ok(), "/api/status: " + r.describe());
        return new ObjectMapper().readTree(r.body());
    }

    private static JsonNode beforeBackend(JsonNode status, String key) {
        for (JsonNode vip : status.get("vip_list")) {
            for (JsonNode b : vip.get("backends")) {
                if ((vip.get("name").asText() + " " + b.get("address").asText()).equals(key)) {
                    return b;
                }
            }
        }
        return null;
    }

    /**
     * The gateway sends frames itself (ingress.egress = packet, the default) to the MAC of the backends' next hop,
     * the router. When the router's interface gets a new MAC (announced by a gratuitous ARP, arp_notify), the
     * gateway must follow within a bounded short loss instead of sending into the old MAC for good: its resolver
     * sees the neighbour entry turn STALE with the new MAC, sends through the kernel until the kernel has verified
     * it, then sends frames to the new MAC.
     */
    @Test
    @Order(6)
    void shouldFollowTheNextHopToItsNewMacUnderLoadWithAtMostABriefLoss() throws Exception {
        Namespace router = scenario.topology().router();
        String device = Topology.ROUTER_GATEWAY_DEVICE;
        String oldMac = mac(router, device);
        String newMac = "02:42:0a:00:02:" + (oldMac.endsWith(":01") ? "02" : "01");
        Pattern usableOld = nextHopLine(oldMac);
        assertFalse(scenario.gateway().grep(usableOld).isEmpty(), "the gateway sends frames to the router's MAC "
                + oldMac + " (a usable next hop logged)\n" + scenario.gateway().tailBlock());
        router.exec("sysctl", "-qw", "net.ipv4.conf." + device + ".arp_notify=1");
        InetSocketAddress target = new InetSocketAddress(DsrScenario.VIP, DsrScenario.VIP_PORT);
        List<Request> requests;
        long changeNs;
        try (RequestLoad load = RequestLoad.start(scenario.client(), target, 2, Duration.ofSeconds(4),
                Duration.ofMillis(5))) {
            Thread.sleep(1000);
            changeNs = System.nanoTime();
            router.ip("link", "set", "dev", device, "address", newMac);
            Thread.sleep(5000);
            requests = load.stop();
        }
        List<Request> failed = requests.stream().filter(r -> !r.ok()).toList();
        long afterChange = requests.stream().filter(r -> r.startNs() > changeNs + 2_000_000_000L && r.ok()).count();
        double slowestMs = requests.stream().mapToDouble(r -> (r.endNs() - r.startNs()) / 1e6).max().orElse(0);
        List<String> lines = scenario.gateway().grep(Pattern.compile("next hop "));
        System.out.printf("[e2e] router MAC %s -> %s under load: %d requests, %d failed, %d ok from 2 s after the "
                + "change, slowest %.0f ms; gateway next-hop log:%n  %s%n", oldMac, newMac, requests.size(),
                failed.size(), afterChange, slowestMs, String.join("\n  ", lines));
        assertFalse(scenario.gateway().grep(nextHopLine(newMac)).isEmpty(),
                "the gateway sends frames to the new MAC " + newMac + ": " + lines);
        assertTrue(failed.isEmpty(), "a MAC change costs at most a retransmission, no request: "
                + failed.stream().map(r -> r.describe(changeNs)).toList());
        assertTrue(afterChange >= 20, "requests flow after the change: " + afterChange);
    }

    /** A usable next hop via the router with this MAC, as the gateway logs it. */
    private static Pattern nextHopLine(String mac) {
        return Pattern.compile("next hop \\S+ via " + Pattern.quote(Topology.ROUTER_GATEWAY_ADDRESS)
                + " ifindex \\d+ mac " + Pattern.quote(mac) + " ");
    }

    private static String mac(Namespace ns, String device) throws Exception {
        String out = ns.ip("-o", "link", "show", "dev", device).stdout();
        Matcher m = Pattern.compile("link/ether ([0-9a-f:]{17})").matcher(out);
        assertTrue(m.find(), "no MAC in: " + out);
        return m.group(1);
    }

    @Test
    @Order(10)
    void shouldNotForwardNonVipTrafficThatReachesTheGateway() throws Exception {
        // Route leak into the gateway's TUN: the non-VIP address now reaches the data plane like the VIP does.
        scenario.topology().gateway().ip("route", "add", NON_VIP + "/32", "dev", ScenarioConfigs.GATEWAY_DEVICE);
        scenario.resetCounters();
        String udp = "for i in 1 2 3 4 5; do echo probe > /dev/udp/%s/%d; done";
        scenario.client().exec("bash", "-c", udp.formatted(NON_VIP, 53));
        scenario.client().exec("bash", "-c", udp.formatted(DsrScenario.VIP, DsrScenario.VIP_PORT)); // wrong protocol
        Curl.Response toNonVip = Curl.get(scenario.client(), "http://" + NON_VIP + "/", Duration.ofSeconds(2));
        Curl.Response wrongPort = Curl.get(scenario.client(), "http://" + DsrScenario.VIP + ":8080/",
                Duration.ofSeconds(2));
        DsrEvidence e = scenario.evidence();
        DsrScenario.GatewayExit exit = scenario.stopGateway();
        Map<String, Long> c = exit.counters();
        System.out.println("[e2e] non-VIP: curl " + NON_VIP + " -> " + toNonVip.describe() + ", VIP:8080 -> "
                + wrongPort.describe() + "\n" + e.summary() + "\n[e2e] gateway exit " + exit.exitCode()
                + ", final counters " + c);
        assertTrue(toNonVip.curlExit() != 0 && wrongPort.curlExit() != 0, "no answer expected");
        assertTrue(e.gatewayInIpv4() >= 12, "the probes reached the gateway: " + e.gatewayInIpv4());
        assertEquals(0, e.gatewayOutIpip(), "the gateway encapsulated non-VIP traffic");
        assertEquals(0, e.gatewayOutIpv4(), "the gateway forwarded non-VIP traffic");
        assertEquals(0, e.backendIpipInTotal(), "non-VIP traffic reached a backend: " + e.backendIpipIn());
        assertEquals(0, exit.exitCode(), "gateway exit code after SIGTERM\n" + scenario.gateway().tailBlock());
        assertTrue(c.getOrDefault("drop_not_vip", -1L) >= 12,
                "drop_not_vip counts the 10 UDP probes and the TCP SYNs: " + c + "\n" + scenario.gateway().tailBlock());
    }
}
