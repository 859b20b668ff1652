package io.dsrgw.harness.netns;

import org.junit.jupiter.api.Assumptions;

/** Skips a namespace test, printing the precise reason, when the host cannot run it. */
public final class NetnsAssumptions {
    private NetnsAssumptions() {
    }

    public static void assumeNetns() {
        HostRequirements.Check c = HostRequirements.netns();
        if (!c.available()) {
            System.out.println("SKIPPED (netns): " + c.cause());
        }
        Assumptions.assumeTrue(c.available(), c.cause());
    }

    public static void assumeTool(String tool) {
        HostRequirements.Check c = HostRequirements.tool(tool);
        if (!c.available()) {
            System.out.println("SKIPPED (" + tool + "): " + c.cause());
        }
        Assumptions.assumeTrue(c.available(), c.cause());
    }
}
