/** RFC 1071 Internet checksum and the IPv4 pseudo-header helpers. Static, allocation-free, thread-safe. */
package io.dsrgw.encap.checksum;
