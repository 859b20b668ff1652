package io.dsrgw.encap.flow;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Keyed, deterministic flow hash: SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012) under a 128-bit key, so that the backend choice is the same on every gateway with the same seed
 * and cannot be steered by someone who does not know it.
 *
 * <p>{@link #hash(FlowKey)} hashes this canonical 40-byte layout of the key (the stable definition: any
 * other implementation must produce the same bytes; {@link #canonicalBytes} returns them):
 * <pre>
 * bytes  0..7   source address, high 64 bits, big-endian      (IPv4: 0)
 * bytes  8..15  source address, low 64 bits, big-endian       (IPv4: 0,0,0,0, a,b,c,d)
 * bytes 16..23  destination address, high 64 bits, big-endian
 * bytes 24..31  destination address, low 64 bits, big-endian
 * byte  32      family (4 or 6)
 * byte  33      protocol
 * bytes 34..35  source port, big-endian
 * bytes 36..37  destination port, big-endian
 * bytes 38..39  zero (reserved)
 * </pre>
 * The fragment flag is not hashed: a fragment's key already has ports 0, and leaving the flag out keeps
 * "(src, dst, proto)" the one identity of port-less traffic. SipHash reads the message as little-endian
 * 64-bit words, so each big-endian address half enters as {@link Long#reverseBytes}; nothing is copied.
 *
 * <p>Immutable and thread-safe. {@link #hash} allocates nothing.
 */
public final class FlowHash {
    /** Length of the canonical tuple layout in bytes. */
    public static final int CANONICAL_LENGTH = 40;

    private final long k0;
    private final long k1;

    /** SipHash key halves, i.e. the little-endian loads of key bytes 0..7 and 8..15 of the reference code. */
    public FlowHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * Key derived from a configuration string: k0, k1 = bytes 0..7 and 8..15 of SHA-256(seed as UTF-8), each
     * read big-endian. Control plane only (allocates).
     */
    public static FlowHash fromSeed(String seed) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e); // required by every JDK
        }
        return new FlowHash(bigEndianLong(digest, 0), bigEndianLong(digest, 8));
    }

    public long k0() {
        return k0;
    }

    public long k1() {
        return k1;
    }

    /** SipHash-2-4 of the key's canonical 40-byte layout (see the class comment). No allocation. */
    public long hash(FlowKey key) {
        long m4 = (key.family() & 0xffL)
                | (key.protocol() & 0xffL) << 8
                | (long) ((key.sourcePort() >>> 8) & 0xff) << 16
                | (long) (key.sourcePort() & 0xff) << 24
                | (long) ((key.destinationPort() >>> 8) & 0xff) << 32
                | (long) (key.destinationPort() & 0xff) << 40;
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        // The five message words are compressed inline: a helper would have to return four longs (state
        // object or array per call), and the hot path must not allocate.
        long m;
        m = Long.reverseBytes(key.sourceHi());
        v3 ^= m;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;
        m = Long.reverseBytes(key.sourceLo());
        v3 ^= m;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;
        m = Long.reverseBytes(key.destinationHi());
        v3 ^= m;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;
        m = Long.reverseBytes(key.destinationLo());
        v3 ^= m;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;
        m = m4;
        v3 ^= m;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= m;
        return finalizeHash(v0, v1, v2, v3, (long) CANONICAL_LENGTH << 56);
    }

    /** SipHash-2-4 of arbitrary bytes (e.g. backend identities for Maglev permutations). */
    public long hashBytes(byte[] data) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int len = data.length;
        int end = len & ~7;
        for (int i = 0; i < end; i += 8) {
            long m = littleEndianLong(data, i);
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        long b = (long) len << 56;
        for (int i = end; i < len; i++) {
            b |= (data[i] & 0xffL) << (8 * (i - end));
        }
        return finalizeHash(v0, v1, v2, v3, b);
    }

    /** The last block (length byte + tail), then the four finalization rounds. */
    private static long finalizeHash(long v0, long v1, long v2, long v3, long b) {
        v3 ^= b;
        for (int r = 0; r < 2; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        v0 ^= b;
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** The canonical 40-byte layout of a key (see the class comment); allocates, for tests and tools. */
    public static byte[] canonicalBytes(FlowKey key) {
        byte[] b = new byte[CANONICAL_LENGTH];
        putBigEndianLong(b, 0, key.sourceHi());
        putBigEndianLong(b, 8, key.sourceLo());
        putBigEndianLong(b, 16, key.destinationHi());
        putBigEndianLong(b, 24, key.destinationLo());
        b[32] = (byte) key.family();
        b[33] = (byte) key.protocol();
        b[34] = (byte) (key.sourcePort() >>> 8);
        b[35] = (byte) key.sourcePort();
        b[36] = (byte) (key.destinationPort() >>> 8);
        b[37] = (byte) key.destinationPort();
        return b;
    }

    private static long littleEndianLong(byte[] b, int off) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    private static long bigEndianLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xffL);
        }
        return v;
    }

    private static void putBigEndianLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (56 - 8 * i));
        }
    }
}
