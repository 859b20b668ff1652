package io.dsrgw.gateway.metrics;

import com.codahale.metrics.MetricRegistry;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class XdpMetricsTest {
    private final AtomicLong clock = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final Map<String, Long> program = new LinkedHashMap<>();
    private volatile boolean failing;

    private Map<String, Long> read() throws IOException {
        reads.incrementAndGet();
        if (failing) {
            throw new IOException("bpf_map_lookup_elem(dsrgw_counters): EBADF");
        }
        return new LinkedHashMap<>(program);
    }

    private XdpMetrics metrics(MetricRegistry registry) throws Exception {
        program.put("rx", 10L);
        program.put("tx", 7L);
        program.put("redirect", 1L);
        program.put("pass_icmp", 2L);
        return new XdpMetrics(registry, this::read, 1_000, clock::get);
    }

    @Test
    void shouldRegisterOneGaugePerProgramCounterWithTheXdpPrefix() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        XdpMetrics m = metrics(registry);
        assertEquals(List.of("rx", "tx", "redirect", "pass_icmp"), m.names());
        assertEquals(List.of("xdp_pass_icmp", "xdp_redirect", "xdp_rx", "xdp_tx"),
                List.copyOf(registry.getGauges().keySet()));
        assertEquals(7L, registry.getGauges().get("xdp_tx").getValue());
    }

    @Test
    void shouldReadTheMapAtMostOncePerIntervalHoweverManyGaugesAreRead() throws Exception {
        MetricRegistry registry = new MetricRegistry();
        metrics(registry);
        int afterStart = reads.get();
        program.put("rx", 20L);
        for (var g : registry.getGauges().values()) {
            g.getValue();
        }
        assertEquals(afterStart, reads.get(), "within the interval: the first reading serves");
        assertEquals(10L, registry.getGauges().get("xdp_rx").getValue());
        clock.addAndGet(1_000);
        assertEquals(20L, registry.getGauges().get("xdp_rx").getValue());
        registry.getGauges().get("xdp_tx").getValue();
        assertEquals(afterStart + 1, reads.get(), "one read for the next interval");
    }

    @Test
    void shouldKeepTheLastValuesAndTheErrorWhenAReadFails() throws Exception {
        XdpMetrics m = metrics(new MetricRegistry());
        failing = true;
        clock.addAndGet(5_000);
        assertEquals(10L, m.snapshot().get("xdp_rx"));
        assertTrue(m.lastError().contains("EBADF"), m.lastError());
        failing = false;
        program.put("rx", 11L);
        assertEquals(11L, m.readNow().get("xdp_rx"), "readNow ignores the interval");
        assertNull(m.lastError());
    }

    @Test
    void shouldPrintEveryCounterAsANameValueLineInContractOrder() throws Exception {
        XdpMetrics m = metrics(new MetricRegistry());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        m.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals("xdp_rx 10\nxdp_tx 7\nxdp_redirect 1\nxdp_pass_icmp 2\n",
                bytes.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }

    @Test
    void shouldRefuseToStartWhenTheFirstReadFails() {
        failing = true;
        assertThrows(IOException.class, () -> new XdpMetrics(new MetricRegistry(), this::read, 1_000, clock::get));
    }
}
