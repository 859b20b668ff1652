package io.dsrgw.gateway.control;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;

/**
 * The control plane's gauges: {@code reloads} and {@code reload_success} (the contract's name for the same
 * count: applied reloads, no-change ones included), {@code reload_failures}, {@code config_generation},
 * {@code config_last_reload_successful}, {@code config_last_reload_success_timestamp_seconds}. Read
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
        // Issue 13: as Prometheus' own prometheus_config_last_reload_*: 1/0 for the last attempt (the start-up
        // load counts as a success), and when the running file was last applied (Unix seconds).
        registry.register("config_last_reload_successful", (Gauge<Long>) () -> reloader.lastReloadOk() ? 1L : 0L);
        registry.register("config_last_reload_success_timestamp_seconds",
                (Gauge<Double>) () -> reloader.lastSuccessEpochMs() / 1000.0);
    }
}
