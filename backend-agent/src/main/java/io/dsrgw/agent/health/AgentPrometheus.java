package io.dsrgw.agent.health;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The agent's {@code GET /metrics} (issue 13), through the official Prometheus client: the counters that
 * {@code /status} shows, renamed per the Prometheus rules ({@code dsrgw_agent_} prefix, {@code _total}, a
 * {@code reason} / {@code tunnel} / {@code device} label instead of a dotted suffix), the readiness state as a state
 * set, the pending drift and, when the source is an {@link AgentHealth}, the drift repairs. Read at scrape time
 * from {@link HealthSource#status()}: the counters' supplier never blocks (published snapshots).
 *
 * <pre>
 * rx_packets                  dsrgw_agent_rx_packets_total
 * decap_packets               dsrgw_agent_decap_packets_total
 * decap_packets.X             dsrgw_agent_decap_packets_by_tunnel_total{tunnel="X"} (kind or device)
 * drop_X                      dsrgw_agent_packets_dropped_total{reason="X"}
 * tunnel_drop_ipv4|ipv6       dsrgw_agent_packets_dropped_total{reason="bad_source_ipv4|ipv6"} (kernel mode)
 * drop_malformed.R            dsrgw_agent_malformed_packets_total{reason="R"}
 * drop_rx_errors.D            dsrgw_agent_tunnel_rx_errors_total{device="D"}
 * drop_rx_dropped.D           dsrgw_agent_tunnel_rx_dropped_total{device="D"}
 * tx_errors                   dsrgw_agent_tx_errors_total
 * anything else N             dsrgw_agent_N_total (dots and dashes as underscores)
 * </pre>
 */
public final class AgentPrometheus {
    private final HealthSource source;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();

    public AgentPrometheus(HealthSource source) {
        this.source = Objects.requireNonNull(source, "source");
        counter("rx_packets", "Packets the agent read from its tunnel input (userspace mode).",
                cb -> each((k, v) -> k.equals("rx_packets"), (k, v) -> cb.call(v)));
        counter("decap_packets", "Tunnel packets decapsulated and delivered (userspace: written to the TUN; "
                + "kernel: received by the tunnel devices).", cb -> each((k, v) -> k.equals("decap_packets"),
                (k, v) -> cb.call(v)));
        counter("decap_packets_by_tunnel", "Decapsulated packets by tunnel kind (userspace) or device (kernel).",
                cb -> each((k, v) -> k.startsWith("decap_packets."), (k, v) -> cb.call(v, after(k))), "tunnel");
        counter("packets_dropped", "Packets the agent dropped, by reason (bad_source: not from a configured "
                + "gateway; malformed; not_vip; bad_gre_key; bad_source_ipv4/6: the kernel-mode tunnel filter).",
                cb -> each((k, v) -> (k.startsWith("drop_") && !k.contains(".")) || k.startsWith("tunnel_drop_"),
                        (k, v) -> cb.call(v, k.startsWith("tunnel_drop_") ? "bad_source_" + k.substring(12)
                                : k.substring(5))), "reason");
        counter("malformed_packets", "Malformed tunnel packets by what was wrong (userspace mode).",
                cb -> each((k, v) -> k.startsWith("drop_malformed."), (k, v) -> cb.call(v, after(k))), "reason");
        counter("tunnel_rx_errors", "Receive errors of the agent's tunnel devices (kernel mode: e.g. bad GRE "
                + "checksum or key).", cb -> each((k, v) -> k.startsWith("drop_rx_errors."),
                (k, v) -> cb.call(v, after(k))), "device");
        counter("tunnel_rx_dropped", "Packets the kernel dropped on the agent's tunnel devices (kernel mode).",
                cb -> each((k, v) -> k.startsWith("drop_rx_dropped."), (k, v) -> cb.call(v, after(k))), "device");
        counter("tx_errors", "Decapsulated packets the TUN refused (userspace mode).",
                cb -> each((k, v) -> k.equals("tx_errors"), (k, v) -> cb.call(v)));
        counter("other", "Agent counters without a documented name (label: the /status name).",
                cb -> each((k, v) -> !known(k), (k, v) -> cb.call(v, k)), "counter");
        GaugeWithCallback.builder().name("dsrgw_agent_ready_state").help("State set: 1 for the readiness state "
                        + "GET /ready answers (ready, draining, not-ready), 0 for the others.").labelNames("state")
                .callback(cb -> {
                    Readiness r = source.readiness();
                    for (ReadinessState s : ReadinessState.values()) {
                        cb.call(r.state() == s ? 1 : 0, s.id());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("dsrgw_agent_ready").help("1 while GET /ready answers 200 (ready).")
                .callback(cb -> cb.call(source.readiness().state() == ReadinessState.READY ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder().name("dsrgw_agent_last_check_timestamp_seconds").help("When the host was "
                        + "last read back by the reconcile loop (Unix time).")
                .callback(cb -> {
                    Instant at = source.readiness().checkedAt();
                    if (at != null) {
                        cb.call(at.toEpochMilli() / 1000.0);
                    }
                }).register(registry);
        if (source instanceof AgentHealth h) {
            CounterWithCallback.builder().name("dsrgw_agent_drift_repairs_total").help("Host changes the reconcile "
                    + "loop made to repair drift since start.").callback(cb -> cb.call(h.driftRepairs()))
                    .register(registry);
            GaugeWithCallback.builder().name("dsrgw_agent_drift_pending_operations").help("Operations still "
                            + "pending at the last read-back of the host (0 = no drift).")
                    .callback(cb -> {
                        int n = h.pendingDrift();
                        if (n >= 0) {
                            cb.call(n);
                        }
                    }).register(registry);
        }
    }

    private static boolean known(String k) {
        return k.equals("rx_packets") || k.equals("decap_packets") || k.equals("tx_errors")
                || k.startsWith("decap_packets.") || (k.startsWith("drop_") && !k.contains("."))
                || k.startsWith("tunnel_drop_") || k.startsWith("drop_malformed.") || k.startsWith("drop_rx_errors.")
                || k.startsWith("drop_rx_dropped.");
    }

    private static String after(String dotted) {
        return dotted.substring(dotted.indexOf('.') + 1);
    }

    private void counter(String name, String help, Consumer<CounterWithCallback.Callback> cb, String... labels) {
        CounterWithCallback.builder().name("dsrgw_agent_" + name + "_total").help(help).labelNames(labels)
                .callback(cb).register(registry);
    }

    private void each(java.util.function.BiPredicate<String, Long> filter,
                      java.util.function.BiConsumer<String, Long> sink) {
        if (source.status().get("counters") instanceof Map<?, ?> counters) {
            counters.forEach((k, v) -> {
                if (k instanceof String name && v instanceof Number n && filter.test(name, n.longValue())) {
                    sink.accept(name, n.longValue());
                }
            });
        }
    }

    /** Content type of {@link #scrape()}. */
    public String contentType() {
        return writer.getContentType();
    }

    /** All metrics in the Prometheus text format 0.0.4. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
