/**
 * IPv4, IPv6 (with its extension header walk), TCP, UDP, ICMPv4 and ICMPv6 header flyweights
 * ({@code <FIELD>_OFFSET} constants, validated once by {@code wrap()}, which returns a
 * {@link io.dsrgw.encap.PacketError} and never throws), protocol numbers and IPv4 / IPv6 address helpers.
 * Flyweights are mutable and owned by one thread; they are reused, never stored.
 */
package io.dsrgw.encap.ip;
