package io.dsrgw.gateway.linux;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Runs iproute2's {@code ip} command: the stable, well-understood interface for the gateway's few control-plane
 * changes (TUN link settings, VIP routes, announce routes); the data path never calls it. Standard input is
 * {@code /dev/null}; standard output is returned, standard error goes into the error message:
 * {@code "ip ARGS: exit N: STDERR"}, {@code "ip ARGS: cannot start: ... (expected: iproute2's ip command on
 * PATH)"}, {@code "ip ARGS: no exit after 10 s"}, {@code "ip ARGS: interrupted"}.
 */
public final class Iproute2 {
    /** How long one command may take before it is killed and reported. */
    public static final long TIMEOUT_SECONDS = 10;

    private Iproute2() {
    }

    /** Runs {@code ip args...}; returns stdout, throws with the command, exit status and stderr on failure. */
    public static String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add("ip");
        command.addAll(List.of(args));
        return run(command, stderr -> false);
    }

    /**
     * Runs {@code command} ({@code "ip"} and its arguments) and returns its stdout; a non-zero exit whose stripped
     * stderr {@code done} accepts counts as success (e.g. deleting a route that is already gone).
     */
    public static String run(List<String> command, Predicate<String> done) throws IOException {
        String shown = String.join(" ", command);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new IOException(shown + ": cannot start: " + e.getMessage()
                    + " (expected: iproute2's ip command on PATH)", e);
        }
        try (InputStream out = p.getInputStream(); InputStream err = p.getErrorStream()) {
            // Outputs are tiny; read stderr after stdout (neither fills a pipe buffer).
            String stdout = new String(out.readAllBytes(), StandardCharsets.UTF_8);
            String stderr = new String(err.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(shown + ": no exit after " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0 && !done.test(stderr)) {
                throw new IOException(shown + ": exit " + p.exitValue() + (stderr.isEmpty() ? "" : ": " + stderr));
            }
            return stdout;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException(shown + ": interrupted", e);
        }
    }
}
