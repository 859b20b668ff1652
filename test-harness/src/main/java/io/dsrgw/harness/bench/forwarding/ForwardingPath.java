package io.dsrgw.harness.bench.forwarding;

/** The configurations measured on the same namespace path, in the order in which each round runs them. */
public enum ForwardingPath {
    K("kernel IPv4 forwarding: a route in the gateway namespace, no gateway"),
    G("dsr-gateway run, ingress.kind = tun, realtime-priority = 1 (TUN ingress, IPIP egress through AF_PACKET, "
            + "ingress.egress = packet)"),
    X("dsr-gateway run, ingress.kind = xdp, native XDP on the ingress and egress veths"),
    L("the limit: bench_encap.o, XDP IPIP encap + bpf_redirect to one fixed backend, no lookups");

    private final String description;

    ForwardingPath(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** The letter as a configuration name ("K"). */
    public String letter() {
        return name();
    }
}
