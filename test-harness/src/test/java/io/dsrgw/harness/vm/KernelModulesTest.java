package io.dsrgw.harness.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelModulesTest {
    @TempDir
    Path dir;

    /** A fake .ko: some binary bytes, then a .modinfo-like run of NUL-terminated key=value strings. */
    private void module(String relPath, String depends) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(new byte[] {0x7f, 'E', 'L', 'F', 1, 2, 'x'});
        // A decoy that is not at the start of a modinfo entry must be ignored.
        b.writeBytes("xdepends=decoy\0".getBytes(StandardCharsets.US_ASCII));
        b.writeBytes(("license=GPL\0" + (depends == null ? "" : "depends=" + depends + "\0") + "intree=Y\0")
                .getBytes(StandardCharsets.US_ASCII));
        Path p = dir.resolve(relPath);
        Files.createDirectories(p.getParent());
        Files.write(p, b.toByteArray());
    }

    @Test
    void shouldOrderEveryDependencyBeforeItsUserAndEachModuleOnce() throws IOException {
        module("kernel/net/ipv4/ipip.ko", "ip_tunnel,tunnel4");
        module("kernel/net/ipv4/ip_tunnel.ko", "");
        module("kernel/net/ipv4/tunnel4.ko", "");
        module("kernel/net/ipv4/ip_gre.ko", "ip_tunnel,gre");
        module("kernel/net/ipv4/gre.ko", null);
        List<Path> order = KernelModules.index(dir).loadOrder(List.of("ipip", "ip_gre"));
        assertEquals(List.of(Path.of("kernel/net/ipv4/ip_tunnel.ko"), Path.of("kernel/net/ipv4/tunnel4.ko"),
                Path.of("kernel/net/ipv4/ipip.ko"), Path.of("kernel/net/ipv4/gre.ko"),
                Path.of("kernel/net/ipv4/ip_gre.ko")), order);
    }

    @Test
    void shouldTreatDashAndUnderscoreAlike() throws IOException {
        module("kernel/fs/9p/9p.ko", "9pnet,netfs");
        module("kernel/net/9p/9pnet.ko", "");
        module("kernel/fs/netfs/netfs.ko", "");
        module("kernel/net/9p/9pnet_virtio.ko", "9pnet");
        module("kernel/drivers/net/net-failover.ko", "");
        List<Path> order = KernelModules.index(dir).loadOrder(List.of("9pnet-virtio", "9p", "net_failover"));
        assertEquals(List.of("9pnet.ko", "9pnet_virtio.ko", "netfs.ko", "9p.ko", "net-failover.ko"),
                order.stream().map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void shouldSkipBuiltinModulesAndNameTheChainOfAMissingOne() throws IOException {
        module("kernel/net/ipv4/ipip.ko", "ip_tunnel,tunnel4");
        module("kernel/net/ipv4/ip_tunnel.ko", "");
        Files.writeString(dir.resolve("modules.builtin"), "kernel/net/ipv4/tunnel4.ko\n");
        assertEquals(2, KernelModules.index(dir).loadOrder(List.of("ipip")).size());
        Files.delete(dir.resolve("modules.builtin"));
        IOException e = assertThrows(IOException.class, () -> KernelModules.index(dir).loadOrder(List.of("ipip")));
        assertTrue(e.getMessage().contains("kernel module tunnel4 (needed by ipip) not found"), e.getMessage());
    }

    @Test
    void shouldRefuseADependencyCycle() throws IOException {
        module("kernel/a.ko", "b");
        module("kernel/b.ko", "a");
        IOException e = assertThrows(IOException.class, () -> KernelModules.index(dir).loadOrder(List.of("a")));
        assertTrue(e.getMessage().contains("cycle: a -> b -> a"), e.getMessage());
    }

    @Test
    void shouldReadNoDependenciesFromAModuleWithoutDependsEntry() {
        assertEquals(List.of(), KernelModules.parseDepends("abc\0license=GPL\0".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of("x_y", "z"),
                KernelModules.parseDepends("depends=x-y,z\0".getBytes(StandardCharsets.US_ASCII)));
    }
}
