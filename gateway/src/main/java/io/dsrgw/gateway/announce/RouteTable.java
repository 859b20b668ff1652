package io.dsrgw.gateway.announce;

import java.io.IOException;

/**
 * The kernel routing table the announce routes live in: {@link IpRouteTable} in production, a recorder in tests.
 * Both operations are idempotent.
 */
public interface RouteTable {
    /**
     * Adds or replaces the route {@code prefix dev device} in {@code table}.
     *
     * @param prefix an address with its full-length prefix: {@code 10.100.0.1/32} or {@code 2001:db8::1/128}
     * @throws IOException naming the command and the kernel's answer
     */
    void replace(long table, String prefix, String device) throws IOException;

    /**
     * Deletes the route {@code prefix dev device} from {@code table}; a route that is already gone is not an error.
     *
     * @throws IOException naming the command and the kernel's answer
     */
    void delete(long table, String prefix, String device) throws IOException;
}
