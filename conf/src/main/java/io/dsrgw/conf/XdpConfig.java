package io.dsrgw.conf;

import java.util.List;
import java.util.Objects;

/**
 * The XDP fast path of the gateway ({@code dsrgw.gateway.ingress.xdp}), used when {@code ingress.kind = xdp}
 * (DESIGN.md decision 13): an XDP program on every interface in {@code interfaces} forwards the common case in
 * the kernel and passes everything else up the stack, where the VIP routes lead it into the TUN device (the Java
 * pipeline, the slow path).
 *
 * @param interfaces the interfaces VIP traffic arrives on (distinct names, at least one when the kind is xdp)
 * @param mode       {@link #MODE_NATIVE} (the driver runs the program before any socket buffer exists) or
 *                   {@link #MODE_GENERIC} (the kernel runs it on the socket buffer: works on every interface, slower)
 */
public record XdpConfig(List<String> interfaces, String mode) {
    /** Native (driver) XDP. */
    public static final String MODE_NATIVE = "native";
    /** Generic (skb) XDP. */
    public static final String MODE_GENERIC = "generic";
    /** Not configured (ingress.kind = tun): no interfaces, native mode. */
    public static final XdpConfig NONE = new XdpConfig(List.of(), MODE_NATIVE);

    public XdpConfig {
        interfaces = List.copyOf(Objects.requireNonNull(interfaces, "interfaces"));
        Objects.requireNonNull(mode, "mode");
    }
}
