package io.dsrgw.gateway.admin;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.conf.AdminHttpAddress;
import io.dsrgw.gateway.control.GatewayControl;
import io.dsrgw.gateway.metrics.GatewayPrometheus;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The admin HTTP endpoint ({@code admin.http}, default {@code 127.0.0.1:9180}), loopback only:
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format 0.0.4 written by the official client
 *       ({@link GatewayPrometheus}: names per the Prometheus rules, README "Metrics, status page and dashboard");</li>
 *   <li>{@code GET /api/status}: the {@code dsrctl status} tree as JSON, with per-backend packets, bytes and
 *       flows ({@link #statusJson});</li>
 *   <li>{@code GET /}: the status page (classpath resource {@code status.html}: inline CSS and JS, no external
 *       assets), which polls {@code /api/status} every 2 s and shows every VIP and backend.</li>
 * </ul>
 * Read-only: changes go through the admin socket, whose file permissions and peer credentials say who may make
 * them. A non-loopback bind address is refused: the metrics name every backend, and there is no authentication.
 */
public final class AdminHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpServer.class);
    private static final byte[] STATUS_PAGE = statusPage();

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

    /**
     * {@code /api/status}: the {@code dsrctl status} tree ({@link AdminCommands#statusTree}) with, per backend,
     * {@code packets}, {@code bytes} (forwarded, TUN path plus the XDP fast path's) and {@code flows} (live flow-table entries), as JSON.
     */
    @SuppressWarnings("unchecked")
    public static String statusJson(AdminCommands commands, GatewayPrometheus metrics) {
        Map<String, Object> tree = new LinkedHashMap<>(commands.statusTree());
        Map<String, long[]> totals = metrics.backendTotals();
        if (tree.get("vip_list") instanceof List<?> vips) {
            List<Object> outVips = new ArrayList<>();
            for (Object v : vips) {
                Map<String, Object> vip = new LinkedHashMap<>((Map<String, Object>) v);
                List<Object> outBackends = new ArrayList<>();
                if (vip.get("backends") instanceof List<?> backends) {
                    for (Object b : backends) {
                        Map<String, Object> row = new LinkedHashMap<>((Map<String, Object>) b);
                        long[] t = totals.get(vip.get("name") + "\0" + row.get("address"));
                        row.put("packets", t == null ? 0 : t[0]);
                        row.put("bytes", t == null ? 0 : t[1]);
                        row.put("flows", t == null ? 0 : t[2]);
                        outBackends.add(row);
                    }
                }
                vip.put("backends", outBackends);
                outVips.add(vip);
            }
            tree.put("vip_list", outVips);
        }
        return Json.writePretty(tree) + "\n";
    }

    /** The status page (one self-contained HTML file: inline CSS and JS, no external assets). */
    static byte[] statusPage() {
        try (var in = AdminHttpServer.class.getResourceAsStream("status.html")) {
            if (in == null) {
                throw new IllegalStateException("classpath resource io/dsrgw/gateway/admin/status.html is missing "
                        + "(expected: in the gateway jar)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @io.netty.channel.ChannelHandler.Sharable
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final AdminCommands commands;
        private final GatewayPrometheus metrics;

        Handler(AdminCommands commands, GatewayControl control, MetricRegistry registry) {
            this.commands = commands;
            this.metrics = new GatewayPrometheus(registry, control, commands::statusTree);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = new QueryStringDecoder(req.uri()).path();
            HttpResponseStatus status = HttpResponseStatus.OK;
            String type;
            String body = null;
            byte[] raw = null;
            if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
                status = HttpResponseStatus.METHOD_NOT_ALLOWED;
                type = "text/plain; charset=utf-8";
                body = "method " + req.method() + " not allowed (expected: GET)\n";
            } else if (path.equals("/metrics")) {
                type = metrics.contentType();
                body = metrics.scrape();
            } else if (path.equals("/api/status")) {
                type = "application/json";
                body = statusJson(commands, metrics);
            } else if (path.equals("/") || path.equals("/index.html")) {
                type = "text/html; charset=utf-8";
                raw = STATUS_PAGE;
            } else {
                status = HttpResponseStatus.NOT_FOUND;
                type = "text/plain; charset=utf-8";
                body = "no such path " + path + " (expected: /, /metrics or /api/status)\n";
            }
            byte[] bytes = raw != null ? raw : body.getBytes(StandardCharsets.UTF_8);
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    req.method().equals(HttpMethod.HEAD) ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            resp.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
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
