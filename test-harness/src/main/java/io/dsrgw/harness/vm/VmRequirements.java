package io.dsrgw.harness.vm;

import java.nio.file.Files;
import java.nio.file.Path;

import io.dsrgw.harness.netns.HostRequirements;
import io.dsrgw.harness.netns.HostRequirements.Check;

/**
 * What a real-kernel VM test needs on the host, checked once: everything the namespace tests need (root,
 * {@code ip netns}, {@code /dev/net/tun}), {@code qemu-system-x86_64}, a static busybox at {@value #BUSYBOX}
 * (its applets become the guest's userland), and apt-get, dpkg-deb and xz to fetch and unpack the Debian kernel.
 * A failed check carries the precise cause; tests print it when they skip.
 */
public final class VmRequirements {
    /** Debian's busybox-static installs here; the dynamic busybox package would not run in the guest. */
    public static final String BUSYBOX = "/bin/busybox";
    public static final String QEMU = "qemu-system-x86_64";

    private static volatile Check cached;

    private VmRequirements() {
    }

    /** Cached after the first call. */
    public static Check check() {
        Check c = cached;
        if (c == null) {
            c = probe();
            cached = c;
        }
        return c;
    }

    private static Check probe() {
        Check netns = HostRequirements.netns();
        if (!netns.available()) {
            return netns;
        }
        Check qemu = HostRequirements.tool(QEMU);
        if (!qemu.available()) {
            return new Check(false, QEMU + " not found on PATH (install Debian package qemu-system-x86;"
                    + " scripts/lib.sh does so when run as root)");
        }
        if (!Files.isExecutable(Path.of(BUSYBOX))) {
            return new Check(false, BUSYBOX + " missing (install Debian package busybox-static; the guest userland"
                    + " is its applets)");
        }
        for (String tool : new String[] {"apt-get", "apt-cache", "dpkg-deb", "tar", "xz", "ldd"}) {
            Check t = HostRequirements.tool(tool);
            if (!t.available()) {
                return new Check(false, t.cause() + " (needed to fetch and unpack the Debian kernel)");
            }
        }
        return new Check(true, null);
    }
}
