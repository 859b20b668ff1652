package io.dsrgw.conf;

import java.util.Objects;

/**
 * The gateway's admin surfaces ({@code dsrgw.gateway.admin}).
 *
 * @param socket absolute path of the admin unix socket ({@code dsrctl})
 * @param http   host:port of the HTTP API and metrics; a loopback IP literal ({@link AdminHttpAddress})
 * @param socketReadOnly absolute path of the read-only admin socket (mode 0666: anyone on the host may read status,
 *               nobody may change anything through it), or "" for none
 */
public record AdminConfig(String socket, String http, String socketReadOnly) {

    public AdminConfig {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(socketReadOnly, "socketReadOnly");
    }

    /** Without a read-only socket. */
    public AdminConfig(String socket, String http) {
        this(socket, http, "");
    }
}
