package io.dsrgw.harness.vm;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.dsrgw.harness.netns.Commands;

/**
 * Builds the VM's initramfs: a newc cpio archive (written by {@code busybox cpio -o -H newc}; the host has no cpio)
 * holding
 * <ul>
 * <li>busybox-static with a symlink per applet at its canonical path (except {@code ip}: the real iproute2 is
 *     needed),</li>
 * <li>host binaries (default: iproute2 {@code ip}, {@code nft}, {@code bash} for the dsrgw launchers) with every
 *     shared library {@code ldd} lists,</li>
 * <li>the system libraries a JDK shared over 9p needs (found with {@code ldd} on its {@code bin/java} and
 *     {@code lib/**}.so; libraries of the JDK itself come from the share),</li>
 * <li>the kernel modules, in insmod order ({@link KernelModules}), and the init + command channel
 *     ({@link GuestScripts}).</li>
 * </ul>
 * Uncompressed on purpose: under TCG the guest decompressor costs more boot time than qemu's read of a few MB.
 */
public final class Initramfs {
    /**
     * Modules for eth0 (virtio-net), the tunnel kinds, 9p shares and nftables; dependencies are added.
     * crc32c_generic is the {@code softdep pre: crc32c} of libcrc32c (needed by nf_tables): without an
     * implementation of the crc32c algorithm, libcrc32c's init fails with ENOENT. Soft dependencies name algorithm
     * aliases, not modules, and there is no modules.alias without depmod, so it is listed here. nft_objref: rules
     * that use a named counter ({@code counter name X}, the agent's tunnel filter) need it, and the guest has no
     * modprobe to autoload it ("Could not process rule: No such file or directory").
     */
    public static final List<String> DEFAULT_MODULES = List.of("virtio_pci", "virtio_net", "ipip", "ip_gre",
            "ip6_tunnel", "ip6_gre", "sit", "fou", "9pnet_virtio", "9p", "crc32c_generic", "nf_tables", "nft_objref");
    public static final Map<String, String> DEFAULT_BINARIES = defaultBinaries();
    /** A headless JVM with networking and zip/jar access; AWT's X11 libraries are deliberately left out. */
    static final List<String> JDK_OBJECTS = List.of("bin/java", "lib/libjli.so", "lib/server/libjvm.so",
            "lib/libjava.so", "lib/libjimage.so", "lib/libzip.so", "lib/libnet.so", "lib/libnio.so",
            "lib/libextnet.so", "lib/libmanagement.so", "lib/libverify.so");
    private static final Pattern LDD_PATH = Pattern.compile("(?:=>\\s*)?(/\\S+)\\s+\\(0x");

    private final KernelImage kernel;
    private final List<String> modules = new ArrayList<>(DEFAULT_MODULES);
    private final Map<String, String> binaries = new LinkedHashMap<>(DEFAULT_BINARIES);
    private final List<Path> libraryDonors = new ArrayList<>();

    private Initramfs(KernelImage kernel) {
        this.kernel = kernel;
    }

    public static Initramfs builder(KernelImage kernel) {
        return new Initramfs(kernel);
    }

