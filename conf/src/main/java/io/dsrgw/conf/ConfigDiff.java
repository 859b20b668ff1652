package io.dsrgw.conf;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What changed between two gateway configurations, for a reload: VIPs added, removed or changed (matched by
 * name), and which non-VIP settings changed. Pure: computed from the two immutable configs only.
 *
 * <p>A VIP counts as changed when anything that affects forwarding or health checking differs: address,
 * protocol, the set of ports, tunnel family, GRE key or checksum, flow table on/off, the VIP's health check, or
 * the set of backends with their weight, state, tunnel override and own health check, and whether it is announced.
 * {@link #onlyHealthChecks}
 * tells a change that needs no new Maglev table or VIP entry (only health checks or announce differ) from the others.
 * The order of ports and of backends does not matter (the VIP table
 * and Maglev do not depend on it), and neither does the order of the VIPs.
 *
 * @param added            names of VIPs only in the new config, in its order
 * @param removed          names of VIPs only in the old config, in its order
 * @param changed          names of VIPs in both whose content differs, in the new config's order
 * @param changedSettings  HOCON keys of non-VIP settings that differ, in {@link #SETTING_KEYS} order, so that a
 *                         reload can tell what it applies at once from what needs a restart (e.g. ingress)
 */
public record ConfigDiff(List<String> added, List<String> removed, List<String> changed,
                         List<String> changedSettings) {

    /** Every non-VIP setting compared, by its key under {@code dsrgw.gateway}. */
    public static final List<String> SETTING_KEYS = List.of("ingress", "tunnel-source", "tunnel-mtu", "ttl",
        "hash-seed", "maglev-table-size", "batch-size", "admin", "icmp", "removed-backend-grace", "flow-table",
        "announce", "security", "gue");

    public ConfigDiff {
        added = List.copyOf(added);
        removed = List.copyOf(removed);
        changed = List.copyOf(changed);
        changedSettings = List.copyOf(changedSettings);
    }

    /** @return the difference from {@code before} to {@code after} */
    public static ConfigDiff between(GatewayConfig before, GatewayConfig after) {
        Objects.requireNonNull(before, "before");
        Objects.requireNonNull(after, "after");
        Map<String, VipConfig> old = byName(before);
        Map<String, VipConfig> now = byName(after);
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        for (VipConfig v : now.values()) {
            VipConfig o = old.get(v.name());
            if (o == null) {
                added.add(v.name());
            } else if (!sameVip(o, v)) {
                changed.add(v.name());
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : old.keySet()) {
            if (!now.containsKey(name)) {
                removed.add(name);
            }
        }
        List<String> settings = new ArrayList<>();
        setting(settings, "ingress", before.ingress(), after.ingress());
        setting(settings, "tunnel-source", before.tunnelSource(), after.tunnelSource());
        setting(settings, "tunnel-mtu", before.tunnelMtu(), after.tunnelMtu());
        setting(settings, "ttl", before.ttl(), after.ttl());
        setting(settings, "hash-seed", before.hashSeed(), after.hashSeed());
        setting(settings, "maglev-table-size", before.maglevTableSize(), after.maglevTableSize());
        setting(settings, "batch-size", before.batchSize(), after.batchSize());
        setting(settings, "admin", before.admin(), after.admin());
        setting(settings, "icmp", before.icmp(), after.icmp());
        setting(settings, "removed-backend-grace", before.removedBackendGrace(), after.removedBackendGrace());
        setting(settings, "flow-table", before.flowTable(), after.flowTable());
        setting(settings, "announce", before.announce(), after.announce());
        setting(settings, "security", before.security(), after.security());
        setting(settings, "gue", before.gue(), after.gue());
        return new ConfigDiff(added, removed, changed, settings);
    }

    /** @return true when any VIP was added, removed or changed */
    public boolean vipsChanged() {
        return !added.isEmpty() || !removed.isEmpty() || !changed.isEmpty();
    }

    /** @return true when any non-VIP setting changed */
    public boolean settingsChanged() {
        return !changedSettings.isEmpty();
    }

    /** @return true when the two configs are equivalent */
    public boolean isEmpty() {
        return !vipsChanged() && !settingsChanged();
    }

    /** @return e.g. "vips added [api], removed [], changed [web]; settings changed [ttl]" or "no change" */
    @Override
    public String toString() {
        if (isEmpty()) {
            return "no change";
        }
        return "vips added " + added + ", removed " + removed + ", changed " + changed + "; settings changed "
            + changedSettings;
    }

    private static Map<String, VipConfig> byName(GatewayConfig c) {
        Map<String, VipConfig> m = new LinkedHashMap<>();
        for (VipConfig v : c.vips()) {
            m.put(v.name(), v);
        }
        return m;
    }

    private static void setting(List<String> out, String key, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            out.add(key);
        }
    }

    /**
     * @return true when two versions of a VIP differ, but only in health checks (the VIP's or a backend's own):
     *     forwarding is unchanged, so the VIP keeps its Maglev table and only its probes are replaced
     */
    public static boolean onlyHealthChecks(VipConfig a, VipConfig b) {
        return !sameVip(a, b) && sameForwarding(a, b);
    }

    private static boolean sameVip(VipConfig a, VipConfig b) {
        return sameForwarding(a, b) && a.announce() == b.announce()
            && Objects.equals(a.healthCheck(), b.healthCheck())
            && new HashSet<>(a.backends()).equals(new HashSet<>(b.backends()));
    }

    private static boolean sameForwarding(VipConfig a, VipConfig b) {
        return a.address().equals(b.address()) && a.protocol() == b.protocol()
            && new HashSet<>(a.ports()).equals(new HashSet<>(b.ports())) && a.tunnel() == b.tunnel()
            && Objects.equals(a.greKey(), b.greKey()) && a.greChecksum() == b.greChecksum()
            && a.flowTable() == b.flowTable() && Objects.equals(a.guePort(), b.guePort())
            && withoutHealthChecks(a.backends()).equals(withoutHealthChecks(b.backends()));
    }

    private static Set<BackendConfig> withoutHealthChecks(List<BackendConfig> backends) {
        Set<BackendConfig> s = new HashSet<>();
        for (BackendConfig b : backends) {
            s.add(new BackendConfig(b.address(), b.weight(), b.state(), b.tunnelOverride()));
        }
        return s;
    }
}
