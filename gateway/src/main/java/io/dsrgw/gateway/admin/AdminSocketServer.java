package io.dsrgw.gateway.admin;

import io.dsrgw.conf.UnixSocketPaths;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.AttributeKey;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The admin unix socket ({@code admin.socket}, default {@code /run/dsrgw/gateway.sock}): one JSON request per line,
 * one JSON reply per line ({@link AdminReply}), any number of requests per connection.
 * <pre>
 *   request:  {"command":"drain","args":["web","10.0.3.10"]}\n
 *   reply:    {"ok":true,"output":"web 10.0.3.10: override drained (generation 5)\n"}\n
 * </pre>
 *
 * <p>Why Netty's epoll domain-socket server (and jnr-unixsocket only in the {@code dsrctl} client): the gateway
 * already runs Netty epoll event loops, and Netty exposes {@code SO_PEERCRED} ({@link PeerCredentials}) on the
 * accepted channel, which the JDK's unix-domain channels do not. Commands run on one separate thread
 * ({@code dsrgw-admin}), one at a time, so a reload parsing a file never blocks the I/O loop, and two operators'
 * commands never interleave.
 *
 * <p>Access: the socket file is mode 0660 (owner and group); on accept the peer's credentials must be root, the
 * gateway's own uid, or a member (primary or supplementary group, read from {@code /proc/PID/status}) of the
 * socket file's group. Anyone else gets one error reply and the connection is closed.
 *
 * <p>A read-only socket ({@code admin.socket-readonly}, {@link #startReadOnly}) is mode 0666 without the peer check:
 * any local user may run the commands that only read ({@link AdminCommands#READ_ONLY}); every other command is
 * refused there with an error reply.
 *
 * <p>Audit: every request is logged with the caller's uid and pid ({@code SO_PEERCRED}); a command that changes
 * something is logged again with its outcome ({@code admin change by uid U pid P: drain [web, 10.0.3.10] -> ok: ...}).
 *
 * <p>Startup refuses to replace a socket a live gateway still answers on ("is another dsr-gateway running?"); a
 * stale file left by a killed gateway is removed. {@link #close} removes the file.
 */
public final class AdminSocketServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminSocketServer.class);
    /** Longest request line accepted. */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    private final Path path;
    private final EventLoopGroup group;
    private final ExecutorService commands;
    private final Channel server;

    private AdminSocketServer(Path path, EventLoopGroup group, ExecutorService commands, Channel server) {
        this.path = path;
        this.group = group;
        this.commands = commands;
        this.server = server;
    }


    /**
     * Binds {@code path} (creating its parent directory, mode 0755, if missing), sets mode 0660 and serves
     * {@code commands}.
     *
     * @throws IOException naming the path and the cause, e.g. another gateway answering on it
     */
    public static AdminSocketServer start(Path path, AdminCommands handler) throws IOException {
        return start(path, handler, false);
    }

    /**
     * As {@link #start}, but mode 0666 and read-only: anyone may connect, only {@link AdminCommands#READ_ONLY}
     * commands run.
     */
    public static AdminSocketServer startReadOnly(Path path, AdminCommands handler) throws IOException {
        return start(path, handler, true);
    }

    private static AdminSocketServer start(Path path, AdminCommands handler, boolean readOnly) throws IOException {
        Objects.requireNonNull(handler, "handler");
        if (!Epoll.isAvailable()) {
            throw new IOException("admin socket " + path + ": Netty epoll unavailable: "
                    + Epoll.unavailabilityCause() + " (expected: Linux x86_64 with the netty epoll native library)");
        }
        path = path.toAbsolutePath();
        // The config already refuses such a path; this covers other callers, before any file is touched.
        String tooLong = UnixSocketPaths.problem("admin socket", path.toString());
        if (tooLong != null) {
            throw new IOException(tooLong);
        }
        prepare(path);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                (java.util.concurrent.ThreadFactory) r -> daemon(r, "dsrgw-admin-io"), EpollIoHandler.newFactory());
        ExecutorService commands = Executors.newSingleThreadExecutor(r -> daemon(r, "dsrgw-admin"));
        int ownUid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        // The socket's group is known after bind; until then only root and our own uid pass the check.
        AtomicInteger socketGid = new AtomicInteger(-1);
        Handler h = new Handler(handler, commands, ownUid, socketGid, path, readOnly);
        Channel server;
        try {
            server = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(MAX_LINE_BYTES),
                                    new StringDecoder(StandardCharsets.UTF_8),
                                    new StringEncoder(StandardCharsets.UTF_8));
                            ch.pipeline().addLast("admin", h);
                        }
                    })
                    .bind(new DomainSocketAddress(path.toString())).sync().channel();
        } catch (Exception e) {
            commands.shutdownNow();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("admin socket " + path + ": bind: " + e.getMessage(), e);
        }
        String mode = readOnly ? "0666" : "0660";
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(readOnly ? "rw-rw-rw-" : "rw-rw----"));
            socketGid.set((Integer) Files.getAttribute(path, "unix:gid"));
        } catch (IOException | RuntimeException e) {
            server.close();
            commands.shutdownNow();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("admin socket " + path + ": chmod " + mode + ": " + e.getMessage(), e);
        }
        if (readOnly) {
            LOG.info("admin socket {} (read-only, mode 0666: {} for anyone)", path, AdminCommands.READ_ONLY);
        } else {
            LOG.info("admin socket {} (mode 0660; access: root, uid {}, group {})", path, ownUid, socketGid.get());
        }
        return new AdminSocketServer(path, group, commands, server);
    }

    /** The socket's path. */
    public Path path() {
        return path;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Creates the directory; refuses a live socket; removes a stale one. */
    private static void prepare(Path path) throws IOException {
        Path dir = path.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwxr-xr-x")));
            } catch (IOException e) {
                throw new IOException("admin socket " + path + ": cannot create directory " + dir + ": " + e
                        + " (expected: a writable parent directory; admin.socket in the config)", e);
            }
        }
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!"socket".equals(fileType(path))) {
            throw new IOException("admin socket " + path + ": exists and is not a socket (expected: a free path "
                    + "or a stale socket; the gateway never deletes other files)");
        }
        // jnr, as dsrctl connects: the JDK's UnixDomainSocketAddress refuses 107-byte paths the kernel accepts, and
        // that refusal would read as "stale" and delete a live gateway's socket.
        UnixSocketChannel probe;
        try {
            probe = UnixSocketChannel.open(new UnixSocketAddress(path.toString()));
        } catch (IOException e) {
            LOG.info("removing stale admin socket {} ({})", path, e.getMessage());
            Files.deleteIfExists(path);
            return;
        }
        probe.close();
        throw new IOException("admin socket " + path + ": another process answers on it (expected: a free "
                + "path; is another dsr-gateway running with the same admin.socket?)");
    }

    private static String fileType(Path p) throws IOException {
        var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        return a.isOther() ? "socket" : a.isDirectory() ? "directory" : a.isSymbolicLink() ? "symlink" : "file";
    }

    /**
     * Whether the peer may use the socket: root, the gateway's own uid, or a member of the socket file's group.
     * Package-private for tests.
     */
    static boolean authorized(int uid, int gid, int pid, int ownUid, int socketGid) {
        if (uid == 0 || uid == ownUid || gid == socketGid) {
            return true;
        }
        for (int g : supplementaryGroups(pid)) {
            if (g == socketGid) {
                return true;
            }
        }
        return false;
    }

    /** The "Groups:" line of /proc/PID/status (empty when the process is gone or unreadable). */
    static List<Integer> supplementaryGroups(int pid) {
        List<Integer> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("Groups:")) {
                    for (String g : line.substring(7).trim().split("\\s+")) {
                        if (!g.isEmpty()) {
                            out.add(Integer.parseInt(g));
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Process gone or /proc hidden: only uid and primary gid count.
        }
        return out;
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2_000);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2_000);
        commands.shutdownNow();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("removing admin socket {}: {}", path, e.getMessage());
        }
    }

    /**
     * One request line of the protocol ({@code {"command":"NAME","args":["..."]}}) answered by {@code admin}: a bad
     * line is an error reply, never an exception (fuzzed by AdminLineFuzzTest); {@code peer} names the caller in
     * the log and audit trail, {@code readOnly} refuses the changing commands (on {@code path}).
     */
    static AdminReply handleLine(AdminCommands admin, String line, String peer, boolean readOnly, Path path) {
        Object request;
        try {
            request = Json.parse(line);
        } catch (IllegalArgumentException e) {
            return AdminReply.error("bad request: " + e.getMessage());
        }
        if (!(request instanceof Map<?, ?> m) || !(m.get("command") instanceof String command)) {
            return AdminReply.error("bad request (expected: {\"command\":\"NAME\",\"args\":[\"...\"]})");
        }
        List<String> args = new ArrayList<>();
        Object a = m.get("args");
        if (a instanceof List<?> list) {
            for (Object o : list) {
                args.add(String.valueOf(o));
            }
        } else if (a != null) {
            return AdminReply.error("bad request: args (expected: an array of strings)");
        }
        LOG.info("admin: {} {} ({}{})", command, args, peer, readOnly ? ", read-only socket" : "");
        if (readOnly && !AdminCommands.READ_ONLY.contains(command)) {
            return AdminReply.error(command + ": refused on the read-only socket " + path + " (expected: one of "
                    + String.join(", ", new java.util.TreeSet<>(AdminCommands.READ_ONLY)) + "; changes go "
                    + "through admin.socket)");
        }
        AdminReply reply = admin.execute(command, args);
        if (!AdminCommands.READ_ONLY.contains(command)) {
            // The audit trail of every change: who (SO_PEERCRED), what, and what came of it.
            LOG.info("admin change by {}: {} {} -> {}", peer, command, args, reply.ok()
                    ? "ok: " + reply.output().strip().replace('\n', ' ')
                    : "error: " + reply.error().replace('\n', ' '));
        }
        return reply;
    }

    /** Shared by every connection (per-connection state lives in channel attributes). */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class Handler extends SimpleChannelInboundHandler<String> {
        private static final AttributeKey<Boolean> DENIED = AttributeKey.valueOf("dsrgw.admin.denied");
        /** "uid U pid P" of the peer (SO_PEERCRED), for the audit log. */
        private static final AttributeKey<String> PEER = AttributeKey.valueOf("dsrgw.admin.peer");
        private final AdminCommands admin;
        private final ExecutorService commands;
        private final int ownUid;
        private final AtomicInteger socketGid;
        private final Path path;
        private final boolean readOnly;

        Handler(AdminCommands admin, ExecutorService commands, int ownUid, AtomicInteger socketGid, Path path,
                boolean readOnly) {
            this.readOnly = readOnly;
            this.admin = admin;
            this.commands = commands;
            this.ownUid = ownUid;
            this.socketGid = socketGid;
            this.path = path;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            EpollDomainSocketChannel ch = (EpollDomainSocketChannel) ctx.channel();
            String denied;
            try {
                PeerCredentials c = ch.peerCredentials();
                ch.attr(PEER).set("uid " + c.uid() + " pid " + c.pid());
                denied = readOnly ? null : checkPeer(c);
            } catch (IOException e) {
                denied = "cannot read peer credentials (SO_PEERCRED): " + e.getMessage();
            }
            if (denied != null) {
                LOG.warn("admin socket: {}", denied);
                // Read nothing more from this peer; the one error reply goes out, then the connection closes.
                ctx.channel().config().setAutoRead(false);
                ctx.channel().attr(DENIED).set(Boolean.TRUE);
                ctx.writeAndFlush(AdminReply.error(denied).toJson() + "\n").addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            if (!ctx.channel().isOpen() || ctx.channel().attr(DENIED).get() != null) {
                return;
            }
            // Off the I/O loop, one command at a time; the write is handed back to the channel's loop by Netty.
            try {
                String peer = ctx.channel().attr(PEER).get();
                commands.execute(() -> ctx.writeAndFlush(handle(line, peer).toJson() + "\n"));
            } catch (RejectedExecutionException e) {
                ctx.writeAndFlush(AdminReply.error("the gateway is shutting down").toJson() + "\n")
                        .addListener(ChannelFutureListener.CLOSE);
            }
        }

        private AdminReply handle(String line, String peer) {
            return handleLine(admin, line, peer, readOnly, path);
        }

        /** Null when the peer may talk to us, else why not. */
        private String checkPeer(PeerCredentials c) {
            int gid = c.gids().length > 0 ? c.gids()[0] : -1;
            if (authorized(c.uid(), gid, c.pid(), ownUid, socketGid.get())) {
                return null;
            }
            return "permission denied for uid " + c.uid() + " (pid " + c.pid() + ") (expected: root, uid " + ownUid
                    + " or a member of group " + socketGid.get() + ", the group of " + path + ")";
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String msg = cause instanceof TooLongFrameException
                    ? "request longer than " + MAX_LINE_BYTES + " bytes (expected: one JSON object per line)"
                    : "connection error: " + cause;
            ctx.writeAndFlush(AdminReply.error(msg).toJson() + "\n").addListener(ChannelFutureListener.CLOSE);
        }
    }
}
