package io.dsrgw.harness.bench.forwarding;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The markdown report of {@code scripts/bench forwarding}: per configuration the median and range of delivered
 * packets per second and of CPU1 time per delivered packet; the per-round ratios that issue 11 sets targets for;
 * the rounds themselves; and why a configuration was not measured. Pure: formatting only.
 */
public final class ForwardingReport {
    /** How a ratio compares with its target. */
    public enum Metric { PPS, NS_PER_PACKET }

    /**
     * A per-round ratio {@code numerator / denominator} of {@code metric}, with the target (NaN: none)
     * and whether the ratio must be at least ({@code atLeast}) or at most that target.
     */
    public record Ratio(ForwardingPath numerator, ForwardingPath denominator, Metric metric, double target,
                        boolean atLeast) {
        public String label() {
            return numerator.letter() + "/" + denominator.letter() + (metric == Metric.PPS ? " pps" : " CPU ns/packet");
        }

        public String targetText() {
            if (Double.isNaN(target)) {
                return "-";
            }
            return (atLeast ? ">= " : "<= ") + format2(target) + "x";
        }
    }

    /** The ratios of issue 11 ("X >= 0.85x L pps, X's CPU/packet <= 1.2x L's, X >= 6x G, G >= 0.3x K"), and L/K. */
    public static final List<Ratio> RATIOS = List.of(
            new Ratio(ForwardingPath.X, ForwardingPath.L, Metric.PPS, 0.85, true),
            new Ratio(ForwardingPath.X, ForwardingPath.L, Metric.NS_PER_PACKET, 1.2, false),
            new Ratio(ForwardingPath.X, ForwardingPath.G, Metric.PPS, 6, true),
            new Ratio(ForwardingPath.G, ForwardingPath.K, Metric.PPS, 0.3, true),
            new Ratio(ForwardingPath.L, ForwardingPath.K, Metric.PPS, Double.NaN, true));

    private final int rounds;
    private final List<RoundResult> results;

    /** {@code results}: every window of every round (rounds 1..rounds); missing windows count as not measured. */
    public ForwardingReport(int rounds, List<RoundResult> results) {
        this.rounds = rounds;
        this.results = List.copyOf(results);
    }

    /** One value per round (index round-1) of {@code path}; NaN where not measured. */
    public double[] perRound(ForwardingPath path, ToDoubleFunction<RoundResult> value) {
        double[] v = new double[rounds];
        java.util.Arrays.fill(v, Double.NaN);
        for (RoundResult r : results) {
            if (r.config().equals(path.letter()) && r.isMeasured() && r.round() >= 1 && r.round() <= rounds) {
                v[r.round() - 1] = value.applyAsDouble(r);
            }
        }
        return v;
    }

    public Stats.Summary pps(ForwardingPath path) {
        return Stats.summarize(perRound(path, RoundResult::deliveredPps));
    }

    public Stats.Summary nsPerPacket(ForwardingPath path) {
        return Stats.summarize(perRound(path, RoundResult::cpuNsPerPacket));
    }

    /** The per-round values of {@code ratio}. */
    public double[] ratio(Ratio ratio) {
        ToDoubleFunction<RoundResult> f = ratio.metric() == Metric.PPS ? RoundResult::deliveredPps
                : RoundResult::cpuNsPerPacket;
        return Stats.ratios(perRound(ratio.numerator(), f), perRound(ratio.denominator(), f));
    }

    /** Why {@code path} was not measured, by distinct reason, with the rounds it applies to; empty if measured. */
    public Map<String, List<Integer>> notMeasured(ForwardingPath path) {
        Map<String, List<Integer>> why = new LinkedHashMap<>();
        for (RoundResult r : results) {
            if (r.config().equals(path.letter()) && !r.isMeasured()) {
                why.computeIfAbsent(r.notMeasured(), k -> new ArrayList<>()).add(r.round());
            }
        }
        return why;
    }

