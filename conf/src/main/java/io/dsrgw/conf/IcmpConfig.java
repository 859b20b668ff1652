package io.dsrgw.conf;

import java.util.Objects;

/**
 * The gateway's own ICMP behaviour ({@code dsrgw.gateway.icmp}).
 *
 * @param echo       what to do with echo requests to a VIP (default answer)
 * @param tooBigRate ICMP fragmentation-needed / ICMPv6 packet-too-big messages per second per worker, a token
 *                   bucket with burst = rate (default 100, range 0..1000000); 0 = never send one (the packet is
 *                   still dropped and counted)
 * @param echoRate   echo replies per second per worker with {@code echo = answer}, a token bucket with burst = rate
 *                   (default 100, range 0..1000000); 0 = never answer (the request is dropped and counted)
 */
public record IcmpConfig(EchoMode echo, int tooBigRate, int echoRate) {
    /** Default of {@code icmp.echo-rate}, like the too-big rate's. */
    public static final int DEFAULT_ECHO_RATE = 100;

    /** The reference.conf values: answer echo requests, at most 100 too-big messages and echo replies per second per
     *  worker. */
    public static final IcmpConfig DEFAULT = new IcmpConfig(EchoMode.ANSWER, 100, DEFAULT_ECHO_RATE);

    public IcmpConfig {
        Objects.requireNonNull(echo, "echo");
        if (tooBigRate < 0) {
            throw new IllegalArgumentException("tooBigRate " + tooBigRate + " (expected: >= 0)");
        }
        if (echoRate < 0) {
            throw new IllegalArgumentException("echoRate " + echoRate + " (expected: >= 0)");
        }
    }

    /** With the default echo rate ({@value #DEFAULT_ECHO_RATE}). */
    public IcmpConfig(EchoMode echo, int tooBigRate) {
        this(echo, tooBigRate, DEFAULT_ECHO_RATE);
    }

    @Override
    public String toString() {
        return "IcmpConfig[echo=" + echo.id() + ", tooBigRate=" + tooBigRate + ", echoRate=" + echoRate + "]";
    }
}
