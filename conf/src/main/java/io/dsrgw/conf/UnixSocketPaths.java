package io.dsrgw.conf;

import java.nio.charset.StandardCharsets;

/**
 * The kernel's length limit on unix socket paths, checked where a path enters a program (config validation,
 * {@code dsrctl --socket}) so that a too-long path is reported with its length instead of failing later in
 * {@code bind}/{@code connect} with {@code ENAMETOOLONG}.
 *
 * <p>The programs bind with Netty's epoll transport and connect with jnr-unixsocket, which both reach the kernel's
 * limit. The JDK's own {@code UnixDomainSocketAddress} stops one byte short (106): do not use it on these paths.
 */
public final class UnixSocketPaths {

    /**
     * Longest usable path in bytes: {@code sun_path} of {@code struct sockaddr_un} is 108 bytes on Linux
     * ({@code UNIX_PATH_MAX}, linux/un.h), including the terminating NUL.
     */
    public static final int MAX_PATH_BYTES = 107;

    /** The rule as it appears in {@code (expected: ...)}. */
    public static final String RULE = "a unix socket path of at most " + MAX_PATH_BYTES + " bytes";

    private UnixSocketPaths() {
    }

    /** The length the kernel sees: the path's UTF-8 bytes (a non-ASCII character counts 2..4). */
    public static int byteLength(String path) {
        return path.getBytes(StandardCharsets.UTF_8).length;
    }

    /** @return true when {@code path} fits {@code sun_path} with its terminating NUL */
    public static boolean fits(String path) {
        return byteLength(path) <= MAX_PATH_BYTES;
    }

    /**
     * The problem with {@code path} as one line, or null when it fits.
     *
     * @param where what names the path, e.g. {@code --socket} or {@code $DSRGW_ADMIN_SOCKET}
     * @return e.g. {@code --socket: "/very/long/gateway.sock" is 131 bytes (expected: a unix socket path of at most
     *     107 bytes)}
     */
    public static String problem(String where, String path) {
        if (fits(path)) {
            return null;
        }
        return where + ": " + Hocon.quote(path) + " is " + byteLength(path) + " bytes (expected: " + RULE + ")";
    }
}
