/**
 * Data-plane counters as Dropwizard Metrics gauges. Each worker owns one
 * {@link io.dsrgw.gateway.dataplane.WorkerCounters} (and one {@link io.dsrgw.gateway.dataplane.FlowTable}) and
 * increments plain fields on its own thread; once per batch it publishes them with release semantics, and
 * {@link io.dsrgw.gateway.metrics.GatewayMetrics} / {@link io.dsrgw.gateway.metrics.FlowTableMetrics} sum the
 * published values off the hot path. This package reads {@code io.dsrgw.gateway.dataplane}; the data plane never
 * imports it. No locks, no shared writes. Per-backend packets, bytes and flows are kept the same way, by stable
 * backend id, and registered as {@link io.dsrgw.gateway.metrics.PerBackend} gauges.
 *
 * <p>{@link io.dsrgw.gateway.metrics.GatewayPrometheus} turns all of it into {@code /metrics} through the official
 * Prometheus client, with names per the Prometheus rules (README.md "Metrics, status page and dashboard").
 */
package io.dsrgw.gateway.metrics;
