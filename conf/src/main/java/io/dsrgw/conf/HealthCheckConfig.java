package io.dsrgw.conf;

import java.time.Duration;
import java.util.Objects;

/**
 * Health check of a VIP's backends ({@code vips[i].health-check}) or of one backend
 * ({@code vips[i].backends[j].health-check}, overriding the VIP's). A backend goes down after {@code fall}
 * consecutive failures and up after {@code rise} successes; worst-case detection time is
 * {@code fall x interval + timeout} (defaults: 3 x 250ms + 200ms = 950ms).
 *
 * @param type           {@link #TYPE_TCP}, {@link #TYPE_HTTP}, {@link #TYPE_HTTPS}, {@link #TYPE_AGENT} or
 *                       {@link #TYPE_TUNNEL}
 * @param port           port probed on the backend, 1..65535 (default: the VIP's first port; agent: 9181);
 *                       tunnel: 0 (default) = ICMP echo probe, else a TCP SYN probe to the VIP on this port
 * @param path           HTTP path, starting with "/" (http, https; agent default "/ready"; ignored otherwise)
 * @param interval       time between probes (100ms..1h)
 * @param timeout        time a probe may take (10ms..1m, less than interval)
 * @param rise           consecutive successes to become healthy (1..100)
 * @param fall           consecutive failures to become unhealthy (1..100)
 * @param expectedStatus HTTP statuses that count as healthy (http, https; default 200..399; ignored otherwise)
 */
public record HealthCheckConfig(String type, int port, String path, Duration interval, Duration timeout, int rise,
                                int fall, IntRanges expectedStatus) {

    /** Health check type: TCP connect. */
    public static final String TYPE_TCP = "tcp";
    /** Health check type: HTTP GET. */
    public static final String TYPE_HTTP = "http";
    /** Health check type: HTTPS GET (TLS; the certificate is not verified: it is a liveness probe). */
    public static final String TYPE_HTTPS = "https";
    /** Health check type: GET of the backend agent's readiness endpoint (ready / draining / not-ready). */
    public static final String TYPE_AGENT = "agent";
    /** Health check type: an encapsulated probe to the VIP through the backend's tunnel, answered directly. */
    public static final String TYPE_TUNNEL = "tunnel";

    /** Default port of {@link #TYPE_AGENT}: the agent's health.listen port. */
    public static final int AGENT_PORT = 9181;
    /** Default path of {@link #TYPE_AGENT}: the agent's readiness endpoint. */
    public static final String AGENT_PATH = "/ready";

    public HealthCheckConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(expectedStatus, "expectedStatus");
    }

    /** The issue-2 signature, kept for existing callers: statuses 200..399 are healthy. */
    public HealthCheckConfig(String type, int port, String path, Duration interval, Duration timeout, int rise,
                             int fall) {
        this(type, port, path, interval, timeout, rise, fall, IntRanges.HTTP_2XX_3XX);
    }

    /** @return true for http and https, the types that use {@link #path} and {@link #expectedStatus} */
    public boolean isHttp() {
        return type.equals(TYPE_HTTP) || type.equals(TYPE_HTTPS);
    }

    /** @return worst-case time from a backend's failure to its removal: fall x interval + timeout */
    public Duration detectionTime() {
        return interval.multipliedBy(fall).plus(timeout);
    }

    @Override
    public String toString() {
        return "HealthCheckConfig[type=" + type + ", port=" + port + ", path=" + path + ", interval="
            + Hocon.formatDuration(interval) + ", timeout=" + Hocon.formatDuration(timeout) + ", rise=" + rise
            + ", fall=" + fall + (isHttp() ? ", expectedStatus=" + expectedStatus : "") + "]";
    }
}
