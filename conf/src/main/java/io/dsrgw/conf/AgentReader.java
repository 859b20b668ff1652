package io.dsrgw.conf;

import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigValue;
import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code dsrgw.agent} -> {@link AgentConfig}, collecting every problem. */
final class AgentReader {

    static final Duration MIN_RECONCILE = Duration.ofSeconds(1);
    static final Duration MAX_RECONCILE = Duration.ofHours(1);
    /** The agent owns only devices whose names start with this, so it never touches anything else. */
    static final String DEVICE_PREFIX = "dsr";

    static final Map<String, AgentMode> MODES = Validation.ids(AgentMode.values(), AgentMode::id);
    /**
     * The names {@code tunnels} accepts: every kind's id except gue6, because one {@code gue} stands for GUE over
     * both outer families (like the gateway's {@code tunnel = gue}): it is read as gue (IPv4 outer) and/or gue6
     * (IPv6 outer), for the families that have gateways.
     */
    static final Map<String, TunnelKind> KINDS = Validation.ids(java.util.Arrays.stream(TunnelKind.values())
        .filter(k -> k != TunnelKind.GUE6).toArray(TunnelKind[]::new), TunnelKind::id);

    /** Tunnel kinds with an IPv4 / IPv6 outer header. */
    private static final Set<TunnelKind> IPV4_OUTER = EnumSet.of(TunnelKind.IPIP, TunnelKind.SIT, TunnelKind.GRE,
        TunnelKind.GUE);
    private static final Set<TunnelKind> IPV6_OUTER = EnumSet.of(TunnelKind.IP6TNL, TunnelKind.IP6GRE,
        TunnelKind.GUE6);
    /** Tunnel kinds that can carry an IPv4 / IPv6 inner packet. */
    private static final Set<TunnelKind> IPV4_INNER = EnumSet.of(TunnelKind.IPIP, TunnelKind.GRE,
        TunnelKind.IP6TNL, TunnelKind.IP6GRE, TunnelKind.GUE, TunnelKind.GUE6);
    private static final Set<TunnelKind> IPV6_INNER = EnumSet.of(TunnelKind.SIT, TunnelKind.GRE,
        TunnelKind.IP6TNL, TunnelKind.IP6GRE, TunnelKind.GUE, TunnelKind.GUE6);

    private AgentReader() {
    }

