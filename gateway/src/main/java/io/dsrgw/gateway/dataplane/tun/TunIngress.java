package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.linux.Interfaces;
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
 */
public final class TunIngress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunIngress.class);

    private final String device;
    private final List<TunDevice> queues;
    private final List<String> routes;
    private final Ip ip;
    private boolean closed;

    /** The {@code ip} command runner: {@link IpCommand#run} in production, a recorder in tests. */
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
        Objects.requireNonNull(device, "device");
        if (queueCount < 1) {
            throw new IllegalArgumentException("queues: " + queueCount + " (expected: >= 1)");
        }
        if (Interfaces.index(device) != 0) {
            throw new IOException("device " + device + " already exists (expected: a name not in use; is another "
                    + "dsr-gateway running? the gateway never adopts an existing device)");
        }
        List<TunDevice> queues = new ArrayList<>(queueCount);
        List<String> routes = new ArrayList<>();
        TunIngress ingress = new TunIngress(device, queues, routes, IpCommand::run);
        try {
            for (int q = 0; q < queueCount; q++) {
                // Multi-queue even with one queue, so a later reload can add queues without re-creating the device.
                queues.add(TunDevice.open(device, true, true));
            }
            IpCommand.run("link", "set", "dev", device, "mtu", Integer.toString(mtuBytes));
            IpCommand.run("link", "set", "dev", device, "addrgenmode", "none");
            IpCommand.run("link", "set", "dev", device, "up");
            for (String vip : new TreeSet<>(vipPrefixes)) {
                ingress.addRoute(vip);
            }
            return ingress;
        } catch (IOException | RuntimeException e) {
            ingress.close();
            throw e;
        }
    }

    public String device() {
        return device;
    }

    /** The queues, one per worker; owned by this ingress (closed by {@link #close}). */
    public List<TunDevice> queues() {
        return List.copyOf(queues);
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
