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
 * <p>Why a neighbour in STALE state is not used (see {@link NextHopLookup#USABLE_STATES}): packets sent past the
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
    private volatile NextHopCache cache = NextHopCache.EMPTY;
    private volatile boolean running = true;
    private Map<ByteBuffer, NextHop> last = Map.of();

    /**
     * @param holder the snapshots whose backends' tunnel destinations are resolved
     * @param lookup the kernel's answers; closed when {@link #run()} ends
     */
    public NextHopResolver(SnapshotHolder holder, NextHopLookup lookup) {
        this(Objects.requireNonNull(holder, "holder")::get, lookup);
    }

    NextHopResolver(Supplier<ForwardingSnapshot> snapshots, NextHopLookup lookup) {
        this.snapshots = snapshots;
        this.lookup = Objects.requireNonNull(lookup, "lookup");
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
        Set<ByteBuffer> destinations = destinations(snapshots.get());
        long nowNs = System.nanoTime();
        List<NextHop> hops = new ArrayList<>(destinations.size());
        Map<ByteBuffer, NextHop> now = new HashMap<>();
        for (ByteBuffer d : destinations) {
            NextHop h = lookup.resolve(d.array());
            hops.add(h);
            now.put(d, h);
            NextHop before = last.get(d);
            if (before == null || !before.sameSending(h)) {
                LOG.info("next hop {}{}", h, h.usable() ? "" : " (sent through the raw socket)");
            }
        }
        last = now;
        cache = new NextHopCache(hops, nowNs);
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
