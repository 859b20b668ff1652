package io.dsrgw.gateway.dataplane.tun;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs iproute2's {@code ip} command. Used for the few control-plane changes (link settings, routes) where the
 * command is the stable, well-understood interface; the data path never calls it.
 */
final class IpCommand {
    private static final long TIMEOUT_SECONDS = 10;

    private IpCommand() {
    }

    /** Runs {@code ip args...}; returns stdout, throws with the command, exit status and stderr on failure. */
    static String run(String... args) throws IOException {
        List<String> command = new ArrayList<>(args.length + 1);
        command.add("ip");
        command.addAll(List.of(args));
        String shown = String.join(" ", command);
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
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
            if (p.exitValue() != 0) {
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
