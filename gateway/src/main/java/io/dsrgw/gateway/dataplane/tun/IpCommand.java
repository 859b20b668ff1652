package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.gateway.linux.Iproute2;

import java.io.IOException;

/**
 * Runs iproute2's {@code ip} command for this package ({@link TunIngress}'s link settings and VIP routes) through
 * the gateway's one runner, {@link Iproute2}, which the announce routes use too.
 */
final class IpCommand {
    private IpCommand() {
    }

    /** Runs {@code ip args...}; returns stdout, throws with the command, exit status and stderr on failure. */
    static String run(String... args) throws IOException {
        return Iproute2.ip(args);
    }
}
