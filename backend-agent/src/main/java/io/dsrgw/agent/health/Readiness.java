package io.dsrgw.agent.health;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One answer of the readiness endpoint.
 *
 * @param state         ready, draining or not ready
 * @param reasons       why not ready: the pending plan operations (the exact drift) or the problem; empty when
 *                      ready
 * @param checkedAt     when the host was last read back (null before the first read-back)
 * @param drainedSince  when the drain flag was set (null when not drained)
 */
public record Readiness(ReadinessState state, List<String> reasons, Instant checkedAt, Instant drainedSince) {
    public Readiness {
        Objects.requireNonNull(state, "state");
        reasons = List.copyOf(reasons);
    }

    /**
     * The JSON body of {@code GET /ready}, fields in this order:
     * <pre>
     * {"state":"ready","checkedAt":"2026-11-22T02:40:00Z"}
     * {"state":"draining","drainedSince":"2026-11-22T02:41:07Z","checkedAt":"..."}
     * {"state":"not-ready","reasons":["ip addr add 10.100.0.1/32 dev lo label lo:dsrvip"],"checkedAt":"..."}
     * </pre>
     * {@code reasons} appears whenever there is one (also while draining), {@code drainedSince} while drained,
     * {@code checkedAt} once the host was read back.
     */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("state", state.id());
        if (!reasons.isEmpty()) {
            json.put("reasons", reasons);
        }
        if (drainedSince != null) {
            json.put("drainedSince", drainedSince.toString());
        }
        if (checkedAt != null) {
            json.put("checkedAt", checkedAt.toString());
        }
        return json;
    }
}
