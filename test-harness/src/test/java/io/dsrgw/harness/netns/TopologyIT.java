package io.dsrgw.harness.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("netns")
class TopologyIT {
    @TempDir
    Path tmp;

    @BeforeEach
    void requireNamespaces() {
        NetnsAssumptions.assumeNetns();
    }

    @Test
    void shouldConnectClientGatewayAndBackendsThroughTheRouterAndRemoveEverythingOnClose() throws Exception {
        String prefix;
        try (Topology t = Topology.builder().backends(2).vip("10.100.0.1").build()) {
            prefix = t.prefix();
            assertTrue(prefix.matches("d[0-9a-f]{4}"), prefix);
            assertTrue(namespaces().stream().filter(n -> n.startsWith(prefix + "-")).count() == 5,
                    "5 namespaces: " + namespaces());
            for (Backend b : t.backends()) {
                assertTrue(t.client().exec("ping", "-c1", "-W2", b.address()).ok());
            }
            t.client().exec("ping", "-c1", "-W2", Topology.GATEWAY_ADDRESS);
            assertEquals("1", t.router().sysctl("net.ipv4.ip_forward"));
            assertEquals("1", t.gateway().sysctl("net.ipv4.ip_forward"));
            assertEquals("2", t.router().sysctl("net.ipv4.conf." + Topology.ROUTER_BRIDGE + ".rp_filter"));
            assertTrue(t.router().ip("route", "show", "10.100.0.1").stdout().contains("via 10.0.2.2"));
            LinkCounters c = t.gateway().counters(Topology.LEAF_DEVICE);
            assertTrue(c.rxPackets() >= 2 && c.txPackets() >= 2, c.toString());
        }
        assertFalse(namespaces().stream().anyMatch(n -> n.startsWith(prefix + "-")), "leftovers: " + namespaces());
    }

    @Test
    void shouldConnectEveryNamespaceOverIpv6TooAndRouteIpv6VipsToTheGateway() throws Exception {
        try (Topology t = Topology.builder().backends(2).vip("fd00:100::1").vip("10.100.0.2").build()) {
            for (Backend b : t.backends()) {
                assertTrue(b.address6().startsWith("fd00:3::1"), b.address6());
                assertTrue(t.client().exec("ping", "-6", "-c1", "-W2", b.address6()).ok());
                assertEquals(b.address6(), b.address(6));
            }
            t.client().exec("ping", "-6", "-c1", "-W2", Topology.GATEWAY_ADDRESS6);
            assertEquals("1", t.router().sysctl("net.ipv6.conf.all.forwarding"));
            assertEquals("1", t.gateway().sysctl("net.ipv6.conf.all.forwarding"));
            assertTrue(t.router().ip("-6", "route", "show", "fd00:100::1").stdout().contains("via fd00:2::2"),
                    t.router().ip("-6", "route").stdout());
            assertTrue(t.router().ip("route", "show", "10.100.0.2").stdout().contains("via 10.0.2.2"));
            assertEquals(List.of("fd00:100::1/128", "10.100.0.2/32"), t.routedViaGateway());
        }
    }

    @Test
    void shouldDropForwardedTooBigMessagesWhileTheFilterIsInstalled() throws Exception {
        NetnsAssumptions.assumeTool("nft");
        try (Topology t = Topology.builder().backends(1).routeViaGateway("10.100.9.9/32")
                .routeViaGateway("fd00:100::99/128").build()) {
            // The gateway (a forwarding router) reaches these two destinations only over a 1300-byte link, so it
            // answers 1500-byte packets with frag-needed / packet too big, which cross the router's forward path.
            t.gateway().ip("link", "add", "small0", "mtu", "1300", "type", "veth", "peer", "name", "small1");
            t.gateway().ip("link", "set", "small0", "up");
            t.gateway().ip("link", "set", "small1", "up");
            t.gateway().ip("route", "add", "10.100.9.9/32", "dev", "small0");
            t.gateway().ip("-6", "route", "add", "fd00:100::99/128", "dev", "small0");
            try (TooBigFilter f = TooBigFilter.install(t.router())) {
                Commands.Result r4 = t.client().execUnchecked(Duration.ofSeconds(10), "ping", "-4", "-c1", "-W1",
                        "-M", "do", "-s", "1472", "10.100.9.9");
                Commands.Result r6 = t.client().execUnchecked(Duration.ofSeconds(10), "ping", "-6", "-c1", "-W1",
                        "-s", "1452", "fd00:100::99");
                Map<String, NftCounters.Count> d = f.dropped();
                String ctx = d + "\n" + r4.stdout() + r4.stderr() + "\n" + r6.stdout() + r6.stderr();
                assertEquals(1, d.get("dropped_frag_needed").packets(), ctx);
                assertEquals(1, d.get("dropped_packet_too_big").packets(), ctx);
            }
            assertFalse(t.router().execUnchecked(Duration.ofSeconds(5), "nft", "list", "table", "inet",
                    TooBigFilter.TABLE).ok(), "table removed on close");
        }
    }

