package io.dsrgw.agent.plan;

/**
 * A fou receive port as {@code ip -j fou show} reports it.
 *
 * @param port    UDP port
 * @param family  4 or 6
 * @param gue     true for {@code gue}; false for a plain fou port of {@code ipproto}
 * @param ipproto the plain fou port's IP protocol, -1 for gue
 */
public record ObservedFouPort(int port, int family, boolean gue, int ipproto) {
    /** True when this is exactly {@code spec}: a gue port of that number and family. */
    public boolean is(FouPortSpec spec) {
        return gue && port == spec.port() && family == spec.family();
    }

    /** True when it occupies the port of {@code spec} (same number and family), whatever its type. */
    public boolean occupies(FouPortSpec spec) {
        return port == spec.port() && family == spec.family();
    }
}
