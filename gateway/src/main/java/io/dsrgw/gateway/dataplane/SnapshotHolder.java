package io.dsrgw.gateway.dataplane;

import java.util.Objects;

/**
 * The one volatile reference through which the control plane publishes a new {@link ForwardingSnapshot} to all
 * workers. A worker reads it once per batch; the snapshot itself is immutable, so no lock is needed anywhere.
 */
public final class SnapshotHolder {
    private volatile ForwardingSnapshot current;

    public SnapshotHolder(ForwardingSnapshot initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    /** The current snapshot (a volatile read: call once per batch, not per packet). */
    public ForwardingSnapshot get() {
        return current;
    }

    /** Publishes {@code next}; workers pick it up at their next batch. Returns the replaced snapshot. */
    public ForwardingSnapshot publish(ForwardingSnapshot next) {
        ForwardingSnapshot previous = current;
        current = Objects.requireNonNull(next, "next");
        return previous;
    }
}
