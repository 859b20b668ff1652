package io.dsrgw.gateway.cli;

import io.dsrgw.conf.UnixSocketPaths;
import io.dsrgw.gateway.admin.AdminCommands;
import io.dsrgw.gateway.admin.AdminReply;
import io.dsrgw.gateway.admin.Json;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code dsrctl}: talks to a running {@code dsr-gateway} over its admin unix socket
 * ({@link io.dsrgw.gateway.admin.AdminSocketServer}): sends one JSON request line, prints the reply's output.
 * Exit codes: 0 ok, 1 the gateway refused or failed the command (or cannot be reached; message on stderr),
 * 2 bad usage (usage text on stderr).
 */
public final class DsrctlMain {
    /** Where the gateway listens unless its config says otherwise (conf's default of admin.socket). */
    public static final String DEFAULT_SOCKET = "/run/dsrgw/gateway.sock";
    /** How long dsrctl waits for a reply (a reload of a large config included). */
    static final int REPLY_TIMEOUT_MS = 30_000;

    static final String USAGE = """
            usage: dsrctl [--socket PATH] COMMAND [ARGS]
              status                              gateway state, generation, counters (name value lines)
              vips                                one row per VIP: name, address, protocol, ports, flow table
              backends                            one row per backend: state, health, weight, operator override
              drain VIP BACKEND                   no new flows to BACKEND (existing flows stay); survives reloads
              undrain VIP BACKEND                 remove the operator's drain
              weight VIP BACKEND N                override the weight (0..65535; 0 = draining); survives reloads
              reload                              re-read the config file now; a bad file changes nothing (exit 1)
              flows                               flow table counters (entries, capacity, hits, misses, ...)
              explain PROTO SRC:PORT DST:PORT     which backend a new flow gets (tcp|udp; [v6]:port for IPv6)
              drain-gateway                       withdraw every announced VIP route (BGP via BIRD); keep forwarding
              undrain-gateway                     announce again the VIPs that have a backend in rotation
            options:
              --socket PATH   the gateway's admin.socket (default /run/dsrgw/gateway.sock, or $DSRGW_ADMIN_SOCKET)
            exit codes: 0 ok, 1 command failed or gateway unreachable, 2 bad usage
            """;

    private DsrctlMain() {
    }

    public static void main(String[] args) {
        int status = execute(args, System.out, System.err, System.getenv("DSRGW_ADMIN_SOCKET"));
        System.out.flush();
        System.exit(status);
    }

