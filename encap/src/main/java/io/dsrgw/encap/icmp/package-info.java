/**
 * ICMP messages the gateway sends itself: "fragmentation needed" and ICMPv6 "packet too big" from a VIP
 * (path MTU discovery through the tunnel, RFC 1191 / RFC 8201), echo replies built in place, and RFC 791
 * fragmentation of IPv4 packets. Static, thread-safe, allocation-free functions that never throw; they
 * return -1 instead of writing a message the RFCs forbid or that does not fit.
 */
package io.dsrgw.encap.icmp;
