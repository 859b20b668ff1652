package io.dsrgw.gateway.admin;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.gateway.announce.Announcer;
import io.dsrgw.gateway.control.EffectiveConfig;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.control.OperatorOverride;
import io.dsrgw.gateway.control.OverrideResult;
import io.dsrgw.gateway.control.ReloadResult;
import io.dsrgw.gateway.dataplane.BackendSelection;
import io.dsrgw.gateway.dataplane.BackendSelector;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.FlowTableLookup;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.xdp.XdpDataPlane;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.Health;
import io.dsrgw.gateway.lb.BackendIdentity;
import io.dsrgw.gateway.dataplane.CounterSet;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntToLongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The admin commands behind {@code dsrctl} and the HTTP API, executed against the live {@link GatewayControl}.
 * Pure control plane: reads the published snapshot and the metric registry, changes state only through the
 * control's synchronized methods. Text formats (stable: scripts and the test harness parse them) are documented
 * per command in {@link #execute}.
 */
public final class AdminCommands {
    /** Commands and their argument synopsis, in the order of the usage text. */
    public static final Map<String, String> SYNOPSIS = synopsis();

    private final GatewayControl control;
    private final MetricRegistry registry;
    private final LongSupplier uptimeMs;
    private final BackendSelector selector;
    /** Issue 12: the VIP announcements (drain-gateway, per-VIP announced state); null until set. */
    private volatile Announcer announcer;
    private volatile Supplier<Map<String, Long>> fastPathCounters = Map::of;
    /** The status line {@code new_flow_queue}: "on", "off" or "off (why)"; null (no line) unless set by run. */
    private volatile String newFlowQueue;
    /** Live flows by stable backend id, summed over the workers' flow tables; null: not counted (replay, tests). */
    private volatile IntToLongFunction flowsByBackendId;

    /** Without flow tables: {@code explain} answers with the Maglev choice only (replay, tests). */
    public AdminCommands(GatewayControl control, MetricRegistry registry, LongSupplier uptimeMs) {
        this(control, registry, uptimeMs, new BackendSelector());
    }

    /**
     * @param control  the running gateway's control plane
     * @param registry its metrics (counters, flow table gauges, reloads)
     * @param uptimeMs milliseconds since the gateway started
     * @param selector the data plane's backend selection over the workers' flow tables ({@code explain})
     */
    public AdminCommands(GatewayControl control, MetricRegistry registry, LongSupplier uptimeMs,
                         BackendSelector selector) {
        this.control = Objects.requireNonNull(control, "control");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.uptimeMs = Objects.requireNonNull(uptimeMs, "uptimeMs");
        this.selector = Objects.requireNonNull(selector, "selector");
    }

    /** Issue 12: the gateway's announcer, for {@code drain-gateway}, {@code undrain-gateway} and the status. */
    public AdminCommands announcer(Announcer a) {
        this.announcer = a;
        return this;
    }

    /** The announcer's Prometheus gauges, or "" without one ({@code /metrics} appends it). */
    public String announceMetrics() {
        Announcer a = announcer;
        return a == null ? "" : a.prometheus();
    }

    /**
     * Adds the line {@code new_flow_queue} to {@code status} and {@code /api/status}: {@code on} when the TUN workers
     * have a new-flow queue ({@code ingress.new-flow-queue}), else {@code off}, with the reason when auto wanted it.
     */
    public void newFlowQueue(boolean inUse, String problem) {
        // one line: a libbpf failure carries its log lines after the first
        this.newFlowQueue = inUse ? "on" : problem == null ? "off" : "off (" + problem.lines().findFirst().orElse("")
                + ")";
    }

    /**
     * Adds the XDP fast path's counters ({@code xdp_rx}, {@code xdp_tx}, ... in the program's order) to
     * {@code status} and {@code /api/status}, after the TUN pipeline's (the slow path's) counters.
     */
    public void fastPathCounters(Supplier<Map<String, Long>> counters) {
        this.fastPathCounters = Objects.requireNonNull(counters, "counters");
    }

    /**
     * Counts {@code dsrctl backends}' FLOWS column (and the status tree's {@code flows}) from the workers' flow
     * tables, by stable backend id ({@link ForwardingSnapshot#backendId}).
     */
    public AdminCommands flowsByBackendId(IntToLongFunction flows) {
        this.flowsByBackendId = flows;
        return this;
    }

    /** The commands that only read: allowed on the read-only socket ({@code admin.socket-readonly}). */
    public static final java.util.Set<String> READ_ONLY = java.util.Set.of("status", "vips", "backends", "flows",
            "explain");

    private static Map<String, String> synopsis() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("status", "");
        m.put("vips", "");
        m.put("backends", "");
        m.put("drain", "VIP BACKEND");
        m.put("undrain", "VIP BACKEND");
        m.put("maint", "VIP BACKEND");
        m.put("unmaint", "VIP BACKEND");
        m.put("weight", "VIP BACKEND N|reset");
        m.put("reload", "");
        m.put("flows", "");
        m.put("explain", "PROTO SRC:PORT DST:PORT");
        m.put("drain-gateway", "");
        m.put("undrain-gateway", "");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * Runs one command. Never throws for bad input: every problem becomes an error reply naming what was expected.
     * Output formats ({@code name value} lines unless noted):
     * <ul>
     *   <li>{@code status}: state, generation, uptime_s, config, vips, backends, backends_active,
     *       backends_draining, backends_down, overrides, reloads, reload_failures, then every data-plane counter
     *       (the TUN pipeline's, then with {@code ingress.kind = xdp} the XDP program's as {@code xdp_*});</li>
     *   <li>{@code vips}: a header line and one whitespace-separated row per VIP: NAME ADDRESS PROTO PORTS
     *       FLOW-TABLE ACTIVE/TOTAL (ports comma-separated; FLOW-TABLE on|off);</li>
     *   <li>{@code backends}: a header line and one row per backend: VIP BACKEND TUNNEL WEIGHT STATE HEALTH
     *       OVERRIDE FLOWS REASON (STATE = effective state active|draining|down; HEALTH up|draining|down|unchecked;
     *       OVERRIDE - or maint, drained, weight=N joined by commas, or removed; FLOWS the live entries in the
     *       workers' flow tables, - when not counted; REASON why a down backend is down, else -);</li>
     *   <li>{@code drain|undrain|maint|unmaint|weight}: {@code VIP BACKEND: override ... (generation N)};</li>
     *   <li>{@code reload}: the reload summary; a rejected file is an error reply listing every error;</li>
     *   <li>{@code flows}: the flow table gauges summed over workers (flow_entries, flow_capacity, ...);</li>
     *   <li>{@code drain-gateway|undrain-gateway}: withdraw every announced route (forwarding continues) / announce
     *       again; an error reply when announcing is off. {@code status} then adds announce, announce_table,
     *       announce_routes and one {@code announce.VIP announced|withdrawn: REASON} line per VIP;</li>
     *   <li>{@code explain}: vip, backend, backend_state, source (pinned|maglev), table (the worker whose flow
     *       table pins the flow, {@code xdp} for the XDP program's table, or -), slot, table_size, hash,
     *       generation.</li>
     * </ul>
     */
    public AdminReply execute(String command, List<String> args) {
        try {
            return switch (command) {
                case "status" -> noArgs(command, args, this::status);
                case "vips" -> noArgs(command, args, this::vips);
                case "backends" -> noArgs(command, args, this::backends);
                case "flows" -> noArgs(command, args, this::flows);
                case "reload" -> noArgs(command, args, this::reload);
                case "drain", "undrain", "maint", "unmaint" -> {
                    checkArgs(command, args, 2);
                    String vip = args.get(0);
                    String backend = args.get(1);
                    OverrideResult r = switch (command) {
                        case "drain" -> control.drain(vip, backend);
                        case "undrain" -> control.undrain(vip, backend);
                        case "maint" -> control.maint(vip, backend);
                        default -> control.unmaint(vip, backend);
                    };
                    yield overrideReply(r);
                }
                case "weight" -> {
                    checkArgs(command, args, 3);
                    if (args.get(2).equalsIgnoreCase("reset")) {
                        yield overrideReply(control.resetWeight(args.get(0), args.get(1)));
                    }
                    int w;
                    try {
                        w = Integer.parseInt(args.get(2));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("weight: " + args.get(2) + " (expected: 0..65535 or "
                                + "reset)");
                    }
                    yield overrideReply(control.weight(args.get(0), args.get(1), w));
                }
                case "explain" -> {
                    checkArgs(command, args, 3);
                    yield explain(args.get(0), args.get(1), args.get(2));
                }
                case "drain-gateway", "undrain-gateway" -> noArgs(command, args, () -> drainGateway(command));
                default -> AdminReply.error("unknown command " + command + " (expected one of: "
                        + String.join(", ", SYNOPSIS.keySet()) + ")");
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            return AdminReply.error(e.getMessage());
        } catch (RuntimeException e) {
            return AdminReply.error(command + " failed: " + e);
        }
    }

    private static AdminReply noArgs(String command, List<String> args, java.util.function.Supplier<AdminReply> s) {
        checkArgs(command, args, 0);
        return s.get();
    }

    private static void checkArgs(String command, List<String> args, int n) {
        if (args.size() != n) {
            throw new IllegalArgumentException(command + ": " + args.size() + " argument(s) (expected: "
                    + (n == 0 ? "none" : SYNOPSIS.get(command)) + ")");
        }
    }

    // ------------------------------------------------------------------------------------------ status

    /** The status as a JSON-ready tree (also {@code /api/status}). */
    public Map<String, Object> statusTree() {
        ForwardingSnapshot s = control.holder().get();
        List<BackendRow> rows = backendRows(s);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", "running");
        m.put("generation", s.generation());
        m.put("uptime_s", uptimeMs.getAsLong() / 1000);
        m.put("config", control.file().toAbsolutePath().toString());
        m.put("vips", s.vipCount());
        m.put("backends", rows.size());
        m.put("backends_active", rows.stream().filter(r -> r.state.equals("active")).count());
        m.put("backends_draining", rows.stream().filter(r -> r.state.equals("draining")).count());
        m.put("backends_down", rows.stream().filter(r -> r.state.equals("down")).count());
        m.put("overrides", control.overrides().size());
        m.put("reloads", control.reloads());
        m.put("reload_failures", control.reloadFailures());
        if (newFlowQueue != null) {
            m.put("new_flow_queue", newFlowQueue);
        }
        Map<String, Object> counters = new LinkedHashMap<>();
        for (CounterSet c : CounterSet.all()) {
            counters.put(c.id(), gauge(c.id()));
        }
        counters.putAll(fastPathCounters.get());
        Announcer a = announcer;
        Map<String, Announcer.VipStatus> announced = new HashMap<>();
        if (a != null) {
            m.put("announce", a.state());
            m.put("announce_table", a.table());
            m.put("announce_routes", a.routeCount());
            for (Announcer.VipStatus v : a.vips()) {
                announced.put(v.vip(), v);
            }
        }
        m.put("counters", counters);
        List<Object> vips = new ArrayList<>();
        for (int v = 0; v < s.vipCount(); v++) {
            Map<String, Object> vip = new LinkedHashMap<>();
            vip.put("name", s.vipName(v));
            vip.put("address", s.vipAddressText(v));
            vip.put("protocol", protocolName(s.vipProtocol(v)));
            List<Object> ports = new ArrayList<>();
            for (int p : s.vipPorts(v)) {
                ports.add(p);
            }
            vip.put("ports", ports);
            vip.put("flow_table", !s.vipStateless(v));
            Announcer.VipStatus an = announced.get(s.vipName(v));
            if (an != null) {
                vip.put("announced", an.announced());
                vip.put("announce_reason", an.text());
            }
            List<Object> backends = new ArrayList<>();
            for (BackendRow r : rows) {
                if (r.vip.equals(s.vipName(v))) {
                    backends.add(backendJson(r, new LinkedHashMap<>()));
                }
            }
            vip.put("backends", backends);
            vips.add(vip);
        }
        m.put("vip_list", vips);
        return m;
    }

    private AdminReply status() {
        StringBuilder sb = new StringBuilder();
        for (var e : statusTree().entrySet()) {
            if (e.getValue() instanceof Map<?, ?> counters) {
                counters.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
            } else if (!(e.getValue() instanceof List<?>)) {
                sb.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
            }
        }
        Announcer a = announcer;
        if (a != null) {
            // One line per VIP: "announce.web announced" or "announce.web withdrawn: no backend in rotation".
            for (Announcer.VipStatus v : a.vips()) {
                sb.append("announce.").append(v.vip()).append(' ')
                        .append(v.announced() ? v.text() : "withdrawn: " + v.text()).append('\n');
            }
        }
        return AdminReply.ok(sb.toString(), statusTree());
    }

    /** {@code drain-gateway}: withdraw every route, keep forwarding; {@code undrain-gateway}: announce again. */
    private AdminReply drainGateway(String command) {
        Announcer a = announcer;
        if (a == null) {
            throw new IllegalStateException(command + ": announcing is off (expected: announce.table set in the "
                    + "gateway config)");
        }
        boolean drain = command.equals("drain-gateway");
        int n = drain ? a.drain() : a.undrain();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("announce", a.state());
        data.put("table", a.table());
        data.put(drain ? "withdrawn" : "announced", n);
        if (drain) {
            return AdminReply.ok("gateway drained: withdrew " + n + " route(s) from table " + a.table()
                    + "; forwarding continues for traffic that still arrives\n", data);
        }
        return AdminReply.ok("gateway undrained: announced " + n + " route(s) in table " + a.table() + "\n", data);
    }

    private AdminReply vips() {
        ForwardingSnapshot s = control.holder().get();
        List<String[]> rows = new ArrayList<>();
        List<Object> data = new ArrayList<>();
        rows.add(new String[] {"NAME", "ADDRESS", "PROTO", "PORTS", "FLOW-TABLE", "ACTIVE/TOTAL"});
        for (int v = 0; v < s.vipCount(); v++) {
            int active = 0;
            int total = 0;
            for (int b = 0; b < s.backendCount(); b++) {
                if (s.backendVip(b) == v) {
                    total++;
                    if (s.backendState(b) == io.dsrgw.conf.BackendState.ACTIVE) {
                        active++;
                    }
                }
            }
            StringBuilder ports = new StringBuilder();
            for (int p : s.vipPorts(v)) {
                ports.append(ports.isEmpty() ? "" : ",").append(p);
            }
            rows.add(new String[] {s.vipName(v), s.vipAddressText(v), protocolName(s.vipProtocol(v)),
                ports.toString(), s.vipStateless(v) ? "off" : "on", active + "/" + total});
            Map<String, Object> vip = new LinkedHashMap<>();
            vip.put("name", s.vipName(v));
            vip.put("address", s.vipAddressText(v));
            vip.put("protocol", protocolName(s.vipProtocol(v)));
            vip.put("ports", java.util.Arrays.stream(s.vipPorts(v)).boxed().toList());
            vip.put("flow_table", !s.vipStateless(v));
            vip.put("backends_active", active);
            vip.put("backends", total);
            data.add(vip);
        }
        return AdminReply.ok(table(rows), data);
    }

    private AdminReply backends() {
        List<String[]> rows = new ArrayList<>();
        List<Object> data = new ArrayList<>();
        rows.add(new String[] {"VIP", "BACKEND", "TUNNEL", "WEIGHT", "STATE", "HEALTH", "OVERRIDE", "FLOWS",
            "REASON"});
        for (BackendRow r : backendRows(control.holder().get())) {
            rows.add(new String[] {r.vip, r.identity, r.tunnel, Integer.toString(r.weight), r.state, r.health,
                r.override, r.flows < 0 ? "-" : Long.toString(r.flows), r.reason == null ? "-" : r.reason});
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("vip", r.vip);
            backendJson(r, b).put("last_probe_error", r.lastProbeError);
            data.add(b);
        }
        return AdminReply.ok(table(rows), data);
    }

    /**
     * One backend as {@code backends} shows it. {@code flows} -1 when not counted; {@code reason} why a down backend
     * is down (null otherwise); {@code lastProbeError} the last failed probe's detail (null: none or not checked).
     */
    private record BackendRow(String vip, String identity, String tunnel, int weight, String state, String health,
                              String override, long flows, String reason, String lastProbeError) {
    }

    /** One backend's fields as status and backends print them in JSON (added to {@code into}, returned). */
    private static Map<String, Object> backendJson(BackendRow r, Map<String, Object> into) {
        into.put("address", r.identity);
        into.put("tunnel", r.tunnel);
        into.put("weight", r.weight);
        into.put("state", r.state);
        into.put("health", r.health);
        into.put("override", r.override);
        into.put("flows", r.flows < 0 ? null : r.flows);
        into.put("reason", r.reason);
        return into;
    }

    /** One row per backend of the snapshot, with weights and overrides from the control plane. */
    private List<BackendRow> backendRows(ForwardingSnapshot s) {
        GatewayConfig forwarded = control.overridden();
        Map<BackendKey, Integer> weights = new HashMap<>();
        for (VipConfig v : forwarded.vips()) {
            for (BackendConfig b : v.backends()) {
                weights.put(new BackendKey(v.name(), BackendIdentity.of(b.address())), b.weight());
            }
        }
        Map<BackendKey, EffectiveConfig.Removed> removed = control.draining();
        for (var e : removed.entrySet()) {
            weights.putIfAbsent(e.getKey(), e.getValue().backend().weight());
        }
        Map<BackendKey, OperatorOverride> overrides = control.overrides();
        Map<BackendKey, Health> health = control.health().snapshot();
        List<BackendRow> rows = new ArrayList<>();
        for (int b = 0; b < s.backendCount(); b++) {
            BackendKey key = new BackendKey(s.vipName(s.backendVip(b)), s.backendIdentity(b));
            Health h = health.get(key);
            OperatorOverride o = overrides.get(key);
            String override = removed.containsKey(key) ? "removed" : o == null ? "-" : o.column();
            String lastFailure = control.health().lastFailure(key);
            if (lastFailure != null && lastFailure.isEmpty()) {
                lastFailure = null;
            }
            String reason = null;
            if (s.backendState(b) == io.dsrgw.conf.BackendState.DOWN) {
                reason = o != null && o.maint() ? "maint (operator)"
                        : h == Health.DOWN ? "health check: " + (lastFailure == null ? "failed" : lastFailure)
                        : "state = down (config)";
            }
            IntToLongFunction flows = flowsByBackendId;
            rows.add(new BackendRow(key.vip(), key.identity(), s.tunnel(b).kind().id(),
                    weights.getOrDefault(key, 0), lower(s.backendState(b)),
                    h == null ? "unchecked" : lower(h), override,
                    flows == null ? -1 : flows.applyAsLong(s.backendId(b)), reason, lastFailure));
        }
        return rows;
    }

    private AdminReply flows() {
        StringBuilder sb = new StringBuilder();
        Map<String, Object> data = new LinkedHashMap<>();
        for (FlowTable.Counter c : FlowTable.Counter.values()) {
            sb.append(c.id()).append(' ').append(gauge(c.id())).append('\n');
            data.put(c.id(), gauge(c.id()));
        }
        sb.append("flow_capacity ").append(gauge("flow_capacity")).append('\n');
        data.put("flow_capacity", gauge("flow_capacity"));
        return AdminReply.ok(sb.toString(), data);
    }

    private AdminReply reload() {
        ReloadResult r = control.reload();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("applied", true);
        data.put("summary", r.summary());
        data.put("generation", control.holder().get().generation());
        return r.applied() ? AdminReply.ok(r.summary() + "\n", data) : AdminReply.error(r.summary());
    }

    private static AdminReply overrideReply(OverrideResult r) {
        String text = r.key().vip() + " " + r.key().identity() + ": override " + r.override() + " (generation "
                + r.generation() + ")\n";
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("vip", r.key().vip());
        data.put("backend", r.key().identity());
        data.put("drained", r.override().drained());
        data.put("maint", r.override().maint());
        data.put("weight", r.override().weight() < 0 ? null : r.override().weight());
        data.put("override", r.override().column());
        data.put("generation", r.generation());
        return AdminReply.ok(text, data);
    }

    // ------------------------------------------------------------------------------------------ explain

    /**
     * Which backend the next packet of a flow gets, and why (Katran's "simulate"): the data plane's own selection
     * ({@link BackendSelector}: the workers' flow tables, asked on their threads, then the Maglev slot), never a
     * re-implementation of it. A SYN always gets the Maglev choice.
     */
    private AdminReply explain(String protoText, String srcText, String dstText) {
        int protocol = switch (protoText.toLowerCase(Locale.ROOT)) {
            case "tcp" -> IpProtocol.TCP;
            case "udp" -> IpProtocol.UDP;
            default -> throw new IllegalArgumentException("explain: protocol " + protoText
                    + " (expected: tcp or udp)");
        };
        Endpoint src = Endpoint.parse("source", srcText);
        Endpoint dst = Endpoint.parse("destination", dstText);
        if ((src.address instanceof Inet4Address) != (dst.address instanceof Inet4Address)) {
            throw new IllegalArgumentException("explain: " + srcText + " and " + dstText
                    + " are of different address families (expected: both IPv4 or both IPv6)");
        }
        ForwardingSnapshot s = control.holder().get();
        FlowKey key = new FlowKey();
        int vip;
        if (dst.address instanceof Inet4Address) {
            int sa = ByteBuffer.wrap(src.address.getAddress()).getInt();
            int da = ByteBuffer.wrap(dst.address.getAddress()).getInt();
            key.setIpv4(sa, da, protocol, src.port, dst.port, false);
            vip = s.vipIndex(da, protocol, dst.port);
        } else {
            ByteBuffer sb = ByteBuffer.wrap(src.address.getAddress());
            ByteBuffer db = ByteBuffer.wrap(dst.address.getAddress());
            long sHi = sb.getLong();
            long sLo = sb.getLong();
            long dHi = db.getLong();
            long dLo = db.getLong();
            key.setIpv6(sHi, sLo, dHi, dLo, protocol, src.port, dst.port, false);
            vip = s.vipIndex6(dHi, dLo, protocol, dst.port);
        }
        String service = BackendIdentity.of(dst.address) + " " + protoText.toLowerCase(Locale.ROOT) + " port "
                + dst.port;
        if (vip == ForwardingSnapshot.NONE) {
            return AdminReply.error("explain: " + service + " is not a VIP service, the gateway drops it "
                    + "(drop_not_vip) (expected: a configured VIP address, protocol and port; see dsrctl vips)");
        }
        BackendSelection sel;
        try {
            sel = selector.select(s, vip, key);
        } catch (FlowTableLookup.FlowLookupException e) {
            return AdminReply.error("explain: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return AdminReply.error("explain: interrupted while asking the flow tables");
        }
        int backend = sel.backend();
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("vip", s.vipName(vip));
        data.put("backend", backend == ForwardingSnapshot.NONE ? null : s.backendIdentity(backend));
        data.put("backend_state", backend == ForwardingSnapshot.NONE ? null : lower(s.backendState(backend)));
        data.put("source", lower(sel.source()));
        data.put("table", tableName(sel.table()));
        data.put("slot", sel.slot());
        data.put("table_size", s.tableSize());
        data.put("hash", String.format("0x%016x", sel.hash()));
        data.put("generation", s.generation());
        StringBuilder out = new StringBuilder();
        out.append("vip ").append(s.vipName(vip)).append('\n');
        out.append("backend ").append(backend == ForwardingSnapshot.NONE ? "none" : s.backendIdentity(backend))
                .append('\n');
        out.append("backend_state ").append(backend == ForwardingSnapshot.NONE ? "-" : lower(s.backendState(backend)))
                .append('\n');
        out.append("source ").append(lower(sel.source())).append('\n');
        out.append("table ").append(tableName(sel.table()))
                .append('\n');
        out.append("slot ").append(sel.slot()).append('\n');
        out.append("table_size ").append(s.tableSize()).append('\n');
        out.append("hash ").append(String.format("0x%016x", sel.hash())).append('\n');
        out.append("generation ").append(s.generation()).append('\n');
        return AdminReply.ok(out.toString(), data);
    }

    private record Endpoint(InetAddress address, int port) {
        /** {@code a.b.c.d:port} or {@code [v6]:port}. */
        static Endpoint parse(String what, String text) {
            int colon = text.lastIndexOf(':');
            String host = colon < 0 ? "" : text.substring(0, colon);
            String portText = colon < 0 ? "" : text.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.indexOf(':') >= 0) {
                host = ""; // an unbracketed IPv6 address is ambiguous
            }
            try {
                int port = Integer.parseInt(portText);
                InetAddress a = InetAddress.ofLiteral(host);
                if (port < 0 || port > 65535 || host.isEmpty()) {
                    throw new IllegalArgumentException();
                }
                return new Endpoint(a, port);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("explain: " + what + " " + text
                        + " (expected: ADDRESS:PORT, e.g. 192.0.2.7:40000 or [2001:db8::7]:40000)");
            }
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    private long gauge(String name) {
        Gauge<?> g = registry.getGauges().get(name);
        return g != null && g.getValue() instanceof Number n ? n.longValue() : 0;
    }

    /** {@code -} (no table), {@code xdp} (the XDP program's BPF flow table) or the TUN worker's number. */
    static String tableName(int table) {
        return table == BackendSelection.NO_TABLE ? "-"
                : table == XdpDataPlane.FLOW_TABLE_ID ? "xdp" : Integer.toString(table);
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> "tcp";
            case IpProtocol.UDP -> "udp";
            default -> Integer.toString(protocol);
        };
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** Left-aligned columns separated by two spaces (no trailing spaces). */
    static String table(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 2));
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }
}
