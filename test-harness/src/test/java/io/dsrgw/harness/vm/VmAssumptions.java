package io.dsrgw.harness.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

import io.dsrgw.harness.netns.HostRequirements;
import io.dsrgw.harness.scenario.Distributions;

/** Skips a VM test, printing the precise reason, when the host cannot run it; gives it its work directory. */
final class VmAssumptions {
    private VmAssumptions() {
    }

    static void assumeVm() {
        HostRequirements.Check c = VmRequirements.check();
        if (!c.available()) {
            System.out.println("SKIPPED (vm): " + c.cause());
        }
        Assumptions.assumeTrue(c.available(), c.cause());
        HostRequirements.Check curl = HostRequirements.tool("curl");
        if (!curl.available()) {
            System.out.println("SKIPPED (vm): " + curl.cause());
        }
        Assumptions.assumeTrue(curl.available(), curl.cause());
    }

    /** {@link #assumeVm()}, then the dsrgw distributions, skipping (reason printed) when they are missing. */
    static Distributions assumeVmAndDistributions() {
        assumeVm();
        Distributions dists = Distributions.fromSystemProperties();
        String problem = dists.problem();
        if (problem != null) {
            System.out.println("SKIPPED (vm): " + problem);
        }
        Assumptions.assumeTrue(problem == null, problem);
        assumeKernel();
        return dists;
    }

    /**
     * Fetches (or finds cached) the Debian kernel the VM boots; skips, printing why, when this host cannot get one
     * (no Debian 12 package source, no mirror reachable, nothing cached).
     */
    static void assumeKernel() {
        try {
            KernelImage.prepare();
        } catch (KernelUnavailableException e) {
            System.out.println("SKIPPED (vm): " + e.getMessage());
            Assumptions.abort(e.getMessage());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A new directory {@code PREFIX*} in the harness logs ({@code dsrgw.harness.logs}, default target/netns-logs). */
    static Path newWorkDir(String prefix) throws IOException {
        Path logs = Path.of(System.getProperty("dsrgw.harness.logs", "target/netns-logs"));
        Files.createDirectories(logs);
        return Files.createTempDirectory(logs.toAbsolutePath(), prefix);
    }
}
