package io.dsrgw.harness.bench.floods;

import static io.dsrgw.encap.NetworkOrder.setI32;
import static io.dsrgw.encap.NetworkOrder.setU16;
import static io.dsrgw.encap.NetworkOrder.setU8;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.harness.bench.forwarding.PacketGenerator;
import io.dsrgw.harness.bench.forwarding.UdpFrames;

/**
 * The hostile frames of the floods benchmark, Ethernet II + IPv4 with correct checksums, one {@link Kind} per
 * flood. Frame {@code i} of a kind is a pure function of (kind, addresses, i): its random parts (source address,
 * ports, sequence numbers) come from a {@link SplittableRandom} seeded with {@code i}, so a run is repeatable and
 * the frames differ from one another (every SYN is a new 5-tuple, i.e. a new flow-table entry).
 * <pre>
 *   SYN         TCP SYN to VIP:port from a random client of 198.18.0.0/15, random port       64 bytes
 *   NON_VIP     UDP to a non-VIP address (the benchmark: the gateway's own), random client  64 bytes
 *   ICMP        even i: echo request to the VIP; odd i: fragmentation-needed (MTU 1280)      70 bytes
 *               to the VIP from a router-like random source, quoting VIP:port -> client:port
 *   TOO_BIG     TCP ACK with DF to VIP:port, IPv4 total length 1500 (> the tunnel MTU minus    1514 bytes
 *               the tunnel header: the gateway answers with a rate-limited too-big)
 *   MARTIAN     TCP SYN to VIP:port from a source the policy drops: cycling through           64 bytes
 *               0.x, 127.x, 224.x, 240.x, 255.255.255.255, the VIP itself and the first backend
 * </pre>
 * Pure: writes into a caller's segment, no I/O.
 */
public final class FloodFrames implements PacketGenerator.Frames {
    /** The random clients' prefix: 198.18.0.0/15 (RFC 2544 benchmarking), an ordinary client for the policy. */
    public static final int CLIENT_PREFIX = 0xC6120000;
    public static final int CLIENT_PREFIX_HOSTS = 1 << 17;
    /** The MTU the fragmentation-needed messages of {@link Kind#ICMP} announce. */
    public static final int ICMP_ERROR_MTU = 1280;
    private static final int ETH = UdpFrames.ETHERNET_HEADER_BYTES;
    private static final int IP = ETH;
    private static final int L4 = IP + Ipv4Flyweight.MIN_HEADER_LENGTH;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int ICMP = 1;
    private static final int TTL = 64;

    /** One flood's frames. */
    public enum Kind {
        SYN(64), NON_VIP(64), ICMP(70), TOO_BIG(1514), MARTIAN(64);

        private final int frameBytes;

        Kind(int frameBytes) {
            this.frameBytes = frameBytes;
        }

        public int frameBytes() {
            return frameBytes;
        }
    }

    /**
     * @param kind           the flood
     * @param destinationMac the gateway's veth
     * @param sourceMac      the sending veth
     * @param vip            the VIP (IPv4, most significant byte first)
     * @param vipPort        the VIP's TCP port
     * @param nonVip         the non-VIP destination of {@link Kind#NON_VIP}
     * @param backend        a backend's address (a source {@link Kind#MARTIAN} uses)
     * @param count          distinct frames, 1..2^22
     */
    public record Spec(Kind kind, byte[] destinationMac, byte[] sourceMac, int vip, int vipPort, int nonVip,
                       int backend, int count) {
        public Spec {
            if (destinationMac.length != 6 || sourceMac.length != 6) {
                throw new IllegalArgumentException("MAC addresses of " + destinationMac.length + " and "
                        + sourceMac.length + " bytes (expected: 6)");
            }
            if (vipPort < 1 || vipPort > 65535) {
                throw new IllegalArgumentException("VIP port: " + vipPort + " (expected: 1..65535)");
            }
            if (count < 1 || count > 1 << 22) {
                throw new IllegalArgumentException("count: " + count + " (expected: 1.." + (1 << 22) + ")");
            }
            destinationMac = destinationMac.clone();
            sourceMac = sourceMac.clone();
        }
    }

    private final Spec spec;

    public FloodFrames(Spec spec) {
        this.spec = spec;
    }

    public Spec spec() {
        return spec;
    }

    @Override
    public int count() {
        return spec.count();
    }

    @Override
    public int frameBytes() {
        return spec.kind().frameBytes();
    }

    /** The random client address of frame {@code i} (in 198.18.0.0/15, never its network or broadcast address). */
    public static int clientAddress(SplittableRandom r) {
        return CLIENT_PREFIX + 1 + r.nextInt(CLIENT_PREFIX_HOSTS - 2);
    }

