package io.dsrgw.conf;

/**
 * The agent's TCP MSS clamp ({@code dsrgw.agent.mss-clamp}). Replies leave the backend directly, so the
 * backend's SYN-ACK is the only place where the MSS the client will use can be lowered to fit the tunnel; too-big
 * messages alone are not enough because they are often filtered on the way.
 *
 * @param enabled   clamp the MSS of SYN-ACKs sent from a VIP (default true)
 * @param tunnelMtu MTU of the gateway-to-backend path, outer header included: the gateway's tunnel-mtu
 *                  (default 1500, range 576..65535; at least 1280 with IPv6 outer kinds or IPv6 VIPs)
 */
public record MssClampConfig(boolean enabled, int tunnelMtu) {

    /** The reference.conf values: clamp on, tunnel MTU 1500. */
    public static final MssClampConfig DEFAULT = new MssClampConfig(true, 1500);
}
