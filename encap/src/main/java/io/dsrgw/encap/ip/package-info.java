/**
 * IPv4, TCP, UDP and ICMPv4 header flyweights ({@code <FIELD>_OFFSET} constants, validated once by
 * {@code wrap()}, which returns a {@link io.dsrgw.encap.PacketError} and never throws), protocol numbers and
 * IPv4 address helpers. Flyweights are mutable and owned by one thread; they are reused, never stored.
 */
package io.dsrgw.encap.ip;
