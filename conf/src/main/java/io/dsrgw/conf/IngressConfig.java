package io.dsrgw.conf;

import java.util.Objects;

/**
 * Where the gateway receives packets for its VIPs ({@code dsrgw.gateway.ingress}).
 *
 * @param kind   "tun" (a multi-queue TUN device the VIP routes point into), "xdp" (an XDP program on
 *               {@code xdp.interfaces} forwards the common case; the TUN device stays as the slow path) or "pcap"
 *               (replay only)
 * @param device the TUN device name (1..15 characters)
 * @param queues number of TUN queues, one worker each (1..256)
 * @param xdp    the XDP settings ({@link XdpConfig#NONE} unless the kind is xdp)
 * @param realtimePriority SCHED_FIFO priority (1..99) a TUN worker switches to after 2 s of traffic, or 0 (the
 *               default) to stay time-shared: see {@code ingress.realtime-priority} in reference.conf
 * @param egress how a TUN worker sends: {@link #EGRESS_PACKET} (link-layer frames to the next hop's MAC through
 *               an AF_PACKET socket, the raw socket as fallback) or {@link #EGRESS_RAW} (raw IP sockets only): see
 *               {@code ingress.egress} in reference.conf
 * @param newFlowQueue whether the TUN gets queues per worker for new flows (TCP SYNs, queued apart by a
 *               steering BPF program and read after established traffic): {@link #NEW_FLOW_QUEUE_AUTO} (when the
 *               program loads and attaches, else one queue per worker and a log line saying why),
 *               {@link #NEW_FLOW_QUEUE_ON} (refuse to start without it) or {@link #NEW_FLOW_QUEUE_OFF}: see
 *               {@code ingress.new-flow-queue} in reference.conf
 * @param knownSourcesPerSecond at most this many sources not yet known become known per second in the steering
 *               program (0..{@value #MAX_KNOWN_SOURCES_PER_SECOND}, 0 none), so a spoofed ACK flood cannot make its
 *               range known: see {@code ingress.known-sources-per-second} in reference.conf
 */
public record IngressConfig(String kind, String device, int queues, XdpConfig xdp, int realtimePriority,
                            String egress, String newFlowQueue, int knownSourcesPerSecond) {

    /** The TUN ingress kind. */
    public static final String KIND_TUN = "tun";
    /** The pcap ingress kind, used by {@code dsr-gateway replay}. */
    public static final String KIND_PCAP = "pcap";
    /** The XDP fast path in front of the TUN ingress. */
    public static final String KIND_XDP = "xdp";

    /** Egress through AF_PACKET to the next hop's MAC, raw sockets where no usable next hop is known. */
    public static final String EGRESS_PACKET = "packet";
    /** Egress through raw IP sockets only (the kernel routes, filters and resolves every packet). */
    public static final String EGRESS_RAW = "raw";
    /** The egress unless configured. */
    public static final String DEFAULT_EGRESS = EGRESS_PACKET;

    /** The new-flow queue when the steering program loads and attaches, else one queue per worker. */
    public static final String NEW_FLOW_QUEUE_AUTO = "auto";
    /** The new-flow queue or no start. */
    public static final String NEW_FLOW_QUEUE_ON = "on";
    /** One queue per worker, the kernel spreading flows by hash. */
    public static final String NEW_FLOW_QUEUE_OFF = "off";
    /** The new-flow queue setting unless configured. */
    public static final String DEFAULT_NEW_FLOW_QUEUE = NEW_FLOW_QUEUE_AUTO;
    /** New known sources per second unless configured (the steering program's comment says why 200). */
    public static final int DEFAULT_KNOWN_SOURCES_PER_SECOND = 200;
    /** The largest {@code known-sources-per-second}: the program's map holds 65,536 sources. */
    public static final int MAX_KNOWN_SOURCES_PER_SECOND = 65_536;

    public IngressConfig {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(xdp, "xdp");
        Objects.requireNonNull(egress, "egress");
        Objects.requireNonNull(newFlowQueue, "newFlowQueue");
        if (knownSourcesPerSecond < 0 || knownSourcesPerSecond > MAX_KNOWN_SOURCES_PER_SECOND) {
            throw new IllegalArgumentException("knownSourcesPerSecond: " + knownSourcesPerSecond + " (expected: 0.."
                    + MAX_KNOWN_SOURCES_PER_SECOND + ")");
        }
    }

    /** The default known sources per second. */
    public IngressConfig(String kind, String device, int queues, XdpConfig xdp, int realtimePriority,
                         String egress, String newFlowQueue) {
        this(kind, device, queues, xdp, realtimePriority, egress, newFlowQueue, DEFAULT_KNOWN_SOURCES_PER_SECOND);
    }

    /** The default new-flow queue setting. */
    public IngressConfig(String kind, String device, int queues, XdpConfig xdp, int realtimePriority,
                         String egress) {
        this(kind, device, queues, xdp, realtimePriority, egress, DEFAULT_NEW_FLOW_QUEUE);
    }

    /** An ingress without XDP, time-shared workers, the default egress. */
    public IngressConfig(String kind, String device, int queues) {
        this(kind, device, queues, XdpConfig.NONE, 0);
    }

    /** Time-shared workers, the default egress. */
    public IngressConfig(String kind, String device, int queues, XdpConfig xdp) {
        this(kind, device, queues, xdp, 0);
    }

    /** The default egress. */
    public IngressConfig(String kind, String device, int queues, XdpConfig xdp, int realtimePriority) {
        this(kind, device, queues, xdp, realtimePriority, DEFAULT_EGRESS);
    }

    /** True when TUN workers send through AF_PACKET (with the raw socket as fallback). */
    public boolean packetEgress() {
        return EGRESS_PACKET.equals(egress);
    }

    /** True when the XDP fast path runs in front of the TUN device. */
    public boolean isXdp() {
        return KIND_XDP.equals(kind);
    }
}
