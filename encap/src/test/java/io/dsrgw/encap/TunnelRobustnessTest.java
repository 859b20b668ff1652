package io.dsrgw.encap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.flow.FlowHash;
import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.encap.flow.FlowKeyExtractor;
import io.dsrgw.encap.icmp.IcmpBuilder;
import io.dsrgw.encap.icmp.Ipv4Fragmenter;
import io.dsrgw.encap.ip.Ipv4Flyweight;
import io.dsrgw.encap.ip.Ipv6Flyweight;
import io.dsrgw.encap.testing.FixtureTable;
import io.dsrgw.encap.tunnel.DecapResult;
import io.dsrgw.encap.tunnel.GreFlyweight;
import io.dsrgw.encap.tunnel.TunnelDecapsulator;
import io.dsrgw.encap.tunnel.TunnelEncapsulator;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.encap.tunnel.TunnelSpec;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of everything issue 3 added: IPv6 walk (also quoted), ICMP-error keys, GRE, decapsulation of
 * every kind, ICMP builders, fragmentation, encapsulation. Whatever the bytes, nothing throws, and an OK result
 * always points inside the bytes given. Inputs: random bytes with plausible headers, and truncations and bit
 * flips of every fixture-table input.
 */
class TunnelRobustnessTest {
    private static final long SEED = 0x1ab5_3eedL;

    private final Ipv4Flyweight ip4 = new Ipv4Flyweight();
    private final Ipv6Flyweight ip6 = new Ipv6Flyweight();
    private final FlowKeyExtractor extractor = new FlowKeyExtractor();
    private final FlowKey key = new FlowKey();
    private final FlowHash hash = FlowHash.fromSeed("fuzz6");
    private final GreFlyweight gre = new GreFlyweight();
    private final TunnelDecapsulator decap = new TunnelDecapsulator();
    private final TunnelEncapsulator encap = new TunnelEncapsulator();
    private final DecapResult result = new DecapResult();
    private final Map<PacketError, Integer> verdicts = new EnumMap<>(PacketError.class);
    private final MemorySegment out = MemorySegment.ofArray(new byte[4096]);
    private final MemorySegment[] fragments = new MemorySegment[4];
    private final int[] lengths = new int[4];
    private final List<TunnelSpec> specs = new ArrayList<>();

    TunnelRobustnessTest() {
        for (int i = 0; i < fragments.length; i++) {
            fragments[i] = MemorySegment.ofArray(new byte[1600]);
        }
        for (TunnelKind kind : TunnelKind.values()) {
            if (kind == TunnelKind.NONE) {
                continue; // L2 DSR: no encapsulation (LinkLayerSpecTest)
            }
            boolean greKind = kind == TunnelKind.GRE || kind == TunnelKind.IP6GRE;
            specs.add(kind.outerFamily() == 4 ? TunnelSpec.ipv4Outer(kind, 1, 2, 64, greKind, 42, greKind)
                    : TunnelSpec.ipv6Outer(kind, 1, 2, 3, 4, 64, greKind, 42, greKind));
        }
    }

