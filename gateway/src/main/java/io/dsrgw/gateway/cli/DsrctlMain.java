package io.dsrgw.gateway.cli;

import io.dsrgw.conf.UnixSocketPaths;
import io.dsrgw.conf.cli.Cli;
import io.dsrgw.gateway.admin.AdminReply;
import io.dsrgw.gateway.admin.Json;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dsrctl}: talks to a running {@code dsr-gateway} over its admin unix socket
 * ({@link io.dsrgw.gateway.admin.AdminSocketServer}): sends one JSON request line, prints the reply's output, or
 * with {@code --json} the reply's data as JSON. Exit codes: 0 ok, 1 the gateway refused or failed the command (or
 * cannot be reached; message on stderr), 2 bad usage (one line on stderr).
 */
public final class DsrctlMain {
    /** Where the gateway listens unless its config says otherwise (conf's default of admin.socket). */
    public static final String DEFAULT_SOCKET = "/run/dsrgw/gateway.sock";
    /** How long dsrctl waits for a reply (a reload of a large config included). */
    static final int REPLY_TIMEOUT_MS = 30_000;

    private DsrctlMain() {
    }

    public static void main(String[] args) {
        int status = execute(args, System.out, System.err, System.getenv("DSRGW_ADMIN_SOCKET"));
        System.out.flush();
        System.exit(status);
    }

    /** Runs dsrctl with {@code args}; returns the exit code. {@code envSocket} may be null. */
    public static int execute(String[] args, PrintStream out, PrintStream err, String envSocket) {
        return commandLine(out, err, envSocket).execute(args);
    }