    private static Map<String, String> defaultBinaries() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("/usr/sbin/ip", "/sbin/ip");
        m.put("/usr/sbin/nft", "/sbin/nft");
        m.put("/bin/bash", "/bin/bash");
        return Map.copyOf(m);
    }

    /** Adds kernel modules (names as {@code modprobe} takes them). */
    public Initramfs modules(String... names) {
        modules.addAll(List.of(names));
        return this;
    }

    /** Copies a host binary to {@code guestPath}, with its shared libraries. */
    public Initramfs binary(String hostPath, String guestPath) {
        binaries.put(hostPath, guestPath);
        return this;
    }

    /** The glibc libraries {@code jdkHome}'s launcher and native libraries link against go into the image. */
    public Initramfs librariesFor(Path jdkHome) {
        libraryDonors.add(jdkHome);
        return this;
    }

    /**
     * Writes the archive to {@code out}, staging the tree in {@code out + ".root"} (removed afterwards; list the
     * archive with {@code busybox cpio -t < out}).
     *
     * @return the archive size in bytes
     */
    public long build(Path out) throws IOException {
        Path root = out.resolveSibling(out.getFileName() + ".root");
        KernelImage.deleteTree(root);
        for (String d : List.of("bin", "sbin", "etc/dsrgw", "proc", "sys", "dev", "tmp", "run", "root")) {
            Files.createDirectories(root.resolve(d));
        }
        Path busybox = root.resolve("bin/busybox");
        Files.copy(Path.of(VmRequirements.BUSYBOX), busybox);
        // Each applet at its canonical path (--list-full: "usr/bin/env"), so that "#!/usr/bin/env bash" works.
        for (String applet : Commands.check(List.of(VmRequirements.BUSYBOX, "--list-full")).stdout().split("\\s+")) {
            if (applet.isBlank() || applet.endsWith("/busybox") || applet.equals("sbin/ip")) {
                continue;
            }
            Path link = root.resolve(applet);
            if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, Path.of("/bin/busybox"));
            }
        }
        Set<String> libs = new LinkedHashSet<>();
        for (Map.Entry<String, String> b : binaries.entrySet()) {
            Path host = Path.of(b.getKey());
            if (!Files.isExecutable(host)) {
                throw new IOException("initramfs: host binary " + host + " missing (expected: its Debian package"
                        + " installed, see scripts/lib.sh)");
            }
            copy(host, guest(root, b.getValue()), "rwxr-xr-x");
            libs.addAll(sharedLibraries(host));
        }
        for (Path jdk : libraryDonors) {
            libs.addAll(jdkSystemLibraries(jdk));
        }
        for (String lib : libs) {
            copy(Path.of(lib), guest(root, lib), "rwxr-xr-x");
        }
        KernelModules index = KernelModules.index(kernel.moduleDir());
        List<Path> order = index.loadOrder(modules);
        Path guestModules = root.resolve("lib/modules").resolve(kernel.release());
        StringBuilder orderFile = new StringBuilder();
        for (Path m : order) {
            copy(kernel.moduleDir().resolve(m), guestModules.resolve(m), "rw-r--r--");
            orderFile.append(m).append('\n');
        }
        write(root.resolve("etc/dsrgw/modules.order"), orderFile.toString(), "rw-r--r--");
        write(root.resolve("etc/dsrgw/profile"), GuestScripts.PROFILE_TEXT, "rw-r--r--");
        write(root.resolve("init"), GuestScripts.INIT, "rwxr-xr-x");
        write(root.resolve("bin/dsrgw-ctl"), GuestScripts.CONTROL, "rwxr-xr-x");
        write(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n", "rw-r--r--");
        write(root.resolve("etc/group"), "root:x:0:\n", "rw-r--r--");
        write(root.resolve("etc/hosts"), "127.0.0.1 localhost\n", "rw-r--r--");
        long bytes = cpio(root, out);
        KernelImage.deleteTree(root);
        return bytes;
    }

    private static Path guest(Path root, String absolute) {
        return root.resolve(absolute.substring(1));
    }

    /** Runs {@code busybox cpio -o -H newc} in {@code root} with every path (relative, "."-prefixed) on stdin. */
    static long cpio(Path root, Path out) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (!p.equals(root)) {
                    names.add("./" + root.relativize(p));
                }
            }
        }
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        Path err = out.resolveSibling(out.getFileName() + ".cpio.log");
        Process p = new ProcessBuilder(VmRequirements.BUSYBOX, "cpio", "-o", "-H", "newc").directory(root.toFile())
                .redirectOutput(tmp.toFile()).redirectError(err.toFile()).start();
        try (OutputStream stdin = p.getOutputStream()) {
            stdin.write((String.join("\n", names) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        KernelImage.waitFor(p, Duration.ofMinutes(2), "busybox cpio");
        if (p.exitValue() != 0) {
            throw new IOException("busybox cpio -o -H newc exited " + p.exitValue() + ": " + Files.readString(err));
        }
        Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return Files.size(out);
    }

    /** Absolute paths of the libraries {@code ldd binary} resolves (the loader included; vdso excluded). */
    static Set<String> sharedLibraries(Path binary) throws IOException {
        Commands.Result r = Commands.run(List.of("ldd", binary.toString()));
        Set<String> libs = new LinkedHashSet<>();
        if (!r.ok()) {
            // "not a dynamic executable": a static binary needs nothing
            return libs;
        }
        return parseLdd(r.stdout());
    }

    static Set<String> parseLdd(String lddOutput) {
        Set<String> libs = new LinkedHashSet<>();
        for (String line : lddOutput.split("\n")) {
            Matcher m = LDD_PATH.matcher(line);
            if (m.find()) {
                libs.add(m.group(1));
            }
        }
        return libs;
    }

    /** System libraries of the JDK's launcher and native libraries; the JDK's own ones are on the share. */
    static Set<String> jdkSystemLibraries(Path jdk) throws IOException {
        Set<String> libs = new LinkedHashSet<>();
        List<Path> objects = new ArrayList<>();
        for (String o : JDK_OBJECTS) {
            if (Files.exists(jdk.resolve(o))) {
                objects.add(jdk.resolve(o));
            }
        }
        String jdkPrefix = jdk.toRealPath().toString();
        for (Path o : objects) {
            for (String lib : sharedLibraries(o)) {
                if (!lib.startsWith(jdkPrefix) && !lib.startsWith(jdk.toString())) {
                    libs.add(lib);
                }
            }
        }
        return libs;
    }

    private static void copy(Path from, Path to, String mode) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(mode));
    }

    private static void write(Path to, String text, String mode) throws IOException {
        Files.createDirectories(to.getParent());
        Files.writeString(to, text);
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(mode));
    }
}
