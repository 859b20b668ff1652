package io.dsrgw.conf;

import java.util.Objects;

/**
 * The gateway's admin surfaces ({@code dsrgw.gateway.admin}).
 *
 * @param socket absolute path of the admin unix socket ({@code dsrctl})
 * @param http   host:port of the HTTP API and metrics; host an IP literal or "localhost"
 */
public record AdminConfig(String socket, String http) {

    public AdminConfig {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(http, "http");
    }
}
