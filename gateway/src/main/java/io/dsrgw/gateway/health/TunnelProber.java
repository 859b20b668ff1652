package io.dsrgw.gateway.health;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.tunnel.TunnelEncapsulator;
import io.dsrgw.encap.tunnel.TunnelSpec;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.Poll;
import io.dsrgw.linux.RawSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The {@code tunnel} health check: proves decapsulation, the VIP on the backend's {@code lo} and the backend's
 * return route at once. For backend B of VIP V it sends, through B's own tunnel (the same {@link TunnelSpec} and
 * {@link TunnelEncapsulator} as the data path), an inner ICMP echo request from the gateway's tunnel-source S to
 * V; the backend decapsulates it, answers from V, and the reply travels straight back to S (not encapsulated),
 * where a raw ICMP socket sees it.
 * <pre>
 *   outer (B's kind: ipip / gre / ip6tnl...)  S -> B
 *     inner IPv4  S -> V, protocol 1, TTL 64, DF
 *       ICMP echo request: type 8, code 0, identifier = 0xD5xx (xx: low byte of the gateway's pid),
 *                          sequence = probe number, payload "dsrgw-hc" (8 bytes)
 *   reply: IPv4 V -> S, ICMP echo reply (type 0) with the same identifier and sequence
 * </pre>
 * An IPv6 VIP gets the same probe in ICMPv6, from the gateway's IPv6 tunnel source S6 (tunnel-source.ipv6,
 * whatever the backend's family: sit for an IPv4 backend, ip6tnl / ip6gre for an IPv6 one):
 * <pre>
 *   inner IPv6  S6 -> V, traffic class 0, flow label 0, next header 58, hop limit 64
 *       ICMPv6 echo request: type 128, code 0, identifier 0xD5xx, sequence, payload "dsrgw-hc"
 *   reply: IPv6 V -> S6, ICMPv6 echo reply (type 129) with the same identifier, sequence and payload
 * </pre>
 * A raw ICMPv6 socket delivers no IPv6 header and {@link RawSocket#receive} no source address, so the reply's
 * addresses are checked through its checksum: the kernel has verified it against the real addresses, and it
 * verifies again only against a pseudo-header V -> S6 with the same one's-complement sum.
 *
 * <p>Threading: {@link #probe} is called on health-check event loops (synchronized: one shared send buffer); one
 * daemon thread polls the receive socket. Control traffic only: a few packets per backend and interval.
 */
public final class TunnelProber implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunnelProber.class);
    /** Room in front of the inner packet for any outer header (ip6gre with key and checksum: 52 bytes). */
    private static final int HEADROOM = 64;
    /** {@link #probe} result while no snapshot exists yet. */
    public static final int NOT_READY = -2;
    private static final int INNER_LENGTH = 20 + 8 + 8;
    private static final int INNER6_LENGTH = 40 + 8 + 8;
    private static final byte[] PAYLOAD = "dsrgw-hc".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final MemorySegment PAYLOAD_SEGMENT = MemorySegment.ofArray(PAYLOAD);

    private final java.util.function.Supplier<ForwardingSnapshot> snapshots;
    private final int identifier;
    private final RawSocket receive;
    /** Raw ICMPv6 socket; null when IPv6 is unavailable here (IPv6 probes then fail with {@link #noIcmpv6}). */
    private final RawSocket receive6;
    private final String noIcmpv6;
    private final RawSocket send4;
    private RawSocket send6;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment tx;
    private final MemorySegment rx;
    private final TunnelEncapsulator encapsulator = new TunnelEncapsulator();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final Thread receiver;
    private volatile boolean closed;
    private int sequence;

    /** An IPv4 probe has vip/source; an IPv6 one (family 6) the four halves of its VIP and source. */
    private record Pending(int family, int vip, int source, long vipHi, long vipLo, long sourceHi, long sourceLo,
                           BiConsumer<ProbeResult, String> done) {
    }

    /**
     * Opens the raw sockets (root or CAP_NET_RAW) and starts the receiver.
     *
     * @param snapshots the live snapshot (null until the control plane has one): each probe takes the backend's
     *                  tunnel, the VIP and the tunnel source from it
     */
    public TunnelProber(java.util.function.Supplier<ForwardingSnapshot> snapshots) throws LinuxException {
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.identifier = 0xD500 | (int) (ProcessHandle.current().pid() & 0xff);
        this.receive = RawSocket.ipv4Protocol(IpProtocol.ICMP);
        try {
            receive.nonBlocking(true);
            this.send4 = RawSocket.ipv4Raw();
        } catch (LinuxException e) {
            receive.close();
            throw e;
        }
        RawSocket r6 = null;
        String why = null;
        try {
            r6 = RawSocket.ipv6Protocol(IpProtocol.ICMPV6);
            r6.nonBlocking(true);
        } catch (LinuxException e) {
            if (r6 != null) {
                r6.close();
                r6 = null;
            }
            why = "no raw ICMPv6 socket: " + e.getMessage();
            LOG.info("tunnel checks of IPv6 VIPs unavailable: {}", why);
        }
        this.receive6 = r6;
        this.noIcmpv6 = why;
        this.tx = arena.allocate(HEADROOM + INNER6_LENGTH, 8);
        this.rx = arena.allocate(65536, 8);
        this.receiver = new Thread(this::receiveLoop, "dsrgw-tunnel-probe");
        receiver.setDaemon(true);
        receiver.start();
    }

    /** The ICMP identifier of this gateway's probes. */
    public int identifier() {
        return identifier;
    }

    /**
     * Sends one probe for {@code key}; {@code done} is called once with SUCCESS when the reply arrives (on the
     * receiver thread), or at once with FAILURE when it cannot be sent. The caller's timeout covers a lost reply
     * and must call {@link #cancel} with the returned sequence (-1 when nothing is pending). Returns
     * {@link #NOT_READY}, without calling {@code done}, while there is no snapshot yet (startup): skip that round.
     */
    public synchronized int probe(BackendKey key, BiConsumer<ProbeResult, String> done) {
        ForwardingSnapshot s = snapshots.get();
        if (s == null) {
            return NOT_READY;
        }
        int backend = ForwardingSnapshot.NONE;
        for (int b = 0; b < s.backendCount(); b++) {
            if (s.backendIdentity(b).equals(key.identity()) && s.vipName(s.backendVip(b)).equals(key.vip())) {
                backend = b;
                break;
            }
        }
        if (backend == ForwardingSnapshot.NONE) {
            done.accept(ProbeResult.FAILURE, "not in the forwarding snapshot");
            return -1;
        }
        int vip = s.backendVip(backend);
        int seq = sequence = (sequence + 1) & 0xffff;
        TunnelSpec spec = s.tunnel(backend);
        int innerLength;
        Pending p;
        if (s.vipFamily(vip) == 4) {
            if (s.tunnelSourceIpv4() == 0) {
                done.accept(ProbeResult.FAILURE, "tunnel check of an IPv4 VIP needs tunnel-source.ipv4");
                return -1;
            }
            int src = s.tunnelSourceIpv4();
            int dst = s.vipIpv4(vip);
            writeEchoRequest(tx, HEADROOM, src, dst, identifier, seq);
            innerLength = INNER_LENGTH;
            p = new Pending(4, dst, src, 0, 0, 0, 0, done);
        } else {
            if (!s.hasTunnelSourceIpv6()) {
                done.accept(ProbeResult.FAILURE, "tunnel check of an IPv6 VIP needs tunnel-source.ipv6");
                return -1;
            }
            if (receive6 == null) {
                done.accept(ProbeResult.FAILURE, noIcmpv6);
                return -1;
            }
            long srcHi = s.tunnelSourceIpv6Hi();
            long srcLo = s.tunnelSourceIpv6Lo();
            long dstHi = s.vipIpv6Hi(vip);
            long dstLo = s.vipIpv6Lo(vip);
            writeEchoRequest6(tx, HEADROOM, srcHi, srcLo, dstHi, dstLo, identifier, seq);
            innerLength = INNER6_LENGTH;
            p = new Pending(6, 0, 0, dstHi, dstLo, srcHi, srcLo, done);
        }
        // One flow label (0 becomes 1) for every probe: an ECMP underlay keeps them on one path.
        long outer = encapsulator.encapsulate(tx, HEADROOM, innerLength, p.family, spec, seq, 0);
        if (outer < 0) {
            done.accept(ProbeResult.FAILURE, "cannot encapsulate an IPv" + p.family + " probe in " + spec.kind());
            return -1;
        }
        int length = (int) (HEADROOM + innerLength - outer);
        pending.put(seq, p);
        try {
            if (spec.outerFamily() == 4) {
                send4.sendIpv4(tx, outer, length, spec.ipv4Destination());
            } else {
                if (send6 == null) {
                    send6 = RawSocket.ipv6Raw();
                }
                send6.sendIpv6(tx, outer, length, spec.destinationHi(), spec.destinationLo());
            }
        } catch (LinuxException e) {
            pending.remove(seq);
            done.accept(ProbeResult.FAILURE, "send: " + e.getMessage());
            return -1;
        }
        return seq;
    }

    /** Forgets a probe whose reply did not come in time. */
    public void cancel(int seq) {
        if (seq >= 0) {
            pending.remove(seq);
        }
    }

    /**
     * Writes the inner IPv4 + ICMP echo request (36 bytes) at {@code off}. Package-private for tests.
     */
    static void writeEchoRequest(MemorySegment seg, long off, int src, int dst, int identifier, int seq) {
        seg.set(ValueLayout.JAVA_BYTE, off, (byte) 0x45);
        seg.set(ValueLayout.JAVA_BYTE, off + 1, (byte) 0);
        seg.set(SHORT, off + 2, (short) INNER_LENGTH);
        seg.set(SHORT, off + 4, (short) seq);
        seg.set(SHORT, off + 6, (short) 0x4000); // DF: the probe is small, and must not be fragmented
        seg.set(ValueLayout.JAVA_BYTE, off + 8, (byte) 64);
        seg.set(ValueLayout.JAVA_BYTE, off + 9, (byte) IpProtocol.ICMP);
        seg.set(SHORT, off + 10, (short) 0);
        seg.set(INT, off + 12, src);
        seg.set(INT, off + 16, dst);
        seg.set(SHORT, off + 10, (short) InternetChecksum.ipv4Header(seg, off, 20));
        long icmp = off + 20;
        seg.set(ValueLayout.JAVA_BYTE, icmp, (byte) 8);
        seg.set(ValueLayout.JAVA_BYTE, icmp + 1, (byte) 0);
        seg.set(SHORT, icmp + 2, (short) 0);
        seg.set(SHORT, icmp + 4, (short) identifier);
        seg.set(SHORT, icmp + 6, (short) seq);
        MemorySegment.copy(MemorySegment.ofArray(PAYLOAD), 0, seg, icmp + 8, PAYLOAD.length);
        seg.set(SHORT, icmp + 2, (short) InternetChecksum.compute(seg, icmp, 8 + PAYLOAD.length));
    }

    /**
     * Writes the inner IPv6 + ICMPv6 echo request (56 bytes) at {@code off}. Package-private for tests.
     */
    static void writeEchoRequest6(MemorySegment seg, long off, long srcHi, long srcLo, long dstHi, long dstLo,
                                  int identifier, int seq) {
        seg.set(INT, off, 0x6000_0000); // version 6, traffic class 0, flow label 0
        seg.set(SHORT, off + 4, (short) (8 + PAYLOAD.length));
        seg.set(ValueLayout.JAVA_BYTE, off + 6, (byte) IpProtocol.ICMPV6);
        seg.set(ValueLayout.JAVA_BYTE, off + 7, (byte) 64);
        seg.set(LONG, off + 8, srcHi);
        seg.set(LONG, off + 16, srcLo);
        seg.set(LONG, off + 24, dstHi);
        seg.set(LONG, off + 32, dstLo);
        long icmp = off + 40;
        seg.set(ValueLayout.JAVA_BYTE, icmp, (byte) 128);
        seg.set(ValueLayout.JAVA_BYTE, icmp + 1, (byte) 0);
        seg.set(SHORT, icmp + 2, (short) 0);
        seg.set(SHORT, icmp + 4, (short) identifier);
        seg.set(SHORT, icmp + 6, (short) seq);
        MemorySegment.copy(MemorySegment.ofArray(PAYLOAD), 0, seg, icmp + 8, PAYLOAD.length);
        seg.set(SHORT, icmp + 2, (short) InternetChecksum.icmpv6(seg, icmp, 8 + PAYLOAD.length, srcHi, srcLo,
                dstHi, dstLo));
    }

    private void receiveLoop() {
        int[] fds = receive6 == null ? new int[] {receive.fd()} : new int[] {receive.fd(), receive6.fd()};
        while (!closed) {
            try {
                if (Poll.pollIn(fds, 200) == 0) {
                    continue;
                }
                int n;
                while (!closed && (n = receive.receive(rx, 0, (int) rx.byteSize())) > 0) {
                    onPacket(n);
                }
                while (receive6 != null && !closed && (n = receive6.receive(rx, 0, (int) rx.byteSize())) > 0) {
                    onPacket6(n);
                }
            } catch (LinuxException e) {
                if (!closed) {
                    LOG.warn("tunnel probe receive: {}", e.getMessage());
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }
    }

    /** An echo reply V -> S with our identifier and a pending sequence completes that probe. */
    private void onPacket(int n) {
        if (n < 28 || (rx.get(ValueLayout.JAVA_BYTE, 0) & 0xf0) != 0x40) {
            return;
        }
        int ihl = (rx.get(ValueLayout.JAVA_BYTE, 0) & 0x0f) * 4;
        if (n < ihl + 8 || rx.get(ValueLayout.JAVA_BYTE, ihl) != 0) { // type 0: echo reply
            return;
        }
        if ((rx.get(SHORT, ihl + 4) & 0xffff) != identifier) {
            return;
        }
        int seq = rx.get(SHORT, ihl + 6) & 0xffff;
        Pending p = pending.get(seq);
        if (p == null || p.family != 4 || rx.get(INT, 12) != p.vip || rx.get(INT, 16) != p.source) {
            return;
        }
        if (pending.remove(seq, p)) {
            p.done.accept(ProbeResult.SUCCESS, "echo reply from the VIP");
        }
    }

    /**
     * An ICMPv6 echo reply (the socket gives no IPv6 header) with our identifier, a pending IPv6 sequence, our
     * payload, and a checksum that verifies over the pseudo-header VIP -> S6 completes that probe.
     */
    private void onPacket6(int n) {
        if (n != 8 + PAYLOAD.length || (rx.get(ValueLayout.JAVA_BYTE, 0) & 0xff) != 129
                || (rx.get(SHORT, 4) & 0xffff) != identifier) {
            return;
        }
        int seq = rx.get(SHORT, 6) & 0xffff;
        Pending p = pending.get(seq);
        if (p == null || p.family != 6
                || MemorySegment.mismatch(rx, 8, 8 + PAYLOAD.length, PAYLOAD_SEGMENT, 0, PAYLOAD.length) != -1
                || InternetChecksum.icmpv6(rx, 0, n, p.vipHi, p.vipLo, p.sourceHi, p.sourceLo) != 0) {
            return;
        }
        if (pending.remove(seq, p)) {
            p.done.accept(ProbeResult.SUCCESS, "echo reply from the VIP");
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            receiver.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        receive.close();
        if (receive6 != null) {
            receive6.close();
        }
        synchronized (this) {
            send4.close();
            if (send6 != null) {
                send6.close();
            }
        }
        if (!receiver.isAlive()) {
            arena.close();
        }
    }
}
