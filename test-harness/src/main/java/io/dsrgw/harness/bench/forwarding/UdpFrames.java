package io.dsrgw.harness.bench.forwarding;

import static io.dsrgw.encap.NetworkOrder.setU16;

import java.lang.foreign.MemorySegment;

import io.dsrgw.encap.checksum.InternetChecksum;
import io.dsrgw.encap.ip.Ipv4Flyweight;

/**
 * The generator's frames: Ethernet II + IPv4 (20 bytes, DF, TTL 64) + UDP + a fixed payload, {@value #FRAME_BYTES}
 * bytes in all (no FCS: veth has none), with correct IPv4 and UDP checksums (the sender's tx checksum offload
 * is off, and nothing on the path should see CHECKSUM_PARTIAL). Flow {@code i} differs from flow 0 only in its UDP
 * source port, {@code firstSourcePort + i}, so the gateway's flow hash sees {@code flows} distinct 5-tuples.
 * <pre>
 *   0      6      12   14          34      42                      64
 *   | dst  | src  |0800| IPv4 (20) | UDP 8 | payload (22 bytes)     |
 * </pre>
 * Pure: writes into a caller's segment, no I/O.
 */
public final class UdpFrames {
    public static final int ETHERNET_HEADER_BYTES = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int IPV4_OFFSET = ETHERNET_HEADER_BYTES;
    public static final int UDP_OFFSET = IPV4_OFFSET + Ipv4Flyweight.MIN_HEADER_LENGTH;
    public static final int UDP_HEADER_BYTES = 8;
    /** The "64-byte frame" of forwarding benchmarks (the Ethernet minimum plus the 4 FCS bytes veth lacks). */
    public static final int FRAME_BYTES = 64;
    public static final int PAYLOAD_OFFSET = UDP_OFFSET + UDP_HEADER_BYTES;
    public static final int PAYLOAD_BYTES = FRAME_BYTES - PAYLOAD_OFFSET;
    /** The payload starts with this marker (ASCII), zero padded. */
    public static final String PAYLOAD_MARKER = "dsrgw-bench";
    private static final int UDP = 17;
    private static final int TTL = 64;

    /**
     * What every frame shares.
     *
     * @param destinationMac   the gateway's ingress veth (6 bytes)
     * @param sourceMac        the generator's veth (6 bytes)
     * @param source           IPv4 source address, most significant byte first
     * @param destination      IPv4 destination (the VIP)
     * @param firstSourcePort  UDP source port of flow 0; flow i uses firstSourcePort + i
     * @param destinationPort  UDP destination port (the VIP's port)
     * @param flows            distinct flows, 1 .. 65536 - firstSourcePort
     */
    public record Spec(byte[] destinationMac, byte[] sourceMac, int source, int destination, int firstSourcePort,
                       int destinationPort, int flows) {
        public Spec {
            if (destinationMac.length != 6 || sourceMac.length != 6) {
                throw new IllegalArgumentException("MAC addresses of " + destinationMac.length + " and "
                        + sourceMac.length + " bytes (expected: 6)");
            }
            if (firstSourcePort < 1 || firstSourcePort > 65535 || destinationPort < 1 || destinationPort > 65535) {
                throw new IllegalArgumentException("ports " + firstSourcePort + ", " + destinationPort
                        + " (expected: 1..65535)");
            }
            if (flows < 1 || firstSourcePort + flows - 1 > 65535) {
                throw new IllegalArgumentException("flows: " + flows + " (expected: 1.." + (65536 - firstSourcePort)
                        + " with the first source port " + firstSourcePort + ")");
            }
            destinationMac = destinationMac.clone();
            sourceMac = sourceMac.clone();
        }

        /** The UDP source port of flow {@code flow} (0-based). */
        public int sourcePort(int flow) {
            return firstSourcePort + flow;
        }
    }

    private UdpFrames() {
    }

    /** Writes the frame of flow {@code flow} (0 .. flows-1) at {@code offset}: {@value #FRAME_BYTES} bytes. */
    public static void write(MemorySegment seg, long offset, Spec spec, int flow) {
        if (flow < 0 || flow >= spec.flows()) {
            throw new IllegalArgumentException("flow " + flow + " (expected: 0.." + (spec.flows() - 1) + ")");
        }
        MemorySegment frame = seg.asSlice(offset, FRAME_BYTES);
        frame.fill((byte) 0);
        MemorySegment.copy(spec.destinationMac(), 0, frame, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, 6);
        MemorySegment.copy(spec.sourceMac(), 0, frame, java.lang.foreign.ValueLayout.JAVA_BYTE, 6, 6);
        setU16(frame, 12, ETHERTYPE_IPV4);
        Ipv4Flyweight.writeHeader(frame, IPV4_OFFSET, 0, FRAME_BYTES - IPV4_OFFSET, 0,
                Ipv4Flyweight.FLAG_DONT_FRAGMENT, TTL, UDP, spec.source(), spec.destination());
        int udpLength = FRAME_BYTES - UDP_OFFSET;
        setU16(frame, UDP_OFFSET, spec.sourcePort(flow));
        setU16(frame, UDP_OFFSET + 2, spec.destinationPort());
        setU16(frame, UDP_OFFSET + 4, udpLength);
        byte[] marker = PAYLOAD_MARKER.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MemorySegment.copy(marker, 0, frame, java.lang.foreign.ValueLayout.JAVA_BYTE, PAYLOAD_OFFSET, marker.length);
        setU16(frame, UDP_OFFSET + 6, InternetChecksum.udpIpv4(frame, UDP_OFFSET, udpLength, spec.source(),
                spec.destination()));
    }

    /** Parses "aa:bb:cc:dd:ee:ff" into 6 bytes. */
    public static byte[] mac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("MAC address: " + text + " (expected: 6 hex bytes separated by :)");
        }
        byte[] mac = new byte[6];
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }
}
