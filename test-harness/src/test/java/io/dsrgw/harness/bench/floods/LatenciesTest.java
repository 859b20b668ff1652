package io.dsrgw.harness.bench.floods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatenciesTest {
    @Test
    void medianOfFourValuesIsTheSecondSmallestByNearestRank() {
        assertEquals(2.0, new Latencies(new double[] {4, 1, 3, 2}).percentile(50));
    }

    @Test
    void p99OfOneHundredValuesIsTheNinetyNinthSmallest() {
        double[] v = new double[100];
        for (int i = 0; i < 100; i++) {
            v[i] = 100 - i; // 100 .. 1, unsorted on purpose
        }
        Latencies l = new Latencies(v);
        assertEquals(99.0, l.percentile(99));
        assertEquals(100.0, l.percentile(100));
        assertEquals(1.0, l.percentile(0.5));
        assertEquals(100.0, l.max());
    }

    @Test
    void oneSlowRequestInAThousandShowsInP99Only() {
        double[] v = new double[1000];
        java.util.Arrays.fill(v, 2.0);
        v[500] = 1000.0;
        Latencies l = new Latencies(v);
        assertEquals(2.0, l.percentile(99));
        assertEquals(1000.0, l.max());
    }

    @Test
    void noValuesGiveNaN() {
        Latencies l = new Latencies(new double[0]);
        assertTrue(Double.isNaN(l.percentile(50)));
        assertTrue(Double.isNaN(l.max()));
    }

    @Test
    void aPercentileOutsideZeroToHundredIsRejected() {
        Latencies l = new Latencies(new double[] {1});
        assertThrows(IllegalArgumentException.class, () -> l.percentile(0));
        assertThrows(IllegalArgumentException.class, () -> l.percentile(101));
    }

    @Test
    void theCallersArrayIsNotSortedInPlace() {
        double[] v = {3, 1, 2};
        new Latencies(v);
        assertEquals(3.0, v[0]);
    }
}
