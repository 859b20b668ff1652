package io.dsrgw.gateway.metrics;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class XdpBackendMetricsTest {
    @Test
    void shouldReadTheProgramOncePerIntervalHoweverManyIdsAreAskedFor() {
        AtomicLong clock = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        XdpBackendMetrics m = new XdpBackendMetrics(() -> {
            int r = reads.incrementAndGet();
            return new long[] {r, 100L * r, 2L * r, 200L * r};
        }, 1000, clock::get);
        assertEquals(0, reads.get(), "nothing read before anyone asks");
        assertEquals(1, m.packets(0));
        assertEquals(100, m.bytes(0));
        assertEquals(2, m.packets(1));
        assertEquals(200, m.bytes(1));
        assertEquals(0, m.packets(2), "an id the program never counted");
        assertEquals(0, m.bytes(-1));
        assertEquals(1, reads.get());
        clock.set(1000);
        assertEquals(4, m.packets(1));
        assertEquals(2, reads.get());
    }

    @Test
    void shouldKeepTheLastValuesAndSayWhyWhenAReadFails() {
        AtomicLong clock = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        XdpBackendMetrics m = new XdpBackendMetrics(() -> {
            if (reads.incrementAndGet() > 1) {
                throw new IllegalStateException("bpf_map_lookup_elem(dsrgw_backend_stats): EBADF");
            }
            return new long[] {7, 700};
        }, 10, clock::get);
        assertEquals(7, m.packets(0));
        assertNull(m.lastError());
        clock.set(10);
        assertEquals(700, m.bytes(0));
        assertEquals("bpf_map_lookup_elem(dsrgw_backend_stats): EBADF", m.lastError());
    }
}
