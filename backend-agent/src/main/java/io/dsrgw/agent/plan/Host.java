package io.dsrgw.agent.plan;

import java.io.IOException;
import java.util.List;

/**
 * The host as the planner's executor and observer see it: commands (iproute2) and sysctls.
 * {@link SystemHost} is the real one; tests use a fake.
 */
public interface Host {
    /**
     * Runs a command to completion. A non-zero exit is a result, not an exception.
     *
     * @throws IOException the command could not be started or did not finish in time
     */
    CommandResult run(List<String> argv) throws IOException;

    /** Current value of a sysctl ({@code net.ipv4.conf.all.rp_filter}), trimmed, or null when the key does not exist. */
    String readSysctl(String key) throws IOException;

    /** Writes a sysctl. */
    void writeSysctl(String key, String value) throws IOException;
}
