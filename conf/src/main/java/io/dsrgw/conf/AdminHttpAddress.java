package io.dsrgw.conf;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The one rule for {@code admin.http}, used by the config reader (so {@code check-config} refuses what {@code run}
 * cannot bind) and by the gateway's HTTP server: {@code ADDRESS:PORT} or {@code [v6]:PORT} with a literal loopback
 * address (127.0.0.0/8 or ::1), port 0..65535. Why loopback only: the API and the metrics name every backend and
 * have no authentication.
 */
public final class AdminHttpAddress {
    /** What a valid value looks like (the "expected" part of every error). */
    public static final String RULE = "ADDRESS:PORT with a literal loopback address (127.0.0.0/8 or [::1]), e.g. "
            + "127.0.0.1:9180; the HTTP API has no authentication: put a reverse proxy in front to expose it";

    private AdminHttpAddress() {
    }

    /** Why {@code hostPort} is not a valid {@code admin.http}, or null when it is. */
    public static String problem(String hostPort) {
        try {
            parse(hostPort);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * The socket address of {@code hostPort}.
     *
     * @throws IllegalArgumentException "VALUE is not a loopback address" or "VALUE is not ADDRESS:PORT"
     */
    public static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = colon < 0 ? "" : hostPort.substring(0, colon);
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        InetAddress a;
        int port;
        try {
            if (host.isEmpty() || (!bracketed && host.indexOf(':') >= 0)) {
                throw new IllegalArgumentException();
            }
            port = Integer.parseInt(hostPort.substring(colon + 1));
            a = InetAddress.ofLiteral(host);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException();
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(hostPort + " is not ADDRESS:PORT with a literal address");
        }
        if (!a.isLoopbackAddress()) {
            throw new IllegalArgumentException(hostPort + " is not a loopback address");
        }
        return new InetSocketAddress(a, port);
    }
}
