package io.dsrgw.agent.userspace;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/** An immutable set of IPv4 addresses as ints (big-endian value); {@link #contains} allocates nothing. */
public final class Ipv4AddressSet {
    private final int[] sorted;

    private Ipv4AddressSet(int[] addresses) {
        this.sorted = Arrays.stream(addresses).distinct().sorted().toArray();
    }

    /** From int addresses ({@code 0x0a000202} = 10.0.2.2). */
    public static Ipv4AddressSet of(int... addresses) {
        return new Ipv4AddressSet(addresses.clone());
    }

    /** From the IPv4 members of {@code addresses}; others (IPv6) are ignored. */
    public static Ipv4AddressSet ofInet(List<? extends InetAddress> addresses) {
        return new Ipv4AddressSet(addresses.stream().filter(a -> a instanceof Inet4Address)
                .mapToInt(Ipv4AddressSet::toInt).toArray());
    }

    /** True when {@code address} is a member. */
    public boolean contains(int address) {
        return Arrays.binarySearch(sorted, address) >= 0;
    }

    /** Number of members. */
    public int size() {
        return sorted.length;
    }

    static int toInt(InetAddress a) {
        byte[] b = a.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }
}
