package io.dsrgw.agent.kernel;

import io.dsrgw.agent.plan.Host;
import io.dsrgw.agent.plan.IpJson;
import io.dsrgw.agent.plan.PlanException;
import io.dsrgw.conf.AgentConfig;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/**
 * The {@code local} address of the kernel tunnel devices per outer family: {@code local-address.ipv4/ipv6} from
 * the configuration, else the source address the kernel itself would use towards the first gateway of that
 * family ({@code ip -j route get GATEWAY}, field {@code prefsrc}). That is the backend address the gateway
 * reaches in the usual one-interface setup; where it is not (several addresses, policy routing), configure it.
 */
public final class LocalAddresses {
    private LocalAddresses() {
    }

    /**
     * The local address of {@code family} (4 or 6).
     *
     * @return null when the configuration has no gateway of that family (no device of that family is needed)
     * @throws PlanException the route to the gateway has no source address
     * @throws IOException   {@code ip route get} failed (e.g. no route to the gateway)
     */
    public static InetAddress resolve(Host host, AgentConfig config, int family) throws IOException, PlanException {
        InetAddress configured = family == 4 ? config.localAddress().ipv4() : config.localAddress().ipv6();
        if (configured != null) {
            return configured;
        }
        InetAddress gateway = config.gateways().stream().filter(g -> (g instanceof Inet4Address) == (family == 4))
                .findFirst().orElse(null);
        if (gateway == null) {
            return null;
        }
        String literal = io.dsrgw.agent.plan.Addresses.literal(gateway);
        List<String> argv = List.of("ip", "-j", "-" + family, "route", "get", literal);
        String command = String.join(" ", argv);
        String prefsrc;
        try {
            prefsrc = IpJson.parseRoutePrefsrc(host.run(argv).orThrow().stdout(), command);
        } catch (IOException e) {
            throw new IOException("local-address.ipv" + family + " is not set and cannot be derived: "
                    + e.getMessage() + " (expected: a route to gateway " + literal + ", or local-address.ipv"
                    + family + " in the configuration)", e);
        }
        if (prefsrc == null) {
            throw new PlanException("local-address.ipv" + family + " is not set and " + command
                    + " shows no source address (prefsrc) (expected: local-address.ipv" + family
                    + " in the configuration)");
        }
        return InetAddress.ofLiteral(prefsrc);
    }
}
