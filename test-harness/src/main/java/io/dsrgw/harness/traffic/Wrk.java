package io.dsrgw.harness.traffic;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dsrgw.harness.netns.ManagedProcess;
import io.dsrgw.harness.netns.Namespace;

/**
 * {@code wrk} (HTTP/1.1 keep-alive load) run for a fixed duration inside a namespace; its summary parsed. wrk
 * keeps its connections open for the whole run, so it exercises the gateway's established flows (the flow table)
 * while the per-request {@link RequestLoad} exercises new ones.
 */
public final class Wrk {
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(m?s|m)");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    private final ManagedProcess process;
    private final Duration duration;

    private Wrk(ManagedProcess process, Duration duration) {
        this.process = process;
        this.duration = duration;
    }

    /** The parsed summary: requests done, socket errors by kind, non-2xx/3xx responses, and the raw output. */
    public record Result(int exitCode, long requests, long connectErrors, long readErrors, long writeErrors,
                         long timeouts, long non2xx, String output) {
        public long errors() {
            return connectErrors + readErrors + writeErrors + timeouts + non2xx;
        }

        public String summary() {
            return requests + " keep-alive requests, errors: connect " + connectErrors + ", read " + readErrors
                    + ", write " + writeErrors + ", timeout " + timeouts + ", non-2xx/3xx " + non2xx
                    + (exitCode != 0 ? " (wrk exit " + exitCode + ")" : "");
        }
    }

    /** Starts {@code wrk -t1 -cCONNECTIONS -dDURATION --timeout 2s URL} in {@code ns}, output to {@code log}. */
    public static Wrk start(Namespace ns, String url, int connections, Duration duration, Path log)
            throws IOException {
        List<String> cmd = List.of("wrk", "-t1", "-c" + connections, "-d" + duration.toSeconds() + "s",
                "--timeout", "2s", url);
        return new Wrk(ManagedProcess.start("wrk", ns, cmd, log, Map.of()), duration);
    }

    /** Waits for the run to end (its duration plus a margin) and parses the summary. */
    public Result await() throws IOException, InterruptedException {
        Integer code = process.awaitExit(duration.plusSeconds(15));
        if (code == null) {
            process.stop(Duration.ofSeconds(1));
            throw new IOException("wrk did not finish within " + duration.plusSeconds(15) + "\n"
                    + process.tailBlock());
        }
        return parse(code, process.readLog());
    }

    static Result parse(int exitCode, String out) throws IOException {
        Matcher r = REQUESTS.matcher(out);
        if (!r.find()) {
            throw new IOException("no summary in wrk's output (exit " + exitCode + "):\n" + out);
        }
        long connect = 0;
        long read = 0;
        long write = 0;
        long timeout = 0;
        Matcher e = SOCKET_ERRORS.matcher(out);
        if (e.find()) {
            connect = Long.parseLong(e.group(1));
            read = Long.parseLong(e.group(2));
            write = Long.parseLong(e.group(3));
            timeout = Long.parseLong(e.group(4));
        }
        Matcher n = NON_2XX.matcher(out);
        long non2xx = n.find() ? Long.parseLong(n.group(1)) : 0;
        return new Result(exitCode, Long.parseLong(r.group(1)), connect, read, write, timeout, non2xx, out);
    }
}
