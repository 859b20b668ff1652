package io.dsrgw.harness.scenario;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The strict exposition reader the ITs scrape with: it must refuse what Prometheus' naming rules refuse. */
class PrometheusTextTest {
    static final String GOOD = """
            # HELP dsrgw_packets_dropped_total Drops.
            # TYPE dsrgw_packets_dropped_total counter
            dsrgw_packets_dropped_total{reason="no_backend"} 3.0
            dsrgw_packets_dropped_total{reason="not_vip"} 4.0
            # HELP dsrgw_flow_table_entries Entries.
            # TYPE dsrgw_flow_table_entries gauge
            dsrgw_flow_table_entries 12.0
            """;

    @Test
    void shouldReadValuesByNameAndLabels() {
        PrometheusText t = PrometheusText.parse(GOOD, "dsrgw_");
        assertEquals(3.0, t.value("dsrgw_packets_dropped_total", Map.of("reason", "no_backend")));
        assertEquals(7.0, t.sum("dsrgw_packets_dropped_total"));
        assertEquals(12.0, t.value("dsrgw_flow_table_entries", Map.of()));
        assertTrue(Double.isNaN(t.value("dsrgw_flow_table_entries", Map.of("x", "y"))));
        assertEquals("counter", t.types().get("dsrgw_packets_dropped_total"));
    }

    @Test
    void shouldRefuseCountersWithoutTotalSamplesWithoutTypeDuplicatesAndForeignNames() {
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(
                "# HELP dsrgw_drops Drops.\n# TYPE dsrgw_drops counter\ndsrgw_drops 1\n", "dsrgw_"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("dsrgw_x 1\n", "dsrgw_"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(
                "# TYPE dsrgw_x gauge\ndsrgw_x 1\n", "dsrgw_"), "TYPE without HELP");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(
                GOOD + "dsrgw_flow_table_entries 13.0\n", "dsrgw_"), "the same series twice");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(GOOD, "other_"));
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(
                GOOD.replace("reason=\"not_vip\"", "reason=not_vip"), "dsrgw_"), "unquoted label value");
        assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(
                GOOD.replace("12.0", "twelve"), "dsrgw_"), "value not a number");
    }
}
