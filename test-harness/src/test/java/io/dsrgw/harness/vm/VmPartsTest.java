package io.dsrgw.harness.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.typesafe.config.ConfigFactory;

import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.harness.netns.HostRequirements;

/** The small pure parts of the VM lab: reply framing, ldd parsing, package choice, gateway configs. */
class VmPartsTest {
    @Test
    void shouldSplitTheGuestReplyIntoOutputAndExitCode() throws Exception {
        GuestResult r = GuestResult.parse("x", "line1\nline2\n\n@@DSRGW-EXIT 3\n");
        assertEquals(3, r.exitCode());
        assertEquals("line1\nline2\n", r.output());
        GuestResult noNewline = GuestResult.parse("x", "partial\n@@DSRGW-EXIT 0\n");
        assertEquals("partial", noNewline.output());
        assertTrue(noNewline.ok());
    }

    @Test
    void shouldUseTheLastMarkerWhenTheOutputContainsTheMarkerText() throws Exception {
        GuestResult r = GuestResult.parse("x", "\n@@DSRGW-EXIT 9\nmore\n@@DSRGW-EXIT 0\n");
        assertEquals(0, r.exitCode());
        assertEquals("\n@@DSRGW-EXIT 9\nmore", r.output());
    }

    @Test
    void shouldReportABrokenChannelWhenTheMarkerIsMissing() {
        GuestCommandException e = assertThrows(GuestCommandException.class, () -> GuestResult.parse("ls", "a\nb"));
        assertTrue(e.getMessage().contains("no exit marker"), e.getMessage());
        assertEquals(-1, e.exitCode());
    }

    @Test
    void shouldNameScriptExitCodeAndOutputWhenACheckFails() {
        GuestCommandException e = assertThrows(GuestCommandException.class,
                () -> new GuestResult("ip link add x type ipip", 2, "RTNETLINK answers: File exists\n").check());
        assertEquals("in the VM `ip link add x type ipip` exited 2: RTNETLINK answers: File exists", e.getMessage());
    }

    @Test
    void shouldCompareGuestStatesByConfigurationNotByInstance() {
        String before = """
                @@link
                1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue\\    link/loopback 00:00:00:00:00:00
                9: dsrip6@NONE: <NOARP,UP> mtu 1452\\    link/tunnel6 fd00:1::2 permaddr 2625:733f:2e83::
                @@addr
                1: lo    inet 10.100.0.1/32 scope global lo\\       valid_lft forever preferred_lft forever
                9: dsrip6    inet6 fe80::2425:73ff:fe3f:2e83/64 scope link \\   valid_lft forever preferred_lft forever
                @@nft
                @@sysctl
                net.ipv4.conf.all.rp_filter = 0
                """;
        String recreated = before.replace("9: dsrip6", "12: dsrip6").replace("2625:733f:2e83::", "ce34:da9b:6574::")
                .replace("fe80::2425:73ff:fe3f:2e83", "fe80::cc34:daff:fe9b:6574");
        GuestState a = GuestState.parse(before);
        GuestState b = GuestState.parse(recreated);
        assertEquals(List.of(), a.diff(b));
        assertEquals(9, a.ifindexByName().get("dsrip6"));
        assertEquals(12, b.ifindexByName().get("dsrip6"));
        assertTrue(a.lines().contains("addr: lo inet 10.100.0.1/32 scope global lo"), a.lines().toString());
        GuestState strict = GuestState.parse(before.replace("rp_filter = 0", "rp_filter = 1"));
        assertEquals(List.of("- sysctl: net.ipv4.conf.all.rp_filter = 0", "+ sysctl: net.ipv4.conf.all.rp_filter = 1"),
                a.diff(strict));
    }

    @Test
    void shouldIgnoreTheCarrierOfALinkButNotItsAdministrativeState() {
        // Seen for real: right after boot eth0 had no carrier yet, seconds later it had.
        String booting = """
                @@link
                2: eth0: <NO-CARRIER,BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state DOWN mode DEFAULT
                3: dsrgre@NONE: <NOARP,UP,LOWER_UP> mtu 1476 qdisc noqueue state UNKNOWN mode DEFAULT
                """;
        String running = booting.replace("<NO-CARRIER,BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state"
                + " DOWN", "<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UP");
        GuestState a = GuestState.parse(booting);
        assertEquals(List.of(), a.diff(GuestState.parse(running)));
        assertTrue(a.lines().contains("link: dsrgre@NONE: <NOARP,UP> mtu 1476 qdisc noqueue mode DEFAULT"),
                a.lines().toString());
        GuestState down = GuestState.parse(booting.replace("<NOARP,UP,LOWER_UP>", "<NOARP>"));
        assertEquals(List.of("- link: dsrgre@NONE: <NOARP,UP> mtu 1476 qdisc noqueue mode DEFAULT",
                "+ link: dsrgre@NONE: <NOARP> mtu 1476 qdisc noqueue mode DEFAULT"), a.diff(down));
    }

