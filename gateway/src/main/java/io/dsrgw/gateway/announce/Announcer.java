package io.dsrgw.gateway.announce;

import io.dsrgw.conf.AnnounceConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Decides which VIP addresses the gateway announces and keeps exactly those routes in {@code announce.table}
 * (DESIGN.md decision 14). An address is announced when all of these hold:
 * <ul>
 *   <li>{@code announce.table} is set (announcing is on);</li>
 *   <li>the data plane forwards ({@link #ready()}: a restarting gateway does not attract traffic before);</li>
 *   <li>the gateway is neither stopping ({@link #stop()}) nor drained by the operator ({@link #drain()});</li>
 *   <li>some VIP at that address with {@code announce = true} has a backend in rotation in the latest snapshot
 *       (its Maglev table is not empty: an active backend, up, with a weight above zero). Health changes reach it
 *       through the snapshots, so the health checks' rise and fall dampen announcing too.</li>
 * </ul>
 * The route is per address, so VIPs sharing an address (other protocols or ports) are announced together.
 *
 * <p>A route command that fails is reported per VIP ({@link Reason#ROUTE_ERROR}) and retried by {@link #retry()}
 * and by the next change. Stopping withdraws everything first and then says how long to keep forwarding
 * ({@code announce.withdraw-grace}) so that the routers converge before the gateway goes. A crash needs no help:
 * the routes point into the ingress device, which the kernel removes with the process, and with it the routes.
 */
public final class Announcer {
    private static final Logger LOG = LoggerFactory.getLogger(Announcer.class);

    /** Why a VIP is, or is not, announced (stable ids: metrics labels and the JSON status). */
    public enum Reason {
        ANNOUNCED("announced", "announced"),
        OFF("off", "announce.table not set"),
        VIP_OFF("vip_off", "announce = false"),
        STARTING("starting", "starting: the data plane does not forward yet"),
        STOPPING("stopping", "stopping"),
        DRAINED("drained", "gateway drained"),
        NO_BACKEND("no_backend", "no backend in rotation"),
        ROUTE_ERROR("route_error", "route error");

        private final String id;
        private final String text;

        Reason(String id, String text) {
            this.id = id;
            this.text = text;
        }

        /** Metrics label value. */
        public String id() {
            return id;
        }

        /** What the status shows. */
        public String text() {
            return text;
        }
    }

    /**
     * One VIP's announcement.
     *
     * @param vip       the VIP's name
     * @param address   its address (canonical text)
     * @param prefix    the announced prefix ({@code /32} or {@code /128})
     * @param announced whether the route is in the table now
     * @param reason    why (not)
     * @param detail    more about the reason (the route error; the VIP keeping a shared address), or null
     */
    public record VipStatus(String vip, String address, String prefix, boolean announced, Reason reason,
                            String detail) {
        /** E.g. "announced", "no backend in rotation", "route error: ip route replace ...: exit 2: ...". */
        public String text() {
            return reason.text() + (detail == null ? "" : (reason == Reason.ANNOUNCED ? " (" + detail + ")"
                    : ": " + detail));
        }
    }

    private record Route(long table, String prefix) {
    }

    private final RouteTable routes;
    private final String device;
    private final LongSupplier clockNs;
    private AnnounceConfig config = AnnounceConfig.OFF;
    private ForwardingSnapshot snapshot;
    private GatewayConfig running;
    private boolean ready;
    private boolean stopping;
    private boolean drained;
    /** Routes in the table (added and not yet successfully deleted), in the order they were added. */
    private final Set<Route> installed = new LinkedHashSet<>();
    /** Prefix -> the last failed command's message; cleared when a command for it succeeds. */
    private final Map<String, String> errors = new LinkedHashMap<>();
    private List<VipStatus> status = List.of();
    private boolean everInstalled;
    private long lastWithdrawNs;

    /**
     * @param routes  where the routes go
     * @param device  the ingress device the routes point into ({@code ingress.device})
     * @param clockNs monotonic nanoseconds (System::nanoTime; a test clock in tests)
     */
    public Announcer(RouteTable routes, String device, LongSupplier clockNs) {
        this.routes = Objects.requireNonNull(routes, "routes");
        this.device = Objects.requireNonNull(device, "device");
        this.clockNs = Objects.requireNonNull(clockNs, "clockNs");
    }

    /**
     * A new snapshot was published (or the config reloaded): re-decides every address. {@code running} gives
     * {@code announce} (table, grace) and the per-VIP {@code announce}; a VIP only in the snapshot (removed by a
     * reload, its backends draining) has no backend in rotation anyway.
     */
    public synchronized void update(ForwardingSnapshot next, GatewayConfig nextRunning) {
        this.snapshot = Objects.requireNonNull(next, "next");
        this.running = Objects.requireNonNull(nextRunning, "nextRunning");
        this.config = nextRunning.announce();
        sync();
    }

    /** The data plane forwards: announcing may begin. */
    public synchronized void ready() {
        if (!ready) {
            ready = true;
            sync();
        }
    }

    /**
     * The operator drains the whole gateway ({@code dsrctl drain-gateway}): every route is withdrawn, forwarding
     * continues for whatever still arrives. Lasts until {@link #undrain()} or the process ends (a restarted gateway
     * announces again).
     *
     * @return the number of routes withdrawn by this call
     * @throws IllegalStateException when announcing is off or the gateway is stopping
     */
    public synchronized int drain() {
        requireAnnouncing("drain-gateway");
        int before = installed.size();
        drained = true;
        sync();
        return before - installed.size();
    }

    /**
     * Ends {@link #drain()}: addresses with a backend in rotation are announced again.
     *
     * @return the number of routes announced by this call
     * @throws IllegalStateException when announcing is off or the gateway is stopping
     */
    public synchronized int undrain() {
        requireAnnouncing("undrain-gateway");
        int before = installed.size();
        drained = false;
        sync();
        return installed.size() - before;
    }

    private void requireAnnouncing(String command) {
        if (!config.enabled()) {
            throw new IllegalStateException(command + ": announcing is off (expected: announce.table set in the "
                    + "gateway config; without announced routes there is nothing to withdraw)");
        }
        if (stopping) {
            throw new IllegalStateException(command + ": the gateway is stopping (its routes are withdrawn)");
        }
    }

    /**
     * Withdraws every route for good (SIGTERM): from now on nothing is announced.
     *
     * @return nanoseconds to keep forwarding before exiting: {@code announce.withdraw-grace} after the last
     *     withdrawal, so 0 when announcing is off, when nothing was ever announced, or when everything was
     *     withdrawn long enough ago (e.g. {@code drain-gateway} before the stop); the whole grace when a withdrawal
     *     failed (the route then goes with the device)
     */
    public synchronized long stop() {
        stopping = true;
        sync();
        if (!config.enabled() || !everInstalled) {
            return 0;
        }
        long grace = config.withdrawGrace().toNanos();
        if (!installed.isEmpty()) {
            return grace;
        }
        return Math.max(0, grace - (clockNs.getAsLong() - lastWithdrawNs));
    }

    /** Retries failed route commands (called periodically); nothing to do when none failed. */
    public synchronized void retry() {
        if (!errors.isEmpty()) {
            sync();
        }
    }

    /** Per VIP of the latest snapshot, in its order. */
    public synchronized List<VipStatus> vips() {
        return status;
    }

    /** {@code off}, {@code starting}, {@code stopping}, {@code drained} or {@code announcing}. */
    public synchronized String state() {
        return !config.enabled() ? "off" : stopping ? "stopping" : !ready ? "starting" : drained ? "drained"
                : "announcing";
    }

    /** The table routes go into, or {@link AnnounceConfig#OFF_TABLE}. */
    public synchronized long table() {
        return config.table();
    }

    /** Routes in the table now. */
    public synchronized int routeCount() {
        return installed.size();
    }

    /** Whether the operator drained the gateway. */
    public synchronized boolean drained() {
        return drained;
    }

    /**
     * Prometheus text (format 0.0.4): {@code dsrgw_vip_announced{vip,address}} 1/0,
     * {@code dsrgw_vip_announce_reason{vip,reason}} 1 for the current reason and 0 for the others,
     * {@code dsrgw_announce_routes} and {@code dsrgw_gateway_drained}. Label values need no escaping: VIP names
     * are [A-Za-z0-9_.-] (conf), addresses and reason ids are plain.
     */
    public synchronized String prometheus() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP dsrgw_vip_announced 1 while the gateway announces the VIP's address (announce.table)\n");
        sb.append("# TYPE dsrgw_vip_announced gauge\n");
        for (VipStatus v : status) {
            sb.append("dsrgw_vip_announced{vip=\"").append(v.vip()).append("\",address=\"").append(v.address())
                    .append("\"} ").append(v.announced() ? 1 : 0).append('\n');
        }
        sb.append("# HELP dsrgw_vip_announce_reason 1 for why the VIP is or is not announced\n");
        sb.append("# TYPE dsrgw_vip_announce_reason gauge\n");
        for (VipStatus v : status) {
            for (Reason r : Reason.values()) {
                sb.append("dsrgw_vip_announce_reason{vip=\"").append(v.vip()).append("\",reason=\"").append(r.id())
                        .append("\"} ").append(v.reason() == r ? 1 : 0).append('\n');
            }
        }
        sb.append("# HELP dsrgw_announce_routes routes the gateway keeps in announce.table\n");
        sb.append("# TYPE dsrgw_announce_routes gauge\n");
        sb.append("dsrgw_announce_routes ").append(installed.size()).append('\n');
        sb.append("# HELP dsrgw_gateway_drained 1 while the operator has drained the gateway (drain-gateway)\n");
        sb.append("# TYPE dsrgw_gateway_drained gauge\n");
        sb.append("dsrgw_gateway_drained ").append(drained ? 1 : 0).append('\n');
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------ decision

    /** One address of the snapshot: its VIPs (snapshot indices) and the announce flags from the running config. */
    private static final class Address {
        final String prefix;
        final List<Integer> vips = new ArrayList<>();
        /** The first VIP with announce = true and a backend in rotation, or -1. */
        int keeper = -1;
        boolean flagged;

        Address(String prefix) {
            this.prefix = prefix;
        }
    }

    private void sync() {
        Map<String, Address> addresses = addresses();
        boolean may = config.enabled() && ready && !stopping && !drained;
        Set<Route> desired = new LinkedHashSet<>();
        for (Address a : addresses.values()) {
            if (may && a.keeper >= 0) {
                desired.add(new Route(config.table(), a.prefix));
            }
        }
        // Withdraw first: when the table changes, the old table empties before the new one fills.
        for (Route r : new ArrayList<>(installed)) {
            if (!desired.contains(r)) {
                try {
                    routes.delete(r.table, r.prefix, device);
                    installed.remove(r);
                    errors.remove(r.prefix);
                    lastWithdrawNs = clockNs.getAsLong();
                    LOG.info("announce: withdrew {} (table {})", r.prefix, r.table);
                } catch (IOException e) {
                    errors.put(r.prefix, "withdraw failed: " + e.getMessage());
                    LOG.error("announce: cannot withdraw {} (table {}): {}", r.prefix, r.table, e.getMessage());
                }
            }
        }
        for (Route r : desired) {
            if (!installed.contains(r)) {
                try {
                    routes.replace(r.table, r.prefix, device);
                    installed.add(r);
                    errors.remove(r.prefix);
                    everInstalled = true;
                    LOG.info("announce: announced {} (table {})", r.prefix, r.table);
                } catch (IOException e) {
                    errors.put(r.prefix, e.getMessage());
                    LOG.error("announce: cannot announce {} (table {}): {}", r.prefix, r.table, e.getMessage());
                }
            }
        }
        // A prefix no longer in the snapshot whose route is gone has nothing left to report.
        errors.keySet().removeIf(p -> !addresses.containsKey(p) && installed.stream().noneMatch(r -> r.prefix
                .equals(p)));
        status = statusOf(addresses);
    }

    private Map<String, Address> addresses() {
        Map<String, Address> out = new LinkedHashMap<>();
        if (snapshot == null) {
            return out;
        }
        for (int v = 0; v < snapshot.vipCount(); v++) {
            String prefix = prefix(snapshot, v);
            Address a = out.computeIfAbsent(prefix, Address::new);
            a.vips.add(v);
            if (flag(snapshot.vipName(v))) {
                a.flagged = true;
                if (a.keeper < 0 && !snapshot.maglev(v).isEmpty()) {
                    a.keeper = v;
                }
            }
        }
        return out;
    }

    /** The VIP's announce flag; a VIP only in the snapshot (removed, draining) keeps the default. */
    private boolean flag(String vip) {
        VipConfig c = running == null ? null : running.vip(vip);
        return c == null || c.announce();
    }

    private List<VipStatus> statusOf(Map<String, Address> addresses) {
        List<VipStatus> out = new ArrayList<>();
        for (int v = 0; v < snapshot.vipCount(); v++) {
            String name = snapshot.vipName(v);
            String prefix = prefix(snapshot, v);
            Address a = addresses.get(prefix);
            boolean announced = installed.stream().anyMatch(r -> r.prefix.equals(prefix));
            String error = errors.get(prefix);
            Reason reason;
            String detail = null;
            if (error != null) {
                reason = Reason.ROUTE_ERROR;
                detail = error;
            } else if (announced) {
                reason = Reason.ANNOUNCED;
                if (a.keeper != v) {
                    detail = (flag(name) ? "this VIP has no backend in rotation" : "announce = false")
                            + "; the address stays announced for VIP " + snapshot.vipName(a.keeper);
                }
            } else if (!config.enabled()) {
                reason = Reason.OFF;
            } else if (!flag(name)) {
                reason = Reason.VIP_OFF;
            } else if (stopping) {
                reason = Reason.STOPPING;
            } else if (!ready) {
                reason = Reason.STARTING;
            } else if (drained) {
                reason = Reason.DRAINED;
            } else {
                reason = Reason.NO_BACKEND;
            }
            out.add(new VipStatus(name, snapshot.vipAddressText(v), prefix, announced, reason, detail));
        }
        return List.copyOf(out);
    }

    private static String prefix(ForwardingSnapshot s, int vip) {
        return s.vipAddressText(vip) + (s.vipFamily(vip) == 4 ? "/32" : "/128");
    }

    @Override
    public synchronized String toString() {
        return "Announcer[" + state() + ", table " + config.table() + ", routes " + installed.stream()
                .map(Route::prefix).toList().toString().toLowerCase(Locale.ROOT) + "]";
    }
}
