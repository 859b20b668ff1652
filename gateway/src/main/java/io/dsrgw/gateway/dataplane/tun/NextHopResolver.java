package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.encap.tunnel.TunnelSpec;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.SnapshotHolder;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.NextHopLookup;
import io.dsrgw.linux.NextHopLookup.NextHop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Keeps a {@link NextHopCache} for the tunnel destinations of the current snapshot's backends, for the TUN workers'
 * link-layer egress: on its own thread it asks the kernel ({@link NextHopLookup}: route, then the next hop's
 * neighbour entry) for every destination, publishes the answers as a new immutable cache, and does it again as soon
 * as a link, route or neighbour notification arrives (at most every {@value #MIN_INTERVAL_MS} ms) and at least
 * every {@value #REFRESH_MS} ms, so a published cache is never older than that while the resolver runs. A worker
 * does not use a cache older than {@link NextHopCache#MAX_AGE_NS}: if this thread stops or stalls, every packet
 * goes through the kernel again.
 *
 * <p>L2 DSR backends ({@code tunnel = none}) are always resolved (also with {@code ingress.egress = raw}): their
 * frames have no other way out. For them a STALE neighbour is used, and this thread has the kernel verify it (and
 * resolve a missing or FAILED one) with {@link NextHopLookup#useNeighbour}, since nothing else would: their
 * frames never pass the kernel's neighbour layer. The MTU of each output interface goes into the cache too (L2
 * DSR's too-big limit).
 *
 * <p>Why a neighbour in STALE state is not used for tunnel destinations (see {@link NextHopLookup#USABLE_STATES}): packets sent past the
 * neighbour layer never make the kernel verify an entry; the raw-socket packets to a STALE next hop do (STALE ->
 * DELAY -> PROBE -> REACHABLE, or the new MAC when it changed), and the next resolution picks the verified entry up.
 */
public final class NextHopResolver implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(NextHopResolver.class);
    /** Longest time between two resolutions. */
    static final int REFRESH_MS = 500;
    /**
     * Shortest time between two resolutions: a burst of notifications costs one, and a host with many neighbours
     * (each state change notifies) costs at most 10 resolutions a second, 2 netlink round trips per destination.
     */
    static final int MIN_INTERVAL_MS = 100;

    private final Supplier<ForwardingSnapshot> snapshots;
    private final NextHopLookup lookup;
    /** True: every backend's tunnel destination (ingress.egress = packet); false: L2 DSR backends only. */
    private final boolean tunnels;
    private volatile NextHopCache cache = NextHopCache.EMPTY;
    private volatile boolean running = true;
    private Map<ByteBuffer, NextHop> last = Map.of();

    /**
     * @param holder the snapshots whose backends' tunnel destinations are resolved
     * @param lookup the kernel's answers; closed when {@link #run()} ends
     */
    public NextHopResolver(SnapshotHolder holder, NextHopLookup lookup) {
        this(Objects.requireNonNull(holder, "holder")::get, lookup, true);
    }

    /**
     * @param tunnels true: the next hops of every backend (ingress.egress = packet); false: of the L2 DSR
     *                ({@code tunnel = none}) backends only, which have no other way out
     */
    public NextHopResolver(SnapshotHolder holder, NextHopLookup lookup, boolean tunnels) {
        this(Objects.requireNonNull(holder, "holder")::get, lookup, tunnels);
    }

    NextHopResolver(Supplier<ForwardingSnapshot> snapshots, NextHopLookup lookup) {
        this(snapshots, lookup, true);
    }

    NextHopResolver(Supplier<ForwardingSnapshot> snapshots, NextHopLookup lookup, boolean tunnels) {
        this.snapshots = snapshots;
        this.lookup = Objects.requireNonNull(lookup, "lookup");
        this.tunnels = tunnels;
    }

    /** The latest published cache ({@link NextHopCache#EMPTY} before the first resolution). Any thread. */
    public NextHopCache cache() {
        return cache;
    }

    /** Resolves once, now, on the caller's thread (before the workers start: their first packets go direct). */
    public void resolveNow() {
        try {
            resolve();
        } catch (LinuxException e) {
            LOG.warn("next hops: {} (packets go through the raw socket until this works)", e.getMessage());
        }
    }

    /** Asks the loop to end (within {@value #REFRESH_MS} ms). */
    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        long lastErrorLogNs = 0;
        try {
            while (running) {
                long startNs = System.nanoTime();
                try {
                    resolve();
                } catch (LinuxException | RuntimeException e) {
                    if (startNs - lastErrorLogNs > 10_000_000_000L) {
                        lastErrorLogNs = startNs;
                        LOG.warn("next hops: {} (the cache ages out after {} ms: packets then go through the raw "
                                + "socket; logged at most every 10 s)", e.getMessage(),
                                NextHopCache.MAX_AGE_NS / 1_000_000);
                    }
                }
                try {
                    lookup.awaitChange(REFRESH_MS);
                    long tookMs = (System.nanoTime() - startNs) / 1_000_000;
                    if (tookMs < MIN_INTERVAL_MS) {
                        Thread.sleep(MIN_INTERVAL_MS - tookMs);
                    }
                } catch (LinuxException e) {
                    LOG.warn("next hops: {} (re-resolving every {} ms instead)", e.getMessage(), REFRESH_MS);
                    Thread.sleep(REFRESH_MS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            cache = NextHopCache.EMPTY;
            lookup.close();
        }
    }

    private void resolve() throws LinuxException {
        ForwardingSnapshot s = snapshots.get();
        Set<ByteBuffer> destinations = tunnels ? destinations(s) : new LinkedHashSet<>();
        Set<ByteBuffer> linkLayer = linkLayerDestinations(s);
        destinations.addAll(linkLayer);
        long nowNs = System.nanoTime();
        List<NextHop> hops = new ArrayList<>(destinations.size());
        Map<ByteBuffer, NextHop> now = new HashMap<>();
        Map<Integer, Integer> mtus = new HashMap<>();
        for (ByteBuffer d : destinations) {
            boolean l2 = linkLayer.contains(d);
            // L2 DSR frames never pass the kernel's neighbour layer: a STALE entry is used while this resolver
            // has the kernel verify it (STALE -> DELAY -> PROBE -> REACHABLE, or FAILED and a new MAC).
            NextHop h = lookup.resolve(d.array(), l2);
            if (l2) {
                h = verify(d, h);
            }
            hops.add(h);
            now.put(d, h);
            if (h.usable()) {
                mtus.computeIfAbsent(h.ifindex(), NextHopResolver::interfaceMtu);
            }
            NextHop before = last.get(d);
            if (before == null || !before.sameSending(h)) {
                LOG.info("next hop {}{}", h, h.usable() ? "" : l2 ? " (L2 DSR: dropped as drop_no_neighbour until "
                        + "resolved)" : " (sent through the raw socket)");
            }
        }
        last = now;
        cache = new NextHopCache(hops, nowNs, ifindex -> mtus.getOrDefault(ifindex, 0));
    }

    /**
     * Has the kernel resolve an L2 DSR neighbour it has no usable entry for (none, INCOMPLETE, FAILED) and verify a
     * STALE one, as a packet through its neighbour layer would: L2 DSR frames bypass that layer, so nothing else
     * would. The kernel's answer arrives as a neighbour notification, which wakes this resolver.
     */
    private NextHop verify(ByteBuffer d, NextHop h) {
        boolean stale = h.usable() && (h.state() & NextHopLookup.NUD_STALE) != 0;
        boolean missing = !h.usable() && h.ifindex() > 0 && h.onLink()
                && (h.state() & NextHopLookup.NUD_INCOMPLETE) == 0;
        if (stale || missing) {
            try {
                lookup.useNeighbour(d.array(), h.ifindex());
            } catch (LinuxException e) {
                LOG.warn("next hop {}: cannot have the kernel resolve it: {}", h, e.getMessage());
            }
        }
        return h;
    }

    private static int interfaceMtu(int ifindex) {
        try {
            java.net.NetworkInterface n = java.net.NetworkInterface.getByIndex(ifindex);
            return n == null ? 0 : n.getMTU();
        } catch (java.net.SocketException e) {
            return 0;
        }
    }

    /** The addresses of the L2 DSR ({@code tunnel = none}) backends in {@code s}, without duplicates. */
    static Set<ByteBuffer> linkLayerDestinations(ForwardingSnapshot s) {
        Set<ByteBuffer> out = new LinkedHashSet<>();
        for (int b = 0; b < s.backendCount(); b++) {
            TunnelSpec t = s.tunnel(b);
            if (t.linkLayer()) {
                out.add(key(t));
            }
        }
        return out;
    }

    private static ByteBuffer key(TunnelSpec t) {
        return t.outerFamily() == 4 ? ByteBuffer.allocate(4).putInt(0, t.ipv4Destination())
                : ByteBuffer.allocate(16).putLong(0, t.destinationHi()).putLong(8, t.destinationLo());
    }

    /** The outer destinations of every backend in {@code s} (IPv4 as 4 bytes, IPv6 as 16), without duplicates. */
    static Set<ByteBuffer> destinations(ForwardingSnapshot s) {
        Set<ByteBuffer> out = new LinkedHashSet<>();
        for (int b = 0; b < s.backendCount(); b++) {
            TunnelSpec t = s.tunnel(b);
            if (t.outerFamily() == 4) {
                out.add(ByteBuffer.allocate(4).putInt(0, t.ipv4Destination()));
            } else {
                out.add(ByteBuffer.allocate(16).putLong(0, t.destinationHi()).putLong(8, t.destinationLo()));
            }
        }
        return out;
    }
}
