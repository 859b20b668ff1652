package io.dsrgw.harness.bench.forwarding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One CPU's line of {@code /proc/stat} (proc(5)): user nice system idle iowait irq softirq steal guest guest_nice,
 * in USER_HZ ticks (100 per second on Linux, whatever the kernel's HZ). Busy = everything except idle, iowait and
 * steal (time the hypervisor gave to someone else); guest time is already included in user.
 *
 * @param busyTicks  user + nice + system + irq + softirq
 * @param totalTicks busy + idle + iowait
 */
public record CpuTimes(long busyTicks, long totalTicks) {
    /** USER_HZ: the unit of /proc/stat, fixed at 100 for userspace on every Linux architecture. */
    public static final long NANOS_PER_TICK = 10_000_000L;

    /** The line of {@code cpuN} in {@code procStat} (the whole file's text). */
    public static CpuTimes parse(String procStat, int cpu) {
        String prefix = "cpu" + cpu + " ";
        for (String line : procStat.split("\n")) {
            if (line.startsWith(prefix)) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8) {
                    throw new IllegalArgumentException("/proc/stat: " + line + " (expected: cpuN and at least 7 "
                            + "counters)");
                }
                long user = Long.parseLong(f[1]);
                long nice = Long.parseLong(f[2]);
                long system = Long.parseLong(f[3]);
                long idle = Long.parseLong(f[4]);
                long iowait = Long.parseLong(f[5]);
                long irq = Long.parseLong(f[6]);
                long softirq = Long.parseLong(f[7]);
                long busy = user + nice + system + irq + softirq;
                return new CpuTimes(busy, busy + idle + iowait);
            }
        }
        throw new IllegalArgumentException("/proc/stat has no line for cpu" + cpu + " (expected: a line '" + prefix
                + "...')");
    }

    /** Reads {@code /proc/stat} now (it is not namespaced: the whole machine's CPUs). */
    public static CpuTimes read(int cpu) throws IOException {
        return parse(Files.readString(Path.of("/proc/stat")), cpu);
    }

    /** Busy nanoseconds between {@code earlier} and this. */
    public long busyNsSince(CpuTimes earlier) {
        return (busyTicks - earlier.busyTicks) * NANOS_PER_TICK;
    }

    /** Busy fraction (0..1) between {@code earlier} and this; NaN when no tick passed. */
    public double busyFractionSince(CpuTimes earlier) {
        long total = totalTicks - earlier.totalTicks;
        return total <= 0 ? Double.NaN : (double) (busyTicks - earlier.busyTicks) / total;
    }
}
