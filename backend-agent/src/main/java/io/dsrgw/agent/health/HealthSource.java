package io.dsrgw.agent.health;

import java.util.Map;

/**
 * What {@link HealthServer} answers. Called on the server's event loop: implementations must answer from
 * memory, without blocking or running commands.
 */
public interface HealthSource {
    /** The body and status of {@code GET /ready}. */
    Readiness readiness();

    /**
     * The body of {@code GET /status}: a JSON-serialisable tree (maps, lists, strings, numbers, booleans) that
     * includes the readiness fields and the counters.
     */
    Map<String, Object> status();
}
