package io.dsrgw.agent.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The endpoint over real HTTP on 127.0.0.1 and an ephemeral port, with an injected readiness source. */
class HealthServerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Instant CHECKED = Instant.parse("2026-11-22T02:40:00Z");

    /** Whatever the test sets is what the server answers. */
    static final class FakeSource implements HealthSource {
        volatile Readiness readiness = new Readiness(ReadinessState.READY, List.of(), CHECKED, null);

        @Override
        public Readiness readiness() {
            return readiness;
        }

        @Override
        public Map<String, Object> status() {
            Map<String, Object> json = readiness.toJson();
            json.put("counters", Map.of("decap_packets", 7L, "drop_bad_source", 2L, "decap_packets.gre", 5L,
                    "drop_malformed.truncated", 1L, "tunnel_drop_ipv4", 3L, "something_new", 4L));
            return json;
        }
    }

    final FakeSource source = new FakeSource();
    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HealthServer server;

    @BeforeEach
    void start() throws IOException {
        server = HealthServer.start("127.0.0.1:0", source);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return client.send(request.timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path);
    }

    @Test
    void shouldAnswer200ReadyWithJson() throws Exception {
        HttpResponse<String> r = get("/ready");

        assertEquals(200, r.statusCode());
        assertEquals("{\"state\":\"ready\",\"checkedAt\":\"2026-11-22T02:40:00Z\"}\n", r.body());
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("content-type").orElseThrow());
        assertEquals("no-store", r.headers().firstValue("cache-control").orElseThrow());
    }

    @Test
    void shouldAnswer503DrainingWhenDrained() throws Exception {
        source.readiness = new Readiness(ReadinessState.DRAINING, List.of(), CHECKED,
                Instant.parse("2026-11-22T02:41:07Z"));

        HttpResponse<String> r = get("/ready");

        assertEquals(503, r.statusCode());
        assertEquals("{\"state\":\"draining\",\"drainedSince\":\"2026-11-22T02:41:07Z\","
                + "\"checkedAt\":\"2026-11-22T02:40:00Z\"}\n", r.body());
    }

    @Test
    void shouldAnswer503NotReadyWithTheExactDrift() throws Exception {
        source.readiness = new Readiness(ReadinessState.NOT_READY, List.of(
                "ip addr add 10.100.0.1/32 dev lo label lo:dsrvip", "sysctl -w net.ipv4.conf.all.arp_ignore=1"),
                CHECKED, null);

        HttpResponse<String> r = get("/ready");

        assertEquals(503, r.statusCode());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("not-ready", body.get("state").asText());
        assertEquals(List.of("ip addr add 10.100.0.1/32 dev lo label lo:dsrvip",
                "sysctl -w net.ipv4.conf.all.arp_ignore=1"), JSON.convertValue(body.get("reasons"), List.class));
    }

    @Test
    void shouldServeHealthzAsAnAliasIgnoringTheQueryString() throws Exception {
        source.readiness = new Readiness(ReadinessState.NOT_READY, List.of("x"), null, null);

        HttpResponse<String> r = get("/healthz?from=gw1");

        assertEquals(503, r.statusCode());
        assertEquals("{\"state\":\"not-ready\",\"reasons\":[\"x\"]}\n", r.body());
    }

    @Test
    void shouldServeStatusWithCountersAs200EvenWhenNotReady() throws Exception {
        source.readiness = new Readiness(ReadinessState.NOT_READY, List.of("x"), null, null);

        HttpResponse<String> r = get("/status");

        assertEquals(200, r.statusCode());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("not-ready", body.get("state").asText());
        assertEquals(7, body.get("counters").get("decap_packets").asLong());
        assertEquals(2, body.get("counters").get("drop_bad_source").asLong());
    }

    @Test
    void shouldServePrometheusMetricsWithTheCountersAndTheReadyStateSet() throws Exception {
        source.readiness = new Readiness(ReadinessState.DRAINING, List.of(), CHECKED, CHECKED);

        HttpResponse<String> r = get("/metrics");

        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElseThrow().startsWith("text/plain; version=0.0.4"));
        String body = r.body();
        for (String expected : List.of(
                "# TYPE dsrgw_agent_decap_packets_total counter\ndsrgw_agent_decap_packets_total 7.0\n",
                "dsrgw_agent_decap_packets_by_tunnel_total{tunnel=\"gre\"} 5.0\n",
                "dsrgw_agent_packets_dropped_total{reason=\"bad_source\"} 2.0\n",
                "dsrgw_agent_packets_dropped_total{reason=\"bad_source_ipv4\"} 3.0\n",
                "dsrgw_agent_malformed_packets_total{reason=\"truncated\"} 1.0\n",
                "dsrgw_agent_other_total{counter=\"something_new\"} 4.0\n",
                "dsrgw_agent_ready_state{state=\"draining\"} 1.0\n",
                "dsrgw_agent_ready_state{state=\"ready\"} 0.0\n",
                "dsrgw_agent_ready 0.0\n",
                "dsrgw_agent_last_check_timestamp_seconds 1.7953152E9\n")) {
            assertTrue(body.contains(expected), expected + " in\n" + body);
        }
        for (String line : body.split("\n")) {
            assertTrue(line.matches("# HELP dsrgw_agent_[a-z_]+ .+|# TYPE dsrgw_agent_[a-z_]+ (counter|gauge)"
                    + "|dsrgw_agent_[a-z_]+(\\{[a-z_]+=\"[^\"]*\"})? -?[0-9.E]+"), line);
        }
    }

    @Test
    void shouldAnswerHeadWithStatusAndNoBody() throws Exception {
        source.readiness = new Readiness(ReadinessState.DRAINING, List.of(), null, CHECKED);

        HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/ready")).method("HEAD",
                HttpRequest.BodyPublishers.noBody()));

        assertEquals(503, r.statusCode());
        assertEquals("", r.body());
    }

    @Test
    void shouldRefuseOtherMethodsWith405AndOtherPathsWith404() throws Exception {
        HttpResponse<String> post = send(HttpRequest.newBuilder(uri("/ready"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElseThrow());

        HttpResponse<String> missing = get("/readyz");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("no such path: /readyz"), missing.body());
    }

    @Test
    void shouldKeepTheConnectionAliveAcrossRequests() throws Exception {
        for (int i = 0; i < 20; i++) {
            source.readiness = i % 2 == 0 ? new Readiness(ReadinessState.READY, List.of(), null, null)
                    : new Readiness(ReadinessState.DRAINING, List.of(), null, CHECKED);
            assertEquals(i % 2 == 0 ? 200 : 503, get("/ready").statusCode());
        }
    }

    @Test
    void shouldAnswer500NotReadyWhenTheSourceFails() throws Exception {
        HealthSource broken = new HealthSource() {
            @Override
            public Readiness readiness() {
                throw new IllegalStateException("boom");
            }

            @Override
            public Map<String, Object> status() {
                return new LinkedHashMap<>();
            }
        };
        try (HealthServer s = HealthServer.start("127.0.0.1:0", broken)) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + s.localAddress().getPort() + "/ready")).GET());
            assertEquals(500, r.statusCode());
            assertTrue(r.body().contains("\"state\":\"not-ready\""), r.body());
        }
    }

    @Test
    void shouldNameTheAddressWhenThePortIsTaken() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + taken.getLocalPort();

            IOException e = assertThrows(IOException.class, () -> HealthServer.start(listen, source));

            assertEquals("health.listen " + listen + ": bind(" + listen + "): EADDRINUSE (Address already in use)"
                    + " (expected: an address of this host and a port no other process uses)", e.getMessage());
        }
    }

    @Test
    void shouldNameTheAddressWhenItIsNotOnThisHost() {
        IOException e = assertThrows(IOException.class, () -> HealthServer.start("192.0.2.77:9181", source));

        assertEquals("health.listen 192.0.2.77:9181: bind(192.0.2.77:9181): EADDRNOTAVAIL (Cannot assign requested "
                + "address) (expected: an address of this host and a port no other process uses)", e.getMessage());
    }

    @Test
    void shouldParseListenAddressesAndRejectMalformedOnes() throws IOException {
        assertEquals(9181, HealthServer.parseListen("0.0.0.0:9181").getPort());
        assertTrue(HealthServer.parseListen("[::]:9181").getAddress().isAnyLocalAddress());
        assertTrue(HealthServer.parseListen("localhost:0").getAddress().isLoopbackAddress());
        for (String bad : new String[] {"9181", "::1:9181", "[::1]9181", "host.example:80", "1.2.3.4:65536",
                                        "1.2.3.4:"}) {
            IOException e = assertThrows(IOException.class, () -> HealthServer.parseListen(bad), bad);
            assertEquals("health.listen " + bad + ": not host:port (expected: an IP address or localhost and a port "
                    + "0..65535, e.g. 0.0.0.0:9181 or [::]:9181)", e.getMessage());
        }
    }

    /** A non-loopback IPv4 address of this host (connections to it come from it), or a skip saying there is none. */
    static java.net.InetAddress nonLoopbackAddress() throws java.net.SocketException {
        for (java.net.NetworkInterface n : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!n.isUp() || n.isLoopback()) {
                continue;
            }
            for (java.net.InetAddress a : java.util.Collections.list(n.getInetAddresses())) {
                if (a instanceof java.net.Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        org.junit.jupiter.api.Assumptions.abort("no non-loopback IPv4 address on this host to test a remote client");
        return null;
    }

    @Test
    void shouldServeStatusToLoopbackOnlyAndReadinessToEveryoneUnlessStatusClientsAllowMore() throws Exception {
        // issue 14: the detailed /status (VIPs, mode, counters) listened on every address for anyone
        java.net.InetAddress remote = nonLoopbackAddress();
        for (List<io.dsrgw.conf.SourcePrefix> allowed : List.of(List.<io.dsrgw.conf.SourcePrefix>of(),
                List.of(new io.dsrgw.conf.SourcePrefix(remote, 32)))) {
            try (HealthServer s = HealthServer.start("0.0.0.0:0", source, allowed)) {
                int port = s.localAddress().getPort();
                HttpResponse<String> local = send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/status")).GET());
                assertEquals(200, local.statusCode(), local.body());
                String base = "http://" + remote.getHostAddress() + ":" + port;
                HttpResponse<String> status = send(HttpRequest.newBuilder(URI.create(base + "/status")).GET());
                HttpResponse<String> ready = send(HttpRequest.newBuilder(URI.create(base + "/ready")).GET());
                assertEquals(200, ready.statusCode(), "gateways probe /ready from anywhere");
                if (allowed.isEmpty()) {
                    assertEquals(403, status.statusCode(), status.body());
                    assertEquals("{\"error\":\"/status is served to loopback and health.status-clients only\","
                            + "\"paths\":[\"/ready\",\"/healthz\"]}\n", status.body());
                } else {
                    assertEquals(200, status.statusCode(), "allowed by health.status-clients: " + status.body());
                }
            }
        }
    }
}
