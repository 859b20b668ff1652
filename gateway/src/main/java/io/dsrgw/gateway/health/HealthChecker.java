package io.dsrgw.gateway.health;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Runs the health probes of all backends on Netty 4.2 event loops ({@link EpollIoHandler} through
 * {@link MultiThreadIoEventLoopGroup}; NIO only when the epoll native library is unavailable, with its cause
 * logged) and feeds the results into a {@link HealthState}.
 *
 * <p>{@link #apply(Map)} reconciles the running probes with the wanted ones (after startup and every reload):
 * unchanged probes keep running (and their backend's health), new ones start with a random phase within their
 * interval (no thundering herd after a reload), changed ones restart, removed ones stop. Each probe is one
 * connection per interval; a probe that does not complete within its timeout is closed and counts as failed.
 *
 * <p>The probe through the tunnel ({@link ProbeSpec.Kind#TUNNEL}) is sent and matched by a {@link TunnelProber}
 * ({@link #tunnelProber}); without one, tunnel probes fail with the reason given there.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Class<? extends SocketChannel> channelClass;
    private final HealthState state;
    private final Map<BackendKey, Running> running = new HashMap<>();
    private volatile TunnelProber tunnelProber;
    private volatile String tunnelUnavailable = "no tunnel prober (expected: dsr-gateway run, as root)";

    /** A checker with its own event loop group of {@code threads} threads. */
    public HealthChecker(HealthState state, int threads) {
        this(state, newGroup(threads), Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class,
                true);
    }

    /**
     * A checker on an existing group, e.g. the control plane's shared epoll group; the group stays owned by the
     * caller. {@code channelClass} must match its IO handler ({@link EpollSocketChannel} for epoll).
     */
    public HealthChecker(HealthState state, EventLoopGroup group, Class<? extends SocketChannel> channelClass) {
        this(state, group, channelClass, false);
    }

    private HealthChecker(HealthState state, EventLoopGroup group, Class<? extends SocketChannel> channelClass,
                          boolean ownsGroup) {
        this.state = Objects.requireNonNull(state, "state");
        this.group = Objects.requireNonNull(group, "group");
        this.ownsGroup = ownsGroup;
        this.channelClass = Objects.requireNonNull(channelClass, "channelClass");
    }

    /**
     * Sets the prober of {@code tunnel} checks; {@code prober} null with {@code cause} when it could not be opened
     * (every tunnel probe then fails with that cause, so the operator sees it in dsrctl backends' health).
     */
    public void tunnelProber(TunnelProber prober, String cause) {
        this.tunnelProber = prober;
        if (cause != null) {
            this.tunnelUnavailable = cause;
        }
    }

    /** An epoll event loop group, or NIO when epoll is unavailable (the cause is logged once). */
    public static EventLoopGroup newGroup(int threads) {
        IoHandlerFactory factory;
        if (Epoll.isAvailable()) {
            factory = EpollIoHandler.newFactory();
        } else {
            LOG.warn("health checks on NIO: epoll unavailable: {}", String.valueOf(Epoll.unavailabilityCause()));
            factory = NioIoHandler.newFactory();
        }
        return new MultiThreadIoEventLoopGroup(threads, factory);
    }

    /** True when probes run on epoll event loops. */
    public boolean usesEpoll() {
        return channelClass == EpollSocketChannel.class;
    }

    /**
     * Runs exactly the probes in {@code wanted}: tracks each backend in the {@link HealthState} (kept when already
     * tracked), and forgets the others. {@code initiallyUp} decides the start state of newly tracked backends.
     */
    public synchronized void apply(Map<BackendKey, ProbeSpec> wanted, boolean initiallyUp) {
        for (var it = running.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            ProbeSpec spec = wanted.get(e.getKey());
            if (spec == null || !spec.equals(e.getValue().spec)) {
                e.getValue().task.cancel(false);
                it.remove();
            }
        }
        for (var e : wanted.entrySet()) {
            ProbeSpec spec = e.getValue();
            state.track(e.getKey(), spec.rise(), spec.fall(), initiallyUp);
            if (!running.containsKey(e.getKey())) {
                BackendKey key = e.getKey();
                EventLoop loop = group.next();
                long phase = ThreadLocalRandom.current().nextLong(spec.intervalMs());
                ScheduledFuture<?> task = loop.scheduleAtFixedRate(() -> probe(loop, key, spec), phase,
                        spec.intervalMs(), TimeUnit.MILLISECONDS);
                running.put(key, new Running(spec, task));
            }
        }
        state.retain(wanted.keySet());
    }

    /** Same as {@link #apply(Map, boolean)} with newly tracked backends starting up. */
    public void apply(Map<BackendKey, ProbeSpec> wanted) {
        apply(wanted, true);
    }

    /** Number of running probes. */
    public synchronized int probes() {
        return running.size();
    }

    private void probe(EventLoop loop, BackendKey key, ProbeSpec spec) {
        if (spec.kind() == ProbeSpec.Kind.TUNNEL) {
            probeTunnel(loop, key, spec);
            return;
        }
        Attempt attempt = new Attempt(key, spec);
        Bootstrap b = new Bootstrap().group(loop).channel(channelClass)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, spec.timeoutMs()))
                .option(ChannelOption.SO_LINGER, 0)
                .handler(spec.kind() != ProbeSpec.Kind.HTTPS ? attempt : new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // TLS first; the request written on connect is held by the SslHandler until the handshake
                        // is done. A failed handshake reaches the attempt's exceptionCaught as a failure.
                        ch.pipeline().addLast(tls().newHandler(ch.alloc(),
                                spec.target().getAddress().getHostAddress(), spec.target().getPort()), attempt);
                    }
                });
        ChannelFuture f = b.connect(spec.target());
        attempt.channel = f.channel();
        attempt.timeout = loop.schedule(() -> attempt.finish(ProbeResult.FAILURE,
                "timeout after " + spec.timeoutMs() + " ms"), spec.timeoutMs(), TimeUnit.MILLISECONDS);
        f.addListener(cf -> {
            if (!cf.isSuccess()) {
                Throwable t = cf.cause();
                attempt.finish(ProbeResult.FAILURE, "connect: " + (t == null ? "cancelled" : t.getMessage()));
            } else if (spec.kind() == ProbeSpec.Kind.TCP) {
                attempt.finish(ProbeResult.SUCCESS, "connected");
            } else {
                String host = spec.target().getAddress().getHostAddress();
                if (host.indexOf(':') >= 0) {
                    host = "[" + host + "]";
                }
                String request = "GET " + spec.path() + " HTTP/1.1\r\nHost: " + host + ":" + spec.target().getPort()
                        + "\r\nUser-Agent: dsr-gateway-health\r\nAccept: */*\r\nConnection: close\r\n\r\n";
                attempt.channel.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
            }
        });
    }

    /**
     * The client TLS context of https checks, built on first use: certificates are NOT verified
     * ({@link InsecureTrustManagerFactory}), since the check asks "does the server answer?", not "is it who it
     * claims?" (backends typically present the certificate of the public name, not of their own address).
     */
    private static synchronized SslContext tls() {
        if (tls == null) {
            try {
                tls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("TLS client context for https health checks: " + e.getMessage(), e);
            }
        }
        return tls;
    }

    private static SslContext tls;

    /** One tunnel probe: SUCCESS when the echo reply comes back within the timeout, FAILURE otherwise. */
    private void probeTunnel(EventLoop loop, BackendKey key, ProbeSpec spec) {
        TunnelProber prober = tunnelProber;
        if (prober == null) {
            state.record(key, ProbeResult.FAILURE, "tunnel check unavailable: " + tunnelUnavailable);
            return;
        }
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        int[] seq = {-1};
        long startNs = System.nanoTime();
        ScheduledFuture<?> timeout = loop.schedule(() -> {
            if (done.compareAndSet(false, true)) {
                prober.cancel(seq[0]);
                state.record(key, ProbeResult.FAILURE, "no echo reply from the VIP within " + spec.timeoutMs()
                        + " ms", System.nanoTime() - startNs);
            }
        }, spec.timeoutMs(), TimeUnit.MILLISECONDS);
        seq[0] = prober.probe(key, (result, detail) -> {
            if (done.compareAndSet(false, true)) {
                timeout.cancel(false);
                state.record(key, result, detail, System.nanoTime() - startNs);
            }
        });
        if (seq[0] == TunnelProber.NOT_READY && done.compareAndSet(false, true)) {
            timeout.cancel(false); // startup: no snapshot yet, this round counts neither way
        }
    }

    @Override
    public synchronized void close() {
        for (Running r : running.values()) {
            r.task.cancel(false);
        }
        running.clear();
        if (ownsGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private record Running(ProbeSpec spec, ScheduledFuture<?> task) {
    }

    /** One probe connection; every callback runs on the same event loop, so no synchronization. */
    private final class Attempt extends ChannelInboundHandlerAdapter {
        private final BackendKey key;
        private final ProbeSpec spec;
        private final ByteBuf response = Unpooled.buffer(256);
        private Channel channel;
        private ScheduledFuture<?> timeout;
        private boolean done;
        /** When the attempt started: the probe duration metric (connect + request + answer). */
        private final long startNs = System.nanoTime();

        Attempt(BackendKey key, ProbeSpec spec) {
            this.key = key;
            this.spec = spec;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                if (!done) {
                    int room = AgentReadiness.MAX_RESPONSE_BYTES - response.readableBytes();
                    if (in.readableBytes() > room) {
                        finish(ProbeResult.FAILURE, "response over " + AgentReadiness.MAX_RESPONSE_BYTES + " bytes");
                        return;
                    }
                    response.writeBytes(in);
                    evaluate(false);
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done) {
                evaluate(true);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            finish(ProbeResult.FAILURE, "I/O: " + cause.getMessage());
        }

        /** Decides once the status line (http) or the whole response (agent) is in, or the peer closed. */
        private void evaluate(boolean closed) {
            String text = response.toString(StandardCharsets.ISO_8859_1);
            int eol = text.indexOf("\r\n");
            if (eol < 0) {
                if (closed) {
                    finish(ProbeResult.FAILURE, "connection closed before an HTTP status line");
                }
                return;
            }
            String[] statusLine = text.substring(0, eol).split(" ", 3);
            int status;
            try {
                status = statusLine.length >= 2 && statusLine[0].startsWith("HTTP/") ? Integer.parseInt(statusLine[1])
                        : -1;
            } catch (NumberFormatException e) {
                status = -1;
            }
            if (status < 100 || status > 999) {
                finish(ProbeResult.FAILURE, "not an HTTP status line: " + text.substring(0, Math.min(eol, 80)));
                return;
            }
            if (spec.kind() == ProbeSpec.Kind.HTTP || spec.kind() == ProbeSpec.Kind.HTTPS) {
                boolean ok = spec.accepts(status);
                finish(ok ? ProbeResult.SUCCESS : ProbeResult.FAILURE, "HTTP " + status + (ok ? "" : " (expected: "
                        + spec.expectedText() + ")"));
                return;
            }
            int headersEnd = text.indexOf("\r\n\r\n");
            if (headersEnd < 0) {
                if (closed) {
                    finish(ProbeResult.FAILURE, "agent: connection closed inside the headers");
                }
                return;
            }
            String body = text.substring(headersEnd + 4);
            int length = contentLength(text.substring(0, headersEnd));
            if (!closed && (length < 0 || body.length() < length)) {
                return; // wait for the rest, or for the close that ends a body without Content-Length
            }
            String[] why = new String[1];
            ProbeResult r = AgentReadiness.interpret(status, length >= 0 && body.length() > length
                    ? body.substring(0, length) : body, why);
            finish(r, why[0]);
        }

        private int contentLength(String headers) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                    try {
                        return Integer.parseInt(line.substring(colon + 1).trim());
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
            }
            return -1;
        }

        void finish(ProbeResult result, String detail) {
            if (done) {
                return;
            }
            done = true;
            if (timeout != null) {
                timeout.cancel(false);
            }
            response.release();
            if (channel != null) {
                channel.close();
            }
            state.record(key, result, detail, System.nanoTime() - startNs);
        }
    }
}
