package io.dsrgw.harness.vm;

import org.junit.jupiter.api.Assumptions;

import io.dsrgw.harness.netns.HostRequirements;

/** Skips a VM test, printing the precise reason, when the host cannot run it. */
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
}
