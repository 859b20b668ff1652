package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ForwardingReportTest {
    private static final String REFUSED = "ingress.kind: xdp (expected: tun; pcap input is for dsr-gateway replay)";

    /** 3 rounds: K 1.0/1.2/1.1 Mpps, G 0.1/0.2/0.3, X refused every round, L 1.2/1.2/1.32. */
    private static List<RoundResult> threeRoundsWithoutX() {
        List<RoundResult> r = new ArrayList<>();
        double[] k = {1.0e6, 1.2e6, 1.1e6};
        double[] g = {0.1e6, 0.2e6, 0.3e6};
        double[] l = {1.2e6, 1.2e6, 1.32e6};
        for (int i = 0; i < 3; i++) {
            r.add(RoundResult.measured("K", i + 1, k[i], 2e6, 900 + i, 1.0, 1000 * (i + 1)));
            r.add(RoundResult.measured("G", i + 1, g[i], 2e6, 7000 + 100 * i, 1.0, 0));
            r.add(RoundResult.notMeasured("X", i + 1, REFUSED));
            r.add(RoundResult.measured("L", i + 1, l[i], 2e6, 750, 0.95, 0));
        }
        return r;
    }

    @Test
    void shouldSummarizeEachConfigurationOverItsRounds() {
        ForwardingReport report = new ForwardingReport(3, threeRoundsWithoutX());
        assertEquals(new Stats.Summary(1.1e6, 1.0e6, 1.2e6, 3), report.pps(ForwardingPath.K));
        assertEquals(new Stats.Summary(7100, 7000, 7200, 3), report.nsPerPacket(ForwardingPath.G));
        assertFalse(report.pps(ForwardingPath.X).measured());
        assertEquals(Map.of(REFUSED, List.of(1, 2, 3)), report.notMeasured(ForwardingPath.X));
    }

    @Test
    void shouldComputeRatiosRoundByRound() {
        ForwardingReport report = new ForwardingReport(3, threeRoundsWithoutX());
        ForwardingReport.Ratio gk = ForwardingReport.RATIOS.stream()
                .filter(r -> r.numerator() == ForwardingPath.G && r.denominator() == ForwardingPath.K).findFirst()
                .orElseThrow();
        double[] v = report.ratio(gk);
        assertEquals(0.1, v[0], 1e-12);
        assertEquals(0.2 / 1.2, v[1], 1e-12);
        assertEquals(0.3 / 1.1, v[2], 1e-12);
        ForwardingReport.Ratio xl = ForwardingReport.RATIOS.get(0);
        assertArrayEquals(new double[] {Double.NaN, Double.NaN, Double.NaN}, report.ratio(xl));
    }

    @Test
    void shouldPrintTablesWithNotMeasuredInsteadOfNumbersForARefusedConfiguration() {
        String md = new ForwardingReport(3, threeRoundsWithoutX()).markdown(List.of("Command: `x`"));
        assertTrue(md.startsWith("## Forwarding rate: 64-byte UDP, 3 interleaved rounds\n\nCommand: `x`\n"), md);
        assertTrue(md.contains("| K | kernel IPv4 forwarding: a route in the gateway namespace, no gateway | 1.100"
                + " (1.000..1.200) | 901 (900..902) | 100% | 2.000 | 2000 | 3 |"), md);
        assertTrue(md.contains("| X | dsr-gateway run, ingress.kind = xdp, native XDP on the ingress and egress veths | not"
                + " measured: ingress.kind: xdp (expected: tun; pcap input is for dsr-gateway replay)"
                + " | - | - | - | - | 0 |"),
                md);
        assertTrue(md.contains("| X/L pps | not measured | - | >= 0.85x | - |"), md);
        assertTrue(md.contains("| X/G pps | not measured | - | >= 6.00x | - |"), md);
        // G/K per round 0.10, 0.17, 0.27: median 0.17 below the 0.3 target.
        assertTrue(md.contains("| G/K pps | 0.17 (0.10..0.27) | 0.10, 0.17, 0.27 | >= 0.30x | no |"), md);
        // L/K per round 1.20, 1.00, 1.20: no target.
        assertTrue(md.contains("| L/K pps | 1.20 (1.00..1.20) | 1.20, 1.00, 1.20 | - | - |"), md);
        assertTrue(md.contains("| 2 | 1.200 (901) | 0.200 (7100) | - | 1.200 (750) |"), md);
        assertTrue(md.contains("X not measured in round(s) 1, 2, 3: " + REFUSED), md);
        for (String line : md.split("\n")) {
            if (line.startsWith("|")) {
                assertTrue(line.endsWith("|"), "table row closed: " + line);
            }
        }
    }

    @Test
    void shouldSayYesWhenTheMedianMeetsAnAtMostTarget() {
        List<RoundResult> r = new ArrayList<>(threeRoundsWithoutX());
        r.removeIf(x -> x.config().equals("X"));
        for (int i = 1; i <= 3; i++) {
            r.add(RoundResult.measured("X", i, 1.1e6, 2e6, 800, 1.0, 0));
        }
        String md = new ForwardingReport(3, r).markdown(List.of());
        // X/L CPU: 800/750 = 1.07 each round, target <= 1.2.
        assertTrue(md.contains("| X/L CPU ns/packet | 1.07 (1.07..1.07) | 1.07, 1.07, 1.07 | <= 1.20x | yes |"), md);
        // X/L pps: 1.1/1.2, 1.1/1.2, 1.1/1.32 -> median 0.92 >= 0.85.
        assertTrue(md.contains("| X/L pps | 0.92 (0.83..0.92) | 0.92, 0.92, 0.83 | >= 0.85x | yes |"), md);
    }

    @Test
    void shouldEscapeTableSeparatorsInReasons() {
        List<RoundResult> r = List.of(RoundResult.notMeasured("G", 1, "a | b\nc"));
        String md = new ForwardingReport(1, r).markdown(List.of());
        assertTrue(md.contains("not measured: a \\| b c |"), md);
    }
}
