package io.dsrgw.conf;

import io.dsrgw.encap.tunnel.TunnelSpec;

/**
 * GUE settings of the gateway ({@code dsrgw.gateway.gue-port}, {@code gue-source-ports}): the outer UDP destination
 * port of backends reached with {@code tunnel = gue} (a VIP may override it with its own {@code gue-port}) and the
 * range the outer UDP source port is spread over by flow hash ({@link TunnelSpec#gueSourcePort(long)}).
 *
 * @param port            UDP destination port 1..65535 (default 6080, Katran's)
 * @param sourcePortMin   first source port of the range, 1..65535 (default 49152)
 * @param sourcePortMax   last source port of the range, {@code sourcePortMin}..65535 (default 65535)
 */
public record GueConfig(int port, int sourcePortMin, int sourcePortMax) {
    /** 6080, 49152-65535. */
    public static final GueConfig DEFAULT = new GueConfig(TunnelSpec.DEFAULT_GUE_PORT,
            TunnelSpec.DEFAULT_GUE_SOURCE_PORT_MIN, TunnelSpec.DEFAULT_GUE_SOURCE_PORT_MAX);

    public GueConfig {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("gue-port " + port + " (expected: 1..65535)");
        }
        if (sourcePortMin < 1 || sourcePortMax > 65535 || sourcePortMin > sourcePortMax) {
            throw new IllegalArgumentException("gue-source-ports " + sourcePortMin + "-" + sourcePortMax
                + " (expected: FIRST-LAST, 1 <= FIRST <= LAST <= 65535)");
        }
    }

    /** "49152-65535" (the configuration spelling). */
    public String sourcePorts() {
        return sourcePortMin + "-" + sourcePortMax;
    }
}
