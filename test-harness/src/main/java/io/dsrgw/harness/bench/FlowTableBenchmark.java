package io.dsrgw.harness.bench;

import io.dsrgw.conf.BackendState;
import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.dataplane.BackendIds;
import io.dsrgw.gateway.dataplane.FlowSteering;
import io.dsrgw.gateway.dataplane.FlowTable;
import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The worker flow table ({@link FlowTable}): ns per operation and bytes per flow.
 * <ul>
 *   <li>{@code hit}: find + touch of a flow in the table (the per-packet cost of an established flow);</li>
 *   <li>{@code miss}: find of a flow not in the table;</li>
 *   <li>{@code synFlood}: find-miss + insert into a full table (every insert evicts);</li>
 *   <li>{@code steer}: {@link FlowSteering#backendFor} of a flow in the table, with the snapshot checks.</li>
 * </ul>
 * Flow hashes are precomputed (SipHash is measured in {@code PipelineBenchmark}). {@code flows} flows live in a
 * table of {@code capacity} slots, accessed in random order, so with 2^20 slots (64 MiB) lookups miss the CPU
 * caches like a real table of a million flows does; 2^16 slots (4 MiB) mostly fit in L2/L3. Memory per flow: {@link FlowTable#BYTES_PER_ENTRY} by
 * construction; the setup also measures the heap growth of one table and prints it.
 *
 * <p>Run like {@link PipelineBenchmark}: {@code org.openjdk.jmh.Main FlowTableBenchmark -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class FlowTableBenchmark {
    private static final int RING = 1 << 16;

    @Param({"1048576", "65536"})
    int capacity;

    /** Flows in the table; 0 = half the capacity (50% load). */
    @Param({"0"})
    int flows;

    private FlowTable table;
    private FlowSteering steering;
    private ForwardingSnapshot snapshot;
    private FlowKey[] keys;
    private long[] hashes;
    private FlowKey[] strangers;
    private long[] strangerHashes;
    private int next;
    private long now;
    private int floodSource;
    private final FlowKey flood = new FlowKey();
    private FlowHash flowHash;

    @Setup(Level.Trial)
    public void setUp() {
        if (flows == 0) {
            flows = capacity / 2;
        }
        long before = usedHeap();
        table = new FlowTable(capacity, FlowTimeouts.DEFAULT);
        long after = usedHeap();
        System.out.printf("%nflow table: %d slots, %d bytes per entry by layout, %.1f bytes per entry measured "
                + "(heap growth %d bytes)%n", table.capacity(), FlowTable.BYTES_PER_ENTRY,
                (after - before) / (double) table.capacity(), after - before);
        List<ForwardingSnapshot.Ipv4Backend> backends = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            backends.add(new ForwardingSnapshot.Ipv4Backend(Ipv4Addresses.parse("10.0.3." + (10 + i)), 100,
                    BackendState.ACTIVE));
        }
        snapshot = ForwardingSnapshot.builder("bench", 65537, Ipv4Addresses.parse("10.0.2.2"), 64, 1500)
                .generation(1).backendIds(new BackendIds())
                .addVip("web", Ipv4Addresses.parse("10.100.0.1"), IpProtocol.TCP, new int[] {80}, backends).build();
        flowHash = snapshot.flowHash();
        steering = new FlowSteering(table);
        SplittableRandom random = new SplittableRandom(42);
        FlowKey[] all = new FlowKey[flows];
        for (int i = 0; i < flows; i++) {
            all[i] = new FlowKey().setIpv4(random.nextInt(), Ipv4Addresses.parse("10.100.0.1"), IpProtocol.TCP,
                    1024 + random.nextInt(60000), 80, false);
            long h = flowHash.hash(all[i]);
            if (table.find(all[i], h, 0) == FlowTable.MISS) {
                int b = snapshot.backendFor(0, h);
                table.insert(all[i], h, snapshot.backendId(b), 1, FlowTable.CLASS_TCP_ESTABLISHED, 0);
            }
        }
        keys = new FlowKey[RING];
        hashes = new long[RING];
        strangers = new FlowKey[RING];
        strangerHashes = new long[RING];
        for (int i = 0; i < RING; i++) {
            keys[i] = all[random.nextInt(flows)];
            hashes[i] = flowHash.hash(keys[i]);
            strangers[i] = new FlowKey().setIpv4(random.nextInt(), Ipv4Addresses.parse("10.100.0.2"),
                    IpProtocol.UDP, 1 + random.nextInt(60000), 53, false);
            strangerHashes[i] = flowHash.hash(strangers[i]);
        }
        now = 1_000_000_000L;
        System.out.printf("entries %d, evictions while filling %d%n", table.get(FlowTable.Counter.ENTRIES),
                table.get(FlowTable.Counter.EVICTIONS));
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Benchmark
    public int hit() {
        int i = next++ & (RING - 1);
        int slot = table.find(keys[i], hashes[i], now);
        if (slot != FlowTable.MISS) {
            table.touch(slot, now, FlowTable.CLASS_TCP_ESTABLISHED);
        }
        return slot;
    }

    @Benchmark
    public int miss() {
        int i = next++ & (RING - 1);
        return table.find(strangers[i], strangerHashes[i], now);
    }

    @Benchmark
    public int steer() {
        int i = next++ & (RING - 1);
        return steering.backendFor(snapshot, 0, keys[i], hashes[i], FlowSteering.TCP_ACK, now);
    }

    /** A SYN flood of new flows against a table holding {@code flows}: each insert finds a slot or evicts. */
    @Benchmark
    public int synFlood() {
        flood.setIpv4(floodSource++, 0x0a640001, IpProtocol.TCP, 4000, 80, false);
        long h = floodSource * 0x9e3779b97f4a7c15L;
        if (table.find(flood, h, now) == FlowTable.MISS) {
            return table.insert(flood, h, 1, 1, FlowTable.CLASS_TCP_SYN, now);
        }
        return 0;
    }
}
