package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unix socket path limit shared by the gateway's config and dsrctl. */
class UnixSocketPathsTest {

    @Test
    void shouldAcceptAPathOfExactly107BytesAndRejectOneOf108() {
        assertNull(UnixSocketPaths.problem("--socket", "/" + "a".repeat(106)));
        assertEquals("--socket: \"/" + "a".repeat(107) + "\" is 108 bytes (expected: a unix socket path of at most "
            + "107 bytes)", UnixSocketPaths.problem("--socket", "/" + "a".repeat(107)));
    }

    @Test
    void shouldCountUtf8BytesNotCharacters() {
        String path = "/" + "\u00e9".repeat(60);
        assertEquals(121, UnixSocketPaths.byteLength(path));
        assertFalse(UnixSocketPaths.fits(path));
    }

    @Test
    void shouldQuoteThePathAsConfigErrorsDo() {
        String path = "/tmp/\"q\"" + "x".repeat(120);
        assertTrue(UnixSocketPaths.problem("$DSRGW_ADMIN_SOCKET", path)
            .startsWith("$DSRGW_ADMIN_SOCKET: \"/tmp/\\\"q\\\"xxx"));
    }
}
