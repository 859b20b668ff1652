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
     * One VIP, TCP on the given ports, ipip to every backend of the topology, one TUN queue; the admin socket
     * under {@code workDir} so that parallel runs never share a path (the filesystem is not namespaced).
     */
    public static String gateway(String vip, List<Integer> ports, List<Backend> backends, Path workDir) {
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
                """.formatted(GATEWAY_DEVICE, Topology.GATEWAY_ADDRESS, vip, ports, backendList,
                workDir.resolve("gateway.sock"));
    }

    /** Userspace decapsulation from the topology's gateway for one VIP; state file under {@code stateDir}. */
    public static String agent(String vip, Path stateDir) {
        return """
                # Written by io.dsrgw.harness.scenario.ScenarioConfigs for one test/demo run.
                dsrgw.agent {
                  mode = userspace
                  gateways = [%s]
                  vips = [%s]
                  tunnels = [ipip]
                  decap-device = %s
                  reconcile-interval = 10s
                  state-file = "%s"
                  health { listen = "0.0.0.0:9181" }
                }
                """.formatted(Topology.GATEWAY_ADDRESS, vip, DECAP_DEVICE, stateDir.resolve("agent-state.conf"));
    }
}
