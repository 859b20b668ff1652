package io.dsrgw.harness.netns;

import java.util.ArrayList;
import java.util.List;

/** A named network namespace ({@code ip netns}); commands run inside it through {@code ip netns exec}. */
public final class Namespace {
    private final String name;

    Namespace(String name) {
        this.name = name;
    }

    /**
     * A handle on the namespace named {@code name}; nothing is created or checked (for leftovers found by name, and
     * for the VM harness's namespaces, which are not part of a {@link Topology}).
     */
    public static Namespace of(String name) {
        return new Namespace(name);
    }

    /**
     * {@code ip netns add NAME} and its loopback up. If bringing lo up fails, the namespace is deleted again before
     * the exception propagates, so a caller only has to remember namespaces this returned.
     */
    public static Namespace create(String name) throws CommandException {
        Commands.check(List.of("ip", "netns", "add", name));
        Namespace ns = new Namespace(name);
        try {
            ns.ip("link", "set", "lo", "up");
        } catch (CommandException | RuntimeException e) {
            try {
                ns.delete();
            } catch (CommandException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return ns;
    }

    /**
     * Kills (by PID) every process still inside, then {@code ip netns del NAME}; links inside go with it. Only for
     * namespaces this harness created: everything running in them was started by the harness.
     *
     * @throws CommandException "ip netns del NAME: STDERR" when the kernel refuses, or when a command cannot run
     */
    public void delete() throws CommandException {
        for (long pid : pids()) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        Commands.Result r = Commands.run(List.of("ip", "netns", "del", name));
        if (!r.ok()) {
            throw new CommandException("ip netns del " + name + ": " + r.stderr().strip(), r.exitCode());
        }
    }

    /** The namespace name as {@code ip netns list} shows it. */
    public String name() {
        return name;
    }

    /** The command prefix that runs a program inside this namespace: {@code ip netns exec NAME}. */
    public List<String> execPrefix() {
        return List.of("ip", "netns", "exec", name);
    }

    /** {@code command} wrapped so that it runs inside this namespace. */
    public List<String> wrap(List<String> command) {
        List<String> full = new ArrayList<>(execPrefix());
        full.addAll(command);
        return full;
    }

    /** Runs a command inside the namespace; throws unless it exits 0. */
    public Commands.Result exec(String... command) throws CommandException {
        return Commands.check(wrap(List.of(command)));
    }

    /** Runs a command inside the namespace and returns its result whatever the exit code. */
    public Commands.Result execUnchecked(java.time.Duration timeout, String... command) throws CommandException {
        return Commands.run(wrap(List.of(command)), timeout);
    }

    /** {@code ip -n NAME args...}; throws unless it exits 0. */
    public Commands.Result ip(String... args) throws CommandException {
        List<String> full = new ArrayList<>(List.of("ip", "-n", name));
        full.addAll(List.of(args));
        return Commands.check(full);
    }

    /** Writes a sysctl inside the namespace (net.* sysctls are per namespace). */
    public void sysctl(String key, String value) throws CommandException {
        exec("sysctl", "-qw", key + "=" + value);
    }

    /** Reads a sysctl inside the namespace. */
    public String sysctl(String key) throws CommandException {
        return exec("sysctl", "-n", key).stdout().strip();
    }

    /** The kernel counters of {@code device} in this namespace. */
    public LinkCounters counters(String device) throws CommandException {
        return LinkCounters.parseIpJson(device, ip("-s", "-j", "link", "show", "dev", device).stdout());
    }

    /**
     * The XDP attachment of {@code device} as {@code ip -j link show} reports it (its {@code "xdp"} object, e.g.
     * {@code {"mode":1,"prog":{"id":42,...}}}), or null when no XDP program is attached.
     */
    public String xdp(String device) throws CommandException {
        String json = ip("-j", "-d", "link", "show", "dev", device).stdout();
        int at = json.indexOf("\"xdp\":");
        if (at < 0) {
            return null;
        }
        int depth = 0;
        int start = json.indexOf('{', at);
        for (int i = start; i >= 0 && i < json.length(); i++) {
            char c = json.charAt(i);
            depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            if (depth == 0) {
                return json.substring(start, i + 1);
            }
        }
        return json.substring(at);
    }

    /** PIDs of the processes running in this namespace ({@code ip netns pids}). */
    public List<Long> pids() throws CommandException {
        Commands.Result r = Commands.run(List.of("ip", "netns", "pids", name));
        List<Long> pids = new ArrayList<>();
        if (r.ok()) {
            for (String line : r.stdout().split("\\s+")) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        }
        return pids;
    }

    @Override
    public String toString() {
        return name;
    }
}
