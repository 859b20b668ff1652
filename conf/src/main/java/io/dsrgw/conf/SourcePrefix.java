package io.dsrgw.conf;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An address prefix {@code address/length} (IPv4 or IPv6) with no host bits set, e.g. {@code 198.51.100.0/24}:
 * an entry of {@code security.deny-sources}.
 *
 * @param address the network address (host bits zero)
 * @param length  1..32 (IPv4) or 1..128 (IPv6)
 */
public record SourcePrefix(InetAddress address, int length) {
    public SourcePrefix {
        Objects.requireNonNull(address, "address");
        int max = address instanceof Inet4Address ? 32 : 128;
        if (length < 1 || length > max) {
            throw new IllegalArgumentException("prefix length " + length + " (expected: 1.." + max + ")");
        }
        if (!masked(address.getAddress(), length).equals(address)) {
            throw new IllegalArgumentException(IpLiterals.format(address) + "/" + length + " has host bits set");
        }
    }

    /** 4 or 6. */
    public int family() {
        return address instanceof Inet4Address ? 4 : 6;
    }

    /** True when {@code a} (of either family) lies in this prefix. */
    public boolean contains(InetAddress a) {
        return a.getClass() == address.getClass() && masked(a.getAddress(), length).equals(address);
    }

    /** The address with every bit behind the first {@code length} cleared. */
    static InetAddress masked(byte[] bytes, int length) {
        byte[] b = bytes.clone();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.max(0, Math.min(8, length - 8 * i));
            b[i] &= (byte) (0xff00 >>> keep);
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // 4 or 16 bytes: cannot happen
        }
    }

    @Override
    public String toString() {
        return IpLiterals.format(address) + "/" + length;
    }
}
