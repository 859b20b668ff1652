package io.dsrgw.gateway.metrics;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.BackendState;
import io.dsrgw.gateway.announce.Announcer;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.Health;
import io.dsrgw.gateway.health.HealthState;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The gateway's {@code /metrics} through the official Prometheus client (issue 13): every value is read at scrape
 * time by a callback metric ({@link CounterWithCallback}, {@link GaugeWithCallback}) from the sources the gateway
 * already keeps, and written by the client's {@link PrometheusTextFormatWriter}; nothing here formats text.
 *
 * <p>Sources: the Dropwizard registry (data-plane counters summed over the workers, flow tables, the XDP program's
 * per-CPU counters, reloads), the per-backend totals ({@link PerBackend}: packets, bytes and flows by stable backend
 * id, summed over the workers - plus, with XDP, the program's per-CPU counts - here, never on a forwarding
 * thread), the control plane (the forwarding snapshot's backends and states, health checks) and the status tree that {@code dsrctl status} prints (weights, overrides,
 * announcements). The Dropwizard bridge of the Prometheus client would export the registry's names as they are;
 * the names here follow the Prometheus rules instead ({@code dsrgw_} prefix, {@code _total} counters, base units,
 * labels for what is one quantity split by a dimension). README.md "Metrics, status page and dashboard" maps the old names.
 *
 * <p>Per-backend series are kept for every backend id seen since start (ids are never reused; a removed backend's
 * counters stay, so that the per-VIP sums never go backwards).
 *
 * <p>Thread-safe: scrapes may run concurrently (they only read).
 */
public final class GatewayPrometheus {
    /** Prefix of every metric name. */
    public static final String PREFIX = "dsrgw_";
    private static final String[] BACKEND_LABELS = {"vip", "backend"};

    /** Names and help of the data-plane counters that are not drops ({@link CounterSet} ids). */
    private static final Map<String, String[]> COUNTERS = Map.of(
            "rx_packets", new String[] {"rx_packets", "Packets read from the TUN queues (the slow path), whatever "
                    + "became of them."},
            "tx_packets", new String[] {"tx_packets", "Encapsulated packets handed to the kernel towards a backend."},
            "tx_icmp_too_big", new String[] {"icmp_too_big_sent", "ICMP fragmentation-needed / ICMPv6 packet-too-big "
                    + "messages sent to clients for packets too big for their backend's tunnel."},
            "tx_fragments", new String[] {"fragmented_packets", "Packets too big for the tunnel without DF, sent as "
                    + "fragments (counted once per packet)."},
            "tx_echo_reply", new String[] {"icmp_echo_replies", "Echo requests to a VIP address answered by the "
                    + "gateway (icmp.echo = answer)."},
            "fwd_icmp_error", new String[] {"icmp_errors_forwarded", "ICMP errors about a VIP flow forwarded to the "
                    + "backend owning the flow."},
            "rx_new_flow_packets", new String[] {"rx_new_flow_packets", "Packets of rx_packets read from the workers' "
                    + "new-flow queues (TCP SYN without ACK, ingress.new-flow-queue), after established traffic."},
            "rx_known_source_packets", new String[] {"rx_known_source_packets", "Packets of rx_packets read from the "
                    + "workers' queues of known sources' SYNs (sources with an established flow in the last minute)."});

    private static final Map<String, String[]> FLOW_TABLE = Map.of(
            "flow_hits", new String[] {"flow_table_hits", "Flow-table lookups that found a live entry."},
            "flow_misses", new String[] {"flow_table_misses", "Flow-table lookups that found none (expired "
                    + "included)."},
            "flow_evictions", new String[] {"flow_table_evictions", "Live flow-table entries evicted to make room."},
            "flow_expirations", new String[] {"flow_table_expirations", "Idle flow-table entries freed."});