    @Test
    void shouldTakeLibraryPathsAndTheLoaderFromLddOutput() {
        String ldd = """
                \tlinux-vdso.so.1 (0x00007ffd)
                \tlibmnl.so.0 => /lib/x86_64-linux-gnu/libmnl.so.0 (0x00007f09)
                \tlibfoo.so.1 => not found
                \t/lib64/ld-linux-x86-64.so.2 (0x00007f0961b93000)
                """;
        assertEquals(Set.of("/lib/x86_64-linux-gnu/libmnl.so.0", "/lib64/ld-linux-x86-64.so.2"),
                Initramfs.parseLdd(ldd));
    }

    @Test
    void shouldPickTheHighestAbiNumberNotTheLexicallyLast() {
        assertEquals("linux-image-6.1.0-10-amd64", KernelImage.newestOf(List.of("linux-image-6.1.0-9-amd64",
                "linux-image-6.1.0-10-amd64", "linux-image-6.1.0-10-amd64-unsigned", "linux-image-6.1.0-11-rt-amd64",
                "linux-image-6.1.0-11-cloud-amd64")));
        assertNull(KernelImage.newestOf(List.of("linux-image-amd64")));
    }

    @Test
    void shouldFallBackOnlyToACompletelyUnpackedCachedKernel(@org.junit.jupiter.api.io.TempDir Path cache)
            throws Exception {
        assertNull(KernelImage.newestCached(cache));
        java.nio.file.Files.createDirectories(cache.resolve("6.1.0-9-amd64"));
        java.nio.file.Files.createDirectories(cache.resolve("6.1.0-12-amd64")); // unpacking was interrupted
        java.nio.file.Files.writeString(cache.resolve("6.1.0-9-amd64/.complete-"
                + Integer.toHexString(KernelImage.EXTRACT.hashCode())), "");
        KernelImage k = KernelImage.newestCached(cache);
        assertEquals("6.1.0-9-amd64", k.release());
        assertEquals(cache.resolve("6.1.0-9-amd64/lib/modules/6.1.0-9-amd64"), k.moduleDir());
    }

    @Test
    void shouldDescribeTenDistinctKindFamilyCombinations() {
        assertEquals(14, Set.of(TunnelCase.values()).stream().map(TunnelCase::describe).distinct().count());
        assertEquals("http://[fd00:100::1]:80/", TunnelCase.IP6TNL_6IN6.url());
        assertEquals(VmNetwork.GUEST6, TunnelCase.IP6GRE_INNER4.backendAddress());
        assertEquals("gre", TunnelCase.GRE_KEY42_INNER6.gatewayTunnel());
        assertEquals("ipip", TunnelCase.SIT_6IN4.gatewayTunnel());
    }

    @Test
    void shouldWriteAGatewayConfigTheConfLoaderAcceptsForTheIpipCase() throws Exception {
        String hocon = KernelLab.gatewayConfig(TunnelCase.IPIP_4IN4, Path.of("/tmp/w/gateway.sock"));
        GatewayConfig g = ConfigLoader.parseGateway(hocon, "ipip.conf");
        assertEquals(1, g.vips().size());
        assertEquals("/10.0.0.2", g.vips().get(0).backends().get(0).address().toString());
        assertEquals("/10.0.0.1", g.tunnelSource().ipv4().toString());
        // Every case is at least valid HOCON with the keys the schema knows (the conf loader validates families).
        for (TunnelCase c : TunnelCase.values()) {
            ConfigFactory.parseString(KernelLab.gatewayConfig(c, Path.of("/tmp/w/gateway.sock"))).resolve();
        }
    }
    /** Without a package to download and nothing cached, the VM tests skip (KernelUnavailableException). */
    @Test
    void shouldReportAKernelThatCannotBeDownloadedAsUnavailable(@TempDir Path cache) {
        Assumptions.assumeTrue(HostRequirements.tool("apt-get").available(), "no apt-get on this host");
        String before = System.getProperty(KernelImage.PACKAGE_PROPERTY);
        System.setProperty(KernelImage.PACKAGE_PROPERTY, "linux-image-6.1.0-999-amd64");
        try {
            KernelUnavailableException e = assertThrows(KernelUnavailableException.class,
                    () -> KernelImage.prepare(cache));
            assertTrue(e.getMessage().startsWith("cannot download linux-image-6.1.0-999-amd64 (apt-get download"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("; nothing cached in " + cache), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(KernelImage.PACKAGE_PROPERTY);
            } else {
                System.setProperty(KernelImage.PACKAGE_PROPERTY, before);
            }
        }
    }
}
