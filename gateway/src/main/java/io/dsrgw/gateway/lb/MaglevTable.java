package io.dsrgw.gateway.lb;

import java.util.List;

/**
 * An immutable Maglev lookup table: {@code tableSize} slots, each holding the index of a backend in
 * {@link #backends()} (sorted by identity), or {@link #NO_BACKEND} when no backend is in rotation.
 *
 * <p>The flat {@code int[]} layout is deliberate: it is copied unchanged into the forwarding snapshot and can be
 * mirrored into a BPF array map later.
 */
public final class MaglevTable {
    /** Slot value when no backend is in rotation (every slot then holds it). */
    public static final int NO_BACKEND = -1;

    private final int[] slots;
    private final List<MaglevBackend> backends;
    private final int[] slotCounts;

    MaglevTable(int[] slots, List<MaglevBackend> backends) {
        this.slots = slots;
        this.backends = List.copyOf(backends);
        this.slotCounts = new int[backends.size()];
        for (int s : slots) {
            if (s != NO_BACKEND) {
                slotCounts[s]++;
            }
        }
    }

    /** Number of slots M (a prime). */
    public int size() {
        return slots.length;
    }

    /** Backend index held by slot {@code i} (0 <= i < size()), or {@link #NO_BACKEND}. */
    public int slot(int i) {
        return slots[i];
    }

    /** All backends, in rotation or not, sorted by identity; slot values index this list. */
    public List<MaglevBackend> backends() {
        return backends;
    }

    /** True when no backend is in rotation (every slot is {@link #NO_BACKEND}). */
    public boolean isEmpty() {
        return slots.length == 0 || slots[0] == NO_BACKEND;
    }

    /** Slots owned by backend {@code index}. */
    public int slotCount(int index) {
        return slotCounts[index];
    }

    /** Copies the slots into {@code dst} at {@code dstPos}, translating backend index i to {@code map[i]}. */
    public void copyInto(int[] dst, int dstPos, int[] map) {
        for (int i = 0; i < slots.length; i++) {
            int s = slots[i];
            dst[dstPos + i] = s == NO_BACKEND ? NO_BACKEND : map[s];
        }
    }

    /** A copy of the slots (backend indices into {@link #backends()}). */
    public int[] toArray() {
        return slots.clone();
    }

    /**
     * Number of slots whose backend (compared by identity, not index: indices shift when backends come and go)
     * differs between {@code previous} and this table. Tables of different sizes differ in every slot.
     */
    public int changedSlots(MaglevTable previous) {
        if (previous.slots.length != slots.length) {
            return slots.length;
        }
        // Translate previous indices to ours once, so the slot loop compares ints.
        int[] map = new int[previous.backends.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = indexOf(previous.backends.get(i).identity());
        }
        int changed = 0;
        for (int i = 0; i < slots.length; i++) {
            int p = previous.slots[i];
            int mapped = p == NO_BACKEND ? NO_BACKEND : map[p];
            if (mapped != slots[i] || (mapped == NO_BACKEND && p != NO_BACKEND)) {
                changed++;
            }
        }
        return changed;
    }

    /** Index of the backend with this identity, or {@link #NO_BACKEND}. */
    public int indexOf(String identity) {
        int lo = 0;
        int hi = backends.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = backends.get(mid).identity().compareTo(identity);
            if (c == 0) {
                return mid;
            } else if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return NO_BACKEND;
    }
}
