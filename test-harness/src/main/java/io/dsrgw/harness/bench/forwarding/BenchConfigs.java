package io.dsrgw.harness.bench.forwarding;

import java.nio.file.Path;

/**
 * The gateway configurations of the benchmark (HOCON, the schema of conf/reference.conf): one UDP VIP whose only
 * backend is the destination namespace, reached over IPIP from the gateway's egress address. G and X differ only
 * in {@code ingress}. Pure.
 */
public final class BenchConfigs {
    private BenchConfigs() {
    }

    /** G: {@code ingress.kind = tun}, the worker real-time after 2 s ({@code realtime-priority = 1}: the tuned TUN path). */
    public static String tun(Path adminSocket) {
        return tun(adminSocket, "auto");
    }

    /** G with {@code ingress.new-flow-queue} = {@code newFlowQueue} (auto, on, off). */
    public static String tun(Path adminSocket, String newFlowQueue) {
        return gateway("ingress { kind = tun, device = dsr0, queues = 1, realtime-priority = 1, new-flow-queue = "
                + newFlowQueue + " }", adminSocket);
    }

    /**
     * X: {@code ingress.kind = xdp} with native XDP on the ingress veth and on the egress veth towards the backend
     * (the program redirects only to interfaces it is attached to: with the egress alone missing, every packet takes
     * the slow path as {@code xdp_pass_egress_not_xdp}), TUN dsr0 as the slow path.
     */
    public static String xdp(String ingressInterface, String egressInterface, Path adminSocket) {
        return gateway("ingress {\n    kind = xdp, device = dsr0, queues = 1\n    xdp { interfaces = [\""
                + ingressInterface + "\", \"" + egressInterface + "\"], mode = native }\n  }", adminSocket);
    }

    /** {@code adminSocket}: a short path (SocketDir), never under the checkout: unix socket paths hold 107 bytes. */
    private static String gateway(String ingress, Path adminSocket) {
        return """
                # Written by io.dsrgw.harness.bench.forwarding (scripts/bench forwarding) for one measurement.
                dsrgw.gateway {
                  %s
                  tunnel-source { ipv4 = %s }
                  hash-seed = "dsrgw-bench"
                  vips = [{
                    name = bench, address = %s, protocol = udp, ports = [%d], tunnel = ipip
                    backends = [{ address = %s }]
                  }]
                  admin { socket = "%s", http = "127.0.0.1:0" }
                }
                """.formatted(ingress, BenchNetwork.GW_OUT_ADDRESS, BenchNetwork.VIP, BenchNetwork.VIP_PORT,
                BenchNetwork.BACKEND_ADDRESS, adminSocket.toAbsolutePath());
    }
}
