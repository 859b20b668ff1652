package io.dsrgw.harness.bench;

import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.PacketPipeline;
import io.dsrgw.gateway.dataplane.TxSink;
import io.dsrgw.gateway.metrics.WorkerCounters;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The per-packet pipeline of the gateway (parse IPv4 + TCP, classify by VIP, flow key, keyed SipHash, Maglev
 * lookup, MTU check, IP-in-IP encapsulation into the headroom) into a sink that only sums what it is given, over a
 * ring of pre-built 64-byte TCP packets of {@code flows} different flows (random client addresses and ports, each
 * packet in its own native slot behind 128 bytes of headroom, as a worker holds them). Goal: <= 100 ns and 0 B/op.
 *
 * <p>Run from the repository root. javac on JDK 23+ runs annotation processors only when asked ({@code -proc:full}),
 * so compile the benchmarks directly; the JMH processor generates {@code META-INF/BenchmarkList}:
 * <pre>
 * mvn -o -q -pl gateway install -DskipTests
 * mvn -o -q -pl test-harness dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt
 * javac -proc:full -d /tmp/bench -cp $(cat /tmp/cp.txt) test-harness/src/main/java/io/dsrgw/harness/bench/*.java
 * java --enable-native-access=ALL-UNNAMED -cp /tmp/bench:$(cat /tmp/cp.txt) \
 *     org.openjdk.jmh.Main PipelineBenchmark -prof gc
 * </pre>
 * Add {@code -p flows=64} for a cache-resident ring, {@code -f 1 -wi 3 -i 5} for a quick look. Read
 * {@code gc.alloc.rate.norm} for bytes per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 3, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class PipelineBenchmark {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int PACKET_BYTES = 64;
    private static final int SLOT_BYTES = PacketPipeline.HEADROOM_BYTES + PACKET_BYTES;

    /** Distinct flows in the ring (a power of two); 65536 slots x 192 B = 12 MB, beyond the L2 cache. */
    @Param({"4096", "65536"})
    public int flows;

    private Arena arena;
    private MemorySegment[] slots;
    private int mask;
    private int next;
    private PacketPipeline pipeline;
    private CountingSink sink;

    /** The no-op sink: consumes the packet's coordinates so the JIT cannot drop the work. */
    static final class CountingSink implements TxSink {
        long sum;

        @Override
        public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
            sum += offset + length + destinationIpv4;
            return true;
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        List<ForwardingSnapshot.Ipv4Backend> backends = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            backends.add(new ForwardingSnapshot.Ipv4Backend(Ipv4Addresses.parse("10.0.3." + (10 + i)), 100, true));
        }
        ForwardingSnapshot.Builder builder = ForwardingSnapshot.builder("bench-seed", 65537,
                Ipv4Addresses.parse("10.0.2.2"), 64, 1500);
        builder.addVip("web", Ipv4Addresses.parse("10.100.0.1"), IpProtocol.TCP, new int[] {80, 443}, backends);
        for (int v = 2; v <= 8; v++) {
            builder.addVip("other" + v, Ipv4Addresses.parse("10.100.0." + v), IpProtocol.UDP, new int[] {53},
                    backends.subList(0, 3));
        }
        pipeline = new PacketPipeline(builder.build(), new WorkerCounters());
        sink = new CountingSink();
        arena = Arena.ofShared();
        slots = new MemorySegment[flows];
        mask = flows - 1;
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < flows; i++) {
            MemorySegment slot = arena.allocate(SLOT_BYTES, 64);
            writeTcpSyn(slot, PacketPipeline.HEADROOM_BYTES, 0x0a000000 | random.nextInt(1 << 24),
                    Ipv4Addresses.parse("10.100.0.1"), 1024 + random.nextInt(64000), (i & 1) == 0 ? 80 : 443);
            slots[i] = slot;
        }
        // Every packet must take the full path (encapsulated), or we would be timing a drop.
        for (int i = 0; i < flows; i++) {
            if (pipeline.process(slots[i], PacketPipeline.HEADROOM_BYTES, PACKET_BYTES, sink)
                    != io.dsrgw.gateway.metrics.CounterSet.TX_PACKETS) {
                throw new IllegalStateException("packet " + i + " was not forwarded");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** One packet through the whole pipeline. */
    @Benchmark
    public long forwardOnePacket() {
        MemorySegment slot = slots[next++ & mask];
        pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, PACKET_BYTES, sink);
        return sink.sum;
    }

    /** IPv4 header (DF, TTL 63, valid checksum) + TCP SYN header + 4 bytes of padding: 64 bytes. */
    private static void writeTcpSyn(MemorySegment seg, long off, int src, int dst, int srcPort, int dstPort) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) 0x45);
        seg.set(U16, off + 2, (short) PACKET_BYTES);
        seg.set(U16, off + 4, (short) 1);
        seg.set(U16, off + 6, (short) 0x4000);
        seg.set(ValueLayout.JAVA_BYTE, off + 8, (byte) 63);
        seg.set(ValueLayout.JAVA_BYTE, off + 9, (byte) IpProtocol.TCP);
        seg.set(U32, off + 12, src);
        seg.set(U32, off + 16, dst);
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += seg.get(U16, off + i) & 0xffff;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        seg.set(U16, off + 10, (short) ~sum);
        long tcp = off + 20;
        seg.set(U16, tcp, (short) srcPort);
        seg.set(U16, tcp + 2, (short) dstPort);
        seg.set(U32, tcp + 4, 1000);
        seg.set(ValueLayout.JAVA_BYTE, tcp + 12, (byte) 0x50);
        seg.set(ValueLayout.JAVA_BYTE, tcp + 13, (byte) 0x02);
        seg.set(U16, tcp + 14, (short) 65535);
    }
}
