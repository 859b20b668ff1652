package io.dsrgw.harness.vm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;

/**
 * A stock Debian kernel for the test VM, fetched with {@code apt-get download} and unpacked with {@code dpkg-deb}
 * into a cache directory. It is <b>never installed</b> on the host: installing a linux-image pulls initramfs-tools
 * and upgrades udev/systemd. Only the kernel image and the module subtrees a network test needs are unpacked
 * (~130 MB of ~400 MB), and the ELF {@code vmlinux} is extracted for qemu's fast PVH boot.
 *
 * <pre>
 * CACHE/linux-image-6.1.0-NN-amd64_VERSION_amd64.deb
 * CACHE/6.1.0-NN-amd64/boot/vmlinuz-6.1.0-NN-amd64     bzImage
 * CACHE/6.1.0-NN-amd64/lib/modules/6.1.0-NN-amd64/...  module subtrees
 * CACHE/6.1.0-NN-amd64/vmlinux                         ELF (PVH entry)
 * CACHE/6.1.0-NN-amd64/.complete-HASH                  written last (HASH of EXTRACT: a changed list re-unpacks)
 * </pre>
 *
 * @param release    kernel release, as {@code uname -r} prints it ("6.1.0-56-amd64")
 * @param packageName Debian package ("linux-image-6.1.0-56-amd64")
 * @param vmlinux    the ELF kernel to pass to {@code qemu -kernel}
 * @param moduleDir  {@code lib/modules/RELEASE} of the unpacked tree
 */
public record KernelImage(String release, String packageName, Path vmlinux, Path moduleDir) {
    /** Default cache: survives test runs (the .deb is 70 MB); override with {@value #CACHE_PROPERTY}. */
    public static final Path DEFAULT_CACHE = Path.of("/var/cache/dsrgw-test-vm");
    public static final String CACHE_PROPERTY = "dsrgw.vm.cache";
    /** Pins a package instead of the newest 6.1 one apt offers, e.g. "linux-image-6.1.0-56-amd64". */
    public static final String PACKAGE_PROPERTY = "dsrgw.vm.kernel-package";
    static final Pattern PACKAGE = Pattern.compile("linux-image-(6\\.1\\.0-(\\d+)-amd64)");
    /** What the VM needs: network + virtio + 9p + netfilter modules, and the image. */
    static final List<String> EXTRACT = List.of("./boot/vmlinuz-*", "./lib/modules/*/modules.builtin",
            "./lib/modules/*/kernel/net/*", "./lib/modules/*/kernel/drivers/net/*",
            "./lib/modules/*/kernel/drivers/virtio/*", "./lib/modules/*/kernel/drivers/char/*",
            "./lib/modules/*/kernel/fs/9p/*", "./lib/modules/*/kernel/fs/netfs/*",
            "./lib/modules/*/kernel/fs/fscache/*", "./lib/modules/*/kernel/lib/*", "./lib/modules/*/kernel/crypto/*");
    private static final Logger LOG = LoggerFactory.getLogger(KernelImage.class);

    /** {@link #prepare(Path)} in the cache named by {@value #CACHE_PROPERTY}, else {@link #DEFAULT_CACHE}. */
    public static KernelImage prepare() throws IOException {
        return prepare(Path.of(System.getProperty(CACHE_PROPERTY, DEFAULT_CACHE.toString())));
    }

