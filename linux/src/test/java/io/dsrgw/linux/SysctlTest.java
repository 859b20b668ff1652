package io.dsrgw.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SysctlTest {
    private static Path file(Path root, String relative, String value) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, value);
        return p;
    }

    @Test
    void shouldMapDotsToSlashes(@TempDir Path root) throws IOException {
        Path f = file(root, "net/ipv4/conf/all/rp_filter", "2\n");
        Sysctl s = new Sysctl(root);
        assertEquals(f, s.resolve("net.ipv4.conf.all.rp_filter"));
        assertEquals("2", s.get(f, "net.ipv4.conf.all.rp_filter"));
    }

    @Test
    void shouldFindAnInterfaceNameContainingADot(@TempDir Path root) throws IOException {
        file(root, "net/ipv4/conf/eth0/rp_filter", "1");
        Path vlan = file(root, "net/ipv4/conf/eth0.100/rp_filter", "0");
        Sysctl s = new Sysctl(root);
        // eth0 exists too, but eth0/100/rp_filter does not: backtrack to eth0.100
        assertEquals(vlan, s.resolve("net.ipv4.conf.eth0.100.rp_filter"));
        assertEquals(root.resolve("net/ipv4/conf/eth0/rp_filter"), s.resolve("net.ipv4.conf.eth0.rp_filter"));
    }

    @Test
    void shouldTakeTheSlashFormAndExplicitPartsLiterally(@TempDir Path root) throws IOException {
        Sysctl s = new Sysctl(root);
        assertEquals(root.resolve("net/ipv4/conf/eth0.100/rp_filter"),
                s.resolve("net/ipv4/conf/eth0.100/rp_filter"));
        assertEquals(root.resolve("net/ipv4/conf/eth0.100/rp_filter"),
                s.resolveParts("net", "ipv4", "conf", "eth0.100", "rp_filter"));
        assertThrows(IllegalArgumentException.class, () -> s.resolveParts("net", "..", "x"));
        assertThrows(IllegalArgumentException.class, () -> s.resolveParts("net", "a/b"));
    }

    @Test
    void shouldFallBackToPlainSlashesForAMissingKeyAndSaySoWhenRead(@TempDir Path root) {
        Sysctl s = new Sysctl(root);
        Path p = s.resolve("net.ipv4.conf.nosuch0.rp_filter");
        assertEquals(root.resolve("net/ipv4/conf/nosuch0/rp_filter"), p);
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> s.get(p, "net.ipv4.conf.nosuch0.rp_filter"));
        assertTrue(e.getMessage().contains("sysctl net.ipv4.conf.nosuch0.rp_filter does not exist"),
                e.getMessage());
    }

    @Test
    void shouldRejectMalformedKeys(@TempDir Path root) {
        Sysctl s = new Sysctl(root);
        for (String bad : new String[] {"", ".net", "net.", "/net", "net..ipv4"}) {
            assertThrows(IllegalArgumentException.class, () -> s.resolve(bad), bad);
        }
    }

    @Test
    void shouldWriteAndReadBack(@TempDir Path root) throws IOException {
        Path f = file(root, "net/ipv4/conf/all/arp_ignore", "0");
        Sysctl s = new Sysctl(root);
        s.set(f, "net.ipv4.conf.all.arp_ignore", "1");
        assertEquals("1", s.get(f, "net.ipv4.conf.all.arp_ignore"));
    }

    @Test
    void shouldNotCreateAMissingKeyWhenWriting(@TempDir Path root) {
        Sysctl s = new Sysctl(root);
        Path p = s.resolve("net.ipv4.conf.nosuch0.rp_filter");
        assertThrows(NoSuchFileException.class, () -> s.set(p, "net.ipv4.conf.nosuch0.rp_filter", "0"));
        assertTrue(!Files.exists(p));
    }

    /** Writes only the per-device keys of a TUN the test creates, never a host-wide setting. */
    @Test
    void shouldWriteAndReadARealPerDeviceKeyOfOwnTun() throws Exception {
        TestSupport.assumeTun();
        try (TunDevice tun = TunDevice.open(TestSupport.uniqueName(), false, true)) {
            String key = "net.ipv4.conf." + tun.name() + ".rp_filter";
            Sysctl.write(key, "2");
            assertEquals("2", Sysctl.read(key));
            Sysctl.write(Sysctl.path("net", "ipv4", "conf", tun.name(), "rp_filter"), "0");
            assertEquals("0", Sysctl.read(key));
            IOException e = assertThrows(IOException.class, () -> Sysctl.write(key, "banana"));
            assertTrue(e.getMessage().startsWith("write sysctl " + key + " = banana (/proc/sys/net/ipv4/conf/"),
                    e.getMessage());
        }
        NoSuchFileException missing = assertThrows(NoSuchFileException.class,
                () -> Sysctl.read("net.ipv4.conf.nosuchdev0.rp_filter"));
        assertTrue(missing.getMessage().contains("sysctl net.ipv4.conf.nosuchdev0.rp_filter does not exist"));
    }

    @Test
    void shouldReadTheRealProcSys() throws IOException {
        String forward = Sysctl.read("net.ipv4.ip_forward");
        assertTrue(forward.equals("0") || forward.equals("1"), forward);
        assertEquals(forward, Sysctl.read(Sysctl.path("net", "ipv4", "ip_forward")));
        assertEquals(Path.of("/proc/sys/net/ipv4/conf/lo/rp_filter"), Sysctl.path("net.ipv4.conf.lo.rp_filter"));
    }
}
