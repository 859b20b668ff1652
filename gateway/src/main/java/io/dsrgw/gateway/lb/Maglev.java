package io.dsrgw.gateway.lb;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Weighted Maglev table construction (NSDI'16, section 3.4, "Pseudocode 1: Populate Maglev hashing lookup
 * table"), as a pure function.
 *
 * <h2>Permutations</h2>
 * Backend i's preference list is {@code permutation[i][j] = (offset_i + j * skip_i) mod M} with
 * {@code offset_i = h1(id_i) mod M} and {@code skip_i = h2(id_i) mod (M - 1) + 1} ({@link MaglevHasher}); M is
 * prime, so every skip is coprime to M and each preference list visits every slot exactly once.
 *
 * <h2>Weights: credit-based turns</h2>
 * The paper fills the table in rounds in which each backend, in turn, claims its next preferred free slot. Here a
 * backend earns {@code weight} credit per round and may claim one slot whenever its credit reaches
 * {@code maxWeight} (the largest weight in rotation), paying {@code maxWeight} for it. So in R rounds backend i
 * claims {@code floor(R * w_i / maxWeight)} slots (within one), i.e. shares are proportional to the weights, a
 * backend never claims two slots in one round, and with equal weights every backend claims one slot per round:
 * exactly the paper's algorithm, with its balance bound (each backend holds {@code floor(M/N)} or
 * {@code ceil(M/N)} slots). Because claims interleave round by round, the disruption properties of the paper are
 * kept for weighted sets too.
 *
 * <h2>Determinism</h2>
 * The table depends only on the set of (identity, weight, in rotation) and the hasher: backends are sorted by
 * identity before anything else, so the order of the config never matters, and no clock or randomness is used.
 * Backends not in rotation (draining, down, weight 0) keep their index but take no slots.
 *
 * <p>Cost: one pass over the in-rotation backends per round, about {@code M * maxWeight / sum(weights)} rounds:
 * O(M) for equal weights (65537 slots, 1000 backends: ~20 ms here), up to O(M * N) when one backend outweighs
 * all others together (1 backend of weight 65535 plus 999 of weight 1: ~0.5 s). Control plane only.
 */
public final class Maglev {
    /** Default table size: the prime the paper uses for its small tables. */
    public static final int DEFAULT_TABLE_SIZE = 65537;

    private static final Comparator<MaglevBackend> BY_IDENTITY = Comparator.comparing(MaglevBackend::identity);

    private Maglev() {
    }

    /**
     * Builds the table for {@code backends} (any order) with {@code tableSize} slots.
     *
     * @throws IllegalArgumentException if tableSize is not a prime >= 3 or two backends share an identity
     */
    public static MaglevTable build(Collection<MaglevBackend> backends, int tableSize, MaglevHasher hasher) {
        Objects.requireNonNull(hasher, "hasher");
        requirePrime(tableSize);
        List<MaglevBackend> sorted = new ArrayList<>(backends);
        sorted.sort(BY_IDENTITY);
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).identity().equals(sorted.get(i - 1).identity())) {
                throw new IllegalArgumentException("duplicate backend " + sorted.get(i).identity()
                        + " (expected: each backend once)");
            }
        }
        int[] table = new int[tableSize];
        Arrays.fill(table, MaglevTable.NO_BACKEND);

        int[] index = IntStream.range(0, sorted.size()).filter(i -> sorted.get(i).inRotation()).toArray();
        int n = index.length;
        if (n == 0) {
            return new MaglevTable(table, sorted);
        }
        int[] next = new int[n];    // current position in the preference list, as a slot number
        int[] skip = new int[n];
        int[] weight = new int[n];
        int[] credit = new int[n];
        int maxWeight = 0;
        for (int k = 0; k < n; k++) {
            MaglevBackend b = sorted.get(index[k]);
            next[k] = hasher.offset(b.identity(), tableSize);
            skip[k] = hasher.skip(b.identity(), tableSize);
            weight[k] = b.weight();
            maxWeight = Math.max(maxWeight, b.weight());
        }
        int filled = 0;
        while (true) {
            for (int k = 0; k < n; k++) {
                credit[k] += weight[k];
                if (credit[k] < maxWeight) {
                    continue;
                }
                credit[k] -= maxWeight;
                int c = next[k];
                while (table[c] != MaglevTable.NO_BACKEND) {
                    c += skip[k];
                    if (c >= tableSize) {
                        c -= tableSize;
                    }
                }
                table[c] = index[k];
                c += skip[k];
                next[k] = c >= tableSize ? c - tableSize : c;
                if (++filled == tableSize) {
                    return new MaglevTable(table, sorted);
                }
            }
        }
    }

    /** Builds the table for the new backend set and counts how many slots changed owner since {@code previous}. */
    public static MaglevUpdate update(MaglevTable previous, Collection<MaglevBackend> backends, MaglevHasher hasher) {
        MaglevTable table = build(backends, previous.size(), hasher);
        return new MaglevUpdate(table, table.changedSlots(previous));
    }

    /** The result of {@link #update}: the new table and the number of slots whose backend changed. */
    public record MaglevUpdate(MaglevTable table, int changedSlots) {
    }

    /** True when n is prime (trial division; table sizes are at most ~10^6). */
    public static boolean isPrime(int n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (int d = 3; (long) d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }

    private static void requirePrime(int tableSize) {
        if (tableSize < 3 || !isPrime(tableSize)) {
            throw new IllegalArgumentException("maglev table size: " + tableSize + " (expected: a prime >= 3)");
        }
    }
}
