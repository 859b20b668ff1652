package io.dsrgw.conf;

import java.time.Duration;
import java.util.Objects;

/**
 * Health check of a VIP's backends ({@code vips[i].health-check}); parsed and validated now, used by a later
 * milestone. A backend goes down after {@code fall} consecutive failures and up after {@code rise} successes.
 *
 * @param type     "tcp" (connect) or "http" (GET {@code path}, 2xx/3xx is healthy)
 * @param port     port probed on the backend (1..65535; default: the VIP's first port)
 * @param path     HTTP path, starting with "/" (ignored for tcp)
 * @param interval time between probes (100ms..1h)
 * @param timeout  time a probe may take (10ms..interval)
 * @param rise     consecutive successes to become healthy (1..100)
 * @param fall     consecutive failures to become unhealthy (1..100)
 */
public record HealthCheckConfig(String type, int port, String path, Duration interval, Duration timeout, int rise,
                                int fall) {

    /** Health check type: TCP connect. */
    public static final String TYPE_TCP = "tcp";
    /** Health check type: HTTP GET. */
    public static final String TYPE_HTTP = "http";

    public HealthCheckConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public String toString() {
        return "HealthCheckConfig[type=" + type + ", port=" + port + ", path=" + path + ", interval="
            + Hocon.formatDuration(interval) + ", timeout=" + Hocon.formatDuration(timeout) + ", rise=" + rise
            + ", fall=" + fall + "]";
    }
}
