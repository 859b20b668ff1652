package io.dsrgw.linux;

import java.io.IOException;

/**
 * A failed system call: operation, argument and errno, e.g.
 * {@code "ioctl(TUNSETIFF, dsr0): EBUSY (Device or resource busy)"}.
 *
 * <p>Thrown only on control paths (open, configure) and on unexpected data-path failures; expected data-path
 * conditions (EAGAIN, per-packet send errors) are returned or counted instead.
 */
public final class LinuxException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final String argument;
    private final int errno;

    /**
     * @param operation system call or library function, e.g. {@code "ioctl"}
     * @param argument  what it was applied to, e.g. {@code "TUNSETIFF, dsr0"}; null for none
     * @param errno     the captured errno
     */
    public LinuxException(String operation, String argument, int errno) {
        super(format(operation, argument, errno));
        this.operation = operation;
        this.argument = argument;
        this.errno = errno;
    }

    private static String format(String operation, String argument, int errno) {
        String call = argument == null ? operation : operation + "(" + argument + ")";
        return call + ": " + Errno.format(errno);
    }

    /** The errno number, e.g. 16. */
    public int errno() {
        return errno;
    }

    /** The errno name, e.g. {@code "EBUSY"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The failed operation, e.g. {@code "ioctl"}. */
    public String operation() {
        return operation;
    }

    /** What the operation was applied to, e.g. {@code "TUNSETIFF, dsr0"}; null when nothing. */
    public String argument() {
        return argument;
    }
}
