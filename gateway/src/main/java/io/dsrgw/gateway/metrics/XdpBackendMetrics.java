package io.dsrgw.gateway.metrics;

import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The XDP fast path's per-backend packets and inner bytes (contract: {@code dsrgw_backend_stats}, summed over CPUs)
 * by stable backend id, for {@link GatewayMetrics#addBackendSource}: with {@code ingress.kind = xdp} the per-backend
 * and per-VIP totals are then the TUN workers' counts plus these, both counting the same thing (packets forwarded to
 * the backend and their inner IP length).
 *
 * <p>Reading costs one system call per backend id: it happens on demand (a scrape, {@code /api/status},
 * {@code dsrctl}), at most once per {@code maxAgeNs} however many ids are asked for, never on a forwarding thread.
 * A failed read keeps the last values and is reported by {@link #lastError()}.
 *
 * <p>Thread-safe.
 */
public final class XdpBackendMetrics {
    /** One reading: {@code [2 * id]} packets, {@code [2 * id + 1]} bytes; ids beyond the array read 0. */
    @FunctionalInterface
    public interface Source {
        long[] read() throws Exception;
    }

    private final Source source;
    private final long maxAgeNs;
    private final LongSupplier clock;
    private long[] last = new long[0];
    private long lastReadNs;
    private boolean read;
    private String lastError;

    /** Reads {@code source} when asked and the last reading is {@code maxAgeNs} or older on {@code clock}. */
    public XdpBackendMetrics(Source source, long maxAgeNs, LongSupplier clock) {
        this.source = Objects.requireNonNull(source, "source");
        this.maxAgeNs = maxAgeNs;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** As {@link #XdpBackendMetrics(Source, long, LongSupplier)}, at most every 250 ms, System.nanoTime. */
    public XdpBackendMetrics(Source source) {
        this(source, XdpMetrics.DEFAULT_MAX_AGE_NS, System::nanoTime);
    }

    /** Packets the program forwarded to backend {@code id} (0 for an id it never counted). */
    public synchronized long packets(int id) {
        return at(fresh(), 2L * id);
    }

    /** Inner bytes the program forwarded to backend {@code id} (0 for an id it never counted). */
    public synchronized long bytes(int id) {
        return at(fresh(), 2L * id + 1);
    }

    /** Why the last read failed (the values are then the previous reading's), or null. */
    public synchronized String lastError() {
        return lastError;
    }

    private long[] fresh() {
        long now = clock.getAsLong();
        if (!read || now - lastReadNs >= maxAgeNs) {
            try {
                last = Objects.requireNonNull(source.read(), "reading");
                lastError = null;
            } catch (Exception e) {
                lastError = String.valueOf(e.getMessage());
            }
            read = true;
            lastReadNs = now;
        }
        return last;
    }

    private static long at(long[] a, long i) {
        return i >= 0 && i < a.length ? a[(int) i] : 0;
    }
}
