package io.dsrgw.agent.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dsrgw.linux.Errno;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.channel.unix.Errors;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import io.dsrgw.conf.SourcePrefix;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The readiness endpoint: HTTP/1.1 on one epoll event loop thread ({@code dsr-agent-health}).
 * <pre>
 * GET /ready    200 {"state":"ready",...} | 503 {"state":"draining",...} | 503 {"state":"not-ready","reasons":[...]}
 * GET /healthz  the same (the conventional name)
 * GET /status   200 {readiness fields, drained, drain file, mode, VIPs, counters}: loopback and
 *               health.status-clients only, 403 to anyone else
 * GET /metrics  Prometheus text format 0.0.4 ({@link AgentPrometheus}: counters, ready state, drift)
 * HEAD          like GET without the body; any other method 405, any other path 404 (JSON bodies)
 * </pre>
 * Bodies are JSON ({@code application/json}, {@code Cache-Control: no-store}); keep-alive as the client asks.
 * The same loop runs the agent's periodic light tasks ({@link #every}), e.g. polling the drain file.
 */
public final class HealthServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Requests carry no body; anything bigger is refused with 413 by the aggregator. */
    private static final int MAX_REQUEST_BODY_BYTES = 4096;
    /** An idle or trickling client is disconnected after this (health checkers reconnect or keep alive). */
    private static final int READ_TIMEOUT_SECONDS = 30;

    private final EventLoopGroup group;
    private final Channel channel;

    private HealthServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Parses {@code listen} ({@code health.listen}: {@code host:port}, {@code [v6]:port} or {@code localhost:port};
     * port 0 picks a free one) and starts serving {@code source}.
     *
     * @throws IOException the address cannot be parsed or bound, or epoll is unavailable; the message names
     *                     {@code health.listen} and the address
     */
    public static HealthServer start(String listen, HealthSource source) throws IOException {
        return start(listen, source, List.of());
    }

    /**
     * As {@link #start(String, HealthSource)}; {@code GET /status} is answered to loopback clients and to clients
     * in {@code statusClients} ({@code health.status-clients}) only, 403 to anyone else (issue 14: it tells an
     * outsider the VIPs, the mode and the counters); {@code /ready} and {@code /healthz} answer everyone.
     */
    public static HealthServer start(String listen, HealthSource source, List<SourcePrefix> statusClients)
            throws IOException {
        List<SourcePrefix> allowed = List.copyOf(statusClients);
        InetSocketAddress address = parseListen(listen);
        if (!Epoll.isAvailable()) {
            throw new IOException("health.listen " + listen + ": cannot serve: Netty's epoll transport is "
                    + "unavailable: " + Epoll.unavailabilityCause());
        }
        AgentPrometheus metrics = new AgentPrometheus(source);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("dsr-agent-health", true),
                EpollIoHandler.newFactory());
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS),
                                    new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BODY_BYTES),
                                    new Handler(source, metrics, allowed));
                        }
                    })
                    .bind(address).sync().channel();
            HealthServer server = new HealthServer(group, channel);
            server.warmUp();
            return server;
        } catch (Exception e) { // bind failures arrive as Netty's (unchecked-rethrown) NativeIoException
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("health.listen " + listen + ": bind(" + format(address) + "): " + bindProblem(e)
                    + " (expected: an address of this host and a port no other process uses)", e);
        }
    }

    /**
     * Answers one {@code GET /ready} to itself before any gateway asks. The first answer of a fresh JVM loads
     * Netty's HTTP codec and Jackson and can take longer than a gateway's probe timeout (200 ms by default) on a
     * busy host; {@code fall} such misses in a row would mark a healthy backend down and re-hash its flows.
     * Best effort: a failure here is only logged (the server itself is up).
     */
    private void warmUp() {
        InetSocketAddress bound = localAddress();
        InetSocketAddress target = bound.getAddress().isAnyLocalAddress()
                ? new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), bound.getPort()) : bound;
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(target, 2000);
            s.setSoTimeout(2000);
            s.getOutputStream().write("GET /ready HTTP/1.0\r\nHost: warm-up\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        } catch (IOException e) {
            LOG.debug("health endpoint warm-up on {} failed: {}", target, e.toString());
        }
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * Runs {@code task} on the server's event loop every {@code periodMs} (first run at once). The task must be
     * quick and must not block; an exception is logged and the task keeps its schedule.
     */
    public void every(long periodMs, Runnable task) {
        channel.eventLoop().scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("periodic health task failed", e);
            }
        }, 0, periodMs, TimeUnit.MILLISECONDS);
    }

    /** Stops listening and ends the event loop (waits up to 2 s). */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * {@code host:port} -> socket address: an IPv4 literal, {@code [IPv6 literal]} or {@code localhost}
     * (the loopback address; no name lookup), port 0..65535.
     *
     * @throws IOException with the expected form in the message
     */
    public static InetSocketAddress parseListen(String listen) throws IOException {
        String host;
        String port;
        if (listen.startsWith("[")) {
            int close = listen.indexOf(']');
            if (close < 0 || !listen.startsWith(":", close + 1)) {
                throw badListen(listen);
            }
            host = listen.substring(1, close);
            port = listen.substring(close + 2);
        } else {
            int colon = listen.lastIndexOf(':');
            if (colon < 0 || listen.indexOf(':') != colon) {
                throw badListen(listen);
            }
            host = listen.substring(0, colon);
            port = listen.substring(colon + 1);
        }
        if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')
                || Integer.parseInt(port) > 65535) {
            throw badListen(listen);
        }
        InetAddress address;
        try {
            address = host.equals("localhost") ? InetAddress.getLoopbackAddress() : InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw badListen(listen);
        }
        return new InetSocketAddress(address, Integer.parseInt(port));
    }

    private static IOException badListen(String listen) {
        return new IOException("health.listen " + listen + ": not host:port (expected: an IP address or localhost "
                + "and a port 0..65535, e.g. 0.0.0.0:9181 or [::]:9181)");
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** {@code EADDRINUSE (Address already in use)} from Netty's native exception (negative errno). */
    private static String bindProblem(Throwable e) {
        if (e instanceof Errors.NativeIoException n) {
            int errno = -n.expectedErr();
            return Errno.name(errno) + " (" + Errno.describe(errno) + ")";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
                + e.getMessage();
    }

    /** Answers one request at a time per connection; stateless, so one instance per connection is cheap. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final HealthSource source;
        private final AgentPrometheus metrics;
        private final List<SourcePrefix> statusClients;

        Handler(HealthSource source, AgentPrometheus metrics, List<SourcePrefix> statusClients) {
            this.source = source;
            this.metrics = metrics;
            this.statusClients = statusClients;
        }

        /** Loopback, or a client in health.status-clients. */
        private boolean mayReadStatus(ChannelHandlerContext ctx) {
            if (!(ctx.channel().remoteAddress() instanceof InetSocketAddress remote) || remote.getAddress() == null) {
                return false;
            }
            java.net.InetAddress a = remote.getAddress();
            if (a.isLoopbackAddress()) {
                return true;
            }
            for (SourcePrefix p : statusClients) {
                if (p.contains(a)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                respond(ctx, request, HttpResponseStatus.BAD_REQUEST, Map.of("error", "malformed HTTP request"),
                        false);
                return;
            }
            boolean head = request.method().equals(HttpMethod.HEAD);
            String path = new QueryStringDecoder(request.uri()).path();
            boolean known = path.equals("/ready") || path.equals("/healthz") || path.equals("/status")
                    || path.equals("/metrics");
            if (!known) {
                respond(ctx, request, HttpResponseStatus.NOT_FOUND, errorBody("no such path: " + path, "paths",
                        List.of("/ready", "/healthz", "/status", "/metrics")), head);
                return;
            }
            if (!head && !request.method().equals(HttpMethod.GET)) {
                FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                        errorBody("method " + request.method() + " not allowed", "allow", List.of("GET", "HEAD")),
                        false);
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                send(ctx, request, r);
                return;
            }
            try {
                if (path.equals("/status") && !mayReadStatus(ctx)) {
                    respond(ctx, request, HttpResponseStatus.FORBIDDEN, errorBody("/status is served to loopback"
                            + " and health.status-clients only", "paths", List.of("/ready", "/healthz")), head);
                } else if (path.equals("/metrics")) {
                    byte[] text = metrics.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(text));
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, metrics.contentType())
                            .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                            .setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
                    send(ctx, request, r);
                } else if (path.equals("/status")) {
                    respond(ctx, request, HttpResponseStatus.OK, source.status(), head);
                } else {
                    Readiness r = source.readiness();
                    respond(ctx, request, HttpResponseStatus.valueOf(r.state().httpStatus()), r.toJson(), head);
                }
            } catch (RuntimeException e) {
                // A bug must not look like "ready": answer 500 (a health checker counts it as down) and log it.
                LOG.error("readiness source failed", e);
                respond(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, Map.of("state",
                        ReadinessState.NOT_READY.id(), "reasons", List.of("internal error: " + e)), head);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Read timeouts and reset connections: nothing to answer; close.
            LOG.debug("health connection {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        private static Map<String, Object> errorBody(String error, String key, Object value) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", error);
            body.put(key, value);
            return body;
        }

        private static void respond(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                                    Object body, boolean head) {
            send(ctx, request, response(status, body, head));
        }

        private static FullHttpResponse response(HttpResponseStatus status, Object body, boolean head) {
            byte[] json;
            try {
                json = (JSON.writeValueAsString(body) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot render health JSON: " + e.getMessage(), e);
            }
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(json));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8")
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
            return r;
        }

        private static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