    @Test
    void shouldCountExactlyTheMatchedPacketsWithNft() throws Exception {
        NetnsAssumptions.assumeTool("nft");
        try (Topology t = Topology.builder().backends(1).build()) {
            NftCounters c = NftCounters.install(t.gateway(), NftCounters.Hook.PREROUTING,
                    Map.of("icmp_from_client", "ip saddr 10.0.1.2 ip protocol icmp"));
            t.client().exec("ping", "-c3", "-i0.05", "-W2", Topology.GATEWAY_ADDRESS);
            assertEquals(3, c.read().get("icmp_from_client").packets());
            c.reset();
            assertEquals(0, c.read().get("icmp_from_client").packets());
        }
    }

    @Test
    void shouldWaitForTheReadyLineAndStopTheProcessBySigterm() throws Exception {
        try (Topology t = Topology.builder().backends(1).build()) {
            ManagedProcess p = ManagedProcess.start("sleeper", t.client(),
                    List.of("sh", "-c",
                            "trap 'echo got TERM; exit 3' TERM; echo ready now; while :; do sleep 0.1; done"),
                    tmp.resolve("sleeper.log"), Map.of());
            assertEquals("ready now", p.awaitLine(Pattern.compile("^ready"), Duration.ofSeconds(10)));
            assertTrue(t.client().pids().contains(p.pid()), "pid " + p.pid() + " runs in the client namespace");
            assertEquals(3, p.stop(Duration.ofSeconds(5)));
            assertTrue(p.readLog().contains("got TERM"));
        }
    }

    @Test
    void shouldKillAProcessThatIgnoresSigtermAfterTheGracePeriod() throws Exception {
        ManagedProcess p = ManagedProcess.start("stubborn", null,
                List.of("sh", "-c", "trap '' TERM; echo up; while :; do sleep 0.1; done"), tmp.resolve("s.log"),
                Map.of());
        p.awaitLine(Pattern.compile("up"), Duration.ofSeconds(10));
        System.out.println("[topology] expected: a WARN that pid " + p.pid() + " (stubborn, it ignores SIGTERM) is "
                + "still alive after the grace period and gets SIGKILL");
        assertEquals(137, p.stop(Duration.ofMillis(300)));
        assertFalse(p.alive());
    }

    @Test
    void shouldReportTheLogTailWhenAProcessDiesBeforeItIsReady() throws Exception {
        ManagedProcess p = ManagedProcess.start("dies", null, List.of("sh", "-c", "echo bad config line 7; exit 1"),
                tmp.resolve("dies.log"), Map.of());
        IOException e = assertThrows(IOException.class,
                () -> p.awaitLine(Pattern.compile("ready"), Duration.ofSeconds(10)));
        assertTrue(e.getMessage().contains("exited with code 1") && e.getMessage().contains("bad config line 7"),
                e.getMessage());
        p.close();
    }

    @Test
    void shouldRemoveTheNamespacesOfATopologyWhoseJvmDied() throws Exception {
        String stale = Topology.randomPrefix();
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Commands.check(List.of("ip", "netns", "add", stale + "-cl"));
        java.nio.file.Files.createDirectories(Path.of(OwnerMarkers.DIR));
        java.nio.file.Files.writeString(Path.of(OwnerMarkers.DIR, stale + ".owner"), dead.pid() + " ?\n");
        System.out.println("[topology] expected: a WARN that namespaces " + stale + "-* were left behind by a dead "
                + "harness JVM (this test planted them, owned by the exited pid " + dead.pid() + ")");
        try (Topology t = Topology.builder().backends(1).build()) {
            assertFalse(namespaces().contains(stale + "-cl"), "stale namespace still there: " + namespaces());
            assertFalse(java.nio.file.Files.exists(Path.of(OwnerMarkers.DIR, stale + ".owner")));
            assertTrue(java.nio.file.Files.exists(Path.of(OwnerMarkers.DIR, t.prefix() + ".owner")));
        } finally {
            Commands.run(List.of("ip", "netns", "del", stale + "-cl"));
        }
    }

    private static List<String> namespaces() throws CommandException {
        return List.of(Commands.check(List.of("ip", "netns", "list")).stdout().split("\n")).stream()
                .map(l -> l.strip().split("\\s+")[0]).filter(s -> !s.isEmpty()).toList();
    }
}
