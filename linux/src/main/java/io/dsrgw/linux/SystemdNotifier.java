package io.dsrgw.linux;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * systemd's service notification protocol (sd_notify(3), for {@code Type=notify} units): newline-separated
 * {@code KEY=VALUE} assignments sent as one datagram to the {@code AF_UNIX} socket named by {@code $NOTIFY_SOCKET}
 * (a path, or {@code @name} in the abstract namespace). Without {@code $NOTIFY_SOCKET} (not started by systemd)
 * every method does nothing, so the programs call it unconditionally.
 *
 * <p>What the programs send: {@code READY=1} once they serve, {@code STATUS=} a one-line summary,
 * {@code RELOADING=1} with {@code MONOTONIC_USEC=} before a reload and {@code READY=1} after it,
 * {@code STOPPING=1} on shutdown, and {@code WATCHDOG=1} while they are alive, at half of {@link #watchdogUsec()}.
 *
 * <p>Errors are thrown ({@link LinuxException}: a full socket buffer, a vanished manager); callers log them and go
 * on: supervision is no reason to stop forwarding.
 *
 * <p>Threading: any thread (each send uses its own buffer and the kernel serializes datagrams).
 */
public final class SystemdNotifier implements AutoCloseable {
    /** The environment variable naming the socket. */
    public static final String NOTIFY_SOCKET = "NOTIFY_SOCKET";

    private static final SystemdNotifier DISABLED = new SystemdNotifier(null, null, 0);

    private final String address;
    private final UnixDatagramSocket socket;
    private final long watchdogUsec;

    private SystemdNotifier(String address, UnixDatagramSocket socket, long watchdogUsec) {
        this.address = address;
        this.socket = socket;
        this.watchdogUsec = watchdogUsec;
    }

    /** The notifier of this process: from {@code $NOTIFY_SOCKET}, {@code $WATCHDOG_USEC} and {@code $WATCHDOG_PID}. */
    public static SystemdNotifier fromEnvironment() throws LinuxException {
        return from(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * The notifier for {@code env} as seen by process {@code pid}: disabled without a NOTIFY_SOCKET; the watchdog
     * interval is WATCHDOG_USEC when WATCHDOG_PID is unset or names {@code pid} (a child started by a notify
     * service inherits the variables but is not the one being watched), else 0.
     *
     * @throws IllegalArgumentException for a NOTIFY_SOCKET that is no usable address, or a WATCHDOG_USEC that is not
     *                                  a positive integer
     */
    public static SystemdNotifier from(Map<String, String> env, long pid) throws LinuxException {
        String address = env.get(NOTIFY_SOCKET);
        if (address == null || address.isEmpty()) {
            return DISABLED;
        }
        // Validates the address before any socket exists (a path or @name that fits sun_path).
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            UnixDatagramSocket.sockaddr(address, a.allocate(UnixDatagramSocket.SOCKADDR_UN_BYTES));
        }
        long watchdog = 0;
        String usec = env.get("WATCHDOG_USEC");
        String watchdogPid = env.get("WATCHDOG_PID");
        if (usec != null && !usec.isEmpty() && (watchdogPid == null || watchdogPid.equals(Long.toString(pid)))) {
            try {
                watchdog = Long.parseLong(usec.strip());
            } catch (NumberFormatException e) {
                watchdog = -1;
            }
            if (watchdog <= 0) {
                throw new IllegalArgumentException("WATCHDOG_USEC: " + usec + " (expected: a positive number of"
                        + " microseconds)");
            }
        }
        return new SystemdNotifier(address, UnixDatagramSocket.open(), watchdog);
    }

    /** A notifier that sends nothing. */
    public static SystemdNotifier disabled() {
        return DISABLED;
    }

    /** True when started with a NOTIFY_SOCKET: messages go somewhere. */
    public boolean enabled() {
        return socket != null;
    }

    /** The socket address messages go to, or null when disabled. */
    public String address() {
        return address;
    }

    /** The watchdog timeout systemd expects pings within ({@code WatchdogSec=}), in microseconds; 0 when off. */
    public long watchdogUsec() {
        return watchdogUsec;
    }

    /** Sends {@code state} (one or more {@code KEY=VALUE} lines) as one datagram. */
    public void send(String state) throws LinuxException {
        if (socket != null) {
            socket.send(address, state.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** {@code READY=1} with a {@code STATUS=} line. */
    public void ready(String status) throws LinuxException {
        send("READY=1\n" + statusLine(status));
    }

    /** {@code STATUS=}: one line shown by {@code systemctl status}. */
    public void status(String status) throws LinuxException {
        send(statusLine(status));
    }

    /**
     * {@code RELOADING=1} and {@code MONOTONIC_USEC=} (systemd 253 and later want the timestamp with it, to tell
     * this reload from an earlier one; older versions ignore it); follow it with {@link #ready(String)}.
     */
    public void reloading(String status) throws LinuxException {
        send("RELOADING=1\nMONOTONIC_USEC=" + monotonicUsec() + "\n" + statusLine(status));
    }

    /** {@code STOPPING=1}. */
    public void stopping(String status) throws LinuxException {
        send("STOPPING=1\n" + statusLine(status));
    }

    /** {@code WATCHDOG=1}: the service is alive. */
    public void watchdog() throws LinuxException {
        send("WATCHDOG=1");
    }

    /**
     * CLOCK_MONOTONIC in microseconds. HotSpot's {@link System#nanoTime()} on Linux is clock_gettime(CLOCK_MONOTONIC),
     * the clock systemd compares MONOTONIC_USEC with.
     */
    static long monotonicUsec() {
        return TimeUnit.NANOSECONDS.toMicros(System.nanoTime());
    }

    /** {@code STATUS=} with line breaks flattened: a newline would start a new assignment. */
    static String statusLine(String status) {
        return "STATUS=" + status.replace('\n', ' ').replace('\r', ' ');
    }

    @Override
    public void close() {
        if (socket != null) {
            socket.close();
        }
    }
}
