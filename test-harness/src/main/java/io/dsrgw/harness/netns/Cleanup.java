package io.dsrgw.harness.netns;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * One JVM shutdown hook that closes every still-open {@link Topology} and {@link ManagedProcess} (and the VM
 * harness's VMs and VM networks), newest first (processes go before the namespaces they run in). This is what makes
 * Ctrl-C on the demo, or a test JVM killed by a timeout with SIGTERM, leave no namespaces or processes behind.
 */
public final class Cleanup {
    private static final Deque<AutoCloseable> OPEN = new ArrayDeque<>();
    private static boolean hookInstalled;

    private Cleanup() {
    }

    /** Closes {@code resource} at JVM shutdown unless it is {@link #unregister unregistered} first. */
    public static synchronized void register(AutoCloseable resource) {
        if (!hookInstalled) {
            Runtime.getRuntime().addShutdownHook(new Thread(Cleanup::runAll, "dsrgw-harness-cleanup"));
            hookInstalled = true;
        }
        OPEN.push(resource);
    }

    /** Forgets {@code resource} (call it from its {@code close()}). */
    public static synchronized void unregister(AutoCloseable resource) {
        OPEN.remove(resource);
    }

    private static void runAll() {
        List<AutoCloseable> all;
        synchronized (Cleanup.class) {
            all = new ArrayList<>(OPEN);
            OPEN.clear();
        }
        if (!all.isEmpty()) {
            System.err.println("dsrgw-harness: shutting down, cleaning up " + all);
        }
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("dsrgw-harness: cleanup of " + c + " failed: " + e);
            }
        }
    }
}
