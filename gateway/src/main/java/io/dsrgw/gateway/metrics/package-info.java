/**
 * Data-plane counters. Each worker owns one {@link io.dsrgw.gateway.metrics.WorkerCounters} and increments plain
 * fields on its own thread; once per batch it publishes them with release semantics, and
 * {@link io.dsrgw.gateway.metrics.GatewayMetrics} sums the published values off the hot path into Dropwizard
 * Metrics gauges. No locks, no shared writes.
 */
package io.dsrgw.gateway.metrics;
