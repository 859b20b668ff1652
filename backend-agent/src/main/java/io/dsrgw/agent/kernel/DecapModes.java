package io.dsrgw.agent.kernel;

import io.dsrgw.agent.plan.DesiredState;
import io.dsrgw.agent.plan.Host;
import io.dsrgw.agent.plan.IpJson;
import io.dsrgw.agent.plan.ObservedLink;
import io.dsrgw.agent.plan.PlanException;
import io.dsrgw.agent.plan.TunnelDeviceSpec;
import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.AgentMode;
import io.dsrgw.encap.tunnel.TunnelKind;
import io.dsrgw.linux.Probe;

import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who decapsulates each configured tunnel kind: the kernel (a tunnel device) or the agent in userspace (raw
 * socket -> decap TUN), decided once at start:
 * <ul>
 * <li>{@code userspace}: every kind in userspace, nothing probed;</li>
 * <li>{@code kernel}: every kind in the kernel; a kind the kernel cannot create is an error naming the kind and
 *     the kernel's message;</li>
 * <li>{@code auto}: each kind probed ({@link KernelProbe}); the kernel for the kinds it has, userspace for the
 *     rest, with the kernel's message as the reason.</li>
 * </ul>
 *
 * @param mode        the configured mode
 * @param kernelKinds kinds decapsulated by kernel devices, in configuration order
 * @param userKinds   kinds decapsulated in userspace, in configuration order
 * @param causes      for each kind in userspace because of {@code auto}: the probe's failure
 * @param probed      false when support was assumed rather than probed (a read-only command without root)
 * @param local4      local address of the IPv4 outer kernel kinds, null when none
 * @param local6      local address of the IPv6 outer kernel kinds, null when none
 */
