package io.dsrgw.harness.bench;

import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Addresses;
import io.dsrgw.encap.ip.Ipv6Addresses;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.dataplane.PacketPipeline;
import io.dsrgw.gateway.dataplane.TxSink;
import io.dsrgw.gateway.dataplane.WorkerCounters;
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
 * The per-packet pipeline of the gateway (parse IPv4 or IPv6 + TCP, classify by VIP, flow key, keyed SipHash,
 * Maglev lookup, MTU check, IPIP or keyed IP6GRE encapsulation into the headroom; see {@link #path}) into a sink
 * that only sums what it is given, over a
 * ring of pre-built 64-byte TCP packets of {@code flows} different flows (random client addresses and ports, each
 * packet in its own native slot behind 128 bytes of headroom, as a worker holds them). Goal: <= 100 ns and 0 B/op.
 *
 * <p>Run from the repository root with {@code scripts/bench PipelineBenchmark} (builds, runs JMH with
 * {@code -prof gc}, prints median and spread per case). test-harness compiles with {@code -proc:full}, so the JMH
 * annotation processor generates {@code META-INF/BenchmarkList} on JDK 25.
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
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int PACKET_BYTES = 64;
    private static final long VIP6_HI = 0xfd00010000000000L;
    private static final long VIP6_LO = 1L;
    private static final int SLOT_BYTES = PacketPipeline.HEADROOM_BYTES + PACKET_BYTES;

    /** Distinct flows in the ring (a power of two); 65536 slots x 192 B = 12 MB, beyond the L2 cache. */
    @Param({"4096", "65536"})
    public int flows;

    /**
     * {@code ipv4-ipip}: IPv4 TCP to an IPv4 VIP, IPIP to IPv4 backends (the issue-2 path);
     * {@code ipv6-ip6gre}: IPv6 TCP to an IPv6 VIP, keyed IP6GRE to IPv6 backends (IPv6 walk, 152-bit VIP key,
     * IPv6 outer with flow label, GRE key).
     */
    @Param({"ipv4-ipip", "ipv6-ip6gre"})
    public String path;

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

        @Override
        public boolean sendIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo) {
            sum += offset + length + destinationLo;
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
        builder.tunnelSourceIpv6(0xfd00000200000000L, 2L);
        List<ForwardingSnapshot.Backend> backends6 = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            backends6.add(new ForwardingSnapshot.Backend(Ipv6Addresses.toInetAddress(0xfd00000300000000L, 0x11 + i),
                    100, true, TunnelKind.IP6GRE));
        }
        builder.addVip("web6", Ipv6Addresses.toInetAddress(VIP6_HI, VIP6_LO), IpProtocol.TCP, new int[] {80, 443},
                42L, false, backends6);
        boolean ipv6 = path.equals("ipv6-ip6gre");
        pipeline = new PacketPipeline(builder.build(), new WorkerCounters());
        sink = new CountingSink();
        arena = Arena.ofShared();
        slots = new MemorySegment[flows];
        mask = flows - 1;
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < flows; i++) {
            MemorySegment slot = arena.allocate(SLOT_BYTES, 64);
            if (ipv6) {
                writeTcpSyn6(slot, PacketPipeline.HEADROOM_BYTES, random.nextLong(),
                        1024 + random.nextInt(64000), (i & 1) == 0 ? 80 : 443);
            } else {
                writeTcpSyn(slot, PacketPipeline.HEADROOM_BYTES, 0x0a000000 | random.nextInt(1 << 24),
                        Ipv4Addresses.parse("10.100.0.1"), 1024 + random.nextInt(64000), (i & 1) == 0 ? 80 : 443);
            }
            slots[i] = slot;
        }
        // Every packet must take the full path (encapsulated), or we would be timing a drop.
        for (int i = 0; i < flows; i++) {
            if (pipeline.process(slots[i], PacketPipeline.HEADROOM_BYTES, PACKET_BYTES, sink)
                    != io.dsrgw.gateway.dataplane.CounterSet.TX_PACKETS) {
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

    /** IPv6 header (fd00:1::/64 client, hop limit 63) + TCP SYN header + 4 bytes of padding: 64 bytes. */
    private static void writeTcpSyn6(MemorySegment seg, long off, long clientLo, int srcPort, int dstPort) {
        seg.set(U32, off, 0x60000000);
        seg.set(U16, off + 4, (short) (PACKET_BYTES - 40));
        seg.set(ValueLayout.JAVA_BYTE, off + 6, (byte) IpProtocol.TCP);
        seg.set(ValueLayout.JAVA_BYTE, off + 7, (byte) 63);
        seg.set(U64, off + 8, 0xfd00000100000000L);
        seg.set(U64, off + 16, clientLo);
        seg.set(U64, off + 24, VIP6_HI);
        seg.set(U64, off + 32, VIP6_LO);
        long tcp = off + 40;
        seg.set(U16, tcp, (short) srcPort);
        seg.set(U16, tcp + 2, (short) dstPort);
        seg.set(U32, tcp + 4, 1000);
        seg.set(ValueLayout.JAVA_BYTE, tcp + 12, (byte) 0x50);
        seg.set(ValueLayout.JAVA_BYTE, tcp + 13, (byte) 0x02);
        seg.set(U16, tcp + 14, (short) 65535);
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
