package io.dsrgw.conf;

import java.util.Objects;

/**
 * Where the gateway receives packets for its VIPs ({@code dsrgw.gateway.ingress}).
 *
 * @param kind   "tun" (a multi-queue TUN device the VIP routes point into) or "pcap" (replay only)
 * @param device the TUN device name (1..15 characters)
 * @param queues number of TUN queues, one worker each (1..256)
 */
public record IngressConfig(String kind, String device, int queues) {

    /** The TUN ingress kind. */
    public static final String KIND_TUN = "tun";
    /** The pcap ingress kind, used by {@code dsr-gateway replay}. */
    public static final String KIND_PCAP = "pcap";

    public IngressConfig {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(device, "device");
    }
}
