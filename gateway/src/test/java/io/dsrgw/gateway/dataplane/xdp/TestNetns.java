package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.linux.NetworkNamespaces;
import io.dsrgw.linux.bpf.Bpf;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;


/**
 * A network namespace of a test class ({@code ip netns add}), and one platform thread that lives in it
 * ({@code setns(2)}), on which the test runs everything that resolves interfaces: {@code BPF_PROG_TEST_RUN} with an
 * ingress ifindex (whose {@code bpf_fib_lookup} uses that interface's namespace), devmap updates, XDP attach.
 * {@link #close()} stops the thread and deletes the namespace (and with it every link in it).
 *
 * <p>The thread enters the namespace through the linux module's {@link NetworkNamespaces} (the harness's
 * {@code NetnsThreads} does the same; the gateway's tests cannot depend on the harness, which depends on the gateway).
 */
final class TestNetns implements AutoCloseable {
    private final String name;
    private final ExecutorService thread;

    private TestNetns(String name, ExecutorService thread) {
        this.name = name;
        this.thread = thread;
    }

    /**
     * Skips the calling test (JUnit assumption, with the reason) unless BPF works and this process may create
     * network namespaces (root, {@code ip} installed).
     */
    static void assumeAvailable() {
        Assumptions.assumeTrue(Bpf.isAvailable(), () -> "BPF unavailable: " + Bpf.unavailabilityCause());
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                || Files.isExecutable(Path.of("/usr/bin/ip")), "iproute2 'ip' not installed: no test namespace");
    }

    /** Creates namespace {@code prefix-PID} with lo up, and its thread. */
    static TestNetns create(String prefix) throws IOException, InterruptedException {
        String name = prefix + "-" + ProcessHandle.current().pid();
        run(List.of("ip", "netns", "del", name), true); // a leftover of a killed run
        run(List.of("ip", "netns", "add", name), false);
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + name);
            t.setDaemon(true);
            return t;
        });
        TestNetns ns = new TestNetns(name, thread);
        try {
            ns.call(() -> {
                NetworkNamespaces.enterCurrentThread(name);
                return null;
            });
            ns.ip("link", "set", "lo", "up");
        } catch (IOException | RuntimeException | InterruptedException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    String name() {
        return name;
    }

    /** {@code ip -n NAME args...}; throws with ip's output when it fails. */
    void ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        run(command, false);
    }

    /** Runs {@code command} inside the namespace ({@code ip netns exec}) and returns its output. */
    String exec(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return run(full, false);
    }

    /** Runs {@code task} on the namespace's thread and returns its result; its exception is rethrown as is. */
    <T> T call(Callable<T> task) throws IOException, InterruptedException {
        Future<T> f = thread.submit(task);
        try {
            return f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new IOException(c);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("netns " + name + ": task did not finish within 60 s", e);
        }
    }

    private static String run(List<String> command, boolean ignoreFailure) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && !ignoreFailure) {
            throw new IOException(String.join(" ", command) + ": exit " + rc + ": " + out.strip());
        }
        return out;
    }

    /** Stops the thread, then deletes the namespace. */
    @Override
    public void close() throws IOException, InterruptedException {
        thread.shutdownNow();
        thread.awaitTermination(10, TimeUnit.SECONDS);
        run(List.of("ip", "netns", "del", name), false);
    }
}
