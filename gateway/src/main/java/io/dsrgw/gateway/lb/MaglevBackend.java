package io.dsrgw.gateway.lb;

import java.util.Objects;

/**
 * One backend as Maglev sees it: only these three values (plus the hash seed) decide the table.
 *
 * @param identity the backend's identity, the address in canonical text form ({@link BackendIdentity}); the
 *                 permutation of the backend is derived from its UTF-8 bytes
 * @param weight   relative share of the table, 0..65535; 0 takes no slots (same as draining)
 * @param active   {@code false} for draining and down backends: they stay in the backend list (so indices and
 *                 identities remain known) but take no slots
 */
public record MaglevBackend(String identity, int weight, boolean active) {
    /** Largest weight accepted (the config range). */
    public static final int MAX_WEIGHT = 65535;

    public MaglevBackend {
        Objects.requireNonNull(identity, "identity");
        if (identity.isEmpty()) {
            throw new IllegalArgumentException("backend identity is empty (expected: an address in canonical form)");
        }
        if (weight < 0 || weight > MAX_WEIGHT) {
            throw new IllegalArgumentException("backend " + identity + " weight: " + weight
                    + " (expected: 0.." + MAX_WEIGHT + ")");
        }
    }

    /** True when this backend takes slots in the table: active and a weight above zero. */
    public boolean inRotation() {
        return active && weight > 0;
    }
}
