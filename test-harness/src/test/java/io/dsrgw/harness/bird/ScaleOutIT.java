package io.dsrgw.harness.bird;

import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.scenario.Distributions;
import io.dsrgw.harness.traffic.RequestLoad;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static io.dsrgw.harness.bird.ScaleOutLab.VIP_SOLO;
import static io.dsrgw.harness.bird.ScaleOutLab.VIP_WEB;
import static io.dsrgw.harness.bird.ScaleOutLab.gatewayAddress;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 12 end to end with real BIRD processes: a router with ECMP learns the VIPs from two gateways over BGP (BFD),
 * and the gateways announce and withdraw them by health, drain, SIGTERM and SIGKILL. One lab for the class (~20 s
 * to start); the tests build on each other, so their order is fixed.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180)
class ScaleOutIT {
    static final Set<String> BOTH = Set.of(gatewayAddress(1), gatewayAddress(2));
    static final Set<String> G1 = Set.of(gatewayAddress(1));
    static final Set<String> G2 = Set.of(gatewayAddress(2));
    static final InetSocketAddress WEB = new InetSocketAddress(VIP_WEB, ScaleOutLab.PORT);
    /** BGP session setup and first announcements, from BIRD start. */
    static final Duration CONVERGE = Duration.ofSeconds(30);

    private ScaleOutLab lab;

