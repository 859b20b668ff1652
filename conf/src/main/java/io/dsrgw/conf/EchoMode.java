package io.dsrgw.conf;

/**
 * What the gateway does with an ICMP echo request (ping) / ICMPv6 echo request addressed to a VIP
 * ({@code dsrgw.gateway.icmp.echo}).
 */
public enum EchoMode {
    /** The gateway answers itself (echo reply from the VIP): shows that the VIP is routed to a live gateway. */
    ANSWER,
    /** Forwarded like any flow (hashed on the echo identifier) to a backend, which answers directly. */
    FORWARD,
    /** Dropped and counted. */
    DROP;

    /** @return the configuration spelling ("answer", "forward", "drop") */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