    private static final Map<String, String[]> CONTROL = Map.of(
            "reloads", new String[] {"config_reloads", "Configuration reloads applied (no-change ones included)."},
            "reload_failures", new String[] {"config_reload_failures", "Configuration reloads rejected (the running "
                    + "configuration stayed)."});

    /** Registry gauges exported under another name or folded into another metric (the rest: generic gauges). */
    private static final Set<String> MAPPED_GAUGES = Set.of(GatewayMetrics.NEW_FLOW_QUEUE_GAUGE, "flow_entries",
            "flow_capacity", "config_generation",
            "reload_success", "config_last_reload_successful", "config_last_reload_success_timestamp_seconds");

    private final MetricRegistry dropwizard;
    private final GatewayControl control;
    private final Supplier<Map<String, Object>> status;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    /** Every backend id seen in a snapshot since start, with its key. */
    private final Map<Integer, BackendKey> knownBackends = new ConcurrentHashMap<>();
    /** The status tree of the scrape in progress: several metrics read it, it is built once per 100 ms. */
    private Map<String, Object> statusMemo;
    private long statusMemoNs;

    /**
     * @param dropwizard the gateway's registry ({@link GatewayMetrics}, {@link FlowTableMetrics}, {@link XdpMetrics},
     *                   the control plane's gauges)
     * @param control    the control plane (snapshot, health)
     * @param status     the {@code dsrctl status} tree ({@code AdminCommands.statusTree}): weights, overrides,
     *                   announcements
     */
    public GatewayPrometheus(MetricRegistry dropwizard, GatewayControl control, Supplier<Map<String, Object>> status) {
        this.dropwizard = Objects.requireNonNull(dropwizard, "dropwizard");
        this.control = Objects.requireNonNull(control, "control");
        Objects.requireNonNull(status, "status");
        this.status = () -> memoStatus(status);
        registerDataPlane();
        registerFlowTables();
        registerControl();
        registerBackends();
        registerAnnounce();
        registerLateGauges();
        Info.builder().name(PREFIX + "build_info").help("The running dsr-gateway's version (value always 1).")
                .labelNames("version", "java_version").register(registry)
                .addLabelValues(BuildInfo.version(), System.getProperty("java.version", "unknown"));
    }

