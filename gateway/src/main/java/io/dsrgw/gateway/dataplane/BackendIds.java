package io.dsrgw.gateway.dataplane;

import java.util.HashMap;
import java.util.Map;

/**
 * Stable small-integer ids for backends, per (VIP name, backend identity), kept by the control plane for the life
 * of the process and handed to every build through {@link ForwardingSnapshot.Builder#backendIds}. It lives in the
 * data plane because flow-table entries store these ids and every snapshot maps them to its own indices.
 *
 * <p>Why: a snapshot's backend indices are positions in its arrays and shift whenever a backend is added or
 * removed. Flow-table entries store the stable id instead, and a snapshot maps id -> its own index
 * ({@link ForwardingSnapshot#backendIndexById(int)}), so a flow keeps its backend across any number of reloads
 * and health changes without rewriting the table. An id is never given to another backend (ids are not reused),
 * so a stale entry can never be steered to the wrong server; a backend that comes back gets its old id.
 * Growth is bounded by the number of distinct backends ever configured.
 *
 * <p>Not thread-safe: the control plane builds snapshots on one thread at a time.
 */
public final class BackendIds {
    private final Map<String, Integer> idByKey = new HashMap<>();

    /** The id of backend {@code identity} of VIP {@code vipName}, assigned on first use. */
    public int idOf(String vipName, String identity) {
        return idByKey.computeIfAbsent(vipName + '\u0000' + identity, k -> idByKey.size());
    }

    /** Number of ids given out (the next id). */
    public int size() {
        return idByKey.size();
    }
}
