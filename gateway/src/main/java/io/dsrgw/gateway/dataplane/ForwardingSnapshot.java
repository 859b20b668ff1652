package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.lb.Maglev;
import io.dsrgw.gateway.lb.MaglevBackend;
import io.dsrgw.gateway.lb.MaglevHasher;
import io.dsrgw.gateway.lb.MaglevTable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

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
 *   <li>{@code (A, 0, 0)}: "A is a VIP address", to count ICMP and other protocols to A as unsupported rather
 *       than not-a-VIP (protocol 0 is never a service: services are TCP or UDP).</li>
 * </ul>
 *
 * <h2>Maglev tables</h2>
 * {@code slots[vip * tableSize + i]} is the global index of the backend owning slot i of the VIP, or
 * {@link MaglevTable#NO_BACKEND}. Backend arrays ({@link #backendIpv4(int)}) are indexed by that global index.
 */
public final class ForwardingSnapshot {
    /** Value of {@link #vipIndex} and {@link #backendFor} when there is none. */
    public static final int NONE = -1;
    private static final BackendState[] BACKEND_STATES = BackendState.values();
    private static final byte DOWN_ORDINAL = (byte) BackendState.DOWN.ordinal();

    private final long generation;
    private final int tableSize;
    private final LongIntHashMap vipByKey;
    private final String[] vipNames;
    private final int[] vipIpv4;
    private final int[] vipProtocol;
    private final int[][] vipPorts;
    private final int[] slots;
    private final int[] backendIpv4;
    private final String[] backendIdentity;
    private final int[] backendVip;
    private final MaglevTable[] maglevByVip;
    private final FlowHash flowHash;
    private final int tunnelSourceIpv4;
    private final int ttl;
    private final int tunnelMtuBytes;
    // issue 5: flow-table support (backend states, stable ids, stateless VIPs)
    private final byte[] backendState;
    private final int[] backendId;
    private final int[] indexByBackendId;
    private final boolean[] vipStateless;

    private ForwardingSnapshot(Builder b) {
        this.generation = b.generation;
        this.tableSize = b.tableSize;
        int vips = b.vips.size();
        int backends = b.vips.stream().mapToInt(v -> v.table.backends().size()).sum();
        this.vipNames = new String[vips];
        this.vipIpv4 = new int[vips];
        this.vipProtocol = new int[vips];
        this.vipPorts = new int[vips][];
        this.maglevByVip = new MaglevTable[vips];
        this.slots = new int[Math.multiplyExact(vips, tableSize)];
        this.backendIpv4 = new int[backends];
        this.backendIdentity = new String[backends];
        this.backendVip = new int[backends];
        this.backendState = new byte[backends];
        this.backendId = new int[backends];
        this.vipStateless = new boolean[vips];
        int keys = 0;
        for (VipSpec v : b.vips) {
            keys += v.ports.length + 2;
        }
        this.vipByKey = new LongIntHashMap(keys);
        int next = 0;
        for (int vip = 0; vip < vips; vip++) {
            VipSpec v = b.vips.get(vip);
            vipNames[vip] = v.name;
            vipIpv4[vip] = v.address;
            vipProtocol[vip] = v.protocol;
            vipPorts[vip] = v.ports.clone();
            maglevByVip[vip] = v.table;
            vipStateless[vip] = b.context != null && b.context.statelessVips().contains(v.name);
            List<MaglevBackend> sorted = v.table.backends();
            int[] globalIndex = new int[sorted.size()];
            for (int i = 0; i < sorted.size(); i++) {
                globalIndex[i] = next;
                backendIpv4[next] = v.addressByIdentity(sorted.get(i).identity());
                backendIdentity[next] = sorted.get(i).identity();
                backendVip[next] = vip;
                backendState[next] = (byte) v.stateByIdentity(sorted.get(i).identity()).ordinal();
                backendId[next] = b.context == null ? next
                        : b.context.backendIds().idOf(v.name, sorted.get(i).identity());
                next++;
            }
            v.table.copyInto(slots, vip * tableSize, globalIndex);
            for (int port : v.ports) {
                int old = vipByKey.put(key(v.address, v.protocol, port), vip);
                if (old != LongIntHashMap.MISSING) {
                    throw new IllegalArgumentException("vip " + v.name + ": " + Ipv4Addresses.format(v.address)
                            + " " + protocolName(v.protocol) + " port " + port + " is already vip " + vipNames[old]
                            + " (expected: each address/protocol/port in one vip)");
                }
            }
            long fragmentKey = key(v.address, v.protocol, 0);
            int owner = vipByKey.get(fragmentKey);
            if (owner == LongIntHashMap.MISSING || vipPorts[owner][0] > v.ports[0]) {
                vipByKey.put(fragmentKey, vip);
            }
            vipByKey.put(key(v.address, 0, 0), vip);
        }
        this.flowHash = b.flowHash;
        this.tunnelSourceIpv4 = b.tunnelSourceIpv4;
        this.ttl = b.ttl;
        this.tunnelMtuBytes = b.tunnelMtuBytes;
        int maxId = -1;
        for (int id : backendId) {
            maxId = Math.max(maxId, id);
        }
        this.indexByBackendId = new int[maxId + 1];
        Arrays.fill(indexByBackendId, NONE);
        for (int i = 0; i < backendId.length; i++) {
            indexByBackendId[backendId[i]] = i;
        }
    }

    /** The VIP-table key of (address, protocol, port); see the class comment for the layout. */
    static long key(int ipv4, int protocol, int port) {
        return (ipv4 & 0xffffffffL) << 24 | (long) (protocol & 0xff) << 16 | (port & 0xffff);
    }

    /** VIP index of the service (address, protocol, port), or {@link #NONE}. Per packet; allocation-free. */
    public int vipIndex(int ipv4, int protocol, int port) {
        return vipByKey.get(key(ipv4, protocol, port));
    }

    /** VIP index receiving fragments of (address, protocol) datagrams, or {@link #NONE}. */
    public int fragmentVipIndex(int ipv4, int protocol) {
        return vipByKey.get(key(ipv4, protocol, 0));
    }

    /** True when some VIP has this address (any protocol or port). */
    public boolean isVipAddress(int ipv4) {
        return vipByKey.get(key(ipv4, 0, 0)) != LongIntHashMap.MISSING;
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

    /** IPv4 address of backend {@code b} (a global index from {@link #backendFor}). */
    public int backendIpv4(int b) {
        return backendIpv4[b];
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

    /** Stable id of backend {@code b} ({@link BackendIds}; the global index when built without a context). */
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

    public int vipIpv4(int vip) {
        return vipIpv4[vip];
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

    public int ttl() {
        return ttl;
    }

    public int tunnelMtuBytes() {
        return tunnelMtuBytes;
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

    /**
     * An IPv4 backend of a VIP as the snapshot needs it. Only ACTIVE backends with a weight above zero take
     * Maglev slots; DRAINING ones keep their existing flows, DOWN ones lose them (re-hashed).
     */
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

    private record VipSpec(String name, int address, int protocol, int[] ports, int[] backendAddresses,
                           String[] backendIdentities, BackendState[] backendStates, MaglevTable table) {
        BackendState stateByIdentity(String identity) {
            for (int i = 0; i < backendIdentities.length; i++) {
                if (backendIdentities[i].equals(identity)) {
                    return backendStates[i];
                }
            }
            throw new IllegalStateException("no backend " + identity);
        }

        int addressByIdentity(String identity) {
            for (int i = 0; i < backendIdentities.length; i++) {
                if (backendIdentities[i].equals(identity)) {
                    return backendAddresses[i];
                }
            }
            throw new IllegalStateException("no backend " + identity);
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
        private SnapshotContext context;

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

        /** Stable backend ids, Maglev table reuse and stateless VIPs (issue 5); without it, none of them. */
        public Builder context(SnapshotContext context) {
            this.context = context;
            if (context != null) {
                context.maglevCache().beginBuild();
            }
            return this;
        }

        /** The seed the flow and Maglev hashes are keyed with. */
        public String hashSeed() {
            return hashSeed;
        }

        /**
         * Adds a VIP serving {@code ports} of {@code protocol} (TCP or UDP) on {@code addressIpv4}, balanced over
         * {@code backends} (any order).
         */
        public Builder addVip(String name, int addressIpv4, int protocol, int[] ports, List<Ipv4Backend> backends) {
            Objects.requireNonNull(name, "name");
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
            List<MaglevBackend> maglevBackends = new ArrayList<>(backends.size());
            int[] addresses = new int[backends.size()];
            String[] identities = new String[backends.size()];
            BackendState[] states = new BackendState[backends.size()];
            for (int i = 0; i < backends.size(); i++) {
                Ipv4Backend b = backends.get(i);
                addresses[i] = b.address();
                identities[i] = Ipv4Addresses.format(b.address());
                states[i] = b.state();
                maglevBackends.add(new MaglevBackend(identities[i], b.weight(), b.active()));
            }
            MaglevTable table = context == null ? Maglev.build(maglevBackends, tableSize, maglevHasher)
                    : context.maglevCache().build(maglevBackends, tableSize, maglevHasher, hashSeed);
            vips.add(new VipSpec(name, addressIpv4, protocol, sortedPorts, addresses, identities, states, table));
            return this;
        }

        public ForwardingSnapshot build() {
            return new ForwardingSnapshot(this);
        }
    }
}