public record DecapModes(AgentMode mode, List<TunnelKind> kernelKinds, List<TunnelKind> userKinds,
                         Map<TunnelKind, String> causes, boolean probed, InetAddress local4, InetAddress local6) {

    public DecapModes {
        kernelKinds = List.copyOf(kernelKinds);
        userKinds = List.copyOf(userKinds);
        causes = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(causes));
    }

    /** Everything in userspace ({@code mode = userspace}). */
    public static DecapModes userspace(AgentConfig config) {
        return new DecapModes(config.mode(), List.of(), config.tunnels(), Map.of(), true, null, null);
    }

    /**
     * Decides per kind (see the class comment).
     *
     * @param probe whether the kernel may be probed (needs root; {@code plan} and {@code status} without root
     *              assume every kind is available and say so)
     * @throws PlanException {@code mode = kernel} and the kernel cannot create a configured kind; or a local
     *                       address that cannot be derived
     * @throws IOException   a command failed for another reason than missing kernel support
     */
    public static DecapModes resolve(AgentConfig config, Host host, boolean probe) throws IOException, PlanException {
        if (config.mode() == AgentMode.USERSPACE) {
            return userspace(config);
        }
        List<TunnelKind> kernel = new ArrayList<>();
        List<TunnelKind> user = new ArrayList<>();
        Map<TunnelKind, String> causes = new LinkedHashMap<>();
        Map<String, ObservedLink> links = probe ? IpJson.parseLinks(host.run(List.of("ip", "-j", "-d", "link",
                "show")).orThrow().stdout(), "ip -j -d link show") : Map.of();
        Map<TunnelKind, Probe> probes = new java.util.EnumMap<>(TunnelKind.class);
        for (TunnelKind kind : config.tunnels()) {
            Probe p = probe ? probe(host, kind, config, links, probes) : new Probe(true, null);
            if (p.available()) {
                kernel.add(kind);
            } else if (config.mode() == AgentMode.KERNEL) {
                if (kind.isGue()) {
                    throw new PlanException("mode = kernel: the kernel cannot decapsulate " + kind.id() + ": "
                            + p.cause() + " (expected: a kernel with the fou module (CONFIG_NET_FOU) and the"
                            + " ipip/sit/ip6tnl drivers, or mode = auto to decapsulate gue in userspace)");
                }
                throw new PlanException("mode = kernel: the kernel cannot create " + kind.id() + " devices: "
                        + p.cause() + " (expected: a kernel with the " + kind.id() + " driver, or mode = auto to"
                        + " decapsulate " + kind.id() + " in userspace)");
            } else {
                user.add(kind);
                causes.put(kind, p.cause());
            }
        }
        Set<TunnelKind> k = kernel.isEmpty() ? Set.of() : EnumSet.copyOf(kernel);
        InetAddress local4 = k.stream().anyMatch(TunnelDeviceSpec::isIpv4Outer)
                ? LocalAddresses.resolve(host, config, 4) : null;
        InetAddress local6 = k.stream().anyMatch(x -> !TunnelDeviceSpec.isIpv4Outer(x))
                ? LocalAddresses.resolve(host, config, 6) : null;
        return new DecapModes(config.mode(), kernel, user, causes, probe, local4, local6);
    }

    /**
     * One kind's probe, each device kind probed once: gue/gue6 need the fou module ({@link KernelProbe#probeFou})
     * and the devices their inner packets are handed to (ipip and/or sit over IPv4, ip6tnl over IPv6).
     */
    private static Probe probe(Host host, TunnelKind kind, AgentConfig config, Map<String, ObservedLink> links,
                               Map<TunnelKind, Probe> done) throws IOException {
        if (!kind.isGue()) {
            Probe p = done.get(kind);
            if (p == null) {
                p = KernelProbe.probe(host, kind, links);
                done.put(kind, p);
            }
            return p;
        }
        Probe fou = done.get(TunnelKind.GUE); // the fou module serves both families: probed once, under GUE
        if (fou == null) {
            fou = KernelProbe.probeFou(host);
            done.put(TunnelKind.GUE, fou);
        }
        if (!fou.available()) {
            return fou;
        }
        for (TunnelKind device : DesiredState.gueDeviceKinds(kind, config.vips())) {
            Probe p = probe(host, device, config, links, done);
            if (!p.available()) {
                return new Probe(false, kind.id() + " hands its inner packets to " + device.id() + ": " + p.cause());
            }
        }
        return fou;
    }

    /** What {@link #describe()} says when nothing is decapsulated ({@code tunnels = [none]}). */
    public static final String LINK_LAYER_ONLY = "no decapsulation: L2 DSR only (tunnels = [none]; the gateway sends "
            + "the VIPs' packets unchanged to this host's MAC): the VIPs on lo and the ARP sysctls, no tunnel device, "
            + "no decap TUN, no raw socket, no tunnel filter";

    /** True when no kind is decapsulated: L2 DSR only ({@code tunnels = [none]} or {@code []}). */
    public boolean linkLayerOnly() {
        return kernelKinds.isEmpty() && userKinds.isEmpty();
    }

    /** The input of {@link DesiredState#forConfig(AgentConfig, DesiredState.KernelSetup)}. */
    public DesiredState.KernelSetup kernelSetup() {
        return new DesiredState.KernelSetup(kernelKinds.isEmpty() ? Set.of() : EnumSet.copyOf(kernelKinds),
                local4, local6);
    }

    /**
     * The one line that says who decapsulates what, e.g. {@code mode auto: kernel decapsulation for [ipip, gre],
     * userspace for [sit] (sit: ip link add dsrprobe1 type sit ...: exit 2: Error: Unknown device type.)}.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder("mode ").append(mode.id()).append(": ");
        if (linkLayerOnly()) {
            return sb.append(LINK_LAYER_ONLY).toString();
        }
        if (kernelKinds.isEmpty()) {
            sb.append("userspace decapsulation for ").append(ids(userKinds));
        } else if (userKinds.isEmpty()) {
            sb.append("kernel decapsulation for ").append(ids(kernelKinds));
        } else {
            sb.append("kernel decapsulation for ").append(ids(kernelKinds)).append(", userspace for ")
                    .append(ids(userKinds));
        }
        if (!causes.isEmpty()) {
            List<String> why = new ArrayList<>();
            causes.forEach((kind, cause) -> why.add(kind.id() + ": " + cause));
            sb.append(" (the kernel cannot create them: ").append(String.join("; ", why)).append(")");
        }
        if (!probed) {
            sb.append(" (kernel support not probed: needs root; assumed present)");
        }
        return sb.toString();
    }

    private static List<String> ids(List<TunnelKind> kinds) {
        return kinds.stream().map(TunnelKind::id).toList();
    }
}
