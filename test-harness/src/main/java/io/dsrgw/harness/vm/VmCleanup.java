package io.dsrgw.harness.vm;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * One JVM shutdown hook that closes every still-open VM and VM network, newest first (the qemu process goes before
 * the namespace its tap lives in), so that a test JVM killed with SIGTERM leaves nothing behind.
 */
final class VmCleanup {
    private static final Deque<AutoCloseable> OPEN = new ArrayDeque<>();
    private static boolean hookInstalled;

    private VmCleanup() {
    }

    static synchronized void register(AutoCloseable resource) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(VmCleanup::runAll, "dsrgw-vm-cleanup"));
            hookInstalled = true;
        }
        OPEN.push(resource);
    }

    static synchronized void unregister(AutoCloseable resource) {
        OPEN.remove(resource);
    }

    private static void runAll() {
        List<AutoCloseable> all;
        synchronized (VmCleanup.class) {
            all = new ArrayList<>(OPEN);
            OPEN.clear();
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("dsrgw-vm: cleanup of " + c + " failed: " + e);
            }
        }
    }
}
