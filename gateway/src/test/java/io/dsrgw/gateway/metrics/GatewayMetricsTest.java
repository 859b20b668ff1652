package io.dsrgw.gateway.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.WorkerCounters;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GatewayMetricsTest {
    @Test
    void shouldRegisterEveryCounterUnderItsStableId() {
        MetricRegistry registry = new MetricRegistry();
        new GatewayMetrics(registry);
        assertEquals(List.of("backend_bytes", "backend_packets", "drop_echo_rate_limited", "drop_icmp_quote_mismatch",
                "drop_malformed", "drop_no_backend", "drop_no_neighbour", "drop_not_vip", "drop_source_denied",
                "drop_source_martian", "drop_source_own",
                "drop_too_big",
                "drop_too_big_rate_limited", "drop_tx_error", "drop_unsupported", "drop_unsupported_ext_header",
                "fwd_icmp_error", "rx_known_source_packets", "rx_new_flow_packets", "rx_packets", "tx_echo_reply",
                "tx_fragments", "tx_icmp_too_big", "tx_packets", "tx_raw_fallback"),
                List.copyOf(registry.getGauges().keySet()));
    }

    @Test
    void shouldSumPublishedValuesOfAllWorkersOnly() {
        MetricRegistry registry = new MetricRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);
        WorkerCounters a = new WorkerCounters();
        WorkerCounters b = new WorkerCounters();
        metrics.attach(a);
        metrics.attach(b);
        a.add(CounterSet.RX_PACKETS, 5);
        b.increment(CounterSet.RX_PACKETS);
        assertEquals(0L, registry.getGauges().get("rx_packets").getValue(), "unpublished values must not show");
        a.publish();
        b.publish();
        Gauge<?> rx = registry.getGauges().get("rx_packets");
        assertEquals(6L, rx.getValue());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.print(new PrintStream(out, true, StandardCharsets.UTF_8));
        assertEquals("rx_packets 6\ntx_packets 0\n", out.toString(StandardCharsets.UTF_8).substring(0, 26));
    }

    @Test
    void shouldSumPublishedPerBackendTrafficOfAllWorkersAndKeepItWhenTheArraysGrow() {
        MetricRegistry registry = new MetricRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);
        WorkerCounters a = new WorkerCounters();
        WorkerCounters b = new WorkerCounters();
        metrics.attach(a);
        metrics.attach(b);
        a.ensureBackends(2);
        b.ensureBackends(2);
        a.addBackend(1, 100);
        a.addBackend(1, 60);
        b.addBackend(1, 40);
        b.addBackend(5, 1000); // beyond ensureBackends: not counted (never an exception on the hot path)
        assertEquals(0, metrics.backendPackets(1), "unpublished values must not show");
        a.publish();
        b.publish();
        assertEquals(3, metrics.backendPackets(1));
        assertEquals(200, metrics.backendBytes(1));
        assertEquals(0, metrics.backendPackets(5));
        a.ensureBackends(10);
        a.addBackend(9, 10);
        a.publish();
        PerBackend packets = (PerBackend) registry.getGauges().get(PerBackend.PACKETS).getValue();
        assertEquals(3, packets.get(1), "growing keeps the totals");
        assertEquals(1, packets.get(9));
    }

    @Test
    void shouldAddTheFastPathsPerBackendCountsToTheWorkersOnes() {
        MetricRegistry registry = new MetricRegistry();
        GatewayMetrics metrics = new GatewayMetrics(registry);
        WorkerCounters a = new WorkerCounters();
        metrics.attach(a);
        a.ensureBackends(4);
        a.addBackend(3, 100);
        a.publish();
        long[] xdp = {0, 0, 0, 0, 0, 0, 5, 640};
        metrics.addBackendSource(id -> 2 * id < xdp.length ? xdp[2 * id] : 0,
                id -> 2 * id + 1 < xdp.length ? xdp[2 * id + 1] : 0);
        assertEquals(6, metrics.backendPackets(3), "1 slow-path packet + 5 XDP packets");
        assertEquals(740, metrics.backendBytes(3));
        assertEquals(0, metrics.backendPackets(1));
        PerBackend bytes = (PerBackend) registry.getGauges().get(PerBackend.BYTES).getValue();
        assertEquals(740, bytes.get(3), "the registered gauge is the same sum");
    }
}