    /** @return the config, or null when problems were recorded */
    static AgentConfig read(ObjectReader a) {
        Problems problems = a.problems();
        a.allowKeys("mode", "gateways", "vips", "tunnels", "decap-device", "reconcile-interval", "state-file",
            "health", "gre-keys", "mss-clamp", "local-address", "gue-port");
        AgentMode mode = a.choice("mode", MODES, true);
        List<InetAddress> gateways = a.addressList("gateways", true, "the only accepted tunnel sources");
        List<InetAddress> vips = a.addressList("vips", true, "the VIPs this backend serves");
        List<TunnelKind> tunnels = withGueFamilies(tunnels(a), gateways);
        String device = a.string("decap-device", true, deviceRule());
        if (device != null && (!device.startsWith(DEVICE_PREFIX) || !Validation.isInterfaceName(device))) {
            a.bad(a.value("decap-device"), a.child("decap-device"), deviceRule());
            device = null;
        }
        Duration reconcile = a.duration("reconcile-interval", MIN_RECONCILE, MAX_RECONCILE, true);
        Path stateFile = null;
        String state = a.string("state-file", true, "an absolute path");
        if (state != null) {
            try {
                stateFile = Path.of(state);
            } catch (InvalidPathException e) {
                stateFile = null;
            }
            if (stateFile == null || !stateFile.isAbsolute() || state.endsWith("/")) {
                a.bad(a.value("state-file"), a.child("state-file"), "an absolute file path, e.g. "
                    + "/var/lib/dsrgw/agent-state.conf");
                stateFile = null;
            }
        }
        String listen = null;
        ObjectReader health = a.object("health", false, "an object { listen, status-clients }");
        List<SourcePrefix> statusClients = List.of();
        if (health != null) {
            health.allowKeys("listen", "status-clients");
            listen = GatewayReader.hostPort(health, "listen");
            statusClients = GatewayReader.prefixList(health, "status-clients", 256);
        }
        List<Long> greKeys = greKeys(a);
        MssClampConfig mssClamp = mssClamp(a.object("mss-clamp", false, "an object { enabled, tunnel-mtu }"),
            tunnels);
        LocalAddressConfig localAddress = localAddress(a.object("local-address", false, "an object { ipv4, ipv6 }"));
        Long guePort = a.integer("gue-port", 1, 65535, true);
        if (tunnels != null && !tunnels.isEmpty()) { // empty: L2 DSR only, no tunnel to reach anything through
            familyCheck(a, "gateways", gateways, tunnels, IPV4_OUTER, IPV6_OUTER, "tunnel source");
            familyCheck(a, "vips", vips, tunnels, IPV4_INNER, IPV6_INNER, "VIP");
            if (greKeys != null && !greKeys.isEmpty() && !tunnels.contains(TunnelKind.GRE)
                && !tunnels.contains(TunnelKind.IP6GRE)) {
                a.bad(a.value("gre-keys"), a.child("gre-keys"), "gre or ip6gre in tunnels to use gre-keys (tunnels = "
                    + names(tunnels) + ")");
            }
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new AgentConfig(mode, gateways, vips, tunnels, device, reconcile, stateFile, listen, greKeys,
            mssClamp, localAddress, statusClients == null ? List.of() : statusClients, guePort.intValue());
    }

    /** Both keys optional; a missing one is derived by kernel mode from the route to the first gateway. */
    private static LocalAddressConfig localAddress(ObjectReader o) {
        if (o == null) {
            return null;
        }
        o.allowKeys("ipv4", "ipv6");
        InetAddress v4 = o.address("ipv4", ObjectReader.Family.IPV4, false);
        InetAddress v6 = o.address("ipv6", ObjectReader.Family.IPV6, false);
        if ((v4 == null && o.has("ipv4")) || (v6 == null && o.has("ipv6"))) {
            return null;
        }
        return new LocalAddressConfig((Inet4Address) v4, (Inet6Address) v6);
    }

    private static List<Long> greKeys(ObjectReader a) {
        String expected = "a list of unique GRE keys 0.." + GatewayReader.MAX_GRE_KEY + ", e.g. [42]";
        ConfigList list = a.list("gre-keys", true, false, expected);
        if (list == null) {
            return null;
        }
        List<Long> keys = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            ConfigValue v = list.get(i);
            String path = a.child("gre-keys") + "[" + i + "]";
            Long key = a.integerValue(v, path, 0, GatewayReader.MAX_GRE_KEY, "a GRE key 0.."
                + GatewayReader.MAX_GRE_KEY);
            if (key == null) {
                ok = false;
            } else if (keys.contains(key)) {
                a.bad(v, path, "unique GRE keys; " + key + " is listed twice");
                ok = false;
            } else {
                keys.add(key);
            }
        }
        return ok ? keys : null;
    }

    /**
     * An IPv6 path never has an MTU below 1280 (RFC 8200 section 5): with an IPv6 outer kind (ip6tnl, ip6gre) in
     * tunnels, a clamp computed from a smaller tunnel-mtu would describe a path that cannot exist.
     */
    private static MssClampConfig mssClamp(ObjectReader o, List<TunnelKind> tunnels) {
        if (o == null) {
            return null;
        }
        o.allowKeys("enabled", "tunnel-mtu");
        Boolean enabled = o.bool("enabled", true);
        Long mtu = o.integer("tunnel-mtu", GatewayReader.MIN_TUNNEL_MTU, GatewayReader.MAX_TUNNEL_MTU, true);
        if (enabled == null || mtu == null) {
            return null;
        }
        if (enabled && tunnels != null && mtu < GatewayReader.IPV6_MIN_MTU
            && tunnels.stream().anyMatch(IPV6_OUTER::contains)) {
            o.bad(o.value("tunnel-mtu"), o.child("tunnel-mtu"), "an integer " + GatewayReader.IPV6_MIN_MTU + ".."
                + GatewayReader.MAX_TUNNEL_MTU + " with an IPv6 outer kind in tunnels (IPv6 needs a link MTU of at "
                + "least " + GatewayReader.IPV6_MIN_MTU + ", RFC 8200 section 5)");
            return null;
        }
        return new MssClampConfig(enabled, mtu.intValue());
    }

