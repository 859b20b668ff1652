package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrnoTest {
    @Test
    void shouldNameTheErrnosTheDataPathMeets() {
        assertEquals("EPERM", Errno.name(1));
        assertEquals("ENOENT", Errno.name(2));
        assertEquals("EINTR", Errno.name(Errno.EINTR));
        assertEquals("EAGAIN", Errno.name(Errno.EAGAIN));
        assertEquals("EBUSY", Errno.name(16));
        assertEquals("EINVAL", Errno.name(22));
        assertEquals("EMSGSIZE", Errno.name(Errno.EMSGSIZE));
        assertEquals("ENOBUFS", Errno.name(105));
        assertEquals("EHWPOISON", Errno.name(133));
    }

    @Test
    void shouldDescribeLikeGlibcStrerror() {
        assertEquals("Device or resource busy", Errno.describe(16));
        assertEquals("Message too long", Errno.describe(90));
        assertEquals("Resource temporarily unavailable", Errno.describe(11));
        assertEquals("No buffer space available", Errno.describe(105));
        assertEquals("File descriptor in bad state", Errno.describe(77));
    }

    @Test
    void shouldFormatNameAndDescription() {
        assertEquals("EBUSY (Device or resource busy)", Errno.format(16));
        assertEquals("ENOENT (No such file or directory)", Errno.format(Errno.ENOENT));
    }

    @Test
    void shouldNameUnknownNumbersByValue() {
        assertEquals("errno 0", Errno.name(0));
        assertEquals("errno 41", Errno.name(41)); // unused on Linux
        assertEquals("errno 200", Errno.name(200));
        assertEquals("errno -1", Errno.name(-1));
        assertEquals("Unknown error 200", Errno.describe(200));
        assertEquals("Success", Errno.describe(0));
    }

    @Test
    void shouldMapNamesBackToNumbersIncludingAliases() {
        assertEquals(90, Errno.number("EMSGSIZE"));
        assertEquals(11, Errno.number("EWOULDBLOCK"));
        assertEquals(-1, Errno.number("ENOTANERRNO"));
    }

    @Test
    void shouldHaveANameAndDescriptionForEveryLinuxErrnoUpTo133() {
        for (int e = 1; e <= 133; e++) {
            if (e == 41 || e == 58) {
                continue; // not defined by asm-generic/errno.h
            }
            assertTrue(Errno.name(e).startsWith("E"), "name of " + e + ": " + Errno.name(e));
            assertEquals(e, Errno.number(Errno.name(e)), Errno.name(e));
            assertTrue(!Errno.describe(e).startsWith("Unknown"), "description of " + e);
        }
    }

    @Test
    void shouldAgreeWithTheConstants() {
        assertEquals("EAGAIN", Errno.name(Errno.EWOULDBLOCK));
        assertEquals("ENOBUFS", Errno.name(Errno.ENOBUFS));
        assertEquals("EBADF", Errno.name(Errno.EBADF));
        assertEquals("EHOSTUNREACH", Errno.name(Errno.EHOSTUNREACH));
        assertEquals("ENETUNREACH", Errno.name(Errno.ENETUNREACH));
    }

    @Test
    void shouldNameLibbpfsOwnErrorNumbers() {
        assertEquals("LIBBPF_ERRNO__FORMAT (BPF object format invalid)", Errno.format(4001));
        assertEquals("LIBBPF_ERRNO__LIBELF", Errno.name(4000));
        assertEquals("Incorrect netlink message parsing", Errno.describe(4013));
        assertEquals("errno 4014 (Unknown error 4014)", Errno.format(4014));
    }
}
