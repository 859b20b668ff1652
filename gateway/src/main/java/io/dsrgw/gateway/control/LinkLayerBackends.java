package io.dsrgw.gateway.control;

import io.dsrgw.conf.BackendConfig;
import io.dsrgw.conf.GatewayConfig;
import io.dsrgw.conf.IpLiterals;
import io.dsrgw.conf.VipConfig;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.NextHopLookup;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The host half of L2 DSR validation ({@code tunnel = none}): such a backend gets the VIP's packet unchanged in a
 * frame to its own MAC, so the gateway must reach it on a directly connected network. Whether it does depends on
 * this host's addresses and routes, not on the file, so conf cannot say it: check-config, run and every reload ask
 * the kernel (a unicast route without a gateway, out of an interface) through {@link OnLink}.
 */
public final class LinkLayerBackends {
    private LinkLayerBackends() {
    }

    /** Whether the host reaches an address on a connected network. */
    @FunctionalInterface
    public interface OnLink {
        /** @return why {@code backend} is not on a connected network, or null when it is */
        String notOnLinkReason(InetAddress backend) throws LinuxException;
    }

    /** The kernel's answer (rtnetlink, no privilege needed), one lookup per call. */
    public static final OnLink KERNEL = backend -> {
        try (NextHopLookup lookup = NextHopLookup.open()) {
            return lookup.notOnLinkReason(backend.getAddress());
        }
    };

    /** @return true when some backend of {@code config} has {@code tunnel = none} */
    public static boolean any(GatewayConfig config) {
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (b.linkLayer(vip)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Every {@code tunnel = none} backend of {@code config} that {@code onLink} does not reach on a connected
     * network, one problem each, naming the VIP, the backend, the reason and the fixes; empty when all are.
     */
    public static List<String> problems(GatewayConfig config, OnLink onLink) {
        List<String> problems = new ArrayList<>();
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (!b.linkLayer(vip)) {
                    continue;
                }
                String why;
                try {
                    why = onLink.notOnLinkReason(b.address());
                } catch (LinuxException e) {
                    why = "the kernel could not be asked: " + e.getMessage();
                }
                if (why != null) {
                    problems.add("vip " + vip.name() + ": backend " + IpLiterals.format(b.address())
                            + ": tunnel = none (L2 DSR) needs a backend on a network this gateway is directly "
                            + "connected to, but " + why + " (expected: an address in the subnet of one of the "
                            + "gateway's interfaces: give the gateway an address on the backend's L2 segment, or "
                            + "reach this backend with tunnel = ipip or gre)");
                }
            }
        }
        return problems;
    }
}
