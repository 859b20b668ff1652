package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.conf.IngressConfig;
import io.dsrgw.gateway.linux.Iproute2;
import io.dsrgw.linux.Interfaces;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.TunDevice;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The gateway's ingress device: a multi-queue TUN whose routes attract the VIPs' traffic.
 *
 * <p>{@link #open} creates the device by opening its queues (TUNSETIFF; the device is not persistent, so it
 * vanishes with the last queue even if the process dies), then with {@code ip}: sets the MTU (see
 * {@link #DEVICE_MTU}), {@code addrgenmode none} BEFORE bringing it up (otherwise the kernel writes its own
 * IPv6 packets into it), up, and {@code ip route replace VIP/32 dev X} per IPv4 VIP address, {@code ip -6 route
 * replace VIP/128 dev X} per IPv6 one. {@link #close} removes exactly those routes and the device, and nothing
 * else: the device name must not exist beforehand, so the gateway never adopts (or deletes) someone else's
 * interface.
 *
 * <p>With a new-flow queue ({@code ingress.new-flow-queue}, issue 14 floods) the device has three queues per worker,
 * attached in the order established 0, new flows 0, known sources' new flows 0, established 1, ... and the steering
 * program ({@link TunSteering})
 * attached before the device goes up, so no packet is ever queued by flow hash instead.
 */
public final class TunIngress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunIngress.class);

    private final String device;
    /** Every queue, in attach order (with a new-flow queue: established and new-flow queues alternate). */
    private final List<TunDevice> queues;
    /** Whether the steering program is attached (queues alternate), and why not when it was wanted. */
    private boolean newFlowQueue;
    private String newFlowQueueProblem;
    private final List<String> routes;
    private final Ip ip;
    private boolean closed;

    /** The {@code ip} command runner: {@link Iproute2#ip} in production, a recorder in tests. */
    @FunctionalInterface
    interface Ip {
        String run(String... args) throws IOException;
    }

    private TunIngress(String device, List<TunDevice> queues, List<String> routes, Ip ip) {
        this.device = device;
        this.queues = queues;
        this.routes = routes;
        this.ip = ip;
    }

    /** An ingress without queues whose routes go through {@code ip} (tests of route changes). */
    static TunIngress routesOnly(String device, Ip ip) {
        return new TunIngress(device, new ArrayList<>(), new ArrayList<>(), ip);
    }

    /**
     * The TUN device's MTU: 65535, the largest IP packet, whatever tunnel-mtu is, so that the kernel never judges a
     * packet too big for the TUN and the pipeline decides every time: too-big with the exact MTU of the backend's
     * kind (tunnel-mtu - that overhead), rate limited by {@code icmp.too-big-rate}, or fragments per RFC 2003 / 2473.
     *
     * <p>Why (issue 14): with the old MTU, tunnel-mtu - 20, the KERNEL answered every DF packet above it with a
     * fragmentation-needed (IPv6: packet-too-big) of its own, one per packet: Linux exempts both from its ICMP
     * rate limits (PMTU discovery must not be throttled), so a flood of 1500-byte DF packets to a VIP made the
     * gateway host reflect 5 M ICMP messages in 15 s towards (spoofed) sources, and the pipeline's limit never saw
     * them. An nftables limit on outgoing ICMP type 3 code 4 would have capped that too, but would have left the
     * kernel's single MTU (wrong for GRE and IPv6-outer backends), a ruleset in the host's firewall to own, and
     * the kernel fragmenting DF-clear IPv4 into inner fragments before we see it.
     *
     * <p>Nothing else changes size: a packet can only be as large as the link it arrived on allows (GRO
     * aggregates are segmented again before the TUN, which offers no segmentation offload), the workers' read slots
     * already hold 65535 bytes, and their fragment slots are sized for a 65535-byte packet.
     */
    public static final int DEVICE_MTU = 65535;

    /**
     * Creates and configures the device.
     *
     * @param device         device name, e.g. {@code dsr0}
     * @param queueCount     TUN queues (one worker each), >= 1
     * @param mtuBytes       device MTU ({@link #DEVICE_MTU})
     * @param vipPrefixes    VIP addresses in text form, each routed into the device: IPv4 as /32, IPv6 as /128
     * @throws IOException with the failing system call or command and its error; everything done so far is undone
     */
    public static TunIngress open(String device, int queueCount, int mtuBytes, Collection<String> vipPrefixes)
            throws IOException {
        return open(device, queueCount, mtuBytes, vipPrefixes, IngressConfig.NEW_FLOW_QUEUE_OFF);
    }

    /**
     * Creates and configures the device, with a new-flow queue per worker as {@code newFlowQueue} says: "off" as
     * {@link #open(String, int, int, Collection)}; "auto" loads and attaches the steering program and, when that
     * fails, logs why once and goes on with one queue per worker ({@link #newFlowQueueProblem()}); "on" fails.
     *
     * @param queueCount   workers (one established queue each, plus one new-flow queue each when in use)
     * @param newFlowQueue {@link IngressConfig#NEW_FLOW_QUEUE_AUTO}, {@link IngressConfig#NEW_FLOW_QUEUE_ON} or
     *                     {@link IngressConfig#NEW_FLOW_QUEUE_OFF}
     * @throws IOException as the other overload, and with "on" e.g. {@code "ingress.new-flow-queue = on: BPF is
     *                     unavailable: ... lacks CAP_BPF ..."}
     */
    public static TunIngress open(String device, int queueCount, int mtuBytes, Collection<String> vipPrefixes,
                                  String newFlowQueue) throws IOException {
        return open(device, queueCount, mtuBytes, vipPrefixes, newFlowQueue,
                IngressConfig.DEFAULT_KNOWN_SOURCES_PER_SECOND);
    }

    /**
     * As above, the steering program recording at most {@code knownSourcesPerSecond} new known sources per second
     * ({@code ingress.known-sources-per-second}, {@link TunSteering#load(long)}).
     */
    public static TunIngress open(String device, int queueCount, int mtuBytes, Collection<String> vipPrefixes,
                                  String newFlowQueue, int knownSourcesPerSecond) throws IOException {
        return open(device, queueCount, mtuBytes, vipPrefixes, newFlowQueue,
                queue -> attachSteering(queue, knownSourcesPerSecond));
    }

    /** As above with the steering attacher given: it returns why it failed, or null (tests: a failing one). */
    static TunIngress open(String device, int queueCount, int mtuBytes, Collection<String> vipPrefixes,
                           String newFlowQueue, java.util.function.Function<TunDevice, String> steering)
            throws IOException {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(newFlowQueue, "newFlowQueue");
        boolean wanted = !IngressConfig.NEW_FLOW_QUEUE_OFF.equals(newFlowQueue);
        boolean required = IngressConfig.NEW_FLOW_QUEUE_ON.equals(newFlowQueue);
        if (queueCount < 1) {
            throw new IllegalArgumentException("queues: " + queueCount + " (expected: >= 1)");
        }
        if (Interfaces.index(device) != 0) {
            throw new IOException("device " + device + " already exists (expected: a name not in use; is another "
                    + "dsr-gateway running? the gateway never adopts an existing device)");
        }
        List<TunDevice> queues = new ArrayList<>(queueCount);
        List<String> routes = new ArrayList<>();
        TunIngress ingress = new TunIngress(device, queues, routes, Iproute2::ip);
        try {
            int perWorker = wanted ? TunSteering.QUEUES_PER_WORKER : 1;
            for (int q = 0; q < queueCount * perWorker; q++) {
                // Multi-queue even with one queue, so a later reload can add queues without re-creating the device.
                queues.add(TunDevice.open(device, true, true));
            }
            if (wanted) {
                String problem = steering.apply(queues.getFirst());
                if (problem == null) {
                    ingress.newFlowQueue = true;
                } else if (required) {
                    throw new IOException("ingress.new-flow-queue = on: " + problem + " (expected: the steering "
                            + "program loads and attaches; ingress.new-flow-queue = auto runs without it)");
                } else {
                    ingress.newFlowQueueProblem = problem;
                    LOG.warn("ingress.new-flow-queue = auto: one TUN queue per worker, so a SYN flood competes with "
                            + "established connections for it: {}", problem);
                    // Without the program the queues are alike: keep one per worker (closing detaches the rest).
                    for (int q = queues.size() - 1; q >= queueCount; q--) {
                        queues.remove(q).close();
                    }
                }
            }
            Iproute2.ip("link", "set", "dev", device, "mtu", Integer.toString(mtuBytes));
            Iproute2.ip("link", "set", "dev", device, "addrgenmode", "none");
            Iproute2.ip("link", "set", "dev", device, "up");
            for (String vip : new TreeSet<>(vipPrefixes)) {
                ingress.addRoute(vip);
            }
            return ingress;
        } catch (IOException | RuntimeException e) {
            ingress.close();
            throw e;
        }
    }

    /** Why the steering program could not be used, e.g. {@code "bpf_object__load(dsrgw_tun_steer): EPERM ..."}. */
    private static String attachSteering(TunDevice queue, int knownSourcesPerSecond) {
        try (TunSteering steering = TunSteering.load(knownSourcesPerSecond)) {
            steering.attach(queue);
            return null;
        } catch (LinuxException | RuntimeException e) {
            return e.getMessage();
        }
    }

    public String device() {
        return device;
    }

    /**
     * The queues, one per worker (with a new-flow queue: each worker's established queue); owned by this ingress
     * (closed by {@link #close}).
     */
    public List<TunDevice> queues() {
        if (!newFlowQueue) {
            return List.copyOf(queues);
        }
        List<TunDevice> established = new ArrayList<>(queues.size() / 2);
        for (int q = 0; q < queues.size(); q += TunSteering.QUEUES_PER_WORKER) {
            established.add(queues.get(q));
        }
        return established;
    }

    /** Worker {@code worker}'s new-flow queue, or null without the new-flow queue. */
    public TunDevice newFlowQueue(int worker) {
        return newFlowQueue ? queues.get(TunSteering.QUEUES_PER_WORKER * worker + 1) : null;
    }

    /** Worker {@code worker}'s queue of known sources' new flows, or null without the new-flow queue. */
    public TunDevice knownSourceQueue(int worker) {
        return newFlowQueue ? queues.get(TunSteering.QUEUES_PER_WORKER * worker + 2) : null;
    }

    /** Whether the workers have a new-flow queue (the steering program is attached). */
    public boolean hasNewFlowQueue() {
        return newFlowQueue;
    }

    /** Why the new-flow queue is not in use although {@code auto} asked for it; null when in use or off. */
    public String newFlowQueueProblem() {
        return newFlowQueueProblem;
    }

    private static boolean isIpv6(String address) {
        return address.indexOf(':') >= 0;
    }

    /** Routes added, as {@code a.b.c.d/32} or {@code x:y::z/128}. */
    public synchronized List<String> routes() {
        return List.copyOf(routes);
    }

    private static String prefixOf(String vip) {
        return isIpv6(vip) ? vip + "/128" : vip + "/32";
    }

    private void addRoute(String vip) throws IOException {
        String prefix = prefixOf(vip);
        if (isIpv6(vip)) {
            ip.run("-6", "route", "replace", prefix, "dev", device);
        } else {
            ip.run("route", "replace", prefix, "dev", device);
        }
        routes.add(prefix);
    }

    private void removeRoute(String prefix) throws IOException {
        if (isIpv6(prefix)) {
            ip.run("-6", "route", "del", prefix, "dev", device);
        } else {
            ip.run("route", "del", prefix, "dev", device);
        }
    }

    /**
     * Makes the routes follow the VIPs after a reload: adds a route for every address of {@code vipAddresses}
     * not routed yet, removes the routes of addresses no longer in it (only routes this ingress added). Each
     * failure is logged and the rest still done; returns false when some change failed (retried on the next
     * call, since the route list only records what succeeded).
     */
    public synchronized boolean syncRoutes(Collection<String> vipAddresses) {
        if (closed) {
            return true;
        }
        boolean ok = true;
        TreeSet<String> wanted = new TreeSet<>();
        for (String vip : vipAddresses) {
            wanted.add(prefixOf(vip));
        }
        for (String prefix : List.copyOf(routes)) {
            if (!wanted.contains(prefix)) {
                try {
                    removeRoute(prefix);
                    LOG.info("route {} dev {} removed (vip no longer configured)", prefix, device);
                } catch (IOException e) {
                    LOG.warn("removing route {}: {}", prefix, e.getMessage());
                    ok = false;
                }
                // Forget it either way: a route that failed to go was already gone (or is not ours to retry).
                routes.remove(prefix);
            }
        }
        for (String vip : new TreeSet<>(vipAddresses)) {
            if (!routes.contains(prefixOf(vip))) {
                try {
                    addRoute(vip);
                    LOG.info("route {} dev {} added (vip added by reload)", prefixOf(vip), device);
                } catch (IOException e) {
                    LOG.error("adding route for vip {}: {}", vip, e.getMessage());
                    ok = false;
                }
            }
        }
        return ok;
    }

    /**
     * Removes the routes, closes the queues (which deletes the non-persistent device) and deletes the device
     * explicitly if it still exists. Errors are logged, not thrown: shutdown continues with the next step.
     * Call after the workers stopped.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (String prefix : routes) {
            try {
                removeRoute(prefix);
            } catch (IOException e) {
                LOG.warn("removing route: {}", e.getMessage());
            }
        }
        for (TunDevice q : queues) {
            q.close();
        }
        try {
            if (!queues.isEmpty() && Interfaces.index(device) != 0) {
                ip.run("link", "del", "dev", device);
            }
        } catch (IOException e) {
            LOG.warn("removing device: {}", e.getMessage());
        }
    }
}