    /** Runs dsrctl with {@code args}; returns the exit code. {@code envSocket} may be null. */
    public static int execute(String[] args, PrintStream out, PrintStream err, String envSocket) {
        boolean fromEnv = envSocket != null && !envSocket.isBlank();
        String socket = fromEnv ? envSocket : DEFAULT_SOCKET;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--socket")) {
                if (i + 1 >= args.length) {
                    return usage(err, "--socket needs a PATH");
                }
                socket = args[++i];
                fromEnv = false;
            } else if (a.startsWith("--socket=")) {
                socket = a.substring("--socket=".length());
                fromEnv = false;
            } else if (a.equals("-h") || a.equals("--help") || (rest.isEmpty() && a.equals("help"))) {
                out.print(USAGE);
                return GatewayMain.EXIT_OK;
            } else if (a.startsWith("--") && rest.isEmpty()) {
                return usage(err, "unknown option " + a);
            } else {
                rest.add(a);
            }
        }
        // The same limit as the gateway's admin.socket: said plainly here rather than as connect's ENAMETOOLONG.
        String tooLong = UnixSocketPaths.problem(fromEnv ? "$DSRGW_ADMIN_SOCKET" : "--socket", socket);
        if (tooLong != null) {
            if (fromEnv) {
                err.println("dsrctl: " + tooLong);
                return GatewayMain.EXIT_ERROR;
            }
            return usage(err, tooLong);
        }
        if (rest.isEmpty()) {
            return usage(err, "no command");
        }
        String command = rest.get(0).toLowerCase(Locale.ROOT);
        List<String> commandArgs = rest.subList(1, rest.size());
        String synopsis = AdminCommands.SYNOPSIS.get(command);
        if (synopsis == null) {
            return usage(err, "unknown command " + rest.get(0) + " (expected one of: "
                    + String.join(", ", AdminCommands.SYNOPSIS.keySet()) + ")");
        }
        int wanted = synopsis.isEmpty() ? 0 : synopsis.split(" ").length;
        if (commandArgs.size() != wanted) {
            return usage(err, command + ": " + commandArgs.size() + " argument(s) (expected: "
                    + (wanted == 0 ? "none" : command + " " + synopsis) + ")");
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("command", command);
        request.put("args", commandArgs);
        AdminReply reply;
        try {
            reply = call(Path.of(socket), Json.write(request));
        } catch (IOException e) {
            err.println("dsrctl: " + e.getMessage());
            return GatewayMain.EXIT_ERROR;
        }
        if (!reply.ok()) {
            err.println("dsrctl: " + command + ": " + reply.error());
            return GatewayMain.EXIT_ERROR;
        }
        out.print(reply.output());
        return GatewayMain.EXIT_OK;
    }

    /**
     * Sends one request line and reads one reply line.
     *
     * @throws IOException "connect(PATH): ERRNO — hint (expected: ...)" or a read/protocol problem
     */
    static AdminReply call(Path socket, String requestJson) throws IOException {
        UnixSocketChannel ch;
        try {
            ch = UnixSocketChannel.open(new UnixSocketAddress(socket.toString()));
        } catch (IOException e) {
            throw connectError(socket, e);
        }
        try (ch) {
            ch.setOption(UnixSocketOptions.SO_RCVTIMEO, REPLY_TIMEOUT_MS);
            ByteBuffer req = ByteBuffer.wrap((requestJson + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                while (req.hasRemaining()) {
                    ch.write(req);
                }
            } catch (IOException e) {
                // The gateway may have refused us (peer credentials) and closed after its one error reply: read
                // that reply rather than reporting the broken pipe.
                AdminReply early = readReply(ch, socket);
                if (early != null) {
                    return early;
                }
                throw new IOException("write(" + socket + "): " + e.getMessage() + " (expected: the gateway to "
                        + "accept the request; see its log)", e);
            }
            AdminReply reply = readReply(ch, socket);
            if (reply == null) {
                throw new IOException("read(" + socket + "): the gateway closed the connection before replying "
                        + "(expected: one JSON reply line)");
            }
            return reply;
        }
    }

    /** One reply line, or null at end of stream before any complete line. */
    private static AdminReply readReply(UnixSocketChannel ch, Path socket) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        long deadline = System.nanoTime() + REPLY_TIMEOUT_MS * 1_000_000L;
        while (true) {
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                if (line.size() > 0) {
                    throw new IOException("read(" + socket + "): the gateway closed the connection in the "
                            + "middle of a reply (partial reply: " + line.toString(StandardCharsets.UTF_8)
                            + ") (expected: one JSON reply line)");
                }
                return null;
            }
            for (int i = 0; i < n; i++) {
                byte b = buf.get(i);
                if (b == '\n') {
                    try {
                        return AdminReply.fromJson(line.toString(StandardCharsets.UTF_8));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("read(" + socket + "): " + e.getMessage(), e);
                    }
                }
                line.write(b);
            }
            if (n == 0 && System.nanoTime() - deadline > 0) {
                throw new IOException("read(" + socket + "): no reply within " + REPLY_TIMEOUT_MS
                        + " ms (expected: a reply; is the gateway stuck? see its log)");
            }
        }
    }

    /** Names the errno the way the system call would, with what to check. */
    private static IOException connectError(Path socket, IOException e) {
        String msg = String.valueOf(e.getMessage());
        String lower = msg.toLowerCase(Locale.ROOT);
        String errno;
        String hint;
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS) || lower.contains("no such file")) {
            errno = "ENOENT";
            hint = "is dsr-gateway running?";
        } else if (lower.contains("permission denied") || lower.contains("eacces")) {
            errno = "EACCES";
            hint = "run as root or as a member of the socket's group";
        } else if (lower.contains("connection refused") || lower.contains("econnrefused")) {
            errno = "ECONNREFUSED";
            hint = "a stale socket: is dsr-gateway running?";
        } else if (!"socket".equals(kind(socket))) {
            errno = "ENOTSOCK";
            hint = socket + " is not a socket";
        } else {
            errno = msg;
            hint = "is dsr-gateway running?";
        }
        return new IOException("connect(" + socket + "): " + errno + " \u2014 " + hint
                + " (expected: admin.socket of the running gateway; --socket PATH)", e);
    }

    private static String kind(Path p) {
        try {
            var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            return a.isOther() ? "socket" : "file";
        } catch (IOException e) {
            return "missing";
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("dsrctl: " + message);
        err.print(USAGE);
        return GatewayMain.EXIT_USAGE;
    }
}
