package io.dsrgw.gateway.lb;

import io.dsrgw.encap.flow.FlowHash;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * The two independent keyed hash functions Maglev needs to derive a backend's permutation
 * (paper section 3.4: {@code offset = h1(name) mod M}, {@code skip = h2(name) mod (M - 1) + 1}).
 *
 * <p>In production both are SipHash-2-4 ({@link FlowHash#hashBytes}) keyed from the configured hash seed with a
 * different domain-separation suffix each, so the permutations are unpredictable to outsiders yet identical on
 * every gateway with the same seed.
 */
public final class MaglevHasher {
    /** Appended to the seed for the offset hash; changing it changes every table: never change it. */
    static final String OFFSET_DOMAIN = "\u0000maglev-offset";
    /** Appended to the seed for the skip hash; changing it changes every table: never change it. */
    static final String SKIP_DOMAIN = "\u0000maglev-skip";

    private final ToLongFunction<byte[]> offsetHash;
    private final ToLongFunction<byte[]> skipHash;

    /** For tests and alternative hash families; production uses {@link #fromSeed(String)}. */
    public MaglevHasher(ToLongFunction<byte[]> offsetHash, ToLongFunction<byte[]> skipHash) {
        this.offsetHash = Objects.requireNonNull(offsetHash, "offsetHash");
        this.skipHash = Objects.requireNonNull(skipHash, "skipHash");
    }

    /** The production hasher for the configured {@code hash-seed}. */
    public static MaglevHasher fromSeed(String seed) {
        Objects.requireNonNull(seed, "seed");
        FlowHash offset = FlowHash.fromSeed(seed + OFFSET_DOMAIN);
        FlowHash skip = FlowHash.fromSeed(seed + SKIP_DOMAIN);
        return new MaglevHasher(offset::hashBytes, skip::hashBytes);
    }

    /** First slot of the backend's permutation, in [0, tableSize). */
    int offset(String identity, int tableSize) {
        long h = offsetHash.applyAsLong(identity.getBytes(StandardCharsets.UTF_8));
        return (int) Long.remainderUnsigned(h, tableSize);
    }

    /** Step of the backend's permutation, in [1, tableSize - 1]; coprime to a prime table size. */
    int skip(String identity, int tableSize) {
        long h = skipHash.applyAsLong(identity.getBytes(StandardCharsets.UTF_8));
        return (int) Long.remainderUnsigned(h, tableSize - 1) + 1;
    }
}
