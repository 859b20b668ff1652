package io.dsrgw.agent.userspace;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.tunnel.DecapResult;
import io.dsrgw.encap.tunnel.IpipDecapsulator;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The per-packet decision for one received IP-in-IP packet (outer IPv4 header included, as an
 * {@code AF_INET/SOCK_RAW/IPPROTO_IPIP} socket delivers it):
 * <ol>
 * <li>outer source must be a configured gateway, checked first because the raw socket sees every
 *     protocol-4 packet to the host, from anyone ({@code drop_bad_source});</li>
 * <li>outer and inner headers strictly valid per {@link IpipDecapsulator} ({@code drop_malformed});</li>
 * <li>inner destination must be a configured VIP ({@code drop_not_vip});</li>
 * <li>the inner packet is written to the sink ({@code decap_packets}, or {@code tx_errors}).</li>
 * </ol>
 * Owned by one thread; allocates nothing per packet.
 */
public final class UserspaceDecapsulator {
    /** Offset of the source address in an IPv4 header (RFC 791 §3.1). */
    static final int IPV4_SOURCE_OFFSET = 12;
    /** Offset of the destination address in an IPv4 header (RFC 791 §3.1). */
    static final int IPV4_DESTINATION_OFFSET = 16;

    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Ipv4AddressSet gateways;
    private final Ipv4AddressSet vips;
    private final PacketSink sink;
    private final DecapCounters counters;
    private final IpipDecapsulator decapsulator = new IpipDecapsulator();
    private final DecapResult result = new DecapResult();

    public UserspaceDecapsulator(Ipv4AddressSet gateways, Ipv4AddressSet vips, PacketSink sink,
                                 DecapCounters counters) {
        this.gateways = gateways;
        this.vips = vips;
        this.sink = sink;
        this.counters = counters;
    }

    /**
     * Handles one received packet at {@code seg[offset, offset+length)}.
     *
     * @return the counter the packet ended up in
     */
    public DecapCounter onPacket(MemorySegment seg, long offset, int length) {
        counters.increment(DecapCounter.RX_PACKETS);
        if (length < Ipv4Flyweight.MIN_HEADER_LENGTH) {
            counters.malformed(PacketError.TRUNCATED);
            return DecapCounter.DROP_MALFORMED;
        }
        if (!gateways.contains(seg.get(INT_BE, offset + IPV4_SOURCE_OFFSET))) {
            counters.increment(DecapCounter.DROP_BAD_SOURCE);
            return DecapCounter.DROP_BAD_SOURCE;
        }
        PacketError error = decapsulator.decapsulate(seg, offset, length, result);
        if (error != PacketError.OK) {
            counters.malformed(error);
            return DecapCounter.DROP_MALFORMED;
        }
        if (!vips.contains(seg.get(INT_BE, result.innerOffset() + IPV4_DESTINATION_OFFSET))) {
            counters.increment(DecapCounter.DROP_NOT_VIP);
            return DecapCounter.DROP_NOT_VIP;
        }
        if (!sink.write(seg, result.innerOffset(), result.innerLength())) {
            counters.increment(DecapCounter.TX_ERRORS);
            return DecapCounter.TX_ERRORS;
        }
        counters.increment(DecapCounter.DECAP_PACKETS);
        return DecapCounter.DECAP_PACKETS;
    }

    /** The counters this decapsulator updates. */
    public DecapCounters counters() {
        return counters;
    }

    /** The sink inner packets are written to. */
    public PacketSink sink() {
        return sink;
    }
}
