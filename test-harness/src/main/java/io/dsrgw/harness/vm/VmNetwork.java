package io.dsrgw.harness.vm;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsrgw.harness.netns.Cleanup;
import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.Namespace;

/**
 * The host side of a VM test, in two fresh namespaces (nothing in the host namespace):
 * <pre>
 *   PFX-cl  cli0 10.200.0.2/24 fd00:200::2/64 (MTU 1400) ── veth ──┐
 *   PFX-gw  gwc0 10.200.0.1/24 fd00:200::1/64 (MTU 1400)  ─────────┘  router + the gateway under test
 *           vtap0 10.0.0.1/24 fd00:1::1/64  (tap) ════ qemu virtio-net ════ VM eth0 10.0.0.2 fd00:1::2
 * </pre>
 * The client's MTU of 1400 leaves room for any tunnel header on the 1500-byte tap. In the gateway namespace:
 * forwarding on (it routes the VM's direct replies to the client) and rp_filter off (those replies come from the
 * VIP, whose route points into the gateway's TUN, not at the tap). PFX is "v" + 4 random hex digits. Torn down
 * by {@link #close()}, the JVM shutdown hook, or, after a SIGKILL of the JVM, by the next {@link #create()}
 * ({@link VmOwnerMarkers}).
 */
public final class VmNetwork implements AutoCloseable {
    public static final String CLIENT4 = "10.200.0.2";
    public static final String CLIENT6 = "fd00:200::2";
    public static final String ROUTER4 = "10.200.0.1";
    public static final String ROUTER6 = "fd00:200::1";
    /** The gateway namespace's address on the tap: tunnel source of the gateway, default route of the VM. */
    public static final String HOST4 = "10.0.0.1";
    public static final String HOST6 = "fd00:1::1";
    /** The VM's eth0: tunnel destination (the backend address in the gateway config). */
    public static final String GUEST4 = "10.0.0.2";
    public static final String GUEST6 = "fd00:1::2";
    public static final String TAP = "vtap0";
    public static final String CLIENT_DEVICE = "cli0";
    public static final String ROUTER_DEVICE = "gwc0";
    public static final int CLIENT_MTU = 1400;
    private static final Logger LOG = LoggerFactory.getLogger(VmNetwork.class);

    private final String prefix;
    private final List<String> created = new ArrayList<>();
    private boolean closed;

    private VmNetwork(String prefix) {
        this.prefix = prefix;
    }

    /** Creates both namespaces, the veth pair, the tap, addresses, routes and sysctls; on failure removes them. */
    public static VmNetwork create() throws CommandException {
        VmOwnerMarkers.sweepStale();
        byte[] b = new byte[2];
        new SecureRandom().nextBytes(b);
        VmNetwork n = new VmNetwork("v" + HexFormat.of().formatHex(b));
        Cleanup.register(n);
        try {
            try {
                VmOwnerMarkers.create(n.prefix);
            } catch (java.io.IOException e) {
                throw new CommandException("cannot write the owner marker under " + VmOwnerMarkers.DIR + ": " + e, e);
            }
            n.build();
        } catch (CommandException | RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void build() throws CommandException {
        for (String ns : List.of(client(), gateway())) {
            Namespace.create(ns);
            created.add(ns);
        }
        ip(gateway(), "link", "add", ROUTER_DEVICE, "type", "veth", "peer", "name", CLIENT_DEVICE, "netns", client());
        ip(client(), "link", "set", CLIENT_DEVICE, "mtu", "" + CLIENT_MTU, "up");
        ip(client(), "addr", "add", CLIENT4 + "/24", "dev", CLIENT_DEVICE);
        ip(client(), "-6", "addr", "add", CLIENT6 + "/64", "dev", CLIENT_DEVICE, "nodad");
        ip(client(), "route", "add", "default", "via", ROUTER4);
        ip(client(), "-6", "route", "add", "default", "via", ROUTER6);
        ip(gateway(), "link", "set", ROUTER_DEVICE, "mtu", "" + CLIENT_MTU, "up");
        ip(gateway(), "addr", "add", ROUTER4 + "/24", "dev", ROUTER_DEVICE);
        ip(gateway(), "-6", "addr", "add", ROUTER6 + "/64", "dev", ROUTER_DEVICE, "nodad");
        ip(gateway(), "tuntap", "add", "dev", TAP, "mode", "tap");
        ip(gateway(), "link", "set", TAP, "up");
        ip(gateway(), "addr", "add", HOST4 + "/24", "dev", TAP);
        ip(gateway(), "-6", "addr", "add", HOST6 + "/64", "dev", TAP, "nodad");
        exec(gateway(), "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                "net.ipv4.conf." + TAP + ".rp_filter=0");
        LOG.info("VM network {} up: client {} -> gateway namespace {} -> tap {} -> VM {}", prefix, client(),
                gateway(), TAP, GUEST4);
    }

    /**
     * Records the pidfile of a qemu that is about to run in this network, so that a sweep after a SIGKILL of this
     * JVM stops it before deleting the namespaces.
     */
    public void recordQemu(java.nio.file.Path pidFile) {
        VmOwnerMarkers.addQemuPidFile(prefix, pidFile);
    }

    public String prefix() {
        return prefix;
    }

    /** Name of the client namespace. */
    public String client() {
        return prefix + "-cl";
    }

    /** Name of the namespace that holds the tap, routes, and runs the gateway (and qemu). */
    public String gateway() {
        return prefix + "-gw";
    }

    /** {@code ip -n NS args...}, checked. */
    public static Commands.Result ip(String ns, String... args) throws CommandException {
        return Namespace.of(ns).ip(args);
    }

    /** {@code ip netns exec NS command...}, checked. */
    public static Commands.Result exec(String ns, String... command) throws CommandException {
        return Namespace.of(ns).exec(command);
    }

    /** {@code command} wrapped to run inside {@code ns}. */
    public static List<String> wrap(String ns, List<String> command) {
        return Namespace.of(ns).wrap(command);
    }

    /**
     * Kills (by PID) whatever still runs in the namespaces (only processes this harness started live there), then
     * deletes them; the tap and veth go with them. Idempotent; also run by the shutdown hook.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<String> failures = new ArrayList<>();
        for (String ns : created.reversed()) {
            try {
                Namespace.of(ns).delete();
            } catch (CommandException e) {
                failures.add(e.getMessage()); // names the namespace: "ip netns del NS: ..." or the failed command
            } catch (RuntimeException e) {
                failures.add(ns + ": " + e.getMessage());
            }
        }
        Cleanup.unregister(this);
        if (failures.isEmpty()) {
            VmOwnerMarkers.delete(prefix);
            LOG.info("VM network {} removed", prefix);
        } else {
            LOG.warn("VM network {} teardown problems: {}", prefix, failures);
        }
    }

    @Override
    public String toString() {
        return "VmNetwork[" + prefix + "]";
    }
}
