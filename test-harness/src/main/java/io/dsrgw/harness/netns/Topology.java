package io.dsrgw.harness.netns;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DSR test topology of {@code ../shared/recipes/netns-dsr.md}, built in fresh namespaces:
 * <pre>
 *   client (PFX-cl) eth0 10.0.1.2/24 fd00:1::2/64 ── to-client 10.0.1.1 fd00:1::1 ┐
 *                                                         router (PFX-rt), forwarding on,
 *                                                         VIP/32 via 10.0.2.2, VIP/128 via fd00:2::2
 *   gateway (PFX-gw) eth0 10.0.2.2/24 fd00:2::2/64 ── to-gw 10.0.2.1 fd00:2::1 ───┤
 *                                                         └ br-backends 10.0.3.1/24 fd00:3::1/64 (bridge)
 *   backend i (PFX-bI) eth0 10.0.3.(10+i)/24 fd00:3::(10+i)/64 ── to-bI (bridge port)
 * </pre>
 * Dual stack everywhere. Client, gateway and backends route by default (IPv4 and IPv6) via the router. Sysctls,
 * each of which the recipe found necessary: router {@code ip_forward=1} and IPv6 forwarding, {@code rp_filter} 0
 * on all/default and 2 (loose) on the backend bridge (replies come from the VIP there while the VIP route points
 * at the gateway; IPv6 has no reverse-path filter); gateway {@code ip_forward=1} and IPv6 forwarding. Duplicate
 * address detection is off in every namespace ({@code accept_dad=0} before any link exists, and {@code nodad} on
 * the addresses): it holds new addresses, the link-local ones included, "tentative" for about a second, and
 * measured here, IPv6 across the router's bridge then fails for the first ~1.5 s; no address here can be
 * duplicated.
 * The backend-side DSR settings (VIP on lo, decap TUN, rp_filter) are the agent's job, not the topology's.
 *
 * <p>Names: every namespace is {@code PFX-xx} where PFX is "d" + 4 random hex digits, unique per topology; the
 * interface names are per namespace, so they need no prefix (all are at most 15 characters). The topology is
 * always torn down: {@link #close()}, a JVM shutdown hook, and a sweep of namespaces that carry this prefix
 * (in case creation failed half way); a topology whose JVM was killed (SIGKILL) is removed by the next
 * {@link Builder#build()} on the host, found through its owner marker ({@link OwnerMarkers}).
 */
public final class Topology implements AutoCloseable {
    public static final String CLIENT_ADDRESS = "10.0.1.2";
    public static final String ROUTER_CLIENT_ADDRESS = "10.0.1.1";
    public static final String GATEWAY_ADDRESS = "10.0.2.2";
    public static final String ROUTER_GATEWAY_ADDRESS = "10.0.2.1";
    public static final String ROUTER_BACKEND_ADDRESS = "10.0.3.1";
    public static final String CLIENT_ADDRESS6 = "fd00:1::2";
    public static final String ROUTER_CLIENT_ADDRESS6 = "fd00:1::1";
    public static final String GATEWAY_ADDRESS6 = "fd00:2::2";
    public static final String ROUTER_GATEWAY_ADDRESS6 = "fd00:2::1";
    public static final String ROUTER_BACKEND_ADDRESS6 = "fd00:3::1";
    /** Backend i (1-based) gets 10.0.3.(10 + i) and fd00:3::(10 + i) (the same digits, read as hex in IPv6). */
    public static final int FIRST_BACKEND_HOST = 11;
    /** The veth inside client, gateway and every backend namespace. */
    public static final String LEAF_DEVICE = "eth0";
    public static final String ROUTER_CLIENT_DEVICE = "to-client";
    public static final String ROUTER_GATEWAY_DEVICE = "to-gw";
    public static final String ROUTER_BRIDGE = "br-backends";
    /** The bridge's own MAC (10.0.3.1's), set explicitly: see {@code create()}. */
    public static final String ROUTER_BRIDGE_MAC = "02:00:0a:00:03:01";
    /** L2 DSR ({@link Builder#gatewayOnBackendBridge}): the gateway's second veth, on the backends' bridge. */
    public static final String GATEWAY_BRIDGE_DEVICE = "eth1";
    public static final String GATEWAY_BRIDGE_ADDRESS = "10.0.3.2";
    public static final String GATEWAY_BRIDGE_ADDRESS6 = "fd00:3::2";
    /** The router's end of {@link #GATEWAY_BRIDGE_DEVICE}, a port of {@link #ROUTER_BRIDGE}. */
    public static final String ROUTER_GATEWAY_BRIDGE_PORT = "to-gwb";
    /** At most 200 backends on the /24 (10.0.3.11 .. 10.0.3.210). */
    public static final int MAX_BACKENDS = 200;

    private static final Logger LOG = LoggerFactory.getLogger(Topology.class);

    private final String prefix;
    private final Namespace client;
    private final Namespace router;
    private final Namespace gateway;
    private final List<Backend> backends;
    private final List<String> routedViaGateway;
    private final boolean xdpGatewayLink;
    private boolean gatewayOnBackendBridge;
    private final List<Namespace> created = new ArrayList<>();
    private boolean closed;

    private Topology(String prefix, int backendCount, List<String> routedViaGateway) {
        this(prefix, backendCount, routedViaGateway, false);
    }

    private Topology(String prefix, int backendCount, List<String> routedViaGateway, boolean xdpGatewayLink) {
        this.prefix = prefix;
        this.client = new Namespace(prefix + "-cl");
        this.router = new Namespace(prefix + "-rt");
        this.gateway = new Namespace(prefix + "-gw");
        List<Backend> b = new ArrayList<>();
        for (int i = 1; i <= backendCount; i++) {
            int host = FIRST_BACKEND_HOST + i - 1;
            b.add(new Backend("b" + i, new Namespace(prefix + "-b" + i), "10.0.3." + host, "fd00:3::" + host,
                    LEAF_DEVICE, "to-b" + i));
        }
        this.backends = List.copyOf(b);
        this.routedViaGateway = List.copyOf(routedViaGateway);
        this.xdpGatewayLink = xdpGatewayLink;
    }

    /** A builder with 3 backends and no routes via the gateway yet. */
    public static Builder builder() {
        return new Builder();
    }

    /** A fresh name prefix: "d" + 4 random hex digits (namespace names stay well under 15 characters). */
    public static String randomPrefix() {
        byte[] b = new byte[2];
        new SecureRandom().nextBytes(b);
        return "d" + HexFormat.of().formatHex(b);
    }

    /** Builds a topology. */
    public static final class Builder {
        private int backends = 3;
        private final List<String> viaGateway = new ArrayList<>();
        private String prefix;
        private boolean xdpGatewayLink;
        private boolean gatewayOnBackendBridge;

        private Builder() {
        }

        /**
         * L2 DSR: the gateway also gets {@value #GATEWAY_BRIDGE_DEVICE} ({@value #GATEWAY_BRIDGE_ADDRESS}/24,
         * {@value #GATEWAY_BRIDGE_ADDRESS6}/64) on the backends' bridge, so the backends are on a network it is
         * connected to; with {@link #xdpGatewayLink()} its router port is prepared for XDP redirects like the
         * gateway's first link.
         */
        public Builder gatewayOnBackendBridge() {
            this.gatewayOnBackendBridge = true;
            return this;
        }

        /**
         * Prepares the gateway's link for an XDP program on the gateway's {@value #LEAF_DEVICE} (native mode), as
         * {@code ../shared/recipes/xdp-on-veth.md} found necessary: an {@code XDP_PASS} program on the router's
         * {@value #ROUTER_GATEWAY_DEVICE} (frames the gateway's program sends back with {@code XDP_TX} land in that
         * veth's NAPI; measured on kernel 6.18, GRO on that veth is NOT enough: the frames are queued, counted as
         * xdp_tx on the gateway's side, and never received, while with a program on the peer they are), GRO on
         * there too, and tx checksumming off there (packets the router forwards to the gateway would otherwise
         * arrive with an unfinished TCP checksum, CHECKSUM_PARTIAL, which the program would encapsulate as is).
         * Needs clang (the pass program is compiled at build time of the topology) and iproute2 with libbpf.
         */
        public Builder xdpGatewayLink() {
            this.xdpGatewayLink = true;
            return this;
        }

        /** Number of backends, 1 .. {@value #MAX_BACKENDS}. */
        public Builder backends(int count) {
            if (count < 1 || count > MAX_BACKENDS) {
                throw new IllegalArgumentException("backends: " + count + " (expected: 1.." + MAX_BACKENDS + ")");
            }
            this.backends = count;
            return this;
        }

        /** A VIP: the router routes {@code address/32} (IPv4) or {@code address/128} (IPv6) to the gateway. */
        public Builder vip(String address) {
            return routeViaGateway(address + (isIpv6(address) ? "/128" : "/32"));
        }

        /**
         * Any destination prefix the router sends to the gateway (VIPs, or non-VIP traffic for negative tests);
         * an IPv6 prefix goes via the gateway's IPv6 address.
         */
        public Builder routeViaGateway(String cidr) {
            viaGateway.add(cidr);
            return this;
        }

        /** Overrides the random name prefix (1..8 characters of [a-z0-9]); tests normally leave it random. */
        public Builder prefix(String p) {
            if (!p.matches("[a-z][a-z0-9]{0,7}")) {
                throw new IllegalArgumentException("prefix: " + p + " (expected: 1..8 of [a-z0-9], a letter first)");
            }
            this.prefix = p;
            return this;
        }

        /** Creates every namespace, link, address, route and sysctl; on any failure removes what it made. */
        public Topology build() throws CommandException {
            sweepStale();
            Topology t = new Topology(prefix != null ? prefix : randomPrefix(), backends, viaGateway,
                    xdpGatewayLink);
            t.gatewayOnBackendBridge = gatewayOnBackendBridge;
            Cleanup.register(t);
            try {
                try {
                    OwnerMarkers.create(t.prefix);
                } catch (java.io.IOException e) {
                    throw new CommandException("cannot write the owner marker under " + OwnerMarkers.DIR + ": " + e, e);
                }
                t.create();
            } catch (CommandException | RuntimeException e) {
                t.close();
                throw e;
            }
            return t;
        }
    }

    /** Removes the namespaces of topologies whose JVM died without cleaning up (see {@link OwnerMarkers}). */
    public static void sweepStale() {
        for (String stale : OwnerMarkers.stalePrefixes()) {
            LOG.warn("removing namespaces {}-* left behind by a dead harness JVM", stale);
            new Topology(stale, 0, List.of()).close();
        }
    }

    private void create() throws CommandException {
        long start = System.nanoTime();
        for (Namespace ns : allNamespaces()) {
            Namespace.create(ns.name());
            created.add(ns);
            ns.sysctl("net.ipv6.conf.all.accept_dad", "0");
            ns.sysctl("net.ipv6.conf.default.accept_dad", "0");
        }
        // veth pairs are created inside the router namespace with the peer placed directly in the leaf
        // namespace, so no interface ever appears in the host namespace.
        router.ip("link", "add", ROUTER_CLIENT_DEVICE, "type", "veth", "peer", "name", LEAF_DEVICE,
                "netns", client.name());
        router.ip("link", "add", ROUTER_GATEWAY_DEVICE, "type", "veth", "peer", "name", LEAF_DEVICE,
                "netns", gateway.name());
        // A fixed MAC: a bridge without one takes the lowest of its ports', so a port deleted and re-created (a
        // backend's interface, L2DsrEndToEndIT) could change the router's MAC under every backend's neighbour entry.
        router.ip("link", "add", ROUTER_BRIDGE, "address", ROUTER_BRIDGE_MAC, "type", "bridge");
        router.ip("addr", "add", ROUTER_CLIENT_ADDRESS + "/24", "dev", ROUTER_CLIENT_DEVICE);
        router.ip("addr", "add", ROUTER_GATEWAY_ADDRESS + "/24", "dev", ROUTER_GATEWAY_DEVICE);
        router.ip("addr", "add", ROUTER_BACKEND_ADDRESS + "/24", "dev", ROUTER_BRIDGE);
        router.ip("link", "set", ROUTER_CLIENT_DEVICE, "up");
        router.ip("link", "set", ROUTER_GATEWAY_DEVICE, "up");
        router.ip("link", "set", ROUTER_BRIDGE, "up");

        router.ip("-6", "addr", "add", ROUTER_CLIENT_ADDRESS6 + "/64", "dev", ROUTER_CLIENT_DEVICE, "nodad");
        router.ip("-6", "addr", "add", ROUTER_GATEWAY_ADDRESS6 + "/64", "dev", ROUTER_GATEWAY_DEVICE, "nodad");
        router.ip("-6", "addr", "add", ROUTER_BACKEND_ADDRESS6 + "/64", "dev", ROUTER_BRIDGE, "nodad");

        leaf(client, CLIENT_ADDRESS, CLIENT_ADDRESS6, ROUTER_CLIENT_ADDRESS, ROUTER_CLIENT_ADDRESS6);
        leaf(gateway, GATEWAY_ADDRESS, GATEWAY_ADDRESS6, ROUTER_GATEWAY_ADDRESS, ROUTER_GATEWAY_ADDRESS6);
        gateway.sysctl("net.ipv4.ip_forward", "1");
        gateway.sysctl("net.ipv6.conf.all.forwarding", "1");

        for (Backend b : backends) {
            router.ip("link", "add", b.routerPort(), "type", "veth", "peer", "name", b.device(),
                    "netns", b.namespace().name());
            router.ip("link", "set", b.routerPort(), "master", ROUTER_BRIDGE);
            router.ip("link", "set", b.routerPort(), "up");
            leaf(b.namespace(), b.address(), b.address6(), ROUTER_BACKEND_ADDRESS, ROUTER_BACKEND_ADDRESS6);
        }

        if (gatewayOnBackendBridge) {
            router.ip("link", "add", ROUTER_GATEWAY_BRIDGE_PORT, "type", "veth", "peer", "name",
                    GATEWAY_BRIDGE_DEVICE, "netns", gateway.name());
            router.ip("link", "set", ROUTER_GATEWAY_BRIDGE_PORT, "master", ROUTER_BRIDGE);
            router.ip("link", "set", ROUTER_GATEWAY_BRIDGE_PORT, "up");
            gateway.ip("addr", "add", GATEWAY_BRIDGE_ADDRESS + "/24", "dev", GATEWAY_BRIDGE_DEVICE);
            gateway.ip("-6", "addr", "add", GATEWAY_BRIDGE_ADDRESS6 + "/64", "dev", GATEWAY_BRIDGE_DEVICE, "nodad");
            gateway.ip("link", "set", GATEWAY_BRIDGE_DEVICE, "up");
            if (xdpGatewayLink) {
                router.exec("ethtool", "-K", ROUTER_GATEWAY_BRIDGE_PORT, "gro", "on", "tx", "off");
                router.exec("ip", "link", "set", "dev", ROUTER_GATEWAY_BRIDGE_PORT, "xdpdrv", "obj",
                        XdpPassProgram.object().toString(), "sec", "xdp");
            }
        }

        router.sysctl("net.ipv4.ip_forward", "1");
        router.sysctl("net.ipv6.conf.all.forwarding", "1");
        router.sysctl("net.ipv4.conf.all.rp_filter", "0");
        router.sysctl("net.ipv4.conf.default.rp_filter", "0");
        // Replies arrive on the bridge from the VIP, whose route points at the gateway: strict mode drops them.
        router.sysctl("net.ipv4.conf." + ROUTER_BRIDGE + ".rp_filter", "2");
        if (xdpGatewayLink) {
            router.exec("ethtool", "-K", ROUTER_GATEWAY_DEVICE, "gro", "on", "tx", "off");
            router.exec("ip", "link", "set", "dev", ROUTER_GATEWAY_DEVICE, "xdpdrv", "obj",
                    XdpPassProgram.object().toString(), "sec", "xdp");
        }
        for (String cidr : routedViaGateway) {
            if (isIpv6(cidr)) {
                router.ip("-6", "route", "add", cidr, "via", GATEWAY_ADDRESS6);
            } else {
                router.ip("route", "add", cidr, "via", GATEWAY_ADDRESS);
            }
        }
        LOG.info("topology {} up in {} ms: client {} {}, gateway {} {}, {} backends {}", prefix,
                (System.nanoTime() - start) / 1_000_000, CLIENT_ADDRESS, CLIENT_ADDRESS6, GATEWAY_ADDRESS,
                GATEWAY_ADDRESS6, backends.size(), backends.stream().map(b -> b.address() + " " + b.address6())
                        .toList());
    }

    /** Addresses (IPv6 without DAD), link up and both default routes of a leaf namespace's {@link #LEAF_DEVICE}. */
    private static void leaf(Namespace ns, String address, String address6, String via, String via6)
            throws CommandException {
        ns.ip("addr", "add", address + "/24", "dev", LEAF_DEVICE);
        ns.ip("-6", "addr", "add", address6 + "/64", "dev", LEAF_DEVICE, "nodad");
        ns.ip("link", "set", LEAF_DEVICE, "up");
        ns.ip("route", "add", "default", "via", via);
        ns.ip("-6", "route", "add", "default", "via", via6);
    }

    /** True for an IPv6 address or prefix (it contains a colon). */
    public static boolean isIpv6(String addressOrPrefix) {
        return addressOrPrefix.indexOf(':') >= 0;
    }

    private List<Namespace> allNamespaces() {
        List<Namespace> all = new ArrayList<>(List.of(client, router, gateway));
        for (Backend b : backends) {
            all.add(b.namespace());
        }
        return all;
    }

    public String prefix() {
        return prefix;
    }

    public Namespace client() {
        return client;
    }

    public Namespace router() {
        return router;
    }

    public Namespace gateway() {
        return gateway;
    }

    public List<Backend> backends() {
        return backends;
    }

    /** Destination prefixes the router sends to the gateway. */
    public List<String> routedViaGateway() {
        return routedViaGateway;
    }

    /**
     * Deletes every namespace of this topology (killing, by PID, any process still inside one: all of them
     * were started by this harness in namespaces it created), then sweeps {@code ip netns list} for leftovers
     * with this topology's prefix. Idempotent; also run by the shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> failures = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Namespace ns : created) {
            names.add(ns.name());
        }
        try {
            Commands.Result list = Commands.run(List.of("ip", "netns", "list"));
            for (String line : list.stdout().split("\n")) {
                String name = line.strip().split("\\s+")[0];
                if (name.startsWith(prefix + "-") && !names.contains(name)) {
                    names.add(name);
                }
            }
        } catch (CommandException e) {
            failures.add(e.getMessage());
        }
        for (int i = names.size() - 1; i >= 0; i--) {
            try {
                Namespace.of(names.get(i)).delete();
            } catch (CommandException e) {
                failures.add(e.getMessage());
            }
        }
        Cleanup.unregister(this);
        if (failures.isEmpty()) {
            OwnerMarkers.delete(prefix);
            LOG.info("topology {} removed ({} namespaces)", prefix, names.size());
        } else {
            LOG.warn("topology {} teardown problems: {}", prefix, failures);
        }
    }

    @Override
    public String toString() {
        return "Topology[" + prefix + ", " + backends.size() + " backends]";
    }
}
