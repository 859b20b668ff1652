package io.dsrgw.gateway.control;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

/**
 * The control plane's gauges: {@code reloads} and {@code reload_success} (the contract's name for the same
 * count: applied reloads, no-change ones included), {@code reload_failures}, {@code config_generation}. Read
 * from any thread (volatile counters and the snapshot holder).
 */
final class ControlMetrics {
    private ControlMetrics() {
    }

    static void register(MetricRegistry registry, ConfigReloader reloader, SnapshotPublisher publisher) {
        registry.register("reloads", (Gauge<Long>) reloader::reloads);
        registry.register("reload_success", (Gauge<Long>) reloader::reloads);
        registry.register("reload_failures", (Gauge<Long>) reloader::reloadFailures);
        registry.register("config_generation", (Gauge<Long>) () -> publisher.holder().get().generation());
    }
}
