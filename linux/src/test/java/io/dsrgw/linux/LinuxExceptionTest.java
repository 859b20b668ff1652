package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class LinuxExceptionTest {
    @Test
    void shouldNameOperationArgumentAndErrno() {
        LinuxException e = new LinuxException("ioctl", "TUNSETIFF, dsr0", 16);
        assertEquals("ioctl(TUNSETIFF, dsr0): EBUSY (Device or resource busy)", e.getMessage());
        assertEquals("ioctl", e.operation());
        assertEquals("TUNSETIFF, dsr0", e.argument());
        assertEquals(16, e.errno());
        assertEquals("EBUSY", e.errnoName());
    }

    @Test
    void shouldOmitTheParenthesesWithoutAnArgument() {
        LinuxException e = new LinuxException("poll", null, Errno.EINTR);
        assertEquals("poll: EINTR (Interrupted system call)", e.getMessage());
        assertNull(e.argument());
    }

    @Test
    void shouldStillFormatAnUnknownErrno() {
        assertEquals("read(dsr0): errno 200 (Unknown error 200)",
                new LinuxException("read", "dsr0", 200).getMessage());
    }

    @Test
    void shouldBeAnIOException() {
        java.io.IOException e = new LinuxException("open", "/dev/net/tun", Errno.ENOENT);
        assertEquals("open(/dev/net/tun): ENOENT (No such file or directory)", e.getMessage());
    }

    @Test
    void shouldAppendTheDetailAfterTheErrno() {
        LinuxException e = new LinuxException("bpf_link_create", "xdp_lb, eth0 native", Errno.EBUSY,
                "another XDP program is attached to eth0");
        assertEquals("bpf_link_create(xdp_lb, eth0 native): EBUSY (Device or resource busy): another XDP program"
                + " is attached to eth0", e.getMessage());
        assertEquals("another XDP program is attached to eth0", e.detail());
        assertNull(new LinuxException("poll", null, Errno.EINTR).detail());
    }
}
