package io.dsrgw.harness.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.NetnsAssumptions;
import io.dsrgw.harness.traffic.Blob;
import io.dsrgw.harness.traffic.Curl;
import io.dsrgw.harness.traffic.Ping;
import io.dsrgw.harness.traffic.UdpProbe;

/**
 * Issue 3 end to end: every tunnel combination ({@link TunnelCombination}, one VIP each) in ONE topology of 3
 * backends with the real {@code dsr-gateway run} and {@code dsr-agent run}. Each combination is its own container
 * in the report, with one test per check:
 * <ol>
 *   <li>phase A (agents without MSS clamp, ICMP flows): curl through the VIP reaches every backend and the replies
 *       bypass the gateway (exact nft counts, the right outer header and GRE flags on the wire); a 2 MB upload (far
 *       above the tunnel MTU) arrives intact, path-MTU discovery driven by the gateway's too-big messages; one
 *       4000- and a 9000-byte UDP datagram, fragmented by the client, each arrive whole at one backend; ping to
 *       the VIP is answered by the gateway; a 1 MiB download over a 1400-byte client link succeeds, as the router's
 *       too-big message about a reply (addressed to the VIP) is forwarded by the gateway to the backend;</li>
 *   <li>phase B (agents restarted with MSS clamp on, the router drops every ICMP frag-needed / ICMPv6 packet too
 *       big, client PMTU caches flushed): the 2 MB upload still arrives intact.</li>
 * </ol>
 * If the scenario cannot start (e.g. the gateway refuses a VIP), every check fails with that reason, so the report
 * still lists each combination. {@code -Ddsrgw.matrix.only=ipip_4in4,gre_4in4} (ids: {@link TunnelCombination#id()})
 * restricts the run to some combinations while debugging; the default is all of them.
 */
@Tag("netns")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300)
class TunnelMatrixIT {
    static final int REQUESTS = 30;
    static final long UPLOAD_BYTES = 2L << 20;
    /** 2 MB take ~0.2 s here; a stalled upload (a PMTUD black hole) fails after this. */
    static final Duration UPLOAD_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Datagram sizes: 3 and 7 fragments on a 1500-byte link. Were the fragments of one datagram hashed apart, the
     * chance that all of them still met on one of 3 backends is 1/9 resp. 1/729.
     */
    static final int[] UDP_BYTES = {4000, 9000};
    /** The router's client link during the download check: smaller than the backends' 1500-byte replies. */
    static final int CLIENT_LINK_MTU = 1400;
    static final long DOWNLOAD_BYTES = 1L << 20;
    static final int PINGS = 3;
    /** Lets the last packets of the previous check (closing handshakes) pass before a counting window starts. */
    static final Duration SETTLE = Duration.ofMillis(150);

    private TunnelMatrixScenario scenario;
    private Exception startFailure;
    private List<TunnelCombination> combinations;
    private Path work;
    private Path uploadFile;

    @BeforeAll
    void startScenario() throws Exception {
        NetnsAssumptions.assumeNetns();
        NetnsAssumptions.assumeTool("nft");
        NetnsAssumptions.assumeTool("curl");
        NetnsAssumptions.assumeTool("ping");
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        work = Files.createTempDirectory(logs.toAbsolutePath(), "matrix-");
        uploadFile = work.resolve("upload.bin");
        try (OutputStream out = Files.newOutputStream(uploadFile)) {
            Blob.write(UPLOAD_BYTES, out);
        }
        combinations = selected(System.getProperty("dsrgw.matrix.only", ""));
        long start = System.nanoTime();
        TunnelMatrixScenario.Options defaults = TunnelMatrixScenario.Options.defaults(work);
        try {
            scenario = TunnelMatrixScenario.start(new TunnelMatrixScenario.Options(combinations, defaults.backends(),
                    work, defaults.distributions(), defaults.javaCommand(), defaults.classpath(),
                    defaults.readyTimeout()));
            System.out.printf("[matrix] topology %s up with %d VIPs in %.1f s; logs in %s%n",
                    scenario.topology().prefix(), combinations.size(), (System.nanoTime() - start) / 1e9, work);
        } catch (java.io.IOException | RuntimeException e) {
            startFailure = e;
            System.out.println("[matrix] scenario did not start; every check fails with: " + e.getMessage());
        }
    }

    static List<TunnelCombination> selected(String only) {
        if (only.isBlank()) {
            return List.of(TunnelCombination.values());
        }
        List<TunnelCombination> out = new ArrayList<>();
        for (String id : only.split(",")) {
            out.add(TunnelCombination.valueOf(id.strip().toUpperCase(java.util.Locale.ROOT)));
        }
        System.out.println("[matrix] dsrgw.matrix.only: running only " + out);
        return out;
    }

