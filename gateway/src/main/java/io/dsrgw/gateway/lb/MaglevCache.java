package io.dsrgw.gateway.lb;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reuses Maglev tables between snapshot builds: a table is a pure function of (sorted backends with weight and
 * rotation, table size, hash seed), so a VIP whose backends did not change across a reload or a health change
 * gets the very same {@link MaglevTable} instead of a rebuild (DESIGN.md decision 2; issue 5 "Maglev tables
 * rebuilt only for VIPs that changed").
 *
 * <p>Generational: {@link #beginBuild()} starts a build; tables not used by the build are dropped at the next
 * {@link #beginBuild()}, so the cache holds at most the tables of two snapshots. Not thread-safe (control plane).
 */
public final class MaglevCache {
    private Map<Key, MaglevTable> previous = new HashMap<>();
    private Map<Key, MaglevTable> current = new HashMap<>();
    private long builds;
    private long reuses;

    /** Starts a snapshot build: keeps the tables of the last build, forgets older ones. */
    public void beginBuild() {
        previous = current;
        current = new HashMap<>();
    }

    /** The table for {@code backends}, from the cache when an identical input was built before. */
    public MaglevTable build(List<MaglevBackend> backends, int tableSize, MaglevHasher hasher, String seed) {
        List<MaglevBackend> sorted = new ArrayList<>(backends);
        sorted.sort(Comparator.comparing(MaglevBackend::identity));
        Key key = new Key(List.copyOf(sorted), tableSize, seed);
        MaglevTable t = current.get(key);
        if (t == null) {
            t = previous.get(key);
        }
        if (t == null) {
            t = Maglev.build(sorted, tableSize, hasher);
            builds++;
        } else {
            reuses++;
        }
        current.put(key, t);
        return t;
    }

    /** Tables computed (cache misses) since creation. */
    public long builds() {
        return builds;
    }

    /** Tables reused (cache hits) since creation. */
    public long reuses() {
        return reuses;
    }

    private record Key(List<MaglevBackend> backends, int tableSize, String seed) {
    }
}
