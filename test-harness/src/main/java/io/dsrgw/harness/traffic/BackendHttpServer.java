package io.dsrgw.harness.traffic;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The HTTP server each backend runs, bound to the VIP (which the agent puts on the backend's {@code lo}):
 * <ul>
 *   <li>{@code GET /} answers the backend's name and a newline ("b1\n"): which backend served the request;</li>
 *   <li>{@code GET /blob?bytes=N} answers the N-byte {@link Blob} with header {@code X-SHA256} (its digest);
 *       {@code &rate=R} paces the body to about R bytes per second (a long-lived connection whose speed does not
 *       depend on socket buffers, e.g. to outlast a drain);</li>
 *   <li>{@code GET /healthz} answers "ok\n";</li>
 *   <li>{@code POST} or {@code PUT /upload} reads the whole request body and answers
 *       {@code "NAME BYTES SHA256\n"} (the body's length and lowercase-hex digest), so a client can check that
 *       a large upload arrived intact.</li>
 * </ul>
 * Every response carries {@code X-Backend: NAME}. Prints {@value #READY_PREFIX}... once listening; stops on
 * SIGTERM. The main can also run {@link UdpEchoServer}s in the same JVM ({@code --udp-echo}, repeatable), which
 * saves a JVM per backend. Run inside a backend namespace:
 * {@code ip netns exec NS java -cp 'test-harness/target/*:test-harness/target/lib/*'
 * io.dsrgw.harness.traffic.BackendHttpServer --name b1 --listen 10.100.0.1:80 [--udp-echo 10.100.0.1:7]}.
 * {@code --listen [::]:80} accepts every VIP of both families on one dual-stack socket (TCP answers from the
 * address the connection was made to, unlike UDP: hence one echo socket per VIP address).
 */
public final class BackendHttpServer implements AutoCloseable {
    public static final String READY_PREFIX = "backend-http: listening";
    /** POST/PUT here: the answer is "NAME BYTES SHA256\n" of the request body. */
    public static final String UPLOAD_PATH = "/upload";
    private final HttpServer server;
    private final String name;

    private BackendHttpServer(HttpServer server, String name) {
        this.server = server;
        this.name = name;
    }

    /** Binds and starts a server; {@code port} 0 picks a free port (tests). */
    public static BackendHttpServer start(String name, InetAddress address, int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(address, port), 128);
        BackendHttpServer b = new BackendHttpServer(s, name);
        s.createContext("/", b::handle);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.start();
        return b;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            ex.getResponseHeaders().add("X-Backend", name);
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals(UPLOAD_PATH)) {
                if (method.equals("POST") || method.equals("PUT")) {
                    upload(ex);
                } else {
                    text(ex, 405, "method not allowed on " + UPLOAD_PATH + ": " + method + " (expected: POST, PUT)\n");
                }
                return;
            }
            if (!method.equals("GET") && !method.equals("HEAD")) {
                text(ex, 405, "method not allowed: " + method + " (expected: GET, HEAD; POST/PUT " + UPLOAD_PATH
                        + ")\n");
                return;
            }
            switch (path) {
                case "/" -> text(ex, 200, name + "\n");
                case "/healthz" -> text(ex, 200, "ok\n");
                case "/blob" -> blob(ex);
                default -> text(ex, 404, "not found: " + path + " (expected: /, /blob?bytes=N, /healthz, "
                        + UPLOAD_PATH + ")\n");
            }
        }
    }

    private void upload(HttpExchange ex) throws IOException {
        MessageDigest sha = Blob.sha256();
        long bytes = 0;
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = ex.getRequestBody()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                sha.update(buf, 0, n);
                bytes += n;
            }
        }
        text(ex, 200, name + " " + bytes + " " + HexFormat.of().formatHex(sha.digest()) + "\n");
    }

    private void blob(HttpExchange ex) throws IOException {
        long bytes;
        try {
            bytes = Long.parseLong(queryParam(ex.getRequestURI().getRawQuery(), "bytes"));
            Blob.check(bytes);
        } catch (RuntimeException e) {
            text(ex, 400, "bad bytes parameter: " + ex.getRequestURI().getRawQuery() + " (expected: bytes=0.."
                    + Blob.MAX_BYTES + ")\n");
            return;
        }
        long rate;
        try {
            String r = optionalQueryParam(ex.getRequestURI().getRawQuery(), "rate");
            rate = r == null ? 0 : Long.parseLong(r);
            if (rate < 0) {
                throw new IllegalArgumentException("negative rate");
            }
        } catch (RuntimeException e) {
            text(ex, 400, "bad rate parameter: " + ex.getRequestURI().getRawQuery()
                    + " (expected: rate=BYTES_PER_SECOND, 0 or absent for full speed)\n");
            return;
        }
        // The digest goes into a header, so it is computed before the body is sent (a second, cheap pass).
        ex.getResponseHeaders().add("X-SHA256", Blob.sha256Hex(bytes));
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(200, bytes == 0 ? -1 : bytes);
        if (bytes > 0) {
            try (OutputStream out = rate > 0 ? new PacedOutputStream(ex.getResponseBody(), rate)
                    : ex.getResponseBody()) {
                Blob.write(bytes, out);
            }
        }
    }

    /** Sleeps after each write so that the bytes written so far never run ahead of {@code rate} per second. */
    private static final class PacedOutputStream extends java.io.FilterOutputStream {
        private static final int CHUNK = 16 * 1024;
        private final long rate;
        private final long startNs = System.nanoTime();
        private long written;

        PacedOutputStream(OutputStream out, long rate) {
            super(out);
            this.rate = rate;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int done = 0; done < len; ) {
                int n = Math.min(CHUNK, len - done);
                out.write(b, off + done, n);
                done += n;
                written += n;
                out.flush();
                long dueNs = startNs + written * 1_000_000_000L / rate;
                long waitNs = dueNs - System.nanoTime();
                if (waitNs > 0) {
                    try {
                        Thread.sleep(waitNs / 1_000_000, (int) (waitNs % 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("paced write interrupted");
                    }
                }
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }

    static String optionalQueryParam(String rawQuery, String key) {
        try {
            return queryParam(rawQuery, key);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static String queryParam(String rawQuery, String key) {
        if (rawQuery != null) {
            for (String kv : rawQuery.split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0 && kv.substring(0, eq).equals(key)) {
                    return kv.substring(eq + 1);
                }
            }
        }
        throw new IllegalArgumentException("missing query parameter " + key);
    }

    private static void text(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /**
     * {@code --name NAME --listen ADDRESS:PORT [--udp-echo ADDRESS:PORT]...}; exit code 2 on bad usage, 1 when a
     * bind fails. The ready line is printed once every socket is bound.
     */
    public static void main(String[] args) throws InterruptedException {
        String name = null;
        String listen = null;
        List<String> udp = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--name" -> name = i + 1 < args.length ? args[++i] : null;
                case "--listen" -> listen = i + 1 < args.length ? args[++i] : null;
                case "--udp-echo" -> udp.add(i + 1 < args.length ? args[++i] : "");
                default -> usage("unknown argument: " + args[i]);
            }
        }
        if (name == null || listen == null || listen.lastIndexOf(':') < 1) {
            usage("missing or bad --name / --listen");
        }
        List<AutoCloseable> running = new ArrayList<>();
        String bound = listen;
        try {
            BackendHttpServer server = start(name, host(listen), port(listen));
            running.add(server);
            for (String u : udp) {
                bound = u;
                running.add(UdpEchoServer.start(name, host(u), port(u)));
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("backend-http: cannot listen on " + bound + ": " + e
                    + " (is the VIP on lo yet? the agent adds it)");
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AutoCloseable c : running) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("backend-http: close " + c + ": " + e);
                }
            }
            stopped.countDown();
        }));
        System.out.println(READY_PREFIX + " on " + ((BackendHttpServer) running.get(0)).address() + " as " + name
                + (udp.isEmpty() ? "" : "; udp echo on " + udp));
        System.out.flush();
        stopped.await();
    }

    /** The address part of "ADDRESS:PORT" ("[::]:80" and "10.0.0.1:80" alike). */
    static InetAddress host(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("address: " + hostPort + " (expected: ADDRESS:PORT)");
        }
        return InetAddress.getByName(hostPort.substring(0, colon));
    }

    static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static void usage(String why) {
        System.err.println("backend-http: " + why + "\nusage: BackendHttpServer --name NAME --listen ADDRESS:PORT"
                + " [--udp-echo ADDRESS:PORT]...");
        System.exit(2);
    }
}
