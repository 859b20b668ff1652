package io.dsrgw.conf;

import java.time.Duration;
import java.util.Objects;

/**
 * The per-worker flow table ({@code dsrgw.gateway.flow-table}): which backend each recent flow went to, so that
 * flows stay on their backend when backends are added, re-weighted or set draining. Fixed size (memory =
 * 64 bytes x capacity x ingress queues), least recently used entries are evicted when full.
 *
 * @param capacity               entries per worker: a power of two, 1024..2^26
 * @param tcpSynTimeout          idle timeout of a TCP flow that has only seen a SYN (1s..1d)
 * @param tcpEstablishedTimeout  idle timeout of an established TCP flow (1s..1d)
 * @param tcpClosingTimeout      idle timeout of a TCP flow after FIN or RST (1s..1d)
 * @param udpTimeout             idle timeout of a UDP flow (1s..1d)
 * @param otherTimeout           idle timeout of any other flow, e.g. ICMP echo (1s..1d)
 */
public record FlowTableConfig(int capacity, Duration tcpSynTimeout, Duration tcpEstablishedTimeout,
                              Duration tcpClosingTimeout, Duration udpTimeout, Duration otherTimeout) {

    /** Smallest capacity. */
    public static final int MIN_CAPACITY = 1024;
    /** Largest capacity: 2^26 entries = 4 GiB per worker. */
    public static final int MAX_CAPACITY = 1 << 26;
    /** Bytes of memory per entry. */
    public static final int BYTES_PER_ENTRY = 64;

    /** The reference.conf values: 2^20 entries, SYN 10s, established 300s, closing 10s, UDP 30s, other 30s. */
    public static final FlowTableConfig DEFAULT = new FlowTableConfig(1 << 20, Duration.ofSeconds(10),
        Duration.ofSeconds(300), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(30));

    public FlowTableConfig {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("flow-table capacity " + capacity + " (expected: a power of two "
                + MIN_CAPACITY + ".." + MAX_CAPACITY + ")");
        }
        Objects.requireNonNull(tcpSynTimeout, "tcpSynTimeout");
        Objects.requireNonNull(tcpEstablishedTimeout, "tcpEstablishedTimeout");
        Objects.requireNonNull(tcpClosingTimeout, "tcpClosingTimeout");
        Objects.requireNonNull(udpTimeout, "udpTimeout");
        Objects.requireNonNull(otherTimeout, "otherTimeout");
    }

    /** @return memory of the flow tables of {@code queues} workers, in bytes */
    public long memoryBytes(int queues) {
        return (long) BYTES_PER_ENTRY * capacity * queues;
    }

    @Override
    public String toString() {
        return "FlowTableConfig[capacity=" + capacity + ", tcpSynTimeout=" + Hocon.formatDuration(tcpSynTimeout)
            + ", tcpEstablishedTimeout=" + Hocon.formatDuration(tcpEstablishedTimeout) + ", tcpClosingTimeout="
            + Hocon.formatDuration(tcpClosingTimeout) + ", udpTimeout=" + Hocon.formatDuration(udpTimeout)
            + ", otherTimeout=" + Hocon.formatDuration(otherTimeout) + "]";
    }
}
