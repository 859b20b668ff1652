package io.dsrgw.harness.traffic;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.Namespace;

/**
 * Runs curl inside a namespace (normally the client's), one process and therefore one new TCP connection per
 * request, and parses the result from curl's {@code --write-out}.
 */
public final class Curl {
    private static final String MARK = "\n@@dsrgw-curl ";
    private static final String WRITE_OUT = MARK + "%{http_code} %{size_download} %{time_total} %{local_port}";

    private Curl() {
    }

    /**
     * One finished curl run (curl runs with -g: no URL globbing, so IPv6 literals in brackets work).
     *
     * @param curlExit    curl's exit code (0 ok, 7 connection refused, 28 timeout, ...)
     * @param curlError   curl's stderr when it failed, else ""
     * @param status      HTTP status, 0 when no response
     * @param body        response body (for {@link #get}); "" for downloads
     * @param bytes       bytes received
     * @param seconds     total time
     * @param localPort   the client's ephemeral port (distinct per request: new connection each time)
     * @param headers     response headers, lower-case names (downloads only; empty for get)
     */
    public record Response(int curlExit, String curlError, int status, String body, long bytes, double seconds,
                           int localPort, Map<String, String> headers) {
        public boolean ok() {
            return curlExit == 0 && status == 200;
        }

        /** "curl exit 28: Connection timed out after 2001 milliseconds" or "HTTP 404". */
        public String describe() {
            return curlExit != 0 ? "curl exit " + curlExit + ": " + curlError.strip() : "HTTP " + status;
        }
    }

    /** GET {@code url} from inside {@code ns}; body kept in memory (small responses). */
    public static Response get(Namespace ns, String url, Duration timeout) throws CommandException {
        Commands.Result r = Commands.run(ns.wrap(List.of("curl", "-gsS", "--max-time", seconds(timeout),
                "-w", WRITE_OUT, url)), timeout.plusSeconds(10));
        return parse(r.exitCode(), r.stdout(), r.stderr(), Map.of());
    }

    /** Where {@link #download} writes the response headers of {@code file}. */
    public static Path headerFile(Path file) {
        return file.resolveSibling(file.getFileName() + ".headers");
    }

    /** A download to a file with its SHA-256, for large bodies. */
    public record Download(Response response, Path file, String sha256Hex) {
    }

    /** GET {@code url} from inside {@code ns} into {@code file}; returns the file's SHA-256 and the headers. */
    public static Download download(Namespace ns, String url, Path file, Duration timeout) throws IOException {
        return download(ns, url, file, timeout, List.of());
    }

    /**
     * As {@link #download(Namespace, String, Path, Duration)} with extra curl options (e.g. {@code --limit-rate
     * 1M} for a slow download). The headers land in {@code FILE.headers} as soon as they arrive
     * ({@link #headerFile}), so another thread can see which backend serves a download still in progress.
     */
    public static Download download(Namespace ns, String url, Path file, Duration timeout, List<String> extraOptions)
            throws IOException {
        Path headerFile = headerFile(file);
        Files.createDirectories(file.toAbsolutePath().getParent());
        List<String> cmd = new java.util.ArrayList<>(List.of("curl", "-gsS", "--max-time", seconds(timeout)));
        cmd.addAll(extraOptions);
        cmd.addAll(List.of("-o", file.toString(), "-D", headerFile.toString(), "-w", WRITE_OUT, url));
        Commands.Result r = Commands.run(ns.wrap(cmd), timeout.plusSeconds(10));
        Map<String, String> headers = Files.exists(headerFile) ? parseHeaders(Files.readString(headerFile)) : Map.of();
        Response resp = parse(r.exitCode(), r.stdout(), r.stderr(), headers);
        return new Download(resp, file, Files.exists(file) ? sha256(file) : "");
    }

    /**
     * An upload checked end to end.
     *
     * @param response  the curl run (body: the server's "NAME BYTES SHA256" line)
     * @param sentBytes the file's size
     * @param sentSha256 the file's SHA-256
     * @param backend   the backend named in the answer ("" when none)
     * @param receivedBytes the byte count the backend read (-1 when no answer)
     * @param receivedSha256 the digest of what the backend read ("" when no answer)
     */
    public record Upload(Response response, long sentBytes, String sentSha256, String backend, long receivedBytes,
                         String receivedSha256) {
        /** curl succeeded and the backend read exactly the bytes sent. */
        public boolean intact() {
            return response.ok() && receivedBytes == sentBytes && sentSha256.equals(receivedSha256);
        }

        public String describe() {
            return response.describe() + ", sent " + sentBytes + " bytes sha256 " + sentSha256 + ", " + (backend
                    .isEmpty() ? "no answer" : backend + " read " + receivedBytes + " bytes sha256 " + receivedSha256)
                    + String.format(Locale.ROOT, " in %.2f s", response.seconds());
        }
    }

    /**
     * POSTs {@code file} ({@code --data-binary @file}) from inside {@code ns} to {@code url}, a
     * {@code BackendHttpServer} {@code /upload} that answers "NAME BYTES SHA256", and compares with the file.
     */
    public static Upload upload(Namespace ns, String url, Path file, Duration timeout) throws IOException {
        Commands.Result r = Commands.run(ns.wrap(List.of("curl", "-gsS", "--max-time", seconds(timeout),
                "-H", "Content-Type: application/octet-stream", "-H", "Expect:",
                "--data-binary", "@" + file, "-w", WRITE_OUT, url)), timeout.plusSeconds(10));
        Response resp = parse(r.exitCode(), r.stdout(), r.stderr(), Map.of());
        String[] f = resp.body().strip().split(" ");
        boolean answered = resp.status() == 200 && f.length == 3 && f[1].matches("\\d+");
        return new Upload(resp, Files.size(file), sha256(file), answered ? f[0] : "",
                answered ? Long.parseLong(f[1]) : -1, answered ? f[2] : "");
    }

    /** {@code http://ADDRESS:PORT} + path, the address in brackets when it is IPv6. */
    public static String url(String address, int port, String path) {
        return "http://" + (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port + path;
    }

    static Response parse(int exit, String stdout, String stderr, Map<String, String> headers) {
        int at = stdout.lastIndexOf(MARK);
        if (at < 0) {
            return new Response(exit, exit == 0 ? "no --write-out trailer in curl output" : stderr, 0, stdout, 0, 0, 0,
                    headers);
        }
        String[] f = stdout.substring(at + MARK.length()).strip().split(" ");
        return new Response(exit, exit == 0 ? "" : stderr, Integer.parseInt(f[0]), stdout.substring(0, at),
                (long) Double.parseDouble(f[1]), Double.parseDouble(f[2]), Integer.parseInt(f[3]), headers);
    }

    /** Header block of the last response in a {@code curl -D} dump; names in lower case. */
    public static Map<String, String> parseHeaders(String dump) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : dump.split("\r?\n")) {
            if (line.startsWith("HTTP/")) {
                out.clear(); // a later response (after 100-continue or a redirect) replaces the earlier one
                continue;
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                out.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
        }
        return out;
    }

    /** SHA-256 of a file, lowercase hex. */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }
}
