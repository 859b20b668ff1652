package io.dsrgw.gateway.admin;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.AdminHttpAddress;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.gateway.health.BackendKey;
import io.dsrgw.gateway.health.Health;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP endpoint ({@code admin.http}, default {@code 127.0.0.1:9180}), loopback only:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format 0.0.4, every registry gauge as {@code dsrgw_<name>} (data-plane
 *       counters, flow tables, reloads), plus per backend {@code dsrgw_backend_state} (1 for its effective state),
 *       {@code dsrgw_backend_health_transitions_total};</li>
 *   <li>{@code GET /api/status}: the {@code dsrctl status} tree as JSON ({@link AdminCommands#statusTree}).</li>
 * </ul>
 * Read-only: changes go through the admin socket, whose file permissions and peer credentials say who may make
 * them. A non-loopback bind address is refused: the metrics name every backend, and there is no authentication.
 */
public final class AdminHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);
    /** Metrics that go up and down; every other registry gauge is a monotonic counter. */
    private static final Set<String> GAUGES = Set.of("flow_entries", "flow_capacity", "config_generation");

    private final EventLoopGroup group;
    private final Channel server;

    private AdminHttpServer(EventLoopGroup group, Channel server) {
        this.group = group;
        this.server = server;
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port} and refuses non-loopback addresses: conf's
     * {@link AdminHttpAddress}, the rule check-config applies too.
     */
    public static InetSocketAddress loopbackAddress(String hostPort) throws IOException {
        try {
            return AdminHttpAddress.parse(hostPort);
        } catch (IllegalArgumentException e) {
            throw new IOException("admin.http: " + e.getMessage() + " (expected: " + AdminHttpAddress.RULE + ")");
        }
    }

    /** Binds {@code hostPort} (see {@link #loopbackAddress}) and serves. */
    public static AdminHttpServer start(String hostPort, AdminCommands commands, GatewayControl control,
                                        MetricRegistry registry) throws IOException {
        InetSocketAddress address = loopbackAddress(hostPort);
        if (!Epoll.isAvailable()) {
            throw new IOException("admin.http: Netty epoll unavailable: " + Epoll.unavailabilityCause());
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, (ThreadFactory) r -> {
            Thread t = new Thread(r, "dsrgw-admin-http");
            t.setDaemon(true);
            return t;
        }, EpollIoHandler.newFactory());
        Handler handler = new Handler(commands, control, registry);
        try {
            Channel ch = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                    handler);
                        }
                    }).bind(address).sync().channel();
            LOG.info("admin http on {}", ch.localAddress());
            return new AdminHttpServer(group, ch);
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("admin.http: bind " + hostPort + ": " + e.getMessage()
                    + " (expected: a free loopback port; is another dsr-gateway running?)", e);
        }
    }

    /** The bound address (the real port when configured with port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) server.localAddress();
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(2_000);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** Prometheus text (exposition format 0.0.4) of {@code registry} and the backends' states. */
    public static String prometheus(MetricRegistry registry, GatewayControl control) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Gauge> e : new TreeMap<>(registry.getGauges()).entrySet()) {
            if (!(e.getValue().getValue() instanceof Number n)) {
                continue;
            }
            String name = "dsrgw_" + e.getKey().replaceAll("[^a-zA-Z0-9_]", "_");
            sb.append("# TYPE ").append(name).append(GAUGES.contains(e.getKey()) ? " gauge\n" : " counter\n");
            sb.append(name).append(' ').append(n.longValue()).append('\n');
        }
        ForwardingSnapshot s = control.holder().get();
        Map<BackendKey, Health> health = control.health().snapshot();
        sb.append("# HELP dsrgw_backend_state 1 for the backend's effective state (active, draining, down)\n");
        sb.append("# TYPE dsrgw_backend_state gauge\n");
        StringBuilder transitions = new StringBuilder();
        for (int b = 0; b < s.backendCount(); b++) {
            BackendKey key = new BackendKey(s.vipName(s.backendVip(b)), s.backendIdentity(b));
            String labels = "vip=\"" + escape(key.vip()) + "\",backend=\"" + key.identity() + "\"";
            for (io.dsrgw.conf.BackendState st : io.dsrgw.conf.BackendState.values()) {
                sb.append("dsrgw_backend_state{").append(labels).append(",state=\"")
                        .append(st.name().toLowerCase(java.util.Locale.ROOT)).append("\"} ")
                        .append(s.backendState(b) == st ? 1 : 0).append('\n');
            }
            if (health.containsKey(key)) {
                transitions.append("dsrgw_backend_health_transitions_total{").append(labels).append("} ")
                        .append(control.health().transitions(key)).append('\n');
            }
        }
        if (!transitions.isEmpty()) {
            sb.append("# TYPE dsrgw_backend_health_transitions_total counter\n").append(transitions);
        }
        return sb.toString();
    }

    private static String escape(String label) {
        return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final AdminCommands commands;
        private final GatewayControl control;
        private final MetricRegistry registry;

        Handler(AdminCommands commands, GatewayControl control, MetricRegistry registry) {
            this.commands = commands;
            this.control = control;
            this.registry = registry;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = new QueryStringDecoder(req.uri()).path();
            HttpResponseStatus status = HttpResponseStatus.OK;
            String type;
            String body;
            if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
                status = HttpResponseStatus.METHOD_NOT_ALLOWED;
                type = "text/plain; charset=utf-8";
                body = "method " + req.method() + " not allowed (expected: GET)\n";
            } else if (path.equals("/metrics")) {
                type = "text/plain; version=0.0.4; charset=utf-8";
                body = prometheus(registry, control) + commands.announceMetrics();
            } else if (path.equals("/api/status")) {
                type = "application/json";
                body = Json.write(commands.statusTree()) + "\n";
            } else {
                status = HttpResponseStatus.NOT_FOUND;
                type = "text/plain; charset=utf-8";
                body = "no such path " + path + " (expected: /metrics or /api/status)\n";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    req.method().equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (keepAlive) {
                resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(resp);
            } else {
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
