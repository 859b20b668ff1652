package io.dsrgw.harness.scenario;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import io.dsrgw.harness.netns.Backend;
import io.dsrgw.harness.netns.Topology;

/** The HOCON files the scenario gives {@code dsr-gateway run} and {@code dsr-agent run} (schema: contract.md). */
public final class ScenarioConfigs {
    /** The TUN device the gateway creates in its namespace (VIP routes point into it). */
    public static final String GATEWAY_DEVICE = "dsr0";
    /** The TUN device each agent writes decapsulated packets to. */
    public static final String DECAP_DEVICE = "dsrdecap0";

    private ScenarioConfigs() {
    }

    /**
     * One VIP, TCP on the given ports, ipip to every backend of the topology, one TUN queue; the admin socket at
     * {@code adminSocket}, a path of the run's own {@link io.dsrgw.harness.netns.SocketDir} (short whatever the
     * checkout's path; parallel runs never share one, the filesystem is not namespaced).
     */
    public static String gateway(String vip, List<Integer> ports, List<Backend> backends, Path adminSocket) {
        String backendList = backends.stream().map(b -> "{ address = " + b.address() + " }")
                .collect(Collectors.joining(", "));
        return """
                # Written by io.dsrgw.harness.scenario.ScenarioConfigs for one test/demo run.
                dsrgw.gateway {
                  ingress { kind = tun, device = %s, queues = 1 }
                  tunnel-source { ipv4 = %s }
                  hash-seed = "dsrgw-harness"
                  vips = [{
                    name = web, address = %s, protocol = tcp, ports = %s, tunnel = ipip
                    backends = [%s]
                  }]
                  admin { socket = "%s", http = "127.0.0.1:9180" }
                }
                """.formatted(GATEWAY_DEVICE, Topology.GATEWAY_ADDRESS, vip, ports, backendList, adminSocket);
    }

    /** One backend entry of {@link #vips}: address, weight and configured state (active, draining, down). */
    public record BackendEntry(String address, int weight, String state) {
        public static BackendEntry active(String address) {
            return new BackendEntry(address, 1, "active");
        }
    }

    /** One VIP of {@link #vips}: name, address, TCP ports, backends and the health-check object (null: none). */
    public record VipEntry(String name, String address, List<Integer> ports, List<BackendEntry> backends,
                           String healthCheck) {
    }

    /**
     * The issue-5 gateway: the given TCP VIPs, ipip, in the given order (the order of VIPs and backends must not
     * matter to the data plane), each with its health check; one TUN queue; the admin socket at {@code adminSocket}.
     */
    public static String vips(List<VipEntry> vips, Path adminSocket) {
        StringBuilder sb = new StringBuilder();
        for (VipEntry v : vips) {
            String backendList = v.backends().stream()
                    .map(b -> "{ address = " + b.address() + ", weight = " + b.weight() + ", state = " + b.state()
                            + " }")
                    .collect(Collectors.joining(",\n      "));
            sb.append("""
                    {
                      name = %s, address = %s, protocol = tcp, ports = %s, tunnel = ipip
                    %s  backends = [
                          %s
                      ]
                    }
                    """.formatted(v.name(), v.address(), v.ports(),
                    v.healthCheck() == null ? "" : "  health-check " + v.healthCheck() + "\n", backendList)
                    .indent(4));
        }
        return """
                # Written by io.dsrgw.harness.scenario.ScenarioConfigs for one test run (issue-5 resilience).
                dsrgw.gateway {
                  ingress { kind = tun, device = %s, queues = 1 }
                  tunnel-source { ipv4 = %s }
                  hash-seed = "dsrgw-harness"
                  vips = [
                %s  ]
                  admin { socket = "%s", http = "127.0.0.1:9180" }
                }
                """.formatted(GATEWAY_DEVICE, Topology.GATEWAY_ADDRESS, sb, adminSocket);
    }

    /** The ingress line every gateway config of this class writes (one TUN queue). */
    static final String TUN_INGRESS = "ingress { kind = tun, device = " + GATEWAY_DEVICE + ", queues = 1 }";

    /**
     * {@code config} (one of this class's gateway configs) with {@code ingress.kind = xdp}: the XDP program on
     * {@code interfaces} in {@code mode} (native | generic), the TUN device unchanged as the slow path.
     */
    public static String xdpIngress(String config, List<String> interfaces, String mode) {
        if (!config.contains(TUN_INGRESS)) {
            throw new IllegalArgumentException("not a ScenarioConfigs gateway config (no \"" + TUN_INGRESS + "\")");
        }
        return config.replace(TUN_INGRESS, "ingress { kind = xdp, device = " + GATEWAY_DEVICE + ", queues = 1,"
                + " xdp { interfaces = [" + String.join(", ", interfaces) + "], mode = " + mode + " } }");
    }

    /** Userspace decapsulation from the topology's gateway for one VIP; state file under {@code stateDir}. */
    public static String agent(String vip, Path stateDir) {
        return agent(vip, stateDir, true);
    }

    /**
     * As {@link #agent(String, Path)}; {@code mssClamp} false turns the agent's MSS clamp off, so that clients send
     * full-size segments that no longer fit the tunnel and path-MTU discovery through the gateway is exercised.
     */
    public static String agent(String vip, Path stateDir, boolean mssClamp) {
        return agent(vip, stateDir, mssClamp, "ipip");
    }

