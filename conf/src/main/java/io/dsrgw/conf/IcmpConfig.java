package io.dsrgw.conf;

import java.util.Objects;

/**
 * The gateway's own ICMP behaviour ({@code dsrgw.gateway.icmp}).
 *
 * @param echo       what to do with echo requests to a VIP (default answer)
 * @param tooBigRate ICMP fragmentation-needed / ICMPv6 packet-too-big messages per second per worker, a token
 *                   bucket with burst = rate (default 100, range 0..1000000); 0 = never send one (the packet is
 *                   still dropped and counted)
 */
public record IcmpConfig(EchoMode echo, int tooBigRate) {

    /** The reference.conf values: answer echo requests, at most 100 too-big messages per second per worker. */
    public static final IcmpConfig DEFAULT = new IcmpConfig(EchoMode.ANSWER, 100);

    public IcmpConfig {
        Objects.requireNonNull(echo, "echo");
        if (tooBigRate < 0) {
            throw new IllegalArgumentException("tooBigRate " + tooBigRate + " (expected: >= 0)");
        }
    }

    @Override
    public String toString() {
        return "IcmpConfig[echo=" + echo.id() + ", tooBigRate=" + tooBigRate + "]";
    }
}