    @BeforeAll
    void startLab() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("nft");
        NetnsAssumptions.assumeTool("curl");
        assumeTrue(Files.isExecutable(ScaleOutLab.BIRD), "BIRD 2 not installed at " + ScaleOutLab.BIRD
                + " (Debian package bird2; scripts/lib.sh installs it)");
        Distributions dists = Distributions.fromSystemProperties();
        String problem = dists.problem();
        assumeTrue(problem == null, problem);
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        Path work = Files.createTempDirectory(logs.toAbsolutePath(), "scale-out-");
        Path examples = Path.of(System.getProperty("basedir", ".")).resolve("../examples").toAbsolutePath().normalize();
        lab = ScaleOutLab.start(work, dists, examples, ProcessHandle.current().info().command().orElse("java"),
                System.getProperty("java.class.path"));
        System.out.println("[scale-out] lab " + lab.prefix() + " up; logs in " + work);
    }

    @AfterAll
    void stopLab() {
        if (lab != null) {
            lab.close();
        }
    }

    private static RequestLoad load(ScaleOutLab lab) {
        return RequestLoad.start(lab.client(), WEB, 3, Duration.ofSeconds(5), Duration.ofMillis(10));
    }

    private static List<RequestLoad.Request> failures(List<RequestLoad.Request> requests) {
        return requests.stream().filter(r -> !r.ok()).toList();
    }

    private static String describe(List<RequestLoad.Request> requests) {
        long origin = requests.isEmpty() ? 0 : requests.get(0).startNs();
        return requests.stream().limit(20).map(r -> r.describe(origin)).toList().toString();
    }

    @Test
    @Order(1)
    void shouldLearnEveryVipWithOneNextHopPerGatewayAndSpreadRequestsOverBoth() throws Exception {
        long web = lab.awaitNextHops(VIP_WEB, BOTH, CONVERGE);
        lab.awaitNextHops(VIP_SOLO, BOTH, CONVERGE);
        System.out.println("[scale-out] router has both VIPs via both gateways (" + web + " ms after the lab was up)");
        // The kernel transmits what it routes into the TUN: tx of dsr0 counts the packets a gateway received.
        long[] before = {lab.gatewayNamespace(1).counters("dsr0").txPackets(),
            lab.gatewayNamespace(2).counters("dsr0").txPackets()};
        List<Integer> ports = IntStream.range(41000, 41060).boxed().toList();
        List<RequestLoad.Request> rs = RequestLoad.fixedPorts(lab.client(), WEB, ports, Duration.ofSeconds(5));
        assertEquals(List.of(), failures(rs), lab.logTails());
        long g1 = lab.gatewayNamespace(1).counters("dsr0").txPackets() - before[0];
        long g2 = lab.gatewayNamespace(2).counters("dsr0").txPackets() - before[1];
        System.out.println("[scale-out] 60 connections: gateway packets g1 " + g1 + ", g2 " + g2);
        assertTrue(g1 > 0 && g2 > 0, "ECMP (L4 hash) sends flows through both gateways: g1 " + g1 + ", g2 " + g2);
        assertTrue(lab.dsrctl(1, "status").stdout().contains("\nannounce.web announced\n"));
    }

    @Test
    @Order(2)
    void shouldWithdrawAVipWhoseOnlyBackendIsDownAndAnnounceItAgainWithinTheRiseTime() throws Exception {
        lab.killServer(3);
        long down = lab.awaitNextHops(VIP_SOLO, Set.of(), Duration.ofSeconds(5));
        String status = lab.dsrctl(1, "status").stdout();
        assertTrue(status.contains("\nannounce.solo withdrawn: no backend in rotation\n"), status);
        assertEquals(BOTH, lab.nextHops(VIP_WEB), "web still has b1 and b2");
        long start = System.nanoTime();
        lab.startServer(3);
        long up = lab.awaitNextHops(VIP_SOLO, BOTH, Duration.ofSeconds(5));
        long sinceServer = (System.nanoTime() - start) / 1_000_000;
        System.out.println("[scale-out] solo withdrawn " + down + " ms after its backend died, announced again "
                + sinceServer + " ms after the server was started (" + up + " ms after it answered)");
        // rise 2 x interval 250 ms + timeout 200 ms, plus BIRD (async netlink) and BGP to the router.
        assertTrue(up <= 2_000, "announced " + up + " ms after the backend answered (expected: within ~rise time)");
    }

    @Test
    @Order(3)
    void shouldLoseNoRequestWhileAGatewayIsDrainedAndUndrained() throws Exception {
        RequestLoad load = load(lab);
        try {
            Thread.sleep(300);
            Commands.Result drained = lab.dsrctl(1, "drain-gateway");
            assertEquals(0, drained.exitCode(), drained.stderr());
            long ms = lab.awaitNextHops(VIP_WEB, G2, Duration.ofSeconds(5));
            lab.awaitNextHops(VIP_SOLO, G2, Duration.ofSeconds(5));
            System.out.println("[scale-out] drain-gateway g1: router down to g2 after " + ms + " ms");
            assertTrue(lab.dsrctl(1, "status").stdout().contains("\nannounce.web withdrawn: gateway drained\n"));
            Thread.sleep(500);
            assertEquals(0, lab.dsrctl(1, "undrain-gateway").exitCode());
            lab.awaitNextHops(VIP_WEB, BOTH, Duration.ofSeconds(5));
            Thread.sleep(300);
        } finally {
            List<RequestLoad.Request> rs = load.stop();
            System.out.println("[scale-out] drain/undrain under load: " + rs.size() + " requests");
            assertTrue(rs.size() > 20, "load ran: " + rs.size());
            assertEquals(List.of(), failures(rs), describe(failures(rs)));
        }
    }

    @Test
    @Order(4)
    void shouldLoseNoRequestWhenAGatewayStopsWithSigtermAndWhenItComesBack() throws Exception {
        RequestLoad load = load(lab);
        try {
            Thread.sleep(300);
            long start = System.nanoTime();
            Thread stopper = Thread.ofPlatform().start(() -> lab.gateway(2).stop(Duration.ofSeconds(20)));
            long ms = lab.awaitNextHops(VIP_WEB, G1, Duration.ofSeconds(5));
            stopper.join();
            long exited = (System.nanoTime() - start) / 1_000_000;
            System.out.println("[scale-out] SIGTERM g2: router down to g1 after " + ms + " ms, exit after " + exited
                    + " ms (withdraw-grace " + ScaleOutLab.WITHDRAW_GRACE.toMillis() + " ms)");
            assertTrue(ms < ScaleOutLab.WITHDRAW_GRACE.toMillis(), "withdrawn within the grace: " + ms + " ms");
            assertTrue(exited >= ScaleOutLab.WITHDRAW_GRACE.toMillis(), "kept forwarding through the grace");
            assertEquals(0, lab.gateway(2).awaitExit(Duration.ofSeconds(1)));
            assertTrue(lab.gateway(2).readLog().contains("routes withdrawn, forwarding for"), lab.gateway(2).tail(20));
            lab.startGateway(2);
            long back = lab.awaitNextHops(VIP_WEB, BOTH, Duration.ofSeconds(10));
            System.out.println("[scale-out] restarted g2 announced again " + back + " ms after its ready line");
            Thread.sleep(700);
            // A new TUN device: whatever it transmitted into the gateway came after the restart.
            long taken = lab.gatewayNamespace(2).counters("dsr0").txPackets();
            System.out.println("[scale-out] restarted g2 took " + taken + " packets in 700 ms");
            assertTrue(taken > 0, "the restarted gateway takes traffic again");
        } finally {
            List<RequestLoad.Request> rs = load.stop();
            System.out.println("[scale-out] SIGTERM + restart under load: " + rs.size() + " requests");
            assertTrue(rs.size() > 20, "load ran: " + rs.size());
            assertEquals(List.of(), failures(rs), describe(failures(rs)));
        }
    }

    @Test
    @Order(5)
    void shouldWithdrawAKilledGatewaysRoutesQuicklyAndFinishItsDownloadsThroughTheOther() throws Exception {
        lab.awaitNextHops(VIP_WEB, BOTH, Duration.ofSeconds(10));
        List<Integer> ports = IntStream.range(42000, 42030).boxed().toList();
        List<String> before = backends(RequestLoad.fixedPorts(lab.client(), WEB, ports, Duration.ofSeconds(5)));
        // Downloads whose flows the router hashes to g2, paced so that they are in flight when g2 dies.
        long bytes = 3L << 20;
        List<CompletableFuture<Curl.Download>> downloads = new ArrayList<>();
        for (int port : lab.clientPortsVia(VIP_WEB, gatewayAddress(2), 43000, 2)) {
            Path file = Files.createTempFile("scale-out-" + port + "-", ".bin");
            downloads.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return Curl.download(lab.client(), Curl.url(VIP_WEB, ScaleOutLab.PORT, "/blob?bytes=" + bytes
                            + "&rate=" + (1 << 20)), file, Duration.ofSeconds(30), List.of("--local-port",
                            Integer.toString(port)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        RequestLoad load = load(lab);
        long gone = -1;
        long killedNs = 0;
        try {
            Thread.sleep(700);
            // dsr-gateway crashes; BIRD lives on and finds the routes gone with the TUN device at its next scan.
            killedNs = System.nanoTime();
            lab.gateway(2).kill();
            gone = lab.awaitNextHops(VIP_WEB, G1, Duration.ofSeconds(5));
            System.out.println("[scale-out] SIGKILL dsr-gateway g2: router dropped it after " + gone + " ms");
            Thread.sleep(1000);
        } finally {
            List<RequestLoad.Request> rs = load.stop();
            List<RequestLoad.Request> failed = failures(rs);
            // Failed before the next hop went (or it never went): only the assertions below apply.
            long after = gone < 0 ? Long.MAX_VALUE : killedNs + (gone + 1) * 1_000_000;
            List<RequestLoad.Request> failedAfter = failed.stream().filter(r -> r.startNs() > after).toList();
            System.out.println("[scale-out] SIGKILL under load: " + rs.size() + " requests, " + failed.size()
                    + " failed (" + failedAfter.size() + " started after the next hop was gone)");
            assertTrue(rs.size() > 20, "load ran: " + rs.size());
            assertEquals(List.of(), failedAfter, describe(failedAfter));
        }
        // BIRD's kernel scan (scan time 1) plus BGP to the router.
        assertTrue(gone <= 1_500, "next hop gone " + gone + " ms after the kill (expected: <= 1500)");
        String expected = Blob.sha256Hex(bytes);
        for (CompletableFuture<Curl.Download> f : downloads) {
            Curl.Download d = f.join();
            System.out.println("[scale-out] download via g2 across its crash: " + d.response().describe());
            assertTrue(d.response().ok(), d.response().describe());
            assertEquals(expected, d.sha256Hex(), "finished intact through g1 (same backend)");
        }
        List<String> afterKill = backends(RequestLoad.fixedPorts(lab.client(), WEB, ports, Duration.ofSeconds(5)));
        assertEquals(before, afterKill, "the surviving gateway picks the same backend for every flow");
        lab.startGateway(2);
        lab.awaitNextHops(VIP_WEB, BOTH, Duration.ofSeconds(10));
    }

    @Test
    @Order(6)
    void shouldDropADeadGatewayHostWithinBfdTimeWithoutLosingARequest() throws Exception {
        lab.awaitNextHops(VIP_WEB, BOTH, Duration.ofSeconds(10));
        RequestLoad load = load(lab);
        long gone = -1;
        try {
            Thread.sleep(300);
            // Nothing in, nothing out: no BGP notification, no TCP reset, no ICMP, the link stays up.
            lab.blackhole(2);
            gone = lab.awaitNextHops(VIP_WEB, G1, Duration.ofSeconds(5));
            System.out.println("[scale-out] gateway host g2 dead: router dropped it after " + gone + " ms (BFD)");
            Thread.sleep(1000);
        } finally {
            List<RequestLoad.Request> rs = load.stop();
            System.out.println("[scale-out] dead host under load: " + rs.size() + " requests, " + failures(rs).size()
                    + " failed");
            // Packets lost to the dead host are retransmitted (TCP) and reach g1 once BFD moved the route: slower,
            // not failed (every request may take up to 5 s).
            assertTrue(rs.size() > 20, "load ran: " + rs.size());
            assertEquals(List.of(), failures(rs), describe(failures(rs)));
        }
        assertTrue(gone <= 1_500, "BFD: next hop gone " + gone + " ms after the host died (expected: <= 1500)");
    }

    private static List<String> backends(List<RequestLoad.Request> rs) {
        assertEquals(List.of(), failures(rs), describe(failures(rs)));
        return rs.stream().map(RequestLoad.Request::backend).toList();
    }
}
