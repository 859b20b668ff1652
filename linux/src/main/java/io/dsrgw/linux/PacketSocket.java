package io.dsrgw.linux;

/**
 * A send-only link-layer socket: {@code socket(AF_PACKET, SOCK_DGRAM, 0)} (packet(7)). The caller hands it a
 * network-layer packet plus, per packet, the egress interface index, the EtherType and the destination MAC in a
 * {@code sockaddr_ll} ({@link SendBatch#addLinkLayer}); the kernel builds the link-layer header itself
 * ({@code dev_hard_header}: the interface's own MAC as the source, so a changed local MAC needs nothing from us)
 * and queues the frame on the interface. No route lookup, no netfilter (no OUTPUT/POSTROUTING hooks), no
 * neighbour output, no IP fragmentation: a packet above the interface MTU fails with EMSGSIZE.
 *
 * <p>Protocol 0 means the socket receives nothing. {@link #bypassQdisc()} sets {@code PACKET_QDISC_BYPASS}: frames
 * go straight to the driver's transmit (no traffic control, no {@code tc} egress hooks); a busy driver queue then
 * fails the send with ENOBUFS instead of queueing it.
 *
 * <p>Needs CAP_NET_RAW. Threading: one sender at a time; {@link #close} must not race with a send.
 */
public final class PacketSocket extends AbstractSocket {
    private PacketSocket(int fd, String description) {
        super(fd, description);
    }

    /** {@code socket(AF_PACKET, SOCK_DGRAM, 0)}: sends network-layer packets, the kernel adds the link header. */
    public static PacketSocket datagram() throws LinuxException {
        String description = "AF_PACKET, SOCK_DGRAM, 0";
        return new PacketSocket(socket(Native.AF_PACKET, Native.SOCK_DGRAM, 0, description), description);
    }

    /** {@code PACKET_QDISC_BYPASS}: frames skip the interface's qdisc (see the class comment). */
    public void bypassQdisc() throws LinuxException {
        setIntOption(Native.SOL_PACKET, Native.PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS, 1");
    }
}
