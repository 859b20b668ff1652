package io.dsrgw.gateway.linux;

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
 * vanishes with the last queue even if the process dies), then with {@code ip}: sets the MTU to tunnel-mtu
 * minus the encapsulation overhead (so the kernel itself answers "fragmentation needed" for bigger DF packets),
 * {@code addrgenmode none} BEFORE bringing it up (otherwise the kernel writes its own IPv6 packets into it), up,
 * and {@code ip route replace VIP/32 dev X} per VIP address. {@link #close} removes exactly those routes and the
 * device, and nothing else: the device name must not exist beforehand, so the gateway never adopts (or deletes)
 * someone else's interface.
 */
public final class TunIngress implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TunIngress.class);

    private final String device;
    private final List<TunDevice> queues;
    private final List<String> routes;
    private boolean closed;

    private TunIngress(String device, List<TunDevice> queues, List<String> routes) {
        this.device = device;
        this.queues = queues;
        this.routes = routes;
    }

    /**
     * Creates and configures the device.
     *
     * @param device         device name, e.g. {@code dsr0}
     * @param queueCount     TUN queues (one worker each), >= 1
     * @param mtuBytes       device MTU (tunnel-mtu minus encapsulation overhead)
     * @param vipPrefixes    VIP addresses in text form, each routed as /32 into the device
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
        TunIngress ingress = new TunIngress(device, queues, routes);
        try {
            for (int q = 0; q < queueCount; q++) {
                // Multi-queue even with one queue, so a later reload can add queues without re-creating the device.
                queues.add(TunDevice.open(device, true, true));
            }
            IpCommand.run("link", "set", "dev", device, "mtu", Integer.toString(mtuBytes));
            IpCommand.run("link", "set", "dev", device, "addrgenmode", "none");
            IpCommand.run("link", "set", "dev", device, "up");
            for (String vip : new TreeSet<>(vipPrefixes)) {
                String prefix = vip + "/32";
                IpCommand.run("route", "replace", prefix, "dev", device);
                routes.add(prefix);
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

    /** Routes added, as {@code a.b.c.d/32}. */
    public List<String> routes() {
        return List.copyOf(routes);
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
                IpCommand.run("route", "del", prefix, "dev", device);
            } catch (IOException e) {
                LOG.warn("removing route: {}", e.getMessage());
            }
        }
        for (TunDevice q : queues) {
            q.close();
        }
        try {
            if (!queues.isEmpty() && Interfaces.index(device) != 0) {
                IpCommand.run("link", "del", "dev", device);
            }
        } catch (IOException e) {
            LOG.warn("removing device: {}", e.getMessage());
        }
    }
}
