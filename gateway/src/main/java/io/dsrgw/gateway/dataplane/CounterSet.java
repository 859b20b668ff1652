package io.dsrgw.gateway.dataplane;

/**
 * The gateway's data-plane counters. The ids are stable (they are metric names, printed by {@code replay} and
 * scraped later): add new counters at the END only, never rename.
 *
 * <p>Every packet read increments {@code rx_packets} and exactly one verdict counter, so once a batch has been
 * published: {@code rx_packets = tx_packets + fwd_icmp_error + tx_fragments + tx_icmp_too_big + tx_echo_reply
 * + sum(drop_*)} ({@code tx_raw_fallback} is no verdict: it counts how some of them were sent). (Packets the kernel refuses at sendmmsg time are moved from {@code tx_packets} to
 * {@code drop_tx_error} by the worker, whatever verdict they had: the batch reports only how many failed.)
 */
public enum CounterSet {
    /** Packets read from the ingress (TUN queue or pcap record), whatever became of them. */
    RX_PACKETS("rx_packets"),
    /** Encapsulated packets handed to the egress successfully. */
    TX_PACKETS("tx_packets"),
    /** Not addressed to a configured VIP address/protocol/port (also non-IP frames in a replayed capture). */
    DROP_NOT_VIP("drop_not_vip"),
    /** Not a valid IPv4/IPv6 packet (truncated, bad header fields or extension headers, bad TCP/UDP/ICMP header). */
    DROP_MALFORMED("drop_malformed"),
    /** Addressed to a VIP that has no backend in rotation. */
    DROP_NO_BACKEND("drop_no_backend"),
    /**
     * Addressed to a VIP address with a protocol or ICMP message the gateway does not forward (other protocols,
     * ICMP other than echo and errors, echo requests with {@code icmp.echo = drop}, ICMP errors quoting
     * something that is not a VIP's TCP/UDP flow).
     */
    DROP_UNSUPPORTED("drop_unsupported"),
    /** The egress refused the packet (send error, e.g. EMSGSIZE or no route). */
    DROP_TX_ERROR("drop_tx_error"),
    /**
     * Inner packet + tunnel overhead exceeds tunnel-mtu and no too-big message can be sent about it (it is an
     * ICMP error or a non-first fragment) nor can it be fragmented (no spare fragment slot left in the batch).
     */
    DROP_TOO_BIG("drop_too_big"),
    /** Too big for its backend's tunnel (DF set or IPv6): ICMP frag-needed / ICMPv6 packet too big sent back. */
    TX_ICMP_TOO_BIG("tx_icmp_too_big"),
    /** Too big, and the per-worker too-big token bucket was empty (or icmp.too-big-rate = 0): dropped silently. */
    DROP_TOO_BIG_RATE_LIMITED("drop_too_big_rate_limited"),
    /** Too big with IPv4 DF clear: sent as fragments (counted once per packet, not per fragment). */
    TX_FRAGMENTS("tx_fragments"),
    /** Echo request to a VIP address answered by the gateway ({@code icmp.echo = answer}). */
    TX_ECHO_REPLY("tx_echo_reply"),
    /** ICMP/ICMPv6 error to a VIP forwarded to the backend owning the flow it quotes. */
    FWD_ICMP_ERROR("fwd_icmp_error"),
    /** IPv6 packet to a VIP whose extension-header chain ends in ESP, AH or a header the gateway cannot walk. */
    DROP_UNSUPPORTED_EXT_HEADER("drop_unsupported_ext_header"),
    /**
     * ICMP/ICMPv6 error to one VIP address quoting a packet whose source is another address (issue 14): only the
     * VIP an error was sent to may own the flow it quotes, else an error to one VIP could reach another's backends.
     */
    DROP_ICMP_QUOTE_MISMATCH("drop_icmp_quote_mismatch"),
    /**
     * To a VIP address from a martian source (0.0.0.0/8, 127.0.0.0/8, 224.0.0.0/4, 240.0.0.0/4; ::, ::1,
     * ff00::/8, ::ffff:0:0/96): no client has one, so it is spoofed; never answered ({@link SourcePolicy}).
     */
    DROP_SOURCE_MARTIAN("drop_source_martian"),
    /** To a VIP address from a VIP, a backend or a tunnel source of the gateway: spoofed; never answered. */
    DROP_SOURCE_OWN("drop_source_own"),
    /** To a VIP address from a prefix of {@code security.deny-sources}; never answered. */
    DROP_SOURCE_DENIED("drop_source_denied"),
    /**
     * Not a verdict (the packet also counts as tx_packets, tx_fragments, ...): with {@code ingress.egress = packet},
     * a packet sent through the raw socket instead because its backend's next hop had no usable neighbour entry
     * (none, STALE, INCOMPLETE, FAILED) or the next-hop cache was not fresh. A steady rise means the link-layer
     * egress is not in use for some backend: {@code dsr-gateway} logs each next hop's state when it changes.
     */
    TX_RAW_FALLBACK("tx_raw_fallback"),
    /**
     * L2 DSR ({@code tunnel = none}): the backend's MAC is not known (no neighbour entry yet, INCOMPLETE, FAILED)
     * or the next-hop answers are not fresh. Dropped, never routed (the packet's destination is the VIP); the
     * gateway asks the kernel to resolve the neighbour, so a short burst after a start or a MAC change is normal,
     * a steady rise means a backend does not answer ARP / neighbour solicitations.
     */
    DROP_NO_NEIGHBOUR("drop_no_neighbour"),
    /**
     * Echo request to a VIP address with {@code icmp.echo = answer}, and the per-worker echo token bucket was empty
     * ({@code icmp.echo-rate} per second, burst = rate; or the rate is 0): dropped, not answered (issue 14).
     */
    DROP_ECHO_RATE_LIMITED("drop_echo_rate_limited"),
    /**
     * Not a verdict (the packet also counts as rx_packets and one verdict): packets a TUN worker read from its
     * new-flow queue ({@code ingress.new-flow-queue}: TCP SYNs without ACK, which the steering program queues apart
     * so that a SYN flood cannot crowd out established connections). Always 0 without the new-flow queue.
     */
    RX_NEW_FLOW_PACKETS("rx_new_flow_packets"),
    /**
     * Not a verdict (the packet also counts as rx_packets and one verdict): SYNs a TUN worker read from its queue of
     * known sources' new flows ({@code ingress.new-flow-queue}: sources with an established flow in the last minute,
     * which the steering program remembers). Always 0 without the new-flow queue.
     */
    RX_KNOWN_SOURCE_PACKETS("rx_known_source_packets");

    private static final CounterSet[] VALUES = values();

    private final String id;

    CounterSet(String id) {
        this.id = id;
    }

    /** The stable metric name, e.g. {@code drop_not_vip}. */
    public String id() {
        return id;
    }

    /** All counters in id order (a shared array: do not modify). */
    public static CounterSet[] all() {
        return VALUES;
    }

    /** The counter with this id, or null. */
    public static CounterSet byId(String id) {
        for (CounterSet c : VALUES) {
            if (c.id.equals(id)) {
                return c;
            }
        }
        return null;
    }
}
