package io.dsrgw.encap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.flow.FlowKeyExtractor;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.testing.TestPackets;
import io.dsrgw.encap.tunnel.DecapResult;
import io.dsrgw.encap.tunnel.IpipDecapsulator;
import io.dsrgw.encap.tunnel.IpipEncapsulator;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing: whatever the bytes, wrap/extract/hash/decapsulate return a verdict and never throw, and
 * a verdict of OK always describes a packet that lies inside the bytes given.
 */
class RobustnessTest {
    private static final long SEED = 0x5eed_d5a6L;

    private final Ipv4Flyweight ip = new Ipv4Flyweight();
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final FlowKey key = new FlowKey();
    private final FlowHash hash = FlowHash.fromSeed("fuzz");
    private final IpipDecapsulator decap = new IpipDecapsulator();
    private final DecapResult result = new DecapResult();
    private final Map<PacketError, Integer> verdicts = new EnumMap<>(PacketError.class);

    /** Runs the whole receive path on {@code length} bytes at {@code offset}; asserts the OK invariants. */
    private void exercise(MemorySegment seg, long offset, int length) {
        PacketError error = ip.wrap(seg, offset, length);
        if (error == PacketError.OK) {
            assertEquals(4, ip.version());
            assertEquals(true, ip.headerLength() >= 20 && ip.headerLength() <= ip.totalLength());
            assertEquals(true, ip.totalLength() <= length);
            ip.checksumValid();
            error = extractor.extract(ip, key);
            hash.hash(key);
        }
        verdicts.merge(error, 1, Integer::sum);
        PacketError decapError = decap.decapsulate(seg, offset, length, result);
        if (decapError == PacketError.OK) {
            assertEquals(true, result.innerOffset() >= offset + 20);
            assertEquals(true, result.innerOffset() + result.innerLength() <= offset + length);
        }
        assertNotNull(decapError);
    }

    @Test
    void shouldNeverThrowOnRandomBytes() {
        Random random = new Random(SEED);
        for (int i = 0; i < 200_000; i++) {
            byte[] bytes = new byte[random.nextInt(80)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) {
                bytes[0] = (byte) (0x40 | (bytes[0] & 0x0f)); // version 4 half of the time: reach deeper checks
            }
            if (bytes.length > 3 && random.nextBoolean()) {
                bytes[2] = 0;
                bytes[3] = (byte) random.nextInt(bytes.length + 1); // plausible total length
            }
            exercise(MemorySegment.ofArray(bytes), 0, bytes.length);
        }
        assertEquals(true, verdicts.getOrDefault(PacketError.OK, 0) > 0, "some random packets parse: " + verdicts);
        assertEquals(true, verdicts.size() >= 6, "many different verdicts reached: " + verdicts);
    }

    @Test
    void shouldNeverThrowOnTruncationsAndBitFlipsOfValidPackets() {
        List<byte[]> valid = List.of(
                TestPackets.tcpPacket("192.0.2.1", "10.100.0.1", 1000, 80, 2, 0),
                TestPackets.udpPacket("192.0.2.2", "10.100.0.1", 1001, 53, 31),
                TestPackets.icmpEchoPacket("192.0.2.3", "10.100.0.1", 7, 1, 56),
                encapsulated(TestPackets.tcpPacket("192.0.2.4", "10.100.0.1", 1002, 443, 0x10, 100)));
        Random random = new Random(SEED + 1);
        for (byte[] packet : valid) {
            for (int cut = 0; cut <= packet.length; cut++) {
                exercise(MemorySegment.ofArray(packet), 0, cut);
            }
            for (int i = 0; i < 20_000; i++) {
                byte[] mutated = packet.clone();
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) {
                    mutated[random.nextInt(Math.min(mutated.length, 64))] ^= (byte) (1 << random.nextInt(8));
                }
                int length = random.nextInt(4) == 0 ? random.nextInt(mutated.length + 1) : mutated.length;
                // also at an offset inside a larger segment, and with a length claiming more than exists
                byte[] shifted = TestPackets.withHeadroom(mutated, 7);
                exercise(MemorySegment.ofArray(mutated), 0, length);
                exercise(MemorySegment.ofArray(shifted), 7, length);
                exercise(MemorySegment.ofArray(mutated), 0, mutated.length + random.nextInt(100));
                exercise(MemorySegment.ofArray(mutated), random.nextInt(200) - 100, length);
            }
        }
    }

    @Test
    void shouldNeverThrowWhenEncapsulatingWithArbitraryArguments() {
        Random random = new Random(SEED + 2);
        for (int i = 0; i < 100_000; i++) {
            byte[] bytes = new byte[random.nextInt(120)];
            long innerOffset = random.nextInt(160) - 20;
            int innerLength = random.nextInt(200) - 20;
            long outer = IpipEncapsulator.encapsulate(MemorySegment.ofArray(bytes), innerOffset, innerLength,
                    random.nextInt(), random.nextInt(), random.nextInt(256), random.nextInt(65536));
            if (outer >= 0) {
                assertEquals(innerOffset - 20, outer);
                assertEquals(true, innerOffset + innerLength <= bytes.length);
            }
        }
    }

    private static byte[] encapsulated(byte[] inner) {
        byte[] buf = TestPackets.withHeadroom(inner, 20);
        IpipEncapsulator.encapsulate(MemorySegment.ofArray(buf), 20, inner.length, 0x0a000202, 0x0a00030a, 64, 0);
        return buf;
    }
}
