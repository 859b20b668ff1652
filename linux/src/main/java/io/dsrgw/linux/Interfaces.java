package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Network interface look-ups and the few settings that need no netlink: index, MTU, up/down
 * (SIOCGIFMTU/SIOCSIFMTU/SIOCGIFFLAGS/SIOCSIFFLAGS on an AF_INET datagram socket, netdevice(7)). Addresses,
 * routes and {@code addrgenmode} need rtnetlink: use {@code ip} for those.
 *
 * <p>Threading: any thread. Not for the data path.
 */
public final class Interfaces {
    // <linux/sockios.h>
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final long SIOCGIFMTU = 0x8921;
    static final long SIOCSIFMTU = 0x8922;
    // <net/if.h>
    static final short IFF_UP = 0x1;

    private Interfaces() {
    }

    /** {@code if_nametoindex(3)}: the interface index, 0 when no such interface exists (or the name is invalid). */
    public static int index(String name) {
        if (name == null || name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                >= Structs.IFNAMSIZ) {
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            return Native.ifNameToIndex(Native.state(), arena.allocateFrom(name));
        }
    }

    /**
     * {@code if_indextoname(3)}: the name of the interface with that index in this thread's network namespace, or
     * null when there is none.
     */
    public static String name(int ifindex) {
        if (ifindex <= 0) {
            return null;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Structs.IFNAMSIZ);
            MemorySegment result = Native.ifIndexToName(Native.state(), ifindex, buffer);
            return result.equals(MemorySegment.NULL) ? null : buffer.getString(0);
        }
    }

    /** Whether an interface of that name exists. */
    public static boolean exists(String name) {
        return index(name) > 0;
    }

    /** The MTU in bytes. */
    public static int mtu(String name) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = ifreq(arena, name);
            ioctl(SIOCGIFMTU, "SIOCGIFMTU", name, ifreq);
            return ifreq.get(JAVA_INT, Structs.IFR_MTU);
        }
    }

    /** Sets the MTU, e.g. {@code "ioctl(SIOCSIFMTU, dsr0 1480): EINVAL (...)"} when out of the device's range. */
    public static void setMtu(String name, int mtuBytes) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = ifreq(arena, name);
            ifreq.set(JAVA_INT, Structs.IFR_MTU, mtuBytes);
            ioctl(SIOCSIFMTU, "SIOCSIFMTU", name + " " + mtuBytes, ifreq);
        }
    }

    /** Whether the interface is administratively up (IFF_UP). */
    public static boolean isUp(String name) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = ifreq(arena, name);
            ioctl(SIOCGIFFLAGS, "SIOCGIFFLAGS", name, ifreq);
            return (ifreq.get(JAVA_SHORT, Structs.IFR_FLAGS) & IFF_UP) != 0;
        }
    }

    /** Brings the interface up or down (read-modify-write of the flags). */
    public static void setUp(String name, boolean up) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = ifreq(arena, name);
            ioctl(SIOCGIFFLAGS, "SIOCGIFFLAGS", name, ifreq);
            short flags = ifreq.get(JAVA_SHORT, Structs.IFR_FLAGS);
            short wanted = (short) (up ? flags | IFF_UP : flags & ~IFF_UP);
            if (wanted != flags) {
                ifreq.set(JAVA_SHORT, Structs.IFR_FLAGS, wanted);
                ioctl(SIOCSIFFLAGS, "SIOCSIFFLAGS", name + (up ? " up" : " down"), ifreq);
            }
        }
    }

    private static MemorySegment ifreq(Arena arena, String name) {
        MemorySegment ifreq = arena.allocate(Structs.IFREQ);
        Structs.putName(ifreq, Structs.interfaceName(name));
        return ifreq;
    }

    private static void ioctl(long request, String requestName, String argument, MemorySegment ifreq)
            throws LinuxException {
        MemorySegment st = Native.state();
        int fd = Native.socket(st, Native.AF_INET, Native.SOCK_DGRAM | Native.SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new LinuxException("socket", "AF_INET, SOCK_DGRAM, 0", Native.errno(st));
        }
        try {
            if (Native.ioctl(st, fd, request, ifreq) < 0) {
                throw new LinuxException("ioctl", requestName + ", " + argument, Native.errno(st));
            }
        } finally {
            Native.close(st, fd);
        }
    }
}
