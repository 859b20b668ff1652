package io.dsrgw.encap.flow;

import static io.dsrgw.encap.testing.TestPackets.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dsrgw.encap.testing.TestPackets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlowHashTest {
    /** Reference key of the SipHash paper and vectors.h: bytes 00..0f, loaded little-endian. */
    private static final FlowHash REFERENCE = new FlowHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    /**
     * SipHash-2-4 64-bit outputs for message i = bytes 00..(i-1), i = 0..63, from {@code vectors.h}
     * ({@code vectors_sip64}) of the reference implementation github.com/veorq/SipHash, written there as
     * little-endian bytes and here as the 64-bit values.
     */
    private static final String[] VECTORS = {
        "310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
        "b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
        "6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
        "fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
        "db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
        "98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
        "94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
        "a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
        "ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
        "b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
        "d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
        "f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
        "51a9cb9ecba312e6", "96afadfc2ce666c7", "72fe52975a4364ee", "5a1645b276d592a1",
        "b274cb8ebf87870a", "6f9bb4203de7b381", "eaecb2a30b22a87f", "9924a43cc1315724",
        "bd838d3aafbf8db7", "0b1a2a3265d51aea", "135079a3231ce660", "932b2846e4d70666",
        "e1915f5cb1eca46c", "f325965ca16d629f", "575ff28e60381be5", "724506eb4c328a95",
    };

    @Test
    void shouldMatchAllSixtyFourSipHashReferenceVectors() {
        for (int len = 0; len < 64; len++) {
            long expected = Long.reverseBytes(Long.parseUnsignedLong(VECTORS[len], 16));
            assertEquals(expected, REFERENCE.hashBytes(TestPackets.pattern(len)), "message length " + len);
        }
    }

    @Test
    void shouldHashTheKeyExactlyAsItsDocumentedCanonicalBytes() {
        FlowKey key = new FlowKey().setIpv4(ip("10.0.1.2"), ip("10.100.0.1"), 6, 40000, 80, false);
        byte[] canonical = FlowHash.canonicalBytes(key);
        assertArrayEquals(TestPackets.hex("0000000000000000 000000000a000102 0000000000000000 000000000a640001"
                + " 04 06 9c40 0050 0000"), canonical);
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            FlowHash hash = new FlowHash(random.nextLong(), random.nextLong());
            key.setIpv4(random.nextInt(), random.nextInt(), random.nextInt(256), random.nextInt(65536),
                    random.nextInt(65536), random.nextBoolean());
            assertEquals(hash.hashBytes(FlowHash.canonicalBytes(key)), hash.hash(key), key.toString());
        }
    }

    @Test
    void shouldDeriveTheKeyFromSha256OfTheSeed() {
        FlowHash fromEmpty = FlowHash.fromSeed("");
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4 649b934c a495991b 7852b855 (FIPS 180-4 examples)
        assertEquals(0xe3b0c44298fc1c14L, fromEmpty.k0());
        assertEquals(0x9afbf4c8996fb924L, fromEmpty.k1());
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad
        FlowHash fromAbc = FlowHash.fromSeed("abc");
        assertEquals(0xba7816bf8f01cfeaL, fromAbc.k0());
        assertEquals(0x414140de5dae2223L, fromAbc.k1());
    }

    @Test
    void shouldBeDeterministicAndDependOnTheSeed() {
        FlowKey key = new FlowKey().setIpv4(ip("192.0.2.7"), ip("10.100.0.1"), 6, 51234, 443, false);
        FlowHash a = FlowHash.fromSeed("same-on-every-gateway");
        FlowHash b = FlowHash.fromSeed("same-on-every-gateway");
        FlowHash other = FlowHash.fromSeed("another-seed");
        assertEquals(a.hash(key), b.hash(key));
        assertNotEquals(a.hash(key), other.hash(key));
    }

    @Test
    void shouldIgnoreTheFragmentFlagButNotThePorts() {
        FlowHash hash = FlowHash.fromSeed("s");
        FlowKey fragment = new FlowKey().setIpv4(ip("192.0.2.7"), ip("10.100.0.1"), 17, 0, 0, true);
        FlowKey portless = new FlowKey().setIpv4(ip("192.0.2.7"), ip("10.100.0.1"), 17, 0, 0, false);
        FlowKey withPorts = new FlowKey().setIpv4(ip("192.0.2.7"), ip("10.100.0.1"), 17, 1, 0, false);
        assertEquals(hash.hash(fragment), hash.hash(portless));
        assertNotEquals(hash.hash(fragment), hash.hash(withPorts));
    }

    @Test
    void shouldSpreadNeighbouringTuplesWithoutCollisions() {
        FlowHash hash = FlowHash.fromSeed("spread");
        FlowKey key = new FlowKey();
        Set<Long> seen = new HashSet<>();
        int[] buckets = new int[16];
        for (int port = 1024; port < 1024 + 16384; port++) {
            key.setIpv4(ip("198.51.100.1"), ip("10.100.0.1"), 6, port, 80, false);
            long h = hash.hash(key);
            seen.add(h);
            buckets[(int) (h >>> 60)]++;
        }
        assertEquals(16384, seen.size());
        for (int count : buckets) {
            assertTrue(count > 1024 * 0.85 && count < 1024 * 1.15, "bucket count " + count);
        }
    }
}
