package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NetworkNamespacesTest {

    @Test
    void shouldMoveOnlyTheCallingThreadIntoTheNamespace() throws Exception {
        TestSupport.assumeRoot();
        String ns = "dsrgwnst" + ProcessHandle.current().pid();
        String dev = "nst" + ProcessHandle.current().pid() % 100000;
        exec("ip", "netns", "add", ns);
        try {
            exec("ip", "-n", ns, "link", "add", dev, "type", "veth", "peer", "name", dev + "p");
            CompletableFuture<Integer> inside = new CompletableFuture<>();
            Thread t = new Thread(() -> {
                try {
                    NetworkNamespaces.enterCurrentThread(ns);
                    inside.complete(Interfaces.index(dev));
                } catch (Throwable e) {
                    inside.completeExceptionally(e);
                }
            });
            t.start();
            assertTrue(inside.get(10, TimeUnit.SECONDS) > 0, "the veth is visible inside " + ns);
            assertEquals(0, Interfaces.index(dev), "the test thread itself stayed in its namespace");
        } finally {
            exec("ip", "netns", "del", ns);
        }
    }

    @Test
    void shouldNameTheMissingNamespaceAndTheErrno() throws Exception {
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                NetworkNamespaces.enterCurrentThread("dsrgw-no-such-ns");
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
        });
        t.start();
        Throwable e = failure.get(10, TimeUnit.SECONDS);
        assertNotEquals(null, e);
        assertTrue(e instanceof LinuxException, e.toString());
        assertTrue(e.getMessage().startsWith("open(/run/netns/dsrgw-no-such-ns): ENOENT"), e.getMessage());
    }

    @Test
    void shouldRefuseAVirtualThread() throws Exception {
        CompletableFuture<Throwable> failure = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                NetworkNamespaces.enterCurrentThread("anything");
                failure.complete(null);
            } catch (Throwable e) {
                failure.complete(e);
            }
        });
        assertThrows(IllegalStateException.class, () -> {
            throw failure.get(10, TimeUnit.SECONDS);
        });
    }

    private static void exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
    }
}
