package io.dsrgw.harness.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.netns.Topology;
import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.RequestLoad;
import io.dsrgw.harness.traffic.RequestLoad.Request;

/**
 * The issue-2 end-to-end checks against the real {@code dsr-gateway run} and {@code dsr-agent run} processes in
 * one topology of 3 backends (started once for the class; ~10 s). The last test stops the gateway to read its
 * final counters, so the order is fixed.
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

    /**
     * The gateway sends frames itself (ingress.egress = packet, the default) to the MAC of the backends' next hop,
     * the router. When the router's interface gets a new MAC (announced by a gratuitous ARP, arp_notify), the
     * gateway must follow within a bounded short loss instead of sending into the old MAC for good: its resolver
     * sees the neighbour entry turn STALE with the new MAC, sends through the kernel until the kernel has verified
     * it, then sends frames to the new MAC.
     */
    @Test
    @Order(4)
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
    @Order(5)
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
