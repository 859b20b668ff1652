package io.dsrgw.gateway.health;

import io.dsrgw.conf.HealthCheckConfig;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One backend's probe, derived from the VIP's {@link HealthCheckConfig}.
 *
 * <p>Conf today knows {@code type = tcp | http} with 2xx/3xx healthy. Proposed additions (the issue-5 report
 * lists them): {@code type = agent} (GET {@code path}, default {@value AgentReadiness#DEFAULT_PATH}, on the agent's
 * health port, default {@value AgentReadiness#DEFAULT_PORT}; see {@link AgentReadiness}) and
 * {@code expected-status = 200} for http (0 = any 2xx/3xx).
 *
 * @param kind           what to do
 * @param target         backend address and port
 * @param path           HTTP path (http, agent)
 * @param expectedStatus exact HTTP status for http, or 0 for any 2xx/3xx
 * @param intervalMs     time between probe starts
 * @param timeoutMs      time a probe may take, connect included
 * @param rise           consecutive successes to come up
 * @param fall           consecutive failures to go down
 */
public record ProbeSpec(Kind kind, InetSocketAddress target, String path, int expectedStatus, long intervalMs,
                        long timeoutMs, int rise, int fall) {

    /** Probe kinds. */
    public enum Kind {
        /** TCP connect, then close: success when the handshake completes in time. */
        TCP,
        /** HTTP/1.1 GET path: success on the expected status (any 2xx/3xx by default). */
        HTTP,
        /** HTTP GET of the agent's readiness endpoint: ready, draining or not-ready ({@link AgentReadiness}). */
        AGENT
    }

    public ProbeSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(path, "path");
        if (intervalMs < 1 || timeoutMs < 1 || timeoutMs > intervalMs) {
            throw new IllegalArgumentException("health check interval " + intervalMs + " ms, timeout " + timeoutMs
                    + " ms (expected: 1 <= timeout <= interval)");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise " + rise + ", fall " + fall + " (expected: >= 1)");
        }
    }

    /** The probe of {@code backend} for a VIP's health-check config. */
    public static ProbeSpec of(HealthCheckConfig hc, InetAddress backend) {
        Kind kind = switch (hc.type()) {
            case HealthCheckConfig.TYPE_TCP -> Kind.TCP;
            case HealthCheckConfig.TYPE_HTTP -> Kind.HTTP;
            case "agent" -> Kind.AGENT;
            default -> throw new IllegalArgumentException("health-check type: " + hc.type()
                    + " (expected: tcp, http or agent)");
        };
        return new ProbeSpec(kind, new InetSocketAddress(backend, hc.port()), hc.path(), 0, hc.interval().toMillis(),
                hc.timeout().toMillis(), hc.rise(), hc.fall());
    }

    /**
     * Worst-case time from a backend's death to its removal from rotation: the last good probe may have just
     * passed, then {@code fall} probes fail, each at the latest after its timeout.
     */
    public long detectionTimeMs() {
        return fall * intervalMs + timeoutMs;
    }
}
