package io.dsrgw.harness.netns;

/**
 * One backend of a {@link Topology}: its own namespace, attached to the router's backend bridge.
 *
 * @param name      short name ("b1", "b2", ...) used in logs and as the HTTP server's identity
 * @param namespace the backend's namespace
 * @param address   the backend's IPv4 address on the bridge (10.0.3.11, ...), the gateway's tunnel destination
 * @param device    the backend's veth inside its namespace
 * @param routerPort the peer veth inside the router namespace (a port of the bridge)
 */
public record Backend(String name, Namespace namespace, String address, String device, String routerPort) {
}
