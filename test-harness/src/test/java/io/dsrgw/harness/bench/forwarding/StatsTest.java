package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void shouldTakeTheMiddleValueOfAnOddCountAndTheMeanOfTheTwoMiddleOfAnEvenCount() {
        assertEquals(new Stats.Summary(3, 1, 9, 5), Stats.summarize(new double[] {9, 1, 3, 7, 2}));
        assertEquals(new Stats.Summary(2.5, 1, 9, 4), Stats.summarize(new double[] {9, 1, 3, 2}));
        assertEquals(new Stats.Summary(4, 4, 4, 1), Stats.summarize(new double[] {4}));
    }

    @Test
    void shouldLeaveNotMeasuredRoundsOutOfTheSummary() {
        Stats.Summary s = Stats.summarize(new double[] {Double.NaN, 5, Double.NaN, 1});
        assertEquals(new Stats.Summary(3, 1, 5, 2), s);
        assertTrue(s.measured());
        Stats.Summary none = Stats.summarize(new double[] {Double.NaN, Double.NaN});
        assertFalse(none.measured());
        assertTrue(Double.isNaN(none.median()) && Double.isNaN(none.min()) && Double.isNaN(none.max()));
    }

    @Test
    void shouldDivideRoundByRoundAndMarkRoundsWithoutBothValues() {
        double[] r = Stats.ratios(new double[] {2, 3, Double.NaN, 1}, new double[] {4, 1, 2, 0});
        assertArrayEquals(new double[] {0.5, 3, Double.NaN, Double.NaN}, r);
        assertThrows(IllegalArgumentException.class, () -> Stats.ratios(new double[2], new double[3]));
    }
}
