package io.dsrgw.harness.netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs short external commands (ip, sysctl, nft, curl) to completion and captures their output. */
public final class Commands {
    /** Generous: iproute2 and sysctl finish in milliseconds; curl callers pass their own timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private Commands() {
    }

    /** The outcome of a finished command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Throws unless the exit code is 0; the message holds the command line, exit code and stderr. */
        public Result check() throws CommandException {
            if (exitCode != 0) {
                throw new CommandException("command `" + String.join(" ", command) + "` exited " + exitCode
                        + (stderr.isBlank() ? "" : ": " + stderr.strip())
                        + (stdout.isBlank() || !stderr.isBlank() ? "" : " (stdout: " + abbreviate(stdout) + ")"),
                        exitCode);
            }
            return this;
        }
    }

    /** Runs the command, returns its result whatever the exit code (times out after {@link #DEFAULT_TIMEOUT}). */
    public static Result run(List<String> command) throws CommandException {
        return run(command, DEFAULT_TIMEOUT);
    }

    /** Runs the command and throws unless it exits 0. */
    public static Result check(List<String> command) throws CommandException {
        return run(command, DEFAULT_TIMEOUT).check();
    }

    /** Runs the command, returns its result whatever the exit code; kills it (SIGKILL) after the timeout. */
    public static Result run(List<String> command, Duration timeout) throws CommandException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(devNull())).start();
        } catch (IOException e) {
            throw new CommandException("cannot start `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new CommandException("command `" + String.join(" ", command) + "` timed out after "
                        + timeout.toMillis() + " ms", -1);
            }
            return new Result(List.copyOf(command), p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
    }

    private static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, Thread::startVirtualThread);
    }

    static String abbreviate(String s) {
        String t = s.strip();
        return t.length() <= 400 ? t : t.substring(0, 400) + "...";
    }
}
