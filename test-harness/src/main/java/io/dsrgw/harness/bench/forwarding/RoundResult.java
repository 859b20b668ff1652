package io.dsrgw.harness.bench.forwarding;

/**
 * One configuration's measurement window in one round.
 *
 * @param config          the configuration's letter (K, G, X, L)
 * @param round           1-based round number
 * @param deliveredPps    packets of the expected kind counted by the sink, per second
 * @param offeredPps      packets the generator's sendmmsg accepted, per second
 * @param cpuNsPerPacket  CPU1 busy time during the window (from /proc/stat) divided by the delivered packets
 * @param cpuBusy         CPU1 busy fraction during the window, 0..1
 * @param refusedPerSecond sendmmsg calls the veth refused (ENOBUFS: the gateway side's ring full), per second: 0
 *                        means the path kept up with the generator, so the generator, not the path, set the rate
 * @param notMeasured     null when measured; otherwise why not (then every number is NaN)
 */
public record RoundResult(String config, int round, double deliveredPps, double offeredPps, double cpuNsPerPacket,
                          double cpuBusy, double refusedPerSecond, String notMeasured) {

    /** A measured window. */
    public static RoundResult measured(String config, int round, double deliveredPps, double offeredPps,
                                       double cpuNsPerPacket, double cpuBusy, double refusedPerSecond) {
        return new RoundResult(config, round, deliveredPps, offeredPps, cpuNsPerPacket, cpuBusy, refusedPerSecond,
                null);
    }

    /** A window that could not be measured, with the reason (e.g. the gateway's error message). */
    public static RoundResult notMeasured(String config, int round, String why) {
        return new RoundResult(config, round, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                why);
    }

    public boolean isMeasured() {
        return notMeasured == null;
    }
}