    private void exercise(byte[] bytes, int mtu) {
        MemorySegment seg = MemorySegment.ofArray(bytes);
        int length = bytes.length;
        PacketError error = ip6.wrap(seg, 0, length);
        if (error == PacketError.OK) {
            assertTrue(ip6.upperOffset() >= 40 && ip6.upperOffset() + ip6.upperLength() <= length);
            PacketError keyError = extractor.extract(ip6, key);
            if (keyError == PacketError.OK) {
                hash.hash(key);
            }
            verdicts.merge(keyError, 1, Integer::sum);
            extractor.extractFromIcmpv6Error(ip6, key);
        }
        verdicts.merge(error, 1, Integer::sum);
        if (ip6.wrapQuoted(seg, 0, length) == PacketError.OK) {
            assertTrue(ip6.upperOffset() + ip6.upperLength() <= length);
        }
        if (ip4.wrap(seg, 0, length) == PacketError.OK) {
            extractor.extractFromIcmpError(ip4, key);
        }
        if (gre.wrap(seg, 0, length) == PacketError.OK) {
            assertTrue(gre.headerLength() <= length);
            gre.checksumValid(length);
        }
        PacketError d = decap.decapsulateIpv4(seg, 0, length, result);
        checkDecap(d, length);
        for (int nextHeader : new int[] {4, 41, 47}) {
            checkDecap(decap.decapsulateIpv6Payload(seg, 0, length, nextHeader, 1, 2, result), length);
        }
        checkBuilt(IcmpBuilder.fragmentationNeeded(seg, 0, length, mtu, 64, out, 0), 576);
        checkBuilt(IcmpBuilder.packetTooBig(seg, 0, length, mtu, 64, out, 0), 1280);
        checkBuilt(IcmpBuilder.echoReplyIpv4InPlace(seg, 0, length, 64), length);
        checkBuilt(IcmpBuilder.echoReplyIpv6InPlace(seg, 0, length, 64), length);
        int count = Ipv4Fragmenter.fragment(seg, 0, length, mtu, fragments, 0, lengths);
        for (int i = 0; i < count; i++) {
            assertTrue(lengths[i] <= Math.max(mtu, 0) || count == 1);
        }
        byte[] copy = new byte[64 + length];
        System.arraycopy(bytes, 0, copy, 64, length);
        for (TunnelSpec spec : specs) {
            long outer = encap.encapsulate(MemorySegment.ofArray(copy), 64, length, bytes.length > 0
                    ? (bytes[0] >> 4) & 0xf : 0, spec, 1, 1);
            assertTrue(outer == -1 || outer == 64 - spec.overheadBytes());
        }
    }

    private void checkDecap(PacketError error, int length) {
        if (error == PacketError.OK) {
            assertTrue(result.innerOffset() >= 0 && result.innerOffset() + result.innerLength() <= length);
            assertTrue(result.innerVersion() == 4 || result.innerVersion() == 6);
        }
        verdicts.merge(error, 1, Integer::sum);
    }

    private static void checkBuilt(int n, int max) {
        assertTrue(n == -1 || (n >= 28 && n <= max), "length " + n);
    }

    @Test
    void shouldNeverThrowOnRandomBytesWithPlausibleHeaders() {
        Random random = new Random(SEED);
        for (int i = 0; i < 60_000; i++) {
            byte[] bytes = new byte[random.nextInt(160)];
            random.nextBytes(bytes);
            if (bytes.length > 6 && random.nextBoolean()) {
                bytes[0] = (byte) (random.nextBoolean() ? 0x60 : 0x45);
                bytes[4] = 0;
                bytes[5] = (byte) Math.max(0, bytes.length - 40 - random.nextInt(3)); // plausible payload length
                bytes[2] = 0;
                bytes[3] = (byte) (bytes[0] == 0x45 ? bytes.length : bytes[3]);
                bytes[6] = (byte) new int[] {0, 43, 44, 60, 6, 17, 58, 4, 41, 47, 50, 51}[random.nextInt(12)];
            }
            exercise(bytes, 40 + random.nextInt(1600));
        }
        assertTrue(verdicts.getOrDefault(PacketError.OK, 0) > 0, verdicts.toString());
        assertTrue(verdicts.size() >= 8, "many different verdicts reached: " + verdicts);
    }

    @Test
    void shouldNeverThrowOnTruncationsAndBitFlipsOfEveryFixtureInput() {
        Random random = new Random(SEED + 1);
        int cases = 0;
        for (String table : FixtureTable.TABLES) {
            for (FixtureTable.Case c : FixtureTable.load(table)) {
                byte[] input = c.input();
                for (int cut = 0; cut <= Math.min(input.length, 120); cut++) {
                    exercise(java.util.Arrays.copyOf(input, cut), 1280);
                }
                for (int flip = 0; flip < 200; flip++) {
                    byte[] copy = input.clone();
                    if (copy.length == 0) {
                        break;
                    }
                    int at = random.nextInt(Math.min(copy.length, 80));
                    copy[at] ^= (byte) (1 << random.nextInt(8));
                    exercise(copy, 68 + random.nextInt(1500));
                }
                cases++;
            }
        }
        assertEquals(true, cases > 100, "fixture cases: " + cases);
    }
}