    private static String deviceRule() {
        return "an interface name starting with \"" + DEVICE_PREFIX + "\", " + Validation.INTERFACE_NAME_RULE;
    }

    /**
     * The kinds to decapsulate. {@code none} (L2 DSR: the gateway sends the VIP's packets to this host's MAC) needs
     * no decapsulation, so it is accepted but not kept: {@code tunnels = [none]} or {@code []} leave an empty list,
     * which means VIPs on lo and the ARP/ND settings only, no tunnel devices, no decapsulator.
     */
    private static List<TunnelKind> tunnels(ObjectReader a) {
        String options = ObjectReader.orList(KINDS.keySet());
        ConfigList list = a.list("tunnels", true, false, "a list of tunnel kinds: " + options);
        if (list == null) {
            return null;
        }
        List<TunnelKind> kinds = new ArrayList<>();
        boolean ok = true;
        for (int i = 0; i < list.size(); i++) {
            ConfigValue v = list.get(i);
            String path = a.child("tunnels") + "[" + i + "]";
            TunnelKind k = a.choiceValue(v, path, KINDS, options);
            if (k == null) {
                ok = false;
            } else if (kinds.contains(k)) {
                a.bad(v, path, "unique tunnel kinds; " + k.id() + " is listed twice");
                ok = false;
            } else {
                kinds.add(k);
            }
        }
        kinds.remove(TunnelKind.NONE);
        return ok ? kinds : null;
    }

    /**
     * {@code gue} -> gue (IPv4 outer) where there is an IPv4 gateway, gue6 (IPv6 outer) where there is an IPv6 one
     * (both when the gateways are unknown, i.e. invalid: the family check then reports on them). One name for both
     * families, like the gateway's {@code tunnel = gue}; the other kinds name one outer family each.
     */
    private static List<TunnelKind> withGueFamilies(List<TunnelKind> tunnels, List<InetAddress> gateways) {
        if (tunnels == null || !tunnels.contains(TunnelKind.GUE)) {
            return tunnels;
        }
        boolean v4 = gateways == null || gateways.stream().anyMatch(g -> g instanceof Inet4Address);
        boolean v6 = gateways == null || gateways.stream().anyMatch(g -> g instanceof Inet6Address);
        List<TunnelKind> out = new ArrayList<>();
        for (TunnelKind k : tunnels) {
            if (k != TunnelKind.GUE) {
                out.add(k);
                continue;
            }
            if (v4 || !v6) {
                out.add(TunnelKind.GUE);
            }
            if (v6) {
                out.add(TunnelKind.GUE6);
            }
        }
        return out;
    }

    /** The kinds as the configuration names them: gue6 is written gue. */
    static List<String> names(java.util.Collection<TunnelKind> kinds) {
        return kinds.stream().map(k -> k == TunnelKind.GUE6 ? TunnelKind.GUE.id() : k.id()).distinct().toList();
    }

    /** Every address must be reachable through at least one configured tunnel kind of its family. */
    private static void familyCheck(ObjectReader a, String key, List<InetAddress> addresses,
                                    List<TunnelKind> tunnels, Set<TunnelKind> forV4, Set<TunnelKind> forV6,
                                    String role) {
        if (addresses == null) {
            return;
        }
        ConfigList list = (ConfigList) a.value(key);
        for (int i = 0; i < addresses.size(); i++) {
            boolean v4 = addresses.get(i) instanceof Inet4Address;
            Set<TunnelKind> fits = v4 ? forV4 : forV6;
            if (tunnels.stream().noneMatch(fits::contains)) {
                a.bad(list.get(i), a.child(key) + "[" + i + "]", "an " + (v4 ? "IPv4" : "IPv6") + " " + role
                    + " needs one of " + names(fits) + " in tunnels (tunnels = " + names(tunnels) + ")");
            }
        }
    }
}
