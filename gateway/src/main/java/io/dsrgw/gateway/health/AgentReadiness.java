package io.dsrgw.gateway.health;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wire format of the backend agent's readiness endpoint, shared knowledge of gateway and agent.
 *
 * <pre>
 *   GET /ready HTTP/1.1                       (port 9181 by default: agent health.listen)
 *
 *   HTTP/1.1 200 OK                           every VIP, tunnel and sysctl in place, not drained
 *   Content-Type: application/json
 *   {"state":"ready"}
 *
 *   HTTP/1.1 503 Service Unavailable          the operator ran "dsr-agent drain": alive, but no new flows
 *   {"state":"draining","drainedSince":...}   (200 is accepted too)
 *
 *   HTTP/1.1 503 Service Unavailable          something is missing; "reasons" is for humans, optional
 *   {"state":"not-ready","reasons":["vip 10.100.0.1 not on lo"]}
 * </pre>
 * The gateway reads the {@code state} member; the status code must agree (200 for ready, 503 for not-ready,
 * either for draining: the agent answers 503 so that a plain HTTP health check of any other load balancer also
 * stops sending new connections, while this gateway keeps the existing ones on the backend). Anything else (other status, no or unknown state, a body over {@link #MAX_RESPONSE_BYTES}) is a
 * failed probe.
 */
public final class AgentReadiness {
    public static final String DEFAULT_PATH = "/ready";
    public static final int DEFAULT_PORT = 9181;
    public static final String READY = "ready";
    public static final String DRAINING = "draining";
    public static final String NOT_READY = "not-ready";
    /** Responses longer than this are refused (a readiness answer is tens of bytes). */
    public static final int MAX_RESPONSE_BYTES = 16384;

    private static final Pattern STATE = Pattern.compile("\"state\"\\s*:\\s*\"([a-z-]+)\"");

    private AgentReadiness() {
    }

    /** The probe result of an agent response with {@code status} and {@code body}; detail in {@code why[0]}. */
    public static ProbeResult interpret(int status, String body, String[] why) {
        Matcher m = STATE.matcher(body);
        String state = m.find() ? m.group(1) : null;
        ProbeResult r;
        if (status == 200 && READY.equals(state)) {
            r = ProbeResult.SUCCESS;
        } else if ((status == 200 || status == 503) && DRAINING.equals(state)) {
            r = ProbeResult.DRAINING;
        } else {
            r = ProbeResult.FAILURE;
        }
        why[0] = "agent HTTP " + status + " state " + (state == null ? "missing" : state)
                + (r == ProbeResult.FAILURE && status != 503 && !NOT_READY.equals(state)
                ? " (expected: 200 ready, 200/503 draining or 503 not-ready)" : "");
        return r;
    }

    /** The JSON body for {@code state} (for the agent's side and tests). */
    public static String body(String state) {
        return "{\"state\":\"" + state + "\"}";
    }
}