    /** The source of {@link Kind#MARTIAN} frame {@code i}: martians, the VIP and a backend in turn. */
    public static int martianSource(int i, int vip, int backend, SplittableRandom r) {
        return switch (i % 7) {
            case 0 -> r.nextInt(1 << 24); // 0.0.0.0/8
            case 1 -> 0x7F000000 | r.nextInt(1 << 24); // 127.0.0.0/8
            case 2 -> 0xE0000000 | r.nextInt(1 << 28); // 224.0.0.0/4
            case 3 -> 0xF0000000 | r.nextInt((1 << 28) - 1); // 240.0.0.0/4 without the broadcast
            case 4 -> 0xFFFFFFFF;
            case 5 -> vip;
            default -> backend;
        };
    }

    @Override
    public void write(MemorySegment seg, long offset, int i) {
        if (i < 0 || i >= spec.count()) {
            throw new IllegalArgumentException("frame " + i + " (expected: 0.." + (spec.count() - 1) + ")");
        }
        MemorySegment f = seg.asSlice(offset, frameBytes());
        f.fill((byte) 0);
        MemorySegment.copy(spec.destinationMac(), 0, f, ValueLayout.JAVA_BYTE, 0, 6);
        MemorySegment.copy(spec.sourceMac(), 0, f, ValueLayout.JAVA_BYTE, 6, 6);
        setU16(f, 12, UdpFrames.ETHERTYPE_IPV4);
        SplittableRandom r = new SplittableRandom(0x5EED_0000L + i);
        int clientPort = 1024 + r.nextInt(65536 - 1024);
        switch (spec.kind()) {
            case SYN -> tcp(f, clientAddress(r), spec.vip(), clientPort, r, 0x02, 40, i);
            case MARTIAN -> tcp(f, martianSource(i, spec.vip(), spec.backend(), r), spec.vip(), clientPort, r, 0x02,
                    40, i);
            case TOO_BIG -> tcp(f, clientAddress(r), spec.vip(), clientPort, r, 0x10, 1500, i);
            case NON_VIP -> {
                int src = clientAddress(r);
                int udpLength = 64 - L4;
                Ipv4Flyweight.writeHeader(f, IP, 0, 64 - ETH, i & 0xFFFF, Ipv4Flyweight.FLAG_DONT_FRAGMENT, TTL, UDP,
                        src, spec.nonVip());
                setU16(f, L4, clientPort);
                setU16(f, L4 + 2, 9); // discard: closed
                setU16(f, L4 + 4, udpLength);
                setU16(f, L4 + 6, InternetChecksum.udpIpv4(f, L4, udpLength, src, spec.nonVip()));
            }
            case ICMP -> {
                int total = frameBytes() - ETH;
                int icmpLength = total - Ipv4Flyweight.MIN_HEADER_LENGTH;
                int client = clientAddress(r);
                if (i % 2 == 0) {
                    // Echo request: identifier and sequence from the frame number.
                    Ipv4Flyweight.writeHeader(f, IP, 0, total, i & 0xFFFF, 0, TTL, ICMP, client, spec.vip());
                    setU8(f, L4, 8);
                    setU16(f, L4 + 4, (i >>> 16) & 0xFFFF);
                    setU16(f, L4 + 6, i & 0xFFFF);
                } else {
                    // Fragmentation needed from a router on the way to the client, quoting the VIP's segment.
                    int router = clientAddress(r);
                    Ipv4Flyweight.writeHeader(f, IP, 0, total, i & 0xFFFF, 0, TTL, ICMP, router, spec.vip());
                    setU8(f, L4, 3);
                    setU8(f, L4 + 1, 4);
                    setU16(f, L4 + 6, ICMP_ERROR_MTU);
                    int quoted = L4 + 8;
                    Ipv4Flyweight.writeHeader(f, quoted, 0, 1400, 0, Ipv4Flyweight.FLAG_DONT_FRAGMENT, TTL, TCP,
                            spec.vip(), client);
                    setU16(f, quoted + 20, spec.vipPort());
                    setU16(f, quoted + 22, clientPort);
                    setI32(f, quoted + 24, r.nextInt());
                }
                setU16(f, L4 + 2, InternetChecksum.icmpv4(f, L4, icmpLength));
            }
            default -> throw new IllegalStateException("kind " + spec.kind());
        }
    }

    /** A 20-byte TCP header with {@code flags} (no options) and zero payload up to {@code ipTotal}. */
    private void tcp(MemorySegment f, int src, int dst, int srcPort, SplittableRandom r, int flags, int ipTotal,
                     int i) {
        Ipv4Flyweight.writeHeader(f, IP, 0, ipTotal, i & 0xFFFF, Ipv4Flyweight.FLAG_DONT_FRAGMENT, TTL, TCP, src,
                dst);
        int tcpLength = ipTotal - Ipv4Flyweight.MIN_HEADER_LENGTH;
        setU16(f, L4, srcPort);
        setU16(f, L4 + 2, spec.vipPort());
        setI32(f, L4 + 4, r.nextInt());
        if ((flags & 0x10) != 0) {
            setI32(f, L4 + 8, r.nextInt());
        }
        setU8(f, L4 + 12, 5 << 4);
        setU8(f, L4 + 13, flags);
        setU16(f, L4 + 14, 64240);
        setU16(f, L4 + 16, InternetChecksum.tcpIpv4(f, L4, tcpLength, src, dst));
    }
}
