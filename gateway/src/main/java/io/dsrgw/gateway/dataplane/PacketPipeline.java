package io.dsrgw.gateway.dataplane;

import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.flow.FlowKeyExtractor;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.tunnel.IpipEncapsulator;
import io.dsrgw.gateway.metrics.CounterSet;
import io.dsrgw.gateway.metrics.WorkerCounters;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * The per-packet path of the gateway, run to completion on one worker thread:
 * <ol>
 *   <li>parse the IPv4 header once ({@link Ipv4Flyweight#wrap}); invalid: {@code drop_malformed};</li>
 *   <li>classify by (destination, protocol, destination port) in the snapshot's VIP table; anything not
 *       addressed to a configured VIP service is dropped ({@code drop_not_vip}): the gateway is never a relay.
 *       ICMP and other protocols to a VIP address: {@code drop_unsupported} (issue 2);</li>
 *   <li>extract the flow key (5-tuple; (source, destination, protocol) for every fragment) and hash it with the
 *       keyed {@code FlowHash} of the snapshot;</li>
 *   <li>pick the backend from the VIP's Maglev table ({@code drop_no_backend} when none is in rotation);</li>
 *   <li>check inner length + 20 against tunnel-mtu ({@code drop_too_big}; ICMP too-big comes later);</li>
 *   <li>write the outer IPv4 header into the headroom in front of the packet (RFC 2003) and hand the outer
 *       packet to the {@link TxSink}: accepted {@code tx_packets}, refused {@code drop_tx_error}.</li>
 * </ol>
 * Every packet increments {@code rx_packets} and exactly one other counter.
 *
 * <p>Not thread-safe: one instance per worker. No allocation, locks, logging or exceptions per packet.
 */
public final class PacketPipeline {
    /** Bytes the caller must leave free in front of each packet for the outer header(s). */
    public static final int HEADROOM_BYTES = 128;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final Ipv4Flyweight ip = new Ipv4Flyweight();
    private final FlowKey flowKey = new FlowKey();
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final WorkerCounters counters;
    private ForwardingSnapshot snapshot;
    /** Outer IPv4 identification, per worker: unique enough for outer packets without DF (RFC 6864 4.1). */
    private int ipId;
    /** Issue 5: the worker's flow table in front of Maglev, or null for pure Maglev (replay, tests). */
    private FlowSteering steering;
    /** The worker's clock for flow timeouts, set once per batch ({@link #now(long)}). */
    private long nowNs;

    public PacketPipeline(ForwardingSnapshot snapshot, WorkerCounters counters) {
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.counters = Objects.requireNonNull(counters, "counters");
    }

    /** Switches to {@code next}; call between batches only (after the TX batch of the old one is flushed). */
    public void snapshot(ForwardingSnapshot next) {
        this.snapshot = Objects.requireNonNull(next, "next");
    }

    /** Puts {@code steering} (the worker's flow table) in front of Maglev; null for pure Maglev. */
    public void flowSteering(FlowSteering steering) {
        this.steering = steering;
    }

    public FlowSteering flowSteering() {
        return steering;
    }

    /** Sets the clock used for flow-table timeouts; call once per batch (one clock read per batch). */
    public void now(long nowNs) {
        this.nowNs = nowNs;
    }

    public ForwardingSnapshot snapshot() {
        return snapshot;
    }

    public WorkerCounters counters() {
        return counters;
    }

    /**
     * Processes the IPv4 packet of {@code length} captured bytes at {@code seg[offset]}. The outer header is
     * written into the {@link IpipEncapsulator#OVERHEAD} bytes before {@code offset} (workers leave
     * {@link #HEADROOM_BYTES}); without them the packet is dropped as malformed and nothing is written. Counts and
     * returns the verdict: {@link CounterSet#TX_PACKETS} when handed to the sink, otherwise the drop counter.
     */
    public CounterSet process(MemorySegment seg, long offset, int length, TxSink sink) {
        counters.increment(CounterSet.RX_PACKETS);
        CounterSet verdict = forward(seg, offset, length, sink);
        counters.increment(verdict);
        return verdict;
    }

    private CounterSet forward(MemorySegment seg, long offset, int length, TxSink sink) {
        // No IPv6 VIPs exist in this milestone, so nothing IPv6 is addressed to a VIP (and the kernel may write
        // its own IPv6 packets into the TUN): count as not-a-VIP rather than malformed.
        if (length >= 1 && (seg.get(U8, offset) & 0xf0) == 0x60) {
            return CounterSet.DROP_NOT_VIP;
        }
        if (ip.wrap(seg, offset, length) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        ForwardingSnapshot s = snapshot;
        int destination = ip.destination();
        int protocol = ip.protocol();
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return s.isVipAddress(destination) ? CounterSet.DROP_UNSUPPORTED : CounterSet.DROP_NOT_VIP;
        }
        if (extractor.extract(ip, flowKey) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        int vip;
        if (!ip.isFragment()) {
            vip = s.vipIndex(destination, protocol, flowKey.destinationPort());
        } else {
            if (ip.fragmentOffsetBytes() == 0) {
                // The first fragment carries the ports: it must match a configured service like any packet.
                if (ip.payloadLength() < 4) {
                    return CounterSet.DROP_MALFORMED;
                }
                int port = seg.get(U16, ip.payloadOffset() + 2) & 0xffff;
                if (s.vipIndex(destination, protocol, port) == ForwardingSnapshot.NONE) {
                    return CounterSet.DROP_NOT_VIP;
                }
            }
            // All fragments of a datagram (first or not) use the (address, protocol) VIP and the 3-tuple hash,
            // so they reach the same backend.
            vip = s.fragmentVipIndex(destination, protocol);
        }
        if (vip == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NOT_VIP;
        }
        long hash = s.flowHash().hash(flowKey);
        int backend;
        if (steering == null) {
            backend = s.backendFor(vip, hash);
        } else {
            int tcpFlags = protocol == IpProtocol.TCP && !ip.isFragment() && ip.payloadLength() >= 14
                    ? seg.get(U8, ip.payloadOffset() + 13) & 0xff : FlowSteering.NO_FLAGS;
            backend = steering.backendFor(s, vip, flowKey, hash, tcpFlags, nowNs);
        }
        if (backend == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NO_BACKEND;
        }
        int innerLength = ip.totalLength();
        if (innerLength + IpipEncapsulator.OVERHEAD > s.tunnelMtuBytes()) {
            return CounterSet.DROP_TOO_BIG;
        }
        int backendIpv4 = s.backendIpv4(backend);
        long outer = IpipEncapsulator.encapsulate(seg, offset, innerLength, s.tunnelSourceIpv4(), backendIpv4,
                s.ttl(), ipId++ & 0xffff);
        if (outer < 0) {
            // No headroom in front of the packet, or a length the encapsulator refuses: cannot happen for packets
            // from a worker slot (HEADROOM_BYTES, MTU checked above); never write outside the packet's memory.
            return CounterSet.DROP_MALFORMED;
        }
        return sink.send(seg, outer, innerLength + IpipEncapsulator.OVERHEAD, backendIpv4)
                ? CounterSet.TX_PACKETS : CounterSet.DROP_TX_ERROR;
    }
}
