package io.dsrgw.gateway.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.WorkerCounters;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Sums the published counters of all workers and exposes each {@link CounterSet} as a Dropwizard Metrics
 * {@link Gauge} named by its id. Workers are attached when they start and stay attached (their final values
 * count after they stop).
 */
public final class GatewayMetrics {
    /**
     * Registry name of the gauge that is 1 while the TUN workers read a new-flow queue ({@code ingress.new-flow-queue}
     * in use), 0 otherwise; registered by {@code dsr-gateway run} once the ingress is open.
     */
    public static final String NEW_FLOW_QUEUE_GAUGE = "ingress_new_flow_queue";
    private final MetricRegistry registry;
    private final List<WorkerCounters> workers = new CopyOnWriteArrayList<>();
    private final List<PerBackend> extraPackets = new CopyOnWriteArrayList<>();
    private final List<PerBackend> extraBytes = new CopyOnWriteArrayList<>();

    /**
     * Registers one gauge per counter in {@code registry}, and the per-backend totals as {@link PerBackend} gauges
     * ({@link PerBackend#PACKETS}, {@link PerBackend#BYTES}).
     */
    public GatewayMetrics(MetricRegistry registry) {
        this.registry = registry;
        for (CounterSet c : CounterSet.all()) {
            registry.register(c.id(), (Gauge<Long>) () -> total(c));
        }
        registry.register(PerBackend.PACKETS, (Gauge<PerBackend>) () -> this::backendPackets);
        registry.register(PerBackend.BYTES, (Gauge<PerBackend>) () -> this::backendBytes);
    }

    /**
     * Packets forwarded to backend {@code id} (stable id): the workers' published counters plus every
     * {@link #addBackendSource} (the XDP fast path's).
     */
    public long backendPackets(int id) {
        long sum = 0;
        for (WorkerCounters w : workers) {
            sum += w.publishedBackendPackets(id);
        }
        for (PerBackend p : extraPackets) {
            sum += p.get(id);
        }
        return sum;
    }

    /** Inner bytes forwarded to backend {@code id}: the workers' published counters plus every backend source. */
    public long backendBytes(int id) {
        long sum = 0;
        for (WorkerCounters w : workers) {
            sum += w.publishedBackendBytes(id);
        }
        for (PerBackend b : extraBytes) {
            sum += b.get(id);
        }
        return sum;
    }

    /**
     * Adds another forwarding path's per-backend packets and inner bytes (by the same stable ids, counting the same
     * thing) to {@link #backendPackets} / {@link #backendBytes}: with {@code ingress.kind = xdp} the program's
     * ({@link XdpBackendMetrics}), so the per-backend and per-VIP totals cover both paths. Read off the hot path.
     */
    public void addBackendSource(PerBackend packets, PerBackend bytes) {
        extraPackets.add(java.util.Objects.requireNonNull(packets, "packets"));
        extraBytes.add(java.util.Objects.requireNonNull(bytes, "bytes"));
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** Adds a worker's counters to the totals. */
    public void attach(WorkerCounters counters) {
        workers.add(counters);
    }

    /** Sum of the published values of {@code c} over all attached workers. */
    public long total(CounterSet c) {
        long sum = 0;
        for (WorkerCounters w : workers) {
            sum += w.published(c);
        }
        return sum;
    }

    /** Prints every counter as {@code name value}, one per line, in {@link CounterSet} order. */
    public void print(PrintStream out) {
        for (CounterSet c : CounterSet.all()) {
            out.println(c.id() + " " + total(c));
        }
    }
}
