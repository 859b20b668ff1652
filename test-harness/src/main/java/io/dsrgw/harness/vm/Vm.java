package io.dsrgw.harness.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsrgw.harness.netns.Cleanup;
import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;

/**
 * A qemu VM running a stock Debian kernel with the {@link Initramfs} userland, attached to a tap device inside a
 * test namespace. Software emulation ({@code -accel tcg -cpu max -smp 1}: KVM hangs a stock kernel on this machine
 * kind and 2 vCPUs are slower under TCG), direct PVH boot of the ELF vmlinux, virtio-net without option ROM (no
 * iPXE), read-only virtio-9p shares.
 *
 * <p>Commands run in the guest through a command channel: a TCP connection from the tap's namespace to the guest's
 * port {@value GuestScripts#CONTROL_PORT}, one script per connection, reply = output + exit code (see
 * {@link GuestResult}). qemu runs daemonized; it is stopped by the PID in its pidfile (after checking that this
 * PID is still our qemu), from {@link #close()} or the JVM shutdown hook.
 */
public final class Vm implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Vm.class);
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,30}");

    /** A read-only virtio-9p share: host directory, mount tag, mount point in the guest. */
    public record Share(Path hostDir, String tag, String guestMount) {
        public Share {
            if (hostDir.toString().contains(",") || !tag.matches("[a-z][a-z0-9]{0,30}")
                    || !guestMount.matches("/[A-Za-z0-9/_.-]+")) {
                throw new IllegalArgumentException("share " + hostDir + " " + tag + " " + guestMount
                        + " (expected: a path without commas, tag [a-z][a-z0-9]*, absolute mount point)");
            }
        }
    }

    /**
     * What to boot and where.
     *
     * @param namespace  namespace that holds {@code tap}; qemu runs inside it
     * @param guest4     "A/P" for eth0, gateway4 its default route (both may be null, likewise for IPv6)
     * @param workDir    console log, pidfile
     */
    public record Spec(KernelImage kernel, Path initramfs, String namespace, String tap, int memoryMiB,
                       String guest4, String gateway4, String guest6, String gateway6, List<Share> shares,
                       Path workDir, Duration bootTimeout) {
        public Spec {
            shares = List.copyOf(shares);
            if (memoryMiB < 256) {
                throw new IllegalArgumentException("memoryMiB " + memoryMiB + " (expected: >= 256; a JVM needs 512)");
            }
        }

        /** Where qemu writes its PID ({@code -pidfile}); known before boot, so crash sweepers can record it. */
        public Path pidFile() {
            return workDir.resolve("qemu.pid");
        }

        /** The address part of {@link #guest4()}: where the command channel connects. */
        String guestAddress4() {
            return guest4.substring(0, guest4.indexOf('/'));
        }
    }

    private final Spec spec;
    private final Path console;
    private final Path pidFile;
    private long pid = -1;
    private double bootSeconds;
    private boolean closed;

    private Vm(Spec spec) {
        this.spec = spec;
        this.console = spec.workDir().resolve("console.log");
        this.pidFile = spec.pidFile();
    }

    /** Starts qemu, waits for the ready marker on the console and for the command channel to answer. */
    public static Vm boot(Spec spec) throws IOException {
        Files.createDirectories(spec.workDir());
        Vm vm = new Vm(spec);
        Cleanup.register(vm);
        try {
            vm.start();
        } catch (IOException | RuntimeException e) {
            vm.close();
            throw e;
        }
        return vm;
    }

    /** The qemu command line (without the {@code ip netns exec} prefix). */
    List<String> qemuCommand() {
        StringBuilder append = new StringBuilder("console=ttyS0 panic=-1 quiet loglevel=3");
        append.append(spec.guest4() != null ? " dsrgw.ip=" + spec.guest4() : "")
                .append(spec.gateway4() != null ? " dsrgw.gw=" + spec.gateway4() : "")
                .append(spec.guest6() != null ? " dsrgw.ip6=" + spec.guest6() : "")
                .append(spec.gateway6() != null ? " dsrgw.gw6=" + spec.gateway6() : "");
        List<String> cmd = new ArrayList<>(List.of(VmRequirements.QEMU, "-accel", "tcg", "-cpu", "max", "-smp", "1",
                "-m", String.valueOf(spec.memoryMiB()), "-nodefaults", "-no-user-config", "-display", "none",
                "-no-reboot", "-serial", "file:" + console,
                "-kernel", spec.kernel().vmlinux().toString(), "-initrd", spec.initramfs().toString(),
                "-netdev", "tap,id=n0,ifname=" + spec.tap() + ",script=no,downscript=no",
                "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:12:34:56,romfile="));
        for (Share s : spec.shares()) {
            cmd.addAll(List.of("-virtfs", "local,path=" + s.hostDir() + ",mount_tag=" + s.tag()
                    + ",security_model=none,readonly=on"));
            append.append(" dsrgw.9p=").append(s.tag()).append(':').append(s.guestMount());
        }
        cmd.addAll(List.of("-append", append.toString(), "-pidfile", pidFile.toString(), "-daemonize"));
        return cmd;
    }

    private void start() throws IOException {
        Files.deleteIfExists(console);
        Files.deleteIfExists(pidFile);
        long t0 = System.nanoTime();
        Commands.Result r = Commands.run(VmNetwork.wrap(spec.namespace(), qemuCommand()), Duration.ofSeconds(60));
        if (!r.ok()) {
            throw new CommandException("qemu did not start (exit " + r.exitCode() + "): " + r.stderr().strip()
                    + "; command: " + String.join(" ", qemuCommand()), r.exitCode());
        }
        pid = Long.parseLong(Files.readString(pidFile).strip());
        LOG.info("qemu pid {} started in namespace {} (console {})", pid, spec.namespace(), console);
        long deadline = t0 + spec.bootTimeout().toNanos();
        while (!consoleText().contains(GuestScripts.READY_MARKER)) {
            if (!alive()) {
                throw new IOException("qemu (pid " + pid + ") exited during boot\n" + consoleTail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("VM printed no " + GuestScripts.READY_MARKER + " within "
                        + spec.bootTimeout().toSeconds() + " s\n" + consoleTail(40));
            }
            sleep(100);
        }
        // nc listens a moment after the marker; the first connection also waits for ARP on the tap.
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try {
                exec("true", Duration.ofSeconds(10)).check();
                last = null;
                break;
            } catch (IOException e) {
                last = e;
                sleep(200);
            }
        }
        if (last != null) {
            throw new IOException("VM booted but its command channel does not answer: " + last.getMessage() + "\n"
                    + consoleTail(40), last);
        }
        bootSeconds = (System.nanoTime() - t0) / 1e9;
        LOG.info("VM ready in {} s (kernel {}, {} MiB, qemu pid {})", String.format("%.1f", bootSeconds),
                spec.kernel().release(), spec.memoryMiB(), pid);
    }

    /** Runs a shell script (busybox ash, profile sourced) in the guest; returns whatever its exit code. */
    public GuestResult exec(String script, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        InetSocketAddress to = new InetSocketAddress(spec.guestAddress4(), GuestScripts.CONTROL_PORT);
        try (SocketChannel ch = NetnsSockets.connect(spec.namespace(), to, timeout)) {
            ByteBuffer req = ByteBuffer.wrap((script + "\n").getBytes(StandardCharsets.UTF_8));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            ch.shutdownOutput();
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            InputStream in = ch.socket().getInputStream();
            byte[] buf = new byte[16384];
            while (true) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0) {
                    throw new SocketTimeoutException("no complete reply within " + timeout.toMillis() + " ms");
                }
                ch.socket().setSoTimeout((int) Math.min(leftMs, Integer.MAX_VALUE));
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                reply.write(buf, 0, n);
            }
            return GuestResult.parse(script, reply.toString(StandardCharsets.UTF_8));
        } catch (GuestCommandException e) {
            throw e;
        } catch (IOException e) {
            throw new GuestCommandException("in the VM `" + GuestResult.abbreviate(script) + "`: " + e.getMessage(), e);
        }
    }

    /** {@link #exec(String, Duration)} with a 60 s timeout. */
    public GuestResult exec(String script) throws IOException {
        return exec(script, Duration.ofSeconds(60));
    }

    /** Runs a script in the guest and throws unless it exits 0. */
    public GuestResult check(String script) throws IOException {
        return exec(script).check();
    }

    /**
     * Starts a long-running script in the guest in its own session, detached from the command channel; its output
     * goes to {@code /run/NAME.log}. Returns the guest PID.
     */
    public long startBackground(String name, String script) throws IOException {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name " + name + " (expected: [a-z][a-z0-9-]*)");
        }
        String out = check("cat > /run/" + name + ".sh <<'DSRGW_EOF'\n" + script + "\nDSRGW_EOF\n"
                + "setsid sh -c '. " + GuestScripts.PROFILE + "; exec sh /run/" + name + ".sh' > /run/" + name
                + ".log 2>&1 < /dev/null &\necho $!").output();
        return Long.parseLong(out.strip());
    }

    /** The output so far of a script started with {@link #startBackground}. */
    public String backgroundLog(String name) throws IOException {
        return exec("cat /run/" + name + ".log 2>/dev/null").output();
    }

    /** Waits until the background script's log has a line matching {@code p}; fails with the log in the message. */
    public String awaitBackgroundLine(String name, Pattern p, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String log = "";
        while (System.nanoTime() < deadline) {
            log = backgroundLog(name);
            Optional<String> line = log.lines().filter(l -> p.matcher(l).find()).findFirst();
            if (line.isPresent()) {
                return line.get();
            }
            sleep(200);
        }
        throw new IOException("VM: " + name + " printed no line matching /" + p + "/ within " + timeout.toSeconds()
                + " s; its log:\n" + log);
    }

    /** Writes a sysctl in the guest. */
    public void sysctl(String key, String value) throws IOException {
        check("sysctl -qw " + key + "=" + value);
    }

    /** Reads a sysctl in the guest. */
    public String sysctl(String key) throws IOException {
        return check("sysctl -n " + key).output().strip();
    }

    /** The kernel's rx_packets counter of a guest device (what the tunnel driver decapsulated, for a tunnel). */
    public long rxPackets(String device) throws IOException {
        return Long.parseLong(check("cat /sys/class/net/" + device + "/statistics/rx_packets").output().strip());
    }

    /** The kernel's tx_packets counter of a guest device. */
    public long txPackets(String device) throws IOException {
        return Long.parseLong(check("cat /sys/class/net/" + device + "/statistics/tx_packets").output().strip());
    }

    /** Everything the guest printed on its serial console so far. */
    public String consoleText() throws IOException {
        return Files.exists(console) ? Files.readString(console, StandardCharsets.ISO_8859_1) : "";
    }

    /** The last lines of the console, framed for error messages. */
    public String consoleTail(int lines) {
        try {
            List<String> all = consoleText().lines().toList();
            return "---- last " + lines + " lines of " + console + " ----\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()))
                    + "\n---- end of console ----";
        } catch (IOException e) {
            return "(console " + console + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** Seconds from starting qemu to a working command channel. */
    public double bootSeconds() {
        return bootSeconds;
    }

    /** The qemu PID (from its pidfile), -1 before start. */
    public long pid() {
        return pid;
    }

    /** Resident memory of qemu in KiB (from /proc), -1 when not running. */
    public long qemuRssKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    public Spec spec() {
        return spec;
    }

    /** Whether our qemu still runs: the PID is alive and its command line names our pidfile (no PID reuse). */
    public boolean alive() {
        if (pid < 0) {
            return false;
        }
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            return new String(cmdline, StandardCharsets.UTF_8).contains(pidFile.toString());
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM to the PID in the pidfile, SIGKILL after 5 s. Idempotent; also run by the shutdown hook. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pid < 0) {
            try {
                if (Files.exists(pidFile)) {
                    pid = Long.parseLong(Files.readString(pidFile).strip());
                }
            } catch (IOException | NumberFormatException e) {
                LOG.warn("cannot read qemu pidfile {}: {}", pidFile, e.toString());
            }
        }
        if (alive()) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.destroy();
                try {
                    h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception e) {
                    LOG.warn("qemu pid {} still alive 5 s after SIGTERM, sending SIGKILL", pid);
                    h.destroyForcibly();
                }
            });
        }
        Cleanup.unregister(this);
        LOG.info("qemu pid {} stopped", pid);
    }

    private static void sleep(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "Vm[qemu pid " + pid + ", " + spec.namespace() + "/" + spec.tap() + "]";
    }
}
