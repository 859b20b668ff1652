package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.tunnel.TunnelSpec;
import io.dsrgw.gateway.dataplane.BackendSelection;
import io.dsrgw.gateway.dataplane.FlowTableLookup;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.SourcePolicy;
import io.dsrgw.gateway.lb.Maglev;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.bpf.BpfMap;
import io.dsrgw.linux.bpf.BpfObject;
import io.dsrgw.linux.bpf.BpfProgram;
import io.dsrgw.linux.bpf.XdpLink;
import io.dsrgw.linux.bpf.XdpMode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

import static io.dsrgw.gateway.dataplane.xdp.XdpContract.BACKEND_NONE;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The XDP fast path (DESIGN.md decision 13) as the Java control plane sees it: the program
 * {@code /io/dsrgw/gateway/xdp/dsrgw_xdp.o} (contract: {@code gateway/src/main/bpf/dsrgw_xdp.h}) loaded through
 * libbpf, its maps written from {@link ForwardingSnapshot}s, attached with BPF links to the ingress interfaces.
 *
 * <h2>Map sizes</h2>
 * Fixed at {@link #load}: the kernel cannot resize a map.
 * <ul>
 *   <li>{@code dsrgw_flows} (LRU, preallocated, ~110 bytes of kernel memory per entry): {@code maxFlows};</li>
 *   <li>{@code dsrgw_rings}: two Maglev rings of {@code maglevTableSize} slots per VIP (double buffering) for
 *       {@code maxVips} VIPs, {@code 16 x maxVips x maglevTableSize} bytes (the kernel keeps a 4-byte array value
 *       in 8 bytes). Default {@link #defaultMaxVips}: as many
 *       VIPs as fit {@link #RING_BUDGET_BYTES}, at most {@value #MAX_VIPS_LIMIT} (64 VIPs with the default
 *       table size 65537). A snapshot with more VIPs than that is refused by {@link #publish} with a message naming
 *       both numbers; a reload may replace VIPs up to the limit (a new VIP reuses the rings of one the same reload
 *       removes);</li>
 *   <li>{@code dsrgw_vips}: {@value #MAX_VIP_KEYS} (address, protocol, port) entries; {@code dsrgw_backends}:
 *       {@value #MAX_BACKENDS} backends (both allocate per element, so the limit costs nothing unused).</li>
 *   <li>{@code dsrgw_backend_stats} (per-CPU array, preallocated, 256 KiB per possible CPU): the contract's
 *       default, stable backend ids below 16384; traffic to a backend with a higher id is forwarded but not counted
 *       per backend by the program (ids are never reused, so only a process that saw 16384 distinct backends gets
 *       there).</li>
 * </ul>
 *
 * <h2>Publishing</h2>
 * {@link #publish} follows the contract's fill order: config, then new or changed backends, then per VIP its
 * Maglev ring written into the ring of its pair that no VIP entry references (only when the content changed) and
 * its (address, protocol, port) entries flipped to it, then the entries and backends no longer in the snapshot are
 * deleted. VIP ids are stable per VIP name ({@link #vipIdOf}) and never reused, like {@code BackendIds}. A ring a VIP
 * just left rests {@link #RING_REST_NS} before it is written again (contract: a packet that read the old entry may
 * still read that ring). What was written is remembered, so an unchanged snapshot writes nothing.
 *
 * <p>Threading: {@link #publish}, {@link #attach} and {@link #close} from one control thread at a time (they are
 * synchronized); {@link #counters}, {@link #pinnedBackendId} and {@link #flowTable} from any thread, concurrently
 * (map reads by syscall; {@link #pinnedBackendId} uses a per-thread key buffer and allocates nothing).
 */
public final class XdpDataPlane implements AutoCloseable {
    /**
     * {@link BackendSelection#table()} of answers from the BPF flow table: the first number no TUN worker can have
     * ({@code ingress.queues} is at most 256, workers are numbered from 0).
     */
    public static final int FLOW_TABLE_ID = 256;
    /** The config's default {@code maglev-table-size}; {@link #load(int)} sizes the rings for it. */
    public static final int DEFAULT_TABLE_SIZE = 65537;
    /**
     * Kernel memory the default sizing gives the Maglev rings: 64 VIPs of the default table size (16 bytes per VIP
     * and slot: two rings of 8-byte array elements), about 64 MiB.
     */
    public static final long RING_BUDGET_BYTES = 16L * 64 * DEFAULT_TABLE_SIZE;
    /** Most VIPs the rings can be sized for. */
    public static final int MAX_VIPS_LIMIT = 1024;
    /** Capacity of dsrgw_vips: (address, protocol, port) entries. */
    public static final int MAX_VIP_KEYS = 65536;
    /** Capacity of dsrgw_backends: backends of all VIPs. */
    public static final int MAX_BACKENDS = 65536;
    /**
     * How long a ring rests after the last VIP entry left it before it is rewritten: far beyond one XDP program run
     * (microseconds), which is all the time a packet that read the old entry can still be reading the ring.
     */
    static final long RING_REST_NS = 50_000_000L;

    private final BpfObject object;
    private final BpfProgram program;
    private final BpfMap configMap;
    private final BpfMap vipsMap;
    private final BpfMap backendsMap;
    private final BpfMap flowsMap;
    private final BpfMap countersMap;
    private final BpfMap txPortsMap;
    private final BpfMap srcMap;
    private final BpfMap backendStatsMap;
    /** One more than the highest stable backend id ever written to dsrgw_backends: the ids whose stats are read. */
    private volatile int backendIdsSeen;
    /** What dsrgw_src holds: entry -> kind (issue 14). */
    private final Map<SourcePolicy.Entry, Integer> writtenSources = new HashMap<>();
    private final MappedRings rings;
    private final int tableSize;
    private final int maxVips;
    private final long[] timeoutNs;

    // Control-thread state: what the kernel's maps hold, as written by this object.
    private final Map<String, Integer> vipIdByName = new HashMap<>();
    private final Map<String, Integer> pairByVipName = new HashMap<>();
    private final Deque<Integer> freePairs = new ArrayDeque<>();
    private final Map<VipKey, VipValue> writtenVips = new HashMap<>();
    private final Map<Integer, BackendValue> writtenBackends = new HashMap<>();
    private final int[] ringRefs;
    private final long[] ringLeftNs;
    private byte[] writtenConfig;
    private long ringWrites;
    private final List<XdpLink> links = new ArrayList<>();
    private final Map<Integer, String> txPorts = new LinkedHashMap<>();
    private final ThreadLocal<FlowBuffers> flowBuffers = ThreadLocal.withInitial(FlowBuffers::new);
    private boolean closed;

    private XdpDataPlane(BpfObject object, MappedRings rings, int tableSize, int maxVips, FlowTimeouts timeouts) {
        this.object = object;
        this.program = object.program(XdpContract.PROGRAM);
        this.configMap = object.map(XdpContract.MAP_CONFIG);
        this.vipsMap = object.map(XdpContract.MAP_VIPS);
        this.backendsMap = object.map(XdpContract.MAP_BACKENDS);
        this.flowsMap = object.map(XdpContract.MAP_FLOWS);
        this.countersMap = object.map(XdpContract.MAP_COUNTERS);
        this.txPortsMap = object.map(XdpContract.MAP_TX_PORTS);
        this.srcMap = object.map(XdpContract.MAP_SRC);
        this.backendStatsMap = object.map(XdpContract.MAP_BACKEND_STATS);
        this.rings = rings;
        this.tableSize = tableSize;
        this.maxVips = maxVips;
        this.timeoutNs = new long[] {timeouts.tcpSyn().toNanos(), timeouts.tcpEstablished().toNanos(),
            timeouts.tcpClosing().toNanos(), timeouts.udp().toNanos(), timeouts.other().toNanos()};
        this.ringRefs = new int[2 * maxVips];
        this.ringLeftNs = new long[2 * maxVips];
        Arrays.fill(ringLeftNs, System.nanoTime() - RING_REST_NS);
        for (int p = 0; p < maxVips; p++) {
            freePairs.add(p);
        }
    }

    /**
     * Loads the program with rings for the default {@code maglev-table-size} ({@value #DEFAULT_TABLE_SIZE}) and
     * {@link FlowTimeouts#DEFAULT}; see {@link #load(int, FlowTimeouts, int, int)}.
     */
    public static XdpDataPlane load(int maxFlows) throws LinuxException {
        return load(maxFlows, FlowTimeouts.DEFAULT, DEFAULT_TABLE_SIZE);
    }

    /** Loads with rings for {@link #defaultMaxVips defaultMaxVips(maglevTableSize)} VIPs. */
    public static XdpDataPlane load(int maxFlows, FlowTimeouts timeouts, int maglevTableSize) throws LinuxException {
        return load(maxFlows, timeouts, maglevTableSize, defaultMaxVips(maglevTableSize));
    }

    /**
     * Loads the program and creates its maps (nothing attached yet, nothing forwarded: an unconfigured program
     * passes everything).
     *
     * @param maxFlows        capacity of the shared BPF flow table (dsrgw_flows), e.g. {@code flow-table.capacity}
     * @param timeouts        idle timeouts of the flow table ({@code flow-table.*-timeout}), as the TUN workers'
     *                        tables get them; fixed for the life of this object, like theirs
     * @param maglevTableSize {@code maglev-table-size}: every published snapshot must have it
     * @param maxVips         VIPs the Maglev rings have room for (two rings each)
     * @throws LinuxException with libbpf's / the verifier's message when loading fails; callers check
     *                        {@code Bpf.isAvailable()} first for a clear "BPF unavailable: cause" error
     * @throws IllegalArgumentException for sizes out of range, with the range
     */
    public static XdpDataPlane load(int maxFlows, FlowTimeouts timeouts, int maglevTableSize, int maxVips)
            throws LinuxException {
        Objects.requireNonNull(timeouts, "timeouts");
        if (maxFlows < 1) {
            throw new IllegalArgumentException("XDP flow table capacity: " + maxFlows + " (expected: >= 1)");
        }
        if (maglevTableSize < 3 || !Maglev.isPrime(maglevTableSize)) {
            throw new IllegalArgumentException("maglev-table-size: " + maglevTableSize + " (expected: a prime >= 3)");
        }
        long slots = 2L * maxVips * maglevTableSize;
        if (maxVips < 1 || maxVips > MAX_VIPS_LIMIT || slots > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("XDP rings for " + maxVips + " VIPs of maglev-table-size "
                    + maglevTableSize + " (expected: 1.." + Math.min(MAX_VIPS_LIMIT,
                    Integer.MAX_VALUE / (2L * maglevTableSize)) + " VIPs: 2 rings of maglev-table-size slots each)");
        }
        BpfObject object = BpfObject.open(XdpContract.OBJECT_NAME, objectBytes());
        MappedRings rings = null;
        try {
            object.setMaxEntries(XdpContract.MAP_RINGS, (int) slots);
            object.setMaxEntries(XdpContract.MAP_FLOWS, maxFlows);
            object.setMaxEntries(XdpContract.MAP_VIPS, MAX_VIP_KEYS);
            object.setMaxEntries(XdpContract.MAP_BACKENDS, MAX_BACKENDS);
            object.load();
            rings = MappedRings.map(object.map(XdpContract.MAP_RINGS), maglevTableSize);
            return new XdpDataPlane(object, rings, maglevTableSize, maxVips, timeouts);
        } catch (LinuxException | RuntimeException | Error e) {
            if (rings != null) {
                rings.close();
            }
            object.close();
            throw e;
        }
    }

    /**
     * VIPs whose rings fit {@link #RING_BUDGET_BYTES} ({@code 16 x VIPs x maglevTableSize} bytes), between 1 and
     * {@value #MAX_VIPS_LIMIT}: 64 for 65537 slots, 4 for the largest table (1000003), 1024 for tables up to 4096.
     */
    public static int defaultMaxVips(int maglevTableSize) {
        if (maglevTableSize < 1) {
            throw new IllegalArgumentException("maglev-table-size: " + maglevTableSize + " (expected: >= 1)");
        }
        return (int) Math.max(1, Math.min(MAX_VIPS_LIMIT, RING_BUDGET_BYTES / (16L * maglevTableSize)));
    }

    private static byte[] objectBytes() {
        try (InputStream in = XdpDataPlane.class.getResourceAsStream(XdpContract.OBJECT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + XdpContract.OBJECT_RESOURCE + " is missing "
                        + "(expected: compiled from gateway/src/main/bpf/dsrgw_xdp.c by the gateway module's build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + XdpContract.OBJECT_RESOURCE, e);
        }
    }

    /** The Maglev table size the rings were created for. */
    public int tableSize() {
        return tableSize;
    }

    /** VIPs the rings have room for. */
    public int maxVips() {
        return maxVips;
    }

    /** The loaded program (for tests: {@link BpfProgram#testRun}). */
    public BpfProgram program() {
        return program;
    }

    // ------------------------------------------------------------------------------------------------ publish

    /**
     * Mirrors {@code snapshot} into the maps (config, VIPs with stable VIP ids, backends by stable backend id,
     * Maglev rings double-buffered and flipped per VIP), hitless: no packet sees a half-written ring, pinned flows
     * keep their backend unless it is down or gone. Control thread only.
     *
     * <p>A snapshot that does not fit (another table size, more VIPs than the rings have room for, more entries
     * than dsrgw_vips or dsrgw_backends hold) is refused with an {@link IllegalArgumentException} before anything
     * is written: the maps keep serving the previous snapshot. A failing {@code bpf(2)} call throws
     * {@link LinuxException}; what was written until then is consistent (no VIP points at a missing ring) and the
     * next publish completes the rest.
     */
    public synchronized void publish(ForwardingSnapshot snapshot) throws LinuxException {
        checkOpen();
        Plan plan = plan(snapshot);
        List<SourcePolicy.Entry> sources = snapshot.sourcePolicy().entries();
        if (sources.size() > srcMap.maxEntries()) {
            throw new IllegalArgumentException("source policy: " + sources.size() + " own addresses and deny prefixes"
                    + " (expected: at most " + srcMap.maxEntries() + ", the size of " + XdpContract.MAP_SRC + ")");
        }
        boolean first = writtenConfig == null;
        try (Arena arena = Arena.ofConfined()) {
            Segments seg = new Segments(arena);
            // Sources first: a VIP, backend or prefix new in this snapshot is refused before a VIP can lead to it.
            java.util.Set<SourcePolicy.Entry> wanted = new java.util.HashSet<>();
            for (SourcePolicy.Entry e : sources) {
                SourcePolicy.Entry k = withoutKind(e);
                wanted.add(k);
                if (!Integer.valueOf(e.kind()).equals(writtenSources.get(k))) {
                    writeSourceKey(k, seg.srcKey);
                    seg.srcValue.set(JAVA_INT, 0, e.kind());
                    srcMap.update(seg.srcKey, seg.srcValue, BpfMap.BPF_ANY);
                    writtenSources.put(k, e.kind());
                }
            }
            if (!first) {
                writeConfig(plan.config, seg);
            }
            for (Map.Entry<Integer, BackendValue> e : plan.backends.entrySet()) {
                if (!e.getValue().equals(writtenBackends.get(e.getKey()))) {
                    seg.u32Key.set(JAVA_INT, 0, e.getKey());
                    e.getValue().write(seg.backend);
                    backendsMap.update(seg.u32Key, seg.backend, BpfMap.BPF_ANY);
                    writtenBackends.put(e.getKey(), e.getValue());
                    if (e.getKey() >= backendIdsSeen) {
                        backendIdsSeen = e.getKey() + 1;
                    }
                }
            }
            int[] ids = new int[tableSize];
            for (int vip = 0; vip < snapshot.vipCount(); vip++) {
                ringIds(snapshot, vip, ids);
                String name = snapshot.vipName(vip);
                int ring = ringFor(name, pairByVipName.get(name), ids, plan.keysByVip.get(vip));
                VipValue value = new VipValue(vipIdOf(name), ring, plan.flagsByVip[vip]);
                for (VipKey key : plan.keysByVip.get(vip)) {
                    writeVip(key, value, seg);
                }
            }
            for (VipKey gone : new ArrayList<>(writtenVips.keySet())) {
                if (!plan.vipKeys.contains(gone)) {
                    gone.write(seg.vipKey);
                    vipsMap.delete(seg.vipKey);
                    unreference(writtenVips.remove(gone).ringId);
                }
            }
            for (Integer gone : new ArrayList<>(writtenBackends.keySet())) {
                if (!plan.backends.containsKey(gone)) {
                    seg.u32Key.set(JAVA_INT, 0, gone);
                    backendsMap.delete(seg.u32Key);
                    writtenBackends.remove(gone);
                }
            }
            for (SourcePolicy.Entry gone : new ArrayList<>(writtenSources.keySet())) {
                if (!wanted.contains(gone)) {
                    writeSourceKey(gone, seg.srcKey);
                    srcMap.delete(seg.srcKey);
                    writtenSources.remove(gone);
                }
            }
            if (first) {
                writeConfig(plan.config, seg); // last: ring_size != 0 turns the fast path on (contract)
            }
        }
    }

    /** The entry as a trie key (the kind is the value): kind 0. */
    private static SourcePolicy.Entry withoutKind(SourcePolicy.Entry e) {
        return new SourcePolicy.Entry(e.family(), e.hi(), e.lo(), e.length(), 0);
    }

    /** struct dsrgw_src_key: prefixlen = 8 + length (host order), family, address from byte 5, rest zero. */
    static void writeSourceKey(SourcePolicy.Entry e, MemorySegment key) {
        key.fill((byte) 0);
        key.set(JAVA_INT, XdpContract.SRC_KEY_PREFIXLEN, 8 + e.length());
        key.set(JAVA_BYTE, XdpContract.SRC_KEY_FAMILY, (byte) e.family());
        if (e.family() == 4) {
            key.set(XdpContract.BE_INT, XdpContract.SRC_KEY_ADDR, (int) e.lo());
        } else {
            XdpContract.putAddress(key, XdpContract.SRC_KEY_ADDR, e.hi(), e.lo());
        }
    }

    /** The stable VIP id of VIP {@code name}, assigned on first use and never given to another VIP. */
    synchronized int vipIdOf(String name) {
        return vipIdByName.computeIfAbsent(name, n -> vipIdByName.size());
    }

    /** A map of the loaded object by name (tests read the maps back through it). */
    BpfMap map(String name) {
        return object.map(name);
    }

    /** Rings written since load (tests: an unchanged VIP writes none). */
    synchronized long ringWrites() {
        return ringWrites;
    }

    /** Everything publish writes, computed and checked before the first write. */
    private record Plan(byte[] config, Map<Integer, BackendValue> backends, List<List<VipKey>> keysByVip,
                        Set<VipKey> vipKeys, int[] flagsByVip) {
    }

    private Plan plan(ForwardingSnapshot s) {
        if (s.tableSize() != tableSize) {
            throw new IllegalArgumentException("maglev-table-size: " + s.tableSize() + " (expected: " + tableSize
                    + ", the size the XDP program's rings were created with; changing it needs a restart)");
        }
        if (s.vipCount() > maxVips) {
            throw new IllegalArgumentException("vips: " + s.vipCount() + " VIPs (expected: at most " + maxVips
                    + ": the XDP program was loaded with Maglev rings for " + maxVips + " VIPs of maglev-table-size "
                    + tableSize + ", 2 x " + maxVips + " x " + tableSize + " slots of dsrgw_rings; more need a "
                    + "restart, or a smaller maglev-table-size)");
        }
        Map<Integer, BackendValue> backends = new HashMap<>();
        boolean[] passAll = new boolean[s.vipCount()];
        for (int b = 0; b < s.backendCount(); b++) {
            int vip = s.backendVip(b);
            TunnelSpec t = s.tunnel(b);
            passAll[vip] |= t.greChecksum();
            long hi = t.outerFamily() == 4 ? 0 : s.backendIpv6Hi(b);
            long lo = t.outerFamily() == 4 ? s.backendIpv4(b) & 0xffffffffL : s.backendIpv6Lo(b);
            // GUE kinds: the gre_key bytes carry the source port range (first | count << 16), see dsrgw_xdp.h
            int keyOrSourcePorts = t.kind().isGue() ? t.gueSourcePortMin() | t.gueSourcePortCount() << 16
                    : t.greKey() ? t.key() : 0;
            backends.put(s.backendId(b), new BackendValue(hi, lo, vipIdOf(s.vipName(vip)), keyOrSourcePorts,
                    s.backendState(b).ordinal(), t.kind().ordinal(), t.outerFamily(),
                    (t.greKey() ? XdpContract.BACKEND_F_GRE_KEY : 0) | (t.linkLayer() ? XdpContract.BACKEND_F_L2 : 0),
                    t.gueDestinationPort()));
        }
        List<List<VipKey>> keysByVip = new ArrayList<>(s.vipCount());
        Set<VipKey> vipKeys = new HashSet<>();
        int[] flags = new int[s.vipCount()];
        for (int vip = 0; vip < s.vipCount(); vip++) {
            List<VipKey> keys = new ArrayList<>();
            long hi = s.vipFamily(vip) == 4 ? 0 : s.vipIpv6Hi(vip);
            long lo = s.vipFamily(vip) == 4 ? s.vipIpv4(vip) & 0xffffffffL : s.vipIpv6Lo(vip);
            for (int port : s.vipPorts(vip)) {
                VipKey k = new VipKey(s.vipFamily(vip), hi, lo, s.vipProtocol(vip), port);
                keys.add(k);
                vipKeys.add(k);
            }
            keysByVip.add(keys);
            flags[vip] = (s.vipStateless(vip) ? XdpContract.VIP_F_STATELESS : 0)
                    | (passAll[vip] ? XdpContract.VIP_F_PASS_ALL : 0);
        }
        // New entries are written before the old ones are deleted: the maps hold both for a moment.
        Set<VipKey> vipUnion = new HashSet<>(writtenVips.keySet());
        vipUnion.addAll(vipKeys);
        if (vipUnion.size() > vipsMap.maxEntries()) {
            throw new IllegalArgumentException("vips: " + vipKeys.size() + " (address, protocol, port) services, "
                    + vipUnion.size() + " while this reload replaces " + (vipUnion.size() - vipKeys.size())
                    + " (expected: at most " + vipsMap.maxEntries() + " in dsrgw_vips)");
        }
        Set<Integer> backendUnion = new HashSet<>(writtenBackends.keySet());
        backendUnion.addAll(backends.keySet());
        if (backendUnion.size() > backendsMap.maxEntries()) {
            throw new IllegalArgumentException("vips: " + backends.size() + " backends, " + backendUnion.size()
                    + " while this reload replaces " + (backendUnion.size() - backends.size())
                    + " (expected: at most " + backendsMap.maxEntries() + " in dsrgw_backends)");
        }
        assignPairs(s);
        return new Plan(config(s), backends, keysByVip, vipKeys, flags);
    }

    /**
     * Gives every VIP of {@code s} a ring pair: its own if it had one, else a free one or one of a VIP that is not
     * in {@code s} any more (its entries still reference one ring of the pair until they are deleted after the flip;
     * {@link #ringFor} then takes the other).
     */
    private void assignPairs(ForwardingSnapshot s) {
        Set<String> present = new HashSet<>();
        for (int vip = 0; vip < s.vipCount(); vip++) {
            present.add(s.vipName(vip));
        }
        for (var it = pairByVipName.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!present.contains(e.getKey())) {
                freePairs.addLast(e.getValue()); // behind the never-used ones: those need no rest
                it.remove();
            }
        }
        for (int vip = 0; vip < s.vipCount(); vip++) {
            String name = s.vipName(vip);
            if (!pairByVipName.containsKey(name)) {
                pairByVipName.put(name, freePairs.removeFirst()); // vipCount <= maxVips: never empty
            }
        }
    }

    /**
     * The ring VIP {@code name}'s entries point at after this publish: a ring of its pair that already holds
     * {@code ids} (nothing written: an unchanged VIP, one whose address or ports changed, one that changes back, a
     * retry after a publish that failed half-way; pointing at a ring with the right content is always safe), else
     * the ring of the pair no entry references (written, after its rest). The ring its own entries use is tried
     * first.
     */
    private int ringFor(String name, int pair, int[] ids, List<VipKey> keys) {
        int a = 2 * pair;
        int b = a + 1;
        int current = a;
        for (VipKey k : keys) {
            VipValue v = writtenVips.get(k);
            if (v != null && v.ringId == b) {
                current = b;
                break;
            }
        }
        int other = current ^ 1;
        if (rings.holds(current, ids)) {
            return current;
        }
        if (rings.holds(other, ids)) {
            return other;
        }
        int target;
        if (ringRefs[a] == 0 && ringRefs[b] == 0) {
            target = ringLeftNs[a] <= ringLeftNs[b] ? a : b;
        } else if (ringRefs[a] == 0) {
            target = a;
        } else if (ringRefs[b] == 0) {
            target = b;
        } else {
            throw new IllegalStateException("dsrgw_rings: both rings " + a + " and " + b + " of vip " + name
                    + " are referenced by dsrgw_vips entries after an earlier publish failed half-way (expected: "
                    + "one free ring to write; restart the gateway)");
        }
        long rest = ringLeftNs[target] + RING_REST_NS - System.nanoTime();
        while (rest > 0) {
            LockSupport.parkNanos(rest);
            rest = ringLeftNs[target] + RING_REST_NS - System.nanoTime();
        }
        rings.write(target, ids);
        ringWrites++;
        return target;
    }

    private void writeVip(VipKey key, VipValue value, Segments seg) throws LinuxException {
        VipValue old = writtenVips.get(key);
        if (value.equals(old)) {
            return;
        }
        key.write(seg.vipKey);
        value.write(seg.vipValue);
        vipsMap.update(seg.vipKey, seg.vipValue, BpfMap.BPF_ANY);
        writtenVips.put(key, value);
        ringRefs[value.ringId]++;
        if (old != null) {
            unreference(old.ringId);
        }
    }

    private void unreference(int ring) {
        if (--ringRefs[ring] == 0) {
            ringLeftNs[ring] = System.nanoTime();
        }
    }

    private void writeConfig(byte[] config, Segments seg) throws LinuxException {
        if (Arrays.equals(config, writtenConfig)) {
            return;
        }
        seg.u32Key.set(JAVA_INT, 0, 0);
        MemorySegment.copy(config, 0, seg.config, JAVA_BYTE, 0, config.length);
        configMap.update(seg.u32Key, seg.config, BpfMap.BPF_ANY);
        writtenConfig = config;
    }

    /** struct dsrgw_config of {@code s}. */
    private byte[] config(ForwardingSnapshot s) {
        MemorySegment c = MemorySegment.ofArray(new byte[XdpContract.CONFIG_SIZE]);
        c.set(JAVA_LONG_UNALIGNED, XdpContract.CONFIG_HASH_K0, s.flowHash().k0());
        c.set(JAVA_LONG_UNALIGNED, XdpContract.CONFIG_HASH_K1, s.flowHash().k1());
        for (int i = 0; i < XdpContract.CLASSES; i++) {
            c.set(JAVA_LONG_UNALIGNED, XdpContract.CONFIG_TIMEOUT_NS + 8L * i, timeoutNs[i]);
        }
        c.set(JAVA_INT_UNALIGNED, XdpContract.CONFIG_RING_SIZE, tableSize);
        c.set(JAVA_INT_UNALIGNED, XdpContract.CONFIG_TUNNEL_MTU, s.tunnelMtuBytes());
        int flags = 0;
        if (s.hasTunnelSourceIpv6()) {
            XdpContract.putAddress(c, XdpContract.CONFIG_SRC_V6, s.tunnelSourceIpv6Hi(), s.tunnelSourceIpv6Lo());
            flags |= XdpContract.CFG_F_SRC_V6;
        }
        if (s.tunnelSourceIpv4() != 0) {
            c.set(XdpContract.BE_INT, XdpContract.CONFIG_SRC_V4, s.tunnelSourceIpv4());
            flags |= XdpContract.CFG_F_SRC_V4;
        }
        c.set(JAVA_BYTE, XdpContract.CONFIG_TTL, (byte) s.ttl());
        c.set(JAVA_BYTE, XdpContract.CONFIG_FLAGS, (byte) flags);
        return c.toArray(JAVA_BYTE);
    }

    /**
     * The stable backend ids of VIP {@code vip}'s Maglev slots ({@link #BACKEND_NONE} for an empty slot), read
     * through {@link ForwardingSnapshot#backendFor} - what the Java pipeline forwards with - at a hash that falls
     * into each slot: {@code h = ceil(i * 2^32 / M) << 32} gives {@code slotOf(h, M) == i} for every M below 2^32.
     */
    static void ringIds(ForwardingSnapshot s, int vip, int[] ids) {
        int m = s.tableSize();
        for (int i = 0; i < m; i++) {
            long hash = ((((long) i << 32) + m - 1) / m) << 32;
            int b = s.backendFor(vip, hash);
            ids[i] = b == ForwardingSnapshot.NONE ? BACKEND_NONE : s.backendId(b);
        }
    }

    // ------------------------------------------------------------------------------------------------ attach

    /**
     * Attaches the program to {@code interfaces} (BPF links: detached when this closes or the process dies) and
     * puts each into dsrgw_tx_ports (redirect targets between them), in this thread's network namespace. All or
     * nothing: when one fails, the ones attached by this call are detached again.
     *
     * @throws LinuxException XdpLink's message prefixed with the config key, e.g. {@code "ingress.xdp.interfaces:
     *                        bpf_link_create(dsrgw_xdp, eth0 native): EOPNOTSUPP (...): the driver of eth0 does not
     *                        support native XDP: use mode = generic"}
     */
    public synchronized void attach(List<String> interfaces, XdpMode mode) throws LinuxException {
        checkOpen();
        Objects.requireNonNull(mode, "mode");
        List<XdpLink> added = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_INT);
            try {
                for (String name : interfaces) {
                    XdpLink link;
                    try {
                        link = XdpLink.attach(program, name, mode);
                    } catch (LinuxException e) {
                        throw new LinuxException("ingress.xdp.interfaces: " + e.operation(), e.argument(),
                                e.errno(), e.detail());
                    }
                    added.add(link);
                    key.set(JAVA_INT, 0, link.ifindex());
                    value.set(JAVA_INT, 0, link.ifindex());
                    try {
                        txPortsMap.update(key, value, BpfMap.BPF_ANY);
                    } catch (LinuxException e) {
                        throw new LinuxException("ingress.xdp.interfaces: " + e.operation(), e.argument() + ", "
                                + name + " (ifindex " + link.ifindex() + ")", e.errno(), e.detail());
                    }
                    txPorts.put(link.ifindex(), name);
                }
            } catch (LinuxException | RuntimeException e) {
                for (XdpLink link : added) {
                    link.close();
                    if (txPorts.remove(link.ifindex()) != null) {
                        key.set(JAVA_INT, 0, link.ifindex());
                        try {
                            txPortsMap.delete(key);
                        } catch (LinuxException suppressed) {
                            e.addSuppressed(suppressed);
                        }
                    }
                }
                throw e;
            }
        }
        links.addAll(added);
    }

    /** The links of {@link #attach}, in attach order. */
    public synchronized List<XdpLink> links() {
        return List.copyOf(links);
    }

    // ------------------------------------------------------------------------------------------------ reads

    /** Current sums of the per-CPU counters (contract: enum dsrgw_counter), by their metric names. */
    public XdpCounters counters() throws LinuxException {
        Map<String, Long> values = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment perCpu = arena.allocate(countersMap.valueBufferSize(), 8);
            for (int i = 0; i < XdpContract.COUNTER_NAMES.size(); i++) {
                key.set(JAVA_INT, 0, i);
                long sum = countersMap.lookup(key, perCpu) ? countersMap.sumPerCpuLong(perCpu, 0) : 0;
                values.put(XdpContract.COUNTER_NAMES.get(i), sum);
            }
        }
        return new XdpCounters(values);
    }

    /** Buffers of {@link #counterSums}, made on first use (tests call it per packet). */
    private MemorySegment batchKeys;
    private MemorySegment batchValues;
    private MemorySegment batchScratch;

    /**
     * The counters as {@link #counters()} reads them, into {@code sums} in {@link XdpContract#COUNTER_NAMES} order,
     * with ONE {@code bpf_map_lookup_batch} instead of a lookup per counter and without allocating after the first
     * call: for tests that read the counters around every {@code BPF_PROG_TEST_RUN} (the XDP fuzz target). One
     * thread at a time.
     */
    synchronized void counterSums(long[] sums) throws LinuxException {
        int n = XdpContract.COUNTER_NAMES.size();
        if (batchKeys == null) {
            Arena arena = Arena.ofAuto();
            batchKeys = arena.allocate((long) n * countersMap.keySize(), 8);
            batchValues = arena.allocate(n * countersMap.valueBufferSize(), 8);
            batchScratch = arena.allocate(16, 8);
        }
        int read = countersMap.lookupBatch(batchKeys, batchValues, n, batchScratch);
        for (int i = 0; i < n; i++) {
            sums[i] = i < read ? countersMap.sumPerCpuLong(batchValues.asSlice(i * countersMap.valueBufferSize(),
                    countersMap.valueBufferSize()), 0) : 0;
        }
    }

    /**
     * Packets and inner bytes the program forwarded per stable backend id (contract: dsrgw_backend_stats, summed
     * over CPUs): {@code [2 * id]} packets, {@code [2 * id + 1]} bytes, for every id ever published (ids are never
     * reused, so a slot's counts all belong to its backend; a removed backend keeps its totals). Ids at or above the
     * map's size are not counted by the program and read 0. One syscall per id: off the hot path (a scrape,
     * {@code dsrctl status}), any thread.
     */
    public long[] backendStats() throws LinuxException {
        int n = Math.min(backendIdsSeen, backendStatsMap.maxEntries());
        long[] out = new long[2 * n];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment perCpu = arena.allocate(backendStatsMap.valueBufferSize(), 8);
            for (int id = 0; id < n; id++) {
                key.set(JAVA_INT, 0, id);
                if (backendStatsMap.lookup(key, perCpu)) {
                    out[2 * id] = backendStatsMap.sumPerCpuLong(perCpu, XdpContract.BACKEND_STATS_PACKETS);
                    out[2 * id + 1] = backendStatsMap.sumPerCpuLong(perCpu, XdpContract.BACKEND_STATS_BYTES);
                }
            }
        }
        return out;
    }

    /**
     * The stable backend id the shared BPF flow table pins {@code key} to (not expired at {@code nowNanos},
     * System.nanoTime() = CLOCK_MONOTONIC), or -1. For the slow path and explain; one syscall, no allocation.
     *
     * <p>Exactly the program's test: an entry exists for the canonical key ({@code FlowHash.canonicalBytes}
     * layout) and {@code nowNanos - last_seen_ns <= timeout[class]} (signed, as in C; an unknown class counts as
     * expired). It does not check the backend: whether the id still names a backend of the VIP that keeps its
     * flows is the snapshot's question ({@link #flowTable} asks it). Fragments and protocols other than TCP and UDP
     * never have entries (XDP passes them): -1. The lookup does not refresh the entry's LRU position.
     */
    public int pinnedBackendId(FlowKey key, long nowNanos) throws LinuxException {
        if (key.fragment() || key.protocol() != IpProtocol.TCP && key.protocol() != IpProtocol.UDP) {
            return -1;
        }
        FlowBuffers buffers = flowBuffers.get();
        MemorySegment k = buffers.key;
        XdpContract.putAddress(k, XdpContract.FLOW_KEY_SRC, key.sourceHi(), key.sourceLo());
        XdpContract.putAddress(k, XdpContract.FLOW_KEY_DST, key.destinationHi(), key.destinationLo());
        k.set(JAVA_BYTE, XdpContract.FLOW_KEY_FAMILY, (byte) key.family());
        k.set(JAVA_BYTE, XdpContract.FLOW_KEY_PROTOCOL, (byte) key.protocol());
        k.set(XdpContract.BE_SHORT, XdpContract.FLOW_KEY_SRC_PORT, (short) key.sourcePort());
        k.set(XdpContract.BE_SHORT, XdpContract.FLOW_KEY_DST_PORT, (short) key.destinationPort());
        MemorySegment v = buffers.value;
        if (!flowsMap.lookup(k, v)) {
            return -1;
        }
        long lastSeen = v.get(JAVA_LONG, XdpContract.FLOW_VALUE_LAST_SEEN_NS);
        int cls = v.get(JAVA_BYTE, XdpContract.FLOW_VALUE_TIMEOUT_CLASS) & 0xff;
        if (cls >= XdpContract.CLASSES || nowNanos - lastSeen > timeoutNs[cls]) {
            return -1;
        }
        return v.get(JAVA_INT, XdpContract.FLOW_VALUE_BACKEND_ID);
    }

    /**
     * The BPF flow table for {@code dsrctl explain} (BackendSelector), answered by syscall from any thread: PINNED
     * with table {@link #FLOW_TABLE_ID} when {@link #pinnedBackendId} (at {@code System.nanoTime()}) names a
     * backend of {@code s} that belongs to the VIP and keeps its flows (not down) - the program's rule - else the
     * Maglev choice. A stateless VIP is always Maglev. Never waits; a failing lookup is a FlowLookupException.
     */
    public FlowTableLookup flowTable() {
        return (s, vip, key, hash, timeoutNs) -> {
            if (!s.vipStateless(vip)) {
                int id;
                try {
                    id = pinnedBackendId(key, System.nanoTime());
                } catch (LinuxException | IllegalStateException e) {
                    throw new FlowTableLookup.FlowLookupException("flow table " + FLOW_TABLE_ID + " (xdp): "
                            + e.getMessage());
                }
                int b = id < 0 ? ForwardingSnapshot.NONE : s.backendIndexById(id);
                if (b != ForwardingSnapshot.NONE && s.backendVip(b) == vip && s.keepsExistingFlows(b)) {
                    return new BackendSelection(b, BackendSelection.Source.PINNED, FLOW_TABLE_ID,
                            ForwardingSnapshot.slotOf(hash, s.tableSize()), hash);
                }
            }
            return BackendSelection.maglev(s, vip, hash);
        };
    }

    /** Detaches every link, closes the maps and the program. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (XdpLink link : links) {
            link.close();
        }
        links.clear();
        rings.close();
        object.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("XDP data plane is closed");
        }
    }

    // ------------------------------------------------------------------------------------------------ values

    /** Native buffers of one publish. */
    private static final class Segments {
        final MemorySegment u32Key;
        final MemorySegment config;
        final MemorySegment vipKey;
        final MemorySegment vipValue;
        final MemorySegment backend;
        final MemorySegment srcKey;
        final MemorySegment srcValue;

        Segments(Arena arena) {
            u32Key = arena.allocate(4, 4);
            config = arena.allocate(XdpContract.CONFIG_SIZE, 8);
            vipKey = arena.allocate(XdpContract.VIP_KEY_SIZE, 8);
            vipValue = arena.allocate(XdpContract.VIP_VALUE_SIZE, 8);
            backend = arena.allocate(XdpContract.BACKEND_SIZE, 8);
            srcKey = arena.allocate(XdpContract.SRC_KEY_SIZE, 8);
            srcValue = arena.allocate(XdpContract.SRC_VALUE_SIZE, 4);
        }
    }

    /** One thread's flow-table lookup buffers, alive as long as the thread (freed by the GC with it). */
    private static final class FlowBuffers {
        final MemorySegment key = Arena.ofAuto().allocate(XdpContract.FLOW_KEY_SIZE, 8);
        final MemorySegment value = Arena.ofAuto().allocate(XdpContract.FLOW_VALUE_SIZE, 8);
    }

    /** struct dsrgw_vip_key: address (hi, lo as in FlowKey), port, protocol, family. */
    record VipKey(int family, long hi, long lo, int protocol, int port) {
        void write(MemorySegment seg) {
            XdpContract.putAddress(seg, XdpContract.VIP_KEY_ADDR, hi, lo);
            seg.set(XdpContract.BE_SHORT, XdpContract.VIP_KEY_PORT, (short) port);
            seg.set(JAVA_BYTE, XdpContract.VIP_KEY_PROTOCOL, (byte) protocol);
            seg.set(JAVA_BYTE, XdpContract.VIP_KEY_FAMILY, (byte) family);
        }
    }

    /** struct dsrgw_vip_value. */
    record VipValue(int vipId, int ringId, int flags) {
        void write(MemorySegment seg) {
            seg.set(JAVA_INT, XdpContract.VIP_VALUE_VIP_ID, vipId);
            seg.set(JAVA_INT, XdpContract.VIP_VALUE_RING_ID, ringId);
            seg.set(JAVA_INT, XdpContract.VIP_VALUE_FLAGS, flags);
            seg.set(JAVA_INT, XdpContract.VIP_VALUE_FLAGS + 4, 0);
        }
    }

    /** struct dsrgw_backend. */
    record BackendValue(long hi, long lo, int vipId, int greKey, int state, int kind, int family, int flags,
                        int guePort) {
        void write(MemorySegment seg) {
            XdpContract.putAddress(seg, XdpContract.BACKEND_ADDR, hi, lo);
            seg.set(JAVA_INT, XdpContract.BACKEND_VIP_ID, vipId);
            seg.set(JAVA_INT, XdpContract.BACKEND_GRE_KEY, greKey);
            seg.set(JAVA_BYTE, XdpContract.BACKEND_STATE, (byte) state);
            seg.set(JAVA_BYTE, XdpContract.BACKEND_TUNNEL_KIND, (byte) kind);
            seg.set(JAVA_BYTE, XdpContract.BACKEND_OUTER_FAMILY, (byte) family);
            seg.set(JAVA_BYTE, XdpContract.BACKEND_FLAGS, (byte) flags);
            seg.set(XdpContract.BE_SHORT, XdpContract.BACKEND_GUE_PORT, (short) guePort);
            seg.set(XdpContract.BE_SHORT, XdpContract.BACKEND_GUE_PORT + 2, (short) 0);
        }
    }
}
