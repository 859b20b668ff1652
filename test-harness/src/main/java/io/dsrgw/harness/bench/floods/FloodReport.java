package io.dsrgw.harness.bench.floods;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** The markdown report of {@link FloodBenchmark}: one row per phase, then every counter delta per phase. */
final class FloodReport {
    private FloodReport() {
    }

    static String markdown(List<FloodBenchmark.Result> results, int capacity, FloodBenchmark.Options options,
                           String noise, String revision) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Floods (`scripts/bench floods`), revision %s: %.0f s per phase, %d"
                        + " request threads (new TCP connection per `GET /`, 20 ms pause, 10 s timeout), gateway"
                        + " ingress %s (1 queue), flow-table capacity %d, icmp.too-big-rate 100/s, icmp.echo-rate 100/s (defaults); flood frames"
                        + " sent by AF_PACKET from the router's namespace onto the gateway's veth, generator thread on"
                        + " CPU %d.%s%n%n", revision, options.seconds(), options.threads(), options.ingress(), capacity,
                FloodBenchmark.GENERATOR_CPU, (options.realtimePriority() > 0 ? " ingress.realtime-priority "
                        + options.realtimePriority() + "." : "") + (options.tunTxQueueLen() > 0 ? " TUN txqueuelen "
                        + options.tunTxQueueLen() + "." : "") + " ingress.new-flow-queue "
                        + (options.newFlowQueue() == null ? "auto (default)" : options.newFlowQueue()) + "."));
        sb.append("| phase | flood sent (kpps) | gateway rx (kpps) | legit ok | legit failed | p50 (ms) | p99 (ms)"
                + " | max (ms) | gateway RSS before → after (MiB) | userspace flow entries / capacity | too-big sent"
                + " | echo replies | kernel ICMP out | drops by reason |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---|\n");
        for (FloodBenchmark.Result r : results) {
            sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %d | %d | %.1f | %.1f | %.1f | %s → %s"
                            + " | %.0f / %.0f | %.0f | %.0f | %s | %s |%n", r.phase().id + ": " + r.phase().description,
                    r.phase().kind == null ? "-" : String.format(Locale.ROOT, "%.1f", r.framesSent() / r.seconds()
                            / 1e3), r.gatewayVeth().rxPackets() / r.seconds() / 1e3, r.requestsOk(),
                    r.requestsFailed(), r.latencyMs().percentile(50), r.latencyMs().percentile(99),
                    r.latencyMs().max(), mib(r.rssBeforeKib()), mib(r.rssAfterKib()), r.flowEntriesAfter(),
                    r.flowCapacity(),
                    // exactly the gateway's own ICMP (not, with XDP, xdp_packets_passed_too_big)
                    r.counterDeltas().getOrDefault("dsrgw_icmp_too_big_sent_total", 0.0),
                    r.counterDeltas().getOrDefault("dsrgw_icmp_echo_replies_total", 0.0),
                    KernelIcmp.describe(r.kernelIcmpOut()), drops(r)));
        }
        sb.append("\nCounter deltas per phase (gateway /metrics, summed over labels; veth = the gateway's ingress"
                + " veth, tun = its TUN device, whose tx_dropped are packets the kernel could not queue to the"
                + " gateway; kernel ICMP out = what the gateway namespace's kernel sent itself, /proc/net/snmp):\n\n");
        for (FloodBenchmark.Result r : results) {
            sb.append("- ").append(r.phase().id).append(": ").append(r.counterDeltas().entrySet().stream()
                            .map(e -> shortName(e.getKey()) + " " + String.format(Locale.ROOT, "%.0f", e.getValue()))
                            .collect(Collectors.joining(", ")))
                    .append(String.format(Locale.ROOT, "; veth rx %d (dropped %d); tun tx %d (dropped %d);"
                                    + " generator refused %d sendmmsg calls", r.gatewayVeth().rxPackets(),
                            r.gatewayVeth().rxDropped(), r.tunDevice().txPackets(), r.tunDevice().txDropped(),
                            r.refused()));
            if (!r.failureSamples().isEmpty()) {
                sb.append("; failed requests (first 5): ").append(String.join("; ", r.failureSamples()));
            }
            sb.append('\n');
        }
        sb.append("\nMachine noise: ").append(noise).append('\n');
        return sb.toString();
    }

    static String mib(long kib) {
        return kib < 0 ? "?" : String.format(Locale.ROOT, "%.0f", kib / 1024.0);
    }

    static String drops(FloodBenchmark.Result r) {
        String s = r.counterDeltas().entrySet().stream().filter(e -> e.getKey().contains("drop"))
                .map(e -> shortName(e.getKey()) + " " + String.format(Locale.ROOT, "%.0f", e.getValue()))
                .collect(Collectors.joining(", "));
        String tun = r.tunDevice().txDropped() > 0 ? "tun queue full " + r.tunDevice().txDropped() : "";
        String all = s.isEmpty() ? tun : tun.isEmpty() ? s : s + ", " + tun;
        return all.isEmpty() ? "-" : all;
    }

    /** "dsrgw_drop_not_vip_total" -> "drop_not_vip". */
    static String shortName(String metric) {
        String s = metric.startsWith("dsrgw_") ? metric.substring(6) : metric;
        return s.endsWith("_total") ? s.substring(0, s.length() - 6) : s;
    }
}
