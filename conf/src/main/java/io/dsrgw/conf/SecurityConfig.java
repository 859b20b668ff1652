package io.dsrgw.conf;

import java.util.List;

/**
 * {@code dsrgw.gateway.security}: the source-address policy beyond the built-in one (issue 14). Packets to a VIP
 * whose source is a VIP, a backend, a tunnel source of the gateway or a martian are always dropped; these prefixes
 * are dropped too.
 *
 * @param denySources extra source prefixes dropped and counted as {@code drop_source_denied}
 */
public record SecurityConfig(List<SourcePrefix> denySources) {
    /** Most {@code deny-sources} entries (the XDP program's source trie holds them with the own addresses). */
    public static final int MAX_DENY_SOURCES = 1024;
    /** No extra prefixes. */
    public static final SecurityConfig DEFAULT = new SecurityConfig(List.of());

    public SecurityConfig {
        denySources = List.copyOf(denySources);
    }
}
