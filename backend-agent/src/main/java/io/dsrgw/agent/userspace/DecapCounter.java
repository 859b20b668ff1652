package io.dsrgw.agent.userspace;

/** Counters of the userspace decapsulator; ids ({@link #ordinal()}) are stable: add new ones at the end only. */
public enum DecapCounter {
    /** Every packet the raw sockets delivered (all tunnel packets of the configured kinds to this host). */
    RX_PACKETS("rx_packets"),
    /** Inner packets written to the decap TUN. */
    DECAP_PACKETS("decap_packets"),
    /** Outer source is not a configured gateway. */
    DROP_BAD_SOURCE("drop_bad_source"),
    /** Outer or inner header failed validation (see the per-reason breakdown). */
    DROP_MALFORMED("drop_malformed"),
    /** Inner destination is not a configured VIP: never deliver what the gateway would not have sent. */
    DROP_NOT_VIP("drop_not_vip"),
    /** Writing to the TUN failed. */
    TX_ERRORS("tx_errors"),
    /** A keyed GRE packet whose key is not in {@code gre-keys} (unkeyed GRE is always accepted). */
    DROP_BAD_GRE_KEY("drop_bad_gre_key");

    private final String id;

    DecapCounter(String id) {
        this.id = id;
    }

    /** The counter's name in output, e.g. {@code drop_bad_source}. */
    public String id() {
        return id;
    }
}
