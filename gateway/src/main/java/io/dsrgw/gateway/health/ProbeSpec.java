package io.dsrgw.gateway.health;

import io.dsrgw.conf.HealthCheckConfig;
import io.dsrgw.conf.IntRanges;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One backend's probe, derived from the VIP's {@link HealthCheckConfig}.
 *
 * <p>Types ({@code health-check.type}): {@code tcp}, {@code http} and {@code https} (GET {@code path}; healthy on
 * an {@code expected-status}), {@code agent} (GET the agent's readiness endpoint, {@link AgentReadiness}). HTTPS
 * does NOT verify the backend's certificate: the check is a liveness probe of the server, not an authentication
 * of it (backends commonly serve certificates for the public name, not their own address).
 * {@code tunnel}: an ICMP echo to the VIP through the backend's own tunnel, answered straight back
 * ({@link TunnelProber}; ICMP for IPv4 VIPs, ICMPv6 from tunnel-source.ipv6 for IPv6 VIPs; the port is not used).
 *
 * @param kind           what to do
 * @param target         backend address and port
 * @param path           HTTP path (http, agent)
 * @param expectedStatus accepted HTTP statuses (http, https) as inclusive ranges, flattened:
 *                       {@code [low0, high0, low1, high1, ...]}; any 2xx/3xx when empty
 * @param intervalMs     time between probe starts
 * @param timeoutMs      time a probe may take, connect included
 * @param rise           consecutive successes to come up
 * @param fall           consecutive failures to go down
 */
public record ProbeSpec(Kind kind, InetSocketAddress target, String path, List<Integer> expectedStatus,
                        long intervalMs, long timeoutMs, int rise, int fall) {

    /** Probe kinds. */
    public enum Kind {
        /** TCP connect, then close: success when the handshake completes in time. */
        TCP,
        /** HTTP/1.1 GET path: success on the expected status (any 2xx/3xx by default). */
        HTTP,
        /** {@link #HTTP} over TLS; the certificate is not verified (a liveness probe). */
        HTTPS,
        /** HTTP GET of the agent's readiness endpoint: ready, draining or not-ready ({@link AgentReadiness}). */
        AGENT,
        /** ICMP echo to the VIP encapsulated in the backend's tunnel, reply straight back ({@link TunnelProber}). */
        TUNNEL
    }

    public ProbeSpec {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(path, "path");
        expectedStatus = List.copyOf(expectedStatus);
        if (expectedStatus.size() % 2 != 0) {
            throw new IllegalArgumentException("expectedStatus: " + expectedStatus + " (expected: low/high pairs)");
        }
        if (intervalMs < 1 || timeoutMs < 1 || timeoutMs > intervalMs) {
            throw new IllegalArgumentException("health check interval " + intervalMs + " ms, timeout " + timeoutMs
                    + " ms (expected: 1 <= timeout <= interval)");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise " + rise + ", fall " + fall + " (expected: >= 1)");
        }
    }

    /** A spec accepting exactly {@code expectedStatus}, or any 2xx/3xx when it is 0. */
    public ProbeSpec(Kind kind, InetSocketAddress target, String path, int expectedStatus, long intervalMs,
                     long timeoutMs, int rise, int fall) {
        this(kind, target, path, expectedStatus == 0 ? List.of() : List.of(expectedStatus, expectedStatus),
                intervalMs, timeoutMs, rise, fall);
    }

    /** True when {@code status} is accepted (http, https). */
    public boolean accepts(int status) {
        if (expectedStatus.isEmpty()) {
            return status >= 200 && status < 400;
        }
        for (int i = 0; i < expectedStatus.size(); i += 2) {
            if (status >= expectedStatus.get(i) && status <= expectedStatus.get(i + 1)) {
                return true;
            }
        }
        return false;
    }

    /** The accepted statuses as text: "2xx or 3xx", "200", "200-299, 301". */
    public String expectedText() {
        if (expectedStatus.isEmpty()) {
            return "2xx or 3xx";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < expectedStatus.size(); i += 2) {
            int lo = expectedStatus.get(i);
            int hi = expectedStatus.get(i + 1);
            sb.append(sb.isEmpty() ? "" : ", ").append(lo == hi ? Integer.toString(lo) : lo + "-" + hi);
        }
        return sb.toString();
    }

    /** The probe of {@code backend} for a VIP's health-check config. */
    public static ProbeSpec of(HealthCheckConfig hc, InetAddress backend) {
        Kind kind = switch (hc.type()) {
            case HealthCheckConfig.TYPE_TCP -> Kind.TCP;
            case HealthCheckConfig.TYPE_HTTP -> Kind.HTTP;
            case HealthCheckConfig.TYPE_HTTPS -> Kind.HTTPS;
            case HealthCheckConfig.TYPE_AGENT -> Kind.AGENT;
            case HealthCheckConfig.TYPE_TUNNEL -> Kind.TUNNEL;
            default -> throw new IllegalArgumentException("health-check type: " + hc.type()
                    + " (expected: tcp, http, https, agent or tunnel)");
        };
        List<Integer> expected = new ArrayList<>();
        IntRanges ranges = hc.expectedStatus();
        if (ranges != null && hc.isHttp()) {
            for (int i = 0; i < ranges.rangeCount(); i++) {
                expected.add(ranges.low(i));
                expected.add(ranges.high(i));
            }
        }
        return new ProbeSpec(kind, new InetSocketAddress(backend, hc.port()), hc.path(), expected,
                hc.interval().toMillis(), hc.timeout().toMillis(), hc.rise(), hc.fall());
    }

    /**
     * Worst-case time from a backend's death to its removal from rotation: the last good probe may have just
     * passed, then {@code fall} probes fail, each at the latest after its timeout.
     */
    public long detectionTimeMs() {
        return fall * intervalMs + timeoutMs;
    }
}