    /** The client registry (tests, other exporters). */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Content type of {@link #scrape()}: Prometheus text format 0.0.4. */
    public String contentType() {
        return writer.getContentType();
    }

    /** All metrics in the Prometheus text format. */
    public String scrape() {
        registerLateGauges();
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            writer.write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private synchronized Map<String, Object> memoStatus(Supplier<Map<String, Object>> source) {
        long now = System.nanoTime();
        if (statusMemo == null || now - statusMemoNs > 100_000_000L) {
            statusMemo = source.get();
            statusMemoNs = now;
        }
        return statusMemo;
    }

    /**
     * Per backend of the current snapshot, keyed {@code vip + NUL + address}: {packets, bytes, flows} (for the
     * status API and page).
     */
    public Map<String, long[]> backendTotals() {
        ForwardingSnapshot s = rememberBackends();
        PerBackend packets = perBackend(PerBackend.PACKETS);
        PerBackend bytes = perBackend(PerBackend.BYTES);
        PerBackend flows = perBackend(PerBackend.FLOWS);
        Map<String, long[]> out = new java.util.HashMap<>();
        for (int b = 0; b < s.backendCount(); b++) {
            int id = s.backendId(b);
            out.put(s.vipName(s.backendVip(b)) + '\0' + s.backendIdentity(b),
                    new long[] {packets.get(id), bytes.get(id), flows.get(id)});
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ sources

    private long gauge(String name) {
        Gauge<?> g = dropwizard.getGauges().get(name);
        return g != null && g.getValue() instanceof Number n ? n.longValue() : 0;
    }

    private double gaugeDouble(String name) {
        Gauge<?> g = dropwizard.getGauges().get(name);
        return g != null && g.getValue() instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private PerBackend perBackend(String name) {
        Gauge<?> g = dropwizard.getGauges().get(name);
        return g != null && g.getValue() instanceof PerBackend p ? p : id -> 0;
    }

    private void counter(String name, String help, Consumer<CounterWithCallback.Callback> cb, String... labels) {
        CounterWithCallback.builder().name(PREFIX + name).help(help).labelNames(labels).callback(cb)
                .register(registry);
    }

    private void gauge(String name, String help, Consumer<GaugeWithCallback.Callback> cb, String... labels) {
        GaugeWithCallback.builder().name(PREFIX + name).help(help).labelNames(labels).callback(cb)
                .register(registry);
    }

    // ------------------------------------------------------------------------------------------ data plane

    /**
     * The exported name of data-plane counter {@code c}: {@code dsrgw_packets_dropped_total} (label {@code reason})
     * for the drops, else its own {@code dsrgw_..._total}.
     */
    public static String counterName(CounterSet c) {
        if (c.id().startsWith("drop_")) {
            return PREFIX + "packets_dropped_total";
        }
        String[] nh = COUNTERS.get(c.id());
        return PREFIX + (nh != null ? nh[0] : c.id()) + "_total";
    }

    private void registerDataPlane() {
        for (CounterSet c : CounterSet.all()) {
            String[] nh = COUNTERS.get(c.id());
            if (c.id().startsWith("drop_")) {
                continue;
            }
            String name = counterName(c).substring(PREFIX.length(), counterName(c).length() - "_total".length());
            String help = nh != null ? nh[1] : "Data-plane counter " + c.id() + ".";
            counter(name, help, cb -> cb.call(gauge(c.id())));
        }
        counter("packets_dropped", "Packets the gateway dropped (TUN path), by reason: not_vip, malformed, "
                + "no_backend, unsupported, tx_error, too_big, too_big_rate_limited, unsupported_ext_header, "
                + "icmp_quote_mismatch, source_martian, source_own, source_denied, echo_rate_limited.", cb -> {
            for (CounterSet c : CounterSet.all()) {
                if (c.id().startsWith("drop_")) {
                    cb.call(gauge(c.id()), c.id().substring("drop_".length()));
                }
            }
        }, "reason");
        gauge("ingress_new_flow_queue", "1 when the TUN workers have a new-flow queue (ingress.new-flow-queue: SYNs "
                + "queued apart by a steering BPF program and read after established traffic), else 0.",
                cb -> cb.call(gauge(GatewayMetrics.NEW_FLOW_QUEUE_GAUGE)));
    }

    private void registerFlowTables() {
        for (FlowTable.Counter c : FlowTable.Counter.values()) {
            String[] nh = FLOW_TABLE.get(c.id());
            if (nh != null) {
                counter(nh[0], nh[1], cb -> cb.call(gauge(c.id())));
            }
        }
        gauge("flow_table_entries", "Live flow-table entries, all workers.", cb -> cb.call(gauge("flow_entries")));
        gauge("flow_table_capacity", "Flow-table slots, all workers.", cb -> cb.call(gauge("flow_capacity")));
    }

    /**
     * Gauges that appear in the registry after start-up: the XDP program's (registered once the program is loaded,
     * after the HTTP server started) and any other gauge not mapped here. Checked at every scrape.
     */
    private synchronized void registerLateGauges() {
        if (!xdpRegistered && dropwizard.getGauges().keySet().stream().anyMatch(n -> n.startsWith(XdpMetrics.PREFIX))) {
            xdpRegistered = true;
            registerXdp();
        }
        registerOtherGauges();
    }

    private boolean xdpRegistered;
    private final Set<String> otherGauges = new java.util.HashSet<>();

    private void registerXdp() {
        List<String> names = dropwizard.getGauges().keySet().stream()
                .filter(n -> n.startsWith(XdpMetrics.PREFIX)).sorted().toList();
        counter("xdp_packets_passed", "Packets the XDP program passed to the kernel (the slow path), by reason "
                + "(the map contract's pass_* counters).", cb -> {
            for (String n : names) {
                if (n.startsWith("xdp_pass_")) {
                    cb.call(gauge(n), n.substring("xdp_pass_".length()));
                }
            }
        }, "reason");
        counter("xdp_packets_dropped", "Packets the XDP program dropped, by reason (only the source policy drops: "
                + "the map contract's drop_* counters, the same reasons as dsrgw_packets_dropped_total).", cb -> {
            for (String n : names) {
                if (n.startsWith("xdp_drop_")) {
                    cb.call(gauge(n), n.substring("xdp_drop_".length()));
                }
            }
        }, "reason");
        for (String n : names) {
            String suffix = n.substring(XdpMetrics.PREFIX.length());
            if (suffix.startsWith("pass_") || suffix.startsWith("drop_")) {
                continue;
            }
            String name = switch (suffix) {
                case "rx" -> "xdp_rx_packets";
                case "tx" -> "xdp_tx_packets";
                case "redirect" -> "xdp_redirected_packets";
                default -> suffix.startsWith("flow_") ? "xdp_flow_table_" + suffix.substring(5) : "xdp_" + suffix;
            };
            counter(name, "XDP program counter " + suffix + " (per-CPU values summed; dsrgw_xdp.h).",
                    cb -> cb.call(gauge(n)));
        }
    }

    private void registerControl() {
        CONTROL.forEach((id, nh) -> counter(nh[0], nh[1], cb -> cb.call(gauge(id))));
        gauge("config_generation", "Generation of the forwarding snapshot in use (bumped by every change).",
                cb -> cb.call(gauge("config_generation")));
        gauge("config_last_reload_successful", "1 if the last configuration reload was applied (or none was "
                + "tried since start), 0 if it was rejected.", cb -> cb.call(gauge("config_last_reload_successful")));
        gauge("config_last_reload_success_timestamp_seconds", "When the running configuration file was last "
                + "applied (start-up or reload), Unix time.",
                cb -> cb.call(gaugeDouble("config_last_reload_success_timestamp_seconds")));
    }

    private void registerOtherGauges() {
        // Whatever else the registry holds keeps being exported (as a gauge: its meaning is not known here).
        Set<String> known = new java.util.HashSet<>(MAPPED_GAUGES);
        for (CounterSet c : CounterSet.all()) {
            known.add(c.id());
        }
        for (FlowTable.Counter c : FlowTable.Counter.values()) {
            known.add(c.id());
        }
        known.addAll(CONTROL.keySet());
        for (Map.Entry<String, Gauge> e : new TreeMap<>(dropwizard.getGauges()).entrySet()) {
            String n = e.getKey();
            if (known.contains(n) || n.startsWith(XdpMetrics.PREFIX) || !(e.getValue().getValue() instanceof Number)
                    || !otherGauges.add(n)) {
                continue;
            }
            gauge(n.replaceAll("[^a-zA-Z0-9_]", "_"), "Gateway gauge " + n + ".", cb -> cb.call(gaugeDouble(n)));
        }
    }

    // ------------------------------------------------------------------------------------------ backends

    /** The current snapshot's backends, remembered by id (so that removed ones keep their counters). */
    private ForwardingSnapshot rememberBackends() {
        ForwardingSnapshot s = control.holder().get();
        for (int b = 0; b < s.backendCount(); b++) {
            knownBackends.putIfAbsent(s.backendId(b), new BackendKey(s.vipName(s.backendVip(b)),
                    s.backendIdentity(b)));
        }
        return s;
    }

    private void registerBackends() {
        gauge("backend_state", "State set: 1 for the backend's effective state in the data plane (active = in "
                + "rotation, draining = keeps its flows only, down = out), 0 for the others.", cb -> {
            ForwardingSnapshot s = rememberBackends();
            for (int b = 0; b < s.backendCount(); b++) {
                for (BackendState st : BackendState.values()) {
                    cb.call(s.backendState(b) == st ? 1 : 0, s.vipName(s.backendVip(b)), s.backendIdentity(b),
                            st.id());
                }
            }
        }, "vip", "backend", "state");
        gauge("backend_health", "State set: 1 for the health-check verdict (up, draining = its agent asked, "
                + "down), 0 for the others; only for backends with a health check.", cb -> {
            for (Map.Entry<BackendKey, Health> e : control.health().snapshot().entrySet()) {
                for (Health h : Health.values()) {
                    cb.call(e.getValue() == h ? 1 : 0, e.getKey().vip(), e.getKey().identity(),
                            h.name().toLowerCase(java.util.Locale.ROOT));
                }
            }
        }, "vip", "backend", "state");
        counter("backend_health_transitions", "Health-check verdict changes since the backend was first checked.",
                cb -> {
                    HealthState hs = control.health();
                    for (BackendKey k : hs.snapshot().keySet()) {
                        cb.call(hs.transitions(k), k.vip(), k.identity());
                    }
                }, BACKEND_LABELS);
        gauge("backend_last_probe_duration_seconds", "How long the backend's last health probe took "
                + "(connect to verdict, or to the timeout).", cb -> {
                    HealthState hs = control.health();
                    for (BackendKey k : hs.snapshot().keySet()) {
                        double d = hs.lastProbeSeconds(k);
                        if (!Double.isNaN(d)) {
                            cb.call(d, k.vip(), k.identity());
                        }
                    }
                }, BACKEND_LABELS);
        gauge("backend_weight", "The backend's effective weight (configured, or the operator's override).", cb -> {
            for (Map<String, Object> b : statusBackends()) {
                if (b.get("weight") instanceof Number w) {
                    cb.call(w.doubleValue(), String.valueOf(b.get("vip")), String.valueOf(b.get("address")));
                }
            }
        }, BACKEND_LABELS);
        gauge("backend_tunnel", "1 for the tunnel kind the backend is reached through (kind: ipip, sit, gre, ip6tnl, "
                + "ip6gre, gue, gue6, none = L2 DSR).", cb -> {
                    for (Map<String, Object> b : statusBackends()) {
                        if (b.get("tunnel") != null) {
                            cb.call(1, String.valueOf(b.get("vip")), String.valueOf(b.get("address")),
                                    String.valueOf(b.get("tunnel")));
                        }
                    }
                }, "vip", "backend", "kind");
        gauge("backend_override", "1 while an operator override (dsrctl drain / weight) applies to the backend.",
                cb -> {
                    for (Map<String, Object> b : statusBackends()) {
                        Object o = b.get("override");
                        cb.call(o == null || "-".equals(o) || "".equals(o) ? 0 : 1, String.valueOf(b.get("vip")),
                                String.valueOf(b.get("address")));
                    }
                }, BACKEND_LABELS);
        counter("backend_packets", "Packets forwarded to the backend (TUN path plus, with ingress.kind = xdp, "
                + "the XDP fast path).", cb -> perBackendSeries(cb::call, perBackend(PerBackend.PACKETS)),
                BACKEND_LABELS);
        counter("backend_bytes", "Bytes of client packets (inner, before encapsulation) forwarded to the backend "
                + "(TUN path plus XDP fast path).", cb -> perBackendSeries(cb::call, perBackend(PerBackend.BYTES)),
                BACKEND_LABELS);
        gauge("backend_flows", "Live flow-table entries pinned to the backend, all workers.",
                cb -> perBackendSeries(cb::call, perBackend(PerBackend.FLOWS)), BACKEND_LABELS);
        counter("vip_packets", "Packets forwarded for the VIP (sum over its backends, TUN path plus XDP fast "
                + "path).",
                cb -> perVipSeries(cb::call, perBackend(PerBackend.PACKETS)), "vip");
        counter("vip_bytes", "Bytes of client packets forwarded for the VIP (sum over its backends, both paths).",
                cb -> perVipSeries(cb::call, perBackend(PerBackend.BYTES)), "vip");
        gauge("vip_flows", "Live flow-table entries of the VIP (sum over its backends), all workers.",
                cb -> perVipSeries(cb::call, perBackend(PerBackend.FLOWS)), "vip");
    }

    @FunctionalInterface
    private interface Sink {
        void call(double value, String... labels);
    }

    private void perBackendSeries(Sink sink, PerBackend source) {
        rememberBackends();
        for (Map.Entry<Integer, BackendKey> e : new TreeMap<>(knownBackends).entrySet()) {
            sink.call(source.get(e.getKey()), e.getValue().vip(), e.getValue().identity());
        }
    }

    private void perVipSeries(Sink sink, PerBackend source) {
        rememberBackends();
        Map<String, Long> byVip = new TreeMap<>();
        knownBackends.forEach((id, k) -> byVip.merge(k.vip(), source.get(id), Long::sum));
        byVip.forEach((vip, v) -> sink.call(v, vip));
    }

    /** Every backend row of the status tree, each with its VIP's name added as "vip". */
    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> statusBackends() {
        List<Map<String, Object>> out = new java.util.ArrayList<>();
        if (status.get().get("vip_list") instanceof List<?> vips) {
            for (Object v : vips) {
                if (v instanceof Map<?, ?> vip && vip.get("backends") instanceof List<?> backends) {
                    for (Object b : backends) {
                        Map<String, Object> row = new java.util.LinkedHashMap<>((Map<String, Object>) b);
                        row.put("vip", vip.get("name"));
                        out.add(row);
                    }
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ announce

    private void registerAnnounce() {
        gauge("vip_announced", "1 while the gateway announces the VIP's address (announce.table).", cb -> {
            for (Map<?, ?> vip : statusVips()) {
                if (vip.get("announced") instanceof Boolean a) {
                    cb.call(a ? 1 : 0, String.valueOf(vip.get("name")), String.valueOf(vip.get("address")));
                }
            }
        }, "vip", "address");
        gauge("vip_announce_reason", "State set: 1 for why the VIP is or is not announced (announced, off, "
                + "vip_off, starting, stopping, drained, no_backend, route_error).", cb -> {
            for (Map<?, ?> vip : statusVips()) {
                if (vip.get("announce_reason") instanceof String text) {
                    for (Announcer.Reason r : Announcer.Reason.values()) {
                        cb.call(text.startsWith(r.text()) ? 1 : 0, String.valueOf(vip.get("name")), r.id());
                    }
                }
            }
        }, "vip", "reason");
        gauge("announce_routes", "Routes the gateway keeps in announce.table (absent when announcing is off).",
                cb -> {
                    if (status.get().get("announce_routes") instanceof Number n) {
                        cb.call(n.doubleValue());
                    }
                });
        gauge("gateway_drained", "1 while the operator has drained the gateway (dsrctl drain-gateway).", cb -> {
            Object state = status.get().get("announce");
            if (state != null) {
                cb.call("drained".equals(state) ? 1 : 0);
            }
        });
    }

    private List<Map<?, ?>> statusVips() {
        List<Map<?, ?>> out = new java.util.ArrayList<>();
        if (status.get().get("vip_list") instanceof List<?> vips) {
            for (Object v : vips) {
                if (v instanceof Map<?, ?> m) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------ build

    /** The version baked into the jar at build time ({@code dsrgw-build.properties}). */
    static final class BuildInfo {
        private BuildInfo() {
        }

        static String version() {
            try (InputStream in = GatewayPrometheus.class.getResourceAsStream("dsrgw-build.properties")) {
                if (in == null) {
                    return "unknown";
                }
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
