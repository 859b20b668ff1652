package io.dsrgw.conf;

/**
 * Administrative state of a backend: {@link #ACTIVE} takes new flows, {@link #DRAINING} keeps existing flows
 * but takes no new ones, {@link #DOWN} is out of the Maglev table (its flows are re-hashed).
 */
public enum BackendState {
    ACTIVE, DRAINING, DOWN;

    /** @return the configuration spelling ("active", "draining", "down") */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