    /** The configured command line (also what the build's man page and completion generators read). */
    static CommandLine commandLine(PrintStream out, PrintStream err, String envSocket) {
        CommandLine cl = new CommandLine(new Root(out, err, envSocket));
        // "dsrctl status -V" prints what "dsrctl -V" prints (see Common)
        IVersionProvider version = cl.getCommandSpec().versionProvider();
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof Remote) {
                sub.getCommandSpec().versionProvider(version);
            }
        }
        return Cli.configure(cl, out, err);
    }

    /**
     * What every dsrctl command has, declared once: {@code --socket} and {@code --json} (accepted before the
     * command and after it), and through the annotation {@code -h/--help} and {@code -V/--version}. Picocli adds a
     * mixin's options, those its annotation asks for included, to each command that mixes it in ({@link Root} and
     * every {@link Remote}), so the sub-commands' annotations carry only their name and description. The version
     * text cannot come from here: a provider declared on the mixin would see the mixin as its command and print
     * "&lt;main class&gt;" instead of dsrctl, so {@link #commandLine} hands the root's provider to the sub-commands.
     */
    @Command(mixinStandardHelpOptions = true)
    static final class Common {
        @Option(names = "--socket", paramLabel = "PATH", description = "the gateway's admin.socket (default "
                + DEFAULT_SOCKET + ", or $DSRGW_ADMIN_SOCKET); its admin.socket-readonly for the read-only commands")
        String socket;
        @Option(names = "--json", description = "print the result as JSON (for scripts); a failure prints "
                + "{\"ok\":false,\"error\":\"...\"}")
        boolean json;
    }

    @Command(name = "dsrctl", versionProvider = Cli.Version.class,
            description = "Query and steer a running dsr-gateway over its admin socket.",
            subcommands = {Status.class, Vips.class, Backends.class, Drain.class, Undrain.class, Maint.class,
                Unmaint.class, Weight.class, Reload.class, Flows.class, Explain.class, DrainGateway.class,
                UndrainGateway.class, CommandLine.HelpCommand.class},
            footerHeading = "%nExit codes:%n",
            footer = {"  0  ok", "  1  the gateway refused or failed the command, or cannot be reached",
                "  2  bad usage (one line on stderr)"})
    public static final class Root implements Callable<Integer> {
        final PrintStream out;
        final PrintStream err;
        final String envSocket;
        @Mixin
        Common common = new Common();
        @Spec
        CommandSpec spec;

        /** For the build's generators (man pages, completion), which instantiate the class by reflection. */
        public Root() {
            this(System.out, System.err, null);
        }

        Root(PrintStream out, PrintStream err, String envSocket) {
            this.out = out;
            this.err = err;
            this.envSocket = envSocket;
        }

        @Override
        public Integer call() {
            throw Cli.usage(spec, "missing command (expected one of: " + String.join(", ",
                    spec.subcommands().keySet().stream().filter(n -> !n.equals("help")).toList()) + ")");
        }
    }

    /** One admin command: its name is the sub-command's, its arguments {@link #args()}. */
    abstract static class Remote implements Callable<Integer> {
        @ParentCommand
        Root root;
        @Mixin
        Common common = new Common();
        @Spec
        CommandSpec spec;

        /** The request's arguments. */
        List<String> args() {
            return List.of();
        }

        @Override
        public Integer call() {
            return send(root, common, spec, spec.name(), args());
        }
    }

    @Command(name = "status",
            description = "The gateway's state, generation and counters (\"name value\" lines).")
    static final class Status extends Remote {
    }

    @Command(name = "vips",
            description = "One row per VIP: name, address, protocol, ports, flow table, active/total backends.")
    static final class Vips extends Remote {
    }

    @Command(name = "backends",
            description = "One row per backend: state, health, weight, operator override, flows, and why it is down.")
    static final class Backends extends Remote {
    }

    @Command(name = "flows",
            description = "Flow table counters summed over workers (entries, capacity, hits, misses, ...).")
    static final class Flows extends Remote {
    }

    @Command(name = "reload",
            description = "Re-read the config file now; a rejected file changes nothing (exit 1, every error).")
    static final class Reload extends Remote {
    }

    @Command(name = "drain-gateway",
            description = "Withdraw every announced VIP route (BGP via BIRD); forwarding continues.")
    static final class DrainGateway extends Remote {
    }

    @Command(name = "undrain-gateway",
            description = "Announce again the VIPs that have a backend in rotation.")
    static final class UndrainGateway extends Remote {
    }

    /** VIP BACKEND. */
    abstract static class BackendCommand extends Remote {
        @Parameters(index = "0", paramLabel = "VIP", description = "the VIP's name (see dsrctl vips)")
        String vip;
        @Parameters(index = "1", paramLabel = "BACKEND", description = "the backend's address as configured")
        String backend;

        @Override
        List<String> args() {
            return List.of(vip, backend);
        }
    }

    @Command(name = "drain",
            description = {"No new flows to BACKEND; flows already pinned to it finish there. Survives reloads.",
                "Compare maint, which moves every flow away at once."})
    static final class Drain extends BackendCommand {
    }

    @Command(name = "undrain",
            description = "Clear the operator's drain of BACKEND (its configured state and health apply again).")
    static final class Undrain extends BackendCommand {
    }

    @Command(name = "maint",
            description = {"Maintenance: BACKEND gets no traffic at all, as if down: new flows and flows pinned to "
                + "it re-hash to other backends at once. Survives reloads.",
                "Compare drain, which lets pinned flows finish."})
    static final class Maint extends BackendCommand {
    }

    @Command(name = "unmaint",
            description = "Clear the maintenance override of BACKEND.")
    static final class Unmaint extends BackendCommand {
    }

    @Command(name = "weight",
            description = {"Override BACKEND's weight (0..65535; 0 = draining), or clear the override with reset "
                + "(the configured weight applies again). Survives reloads; pinned flows stay put."})
    static final class Weight extends BackendCommand {
        @Parameters(index = "2", paramLabel = "N|reset", description = "the weight, or reset")
        String weight;

        @Override
        List<String> args() {
            return List.of(vip, backend, weight);
        }
    }

    @Command(name = "explain",
            description = "Which backend the next packet of a flow gets, and why (asked of the data plane).")
    static final class Explain extends Remote {
        @Parameters(index = "0", paramLabel = "PROTO", description = "tcp or udp")
        String protocol;
        @Parameters(index = "1", paramLabel = "SRC:PORT", description = "the client, e.g. 192.0.2.7:40000 or "
                + "[2001:db8::7]:40000")
        String source;
        @Parameters(index = "2", paramLabel = "DST:PORT", description = "the VIP service, e.g. 10.100.0.1:80")
        String destination;

        @Override
        List<String> args() {
            return List.of(protocol, source, destination);
        }
    }

    /** Sends {@code command args} to the socket {@code --socket} (after or before the command) names. */
    static int send(Root root, Common sub, CommandSpec spec, String command, List<String> args) {
        PrintStream out = root.out;
        PrintStream err = root.err;
        boolean json = sub.json || root.common.json;
        String given = sub.socket != null ? sub.socket : root.common.socket;
        boolean fromEnv = given == null && root.envSocket != null && !root.envSocket.isBlank();
        String socket = given != null ? given : fromEnv ? root.envSocket : DEFAULT_SOCKET;
        // The same limit as the gateway's admin.socket: said plainly here rather than as connect's ENAMETOOLONG.
        String tooLong = UnixSocketPaths.problem(fromEnv ? "$DSRGW_ADMIN_SOCKET" : "--socket", socket);
        if (tooLong != null) {
            if (fromEnv) {
                return fail(out, err, json, tooLong);
            }
            throw Cli.usage(spec, tooLong);
        }
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("command", command);
        request.put("args", args);
        AdminReply reply;
        try {
            reply = call(Path.of(socket), Json.write(request));
        } catch (IOException e) {
            return fail(out, err, json, e.getMessage());
        }
        if (!reply.ok()) {
            return fail(out, err, json, withCommand(command, reply.error()));
        }
        if (json) {
            out.println(Json.writePretty(reply.data() != null ? reply.data() : Map.of("output", reply.output())));
        } else {
            out.print(reply.output());
        }
        return Cli.EXIT_OK;
    }

    /**
     * "COMMAND: ERROR", unless the gateway's message already starts with the command's name (the prefix once:
     * not "weight: weight: ...").
     */
    static String withCommand(String command, String error) {
        return error.startsWith(command + ":") || error.startsWith(command + " ") ? error : command + ": " + error;
    }

    private static int fail(PrintStream out, PrintStream err, boolean json, String message) {
        err.println("dsrctl: " + message);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", false);
            m.put("error", message);
            out.println(Json.writePretty(m));
        }
        return Cli.EXIT_ERROR;
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

}
