package io.dsrgw.harness.netns;

import java.io.IOException;

import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.NetworkNamespaces;

/**
 * Moves the calling platform thread into a named network namespace ({@code setns(open("/run/netns/NAME"),
 * CLONE_NEWNET)}), so that a load generator can open its sockets from inside the client namespace without a
 * helper process. Namespace membership is per thread on Linux: only the calling thread moves, for the rest of its
 * life, and sockets created there belong to that namespace. Use dedicated platform threads, never virtual
 * threads or pooled threads that others share.
 */
public final class NetnsThreads {
    private NetnsThreads() {
    }

    /** Moves the calling thread into network namespace {@code ns}; throws with errno's name on failure. */
    public static void enter(Namespace ns) throws IOException {
        enter(ns.name());
    }

    /**
     * Moves the calling thread into the network namespace named {@code name} ({@code /run/netns/NAME}, as
     * {@code ip netns add} creates it); throws with errno's name on failure. For namespaces this JVM did not create
     * through {@link Topology} (the VM harness's).
     */
    public static void enter(String name) throws IOException {
        try {
            NetworkNamespaces.enterCurrentThread(name);
        } catch (LinuxException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