    /**
     * Returns the cached kernel, downloading and unpacking it first when needed. The package is the newest
     * {@code linux-image-6.1.0-N-amd64} apt knows (or {@value #PACKAGE_PROPERTY}). Several JVMs may call this at
     * once: a file lock in the cache serializes them.
     */
    @SuppressWarnings("try") // the lock is held for the scope of the try block, never referenced
    public static KernelImage prepare(Path cache) throws IOException {
        Files.createDirectories(cache);
        try (FileChannel lockFile = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
            String pkg = System.getProperty(PACKAGE_PROPERTY);
            if (pkg == null) {
                try {
                    pkg = newestPackage();
                } catch (IOException e) {
                    // No Debian 12 package source (another distribution, or no apt-get update): a cached kernel
                    // still serves; without one the VM tests cannot run here.
                    KernelImage cached = newestCached(cache);
                    if (cached == null) {
                        throw new KernelUnavailableException(e.getMessage() + "; nothing cached in " + cache, e);
                    }
                    LOG.warn("{}; using the cached {}", e.getMessage(), cached.release());
                    return cached;
                }
            }
            Matcher m = PACKAGE.matcher(pkg);
            if (!m.matches()) {
                throw new IOException(PACKAGE_PROPERTY + "=" + pkg + " (expected: linux-image-6.1.0-N-amd64)");
            }
            String release = m.group(1);
            Path tree = cache.resolve(release);
            Path vmlinux = tree.resolve("vmlinux");
            Path complete = completeMarker(tree);
            if (!Files.exists(complete)) {
                long start = System.nanoTime();
                Path deb;
                try {
                    deb = download(cache, pkg);
                } catch (IOException e) {
                    // apt knows a newer kernel than the cache holds, but the mirror is unreachable (offline CI):
                    // an older complete kernel still proves the same things. A pinned package never falls back.
                    KernelImage older = System.getProperty(PACKAGE_PROPERTY) == null ? newestCached(cache) : null;
                    if (older == null) {
                        throw new KernelUnavailableException("cannot download " + pkg + " (" + e.getMessage()
                                + "); nothing cached in " + cache, e);
                    }
                    LOG.warn("cannot fetch {} ({}); using the cached {}", pkg, e.getMessage(), older.release());
                    return older;
                }
                unpack(deb, cache, tree);
                Path bzImage = tree.resolve("boot/vmlinuz-" + release);
                Path tmp = tree.resolve("vmlinux.tmp");
                VmlinuxExtractor.extract(bzImage, tmp);
                Files.move(tmp, vmlinux, StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(complete, String.join("\n", EXTRACT) + "\n");
                LOG.info("kernel {} unpacked into {} in {} ms", release, tree, (System.nanoTime() - start) / 1_000_000);
            }
            return of(cache, release);
        }
    }

    private static KernelImage of(Path cache, String release) {
        Path tree = cache.resolve(release);
        return new KernelImage(release, "linux-image-" + release, tree.resolve("vmlinux"),
                tree.resolve("lib/modules").resolve(release));
    }

    private static Path completeMarker(Path tree) {
        return tree.resolve(".complete-" + Integer.toHexString(EXTRACT.hashCode()));
    }

    /** The completely unpacked kernel with the highest ABI number in {@code cache}, or null. */
    static KernelImage newestCached(Path cache) throws IOException {
        List<String> releases;
        try (Stream<Path> s = Files.list(cache)) {
            releases = s.filter(d -> Files.exists(completeMarker(d)))
                    .map(d -> "linux-image-" + d.getFileName()).toList();
        }
        String best = newestOf(releases);
        return best == null ? null : of(cache, best.substring("linux-image-".length()));
    }

    /** The highest N among the {@code linux-image-6.1.0-N-amd64} packages apt knows (no network access). */
    static String newestPackage() throws IOException {
        Commands.Result r = Commands.check(List.of("apt-cache", "pkgnames", "linux-image-6.1.0-"));
        String best = newestOf(r.stdout().lines().toList());
        if (best == null) {
            throw new IOException("apt knows no linux-image-6.1.0-N-amd64 package (expected: Debian 12 sources;"
                    + " run `apt-get update`, or set -D" + PACKAGE_PROPERTY + ")");
        }
        return best;
    }

    /** The package with the highest ABI number N among {@code names}; null when none matches. */
    static String newestOf(List<String> names) {
        return names.stream().map(String::strip).filter(n -> PACKAGE.matcher(n).matches())
                .max(Comparator.comparingInt(n -> {
                    Matcher m = PACKAGE.matcher(n);
                    m.matches();
                    return Integer.parseInt(m.group(2));
                })).orElse(null);
    }

    private static Path download(Path cache, String pkg) throws IOException {
        Path deb = findDeb(cache, pkg);
        if (deb != null) {
            return deb;
        }
        LOG.info("downloading {} into {} (apt-get download; not installed)", pkg, cache);
        Process p = new ProcessBuilder("apt-get", "download", "-q", pkg).directory(cache.toFile())
                .redirectErrorStream(true).redirectOutput(cache.resolve("apt-get-download.log").toFile()).start();
        waitFor(p, Duration.ofMinutes(5), "apt-get download " + pkg);
        if (p.exitValue() != 0) {
            throw new CommandException("apt-get download " + pkg + " exited " + p.exitValue() + ": "
                    + Files.readString(cache.resolve("apt-get-download.log")).strip(), p.exitValue());
        }
        deb = findDeb(cache, pkg);
        if (deb == null) {
            throw new IOException("apt-get download " + pkg + " succeeded but left no " + pkg + "_*.deb in " + cache);
        }
        return deb;
    }

    private static Path findDeb(Path cache, String pkg) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(f -> f.getFileName().toString().startsWith(pkg + "_")
                    && f.getFileName().toString().endsWith(".deb")).findFirst().orElse(null);
        }
    }

    /** {@code dpkg-deb --fsys-tarfile DEB | tar -x} of {@link #EXTRACT} into a temporary tree, renamed at the end. */
    private static void unpack(Path deb, Path cache, Path tree) throws IOException {
        Path tmp = cache.resolve(tree.getFileName() + ".unpacking");
        deleteTree(tmp);
        deleteTree(tree);
        Files.createDirectories(tmp);
        List<String> tar = new ArrayList<>(List.of("tar", "-x", "-C", tmp.toString(), "--wildcards"));
        tar.addAll(EXTRACT);
        Path log = cache.resolve("unpack.log");
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(
                new ProcessBuilder("dpkg-deb", "--fsys-tarfile", deb.toString())
                        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())),
                new ProcessBuilder(tar).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))));
        for (Process p : pipeline) {
            waitFor(p, Duration.ofMinutes(5), "unpacking " + deb);
            if (p.exitValue() != 0) {
                throw new IOException("unpacking " + deb + ": " + p.info().command().orElse("?") + " exited "
                        + p.exitValue() + "; see " + log + ": " + Files.readString(log).strip());
            }
        }
        Files.move(tmp, tree, StandardCopyOption.ATOMIC_MOVE);
    }

    static void waitFor(Process p, Duration timeout, String what) throws IOException {
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(what + ": did not finish within " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted", e);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
