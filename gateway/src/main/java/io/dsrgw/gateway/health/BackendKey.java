package io.dsrgw.gateway.health;

import java.util.Objects;

/**
 * A backend of a VIP: health is tracked per (VIP, backend), since two VIPs may probe the same server differently.
 *
 * @param vip      VIP name
 * @param identity backend identity (canonical address text, {@link io.dsrgw.gateway.lb.BackendIdentity})
 */
public record BackendKey(String vip, String identity) {
    public BackendKey {
        Objects.requireNonNull(vip, "vip");
        Objects.requireNonNull(identity, "identity");
    }

    @Override
    public String toString() {
        return vip + "/" + identity;
    }
}
