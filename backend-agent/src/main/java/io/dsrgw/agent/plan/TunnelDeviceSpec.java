package io.dsrgw.agent.plan;

import io.dsrgw.encap.tunnel.TunnelKind;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A kernel tunnel device the agent wants (kernel mode): receive-only, {@code remote any} (any source; the
 * {@link TunnelFilter} restricts sources to the gateways), bound to the backend's {@code local} address.
 *
 * <pre>
 * ip link add dsripip   type ipip   remote any local 10.0.3.11                (4in4)
 * ip link add dsrsit    type sit    remote any local 10.0.3.11 mode any       (6in4; "any" also takes 4in4)
 * ip link add dsrgre    type gre    remote any local 10.0.3.11                (unkeyed GRE, v4 and v6 inner)
 * ip link add dsrgk2a   type gre    remote any local 10.0.3.11 key 42         (GRE key 42 = 0x2a)
 * ip link add dsrip6tnl type ip6tnl remote any local fd00:3::11 mode any      (4in6 and 6in6)
 * ip link add dsrip6gre type ip6gre remote any local fd00:3::11
 * ip link add dsr6gk2a  type ip6gre remote any local fd00:3::11 key 42
 * </pre>
 * The kernel demultiplexes GRE by key: keyed and unkeyed devices share the local address, one device per key
 * (a keyed packet never reaches the unkeyed device). It refuses a second device with the same (type, local,
 * remote, key) with "File exists", so the planner never creates one it can see. Names: {@code dsr} prefix
 * (the agent only touches dsr* devices), keyed GRE by the key in lowercase hex so that every 32-bit key fits
 * the 15-character limit.
 *
 * @param name     device name
 * @param kind     tunnel kind; {@link TunnelKind#id()} is the iproute2 type
 * @param local    the backend's address of the kind's outer family
 * @param key      RFC 2890 key (gre, ip6gre), or null for none
 * @param mtuBytes tunnel-mtu minus the kind's overhead (and 4 for a key)
 */
public record TunnelDeviceSpec(String name, TunnelKind kind, InetAddress local, Long key, int mtuBytes) {
    /** RFC 2890 key field. */
    public static final int GRE_KEY_BYTES = 4;

    public TunnelDeviceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(local, "local");
        if (key != null && kind != TunnelKind.GRE && kind != TunnelKind.IP6GRE) {
            throw new IllegalArgumentException(kind.id() + " has no key (expected: gre or ip6gre)");
        }
        if ((local instanceof Inet4Address) != isIpv4Outer(kind)) {
            throw new IllegalArgumentException(kind.id() + " local " + Addresses.literal(local)
                    + " (expected: an IPv" + (isIpv4Outer(kind) ? 4 : 6) + " address)");
        }
    }

    /** The device for {@code kind} (and GRE key, or null) on a path of {@code tunnelMtuBytes}. */
    public static TunnelDeviceSpec of(TunnelKind kind, Long key, InetAddress local, int tunnelMtuBytes) {
        int overhead = kind.overheadBytes() + (key == null ? 0 : GRE_KEY_BYTES);
        return new TunnelDeviceSpec(name(kind, key), kind, local, key, tunnelMtuBytes - overhead);
    }

    /** dsripip, dsrsit, dsrgre, dsrgk{hex key}, dsrip6tnl, dsrip6gre, dsr6gk{hex key}; at most 14 characters. */
    public static String name(TunnelKind kind, Long key) {
        return switch (kind) {
            case IPIP -> "dsripip";
            case SIT -> "dsrsit";
            case GRE -> key == null ? "dsrgre" : "dsrgk" + Long.toHexString(key);
            case IP6TNL -> "dsrip6tnl";
            case IP6GRE -> key == null ? "dsrip6gre" : "dsr6gk" + Long.toHexString(key);
            case GUE, GUE6 -> throw new IllegalArgumentException(kind.id() + " has no device of its own (expected:"
                    + " the ipip/sit/ip6tnl device its inner packets are handed to, see DesiredState.tunnelDevices)");
            case NONE -> throw new IllegalArgumentException("none (L2 DSR) has no tunnel device");
        };
    }

    /** True for kinds with an IPv4 outer header (gue included). */
    public static boolean isIpv4Outer(TunnelKind kind) {
        return kind.outerFamily() == 4;
    }

    /** True for sit and ip6tnl, created with {@code mode any} so that one device takes both inner families. */
    public static boolean hasModeAny(TunnelKind kind) {
        return kind == TunnelKind.SIT || kind == TunnelKind.IP6TNL;
    }

    /** {@code ip link add NAME type KIND remote any local L [mode any] [key K]} as argv. */
    public List<String> createArgv() {
        List<String> argv = new ArrayList<>(List.of("ip", "link", "add", name, "type", kind.id(), "remote", "any",
                "local", Addresses.literal(local)));
        if (hasModeAny(kind)) {
            argv.addAll(List.of("mode", "any"));
        }
        if (key != null) {
            argv.addAll(List.of("key", Long.toString(key)));
        }
        return List.copyOf(argv);
    }

    /**
     * Why {@code link} (a device of this name, as {@code ip -j -d link show} reports it) is not this device, or
     * null when it is (the MTU and UP flag are repaired in place, not here). Compared: the kind, {@code local},
     * {@code remote} (must be any), the input key ({@code ikey}, which iproute2 prints as a dotted quad), and
     * for sit/ip6tnl the mode ({@code proto}: any; not judged when the kernel does not report it).
     */
    public String mismatch(ObservedLink link) {
        if (!kind.id().equals(link.kind())) {
            return "kind " + (link.kind() == null ? "none" : link.kind()) + " (expected: " + kind.id() + ")";
        }
        Map<String, String> d = link.infoData();
        String haveLocal = canonicalOrSelf(d.get("local"));
        if (!Addresses.literal(local).equals(haveLocal)) {
            return "local " + haveLocal + " (expected: " + Addresses.literal(local) + ")";
        }
        String remote = d.get("remote");
        if (remote != null && !remote.equals("any") && !remote.equals("0.0.0.0") && !remote.equals("::")) {
            return "remote " + remote + " (expected: any)";
        }
        Long haveKey = parseKey(d.get("ikey"));
        if (!Objects.equals(key, haveKey)) {
            return "ikey " + (haveKey == null ? "none" : haveKey) + " (expected: " + (key == null ? "none" : key) + ")";
        }
        String proto = d.get("proto");
        if (hasModeAny(kind) && proto != null && !proto.equals("any")) {
            return "mode " + proto + " (expected: any)";
        }
        return null;
    }

    /** {@code "0.0.0.42"} (iproute2's format) or {@code "42"} -> 42; null/absent -> null. */
    static Long parseKey(String ikey) {
        if (ikey == null || ikey.isEmpty()) {
            return null;
        }
        if (ikey.indexOf('.') < 0) {
            return Long.parseLong(ikey);
        }
        String[] parts = ikey.split("\\.");
        long v = 0;
        for (String p : parts) {
            v = v << 8 | Integer.parseInt(p);
        }
        return v;
    }

    private static String canonicalOrSelf(String literal) {
        if (literal == null) {
            return "none";
        }
        try {
            return Addresses.canonical(literal);
        } catch (IllegalArgumentException e) {
            return literal;
        }
    }
}
