package io.dsrgw.harness.netns;

/**
 * One backend of a {@link Topology}: its own namespace, attached to the router's backend bridge.
 *
 * @param name       short name ("b1", "b2", ...) used in logs and as the HTTP server's identity
 * @param namespace  the backend's namespace
 * @param address    the backend's IPv4 address on the bridge (10.0.3.11, ...), the gateway's IPv4 tunnel destination
 * @param address6   the backend's IPv6 address on the bridge (fd00:3::11, ...), the IPv6 tunnel destination
 * @param device     the backend's veth inside its namespace
 * @param routerPort the peer veth inside the router namespace (a port of the bridge)
 */
public record Backend(String name, Namespace namespace, String address, String address6, String device,
                      String routerPort) {
    /** An IPv4-only description (address6 derived like {@link Topology} does: same host digits under fd00:3::). */
    public Backend(String name, Namespace namespace, String address, String device, String routerPort) {
        this(name, namespace, address, "fd00:3::" + address.substring(address.lastIndexOf('.') + 1), device,
                routerPort);
    }

    /** The tunnel destination of the given family: {@link #address()} for 4, {@link #address6()} for 6. */
    public String address(int family) {
        return switch (family) {
            case 4 -> address;
            case 6 -> address6;
            default -> throw new IllegalArgumentException("family: " + family + " (expected: 4 or 6)");
        };
    }
}
