package io.dsrgw.harness.scenario;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the unpacked {@code dsr-gateway} and {@code dsr-agent} distributions are: system properties
 * {@value #GATEWAY_HOME_PROPERTY} and {@value #AGENT_HOME_PROPERTY} (set by test-harness/pom.xml for Failsafe and
 * by scripts/demo), each pointing at a directory with {@code bin/<command>} and {@code lib/*.jar}.
 */
public record Distributions(Path gatewayHome, Path agentHome) {
    public static final String GATEWAY_HOME_PROPERTY = "dsrgw.gateway.home";
    public static final String AGENT_HOME_PROPERTY = "dsrgw.agent.home";
    /** Defaults relative to the repository root, where {@code mvn package} puts the dists. */
    public static final String DEFAULT_GATEWAY_HOME = "gateway/target/dsr-gateway/dsr-gateway";
    public static final String DEFAULT_AGENT_HOME = "backend-agent/target/dsr-agent/dsr-agent";

    /** From the system properties, else the defaults resolved against the working directory. */
    public static Distributions fromSystemProperties() {
        return new Distributions(
                Path.of(System.getProperty(GATEWAY_HOME_PROPERTY, DEFAULT_GATEWAY_HOME)).toAbsolutePath().normalize(),
                Path.of(System.getProperty(AGENT_HOME_PROPERTY, DEFAULT_AGENT_HOME)).toAbsolutePath().normalize());
    }

    public Path gatewayLauncher() {
        return gatewayHome.resolve("bin/dsr-gateway");
    }

    public Path agentLauncher() {
        return agentHome.resolve("bin/dsr-agent");
    }

    /** Null when both launchers exist and are executable, else what is missing and how to build it. */
    public String problem() {
        String g = launcherProblem(GATEWAY_HOME_PROPERTY, gatewayHome, gatewayLauncher(), "gateway");
        String a = launcherProblem(AGENT_HOME_PROPERTY, agentHome, agentLauncher(), "backend-agent");
        if (g == null) {
            return a;
        }
        return a == null ? g : g + "; " + a;
    }

    private static String launcherProblem(String property, Path home, Path launcher, String module) {
        if (Files.isExecutable(launcher)) {
            return null;
        }
        return property + "=" + home + ": " + launcher + (Files.exists(launcher) ? " is not executable" : " is missing")
                + " (expected: the unpacked distribution; build it with"
                + " `mvn -B -q -o -pl encap,linux,conf,gateway,backend-agent install -DskipTests` or `mvn package`;"
                + " module " + module + ")";
    }
}
