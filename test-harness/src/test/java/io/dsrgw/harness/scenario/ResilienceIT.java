package io.dsrgw.harness.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.dsrgw.conf.UnixSocketPaths;
import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.scenario.FlowReplay.Flow;
import io.dsrgw.harness.scenario.ScenarioConfigs.BackendEntry;
import io.dsrgw.harness.scenario.ScenarioConfigs.VipEntry;
import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.RequestLoad;
import io.dsrgw.harness.traffic.RequestLoad.Request;
import io.dsrgw.harness.traffic.Wrk;

/**
 * Issue 5 end to end, with load running throughout: a backend's server dies, backends drain (config and agent),
 * the config reloads (including an invalid file), the gateway restarts, and two gateways agree. One topology of
 * 4 backends for the class (b4 joins by reload); the real {@code dsr-gateway run} and {@code dsr-agent run}. Two
 * load generators: {@link RequestLoad} (a new connection per request, each attributed to a backend or an error,
 * with timestamps) and {@link Wrk} (keep-alive, i.e. established flows). Which backend a failed request was headed
 * for is not observable from the client, so failures are attributed offline with {@code dsr-gateway replay} of
 * the running config ({@link FlowReplay}). Last, the tunnel health check on IPv4 and IPv6 VIPs, in a dual-stack
 * {@link TunnelMatrixScenario} of its own: a backend whose agent stops is down although its server still answers.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 90)
class ResilienceIT {
    static final String VIP = DsrScenario.VIP;
    static final String TCP_HEALTH = "{ type = tcp, port = 80, interval = 250ms, timeout = 200ms, rise = 2, fall = 3 }";
    static final String AGENT_HEALTH =
            "{ type = agent, port = 9181, path = \"/ready\", interval = 250ms, timeout = 200ms, rise = 2, fall = 3 }";
    /** fall x interval + timeout of {@link #TCP_HEALTH}. */
    static final long DETECTION_MS = 3 * 250 + 200;
    /** Scheduling slack on a 2-core machine running ~10 JVMs, wrk and the load generator. */
    static final long MARGIN_MS = 300;
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    /**
     * How long every backend may take to serve again after a start, restart, reload or undrain: a wait for a
     * condition, not a measured bound (the detection times are measured separately). 10 s was too short on a loaded
     * 2-CPU machine right after the scenario's start (cold JVMs on every hop, single requests over 3 s).
     */
    static final Duration SETTLE = Duration.ofSeconds(30);
    static final Pattern RELOADED = DsrScenario.RELOADED;
    static final Pattern REJECTED = DsrScenario.REJECTED;
    static final Pattern HEALTH_SNAPSHOT = Pattern.compile("snapshot generation \\d+ \\(health of vip web\\)");
    /** The agent's timestamped log line of its readiness (printed just before {@link DsrScenario#AGENT_READY}). */
    static final Pattern AGENT_READINESS = Pattern.compile("^\\S+Z \\[.*\\] INFO AgentHealth - readiness: ready");

    /**
     * The last part of {@link #work}: with it the work directory is over 150 bytes from any checkout, deeper than
     * a unix socket's path may be ({@link UnixSocketPaths#MAX_PATH_BYTES}).
     */
    static final String LONG_CHECKOUT_LIKE_DIRECTORY = "as-if-cloned-into-a-long-directory-"
            + "where-no-unix-socket-path-could-be-bound-by-the-kernel-so-sockets-must-live-elsewhere";

    private DsrScenario scenario;
    private Path work;
    private InetSocketAddress target;
    /** Client ports handed out for attributable requests; each port used once per test except where reused. */
    private int nextPort = 20000;
    /** Every request {@link #sample} made (awaitServing, comparisons): failures count in the reload test too. */
    private final List<Request> probes = new ArrayList<>();

    @BeforeAll
    void startScenario() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("nft");
        NetnsAssumptions.assumeTool("curl");
        NetnsAssumptions.assumeTool("wrk");
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        // Deliberately deeper than a unix socket's path may be (issue 10): the gateway's admin socket and dsrctl must
        // not depend on where the repository was cloned, so this class runs as if from a very long checkout.
        work = Files.createDirectories(Files.createTempDirectory(logs.toAbsolutePath(), "resilience-")
                .resolve(LONG_CHECKOUT_LIKE_DIRECTORY));
        scenario = DsrScenario.builder().backends(4).workDir(work).httpListenHost("0.0.0.0")
                .gatewayConfig((backends, adminSocket) -> config(backends.subList(0, 3).stream()
                        .map(b -> BackendEntry.active(b.address())).toList(), TCP_HEALTH, adminSocket))
                .start();
        target = new InetSocketAddress(VIP, DsrScenario.VIP_PORT);
        long waited = awaitServing(Set.of("b1", "b2", "b3"), SETTLE);
        System.out.println("[resilience] topology " + scenario.topology().prefix() + " up, b1..b3 serving after "
                + waited + " ms of health checks; logs in " + work);
    }

    @AfterAll
    void stopScenario() {
        if (scenario != null) {
            scenario.close();
        }
    }

    @Test
    @Order(0)
    void shouldServeDsrctlWithAWorkDirectoryLongerThanAUnixSocketPathMayBe() throws Exception {
        int workBytes = UnixSocketPaths.byteLength(work.resolve("gateway.sock").toString());
        assertTrue(workBytes > UnixSocketPaths.MAX_PATH_BYTES + 40, "the work directory is not long enough to "
                + "prove anything: " + workBytes + " bytes, " + work);
        Path socket = scenario.adminSocket();
        assertFalse(socket.startsWith(work), "admin socket under the work directory: " + socket);
        assertTrue(UnixSocketPaths.fits(socket.toString()), socket.toString());
        String status = dsrctl("status");
        assertTrue(status.startsWith("state running\n"), status);
    }

    @Test
    @Order(1)
    void shouldTakeAKilledBackendOutOfRotationWithinTheDetectionTime() throws Exception {
        Wrk wrk = Wrk.start(scenario.client(), DsrScenario.url("/"), 8, Duration.ofSeconds(7),
                work.resolve("logs/wrk-kill.log"));
        List<Request> requests;
        long killNs;
        Instant killAt;
        String snapshotLine;
        long detectedNs;
        try (RequestLoad load = RequestLoad.start(scenario.client(), target, 2, REQUEST_TIMEOUT,
                Duration.ofMillis(1))) {
            Thread.sleep(2000);
            int healthLinesBefore = scenario.gateway().grep(HEALTH_SNAPSHOT).size();
            killAt = Instant.now();
            killNs = System.nanoTime();
            scenario.killServer("b2");
            snapshotLine = awaitLogLine(scenario.gateway(), HEALTH_SNAPSHOT, healthLinesBefore + 1,
                    Duration.ofSeconds(5));
            // When the test saw it: the flows that certainly started after the detection start after this.
            detectedNs = snapshotLine == null ? -1 : System.nanoTime();
            Thread.sleep(3000);
            requests = load.stop();
        }
        Wrk.Result keepAlive = wrk.await();

        String b2 = scenario.backend("b2").address();
        List<String> healthLines = scenario.gateway().grep(Pattern.compile("health of vip web changed"));
        String lastHealth = healthLines.isEmpty() ? "" : healthLines.getLast();
        List<Request> failed = requests.stream().filter(r -> !r.ok()).toList();
        Map<Flow, String> headedFor = replayRunningConfig(failed, "kill");
        List<String> notB2 = new ArrayList<>();
        for (Request r : failed) {
            String to = headedFor.get(flow(r.localPort()));
            if (!b2.equals(to)) {
                notB2.add(r.describe(killNs) + " headed for " + to);
            }
        }
        List<Request> failedBeforeKill = failed.stream().filter(r -> r.endNs() < killNs).toList();
        List<Request> failedAfterDetection = failed.stream().filter(r -> r.startNs() > detectedNs).toList();
        Request lastFailure = failed.isEmpty() ? null : failed.getLast();
        // The gateway's own time of the new snapshot, not when the test (polling its log) saw it: on a loaded
        // machine the test's view is late by a scheduling delay that says nothing about the gateway.
        double detectionMs = snapshotLine == null ? -1 : msBetween(killAt, loggedAt(snapshotLine));
        double seenMs = detectedNs < 0 ? -1 : (detectedNs - killNs) / 1e6;
        Map<String, Integer> afterDetection = RequestLoad.perBackend(requests.stream()
                .filter(r -> r.startNs() > detectedNs).toList());
        System.out.printf("[resilience] kill b2: %d requests (%d failed, all headed for b2: %s), gateway health "
                        + "snapshot %.0f ms after the kill by its log (seen by the test after %.0f ms), last failure "
                        + "started %s ms after it (limit %d + %d ms); after detection %s; wrk: %s%n", requests.size(),
                failed.size(), notB2.isEmpty(), detectionMs, seenMs, lastFailure == null ? "-" : String.format("%.0f", lastFailure.startMs(killNs)),
                DETECTION_MS, MARGIN_MS, afterDetection, keepAlive.summary());
        failed.stream().limit(5).forEach(r -> System.out.println("[resilience]   failed " + r.describe(killNs)));

        scenario.restartServer("b2");
        long back = awaitServing(Set.of("b1", "b2", "b3"), SETTLE);
        System.out.println("[resilience] b2 restarted, serving again after " + back + " ms");

        assertTrue(snapshotLine != null, "no health snapshot for vip web within 5 s of the kill\n"
                + scenario.logTails());
        assertTrue(lastHealth.contains("web/" + b2 + "=DOWN"), "the last health change: " + lastHealth);
        assertTrue(detectionMs <= DETECTION_MS + MARGIN_MS, "detection took " + detectionMs + " ms");
        assertTrue(failedBeforeKill.isEmpty(), "requests failed before the kill: " + failedBeforeKill);
        assertTrue(notB2.isEmpty(), "requests to other backends failed: " + notB2);
        assertTrue(failedAfterDetection.isEmpty(), "requests that started after detection failed: "
                + failedAfterDetection.stream().map(r -> r.describe(killNs)).toList());
        if (lastFailure != null) {
            assertTrue(lastFailure.startMs(killNs) <= DETECTION_MS + MARGIN_MS,
                    "a request failed " + lastFailure.startMs(killNs) + " ms after the kill");
        }
        assertEquals(Set.of("b1", "b3"), afterDetection.keySet(), "new flows after detection: " + afterDetection);
        assertTrue(afterDetection.values().stream().mapToInt(Integer::intValue).sum() >= 100,
                "too few requests after detection to judge: " + afterDetection);
        assertTrue(keepAlive.requests() > 0, "wrk made no requests: " + keepAlive.output());
    }

    @Test
    @Order(2)
    void shouldFinishOpenConnectionsOfABackendDrainedInTheConfig() throws Exception {
        List<Backend> three = scenario.topology().backends().subList(0, 3);
        drainCheck("config", (drained) -> {
            writeConfig(three.stream().map(b -> new BackendEntry(b.address(), 1,
                    b.name().equals(drained) ? "draining" : "active")).toList(), TCP_HEALTH);
            DsrScenario.reloadBySighup(scenario.gateway());
        }, (drained) -> {
            writeConfig(three.stream().map(b -> BackendEntry.active(b.address())).toList(), TCP_HEALTH);
            DsrScenario.reloadBySighup(scenario.gateway());
        });
    }

    @Test
    @Order(3)
    void shouldFinishOpenConnectionsOfABackendDrainedByItsAgent() throws Exception {
        List<BackendEntry> three = scenario.topology().backends().subList(0, 3).stream()
                .map(b -> BackendEntry.active(b.address())).toList();
        writeConfig(three, AGENT_HEALTH);
        boolean applied = DsrScenario.reloadBySighup(scenario.gateway());
        try {
            assertTrue(applied, "the gateway rejected health-check type = agent: "
                    + scenario.gateway().grep(Pattern.compile("rejected")));
            awaitServing(Set.of("b1", "b2", "b3"), SETTLE);
            drainCheck("agent", (drained) -> agent(drained, "drain"), (drained) -> agent(drained, "undrain"));
        } finally {
            writeConfig(three, TCP_HEALTH);
            DsrScenario.reloadBySighup(scenario.gateway());
            awaitServing(Set.of("b1", "b2", "b3"), SETTLE);
        }
    }

    @Test
    @Order(4)
    void shouldReloadUnderLoadWithoutFailedRequestsAndIgnoreAnInvalidFile() throws Exception {
        List<Backend> all = scenario.topology().backends();
        Wrk wrk = Wrk.start(scenario.client(), DsrScenario.url("/"), 8, Duration.ofSeconds(8),
                work.resolve("logs/wrk-reload.log"));
        List<BackendEntry> weighted = all.stream()
                .map(b -> new BackendEntry(b.address(), b.name().equals("b1") ? 4 : 1, "active")).toList();
        probes.clear();
        long originNs = System.nanoTime();
        List<Request> requests;
        long joined;
        Match afterWeights;
        Match afterInvalid;
        int badLine;
        List<String> rejected;
        String backendsBefore;
        String backendsAfter;
        try (RequestLoad load = RequestLoad.start(scenario.client(), target, 2, REQUEST_TIMEOUT,
                Duration.ofMillis(2))) {
            Thread.sleep(1000);

            // 1. Add b4.
            List<BackendEntry> four = all.stream().map(b -> BackendEntry.active(b.address())).toList();
            writeConfig(four, TCP_HEALTH);
            assertTrue(DsrScenario.reloadBySighup(scenario.gateway()), "adding b4 was rejected");
            joined = awaitServing(Set.of("b1", "b2", "b3", "b4"), SETTLE);

            // 2. Weights 4:1:1:1; new flows must go where the new config sends them.
            String weightedConfig = writeConfig(weighted, TCP_HEALTH);
            assertTrue(DsrScenario.reloadBySighup(scenario.gateway()), "the weight change was rejected");
            Thread.sleep(300);
            afterWeights = compareWithReplay(weightedConfig, 150, "weights");

            // 3. An invalid file: a weight out of range; the running config must stay as it was.
            String invalid = weightedConfig.replaceFirst("weight = 4,", "weight = -7,");
            badLine = lineOf(invalid, "weight = -7");
            int rejectedBefore = scenario.gateway().grep(REJECTED).size();
            Pattern rejectedLine = Pattern.compile("reload rejected: ");
            int rejectedLinesBefore = scenario.gateway().grep(rejectedLine).size();
            backendsBefore = dsrctl("backends");
            Files.writeString(scenario.gatewayConfigFile(), invalid);
            signalReload();
            awaitLogLines(scenario.gateway(), REJECTED, rejectedBefore + 1, Duration.ofSeconds(5));
            List<String> lines = scenario.gateway().grep(rejectedLine);
            rejected = lines.subList(rejectedLinesBefore, lines.size());
            afterInvalid = compareWithReplay(weightedConfig, 150, "invalid");
            backendsAfter = dsrctl("backends");
            Thread.sleep(500);
            requests = load.stop();
        }
        Wrk.Result keepAlive = wrk.await();
        writeConfig(weighted, TCP_HEALTH); // valid again, for the tests that follow
        DsrScenario.reloadBySighup(scenario.gateway());

        List<Request> failed = new ArrayList<>(requests.stream().filter(r -> !r.ok()).toList());
        probes.stream().filter(r -> !r.ok()).forEach(failed::add); // awaitServing's and the comparisons' requests
        String where = scenario.gatewayConfigFile().getFileName() + ":" + badLine;
        System.out.printf("[resilience] reload under load: b4 serving %d ms after its reload; weights 4:1:1:1 -> "
                        + "%s; invalid file (bad value on line %d) -> %s; the gateway rejected it, as expected: %s; per-request load: %d requests, "
                        + "%d failed %s; wrk: %s%n", joined, afterWeights.summary(), badLine, afterInvalid.summary(),
                rejected, requests.size(), failed.size(), RequestLoad.perBackend(requests), keepAlive.summary());
        assertTrue(failed.isEmpty(), "failed requests: " + failed.stream().limit(10).map(r -> r.describe(originNs))
                .toList());
        assertEquals(0, keepAlive.errors(), "wrk errors: " + keepAlive.summary() + "\n" + keepAlive.output());
        assertTrue(keepAlive.requests() > 0, "wrk made no requests");
        assertTrue(afterWeights.mismatches().isEmpty(), "after the weight change: " + afterWeights.summary());
        assertTrue(afterWeights.perBackend().getOrDefault("b1", 0) > 150 * 35 / 100,
                "b1 (weight 4 of 7) should get about 57% of new flows: " + afterWeights.perBackend());
        assertTrue(afterInvalid.mismatches().isEmpty(), "after the invalid file: " + afterInvalid.summary());
        System.out.println("[resilience] dsrctl backends before and after the invalid file:\n" + backendsBefore
                + (backendsAfter.equals(backendsBefore) ? "(identical)" : "---- after:\n" + backendsAfter));
        // Everything but FLOWS (live flow-table entries, which move under the load by design) must be unchanged.
        assertEquals(withoutFlows(backendsBefore), withoutFlows(backendsAfter),
                "dsrctl backends changed by the invalid file");
        assertTrue(rejected.stream().anyMatch(l -> l.contains(where)),
                "no rejection naming " + where + ": " + rejected);
    }

    @Test
    @Order(5)
    void shouldSendTheSameFlowsToTheSameBackendsAfterAGatewayRestart() throws Exception {
        // Below the client's ephemeral range (32768..60999): no earlier flow of the load generators left an entry
        // for these 5-tuples in the old gateway's flow table, so both runs show the pure Maglev choice.
        List<Integer> ports = IntStream.range(10000, 10200).boxed().toList();
        List<Request> before = RequestLoad.fixedPorts(scenario.client(), target, ports, REQUEST_TIMEOUT);
        DsrScenario.GatewayExit exit = scenario.stopGateway();
        scenario.startGateway();
        long serving = awaitServing(Set.of("b1", "b2", "b3", "b4"), SETTLE);
        List<Request> after = RequestLoad.fixedPorts(scenario.client(), target, ports, REQUEST_TIMEOUT);
        Path in = work.resolve("replay-restart-in.pcap");
        FlowReplay.writeSyns(in, ports.stream().map(this::flow).toList());
        Map<Flow, String> offline = FlowReplay.replay(Distributions.fromSystemProperties().gatewayLauncher(),
                scenario.gatewayConfigFile(), in, work.resolve("replay-restart-out.pcap"));
        List<String> moved = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        List<String> notAsReplayed = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            Request a = before.get(i);
            Request b = after.get(i);
            if (!a.ok() || !b.ok()) {
                failed.add("port " + ports.get(i) + ": " + a.describe(a.startNs()) + " / " + b.describe(b.startNs()));
            } else if (!a.backend().equals(b.backend())) {
                moved.add("port " + ports.get(i) + ": " + a.backend() + " -> " + b.backend());
            }
            String expected = offline.get(flow(ports.get(i)));
            if (b.ok() && !scenario.backend(b.backend()).address().equals(expected)) {
                notAsReplayed.add("port " + ports.get(i) + ": " + b.backend() + ", replay: " + expected);
            }
        }
        System.out.printf("[resilience] restart: gateway exit %d, serving again %d ms after start; %d flows with "
                        + "fixed 5-tuples, before %s, after %s, moved %d, failed %d, "
                        + "not where replay of the config sends them %d%n", exit.exitCode(), serving,
                ports.size(), RequestLoad.perBackend(before), RequestLoad.perBackend(after), moved.size(), failed.size(), notAsReplayed.size());
        assertEquals(0, exit.exitCode(), "gateway exit code after SIGTERM");
        assertTrue(failed.isEmpty(), "failed flows: " + failed);
        assertTrue(moved.isEmpty(), "flows that changed backend across the restart: " + moved);
        assertTrue(notAsReplayed.isEmpty(), "flows not where Maglev sends them: " + notAsReplayed);
        assertEquals(4, RequestLoad.perBackend(after).size(), "flows on every backend: " + RequestLoad.perBackend(after));
    }

    @Test
    @Order(6)
    void shouldChooseTheSameBackendInTwoGatewaysWithTheSameConfigInAnotherOrder() throws Exception {
        List<String> addresses = scenario.topology().backends().stream().map(Backend::address).toList();
        List<String> vips = List.of("10.100.0.1", "10.100.0.2", "10.100.0.3");
        List<VipEntry> entries = new ArrayList<>();
        for (int i = 0; i < vips.size(); i++) {
            List<BackendEntry> bs = new ArrayList<>();
            for (int j = 0; j < addresses.size(); j++) {
                bs.add(new BackendEntry(addresses.get(j), 1 + (i + j) % 3, "active"));
            }
            entries.add(new VipEntry("vip" + i, vips.get(i), List.of(80, 443), bs, null));
        }
        List<VipEntry> reordered = new ArrayList<>();
        for (VipEntry v : entries.reversed()) {
            reordered.add(new VipEntry(v.name(), v.address(), v.ports().reversed(), v.backends().reversed(), null));
        }
        Path configA = Files.writeString(work.resolve("replay-a.conf"), ScenarioConfigs.vips(entries,
                scenario.adminSocket()));
        Path configB = Files.writeString(work.resolve("replay-b.conf"), ScenarioConfigs.vips(reordered,
                scenario.adminSocket()));
        Random random = new Random(5);
        Set<Flow> unique = new java.util.LinkedHashSet<>();
        while (unique.size() < 5000) {
            unique.add(new Flow("10." + (1 + random.nextInt(200)) + "." + random.nextInt(256) + "."
                    + (1 + random.nextInt(254)), 1024 + random.nextInt(64000), vips.get(random.nextInt(3)),
                    random.nextBoolean() ? 80 : 443));
        }
        List<Flow> flows = List.copyOf(unique);
        Path in = work.resolve("replay-in.pcap");
        FlowReplay.writeSyns(in, flows);
        Path launcher = Distributions.fromSystemProperties().gatewayLauncher();
        CompletableFuture<Map<Flow, String>> a = CompletableFuture.supplyAsync(() -> replayOrThrow(launcher,
                configA, in, work.resolve("replay-a.pcap")));
        CompletableFuture<Map<Flow, String>> b = CompletableFuture.supplyAsync(() -> replayOrThrow(launcher,
                configB, in, work.resolve("replay-b.pcap")));
        Map<Flow, String> outA = a.join();
        Map<Flow, String> outB = b.join();
        List<String> differ = new ArrayList<>();
        for (Flow f : flows) {
            if (!java.util.Objects.equals(outA.get(f), outB.get(f))) {
                differ.add(f + ": " + outA.get(f) + " vs " + outB.get(f));
            }
        }
        Map<String, Long> spread = outA.values().stream()
                .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
        System.out.printf("[resilience] two gateway processes (replay), same config with VIPs, ports and backends in "
                + "reverse order: %d flows, %d and %d encapsulated, %d differ; backends %s%n", flows.size(),
                outA.size(), outB.size(), differ.size(), spread);
        assertEquals(flows.size(), outA.size(), "gateway A encapsulated every SYN");
        assertEquals(flows.size(), outB.size(), "gateway B encapsulated every SYN");
        assertTrue(differ.isEmpty(), differ.size() + " flows differ, e.g. " + differ.stream().limit(10).toList());
        assertEquals(new TreeSet<>(addresses), spread.keySet(), "every backend chosen");
    }

    @Test
    @Order(7)
    void shouldChooseTheSameBackendsLiveWithTheBackendsListedInAnotherOrder() throws Exception {
        // The live counterpart of the replay check, one gateway after the other in the one gateway namespace:
        // the running config, then the same config with its backends in reverse order, over the same 5-tuples.
        List<Integer> ports = IntStream.range(10200, 10400).boxed().toList();
        List<BackendEntry> weighted = scenario.topology().backends().stream()
                .map(b -> new BackendEntry(b.address(), b.name().equals("b1") ? 4 : 1, "active")).toList();
        List<Request> first = RequestLoad.fixedPorts(scenario.client(), target, ports, REQUEST_TIMEOUT);
        scenario.stopGateway();
        writeConfig(weighted.reversed(), TCP_HEALTH);
        scenario.startGateway();
        long serving = awaitServing(Set.of("b1", "b2", "b3", "b4"), SETTLE);
        List<Request> second = RequestLoad.fixedPorts(scenario.client(), target, ports, REQUEST_TIMEOUT);
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            Request a = first.get(i);
            Request b = second.get(i);
            if (!a.ok() || !b.ok() || !a.backend().equals(b.backend())) {
                differ.add("port " + ports.get(i) + ": " + a.describe(a.startNs()) + " / " + b.describe(b.startNs()));
            }
        }
        System.out.printf("[resilience] live: gateway with backends b1..b4, then a gateway with b4..b1 (serving "
                        + "%d ms after start): %d flows, first %s, second %s, %d differ or failed%n", serving,
                ports.size(), RequestLoad.perBackend(first), RequestLoad.perBackend(second), differ.size());
        assertTrue(differ.isEmpty(), "flows that differ: " + differ);
        assertEquals(4, RequestLoad.perBackend(second).size(), "flows on every backend: " + RequestLoad.perBackend(second));
    }

    // ---- the tunnel check (its own dual-stack scenario) ----

    static final String TUNNEL_HEALTH = "{ type = tunnel, interval = 250ms, timeout = 200ms, rise = 2, fall = 3 }";
    /** The VIPs of the tunnel-check test: IPv4 over ipip, IPv6 over sit (IPv4 backends) and ip6tnl (IPv6 ones). */
    static final List<TunnelCombination> TUNNEL_CHECKED = List.of(TunnelCombination.IPIP_4IN4,
            TunnelCombination.SIT_6IN4, TunnelCombination.IP6TNL_6IN6);

    /**
     * {@code health-check { type = tunnel }} end to end, on IPv4 and IPv6 VIPs: with every agent running every
     * backend is up; stopping b2's agent (userspace decapsulation: the tunnel stops, its HTTP server and the VIP on
     * {@code lo} stay, so a TCP check of b2's own address still passes) takes b2 down within the detection time on
     * every VIP while requests through the VIPs succeed on b1 and b3; restarting the agent brings b2 back after
     * {@code rise} probes. Runs last, in its own dual-stack {@link TunnelMatrixScenario} (the class's scenario is
     * closed first: a 2-core machine does not carry both).
     */
    @Test
    @Order(8)
    @Timeout(value = 180)
    void shouldTakeABackendWhoseAgentStoppedOutOfRotationWithTheTunnelCheckOnIpv4AndIpv6Vips() throws Exception {
        if (scenario != null) {
            scenario.close();
            scenario = null;
        }
        Path dir = Files.createDirectories(work.resolve("tunnel-check"));
        TunnelMatrixScenario.Options defaults = TunnelMatrixScenario.Options.defaults(dir);
        ManagedProcess restarted = null;
        try (TunnelMatrixScenario matrix = TunnelMatrixScenario.start(new TunnelMatrixScenario.Options(TUNNEL_CHECKED,
                3, dir, defaults.distributions(), defaults.javaCommand(), defaults.classpath(),
                defaults.readyTimeout()))) {
            // Every VIP gets the tunnel check, by reload (the scenario's config has no health checks).
            Path conf = dir.resolve("gateway.conf");
            String checked = Files.readString(conf).replace("backends = [",
                    "health-check = " + TUNNEL_HEALTH + "\n      backends = [");
            assertTrue(checked.contains("type = tunnel"), "no VIP entry to add the check to:\n" + checked);
            Files.writeString(conf, checked);
            assertTrue(DsrScenario.reloadBySighup(matrix.gateway()), "the gateway rejected health-check type = tunnel: "
                    + matrix.gateway().grep(Pattern.compile("rejected")));
            AdminSocket sock = new AdminSocket(matrix.adminSocket());
            Backend b2 = matrix.topology().backends().get(1);
            List<String> upRows = awaitHealth(sock, "up", Duration.ofSeconds(10));
            System.out.println("[resilience] tunnel check: every backend up with every agent running:\n"
                    + String.join("\n", upRows));

            ManagedProcess agent = matrix.agents().get(1);
            assertTrue(agent.name().contains(b2.name()), "agent " + agent.name() + " is not " + b2.name() + "'s");
            Map<String, Integer> linesBefore = new TreeMap<>();
            for (TunnelCombination c : TUNNEL_CHECKED) {
                linesBefore.put(vipName(c), matrix.gateway().grep(healthLine(c, b2, "DOWN")).size());
            }
            long stopNs = System.nanoTime();
            int exit = agent.stop(Duration.ofSeconds(5));
            long stoppedNs = System.nanoTime();
            Instant stoppedAt = Instant.now();
            // Measured on the gateway's log clock (when it marked b2 down), not when the test saw the line; null:
            // not within 5 s.
            Map<String, Double> detectionMs = new TreeMap<>();
            for (TunnelCombination c : TUNNEL_CHECKED) {
                String line = awaitLogLine(matrix.gateway(), healthLine(c, b2, "DOWN"), linesBefore.get(vipName(c)) + 1,
                        Duration.ofSeconds(5));
                detectionMs.put(vipName(c), line == null ? null : msBetween(stoppedAt, loggedAt(line)));
            }
            // What a tcp check to the backend's own address sees meanwhile: b2's server answers.
            Curl.Response direct = Curl.get(matrix.topology().gateway(),
                    Curl.url(b2.address(), TunnelCombination.HTTP_PORT, "/"), Duration.ofSeconds(3));
            List<String> downRows = rows(dsrctlAt(sock, "backends"));
            Map<String, DsrScenario.Spread> whileDown = new TreeMap<>();
            for (TunnelCombination c : TUNNEL_CHECKED) {
                whileDown.put(c.label(), matrix.spread(c, 30));
            }
            System.out.printf("[resilience] tunnel check: b2's agent stopped (exit %d, stop took %.0f ms); b2 DOWN "
                            + "in the gateway's log %s ms after it exited (limit %d + %d ms); b2's own address "
                            + "meanwhile: %s (body %s); requests through the VIPs: %s; dsrctl backends:%n%s%n", exit,
                    (stoppedNs - stopNs) / 1e6, detectionMs, DETECTION_MS, MARGIN_MS, direct.describe(),
                    direct.body().strip(), whileDown.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue().summary()).toList(),
                    String.join("\n", downRows));

            // The agent again, on the same config: back after rise probes.
            Path agentConf = dir.resolve(b2.name()).resolve("agent-noclamp.conf");
            Map<String, Integer> upBefore = new TreeMap<>();
            for (TunnelCombination c : TUNNEL_CHECKED) {
                upBefore.put(vipName(c), matrix.gateway().grep(healthLine(c, b2, "UP")).size());
            }
            restarted = ManagedProcess.start("agent-" + b2.name() + "-restart", b2.namespace(),
                    List.of(defaults.distributions().agentLauncher().toString(), "run", "--config",
                            agentConf.toString()), dir.resolve("logs/agent-" + b2.name() + "-restart.log"), Map.of());
            restarted.awaitLine(DsrScenario.AGENT_READY, Duration.ofSeconds(60));
            // The agent's own time of readiness (its log line just before the untimed "dsr-agent: ready"), and the
            // gateway's of b2's return: both by their logs, neither when the test got to see them.
            List<String> readiness = restarted.grep(AGENT_READINESS);
            assertFalse(readiness.isEmpty(), "no readiness line in the restarted agent's log\n" + restarted.tailBlock());
            Instant readyAt = loggedAt(readiness.getLast());
            Map<String, Double> backMs = new TreeMap<>();
            for (TunnelCombination c : TUNNEL_CHECKED) {
                String line = awaitLogLine(matrix.gateway(), healthLine(c, b2, "UP"), upBefore.get(vipName(c)) + 1,
                        Duration.ofSeconds(5));
                backMs.put(vipName(c), line == null ? null : msBetween(readyAt, loggedAt(line)));
            }
            List<String> backRows = awaitHealth(sock, "up", Duration.ofSeconds(5));
            Map<String, DsrScenario.Spread> afterBack = new TreeMap<>();
            for (TunnelCombination c : TUNNEL_CHECKED) {
                afterBack.put(c.label(), matrix.spread(c, 30));
            }
            long riseLimitMs = 2 * 250 + 200;
            System.out.printf("[resilience] tunnel check: b2's agent restarted; b2 UP %s ms after its ready line "
                            + "(limit rise x interval + timeout = %d + %d ms); requests: %s%n", backMs, riseLimitMs,
                    MARGIN_MS, afterBack.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().summary())
                            .toList());

            assertEquals(0, exit, "dsr-agent exit status on SIGTERM");
            for (TunnelCombination c : TUNNEL_CHECKED) {
                Double ms = detectionMs.get(vipName(c));
                assertNotNull(ms, vipName(c) + ": b2 not DOWN within 5 s of its agent's stop\n" + matrix.logTails());
                assertTrue(ms <= DETECTION_MS + MARGIN_MS, vipName(c) + ": detection took " + ms + " ms");
            }
            assertTrue(direct.ok() && direct.body().strip().equals(b2.name()), "b2's own address while its agent "
                    + "is stopped (a tcp check would pass): " + direct.describe());
            for (String row : downRows) {
                String[] f = row.trim().split("\\s+");
                String expected = f[1].equals(b2.address()) || f[1].equals(b2.address(6)) ? "down" : "up";
                assertEquals(expected, f[5], "HEALTH while b2's agent is stopped: " + row);
            }
            assertEquals(2 * TUNNEL_CHECKED.size() * 3, downRows.size(), "dsrctl backends rows: " + downRows);
            whileDown.forEach((label, s) -> {
                assertTrue(s.failures().isEmpty(), label + ": failed requests after detection: " + s.summary());
                assertEquals(0, s.perBackend().get(b2.name()), label + ": b2 served while down: " + s.summary());
                assertEquals(30, s.perBackend().get("b1") + s.perBackend().get("b3"), label + ": " + s.summary());
            });
            for (TunnelCombination c : TUNNEL_CHECKED) {
                Double ms = backMs.get(vipName(c));
                assertNotNull(ms, vipName(c) + ": b2 not UP within 5 s of its agent's restart\n"
                        + matrix.logTails());
                assertTrue(ms <= riseLimitMs + MARGIN_MS, vipName(c) + ": back after " + ms + " ms");
            }
            assertEquals(upRows.size(), backRows.size(), "rows after the restart: " + backRows);
            afterBack.forEach((label, s) -> {
                assertTrue(s.failures().isEmpty(), label + ": failed requests after b2 came back: " + s.summary());
                assertTrue(s.perBackend().get(b2.name()) > 0, label + ": b2 not serving again: " + s.summary());
            });
        } finally {
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    /** An admin socket of a gateway. */
    record AdminSocket(Path path) {
    }

    private static String vipName(TunnelCombination c) {
        return c.id().replace('_', '-') + "-tcp";
    }

    /** The gateway's health line in which backend {@code b} of {@code c}'s TCP VIP has {@code health}. */
    private static Pattern healthLine(TunnelCombination c, Backend b, String health) {
        String key = vipName(c) + "/" + b.address(c.outerFamily()) + "=" + health;
        return Pattern.compile("health of vip " + Pattern.quote(vipName(c)) + " changed: .*" + Pattern.quote(key)
                + "[,}]");
    }

    /**
     * Polls {@code dsrctl backends} until every row's HEALTH is {@code health}; returns the rows, or fails after
     * {@code timeout} with the last output.
     */
    private List<String> awaitHealth(AdminSocket sock, String health, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> rows = List.of();
        while (System.nanoTime() < deadline) {
            rows = rows(dsrctlAt(sock, "backends"));
            if (!rows.isEmpty() && rows.stream().allMatch(r -> r.trim().split("\\s+")[5].equals(health))) {
                return rows;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not every backend " + health + " within " + timeout + ":\n"
                + String.join("\n", rows));
    }

    /** {@code dsrctl backends} with its FLOWS column (the 8th) blanked out. */
    private static String withoutFlows(String backends) {
        return backends.lines().map(l -> {
            String[] c = l.trim().split("\\s+", 9);
            if (c.length > 7) {
                c[7] = "*";
            }
            return String.join(" ", c);
        }).collect(java.util.stream.Collectors.joining("\n"));
    }

    /** The data rows of {@code dsrctl backends} (the header dropped). */
    private static List<String> rows(String backends) {
        return backends.lines().filter(l -> !l.isBlank() && !l.startsWith("VIP")).toList();
    }

    private String dsrctlAt(AdminSocket sock, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Distributions.fromSystemProperties().gatewayLauncher().resolveSibling("dsrctl").toString(),
                "--socket", sock.path().toString()));
        cmd.addAll(List.of(args));
        Commands.Result r = Commands.run(cmd, Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), "dsrctl " + String.join(" ", args) + ": " + r.stdout() + r.stderr());
        return r.stdout();
    }

    // ---- drain ----

    /** An action on the backend named by its argument. */
    @FunctionalInterface
    interface BackendAction {
        void run(String backend) throws Exception;
    }

    /**
     * Starts a slow 4 MiB download (the server paces it to 1 MiB/s), drains the backend serving it with
     * {@code drain}, checks that new connections avoid it while the download completes intact, then
     * {@code undrain}s it.
     */
    private void drainCheck(String how, BackendAction drain, BackendAction undrain) throws Exception {
        // The download must outlast the drain command and the check that new flows avoid the backend: `dsr-agent
        // drain` is a JVM start (picocli parsing included), seconds on a loaded machine; the config drain is not.
        long bytes = how.equals("agent") ? 8L << 20 : 4L << 20;
        Path file = work.resolve("drain-" + how + ".bin");
        CompletableFuture<Curl.Download> download = CompletableFuture.supplyAsync(() -> {
            try {
                return Curl.download(scenario.client(),
                        DsrScenario.url("/blob?bytes=" + bytes + "&rate=" + (1 << 20)), file, Duration.ofSeconds(30));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        String drained = awaitBackendOf(file, download);
        long drainNs = System.nanoTime();
        drain.run(drained);
        Set<String> rest = new TreeSet<>(Set.of("b1", "b2", "b3"));
        rest.remove(drained);
        long gone = awaitServing(rest, Duration.ofSeconds(5));
        // The drain has taken effect now (new flows avoid the backend): what matters is that the download was still
        // open at this point, not whether it outlasts the 90 requests that follow (on a loaded machine they alone
        // can take longer than the rest of the paced download).
        boolean downloadStillRunning = !download.isDone();
        List<Request> after = sample(90);
        Curl.Download d = download.join();
        double downloadEndMs = (System.nanoTime() - drainNs) / 1e6;
        undrain.run(drained);
        long back = awaitServing(Set.of("b1", "b2", "b3"), SETTLE);
        String expected = Blob.sha256Hex(bytes);
        System.out.printf("[resilience] drain (%s) of %s: new flows avoid it %d ms after the drain; then %s; the "
                        + "download from it (running while those ran: %s) %s, %d bytes in %.1f s, ended %.0f ms "
                        + "after the drain, sha256 %s; undrained: serving again after %d ms%n", how, drained, gone,
                RequestLoad.perBackend(after), downloadStillRunning, d.response().describe(), d.response().bytes(),
                d.response().seconds(), downloadEndMs, expected.equals(d.sha256Hex()) ? "OK" : "MISMATCH", back);
        assertTrue(d.response().ok(), "the download from the drained backend failed: " + d.response().describe());
        assertEquals(expected, d.sha256Hex(), "digest of the download");
        assertTrue(downloadStillRunning, "the download ended before the drain took effect: not a test of it");
        assertTrue(after.stream().allMatch(Request::ok), "failed requests while draining: " + after.stream()
                .filter(r -> !r.ok()).map(r -> r.describe(drainNs)).toList());
        assertEquals(rest, RequestLoad.perBackend(after).keySet(), "new flows while " + drained + " drains");
        Files.deleteIfExists(file);
    }

    private String awaitBackendOf(Path file, CompletableFuture<Curl.Download> download) throws Exception {
        Path headers = Curl.headerFile(file);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (Files.exists(headers)) {
                String backend = Curl.parseHeaders(Files.readString(headers)).get("x-backend");
                if (backend != null) {
                    return backend;
                }
            }
            if (download.isDone()) {
                fail("the download ended before its headers were seen: " + download.join().response().describe());
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no X-Backend header within 5 s");
    }

    private void agent(String backend, String command) throws Exception {
        Backend b = scenario.backend(backend);
        Path conf = work.resolve(b.name()).resolve("agent.conf");
        Commands.Result r = Commands.run(b.namespace().wrap(List.of(
                Distributions.fromSystemProperties().agentLauncher().toString(), command, "--config", conf.toString())),
                Duration.ofSeconds(30));
        System.out.println("[resilience] dsr-agent " + command + " on " + backend + ": exit " + r.exitCode() + ": "
                + (r.stdout() + r.stderr()).strip());
        assertEquals(0, r.exitCode(), "dsr-agent " + command + ": " + r.stdout() + r.stderr());
    }

    // ---- config and reload ----

    private static String config(List<BackendEntry> backends, String healthCheck, Path adminSocket) {
        return ScenarioConfigs.vips(List.of(new VipEntry("web", VIP, List.of(DsrScenario.VIP_PORT), backends,
                healthCheck)), adminSocket);
    }

    private String writeConfig(List<BackendEntry> backends, String healthCheck) throws IOException {
        String c = config(backends, healthCheck, scenario.adminSocket());
        Files.writeString(scenario.gatewayConfigFile(), c);
        return c;
    }

    /** {@code dsrctl --socket ADMIN_SOCKET ARGS...}: its output; fails unless it exits 0. */
    private String dsrctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Distributions.fromSystemProperties().gatewayLauncher().resolveSibling("dsrctl").toString(),
                "--socket", scenario.adminSocket().toString()));
        cmd.addAll(List.of(args));
        Commands.Result r = Commands.run(cmd, Duration.ofSeconds(30));
        assertEquals(0, r.exitCode(), "dsrctl " + String.join(" ", args) + ": " + r.stdout() + r.stderr());
        return r.stdout();
    }

    private void signalReload() throws Exception {
        Commands.run(List.of("kill", "-HUP", Long.toString(scenario.gateway().pid()))).check();
    }

    private static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new IllegalArgumentException(needle + " not in the config");
    }

    // ---- attribution ----

    /** Live new flows compared with the offline choice of {@code config} for the same 5-tuples. */
    record Match(int flows, Map<String, Integer> perBackend, List<String> mismatches) {
        String summary() {
            return flows + " new flows " + perBackend + ", " + mismatches.size() + " not where replay of the config "
                    + "sends them" + (mismatches.isEmpty() ? "" : ": " + mismatches.stream().limit(5).toList());
        }
    }

    private Match compareWithReplay(String config, int n, String label) throws Exception {
        List<Integer> ports = freshPorts(n);
        List<Request> live = RequestLoad.fixedPorts(scenario.client(), target, ports, REQUEST_TIMEOUT);
        probes.addAll(live);
        Path conf = Files.writeString(work.resolve("replay-" + label + ".conf"), config);
        Path in = work.resolve("replay-" + label + "-in.pcap");
        FlowReplay.writeSyns(in, ports.stream().map(this::flow).toList());
        Map<Flow, String> offline = FlowReplay.replay(Distributions.fromSystemProperties().gatewayLauncher(), conf,
                in, work.resolve("replay-" + label + "-out.pcap"));
        Map<String, String> nameOf = scenario.topology().backends().stream()
                .collect(Collectors.toMap(Backend::address, Backend::name));
        List<String> mismatches = new ArrayList<>();
        for (Request r : live) {
            String expected = nameOf.get(offline.get(flow(r.localPort())));
            if (!r.ok() || !r.backend().equals(expected)) {
                mismatches.add("port " + r.localPort() + ": " + r.describe(r.startNs()) + ", replay: " + expected);
            }
        }
        return new Match(live.size(), RequestLoad.perBackend(live), mismatches);
    }

    /** Where the running config (as written) sends each failed request's flow, by replay. */
    private Map<Flow, String> replayRunningConfig(List<Request> requests, String label) throws IOException {
        if (requests.isEmpty()) {
            return Map.of();
        }
        Path in = work.resolve("replay-" + label + "-in.pcap");
        FlowReplay.writeSyns(in, requests.stream().map(r -> flow(r.localPort())).toList());
        return FlowReplay.replay(Distributions.fromSystemProperties().gatewayLauncher(),
                scenario.gatewayConfigFile(), in, work.resolve("replay-" + label + "-out.pcap"));
    }

    private static Map<Flow, String> replayOrThrow(Path launcher, Path config, Path in, Path out) {
        try {
            return FlowReplay.replay(launcher, config, in, out);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private Flow flow(int clientPort) {
        return new Flow(Topology.CLIENT_ADDRESS, clientPort, VIP, DsrScenario.VIP_PORT);
    }

    private List<Integer> freshPorts(int n) {
        if (nextPort + n > 32768) {
            throw new IllegalStateException("fresh client ports would reach the ephemeral range (32768..)");
        }
        List<Integer> ports = IntStream.range(nextPort, nextPort + n).boxed().toList();
        nextPort += n;
        return ports;
    }

    // ---- sampling ----

    /** {@code n} requests on fresh client ports, one after another. */
    private List<Request> sample(int n) throws Exception {
        List<Request> r = RequestLoad.fixedPorts(scenario.client(), target, freshPorts(n), REQUEST_TIMEOUT);
        probes.addAll(r);
        return r;
    }

    /**
     * Samples batches of 30 new connections until two batches in a row succeed completely and are served by
     * exactly {@code backends}; returns the time that took in ms.
     */
    private long awaitServing(Set<String> backends, Duration timeout) throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        int good = 0;
        List<Request> last = List.of();
        while (System.nanoTime() < deadline) {
            last = sample(30);
            boolean ok = last.stream().allMatch(Request::ok) && RequestLoad.perBackend(last).keySet().equals(backends);
            good = ok ? good + 1 : 0;
            if (good == 2) {
                return (System.nanoTime() - start) / 1_000_000;
            }
        }
        throw new AssertionError("not served by exactly " + backends + " within " + timeout + "; last batch: "
                + RequestLoad.perBackend(last) + ", failures " + last.stream().filter(r -> !r.ok()).map(r -> r.describe(start))
                .limit(5).toList() + "\n" + scenario.logTails());
    }


    /**
     * Polls {@code process}'s log every 5 ms until {@code pattern} matches at least {@code count} lines; returns
     * the {@code count}-th of them, or null after {@code timeout}.
     */
    private static String awaitLogLine(ManagedProcess process, Pattern pattern, int count, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> lines = process.grep(pattern);
            if (lines.size() >= count) {
                return lines.get(count - 1);
            }
            Thread.sleep(5);
        }
        return null;
    }

    /**
     * When a dsrgw process (gateway or agent) wrote {@code line}: its leading ISO-8601 timestamp. Timings taken from
     * it leave out how late the test, polling the log on a loaded machine, got to see the line.
     */
    static Instant loggedAt(String line) {
        return Instant.parse(line.substring(0, line.indexOf(' ')));
    }

    /** Milliseconds from {@code from} to {@code to} (negative when {@code to} is earlier). */
    static double msBetween(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }

    /**
     * Polls {@code process}'s log every 5 ms until {@code pattern} matches at least {@code count} lines; returns
     * the {@link System#nanoTime()} it saw that, or -1 after {@code timeout}.
     */
    private static long awaitLogLines(ManagedProcess process, Pattern pattern, int count, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (process.grep(pattern).size() >= count) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
        return -1;
    }
}