    /**
     * As {@link #agent(String, Path, boolean)} with the agent's {@code tunnels} list, e.g. "none" (L2 DSR: the VIP on
     * lo and the ARP sysctls, nothing decapsulated).
     */
    public static String agent(String vip, Path stateDir, boolean mssClamp, String tunnels) {
        return agent(List.of(vip), stateDir, mssClamp, tunnels);
    }

    /** As {@link #agent(String, Path, boolean, String)} for several VIPs (quoted: IPv6 ones contain colons). */
    public static String agent(List<String> vips, Path stateDir, boolean mssClamp, String tunnels) {
        return """
                # Written by io.dsrgw.harness.scenario.ScenarioConfigs for one test/demo run.
                dsrgw.agent {
                  mode = userspace
                  gateways = [%s]
                  vips = [%s]
                  tunnels = [%s]
                  decap-device = %s
                  reconcile-interval = 10s
                  state-file = "%s"
                  health { listen = "0.0.0.0:9181" }
                  mss-clamp { enabled = %s }
                }
                """.formatted(Topology.GATEWAY_ADDRESS,
                vips.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ")), tunnels, DECAP_DEVICE,
                stateDir.resolve("agent-state.conf"), mssClamp);
    }

    /**
     * The issue-3 matrix gateway: for every combination two VIP entries on its address (TCP
     * {@value TunnelCombination#HTTP_PORT}, UDP {@value TunnelCombination#UDP_ECHO_PORT}), tunnelled to every
     * backend's address of the combination's outer family with its kind and GRE options; both tunnel sources;
     * echo requests to a VIP answered by the gateway; too-big messages rate limited at 100/s; the admin socket at
     * {@code adminSocket}.
     */
    public static String matrixGateway(List<TunnelCombination> combinations, List<Backend> backends,
                                       Path adminSocket) {
        StringBuilder vips = new StringBuilder();
        for (TunnelCombination c : combinations) {
            String backendList = backends.stream().map(b -> "{ address = \"" + b.address(c.outerFamily()) + "\" }")
                    .collect(Collectors.joining(", "));
            String gre = (c.greKey() != null ? ", gre-key = " + c.greKey() : "")
                    + (c.greChecksum() ? ", gre-checksum = true" : "");
            for (String proto : List.of("tcp", "udp")) {
                int port = proto.equals("tcp") ? TunnelCombination.HTTP_PORT : TunnelCombination.UDP_ECHO_PORT;
                vips.append("""
                        {
                          name = "%s-%s", address = "%s", protocol = %s, ports = [%d], tunnel = %s%s
                          backends = [%s]
                        }
                        """.formatted(c.id().replace('_', '-'), proto, c.vip(), proto, port, c.tunnelFamily(), gre,
                        backendList).indent(4));
            }
        }
        return """
                # Written by io.dsrgw.harness.scenario.ScenarioConfigs for one test run (issue-3 tunnel matrix).
                dsrgw.gateway {
                  ingress { kind = tun, device = %s, queues = 1 }
                  tunnel-source { ipv4 = "%s", ipv6 = "%s" }
                  tunnel-mtu = %d
                  hash-seed = "dsrgw-harness"
                  icmp { echo = answer, too-big-rate = 100 }
                  vips = [
                %s  ]
                  admin { socket = "%s", http = "127.0.0.1:9180" }
                }
                """.formatted(GATEWAY_DEVICE, Topology.GATEWAY_ADDRESS, Topology.GATEWAY_ADDRESS6,
                TunnelCombination.TUNNEL_MTU, vips, adminSocket);
    }

    /**
     * The issue-3 matrix agent: userspace decapsulation of every kind from both gateway addresses, every
     * combination's VIP, the GRE keys the combinations use, MSS clamping on or off for a 1500-byte tunnel MTU.
     */
    public static String matrixAgent(List<TunnelCombination> combinations, Path stateDir, boolean mssClamp) {
        String vips = combinations.stream().map(c -> "\"" + c.vip() + "\"").collect(Collectors.joining(", "));
        String keys = combinations.stream().filter(c -> c.greKey() != null).map(c -> c.greKey().toString())
                .distinct().collect(Collectors.joining(", "));
        return """
                # Written by io.dsrgw.harness.scenario.ScenarioConfigs for one test run (issue-3 tunnel matrix).
                dsrgw.agent {
                  mode = userspace
                  gateways = ["%s", "%s"]
                  vips = [%s]
                  tunnels = [ipip, sit, gre, ip6tnl, ip6gre, gue]
                  gre-keys = [%s]
                  mss-clamp { enabled = %s, tunnel-mtu = %d }
                  decap-device = %s
                  reconcile-interval = 10s
                  state-file = "%s"
                  health { listen = "0.0.0.0:9181" }
                }
                """.formatted(Topology.GATEWAY_ADDRESS, Topology.GATEWAY_ADDRESS6, vips, keys, mssClamp,
                TunnelCombination.TUNNEL_MTU,
                DECAP_DEVICE,
                stateDir.resolve("agent-state.conf"));
    }
}