    @AfterAll
    void stopScenario() {
        if (scenario != null) {
            scenario.close();
        }
    }

    @TestFactory
    @Order(1)
    Stream<DynamicNode> phaseAWithoutMssClampAndWithIcmp() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (TunnelCombination c : combinations) {
            List<DynamicNode> gue = !c.kind().isGue() ? List.of() : List.of(dynamicTest(c.label()
                    + ": outer UDP source ports differ between flows, stay fixed within one, in 49152..65535",
                    check(() -> gueSourcePorts(c))));
            nodes.add(dynamicContainer(c.label(), Stream.concat(Stream.of(
                    dynamicTest(c.label() + ": curl reaches every backend, replies bypass the gateway",
                            check(() -> curlSpreadAndDsr(c))),
                    dynamicTest(c.label() + ": 2 MB upload via path-MTU discovery (too-big from the gateway)",
                            check(() -> uploadWithPmtud(c))),
                    dynamicTest(c.label() + ": fragmented 4000- and 9000-byte UDP datagrams arrive whole at one"
                            + " backend",
                            check(() -> fragmentedUdp(c))),
                    dynamicTest(c.label() + ": ping to the VIP answered by the gateway",
                            check(() -> pingAnsweredByGateway(c))),
                    dynamicTest(c.label() + ": download over a 1400-byte client link (router's too-big forwarded to"
                            + " the backend)", check(() -> downloadWithTooBigForwarded(c)))), gue.stream())));
        }
        return nodes.stream();
    }

    @TestFactory
    @Order(2)
    Stream<DynamicNode> phaseBWithMssClampAndTooBigDropped() {
        List<DynamicNode> nodes = new ArrayList<>();
        nodes.add(dynamicTest("phase B: agents restarted with mss-clamp, router drops too-big, PMTU caches flushed",
                check(() -> scenario.enterClampPhase())));
        for (TunnelCombination c : combinations) {
            nodes.add(dynamicContainer(c.label() + " (phase B)", Stream.of(
                    dynamicTest(c.label() + ": 2 MB upload with MSS clamp while too-big messages are dropped",
                            check(() -> uploadWithClamp(c))))));
        }
        return nodes.stream();
    }

    /**
     * The body, failing first with the scenario's start failure if there was one (the class is skipped as a whole
     * in {@link #startScenario()} when namespaces are unavailable).
     */
    private Executable check(Executable body) {
        return () -> {
            if (startFailure != null) {
                throw new AssertionError("the scenario did not start: " + startFailure.getMessage(), startFailure);
            }
            body.execute();
        };
    }

    private void window() throws Exception {
        Thread.sleep(SETTLE.toMillis());
        scenario.resetCounters();
    }

    private void curlSpreadAndDsr(TunnelCombination c) throws Exception {
        window();
        DsrScenario.Spread spread = scenario.spread(c, REQUESTS);
        Thread.sleep(SETTLE.toMillis());
        TunnelEvidence e = scenario.evidence(c);
        String outer = TunnelEvidence.outerKey(c);
        String what = "[" + c.label() + "] spread: " + spread.summary() + "\n" + e.summary();
        System.out.println(what);
        String ctx = "\n" + what + "\n" + scenario.logTails();
        assertTrue(spread.failures().isEmpty(), "failed requests" + ctx);
        assertEquals(REQUESTS, spread.distinctLocalPorts(), "every request on its own connection" + ctx);
        for (Backend b : scenario.topology().backends()) {
            assertTrue(spread.perBackend().get(b.name()) > 0, b.name() + " got no request" + ctx);
        }
        assertEquals(scenario.topology().backends().size(), spread.perBackend().size(),
                "answers only from configured backends" + ctx);
        assertTrue(e.clientToVip() > 0, "client sent to the VIP" + ctx);
        assertEquals(e.clientToVip(), e.gatewayInToVip(), "every client->VIP packet reached the gateway" + ctx);
        assertEquals(0, e.gatewayInFromVip(), "packets from the VIP reached the gateway" + ctx);
        assertEquals(0, e.gatewayOutFromVip(), "the gateway sent packets from the VIP" + ctx);
        assertEquals(e.gatewayInToVip(), e.gatewayOut(outer),
                "every client->VIP packet left the gateway encapsulated as " + outer + ctx);
        assertEquals(e.gatewayOut(outer), e.gatewayOutAll(), "no other outer header than " + outer + ctx);
        long keyedCsum = e.gatewayOut("out4_gre_key_csum");
        long keyed6 = e.gatewayOut("out6_gre_key");
        if (c == TunnelCombination.GRE_KEYED_CHECKSUM_4IN4) {
            assertEquals(e.gatewayOut(outer), keyedCsum, "every GRE header with exactly C and K set" + ctx);
        } else if (c == TunnelCombination.IP6GRE_KEYED_6IN6) {
            assertEquals(e.gatewayOut(outer), keyed6, "every ip6gre header with exactly K set" + ctx);
        } else {
            assertEquals(0, keyedCsum + keyed6, "no keyed GRE for an unkeyed VIP" + ctx);
        }
        assertEquals(e.gatewayOut(outer), e.backendInTotal(outer), "backends received every tunnel packet" + ctx);
        for (Backend b : scenario.topology().backends()) {
            assertTrue(e.backendIn().get(b.name()).get(outer) > 0, b.name() + " received no " + outer + ctx);
        }
        assertEquals(0, e.routerToGatewayFromVip(), "the router sent replies towards the gateway" + ctx);
        assertTrue(e.routerBridgeFromVip() >= REQUESTS, "replies from the VIP on the backend bridge" + ctx);
        assertEquals(e.routerBridgeFromVip(), e.routerToClientFromVip(), "router forwarded replies to the client"
                + ctx);
        assertEquals(e.routerToClientFromVip(), e.clientFromVip(), "client received every reply" + ctx);
    }

    /**
     * Issue 15: GUE's outer source port follows the flow (receive-side scaling on the backend): over {@value
     * #REQUESTS} new connections, every inner client port travels under exactly one outer port, distinct flows get
     * distinct ports (a collision of two of 30 flows in 16384 ports is allowed: ~3 % likely), all in the default
     * range 49152..65535.
     */
    private void gueSourcePorts(TunnelCombination c) throws Exception {
        window();
        TunnelMatrixScenario.GuePorts p = scenario.guePorts(c, REQUESTS);
        String what = "[" + c.label() + "] gue source ports: " + p.outerPorts().size() + " outer ports for "
                + p.innerPorts().size() + " client ports (" + p.pairs().size() + " pairs): " + p.outerPorts()
                + "; " + p.spread().summary();
        System.out.println(what);
        assertTrue(p.spread().failures().isEmpty(), "failed requests\n" + what);
        assertTrue(p.innerPorts().size() >= REQUESTS, "every connection seen on the wire\n" + what);
        assertEquals(p.innerPorts().size(), p.pairs().size(), "one outer port per flow, however many packets\n"
                + what);
        assertTrue(p.outerPorts().size() >= p.innerPorts().size() - 2, "flows spread over outer ports\n" + what);
        assertTrue(p.outerPorts().stream().allMatch(x -> x >= 49152 && x <= 65535), "ports in 49152..65535\n"
                + what);
    }

    private void uploadWithPmtud(TunnelCombination c) throws Exception {
        window();
        Curl.Upload u = scenario.upload(c, uploadFile, UPLOAD_TIMEOUT);
        Thread.sleep(SETTLE.toMillis());
        TunnelEvidence e = scenario.evidence(c);
        String what = "[" + c.label() + "] upload (phase A): " + u.describe() + "\n" + e.summary();
        System.out.println(what);
        String ctx = "\n" + what + "\n" + scenario.logTails();
        assertTrue(u.intact(), "upload not intact" + ctx);
        assertTrue(e.synAcksMssOver() > 0, "without the clamp the SYN-ACK should advertise an MSS above "
                + c.maxMssBytes() + " (else this upload would not need path-MTU discovery)" + ctx);
        assertEquals(0, e.gatewayInFromVip(), "packets from the VIP reached the gateway" + ctx);
        assertEquals(0, e.routerToGatewayFromVip(), "the router sent replies towards the gateway" + ctx);
        // Any overhead above 20 bytes needs the gateway's own too-big from the VIP. (Since issue 14 the TUN's MTU is
        // 65535, so the gateway answers the IPIP/SIT case too, where its kernel used to; not asserted here, see
        // TunTooBigRateTest.)
        if (c.overheadBytes() > 20) {
            assertTrue(e.tooBigFromVip() > 0, "overhead " + c.overheadBytes() + " bytes: the client got no too-big"
                    + " message from the VIP, so path-MTU discovery cannot have worked through the gateway" + ctx);
            assertEquals(e.tooBigFromVip(), e.tooBigFromVipExact(), "too-big messages announce tunnel-mtu - overhead"
                    + " = " + c.innerMtuBytes() + ctx);
        }
    }

    private void fragmentedUdp(TunnelCombination c) throws Exception {
        for (int bytes : UDP_BYTES) {
            window();
            UdpProbe.Result r = scenario.udp(c, bytes);
            Thread.sleep(SETTLE.toMillis());
            TunnelEvidence e = scenario.evidence(c);
            String what = "[" + c.label() + "] udp " + bytes + " bytes: " + (r.ok() ? "ok" : "FAILED") + " after "
                    + r.attempts() + " attempt(s), backend " + r.backend() + "\n" + r.output().strip() + "\n"
                    + e.summary();
            System.out.println(what);
            String ctx = "\n" + what + "\n" + scenario.logTails();
            assertTrue(r.ok(), "no correct echo" + ctx);
            assertEquals(InetAddress.getByName(c.vip()), InetAddress.getByName(r.from()), "echo came from the VIP"
                    + ctx);
            assertTrue(scenario.topology().backends().stream().anyMatch(b -> b.name().equals(r.backend())),
                    "echo from a configured backend" + ctx);
            assertEquals(bytes, r.bytes(), "the backend got the whole datagram" + ctx);
            assertTrue(e.gatewayInFragments() >= bytes / 1500 + 1, "the datagram reached the gateway as fragments"
                    + ctx);
            assertEquals(0, e.gatewayInFromVip(), "the echo reply passed the gateway" + ctx);
            assertEquals(0, e.routerToGatewayFromVip(), "the router sent the echo reply towards the gateway" + ctx);
        }
    }

    private void pingAnsweredByGateway(TunnelCombination c) throws Exception {
        window();
        Ping.Result p = scenario.ping(c, PINGS);
        Thread.sleep(SETTLE.toMillis());
        TunnelEvidence e = scenario.evidence(c);
        String what = "[" + c.label() + "] ping: " + p.describe() + "\n" + e.summary();
        System.out.println(what);
        String ctx = "\n" + what + "\n" + p.output() + "\n" + scenario.gateway().tailBlock();
        assertTrue(p.allAnswered(), "not every echo request answered" + ctx);
        assertTrue(e.gatewayOutFromVip() >= PINGS, "the gateway sent the echo replies from the VIP" + ctx);
        assertEquals(0, e.backendInAll(), "echo requests were tunnelled to backends" + ctx);
    }

    private void downloadWithTooBigForwarded(TunnelCombination c) throws Exception {
        scenario.flushBackendPathMtus();
        window();
        Curl.Download d;
        scenario.clientLinkMtu(CLIENT_LINK_MTU);
        try {
            d = scenario.download(c, DOWNLOAD_BYTES, work.resolve("download-" + c.id() + ".bin"), UPLOAD_TIMEOUT);
        } finally {
            scenario.clientLinkMtu(1500);
            scenario.flushBackendPathMtus();
        }
        Thread.sleep(SETTLE.toMillis());
        TunnelEvidence e = scenario.evidence(c);
        String what = "[" + c.label() + "] download over a " + CLIENT_LINK_MTU + "-byte client link: "
                + d.response().describe() + String.format(" in %.2f s", d.response().seconds()) + ", sha256 "
                + d.sha256Hex() + "\n" + e.summary();
        System.out.println(what);
        String ctx = "\n" + what + "\n" + scenario.logTails();
        assertTrue(e.routerTooBigToVip() > 0, "the router sent no too-big to the VIP: the test proves nothing" + ctx);
        assertTrue(d.response().ok(), "download failed: the backend never learnt the smaller path MTU" + ctx);
        assertEquals(Blob.sha256Hex(DOWNLOAD_BYTES), d.sha256Hex(), "downloaded bytes" + ctx);
        assertEquals(0, e.gatewayInFromVip(), "packets from the VIP reached the gateway" + ctx);
        Files.deleteIfExists(d.file());
    }

    private void uploadWithClamp(TunnelCombination c) throws Exception {
        window();
        Curl.Upload u = scenario.upload(c, uploadFile, UPLOAD_TIMEOUT);
        Thread.sleep(SETTLE.toMillis());
        TunnelEvidence e = scenario.evidence(c);
        String what = "[" + c.label() + "] upload (phase B): " + u.describe() + "; router dropped "
                + (scenario.tooBigFilter() == null ? "(phase B not entered)" : scenario.tooBigFilter().dropped())
                + "\n" + e.summary();
        System.out.println(what);
        assertTrue(u.intact(), "upload not intact\n" + what + "\n" + scenario.logTails());
        assertTrue(e.synAcks() > 0, "the client saw the SYN-ACK\n" + what);
        assertEquals(0, e.synAcksMssOver(), "the agents' clamp left an MSS above " + c.maxMssBytes() + "\n" + what
                + "\n" + scenario.logTails());
        assertEquals(0, e.gatewayInFromVip(), "packets from the VIP reached the gateway\n" + what);
    }
}
