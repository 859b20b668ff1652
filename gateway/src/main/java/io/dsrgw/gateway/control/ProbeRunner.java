package io.dsrgw.gateway.control;

import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.ProbeSpec;

import java.util.Map;

/**
 * Runs the wanted health probes; {@link io.dsrgw.gateway.health.HealthChecker} in production, a recorder in tests.
 */
@FunctionalInterface
public interface ProbeRunner {
    /** Runs exactly {@code wanted}; newly tracked backends start up when {@code initiallyUp}. */
    void apply(Map<BackendKey, ProbeSpec> wanted, boolean initiallyUp);

    /** Runs no probes. */
    ProbeRunner NONE = (wanted, initiallyUp) -> { };
}
