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
    private final String detail;

    /**
     * @param operation system call or library function, e.g. {@code "ioctl"}
     * @param argument  what it was applied to, e.g. {@code "TUNSETIFF, dsr0"}; null for none
     * @param errno     the captured errno
     */
    public LinuxException(String operation, String argument, int errno) {
        this(operation, argument, errno, null);
    }

    /**
     * With an explanation appended after the errno, for failures whose errno alone does not say what to do, e.g.
     * {@code "bpf_link_create(xdp_lb, eth0 native): EBUSY (Device or resource busy): another XDP program is
     * attached to eth0"} or a BPF verifier log.
     *
     * @param detail what the errno means here and what to do about it; null for none
     */
    public LinuxException(String operation, String argument, int errno, String detail) {
        super(format(operation, argument, errno, detail));
        this.operation = operation;
        this.argument = argument;
        this.errno = errno;
        this.detail = detail;
    }

    private static String format(String operation, String argument, int errno, String detail) {
        String call = argument == null ? operation : operation + "(" + argument + ")";
        String message = call + ": " + Errno.format(errno);
        return detail == null || detail.isEmpty() ? message : message + ": " + detail;
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

    /** The explanation after the errno (hint, verifier log); null when none. */
    public String detail() {
        return detail;
    }

    /** What the operation was applied to, e.g. {@code "TUNSETIFF, dsr0"}; null when nothing. */
    public String argument() {
        return argument;
    }
}
