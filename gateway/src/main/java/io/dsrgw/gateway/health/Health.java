package io.dsrgw.gateway.health;

/** What health checking says about a backend; combined with the configured state by the control plane. */
public enum Health {
    /** Passing its checks (or not checked: a VIP without health-check is trusted). */
    UP,
    /** Passing, but its agent asked to drain: no new flows, existing flows stay. */
    DRAINING,
    /** Failed {@code fall} consecutive checks: out of rotation, its flows are re-hashed. */
    DOWN
}
