package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendState;
import io.dsrgw.conf.EchoMode;
import io.dsrgw.conf.SourcePrefix;
import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.encap.tunnel.TunnelSpec;
import io.dsrgw.gateway.lb.BackendIdentity;
import io.dsrgw.gateway.lb.Maglev;
import io.dsrgw.gateway.lb.MaglevBackend;
import io.dsrgw.gateway.lb.MaglevCache;
import io.dsrgw.gateway.lb.MaglevHasher;
import io.dsrgw.gateway.lb.MaglevTable;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Immutable forwarding state shared by all workers: the VIP table, one Maglev table per VIP and the backends,
 * in flat arrays (so that the same layout can later be mirrored into BPF maps unchanged).
 *
 * <h2>VIP table</h2>
 * A {@link LongIntHashMap} from a 56-bit key to a VIP index:
 * <pre>
 *   bit 55            24 23      16 15           0
 *      +----------------+----------+--------------+
 *      |  IPv4 address  | protocol |     port     |
 *      +----------------+----------+--------------+
 * </pre>
 * Three kinds of entries exist for a VIP with address A, protocol P and ports p1..pn:
 * <ul>
 *   <li>{@code (A, P, p)} for every configured port: the service lookup of unfragmented packets;</li>
 *   <li>{@code (A, P, 0)}: the VIP that receives fragments of (A, P) datagrams. Non-first fragments carry no
 *       port, and all fragments of a datagram must reach the same backend (they hash on source, destination,
 *       protocol), so they are classified by (A, P) alone. When several VIPs share A and P with different ports,
 *       the one with the lowest port wins (deterministic, independent of config order);</li>
 *   <li>{@code (A, 0, 0)}: "A is a VIP address": the first VIP with address A in configuration order. It
 *       receives echo requests forwarded to a backend ({@code icmp.echo = forward}), and lets ICMP and other
 *       protocols to A be counted as unsupported rather than not-a-VIP (protocol 0 is never a service).</li>
 * </ul>
 * IPv6 VIPs have the same three kinds of entries in a second map, {@link Ipv6VipMap}, keyed by the full
 * (address, protocol, port): 152 bits do not fit a long.
 *
 * <h2>Maglev tables</h2>
 * {@code slots[vip * tableSize + i]} is the global index of the backend owning slot i of the VIP, or
 * {@link MaglevTable#NO_BACKEND}. Backend arrays ({@link #tunnel(int)}, {@link #backendIpv4(int)}, ...) are indexed
 * by that global index. Each backend has its immutable {@link TunnelSpec} (kind, outer addresses, TTL, GRE key
 * and checksum), chosen by the control plane per DESIGN.md decision 5.
 */
public final class ForwardingSnapshot {
    /** Value of {@link #vipIndex} and {@link #backendFor} when there is none. */
    public static final int NONE = -1;
    private static final BackendState[] BACKEND_STATES = BackendState.values();
    private static final byte DOWN_ORDINAL = (byte) BackendState.DOWN.ordinal();

    private final long generation;
    private final int tableSize;
    private final LongIntHashMap vipByKey;
    private final Ipv6VipMap vipByKey6;
    private final String[] vipNames;
    private final int[] vipFamily;
    private final int[] vipIpv4;
    private final long[] vipIpv6Hi;
    private final long[] vipIpv6Lo;
    private final int[] vipProtocol;
    private final int[][] vipPorts;
    private final int[] slots;
    private final TunnelSpec[] backendTunnel;
    private final int[] backendIpv4;
    private final long[] backendIpv6Hi;
    private final long[] backendIpv6Lo;
    private final String[] backendIdentity;
    private final int[] backendVip;
    private final MaglevTable[] maglevByVip;
    private final FlowHash flowHash;
    private final int tunnelSourceIpv4;
    private final boolean hasTunnelSourceIpv6;
    private final long tunnelSourceIpv6Hi;
    private final long tunnelSourceIpv6Lo;
    private final int ttl;
    private final int tunnelMtuBytes;
    private final EchoMode echoMode;
    private final int tooBigRatePerSecond;
    private final int echoRatePerSecond;

    // issue 5: flow-table support (backend states, stable ids, stateless VIPs)
    private final byte[] backendState;
    private final int[] backendId;
    private final int[] indexByBackendId;
    private final boolean[] vipStateless;

    // issue 14: sources no client can have
    private final SourcePolicy sourcePolicy;

    private ForwardingSnapshot(Builder b) {
        this.generation = b.generation;
        this.tableSize = b.tableSize;
        this.hasTunnelSourceIpv6 = b.hasIpv6Source;
        this.tunnelSourceIpv6Hi = b.tunnelSourceIpv6Hi;
        this.tunnelSourceIpv6Lo = b.tunnelSourceIpv6Lo;
        int vips = b.vips.size();
        int backends = b.vips.stream().mapToInt(v -> v.table.backends().size()).sum();
        this.vipNames = new String[vips];
        this.vipFamily = new int[vips];
        this.vipIpv4 = new int[vips];
        this.vipIpv6Hi = new long[vips];
        this.vipIpv6Lo = new long[vips];
        this.vipProtocol = new int[vips];
        this.vipPorts = new int[vips][];
        this.maglevByVip = new MaglevTable[vips];
        this.slots = new int[Math.multiplyExact(vips, tableSize)];
        this.backendTunnel = new TunnelSpec[backends];
        this.backendIpv4 = new int[backends];
        this.backendIpv6Hi = new long[backends];
        this.backendIpv6Lo = new long[backends];
        this.backendIdentity = new String[backends];
        this.backendVip = new int[backends];
        this.backendState = new byte[backends];
        this.backendId = new int[backends];
        this.vipStateless = new boolean[vips];
        int keys4 = 0;
        int keys6 = 0;
        for (VipSpec v : b.vips) {
            if (v.family == 4) {
                keys4 += v.ports.length + 2;
            } else {
                keys6 += v.ports.length + 2;
            }
        }
        this.vipByKey = new LongIntHashMap(keys4);
        this.vipByKey6 = new Ipv6VipMap(keys6);
        int next = 0;
        for (int vip = 0; vip < vips; vip++) {
            VipSpec v = b.vips.get(vip);
            vipNames[vip] = v.name;
            vipFamily[vip] = v.family;
            vipIpv4[vip] = v.ipv4;
            vipIpv6Hi[vip] = v.ipv6Hi;
            vipIpv6Lo[vip] = v.ipv6Lo;
            vipProtocol[vip] = v.protocol;
            vipPorts[vip] = v.ports.clone();
            maglevByVip[vip] = v.table;
            vipStateless[vip] = b.statelessVips.contains(v.name);
            List<MaglevBackend> sorted = v.table.backends();
            int[] globalIndex = new int[sorted.size()];
            for (int i = 0; i < sorted.size(); i++) {
                globalIndex[i] = next;
                ResolvedBackend r = v.byIdentity(sorted.get(i).identity());
                backendTunnel[next] = r.tunnel;
                backendIpv4[next] = r.tunnel.ipv4Destination();
                backendIpv6Hi[next] = r.tunnel.destinationHi();
                backendIpv6Lo[next] = r.tunnel.destinationLo();
                backendIdentity[next] = r.identity;
                backendVip[next] = vip;
                backendState[next] = (byte) r.state.ordinal();
                backendId[next] = b.backendIds == null ? next : b.backendIds.idOf(v.name, r.identity);
                next++;
            }
            v.table.copyInto(slots, vip * tableSize, globalIndex);
            for (int port : v.ports) {
                int old = put(v, v.protocol, port, vip);
                if (old != LongIntHashMap.MISSING) {
                    throw new IllegalArgumentException("vip " + v.name + ": " + v.addressText() + " "
                            + protocolName(v.protocol) + " port " + port + " is already vip " + vipNames[old]
                            + " (expected: each address/protocol/port in one vip)");
                }
            }
            int owner = get(v, v.protocol, 0);
            if (owner == LongIntHashMap.MISSING || vipPorts[owner][0] > v.ports[0]) {
                put(v, v.protocol, 0, vip);
            }
            if (get(v, 0, 0) == LongIntHashMap.MISSING) {
                put(v, 0, 0, vip);
            }
        }
        this.flowHash = b.flowHash;
        this.tunnelSourceIpv4 = b.tunnelSourceIpv4;
        this.ttl = b.ttl;
        this.tunnelMtuBytes = b.tunnelMtuBytes;
        this.echoMode = b.echoMode;
        this.tooBigRatePerSecond = b.tooBigRatePerSecond;
        this.echoRatePerSecond = b.echoRatePerSecond;
        int maxId = -1;
        for (int id : backendId) {
            maxId = Math.max(maxId, id);
        }
        this.indexByBackendId = new int[maxId + 1];
        Arrays.fill(indexByBackendId, NONE);
        for (int i = 0; i < backendId.length; i++) {
            indexByBackendId[backendId[i]] = i;
        }
        this.sourcePolicy = sourcePolicy(b);
    }

    /** The VIPs, backends and tunnel sources (own, /32 or /128) and the configured deny prefixes. */
    private SourcePolicy sourcePolicy(Builder b) {
        List<SourcePolicy.Entry> own = new ArrayList<>();
        for (int vip = 0; vip < vipNames.length; vip++) {
            own.add(vipFamily[vip] == 4 ? new SourcePolicy.Entry(4, 0, vipIpv4[vip] & 0xffffffffL, 32, SourcePolicy.OWN)
                    : new SourcePolicy.Entry(6, vipIpv6Hi[vip], vipIpv6Lo[vip], 128, SourcePolicy.OWN));
        }
        for (int i = 0; i < backendTunnel.length; i++) {
            own.add(backendTunnel[i].outerFamily() == 4
                    ? new SourcePolicy.Entry(4, 0, backendIpv4[i] & 0xffffffffL, 32, SourcePolicy.OWN)
                    : new SourcePolicy.Entry(6, backendIpv6Hi[i], backendIpv6Lo[i], 128, SourcePolicy.OWN));
        }
        if (tunnelSourceIpv4 != 0) {
            own.add(new SourcePolicy.Entry(4, 0, tunnelSourceIpv4 & 0xffffffffL, 32, SourcePolicy.OWN));
        }
        if (hasTunnelSourceIpv6) {
            own.add(new SourcePolicy.Entry(6, tunnelSourceIpv6Hi, tunnelSourceIpv6Lo, 128, SourcePolicy.OWN));
        }
        List<SourcePolicy.Entry> denied = new ArrayList<>();
        for (SourcePrefix p : b.denySources) {
            InetAddress a = p.address();
            denied.add(a instanceof Inet4Address v4
                    ? new SourcePolicy.Entry(4, 0, Ipv4Addresses.of(v4) & 0xffffffffL, p.length(), SourcePolicy.DENIED)
                    : new SourcePolicy.Entry(6, Ipv6Addresses.hi(a), Ipv6Addresses.lo(a), p.length(),
                    SourcePolicy.DENIED));
        }
        return new SourcePolicy(own, denied);
    }

    /** The source-address policy (issue 14): sources that no client can have. */
    public SourcePolicy sourcePolicy() {
        return sourcePolicy;
    }

    private int put(VipSpec v, int protocol, int port, int vip) {
        return v.family == 4 ? vipByKey.put(key(v.ipv4, protocol, port), vip)
                : vipByKey6.put(v.ipv6Hi, v.ipv6Lo, protocol, port, vip);
    }

    private int get(VipSpec v, int protocol, int port) {
        return v.family == 4 ? vipByKey.get(key(v.ipv4, protocol, port))
                : vipByKey6.get(v.ipv6Hi, v.ipv6Lo, protocol, port);
    }

    /** The VIP-table key of (address, protocol, port); see the class comment for the layout. */
    static long key(int ipv4, int protocol, int port) {
        return (ipv4 & 0xffffffffL) << 24 | (long) (protocol & 0xff) << 16 | (port & 0xffff);
    }

    /**
     * VIP index of the service (address, protocol, port), or {@link #NONE}. Per packet; allocation-free. Port 0 is
     * never a service (ports are 1..65535): its key is the fragment entry's, which a packet to port 0 must not find
     * (found by fuzzing, issue 14).
     */
    public int vipIndex(int ipv4, int protocol, int port) {
        return port == 0 ? NONE : vipByKey.get(key(ipv4, protocol, port));
    }

    /** VIP index of the IPv6 service (address, protocol, port), or {@link #NONE}; port 0: see {@link #vipIndex}. */
    public int vipIndex6(long hi, long lo, int protocol, int port) {
        return port == 0 ? NONE : vipByKey6.get(hi, lo, protocol, port);
    }

    /** VIP index receiving fragments of (address, protocol) datagrams, or {@link #NONE}. */
    public int fragmentVipIndex(int ipv4, int protocol) {
        return vipByKey.get(key(ipv4, protocol, 0));
    }

    /** VIP index receiving fragments of IPv6 (address, protocol) datagrams, or {@link #NONE}. */
    public int fragmentVipIndex6(long hi, long lo, int protocol) {
        return vipByKey6.get(hi, lo, protocol, 0);
    }

    /** The first VIP (configuration order) with this IPv4 address, or {@link #NONE}. */
    public int addressVipIndex(int ipv4) {
        return vipByKey.get(key(ipv4, 0, 0));
    }

    /** The first VIP (configuration order) with this IPv6 address, or {@link #NONE}. */
    public int addressVipIndex6(long hi, long lo) {
        return vipByKey6.get(hi, lo, 0, 0);
    }

    /** True when some VIP has this address (any protocol or port). */
    public boolean isVipAddress(int ipv4) {
        return addressVipIndex(ipv4) != NONE;
    }

    /** True when some VIP has this IPv6 address (any protocol or port). */
    public boolean isVipAddress6(long hi, long lo) {
        return addressVipIndex6(hi, lo) != NONE;
    }

    /**
     * Global index of the backend for a flow of VIP {@code vip} with flow hash {@code hash}, or {@link #NONE}
     * when the VIP has no backend in rotation. See {@link #slotOf(long, int)} for the slot.
     */
    public int backendFor(int vip, long hash) {
        return slots[vip * tableSize + slotOf(hash, tableSize)];
    }

    /**
     * The Maglev slot of a flow hash: {@code ((hash >>> 32) * tableSize) >>> 32}, Lemire's multiply-shift range
     * reduction of the hash's upper 32 bits. Uniform over [0, tableSize) like {@code hash mod tableSize}, but one
     * multiplication instead of a 64-bit division on the per-packet path, and expressible in BPF unchanged. Part
     * of the cross-gateway contract: every gateway must compute the same slot for the same hash.
     */
    public static int slotOf(long hash, int tableSize) {
        return (int) (((hash >>> 32) * tableSize) >>> 32);
    }

    /** How packets reach backend {@code b}: kind, outer addresses, TTL / hop limit, GRE options. */
    public TunnelSpec tunnel(int b) {
        return backendTunnel[b];
    }

    /** 4 or 6: the address family of backend {@code b} (= its outer header's). */
    public int backendFamily(int b) {
        return backendTunnel[b].outerFamily();
    }

    /** IPv4 address of backend {@code b} (a global index from {@link #backendFor}); 0 for an IPv6 backend. */
    public int backendIpv4(int b) {
        return backendIpv4[b];
    }

    /** First 8 bytes of an IPv6 backend's address (0 for IPv4). */
    public long backendIpv6Hi(int b) {
        return backendIpv6Hi[b];
    }

    /** Last 8 bytes of an IPv6 backend's address (0 for IPv4). */
    public long backendIpv6Lo(int b) {
        return backendIpv6Lo[b];
    }

    /** State of backend {@code b}: ACTIVE (in the Maglev table), DRAINING or DOWN (neither takes new flows). */
    public BackendState backendState(int b) {
        return BACKEND_STATES[backendState[b]];
    }

    /**
     * True when flows already pinned to backend {@code b} stay there (DESIGN.md decision 3): active and draining
     * backends keep their flows, a down backend's flows are re-hashed. Per packet; allocation-free.
     */
    public boolean keepsExistingFlows(int b) {
        return backendState[b] != DOWN_ORDINAL;
    }

    /** Stable id of backend {@code b} ({@link BackendIds}; the global index when built without them). */
    public int backendId(int b) {
        return backendId[b];
    }

    /** Global index of the backend with stable id {@code id} in this snapshot, or {@link #NONE}. Per packet. */
    public int backendIndexById(int id) {
        return id >= 0 && id < indexByBackendId.length ? indexByBackendId[id] : NONE;
    }

    /** True when the VIP's flows bypass the flow table (pure Maglev). */
    public boolean vipStateless(int vip) {
        return vipStateless[vip];
    }

    /** Canonical identity (address text) of backend {@code b}. */
    public String backendIdentity(int b) {
        return backendIdentity[b];
    }

    /** VIP index that backend {@code b} belongs to. */
    public int backendVip(int b) {
        return backendVip[b];
    }

    public int backendCount() {
        return backendIpv4.length;
    }

    public int vipCount() {
        return vipNames.length;
    }

    public String vipName(int vip) {
        return vipNames[vip];
    }

    /** 4 or 6. */
    public int vipFamily(int vip) {
        return vipFamily[vip];
    }

    /** The VIP's IPv4 address; 0 for an IPv6 VIP. */
    public int vipIpv4(int vip) {
        return vipIpv4[vip];
    }

    public long vipIpv6Hi(int vip) {
        return vipIpv6Hi[vip];
    }

    public long vipIpv6Lo(int vip) {
        return vipIpv6Lo[vip];
    }

    /** The VIP's address in canonical text form (IPv4 dotted, IPv6 RFC 5952). */
    public String vipAddressText(int vip) {
        return vipFamily[vip] == 4 ? Ipv4Addresses.format(vipIpv4[vip])
                : Ipv6Addresses.format(vipIpv6Hi[vip], vipIpv6Lo[vip]);
    }

    public int vipProtocol(int vip) {
        return vipProtocol[vip];
    }

    /** Ports of the VIP, ascending (a copy). */
    public int[] vipPorts(int vip) {
        return vipPorts[vip].clone();
    }

    /** The Maglev table of the VIP (backend indices local to the VIP; control plane, diffs). */
    public MaglevTable maglev(int vip) {
        return maglevByVip[vip];
    }

    /** Flow hash keyed by the configured hash seed. */
    public FlowHash flowHash() {
        return flowHash;
    }

    public long generation() {
        return generation;
    }

    public int tableSize() {
        return tableSize;
    }

    public int tunnelSourceIpv4() {
        return tunnelSourceIpv4;
    }

    /** Whether tunnel-source.ipv6 is configured (it is required by IPv6 backends and IPv6 tunnel checks). */
    public boolean hasTunnelSourceIpv6() {
        return hasTunnelSourceIpv6;
    }

    /** High 64 bits of tunnel-source.ipv6 (0 when there is none). */
    public long tunnelSourceIpv6Hi() {
        return tunnelSourceIpv6Hi;
    }

    /** Low 64 bits of tunnel-source.ipv6 (0 when there is none). */
    public long tunnelSourceIpv6Lo() {
        return tunnelSourceIpv6Lo;
    }

    /** Outer TTL / hop limit, also of the ICMP messages the gateway originates. */
    public int ttl() {
        return ttl;
    }

    public int tunnelMtuBytes() {
        return tunnelMtuBytes;
    }

    /** What to do with echo requests to a VIP address. */
    public EchoMode echoMode() {
        return echoMode;
    }

    /** ICMP too-big messages per second per worker (burst = rate); 0: never sent. */
    public int tooBigRatePerSecond() {
        return tooBigRatePerSecond;
    }

    /** Echo replies per second per worker with echo = answer (burst = rate); 0: never answered. */
    public int echoRatePerSecond() {
        return echoRatePerSecond;
    }

    static String protocolName(int protocol) {
        return switch (protocol) {
            case IpProtocol.TCP -> "tcp";
            case IpProtocol.UDP -> "udp";
            default -> "protocol " + protocol;
        };
    }

    /** A new builder; every argument is validated here, with the same ranges as the config. */
    public static Builder builder(String hashSeed, int tableSize, int tunnelSourceIpv4, int ttl, int tunnelMtuBytes) {
        return new Builder(hashSeed, tableSize, tunnelSourceIpv4, ttl, tunnelMtuBytes);
    }

    /** An IPv4 backend reached with IPIP (issue-2 shape; {@link Backend} is the general one). */
    public record Ipv4Backend(int address, int weight, BackendState state) {
        public Ipv4Backend {
            Objects.requireNonNull(state, "state");
        }

        /** The issue-2 form: inactive means draining (flows stay; use the state form for down). */
        public Ipv4Backend(int address, int weight, boolean active) {
            this(address, weight, active ? BackendState.ACTIVE : BackendState.DRAINING);
        }

        public boolean active() {
            return state == BackendState.ACTIVE;
        }
    }

    /**
     * A backend of a VIP: its tunnel endpoint address (IPv4 or IPv6; the outer family), Maglev weight, whether
     * it is in rotation, and the tunnel kind (which must suit both families, see {@link Builder#addVip}).
     */
    public record Backend(InetAddress address, int weight, BackendState state, TunnelKind kind) {
        public Backend {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(kind, "kind");
        }

        /** Issue-3 form: inactive means draining (existing flows stay; use the state form for down). */
        public Backend(InetAddress address, int weight, boolean active, TunnelKind kind) {
            this(address, weight, active ? BackendState.ACTIVE : BackendState.DRAINING, kind);
        }

        /** In rotation: only ACTIVE backends (with a weight above zero) take Maglev slots. */
        public boolean active() {
            return state == BackendState.ACTIVE;
        }
    }

    private record ResolvedBackend(String identity, TunnelSpec tunnel, BackendState state) {
    }

    private record VipSpec(String name, int family, int ipv4, long ipv6Hi, long ipv6Lo, int protocol, int[] ports,
                           List<ResolvedBackend> backends, MaglevTable table) {
        ResolvedBackend byIdentity(String identity) {
            for (ResolvedBackend b : backends) {
                if (b.identity.equals(identity)) {
                    return b;
                }
            }
            throw new IllegalStateException("no backend " + identity);
        }

        String addressText() {
            return family == 4 ? Ipv4Addresses.format(ipv4) : Ipv6Addresses.format(ipv6Hi, ipv6Lo);
        }
    }

    /** Builds a {@link ForwardingSnapshot}; control plane only, not thread-safe. */
    public static final class Builder {
        private final String hashSeed;
        private final int tableSize;
        private final int tunnelSourceIpv4;
        private final int ttl;
        private final int tunnelMtuBytes;
        private final FlowHash flowHash;
        private final MaglevHasher maglevHasher;
        private final List<VipSpec> vips = new ArrayList<>();
        private long generation;
        private boolean hasIpv6Source;
        private long tunnelSourceIpv6Hi;
        private long tunnelSourceIpv6Lo;
        private EchoMode echoMode = EchoMode.ANSWER;
        private int tooBigRatePerSecond = 100;
        private int echoRatePerSecond = 100;
        private BackendIds backendIds;
        private MaglevCache maglevCache;
        private Set<String> statelessVips = Set.of();
        private List<SourcePrefix> denySources = List.of();
        private int gueSourcePortMin = TunnelSpec.DEFAULT_GUE_SOURCE_PORT_MIN;
        private int gueSourcePortMax = TunnelSpec.DEFAULT_GUE_SOURCE_PORT_MAX;

        private Builder(String hashSeed, int tableSize, int tunnelSourceIpv4, int ttl, int tunnelMtuBytes) {
            this.hashSeed = Objects.requireNonNull(hashSeed, "hashSeed");
            if (hashSeed.isEmpty()) {
                throw new IllegalArgumentException("hash-seed is empty (expected: a non-empty string)");
            }
            if (ttl < 1 || ttl > 255) {
                throw new IllegalArgumentException("ttl: " + ttl + " (expected: 1..255)");
            }
            if (tunnelMtuBytes < 576 || tunnelMtuBytes > 65535) {
                throw new IllegalArgumentException("tunnel-mtu: " + tunnelMtuBytes + " (expected: 576..65535)");
            }
            if (tableSize < 3 || !Maglev.isPrime(tableSize)) {
                throw new IllegalArgumentException("maglev-table-size: " + tableSize + " (expected: a prime >= 3)");
            }
            this.tableSize = tableSize;
            this.tunnelSourceIpv4 = tunnelSourceIpv4;
            this.ttl = ttl;
            this.tunnelMtuBytes = tunnelMtuBytes;
            this.flowHash = FlowHash.fromSeed(hashSeed);
            this.maglevHasher = MaglevHasher.fromSeed(hashSeed);
        }

        /** Generation number reported by the snapshot (incremented by the control plane per reload). */
        public Builder generation(long generation) {
            this.generation = generation;
            return this;
        }

        /** The outer source of IPv6 tunnels; required before adding IPv6 backends. */
        public Builder tunnelSourceIpv6(long hi, long lo) {
            this.hasIpv6Source = true;
            this.tunnelSourceIpv6Hi = hi;
            this.tunnelSourceIpv6Lo = lo;
            return this;
        }

        /** Echo handling and the ICMP too-big rate (per second per worker, 0 = never sent). Default: answer, 100. */
        public Builder icmp(EchoMode echo, int tooBigRatePerSecond) {
            this.echoMode = Objects.requireNonNull(echo, "echo");
            if (tooBigRatePerSecond < 0) {
                throw new IllegalArgumentException("icmp.too-big-rate: " + tooBigRatePerSecond + " (expected: >= 0)");
            }
            this.tooBigRatePerSecond = tooBigRatePerSecond;
            return this;
        }

        /**
         * As {@link #icmp(EchoMode, int)}, with the echo reply rate (per second per worker, 0 = never answered).
         * Default 100.
         */
        public Builder icmp(EchoMode echo, int tooBigRatePerSecond, int echoRatePerSecond) {
            if (echoRatePerSecond < 0) {
                throw new IllegalArgumentException("icmp.echo-rate: " + echoRatePerSecond + " (expected: >= 0)");
            }
            icmp(echo, tooBigRatePerSecond);
            this.echoRatePerSecond = echoRatePerSecond;
            return this;
        }

        /**
         * Stable backend ids (issue 5), kept by the control plane across builds; without them a backend's id is its
         * index in this snapshot. Flow-table entries store these ids.
         */
        public Builder backendIds(BackendIds ids) {
            this.backendIds = ids;
            return this;
        }

        /** Maglev table reuse across builds (issue 5); without it, every VIP's table is computed afresh. */
        public Builder maglevCache(MaglevCache cache) {
            this.maglevCache = cache;
            if (cache != null) {
                cache.beginBuild();
            }
            return this;
        }

        /** Names of the VIPs whose flows bypass the flow tables (pure Maglev; {@code vips[i].flow-table = false}). */
        public Builder statelessVips(Set<String> names) {
            this.statelessVips = Set.copyOf(names);
            return this;
        }

        /** Extra source prefixes dropped as {@code drop_source_denied} ({@code security.deny-sources}). */
        public Builder denySources(List<SourcePrefix> prefixes) {
            this.denySources = List.copyOf(prefixes);
            return this;
        }

        /** The seed the flow and Maglev hashes are keyed with. */
        public String hashSeed() {
            return hashSeed;
        }

        /**
         * Adds an IPv4 VIP serving {@code ports} of {@code protocol} (TCP or UDP) on {@code addressIpv4}, balanced
         * over IPv4 {@code backends} (any order) reached with IPIP.
         */
        public Builder addVip(String name, int addressIpv4, int protocol, int[] ports, List<Ipv4Backend> backends) {
            List<Backend> general = new ArrayList<>(backends.size());
            for (Ipv4Backend b : backends) {
                general.add(new Backend(Ipv4Addresses.toInetAddress(b.address()), b.weight(), b.state(),
                        TunnelKind.IPIP));
            }
            return addVip(name, Ipv4Addresses.toInetAddress(addressIpv4), protocol, ports, null, false, general);
        }

        /**
         * Adds a VIP (IPv4 or IPv6) serving {@code ports} of {@code protocol} (TCP or UDP), balanced over
         * {@code backends} (any order). Each backend's kind must suit the families (contract table): IPIP needs an
         * IPv4 VIP and backend, SIT an IPv6 VIP and IPv4 backend, GRE an IPv4 backend, IP6TNL and IP6GRE an IPv6
         * backend (and then an IPv6 tunnel source).
         *
         * @param greKey      RFC 2890 key (0..4294967295) sent to the VIP's GRE / IP6GRE backends, or null
         * @param greChecksum send the RFC 2784 checksum to GRE / IP6GRE backends
         */
        public Builder addVip(String name, InetAddress address, int protocol, int[] ports, Long greKey,
                              boolean greChecksum, List<Backend> backends) {
            return addVip(name, address, protocol, ports, greKey, greChecksum, TunnelSpec.DEFAULT_GUE_PORT, backends);
        }

        /**
         * The range GUE backends' outer UDP source ports are spread over ({@code gue-source-ports}; default
         * 49152-65535), for VIPs added after this call.
         */
        public Builder gueSourcePorts(int min, int max) {
            if (min < 1 || max > 65535 || min > max) {
                throw new IllegalArgumentException("gue-source-ports " + min + "-" + max
                        + " (expected: FIRST-LAST, 1 <= FIRST <= LAST <= 65535)");
            }
            this.gueSourcePortMin = min;
            this.gueSourcePortMax = max;
            return this;
        }

        /**
         * {@link #addVip(String, InetAddress, int, int[], Long, boolean, List)} with the UDP destination port of its
         * GUE / GUE6 backends ({@code gue-port}).
         */
        public Builder addVip(String name, InetAddress address, int protocol, int[] ports, Long greKey,
                              boolean greChecksum, int guePort, List<Backend> backends) {
            if (guePort < 1 || guePort > 65535) {
                throw new IllegalArgumentException("vip " + name + " gue-port: " + guePort + " (expected: 1..65535)");
            }
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(address, "address");
            if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
                throw new IllegalArgumentException("vip " + name + " protocol: " + protocol
                        + " (expected: tcp or udp)");
            }
            int[] sortedPorts = ports.clone();
            Arrays.sort(sortedPorts);
            if (sortedPorts.length == 0) {
                throw new IllegalArgumentException("vip " + name + " ports: [] (expected: at least one port)");
            }
            for (int i = 0; i < sortedPorts.length; i++) {
                if (sortedPorts[i] < 1 || sortedPorts[i] > 65535 || (i > 0 && sortedPorts[i] == sortedPorts[i - 1])) {
                    throw new IllegalArgumentException("vip " + name + " ports: " + Arrays.toString(ports)
                            + " (expected: unique ports 1..65535)");
                }
            }
            if (greKey != null && (greKey < 0 || greKey > 0xffffffffL)) {
                throw new IllegalArgumentException("vip " + name + " gre-key: " + greKey
                        + " (expected: 0..4294967295)");
            }
            boolean vip4 = address instanceof Inet4Address;
            List<MaglevBackend> maglevBackends = new ArrayList<>(backends.size());
            List<ResolvedBackend> resolved = new ArrayList<>(backends.size());
            for (Backend b : backends) {
                String identity = BackendIdentity.of(b.address());
                TunnelSpec spec = spec(name, identity, vip4, b, greKey, greChecksum);
                if (spec.kind().isGue()) {
                    spec = spec.withGuePorts(guePort, gueSourcePortMin, gueSourcePortMax);
                }
                resolved.add(new ResolvedBackend(identity, spec, b.state()));
                maglevBackends.add(new MaglevBackend(identity, b.weight(), b.active()));
            }
            MaglevTable table = maglevCache == null ? Maglev.build(maglevBackends, tableSize, maglevHasher)
                    : maglevCache.build(maglevBackends, tableSize, maglevHasher, hashSeed);
            if (vip4) {
                vips.add(new VipSpec(name, 4, Ipv4Addresses.of((Inet4Address) address), 0, 0, protocol, sortedPorts,
                        resolved, table));
            } else {
                vips.add(new VipSpec(name, 6, 0, Ipv6Addresses.hi(address), Ipv6Addresses.lo(address), protocol,
                        sortedPorts, resolved, table));
            }
            return this;
        }

        private TunnelSpec spec(String vip, String identity, boolean vip4, Backend b, Long greKey,
                                boolean greChecksum) {
            TunnelKind kind = b.kind();
            boolean backend4 = b.address() instanceof Inet4Address;
            boolean fits = switch (kind) {
                case IPIP -> vip4 && backend4;
                case SIT -> !vip4 && backend4;
                case GRE, GUE -> backend4;
                case IP6TNL, IP6GRE, GUE6 -> !backend4;
                case NONE -> vip4 == backend4; // L2 DSR: the packet itself, no header to change families
            };
            if (!fits) {
                throw new IllegalArgumentException("vip " + vip + ": backend " + identity + ": tunnel kind " + kind
                        + " cannot carry an " + (vip4 ? "IPv4" : "IPv6") + " VIP to an "
                        + (backend4 ? "IPv4" : "IPv6") + " backend (expected: ipip 4in4, sit 6in4, gre/gue over IPv4, "
                        + "ip6tnl/ip6gre/gue6 over IPv6, none to a backend of the VIP's family)");
            }
            if (kind == TunnelKind.NONE) {
                return linkLayerSpec(b.address());
            }
            boolean gre = kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE;
            boolean keyed = gre && greKey != null;
            int key = keyed ? (int) (long) greKey : 0;
            boolean checksum = gre && greChecksum;
            if (backend4) {
                return TunnelSpec.ipv4Outer(kind, tunnelSourceIpv4, Ipv4Addresses.of((Inet4Address) b.address()), ttl,
                        keyed, key, checksum);
            }
            if (!hasIpv6Source) {
                throw new IllegalArgumentException("vip " + vip + ": backend " + identity + ": IPv6 backends need "
                        + "dsrgw.gateway.tunnel-source.ipv6 (expected: an IPv6 address)");
            }
            Inet6Address a = (Inet6Address) b.address();
            return TunnelSpec.ipv6Outer(kind, tunnelSourceIpv6Hi, tunnelSourceIpv6Lo, Ipv6Addresses.hi(a),
                    Ipv6Addresses.lo(a), ttl, keyed, key, checksum);
        }

        /** L2 DSR: no outer header, no tunnel source; the backend's address only picks its MAC. */
        private static TunnelSpec linkLayerSpec(InetAddress backend) {
            if (backend instanceof Inet4Address a) {
                return TunnelSpec.noneIpv4(Ipv4Addresses.of(a));
            }
            return TunnelSpec.noneIpv6(Ipv6Addresses.hi(backend), Ipv6Addresses.lo(backend));
        }

        public ForwardingSnapshot build() {
            return new ForwardingSnapshot(this);
        }
    }
}
