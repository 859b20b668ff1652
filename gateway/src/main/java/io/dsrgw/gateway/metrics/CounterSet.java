package io.dsrgw.gateway.metrics;

/**
 * The gateway's data-plane counters. The ids are stable (they are metric names, printed by {@code replay} and
 * scraped later): add new counters at the END only, never rename.
 *
 * <p>Invariant: {@code rx_packets = tx_packets + sum(drop_*)} once a batch has been published.
 */
public enum CounterSet {
    /** Packets read from the ingress (TUN queue or pcap record), whatever became of them. */
    RX_PACKETS("rx_packets"),
    /** Encapsulated packets handed to the egress successfully. */
    TX_PACKETS("tx_packets"),
    /** Not addressed to a configured VIP address/protocol/port (also IPv6 and non-IP: no such VIPs yet). */
    DROP_NOT_VIP("drop_not_vip"),
    /** Not a valid IPv4 packet (truncated, bad header fields, bad TCP/UDP header). */
    DROP_MALFORMED("drop_malformed"),
    /** Addressed to a VIP that has no backend in rotation. */
    DROP_NO_BACKEND("drop_no_backend"),
    /** Addressed to a VIP address with a protocol the gateway does not forward yet (ICMP, others). */
    DROP_UNSUPPORTED("drop_unsupported"),
    /** The egress refused the packet (send error, e.g. EMSGSIZE or no route). */
    DROP_TX_ERROR("drop_tx_error"),
    /** Inner packet + tunnel overhead exceeds tunnel-mtu (ICMP too-big comes in a later issue). */
    DROP_TOO_BIG("drop_too_big");

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
    static CounterSet[] all() {
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
