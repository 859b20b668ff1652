package io.dsrgw.agent.kernel;

import io.dsrgw.agent.plan.CommandResult;
import io.dsrgw.agent.plan.Host;
import io.dsrgw.agent.plan.ObservedLink;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.linux.Probe;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Can the running kernel create a tunnel device of a kind? Answered once per kind by creating a throwaway
 * {@code dsrprobeN} device and deleting it again, keeping the kernel's error as the cause (Netty's
 * {@code Epoll.unavailabilityCause()} habit). Creating is the only reliable test: the driver may be built in,
 * a loadable module (auto-loaded by the create request), or absent, and only the kernel knows.
 *
 * <p>The probe device uses documentation addresses (RFC 5737 192.0.2.0/24, RFC 3849 2001:db8::/32) as both
 * ends, so it can never collide with a real tunnel (the kernel refuses a second device with the same type,
 * local, remote and key: "File exists") nor receive a packet. When a device of the kind already exists (ours
 * from an earlier apply, or the driver's fallback device such as {@code tunl0}), the kind is available without
 * a probe, so a restart of the agent creates nothing.
 */
public final class KernelProbe {
    /** Prefix of the throwaway device; {@code dsr} so that it is the agent's by name. */
    public static final String PROBE_PREFIX = "dsrprobe";
    /** RFC 5737 TEST-NET-1. */
    static final String PROBE_REMOTE4 = "192.0.2.1";
    static final String PROBE_LOCAL4 = "192.0.2.2";
    /** RFC 3849 documentation prefix. */
    static final String PROBE_REMOTE6 = "2001:db8::1";
    static final String PROBE_LOCAL6 = "2001:db8::2";

    private KernelProbe() {
    }

    /** {@code dsrprobe0} (ipip) .. {@code dsrprobe4} (ip6gre). */
    public static String probeDevice(TunnelKind kind) {
        return PROBE_PREFIX + kind.ordinal();
    }

    /** The create command of the probe device for {@code kind}. */
    public static List<String> createArgv(TunnelKind kind) {
        boolean v4 = kind == TunnelKind.IPIP || kind == TunnelKind.SIT || kind == TunnelKind.GRE;
        List<String> argv = new java.util.ArrayList<>(List.of("ip", "link", "add", probeDevice(kind), "type",
                kind.id(), "remote", v4 ? PROBE_REMOTE4 : PROBE_REMOTE6, "local", v4 ? PROBE_LOCAL4 : PROBE_LOCAL6));
        if (kind == TunnelKind.SIT || kind == TunnelKind.IP6TNL) {
            argv.addAll(List.of("mode", "any"));
        }
        return List.copyOf(argv);
    }

    /**
     * Whether the kernel can create {@code kind} devices.
     *
     * @param links the host's devices now ({@code ip -j -d link show}): a device of the kind proves support; a
     *              leftover probe device (a crash between create and delete) is deleted first
     * @return available, or unavailable with the cause "ip link add dsrprobe0 type ipip ...: exit 2: Error:
     *         Unknown device type."
     * @throws IOException the probe failed for another reason than missing support (e.g. "Operation not
     *                     permitted": not root), or its device could not be deleted
     */
    public static Probe probe(Host host, TunnelKind kind, Map<String, ObservedLink> links) throws IOException {
        for (ObservedLink l : links.values()) {
            if (kind.id().equals(l.kind()) && !l.name().equals(probeDevice(kind))) {
                return new Probe(true, null);
            }
        }
        String device = probeDevice(kind);
        if (links.containsKey(device)) {
            host.run(List.of("ip", "link", "del", "dev", device)).orThrow();
        }
        CommandResult created = host.run(createArgv(kind));
        if (!created.ok()) {
            if (meansUnsupported(created)) {
                return new Probe(false, created.failureMessage());
            }
            throw new IOException("probing kernel support for " + kind.id() + ": " + created.failureMessage()
                    + " (expected: success, or \"Unknown device type\" for a kernel without " + kind.id() + ")");
        }
        host.run(List.of("ip", "link", "del", "dev", device)).orThrow();
        return new Probe(true, null);
    }

    /** The read-only command whose generic-netlink family lookup also auto-loads the fou module where it exists. */
    public static final List<String> FOU_PROBE = List.of("ip", "fou", "show");

    /**
     * Whether the kernel has the {@code fou} module (kernel-mode gue: {@code ip fou add port N gue}). Asked with
     * {@code ip fou show}: iproute2 resolves the "fou" generic netlink family first, which makes the kernel load
     * the module when it is installed (its MODULE_ALIAS_GENL_FAMILY); without it the lookup fails with ENOENT,
     * printed as "RTNETLINK answers: No such file or directory" + "Error talking to the kernel".
     *
     * @return available, or unavailable with the cause {@code "no fou module in the kernel (CONFIG_NET_FOU):
     *         ip fou show: exit 1: RTNETLINK answers: No such file or directory Error talking to the kernel"}
     * @throws IOException the probe failed for another reason (the command could not run at all)
     */
    public static Probe probeFou(Host host) throws IOException {
        CommandResult r = host.run(FOU_PROBE);
        if (r.ok()) {
            return new Probe(true, null);
        }
        String text = (r.stderr() + " " + r.stdout()).toLowerCase(Locale.ROOT);
        if (text.contains("no such file or directory") || text.contains("error talking to the kernel")
                || meansUnsupported(r)) {
            return new Probe(false, "no fou module in the kernel (CONFIG_NET_FOU): " + r.failureMessage());
        }
        throw new IOException("probing kernel support for gue: " + r.failureMessage() + " (expected: success, or"
                + " \"No such file or directory\" for a kernel without the fou module)");
    }

    /**
     * The kernel's answers for a missing driver: "Error: Unknown device type." (iproute2 with extended acks),
     * "RTNETLINK answers: Operation not supported" (older iproute2, EOPNOTSUPP from rtnl_newlink without the
     * rtnl_link_ops). Anything else (EPERM, EEXIST, ...) is a real failure and must not silently mean "userspace".
     */
    static boolean meansUnsupported(CommandResult r) {
        String text = (r.stderr() + " " + r.stdout()).toLowerCase(Locale.ROOT);
        return text.contains("unknown device type") || text.contains("operation not supported");
    }
}
