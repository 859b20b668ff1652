package io.dsrgw.agent.userspace;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of the agent's userspace decapsulator: byte 0 picks the socket (raw IPv4 with the outer
 * header, or raw IPv6 payload with next header 4, 41 or 47 and a gateway or stranger as outer source; with its top
 * bit set, a GUE UDP socket's datagram payload, IPv4 or IPv6 outer, from a gateway or a stranger), the rest is the
 * packet. Invariants: no exception; rx and exactly one outcome counter move; only {@code decap_packets} writes,
 * exactly one packet, which is a slice of the input (never bytes from elsewhere) of at least an IP header, whose
 * destination is a configured VIP of its family, from a configured gateway.
 *
 * <p>{@code mvn test} runs the saved inputs ({@code UserspaceDecapsulatorFuzzTestInputs/decap/}).
 */
class UserspaceDecapsulatorFuzzTest {
    static final int GATEWAY4 = 10 << 24 | 2 << 8 | 2;
    static final int VIP4 = 10 << 24 | 100 << 16 | 1;
    static final byte[] GATEWAY6 = InetAddress.ofLiteral("fd00:2::2").getAddress();
    static final byte[] VIP6 = InetAddress.ofLiteral("fd00:100::1").getAddress();
    static final int[] NEXT_HEADERS = {4, 41, 47};

    /** Records where the written packet was. */
    static final class Sink implements PacketSink {
        int writes;
        long offset;
        int length;

        @Override
        public boolean write(MemorySegment seg, long offset, int length) {
            writes++;
            this.offset = offset;
            this.length = length;
            return true;
        }
    }

    final Sink sink = new Sink();
    final DecapCounters counters = new DecapCounters();
    final UserspaceDecapsulator decap = new UserspaceDecapsulator(Ipv4AddressSet.of(GATEWAY4),
            Ipv6AddressSet.ofInet(List.of(InetAddress.ofLiteral("fd00:2::2"))), Ipv4AddressSet.of(VIP4),
            Ipv6AddressSet.ofInet(List.of(InetAddress.ofLiteral("fd00:100::1"))), GreKeySet.of(List.of(42L)), sink,
            counters);

    @FuzzTest(maxDuration = "10m")
    void decap(byte[] data) {
        if (data.length == 0) {
            return;
        }
        int mode = data[0] & 0xff;
        byte[] packet = Arrays.copyOfRange(data, 1, data.length);
        long rx = counters.get(DecapCounter.RX_PACKETS);
        long[] before = values();
        sink.writes = 0;
        DecapCounter outcome;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(Math.max(1, packet.length));
            MemorySegment.copy(packet, 0, seg, ValueLayout.JAVA_BYTE, 0, packet.length);
            boolean ipv6 = (mode & 1) != 0;
            boolean gue = (mode & 0x80) != 0;
            if (gue) {
                boolean fromGateway = (mode & 2) == 0;
                if (ipv6) {
                    long hi = fromGateway ? be(GATEWAY6, 0) : be(GATEWAY6, 0) ^ 1;
                    outcome = decap.onGuePayload(seg, 0, packet.length, 6, hi, be(GATEWAY6, 8));
                } else {
                    int source = fromGateway ? GATEWAY4 : GATEWAY4 ^ 1;
                    outcome = decap.onGuePayload(seg, 0, packet.length, 4, 0, source & 0xffff_ffffL);
                }
            } else if (ipv6) {
                boolean fromGateway = (mode & 2) == 0;
                long hi = fromGateway ? be(GATEWAY6, 0) : be(GATEWAY6, 0) ^ 1;
                long lo = be(GATEWAY6, 8);
                outcome = decap.onIpv6Payload(seg, 0, packet.length, NEXT_HEADERS[(mode >> 2) % 3], hi, lo);
            } else {
                outcome = decap.onIpv4Packet(seg, 0, packet.length);
            }
            check(counters.get(DecapCounter.RX_PACKETS) == rx + 1, "rx did not move by one");
            long[] after = values();
            for (DecapCounter c : DecapCounter.values()) {
                if (c == DecapCounter.RX_PACKETS || c == DecapCounter.DECAP_PACKETS) {
                    continue; // decap_packets is counted per kind
                }
                long expected = c == outcome ? 1 : 0;
                check(after[c.ordinal()] - before[c.ordinal()] == expected, c + " moved by "
                        + (after[c.ordinal()] - before[c.ordinal()]) + " for outcome " + outcome);
            }
            if (outcome != DecapCounter.DECAP_PACKETS) {
                check(sink.writes == 0, outcome + " but " + sink.writes + " packets written");
                return;
            }
            check(sink.writes == 1, "decap_packets with " + sink.writes + " packets written");
            check(sink.offset >= 0 && sink.length > 0 && sink.offset + sink.length <= packet.length,
                    "wrote [" + sink.offset + ", +" + sink.length + ") of a " + packet.length + "-byte packet");
            byte[] inner = Arrays.copyOfRange(packet, (int) sink.offset, (int) sink.offset + sink.length);
            int version = (inner[0] & 0xf0) >> 4;
            if (version == 4) {
                check(inner.length >= 20 && be32(inner, 16) == VIP4, "inner IPv4 not to the VIP");
            } else {
                check(version == 6 && inner.length >= 40
                        && Arrays.equals(Arrays.copyOfRange(inner, 24, 40), VIP6), "inner IPv6 not to the VIP");
            }
            if (gue) {
                check((mode & 2) == 0, "decapsulated a GUE datagram from a stranger");
                check(sink.offset == 0, "GUE: the inner packet starts at " + sink.offset + ", not right behind the UDP"
                        + " header (variant 1)");
            } else if (!ipv6) {
                check(be32(packet, 12) == GATEWAY4, "decapsulated a packet from a stranger");
            } else {
                check((mode & 2) == 0, "decapsulated a packet from a stranger");
            }
        }
    }

    private long[] values() {
        long[] v = new long[DecapCounter.values().length];
        for (DecapCounter c : DecapCounter.values()) {
            v[c.ordinal()] = counters.get(c);
        }
        return v;
    }

    static long be(byte[] b, int i) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = v << 8 | (b[i + k] & 0xff);
        }
        return v;
    }

    static int be32(byte[] b, int i) {
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
