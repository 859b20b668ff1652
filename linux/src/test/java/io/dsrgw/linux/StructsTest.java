package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Sizes and offsets as gcc reports them on x86_64 Debian 12 (sizeof/offsetof). */
class StructsTest {
    @Test
    void shouldMatchTheCLayouts() {
        assertEquals(16, Structs.IOVEC.byteSize());
        assertEquals(56, Structs.MSGHDR.byteSize());
        assertEquals(64, Structs.MMSGHDR.byteSize());
        assertEquals(56, Structs.MSG_LEN);
        assertEquals(8, Structs.MSG_NAMELEN);
        assertEquals(16, Structs.MSG_IOV);
        assertEquals(24, Structs.MSG_IOVLEN);
        assertEquals(48, Structs.MSG_FLAGS);
        assertEquals(16, Structs.SOCKADDR_IN.byteSize());
        assertEquals(4, Structs.SIN_ADDR);
        assertEquals(28, Structs.SOCKADDR_IN6.byteSize());
        assertEquals(8, Structs.SIN6_ADDR);
        assertEquals(8, Structs.POLLFD.byteSize());
        assertEquals(40, Structs.IFREQ.byteSize());
        assertEquals(16, Structs.IFR_FLAGS);
        assertEquals(16, Structs.IFR_MTU);
    }

    @Test
    void shouldMatchTheIoctlNumbers() {
        // _IOW('T', 202, int) = dir(1) << 30 | size(4) << 16 | type('T') << 8 | nr(202)
        assertEquals((1L << 30) | (4L << 16) | ('T' << 8) | 202, TunDevice.TUNSETIFF);
    }

    @Test
    void shouldValidateInterfaceNamesLikeTheKernel() {
        assertEquals(15, Structs.interfaceName("abcdefghijklmno").length);
        assertEquals("interface name 'abcdefghijklmnop' is 16 bytes (expected: 1..15 bytes)",
                assertThrows(IllegalArgumentException.class, () -> Structs.interfaceName("abcdefghijklmnop"))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> Structs.interfaceName(""));
        assertThrows(IllegalArgumentException.class, () -> Structs.interfaceName("a/b"));
        assertThrows(IllegalArgumentException.class, () -> Structs.interfaceName("lo:1"));
        assertThrows(IllegalArgumentException.class, () -> Structs.interfaceName(".."));
    }

    @Test
    void shouldFormatAddressesForMessages() {
        assertEquals("10.0.3.10", Structs.ipv4(0x0a00030a));
        assertEquals("255.255.255.255", Structs.ipv4(-1));
        assertEquals("fd00:2:0:0:0:0:0:2", RawSocket.ipv6(0xfd00000200000000L, 2L));
    }
}
