package io.dsrgw.gateway.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.gateway.dataplane.FlowTable;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Sums the published counters of every worker's {@link FlowTable} into Dropwizard gauges named by
 * {@link FlowTable.Counter#id()}: {@code flow_hits}, {@code flow_misses}, {@code flow_evictions},
 * {@code flow_expirations}, {@code flow_entries}; plus {@code flow_capacity} (slots of all tables).
 */
public final class FlowTableMetrics {
    private final List<FlowTable> tables = new CopyOnWriteArrayList<>();

    /** Registers the gauges in {@code registry}. */
    public FlowTableMetrics(MetricRegistry registry) {
        for (FlowTable.Counter c : FlowTable.Counter.values()) {
            registry.register(c.id(), (Gauge<Long>) () -> total(c));
        }
        registry.register("flow_capacity", (Gauge<Long>) () -> {
            long sum = 0;
            for (FlowTable t : tables) {
                sum += t.capacity();
            }
            return sum;
        });
        registry.register(PerBackend.FLOWS, (Gauge<PerBackend>) () -> this::flows);
    }

    /** Adds a worker's table. */
    public void attach(FlowTable table) {
        tables.add(table);
    }

    /** Sum of the published values of {@code c}. */
    public long total(FlowTable.Counter c) {
        long sum = 0;
        for (FlowTable t : tables) {
            sum += t.published(c);
        }
        return sum;
    }

    /** Live flows of the backend with stable id {@code backendId}, summed over the workers' tables (any thread). */
    public long flows(int backendId) {
        long sum = 0;
        for (FlowTable t : tables) {
            sum += t.flows(backendId);
        }
        return sum;
    }

    /** Prints every counter as {@code name value}, one per line. */
    public void print(PrintStream out) {
        for (FlowTable.Counter c : FlowTable.Counter.values()) {
            out.println(c.id() + " " + total(c));
        }
    }
}
