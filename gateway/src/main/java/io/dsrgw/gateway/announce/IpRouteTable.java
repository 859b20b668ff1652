package io.dsrgw.gateway.announce;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link RouteTable} through iproute2: {@code ip [-6] route replace PREFIX dev DEVICE table N proto static} and
 * {@code ip [-6] route del ...}. The command is the stable, well-understood interface for a few changes per health
 * transition (the gateway's VIP routes in the main table are made the same way).
 *
 * <p>{@code proto static}: BIRD's kernel protocol learns ("alien") routes of every protocol except {@code kernel}
 * and its own, so any other value works; static is what an operator would have typed, and shows in
 * {@code ip route show table N}.
 */
public final class IpRouteTable implements RouteTable {
    private static final long TIMEOUT_SECONDS = 10;

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
        run(command(netns, "replace", table, prefix, device), false);
    }

    @Override
    public void delete(long table, String prefix, String device) throws IOException {
        run(command(netns, "del", table, prefix, device), true);
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

    /** Runs {@code command}; with {@code missingOk}, "No such process" (ESRCH: no such route) counts as done. */
    private static void run(List<String> command, boolean missingOk) throws IOException {
        String shown = String.join(" ", command);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(shown + ": cannot start: " + e.getMessage()
                    + " (expected: iproute2's ip command on PATH)", e);
        }
        try (InputStream out = p.getInputStream()) {
            String output = new String(out.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(shown + ": no exit after " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0 && !(missingOk && isNoSuchRoute(output))) {
                throw new IOException(shown + ": exit " + p.exitValue() + (output.isEmpty() ? "" : ": " + output));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(shown + ": interrupted", e);
        }
    }

    /** iproute2's text for ESRCH on RTM_DELROUTE, and for a device that is already gone (then so is the route). */
    static boolean isNoSuchRoute(String output) {
        return output.contains("No such process") || output.contains("Cannot find device");
    }
}
