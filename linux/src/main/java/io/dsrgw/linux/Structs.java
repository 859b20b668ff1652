package io.dsrgw.linux;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * C struct layouts (LP64 Linux: x86_64, aarch64) with named fields, and their field offsets as constants for the
 * per-packet code, which writes fields with plain {@code set(JAVA_LONG, offset, v)} calls. Sizes and offsets were
 * checked against gcc on Debian 12 ({@code sizeof(struct mmsghdr) == 64}, {@code offsetof(msg_len) == 56}).
 */
final class Structs {
    /** {@code uint32_t}/{@code uint16_t} in network byte order (sin_port, sin_addr). */
    static final ValueLayout.OfInt BE_INT = JAVA_INT.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfShort BE_SHORT = JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE_LONG = JAVA_LONG.withOrder(ByteOrder.BIG_ENDIAN);

    /** {@code struct iovec} from {@code <bits/types/struct_iovec.h>}. */
    static final StructLayout IOVEC = MemoryLayout.structLayout(
            ADDRESS.withName("iov_base"),
            JAVA_LONG.withName("iov_len"));

    /** {@code struct msghdr} from {@code <bits/socket.h>}. */
    static final StructLayout MSGHDR = MemoryLayout.structLayout(
            ADDRESS.withName("msg_name"),
            JAVA_INT.withName("msg_namelen"),
            MemoryLayout.paddingLayout(4),
            ADDRESS.withName("msg_iov"),
            JAVA_LONG.withName("msg_iovlen"),
            ADDRESS.withName("msg_control"),
            JAVA_LONG.withName("msg_controllen"),
            JAVA_INT.withName("msg_flags"),
            MemoryLayout.paddingLayout(4));

    /** {@code struct mmsghdr} from {@code <bits/socket.h>} (sendmmsg(2), recvmmsg(2)). */
    static final StructLayout MMSGHDR = MemoryLayout.structLayout(
            MSGHDR.withName("msg_hdr"),
            JAVA_INT.withName("msg_len"),
            MemoryLayout.paddingLayout(4));

    /** {@code struct sockaddr_in} from {@code <netinet/in.h>}; port and address in network byte order. */
    static final StructLayout SOCKADDR_IN = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin_family"),
            JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin_port"),
            BE_INT.withName("sin_addr"),
            MemoryLayout.sequenceLayout(8, JAVA_BYTE).withName("sin_zero"));

    /** {@code struct sockaddr_in6} from {@code <netinet/in.h>}. */
    static final StructLayout SOCKADDR_IN6 = MemoryLayout.structLayout(
            JAVA_SHORT.withName("sin6_family"),
            JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN).withName("sin6_port"),
            BE_INT.withName("sin6_flowinfo"),
            MemoryLayout.sequenceLayout(16, JAVA_BYTE).withName("sin6_addr"),
            JAVA_INT.withName("sin6_scope_id"));

    /** {@code struct pollfd} from {@code <sys/poll.h>}. */
    static final StructLayout POLLFD = MemoryLayout.structLayout(
            JAVA_INT.withName("fd"),
            JAVA_SHORT.withName("events"),
            JAVA_SHORT.withName("revents"));

    /** IFNAMSIZ from {@code <net/if.h>}: 15 characters plus NUL. */
    static final int IFNAMSIZ = 16;

    /**
     * {@code struct ifreq} from {@code <net/if.h>}: the name, then a 24-byte union of which we use
     * {@code ifr_flags} (short) and {@code ifr_mtu} (int) at the same offset.
     */
    static final StructLayout IFREQ = MemoryLayout.structLayout(
            MemoryLayout.sequenceLayout(IFNAMSIZ, JAVA_BYTE).withName("ifr_name"),
            MemoryLayout.unionLayout(
                    JAVA_SHORT.withName("ifr_flags"),
                    JAVA_INT.withName("ifr_mtu"),
                    MemoryLayout.sequenceLayout(24, JAVA_BYTE).withName("ifr_pad")).withName("ifr_ifru"));

    static final long IOV_BASE = IOVEC.byteOffset(groupElement("iov_base"));
    static final long IOV_LEN = IOVEC.byteOffset(groupElement("iov_len"));

    static final long MSG_NAME = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_name"));
    static final long MSG_NAMELEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_namelen"));
    static final long MSG_IOV = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iov"));
    static final long MSG_IOVLEN = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_iovlen"));
    static final long MSG_FLAGS = MMSGHDR.byteOffset(groupElement("msg_hdr"), groupElement("msg_flags"));
    static final long MSG_LEN = MMSGHDR.byteOffset(groupElement("msg_len"));

    static final long SIN_FAMILY = SOCKADDR_IN.byteOffset(groupElement("sin_family"));
    static final long SIN_PORT = SOCKADDR_IN.byteOffset(groupElement("sin_port"));
    static final long SIN_ADDR = SOCKADDR_IN.byteOffset(groupElement("sin_addr"));
    static final long SIN_ZERO = SOCKADDR_IN.byteOffset(groupElement("sin_zero"));

    static final long SIN6_FAMILY = SOCKADDR_IN6.byteOffset(groupElement("sin6_family"));
    static final long SIN6_FLOWINFO = SOCKADDR_IN6.byteOffset(groupElement("sin6_flowinfo"));
    static final long SIN6_ADDR = SOCKADDR_IN6.byteOffset(groupElement("sin6_addr"));
    static final long SIN6_SCOPE_ID = SOCKADDR_IN6.byteOffset(groupElement("sin6_scope_id"));

    static final long POLLFD_FD = POLLFD.byteOffset(groupElement("fd"));
    static final long POLLFD_EVENTS = POLLFD.byteOffset(groupElement("events"));
    static final long POLLFD_REVENTS = POLLFD.byteOffset(groupElement("revents"));

    static final long IFR_FLAGS = IFREQ.byteOffset(groupElement("ifr_ifru"), groupElement("ifr_flags"));
    static final long IFR_MTU = IFREQ.byteOffset(groupElement("ifr_ifru"), groupElement("ifr_mtu"));

    private Structs() {
    }

    /**
     * Checks an interface name as the kernel does ({@code dev_valid_name}): 1..15 bytes, no '/', ':' or
     * whitespace, not "." or "..". A '%d' template (TUN/TAP auto-numbering) passes.
     */
    static byte[] interfaceName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("interface name is empty (expected: 1..15 bytes)");
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("interface name '" + name + "' is " + bytes.length
                    + " bytes (expected: 1..15 bytes)");
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name '" + name + "' (expected: not . or ..)");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c)) {
                throw new IllegalArgumentException("interface name '" + name
                        + "' contains '" + c + "' (expected: no '/', ':' or whitespace)");
            }
        }
        return bytes;
    }

    /** Writes a NUL-terminated interface name into the first 16 bytes of {@code ifreq}. */
    static void putName(MemorySegment ifreq, byte[] name) {
        ifreq.asSlice(0, IFNAMSIZ).fill((byte) 0);
        MemorySegment.copy(name, 0, ifreq, JAVA_BYTE, 0, name.length);
    }

    /** Reads the NUL-terminated interface name from an ifreq (the kernel fills it in for '%d' templates). */
    static String getName(MemorySegment ifreq) {
        int n = 0;
        while (n < IFNAMSIZ && ifreq.get(JAVA_BYTE, n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        MemorySegment.copy(ifreq, JAVA_BYTE, 0, bytes, 0, n);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Dotted-quad text of an IPv4 address held as a big-endian int value (for messages only). */
    static String ipv4(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
                + (address & 0xff);
    }
}
