package io.dsrgw.agent.plan;

import io.dsrgw.linux.Sysctl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The real host: commands through {@link ProcessBuilder}, sysctls under {@code /proc/sys} via the linux module. */
public final class SystemHost implements Host {
    /** iproute2 answers in milliseconds; a command hanging this long is broken, not slow. */
    public static final long COMMAND_TIMEOUT_MS = 30_000;

    @Override
    public CommandResult run(List<String> argv) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot run " + String.join(" ", argv) + ": " + e.getMessage(), e);
        }
        // Drain stderr concurrently so a chatty command cannot block on a full pipe.
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()),
                Thread::startVirtualThread);
        String out = drain(p.getInputStream());
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": no exit after " + COMMAND_TIMEOUT_MS + " ms");
            }
            return new CommandResult(argv, p.exitValue(), out, err.get());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", argv) + ": interrupted", e);
        } catch (ExecutionException e) {
            throw new IOException(String.join(" ", argv) + ": reading stderr: " + e.getCause(), e.getCause());
        }
    }

    @Override
    public String readSysctl(String key) throws IOException {
        if (!Files.exists(path(key))) {
            return null;
        }
        return normalize(Sysctl.read(key));
    }

    @Override
    public void writeSysctl(String key, String value) throws IOException {
        Sysctl.write(key, value);
    }

    /**
     * {@code net.ipv4.conf.all.rp_filter} -> {@code /proc/sys/net/ipv4/conf/all/rp_filter}, resolved like
     * the linux module does (device names may contain dots).
     */
    static Path path(String key) {
        return Sysctl.path(key);
    }

    /** Trims and collapses the tabs some multi-value sysctls use, so values compare as `sysctl` prints them. */
    public static String normalize(String value) {
        return value == null ? null : value.strip().replaceAll("\\s+", " ");
    }

    private static String drain(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
