package io.dsrgw.harness.traffic;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.NetnsThreads;

/**
 * A load generator whose every request can be attributed: each request is a new TCP connection (bound first, so
 * that even a failed connect has a known client port), {@code GET /} with {@code Connection: close}, and a
 * {@link Request} record of start and end ({@link System#nanoTime()}), client port, HTTP status, the backend that
 * answered ({@code X-Backend}) or the error. Runs on dedicated platform threads moved into the client namespace
 * with {@link NetnsThreads}. The client reads to EOF before closing, so the server closes first and TIME_WAIT
 * stays on the server side (fixed client ports can be reused; see {@link #fixedPorts}).
 */
public final class RequestLoad implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ConcurrentLinkedQueue<Request> done = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Throwable> problems = new ConcurrentLinkedQueue<>();

    /**
     * One request.
     *
     * @param startNs   {@link System#nanoTime()} before bind/connect
     * @param endNs     {@link System#nanoTime()} after the response was read or the error happened
     * @param localPort the client's port (0 if even the bind failed)
     * @param status    HTTP status, 0 when there was no response
     * @param backend   the X-Backend header, null without one
     * @param error     "connect: Connection refused" and the like, null on a complete response
     */
    public record Request(long startNs, long endNs, int localPort, int status, String backend, String error) {
        public boolean ok() {
            return error == null && status == 200 && backend != null;
        }

        /** Start relative to {@code originNs}, in ms. */
        public double startMs(long originNs) {
            return (startNs - originNs) / 1e6;
        }

        public String describe(long originNs) {
            return String.format(Locale.ROOT, "[%+.1f ms, %.1f ms, port %d] %s", startMs(originNs),
                    (endNs - startNs) / 1e6, localPort, ok() ? backend : error != null ? error : "HTTP " + status);
        }
    }

    private RequestLoad() {
    }

    /**
     * Starts {@code threads} generator threads in {@code ns}, each sending one request after another (pausing
     * {@code pause} between two) to {@code target} until {@link #stop()}.
     */
    public static RequestLoad start(Namespace ns, InetSocketAddress target, int threads, Duration timeout,
                                    Duration pause) {
        RequestLoad load = new RequestLoad();
        for (int i = 0; i < threads; i++) {
            load.threads.add(Thread.ofPlatform().name("request-load-" + i).daemon().start(() -> {
                try {
                    NetnsThreads.enter(ns);
                    while (load.running.get()) {
                        load.done.add(once(target, 0, timeout));
                        if (!pause.isZero()) {
                            Thread.sleep(pause);
                        }
                    }
                } catch (Throwable e) {
                    load.problems.add(e);
                }
            }));
        }
        return load;
    }

    /** Requests completed so far, by start time. */
    public List<Request> results() {
        List<Request> all = new ArrayList<>(done);
        all.sort(Comparator.comparingLong(Request::startNs));
        return all;
    }

    /** Stops the threads (each finishes its request in flight) and returns every request, by start time. */
    public List<Request> stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join();
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("load generator thread failed: " + problems.peek(), problems.peek());
        }
        return results();
    }

    /** Stops the threads without collecting (for cleanup paths; an interrupt is passed on). */
    @Override
    public void close() {
        running.set(false);
        try {
            for (Thread t : threads) {
                t.join();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One request per client port, in order, each from that exact port (SO_REUSEADDR set), on one thread in
     * {@code ns}: the same list of ports gives the same 5-tuples, e.g. before and after a gateway restart.
     */
    public static List<Request> fixedPorts(Namespace ns, InetSocketAddress target, List<Integer> ports,
                                           Duration timeout) throws IOException, InterruptedException {
        CompletableFuture<List<Request>> result = new CompletableFuture<>();
        Thread.ofPlatform().name("request-ports").daemon().start(() -> {
            try {
                NetnsThreads.enter(ns);
                List<Request> out = new ArrayList<>();
                for (int p : ports) {
                    out.add(once(target, p, timeout));
                }
                result.complete(out);
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw new IOException("fixed-port requests in " + ns.name() + ": " + e.getCause(), e.getCause());
        }
    }

    /** One request from client port {@code localPort} (0: any) on the calling thread (already in the namespace). */
    public static Request once(InetSocketAddress target, int localPort, Duration timeout) {
        long start = System.nanoTime();
        int port = 0;
        String phase = "bind";
        int ms = (int) timeout.toMillis();
        try (Socket s = new Socket()) {
            s.setReuseAddress(localPort != 0);
            s.bind(new InetSocketAddress(localPort));
            port = s.getLocalPort();
            phase = "connect";
            s.connect(target, ms);
            s.setSoTimeout(ms);
            phase = "write";
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + target.getHostString() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            phase = "read";
            InputStream in = s.getInputStream();
            byte[] response = in.readNBytes(64 * 1024); // to EOF: the server closes first
            return parse(start, port, new String(response, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return new Request(start, System.nanoTime(), port, 0, null, phase + ": " + e.getMessage());
        }
    }

    private static Request parse(long start, int port, String response) {
        long end = System.nanoTime();
        int eol = response.indexOf("\r\n");
        String[] statusLine = (eol < 0 ? response : response.substring(0, eol)).split(" ");
        int status;
        try {
            status = statusLine.length >= 2 ? Integer.parseInt(statusLine[1]) : 0;
        } catch (NumberFormatException e) {
            status = 0;
        }
        if (status == 0) {
            return new Request(start, end, port, 0, null, "read: no HTTP response (" + response.length()
                    + " bytes)");
        }
        int headersEnd = response.indexOf("\r\n\r\n");
        String backend = null;
        for (String line : response.substring(0, headersEnd < 0 ? response.length() : headersEnd).split("\r\n")) {
            if (line.regionMatches(true, 0, "X-Backend:", 0, 10)) {
                backend = line.substring(10).strip();
            }
        }
        if (headersEnd < 0) {
            return new Request(start, end, port, status, backend, "read: truncated headers");
        }
        return new Request(start, end, port, status, backend, null);
    }

    /** Successful requests per backend (by the backend name each answer carries), sorted by name. */
    public static java.util.SortedMap<String, Integer> perBackend(List<Request> requests) {
        java.util.SortedMap<String, Integer> m = new java.util.TreeMap<>();
        for (Request r : requests) {
            if (r.ok()) {
                m.merge(r.backend(), 1, Integer::sum);
            }
        }
        return m;
    }
}