    /** The markdown tables; {@code header} lines (command, parameters, generator check) go first. */
    public String markdown(List<String> header) {
        StringBuilder sb = new StringBuilder();
        sb.append("## Forwarding rate: 64-byte UDP, ").append(rounds).append(" interleaved rounds\n\n");
        for (String h : header) {
            sb.append(h).append("\n");
        }
        if (!header.isEmpty()) {
            sb.append("\n");
        }
        sb.append("| config | what | delivered Mpps: median (min..max) | CPU1 ns/packet: median (min..max)"
                + " | CPU1 busy | offered Mpps | refused/s | rounds |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (ForwardingPath p : ForwardingPath.values()) {
            Stats.Summary pps = pps(p);
            Stats.Summary ns = nsPerPacket(p);
            sb.append("| ").append(p.letter()).append(" | ").append(p.description()).append(" | ");
            if (!pps.measured()) {
                sb.append("not measured: ").append(escape(String.join("; ", notMeasured(p).keySet())))
                        .append(" | - | - | - | - | 0 |\n");
                continue;
            }
            sb.append(mpps(pps.median())).append(" (").append(mpps(pps.min())).append("..").append(mpps(pps.max()))
                    .append(") | ").append(ns(ns.median())).append(" (").append(ns(ns.min())).append("..")
                    .append(ns(ns.max())).append(") | ")
                    .append(percent(Stats.summarize(perRound(p, RoundResult::cpuBusy)).median())).append(" | ")
                    .append(mpps(Stats.summarize(perRound(p, RoundResult::offeredPps)).median())).append(" | ")
                    .append(ns(Stats.summarize(perRound(p, RoundResult::refusedPerSecond)).median())).append(" | ")
                    .append(pps.count()).append(" |\n");
        }
        sb.append("\n| ratio (per round) | median (min..max) | rounds | issue target | median meets it |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Ratio r : RATIOS) {
            double[] values = ratio(r);
            Stats.Summary s = Stats.summarize(values);
            sb.append("| ").append(r.label()).append(" | ");
            if (!s.measured()) {
                sb.append("not measured | - | ").append(r.targetText()).append(" | - |\n");
                continue;
            }
            String met = Double.isNaN(r.target()) ? "-"
                    : (r.atLeast() ? s.median() >= r.target() : s.median() <= r.target()) ? "yes" : "no";
            sb.append(format2(s.median())).append(" (").append(format2(s.min())).append("..")
                    .append(format2(s.max())).append(") | ").append(roundList(values)).append(" | ")
                    .append(r.targetText()).append(" | ").append(met).append(" |\n");
        }
        sb.append("\n| round |");
        for (ForwardingPath p : ForwardingPath.values()) {
            sb.append(' ').append(p.letter()).append(" Mpps (ns/packet) |");
        }
        sb.append("\n|---|");
        sb.append("---|".repeat(ForwardingPath.values().length)).append("\n");
        for (int i = 0; i < rounds; i++) {
            sb.append("| ").append(i + 1).append(" |");
            for (ForwardingPath p : ForwardingPath.values()) {
                double pps = perRound(p, RoundResult::deliveredPps)[i];
                double ns = perRound(p, RoundResult::cpuNsPerPacket)[i];
                sb.append(' ').append(Double.isNaN(pps) ? "-" : mpps(pps) + " (" + ns(ns) + ")").append(" |");
            }
            sb.append("\n");
        }
        for (ForwardingPath p : ForwardingPath.values()) {
            for (Map.Entry<String, List<Integer>> e : notMeasured(p).entrySet()) {
                sb.append("\n").append(p.letter()).append(" not measured in round(s) ")
                        .append(e.getValue().stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse(""))
                        .append(": ").append(e.getKey()).append("\n");
            }
        }
        return sb.toString();
    }

    private String roundList(double[] values) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(Double.isNaN(v) ? "-" : format2(v));
        }
        return String.join(", ", parts);
    }

    static String mpps(double pps) {
        return String.format(Locale.ROOT, "%.3f", pps / 1e6);
    }

    static String ns(double ns) {
        return String.format(Locale.ROOT, "%.0f", ns);
    }

    static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }

    static String format2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** Table cells must not contain '|' or line breaks. */
    static String escape(String s) {
        return s.replace("|", "\\|").replace('\n', ' ');
    }
}
