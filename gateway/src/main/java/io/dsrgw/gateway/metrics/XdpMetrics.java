package io.dsrgw.gateway.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

import java.io.PrintStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The XDP fast path's counters (DESIGN.md decision 13) next to the TUN pipeline's: one Dropwizard gauge per
 * counter of the program, named {@code xdp_<name>} ({@code xdp_rx}, {@code xdp_tx}, {@code xdp_redirect},
 * {@code xdp_pass_icmp}, {@code xdp_flow_hits}, ...; the names and their order are the map contract's,
 * {@code dsrgw_xdp.h}), which {@link GatewayPrometheus} exports as {@code dsrgw_xdp_rx_packets_total},
 * {@code dsrgw_xdp_packets_passed_total{reason}}, ... beside {@code dsrgw_rx_packets_total} (the slow path: what the
 * program passed up and the kernel routed into the TUN).
 *
 * <p>Reading the per-CPU BPF map costs a system call per counter: it happens on demand (a scrape, {@code dsrctl
 * status}), at most once per {@code maxAgeNs} however many gauges are read, never on a forwarding thread. A failed
 * read keeps the last values and is reported by {@link #lastError()}.
 *
 * <p>Thread-safe.
 */
public final class XdpMetrics {
    /** Prefix of every gauge and printed line. */
    public static final String PREFIX = "xdp_";
    /**
     * Default refresh interval: a scrape or {@code dsrctl status} reads all gauges within it from one reading of
     * the map; a reading is never older than this.
     */
    public static final long DEFAULT_MAX_AGE_NS = 250_000_000L;

    /** One reading of the program's counters, by their contract names (without the prefix), in contract order. */
    @FunctionalInterface
    public interface Source {
        Map<String, Long> read() throws Exception;
    }

    private final Source source;
    private final long maxAgeNs;
    private final LongSupplier clock;
    private final List<String> names;
    private Map<String, Long> last;
    private long lastReadNs;
    private String lastError;

    /**
     * Reads {@code source} once (its names become the gauges) and registers {@code xdp_<name>} gauges in
     * {@code registry}.
     *
     * @throws Exception when the first read fails (the fast path cannot be observed: better not to start)
     */
    public XdpMetrics(MetricRegistry registry, Source source, long maxAgeNs, LongSupplier clock) throws Exception {
        this.source = Objects.requireNonNull(source, "source");
        this.maxAgeNs = maxAgeNs;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.last = new LinkedHashMap<>(source.read());
        this.lastReadNs = clock.getAsLong();
        this.names = List.copyOf(last.keySet());
        for (String name : names) {
            registry.register(PREFIX + name, (Gauge<Long>) () -> snapshot().getOrDefault(PREFIX + name, 0L));
        }
    }

    /** As {@link #XdpMetrics(MetricRegistry, Source, long, LongSupplier)}, read at most every 250 ms, nanoTime. */
    public XdpMetrics(MetricRegistry registry, Source source) throws Exception {
        this(registry, source, DEFAULT_MAX_AGE_NS, System::nanoTime);
    }

    /** The counters' names without the prefix, in contract order. */
    public List<String> names() {
        return names;
    }

    /**
     * The counters as {@code xdp_<name> -> value} in contract order, read again when the last reading is older than
     * the refresh interval.
     */
    public synchronized Map<String, Long> snapshot() {
        long now = clock.getAsLong();
        if (now - lastReadNs >= maxAgeNs) {
            refresh(now);
        }
        return prefixed();
    }

    /** Reads the counters now, whatever their age (e.g. the final values before the program is closed). */
    public synchronized Map<String, Long> readNow() {
        refresh(clock.getAsLong());
        return prefixed();
    }

    private Map<String, Long> prefixed() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : names) {
            out.put(PREFIX + name, last.getOrDefault(name, 0L));
        }
        return Collections.unmodifiableMap(out);
    }

    private void refresh(long now) {
        try {
            last = new LinkedHashMap<>(source.read());
            lastError = null;
        } catch (Exception e) {
            lastError = String.valueOf(e.getMessage());
        }
        lastReadNs = now;
    }

    /** Why the last read failed (the values are then the previous reading's), or null. */
    public synchronized String lastError() {
        return lastError;
    }

    /** Prints every counter as {@code xdp_<name> value}, one per line, in contract order (current values). */
    public void print(PrintStream out) {
        readNow().forEach((k, v) -> out.println(k + " " + v));
    }
}
