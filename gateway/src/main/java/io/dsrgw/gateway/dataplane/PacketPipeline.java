package io.dsrgw.gateway.dataplane;

import io.dsrgw.conf.EchoMode;
import io.dsrgw.encap.PacketError;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.flow.FlowKeyExtractor;
import io.dsrgw.encap.icmp.IcmpBuilder;
import io.dsrgw.encap.icmp.Ipv4Fragmenter;
import io.dsrgw.encap.ip.Icmpv4Flyweight;
import io.dsrgw.encap.ip.Icmpv6Flyweight;
import io.dsrgw.encap.ip.IpProtocol;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.tunnel.TunnelEncapsulator;
import io.dsrgw.encap.tunnel.TunnelSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * The per-packet path of the gateway, run to completion on one worker thread:
 * <ol>
 *   <li>IPv4 or IPv6 by the version nibble; parse the header once ({@link Ipv4Flyweight#wrap},
 *       {@link Ipv6Flyweight#wrap}, which also walks IPv6 extension headers); invalid: {@code drop_malformed}.
 *       Anything not addressed to a configured VIP is dropped ({@code drop_not_vip}): the gateway is never a
 *       relay. To a VIP address from a source no client can have ({@link SourcePolicy}: martians, VIPs, backends,
 *       tunnel sources, {@code security.deny-sources}): {@code drop_source_martian}, {@code drop_source_own} or
 *       {@code drop_source_denied}, before anything is forwarded or answered. An IPv6 chain ended by ESP, AH or an unknown header: {@code drop_unsupported_ext_header};</li>
 *   <li>TCP/UDP: classify by (destination, protocol, destination port) in the snapshot's VIP tables; extract
 *       the flow key (5-tuple; the 3-tuple (source, destination, protocol) for every fragment, IPv4 and IPv6,
 *       so all fragments of a datagram reach the same backend) and hash it with the snapshot's keyed hash;</li>
 *   <li>ICMP/ICMPv6 to a VIP address: errors (unreachable, too big, time exceeded, parameter problem) go to the
 *       backend owning the quoted flow ({@code fwd_icmp_error}; the quote is a VIP -> client packet, its key is
 *       reversed so it hashes like the client's packets; a quote whose source is not the VIP address the error
 *       was sent to: {@code drop_icmp_quote_mismatch}); echo requests per {@code icmp.echo}: answered in place
 *       and sent back to the client ({@code tx_echo_reply}), at most {@code icmp.echo-rate} per second per worker
 *       (token bucket, burst = rate; {@code drop_echo_rate_limited}), forwarded to a backend by hash of the 3-tuple and
 *       echo identifier, or dropped ({@code drop_unsupported}); fragmented echo requests, which only a
 *       reassembling host can answer, go to a backend by the 3-tuple unless echo is dropped; everything else
 *       {@code drop_unsupported};</li>
 *   <li>pick the backend from the VIP's Maglev table ({@code drop_no_backend} when none is in rotation);</li>
 *   <li>inner + overhead of THAT backend's tunnel kind above tunnel-mtu: IPv4 with DF or IPv6 -> ICMP
 *       fragmentation needed / ICMPv6 packet too big from the VIP to the client with MTU = tunnel-mtu - overhead
 *       ({@code tx_icmp_too_big}), at most {@code icmp.too-big-rate} per second per worker (token bucket, burst =
 *       rate; {@code drop_too_big_rate_limited}); IPv4 without DF -> fragments (the outer packet for IPv4 outers,
 *       RFC 2003 5.1; the inner packet before an IPv6 outer, RFC 2473 7.1) in spare slots ({@code tx_fragments});
 *       </li>
 *   <li>otherwise write the outer headers into the headroom in front of the packet ({@link TunnelEncapsulator})
 *       and hand the outer packet to the {@link TxSink}: {@code tx_packets}, or {@code drop_tx_error} if refused.
 *   </li>
 *   <li>L2 DSR backends ({@code tunnel = none}) skip the last two steps: the packet goes unchanged to
 *       {@link TxSink#sendToNeighbour} for the backend's MAC ({@code drop_no_neighbour} while it is unknown); only
 *       the MTU of the link that reaches the backend can make it too big (too-big with that MTU, or fragments).
 *   </li>
 * </ol>
 * Every packet increments {@code rx_packets} and exactly one verdict counter (see {@link CounterSet}).
 *
 * <h2>Batches and the clock</h2>
 * {@link #beginBatch(long)} starts a batch: the fragment slots are free again (the previous batch's packets have
 * been sent), and the too-big and echo token buckets are refilled from a clock the caller read once for the batch (the
 * worker's {@code System.nanoTime()}, replay's packet timestamps, a test's fake clock).
 *
 * <p>Not thread-safe: one instance per worker. No allocation, locks, logging or exceptions per packet.
 */
public final class PacketPipeline {
    /** Bytes the caller must leave free in front of each packet for the outer header(s) or an ICMP header. */
    public static final int HEADROOM_BYTES = 128;

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** Smallest data part of an IPv4 fragment the default slot count is sized for (576 - 60 - 52, rounded). */
    private static final int MIN_FRAGMENT_DATA_BYTES = 456;
    /** Fragment slots that hold every fragment of one 65535-byte packet at any tunnel-mtu (>= 576). */
    public static final int MAX_PACKET_FRAGMENT_SLOTS = 65535 / MIN_FRAGMENT_DATA_BYTES + 2;

    private final Ipv4Flyweight ip4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ip6 = new Ipv6Flyweight();
    private final FlowKey flowKey = new FlowKey();
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final TunnelEncapsulator encapsulator = new TunnelEncapsulator();
    private final WorkerCounters counters;
    /** fragmentViews[k] = the fragment slots k.. (a view per start index, so that nothing is copied per packet). */
    private final MemorySegment[][] fragmentViews;
    private final int[] fragmentLengths;
    private int fragmentSlotsUsed;
    private ForwardingSnapshot snapshot;
    /** Outer IPv4 identification, per worker: unique enough for outer packets without DF (RFC 6864 4.1). */
    private int ipId;
    /** Too-big token bucket in nano-tokens (1 token = 1e9), so integer refills are exact at any rate. */
    private long tooBigNanoTokens;
    /** Echo reply token bucket, the same way (issue 14: a flood of echo requests must not be answered in full). */
    private long echoNanoTokens;
    private long lastRefillNanos;
    private boolean clockStarted;
    /** Issue 5: the worker's flow table in front of Maglev, or null for pure Maglev (replay, tests). */
    private FlowSteering steering;
    /** The batch clock ({@link #beginBatch}), also used for flow-table timeouts. */
    private long batchNanos;

    /**
     * A pipeline with fragment slots for one maximum-size (65535-byte) packet at the snapshot's tunnel-mtu:
     * for replay and tests, which start a batch per packet.
     */
    public PacketPipeline(ForwardingSnapshot snapshot, WorkerCounters counters) {
        this(snapshot, counters, MAX_PACKET_FRAGMENT_SLOTS);
    }

    /**
     * @param fragmentSlots spare packet slots for the fragments of one batch (each holds {@link #HEADROOM_BYTES}
     *                      + the snapshot's tunnel-mtu; a later snapshot with a larger MTU fragments within
     *                      them or drops as {@code drop_too_big})
     */
    public PacketPipeline(ForwardingSnapshot snapshot, WorkerCounters counters, int fragmentSlots) {
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.counters = Objects.requireNonNull(counters, "counters");
        if (fragmentSlots < 0) {
            throw new IllegalArgumentException("fragmentSlots: " + fragmentSlots + " (expected: >= 0)");
        }
        MemorySegment[] slots = new MemorySegment[fragmentSlots];
        // Freed with the pipeline (GC): the slots live as long as the worker that owns the pipeline.
        Arena arena = Arena.ofAuto();
        for (int i = 0; i < fragmentSlots; i++) {
            slots[i] = arena.allocate(HEADROOM_BYTES + snapshot.tunnelMtuBytes(), 64);
        }
        this.fragmentViews = new MemorySegment[fragmentSlots + 1][];
        for (int k = 0; k <= fragmentSlots; k++) {
            fragmentViews[k] = Arrays.copyOfRange(slots, k, fragmentSlots);
        }
        this.fragmentLengths = new int[fragmentSlots];
        this.tooBigNanoTokens = burstNanoTokens(snapshot);
        this.echoNanoTokens = snapshot.echoRatePerSecond() * NANOS_PER_SECOND;
        sizeBackendCounters(snapshot);
    }

    /** Issue 13: room in the per-backend counters for every stable id of {@code s} (on a switch, not per packet). */
    private void sizeBackendCounters(ForwardingSnapshot s) {
        int ids = 0;
        for (int b = 0; b < s.backendCount(); b++) {
            ids = Math.max(ids, s.backendId(b) + 1);
        }
        counters.ensureBackends(ids);
    }

    /** Switches to {@code next}; call between batches only (after the TX batch of the old one is flushed). */
    public void snapshot(ForwardingSnapshot next) {
        this.snapshot = Objects.requireNonNull(next, "next");
        sizeBackendCounters(next);
    }

    /** Puts {@code steering} (the worker's flow table) in front of Maglev; null for pure Maglev. */
    public void flowSteering(FlowSteering steering) {
        this.steering = steering;
        sizeBackendCounters(snapshot);
    }

    public FlowSteering flowSteering() {
        return steering;
    }

    public ForwardingSnapshot snapshot() {
        return snapshot;
    }

    public WorkerCounters counters() {
        return counters;
    }

    /**
     * Starts a batch at {@code nowNanos} (any monotonic nanosecond clock, read once per batch): frees the fragment
     * slots and refills the too-big and echo token buckets by the elapsed time (each at most to its burst, = its
     * rate).
     */
    public void beginBatch(long nowNanos) {
        fragmentSlotsUsed = 0;
        batchNanos = nowNanos;
        if (!clockStarted) {
            clockStarted = true;
            lastRefillNanos = nowNanos;
            return;
        }
        long elapsed = nowNanos - lastRefillNanos;
        if (elapsed <= 0) {
            return;
        }
        lastRefillNanos = nowNanos;
        // One second refills a bucket completely (burst = rate): capping keeps elapsed * rate far from overflow.
        long capped = Math.min(elapsed, NANOS_PER_SECOND);
        long burst = burstNanoTokens(snapshot);
        tooBigNanoTokens = Math.min(burst, tooBigNanoTokens + capped * snapshot.tooBigRatePerSecond());
        long echoRate = snapshot.echoRatePerSecond();
        echoNanoTokens = Math.min(echoRate * NANOS_PER_SECOND, echoNanoTokens + capped * echoRate);
    }

    private static long burstNanoTokens(ForwardingSnapshot s) {
        return s.tooBigRatePerSecond() * NANOS_PER_SECOND;
    }

    /**
     * Processes the IP packet of {@code length} captured bytes at {@code seg[offset]}. Outer headers (or an ICMP
     * header in front of a quoted packet) are written into the bytes before {@code offset}: the caller leaves
     * {@link #HEADROOM_BYTES}; without them the packet is dropped as malformed and nothing is written outside
     * the packet. Counts and returns the verdict.
     */
    public CounterSet process(MemorySegment seg, long offset, int length, TxSink sink) {
        counters.increment(CounterSet.RX_PACKETS);
        CounterSet verdict;
        if (offset < HEADROOM_BYTES || length < 1) {
            verdict = CounterSet.DROP_MALFORMED;
        } else if ((seg.get(U8, offset) & 0xf0) == 0x60) {
            verdict = forward6(seg, offset, length, sink);
        } else {
            verdict = forward4(seg, offset, length, sink);
        }
        counters.increment(verdict);
        return verdict;
    }

    // ---------------------------------------------------------------------------------------------- IPv4

    private CounterSet forward4(MemorySegment seg, long offset, int length, TxSink sink) {
        if (ip4.wrap(seg, offset, length) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        ForwardingSnapshot s = snapshot;
        int destination = ip4.destination();
        int protocol = ip4.protocol();
        if (s.isVipAddress(destination)) {
            // Before anything can be forwarded or answered (echo reply, too-big): a source no client can have.
            CounterSet badSource = s.sourcePolicy().check4(ip4.source());
            if (badSource != null) {
                return badSource;
            }
        }
        if (protocol == IpProtocol.ICMP) {
            return icmp4(s, seg, offset, sink);
        }
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return s.isVipAddress(destination) ? CounterSet.DROP_UNSUPPORTED : CounterSet.DROP_NOT_VIP;
        }
        if (extractor.extract(ip4, flowKey) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        int vip;
        if (!ip4.isFragment()) {
            vip = s.vipIndex(destination, protocol, flowKey.destinationPort());
        } else {
            if (ip4.fragmentOffsetBytes() == 0) {
                // The first fragment carries the ports: it must match a configured service like any packet.
                if (ip4.payloadLength() < 4) {
                    return CounterSet.DROP_MALFORMED;
                }
                int port = seg.get(U16, ip4.payloadOffset() + 2) & 0xffff;
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
        return deliver(s, vip, seg, offset, ip4.totalLength(), 4, CounterSet.TX_PACKETS, sink);
    }

    private CounterSet icmp4(ForwardingSnapshot s, MemorySegment seg, long offset, TxSink sink) {
        int addressVip = s.addressVipIndex(ip4.destination());
        if (addressVip == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NOT_VIP;
        }
        if (extractor.extract(ip4, flowKey) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        if (ip4.isFragment()) {
            // A fragmented echo request (a big ping) cannot be answered without reassembly: unless echo is
            // dropped, its fragments go to one backend by the 3-tuple like any fragments; the backend (VIP on lo)
            // reassembles and answers from the VIP. (Routers do not fragment ICMP errors; a fragmented one is
            // treated alike.)
            return s.echoMode() != EchoMode.DROP
                    ? deliver(s, addressVip, seg, offset, ip4.totalLength(), 4, CounterSet.TX_PACKETS, sink)
                    : CounterSet.DROP_UNSUPPORTED;
        }
        Icmpv4Flyweight icmp = extractor.icmp();
        if (icmp.isEchoRequest()) {
            switch (s.echoMode()) {
                case ANSWER -> {
                    int client = ip4.source();
                    int replyLength = IcmpBuilder.echoReplyIpv4InPlace(seg, offset, ip4.totalLength(), s.ttl());
                    if (replyLength < 0) {
                        return CounterSet.DROP_MALFORMED;
                    }
                    if (!takeEchoToken()) {
                        return CounterSet.DROP_ECHO_RATE_LIMITED;
                    }
                    return sink.send(seg, offset, replyLength, client)
                            ? CounterSet.TX_ECHO_REPLY : CounterSet.DROP_TX_ERROR;
                }
                case FORWARD -> {
                    return deliver(s, addressVip, seg, offset, ip4.totalLength(), 4, CounterSet.TX_PACKETS, sink);
                }
                default -> {
                    return CounterSet.DROP_UNSUPPORTED;
                }
            }
        }
        if (!icmp.isError()) {
            return CounterSet.DROP_UNSUPPORTED;
        }
        PacketError error = extractor.extractFromIcmpError(ip4, flowKey);
        if (error == PacketError.UNSUPPORTED_PROTOCOL) {
            return CounterSet.DROP_UNSUPPORTED; // source quench, redirect
        }
        if (error != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        if (flowKey.destinationIpv4() != ip4.destination()) {
            // The quote's source (the reversed key's destination) must be the VIP the error was sent to: an error
            // to one VIP must never reach the backends of another (issue 14).
            return CounterSet.DROP_ICMP_QUOTE_MISMATCH;
        }
        int protocol = flowKey.protocol();
        if (protocol == IpProtocol.ICMP) {
            // About an echo reply: a backend's when echo requests are forwarded (the key carries the echo
            // identifier like the request's, so it finds that backend); otherwise the gateway's own: nothing to do.
            int echoVip = s.addressVipIndex(flowKey.destinationIpv4());
            return s.echoMode() == EchoMode.FORWARD && echoVip != ForwardingSnapshot.NONE
                    ? deliver(s, echoVip, seg, offset, ip4.totalLength(), 4, CounterSet.FWD_ICMP_ERROR, sink)
                    : CounterSet.DROP_UNSUPPORTED;
        }
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return CounterSet.DROP_UNSUPPORTED;
        }
        int vipAddress = flowKey.destinationIpv4();
        int vip = flowKey.fragment() ? s.fragmentVipIndex(vipAddress, protocol)
                : s.vipIndex(vipAddress, protocol, flowKey.destinationPort());
        if (vip == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NOT_VIP;
        }
        return deliver(s, vip, seg, offset, ip4.totalLength(), 4, CounterSet.FWD_ICMP_ERROR, sink);
    }

    // ---------------------------------------------------------------------------------------------- IPv6

    private CounterSet forward6(MemorySegment seg, long offset, int length, TxSink sink) {
        if (ip6.wrap(seg, offset, length) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        ForwardingSnapshot s = snapshot;
        long dstHi = ip6.destinationHi();
        long dstLo = ip6.destinationLo();
        int addressVip = s.addressVipIndex6(dstHi, dstLo);
        if (addressVip == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NOT_VIP;
        }
        CounterSet badSource = s.sourcePolicy().check6(ip6.sourceHi(), ip6.sourceLo());
        if (badSource != null) {
            return badSource; // see forward4
        }
        int protocol = ip6.upperProtocol();
        if (ip6.isFragment()) {
            return fragment6(s, addressVip, seg, offset, sink);
        }
        if (!ip6.walkComplete()) {
            return CounterSet.DROP_UNSUPPORTED_EXT_HEADER;
        }
        if (protocol == IpProtocol.ICMPV6) {
            return icmp6(s, addressVip, seg, offset, sink);
        }
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return CounterSet.DROP_UNSUPPORTED;
        }
        if (extractor.extract(ip6, flowKey) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        int vip = s.vipIndex6(dstHi, dstLo, protocol, flowKey.destinationPort());
        if (vip == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NOT_VIP;
        }
        return deliver(s, vip, seg, offset, ip6.totalLength(), 6, CounterSet.TX_PACKETS, sink);
    }

    /** Any IPv6 fragment: classified by (address, protocol) and hashed on the 3-tuple, like IPv4 fragments. */
    private CounterSet fragment6(ForwardingSnapshot s, int addressVip, MemorySegment seg, long offset, TxSink sink) {
        int protocol = ip6.upperProtocol();
        long dstHi = ip6.destinationHi();
        long dstLo = ip6.destinationLo();
        if (extractor.extract(ip6, flowKey) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        int vip;
        if (protocol == IpProtocol.TCP || protocol == IpProtocol.UDP) {
            if (ip6.fragmentOffsetBytes() == 0) {
                // The first fragment carries the ports (when the transport header follows the fragment header).
                if (ip6.upperLength() < 4) {
                    return CounterSet.DROP_MALFORMED;
                }
                int port = seg.get(U16, ip6.upperOffset() + 2) & 0xffff;
                if (s.vipIndex6(dstHi, dstLo, protocol, port) == ForwardingSnapshot.NONE) {
                    return CounterSet.DROP_NOT_VIP;
                }
            }
            vip = s.fragmentVipIndex6(dstHi, dstLo, protocol);
        } else if (protocol == IpProtocol.ICMPV6 && s.echoMode() != EchoMode.DROP) {
            vip = addressVip; // a big ping: to a backend, like a fragmented IPv4 echo (see icmp4)
        } else {
            return IpProtocol.isIpv6ExtensionHeader(protocol) ? CounterSet.DROP_UNSUPPORTED_EXT_HEADER
                    : CounterSet.DROP_UNSUPPORTED;
        }
        if (vip == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NOT_VIP;
        }
        return deliver(s, vip, seg, offset, ip6.totalLength(), 6, CounterSet.TX_PACKETS, sink);
    }

    private CounterSet icmp6(ForwardingSnapshot s, int addressVip, MemorySegment seg, long offset, TxSink sink) {
        if (extractor.extract(ip6, flowKey) != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        Icmpv6Flyweight icmp = extractor.icmpv6();
        if (icmp.isEchoRequest()) {
            switch (s.echoMode()) {
                case ANSWER -> {
                    long clientHi = ip6.sourceHi();
                    long clientLo = ip6.sourceLo();
                    int replyLength = IcmpBuilder.echoReplyIpv6InPlace(seg, offset, ip6.totalLength(), s.ttl());
                    if (replyLength < 0) {
                        return CounterSet.DROP_MALFORMED;
                    }
                    if (!takeEchoToken()) {
                        return CounterSet.DROP_ECHO_RATE_LIMITED;
                    }
                    return sink.sendIpv6(seg, offset, replyLength, clientHi, clientLo)
                            ? CounterSet.TX_ECHO_REPLY : CounterSet.DROP_TX_ERROR;
                }
                case FORWARD -> {
                    return deliver(s, addressVip, seg, offset, ip6.totalLength(), 6, CounterSet.TX_PACKETS, sink);
                }
                default -> {
                    return CounterSet.DROP_UNSUPPORTED;
                }
            }
        }
        if (!icmp.isError()) {
            return CounterSet.DROP_UNSUPPORTED; // echo replies, NDP, MLD, ...
        }
        PacketError error = extractor.extractFromIcmpv6Error(ip6, flowKey);
        if (error == PacketError.UNSUPPORTED_EXTENSION_HEADER) {
            return CounterSet.DROP_UNSUPPORTED_EXT_HEADER;
        }
        if (error != PacketError.OK) {
            return CounterSet.DROP_MALFORMED;
        }
        int protocol = flowKey.protocol();
        long vipHi = flowKey.destinationHi();
        long vipLo = flowKey.destinationLo();
        if (vipHi != ip6.destinationHi() || vipLo != ip6.destinationLo()) {
            return CounterSet.DROP_ICMP_QUOTE_MISMATCH; // see icmp4
        }
        if (protocol == IpProtocol.ICMPV6) {
            int echoVip = s.addressVipIndex6(vipHi, vipLo); // about an echo reply: see icmp4
            return s.echoMode() == EchoMode.FORWARD && echoVip != ForwardingSnapshot.NONE
                    ? deliver(s, echoVip, seg, offset, ip6.totalLength(), 6, CounterSet.FWD_ICMP_ERROR, sink)
                    : CounterSet.DROP_UNSUPPORTED;
        }
        if (protocol != IpProtocol.TCP && protocol != IpProtocol.UDP) {
            return CounterSet.DROP_UNSUPPORTED;
        }
        int vip = flowKey.fragment() ? s.fragmentVipIndex6(vipHi, vipLo, protocol)
                : s.vipIndex6(vipHi, vipLo, protocol, flowKey.destinationPort());
        if (vip == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NOT_VIP;
        }
        return deliver(s, vip, seg, offset, ip6.totalLength(), 6, CounterSet.FWD_ICMP_ERROR, sink);
    }

    // ------------------------------------------------------------------------------------------ egress

    /**
     * Picks the backend of {@code vip} for {@link #flowKey} and sends the inner packet there through its tunnel;
     * {@code ip4} / {@code ip6} (by {@code innerVersion}) still describe the inner packet.
     */
    private CounterSet deliver(ForwardingSnapshot s, int vip, MemorySegment seg, long offset, int innerLength,
                               int innerVersion, CounterSet success, TxSink sink) {
        long hash = s.flowHash().hash(flowKey);
        int backend;
        if (steering == null) {
            backend = s.backendFor(vip, hash);
        } else if (success == CounterSet.TX_PACKETS) {
            // The client's own packet: the flow table pins it (and learns it); TCP flags set its timeout class.
            int tcpFlags = flowKey.protocol() == IpProtocol.TCP && !flowKey.fragment()
                    ? extractor.tcp().flags() : FlowSteering.NO_FLAGS;
            backend = steering.backendFor(s, vip, flowKey, hash, tcpFlags, batchNanos);
        } else {
            // An ICMP error about a flow: to the flow's pinned backend if known; it never creates an entry.
            backend = steering.existingBackend(s, vip, flowKey, hash, batchNanos);
        }
        if (backend == ForwardingSnapshot.NONE) {
            return CounterSet.DROP_NO_BACKEND;
        }
        TunnelSpec spec = s.tunnel(backend);
        if (spec.linkLayer()) {
            return deliverLinkLayer(s, backend, spec, seg, offset, innerLength, innerVersion, success, sink);
        }
        int overhead = spec.overheadBytes();
        int flowLabel = TunnelEncapsulator.flowLabel(hash);
        if (innerLength + overhead > s.tunnelMtuBytes()) {
            if (innerVersion == 4 && !ip4.dontFragment()) {
                CounterSet v = fragmentAndSend(s, seg, offset, innerLength, spec, flowLabel, spec.gueSourcePort(hash),
                        sink);
                if (v == CounterSet.TX_FRAGMENTS) {
                    counters.addBackend(s.backendId(backend), innerLength);
                }
                return v;
            }
            return tooBig(s, seg, offset, innerLength, innerVersion, s.tunnelMtuBytes() - overhead, sink);
        }
        // GUE: the outer UDP source port follows the flow (the same hash as the flow label and Maglev)
        long outer = encapsulator.encapsulate(seg, offset, innerLength, innerVersion, spec, nextIpId(), flowLabel,
                spec.gueSourcePort(hash));
        if (outer < 0) {
            // A kind that cannot carry this family, or lengths the encapsulator refuses: cannot happen for packets
            // the snapshot classified (kinds are validated per VIP family); never write outside the packet.
            return CounterSet.DROP_MALFORMED;
        }
        if (!transmit(spec, seg, outer, innerLength + overhead, sink)) {
            return CounterSet.DROP_TX_ERROR;
        }
        counters.addBackend(s.backendId(backend), innerLength);
        return success;
    }

    /**
     * L2 DSR ({@code tunnel = none}): the packet itself, unchanged, in a frame to the on-link backend's MAC. No
     * tunnel, so tunnel-mtu does not apply: only the MTU of the link that reaches the backend (the sink knows it)
     * can make it too big: IPv4 without DF is fragmented to it, others get a too-big message with that MTU.
     */
    private CounterSet deliverLinkLayer(ForwardingSnapshot s, int backend, TunnelSpec spec, MemorySegment seg,
                                        long offset, int innerLength, int innerVersion, CounterSet success,
                                        TxSink sink) {
        int r = sendToNeighbour(spec, seg, offset, innerLength, sink);
        if (r == TxSink.SENT) {
            counters.addBackend(s.backendId(backend), innerLength);
            return success;
        }
        if (r == TxSink.NO_NEIGHBOUR) {
            return CounterSet.DROP_NO_NEIGHBOUR;
        }
        if (r <= 0) {
            return CounterSet.DROP_TX_ERROR;
        }
        if (innerVersion == 4 && !ip4.dontFragment()) {
            int count = Ipv4Fragmenter.fragment(seg, offset, innerLength, r, fragmentViews[fragmentSlotsUsed],
                    HEADROOM_BYTES, fragmentLengths);
            if (count < 0) {
                return CounterSet.DROP_TOO_BIG;
            }
            MemorySegment[] dst = fragmentViews[fragmentSlotsUsed];
            fragmentSlotsUsed += count;
            for (int i = 0; i < count; i++) {
                int f = sendToNeighbour(spec, dst[i], HEADROOM_BYTES, fragmentLengths[i], sink);
                if (f != TxSink.SENT) {
                    return f == TxSink.NO_NEIGHBOUR ? CounterSet.DROP_NO_NEIGHBOUR : CounterSet.DROP_TX_ERROR;
                }
            }
            counters.addBackend(s.backendId(backend), innerLength);
            return CounterSet.TX_FRAGMENTS;
        }
        return tooBig(s, seg, offset, innerLength, innerVersion, r, sink);
    }

    private static int sendToNeighbour(TunnelSpec spec, MemorySegment seg, long offset, int length, TxSink sink) {
        return spec.outerFamily() == 4 ? sink.sendToNeighbour(seg, offset, length, spec.ipv4Destination())
                : sink.sendToNeighbour6(seg, offset, length, spec.destinationHi(), spec.destinationLo());
    }

    private int nextIpId() {
        return ipId++ & 0xffff;
    }

    private static boolean transmit(TunnelSpec spec, MemorySegment seg, long offset, int length, TxSink sink) {
        return spec.outerFamily() == 4 ? sink.send(seg, offset, length, spec.ipv4Destination())
                : sink.sendIpv6(seg, offset, length, spec.destinationHi(), spec.destinationLo());
    }

    /**
     * ICMP fragmentation needed (IPv4, DF set) or ICMPv6 packet too big about the inner packet, from the VIP to
     * the client, built in front of the packet so that the quote stays where it is; rate limited.
     */
    private CounterSet tooBig(ForwardingSnapshot s, MemorySegment seg, long offset, int innerLength,
                              int innerVersion, int mtu, TxSink sink) {
        int length;
        long out;
        if (innerVersion == 4) {
            int client = ip4.source();
            out = offset - IcmpBuilder.IPV4_ERROR_HEADERS;
            length = IcmpBuilder.fragmentationNeeded(seg, offset, innerLength, mtu, s.ttl(), seg, out);
            if (length < 0) {
                return CounterSet.DROP_TOO_BIG; // an ICMP error or a later fragment: no error about it (RFC 1812)
            }
            if (!takeTooBigToken()) {
                return CounterSet.DROP_TOO_BIG_RATE_LIMITED;
            }
            return sink.send(seg, out, length, client) ? CounterSet.TX_ICMP_TOO_BIG : CounterSet.DROP_TX_ERROR;
        }
        long clientHi = ip6.sourceHi();
        long clientLo = ip6.sourceLo();
        out = offset - IcmpBuilder.IPV6_ERROR_HEADERS;
        length = IcmpBuilder.packetTooBig(seg, offset, innerLength, mtu, s.ttl(), seg, out);
        if (length < 0) {
            return CounterSet.DROP_TOO_BIG; // an ICMPv6 error: never answered with an error (RFC 4443 2.4(e))
        }
        if (!takeTooBigToken()) {
            return CounterSet.DROP_TOO_BIG_RATE_LIMITED;
        }
        return sink.sendIpv6(seg, out, length, clientHi, clientLo)
                ? CounterSet.TX_ICMP_TOO_BIG : CounterSet.DROP_TX_ERROR;
    }

    /**
     * Some fragment slots are in use and the sink sent what it held (their fragments among it): all slots free
     * again. False when none was in use (a retry could not do better) or the sink cannot flush.
     */
    private boolean reclaimFragmentSlots(TxSink sink) {
        if (fragmentSlotsUsed == 0 || !sink.flushPending()) {
            return false;
        }
        fragmentSlotsUsed = 0;
        return true;
    }

    private boolean takeEchoToken() {
        if (echoNanoTokens < NANOS_PER_SECOND) {
            return false;
        }
        echoNanoTokens -= NANOS_PER_SECOND;
        return true;
    }

    private boolean takeTooBigToken() {
        if (tooBigNanoTokens < NANOS_PER_SECOND) {
            return false;
        }
        tooBigNanoTokens -= NANOS_PER_SECOND;
        return true;
    }

    /**
     * IPv4 inner without DF that does not fit: IPv4 outer -> encapsulate, then fragment the OUTER packet (RFC
     * 2003 section 5.1: the tunnel entry point fragments the outer datagram); IPv6 outer -> fragment the INNER
     * packet to tunnel-mtu - overhead and encapsulate each fragment (RFC 2473 section 7.1: IPv6 would need a
     * fragment header instead, which backends reassemble less cheaply). Fragments go to this batch's spare
     * slots; when they run out, the sink sends what it holds ({@link TxSink#flushPending}) and the slots are used
     * again; still none (or a fragment larger than a slot): {@code drop_too_big}.
     */
    private CounterSet fragmentAndSend(ForwardingSnapshot s, MemorySegment seg, long offset, int innerLength,
                                       TunnelSpec spec, int flowLabel, int udpSourcePort, TxSink sink) {
        MemorySegment[] dst = fragmentViews[fragmentSlotsUsed];
        int[] lengths = fragmentLengths;
        int overhead = spec.overheadBytes();
        int mtu = s.tunnelMtuBytes();
        int count;
        if (spec.outerFamily() == 4) {
            long outer = encapsulator.encapsulate(seg, offset, innerLength, 4, spec, nextIpId(), flowLabel,
                    udpSourcePort);
            if (outer < 0) {
                return CounterSet.DROP_TOO_BIG; // inner + overhead beyond 65535: no outer packet can hold it
            }
            count = Ipv4Fragmenter.fragment(seg, outer, innerLength + overhead, mtu, dst, 0, lengths);
            if (count < 0 && reclaimFragmentSlots(sink)) {
                dst = fragmentViews[0];
                count = Ipv4Fragmenter.fragment(seg, outer, innerLength + overhead, mtu, dst, 0, lengths);
            }
            if (count < 0) {
                return CounterSet.DROP_TOO_BIG;
            }
            fragmentSlotsUsed += count;
            for (int i = 0; i < count; i++) {
                if (!sink.send(dst[i], 0, lengths[i], spec.ipv4Destination())) {
                    return CounterSet.DROP_TX_ERROR;
                }
            }
            return CounterSet.TX_FRAGMENTS;
        }
        count = Ipv4Fragmenter.fragment(seg, offset, innerLength, mtu - overhead, dst, HEADROOM_BYTES, lengths);
        if (count < 0 && reclaimFragmentSlots(sink)) {
            dst = fragmentViews[0];
            count = Ipv4Fragmenter.fragment(seg, offset, innerLength, mtu - overhead, dst, HEADROOM_BYTES, lengths);
        }
        if (count < 0) {
            return CounterSet.DROP_TOO_BIG;
        }
        fragmentSlotsUsed += count;
        for (int i = 0; i < count; i++) {
            long outer = encapsulator.encapsulate(dst[i], HEADROOM_BYTES, lengths[i], 4, spec, 0, flowLabel,
                    udpSourcePort);
            if (outer < 0 || !transmit(spec, dst[i], outer, lengths[i] + overhead, sink)) {
                return CounterSet.DROP_TX_ERROR;
            }
        }
        return CounterSet.TX_FRAGMENTS;
    }
}
