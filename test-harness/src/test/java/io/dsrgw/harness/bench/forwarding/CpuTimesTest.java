package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuTimesTest {
    private static final String STAT = """
            cpu  2000 10 900 80000 40 0 60 5 0 0
            cpu0 1000 5 400 40000 20 0 10 2 0 0
            cpu1 1000 5 500 40000 20 7 50 3 0 0
            intr 12345
            """;

    @Test
    void shouldCountUserNiceSystemIrqAndSoftirqAsBusyAndLeaveOutIdleIowaitAndSteal() {
        CpuTimes c = CpuTimes.parse(STAT, 1);
        assertEquals(1000 + 5 + 500 + 7 + 50, c.busyTicks());
        assertEquals(1000 + 5 + 500 + 7 + 50 + 40000 + 20, c.totalTicks());
        assertEquals(new CpuTimes(1000 + 5 + 400 + 0 + 10, 1415 + 40020), CpuTimes.parse(STAT, 0));
    }

    @Test
    void shouldTurnTickDifferencesIntoNanosecondsAndAFraction() {
        CpuTimes before = new CpuTimes(100, 1000);
        CpuTimes after = new CpuTimes(400, 1400);
        assertEquals(300 * 10_000_000L, after.busyNsSince(before));
        assertEquals(0.75, after.busyFractionSince(before), 1e-12);
        assertTrue(Double.isNaN(before.busyFractionSince(before)));
    }

    @Test
    void shouldRejectACpuThatIsNotInTheFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CpuTimes.parse(STAT, 2));
        assertTrue(e.getMessage().contains("cpu2"), e.getMessage());
    }

    @Test
    void shouldReadThisMachinesCpu0() throws Exception {
        CpuTimes c = CpuTimes.read(0);
        assertTrue(c.totalTicks() >= c.busyTicks() && c.busyTicks() >= 0, c.toString());
    }
}
