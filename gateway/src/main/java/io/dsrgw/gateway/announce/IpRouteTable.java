package io.dsrgw.gateway.announce;

import io.dsrgw.gateway.linux.Iproute2;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RouteTable} through iproute2: {@code ip [-6] route replace PREFIX dev DEVICE table N proto static} and
 * {@code ip [-6] route del ...}. The command is the stable, well-understood interface for a few changes per health
 * transition (the gateway's VIP routes in the main table are made the same way).
 *
 * <p>{@code proto static}: BIRD's kernel protocol learns ("alien") routes of every protocol except {@code kernel}
 * and its own, so any other value works; static is what an operator would have typed, and shows in
 * {@code ip route show table N}.
 *
 * <p>The commands run through {@link Iproute2}, the gateway's one {@code ip} runner (the TUN ingress uses it too).
 */
public final class IpRouteTable implements RouteTable {
    private final String netns;

    /** Routes of the gateway's own network namespace. */
    public IpRouteTable() {
        this(null);
    }

    /** Routes of the named network namespace ({@code ip -n NETNS}; tests), or of the own one when null. */
    public IpRouteTable(String netns) {
        this.netns = netns;
    }

    @Override
    public void replace(long table, String prefix, String device) throws IOException {
        Iproute2.run(command(netns, "replace", table, prefix, device), stderr -> false);
    }

    @Override
    public void delete(long table, String prefix, String device) throws IOException {
        // "No such process" (ESRCH: no such route) or a device already gone: the route is not there, done.
        Iproute2.run(command(netns, "del", table, prefix, device), IpRouteTable::isNoSuchRoute);
    }

    static List<String> command(String netns, String op, long table, String prefix, String device) {
        List<String> c = new ArrayList<>(List.of("ip"));
        if (netns != null) {
            c.addAll(List.of("-n", netns));
        }
        if (prefix.indexOf(':') >= 0) {
            c.add("-6");
        }
        c.addAll(List.of("route", op, prefix, "dev", device, "table", Long.toString(table), "proto", "static"));
        return c;
    }

    /** iproute2's text for ESRCH on RTM_DELROUTE, and for a device that is already gone (then so is the route). */
    static boolean isNoSuchRoute(String output) {
        return output.contains("No such process") || output.contains("Cannot find device");
    }
}
