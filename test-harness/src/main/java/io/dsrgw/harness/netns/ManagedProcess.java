package io.dsrgw.harness.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A long-running process (gateway, agent, HTTP server) started inside a namespace with
 * {@code ip netns exec NS command...}; stdout and stderr go to one log file. {@code ip netns exec} and the
 * dsrgw launchers exec rather than fork, so {@link #pid()} is the real program and signals reach it.
 * Stopped by PID: SIGTERM, then SIGKILL after a grace period. Registered with the shutdown hook until stopped.
 */
public final class ManagedProcess implements AutoCloseable {
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);
    private static final int TAIL_LINES = 40;

    private final String name;
    private final List<String> command;
    private final Path log;
    private final Process process;
    private Integer exitCode;

    private ManagedProcess(String name, List<String> command, Path log, Process process) {
        this.name = name;
        this.command = command;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code command} inside {@code ns} (null: the harness's own namespace).
     *
     * @param name    short label for messages ("gateway", "agent-b1")
     * @param log     file that receives stdout and stderr (parent directories are created; truncated)
     * @param env     extra environment variables (may be empty)
     */
    public static ManagedProcess start(String name, Namespace ns, List<String> command, Path log,
                                       Map<String, String> env) throws IOException {
        List<String> full = ns == null ? List.copyOf(command) : ns.wrap(command);
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException(name + ": cannot start `" + String.join(" ", full) + "`: " + e.getMessage(), e);
        }
        ManagedProcess mp = new ManagedProcess(name, full, log, p);
        Cleanup.register(mp);
        LOG.info("{}: started pid {} in {}: {} (log {})", name, p.pid(), ns == null ? "host" : ns.name(),
                Commands.abbreviate(String.join(" ", command)), log);
        return mp;
    }

    /**
     * Waits until a line of the log matches {@code readyLine} (found anywhere in the line) and returns that line.
     * Fails, with the log tail in the message, if the process exits first or the timeout passes.
     */
    public String awaitLine(Pattern readyLine, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String match = findLine(readyLine);
            if (match != null) {
                return match;
            }
            if (!process.isAlive()) {
                // The line may have been written just before exit.
                match = findLine(readyLine);
                if (match != null) {
                    return match;
                }
                throw new IOException(name + " exited with code " + process.exitValue() + " before printing a line"
                        + " matching /" + readyLine + "/; command: " + String.join(" ", command) + "\n" + tailBlock());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(name + " (pid " + pid() + ") printed no line matching /" + readyLine + "/ within "
                        + timeout.toMillis() + " ms; command: " + String.join(" ", command) + "\n" + tailBlock());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(name + ": interrupted while waiting for /" + readyLine + "/", e);
            }
        }
    }

    private String findLine(Pattern p) throws IOException {
        for (String line : readLog().split("\n")) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                return line;
            }
        }
        return null;
    }

    /** The whole log so far (lossy UTF-8 decoding). */
    public String readLog() throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
    }

    /** The last {@code lines} lines of the log ("" when unreadable). */
    public String tail(int lines) {
        try {
            String[] all = readLog().split("\n");
            int from = Math.max(0, all.length - lines);
            return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
        } catch (IOException e) {
            return "(log " + log + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** The log tail framed for error messages. */
    public String tailBlock() {
        return "---- last " + TAIL_LINES + " lines of " + log + " ----\n" + tail(TAIL_LINES) + "\n---- end of " + name
                + " log ----";
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL; returns the exit code (137 and the like after a kill). */
    public synchronized int stop(Duration grace) {
        if (exitCode != null) {
            return exitCode;
        }
        try {
            if (process.isAlive()) {
                process.destroy(); // SIGTERM to pid()
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{}: pid {} still alive {} ms after SIGTERM, sending SIGKILL", name, pid(),
                            grace.toMillis());
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            exitCode = process.isAlive() ? -1 : process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            exitCode = -1;
        }
        Cleanup.unregister(this);
        LOG.info("{}: pid {} stopped, exit code {}", name, pid(), exitCode);
        return exitCode;
    }

    /**
     * Waits up to {@code timeout} for the process to exit by itself and returns its exit code, or null if it is
     * still running then (it is left running).
     */
    public synchronized Integer awaitExit(Duration timeout) throws InterruptedException {
        if (exitCode != null) {
            return exitCode;
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return null;
        }
        exitCode = process.exitValue();
        Cleanup.unregister(this);
        LOG.info("{}: pid {} exited, exit code {}", name, pid(), exitCode);
        return exitCode;
    }

    /** SIGKILL without grace (a crash, as far as the process's peers can tell); returns the exit code. */
    public synchronized int kill() {
        if (exitCode != null) {
            return exitCode;
        }
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exitCode = process.isAlive() ? -1 : process.exitValue();
        Cleanup.unregister(this);
        LOG.info("{}: pid {} killed, exit code {}", name, pid(), exitCode);
        return exitCode;
    }

    /** Stops with {@link #DEFAULT_GRACE}. */
    @Override
    public void close() {
        stop(DEFAULT_GRACE);
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    /** Lines of the log matching {@code p}, in order. */
    public List<String> grep(Pattern p) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : readLog().split("\n")) {
            if (p.matcher(line).find()) {
                out.add(line);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return name + "(pid " + process.pid() + ")";
    }
}
