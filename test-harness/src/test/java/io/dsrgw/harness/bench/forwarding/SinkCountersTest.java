package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SinkCountersTest {
    /** `bpftool -j map dump id N` (bpftool 7.1) of bench_sink's per-CPU array on 2 CPUs, raw bytes shortened. */
    private static final String DUMP = "[{\"key\":[\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"values\":[{\"cpu\":0,"
            + "\"value\":"
            + "[\"0x03\"]},{\"cpu\":1,\"value\":[\"0x03\"]}],\"formatted\":{\"key\":0,\"values\":[{\"cpu\":0,"
            + "\"value\":3},{\"cpu\":1,\"value\":1000000007}]}},"
            + "{\"key\":[\"0x01\"],\"formatted\":{\"key\":1,\"values\":[{\"cpu\":0,\"value\":0},{\"cpu\":1,"
            + "\"value\":1000000000}]}},"
            + "{\"key\":[\"0x02\"],\"formatted\":{\"key\":2,\"values\":[{\"cpu\":0,\"value\":2},{\"cpu\":1,"
            + "\"value\":0}]}},"
            + "{\"key\":[\"0x03\"],\"formatted\":{\"key\":3,\"values\":[{\"cpu\":0,\"value\":1},{\"cpu\":1,"
            + "\"value\":7}]}}]";

    @Test
    void shouldSumEachCounterOverCpus() {
        assertArrayEquals(new long[] {1000000010L, 1000000000L, 2, 8}, SinkCounters.parseBpftoolDump(DUMP));
    }

    @Test
    void shouldRejectADumpWithoutEveryCounter() {
        String withoutKey3 = DUMP.substring(0, DUMP.lastIndexOf(",{\"key\":[\"0x03\"]")) + "]";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SinkCounters.parseBpftoolDump(withoutKey3));
        assertTrue(e.getMessage().contains("key 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SinkCounters.parseBpftoolDump("[]"));
    }
}
