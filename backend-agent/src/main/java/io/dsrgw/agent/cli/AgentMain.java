package io.dsrgw.agent.cli;

import io.dsrgw.agent.plan.SystemHost;
import io.dsrgw.linux.Capabilities;

/** Entry point of the {@code dsr-agent} command; see {@link AgentCli}. */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = new AgentCli(new SystemHost(), Capabilities::root, System.out, System.err).run(args);
        } catch (RuntimeException | Error e) {
            // A bug, not an operator error: say so and keep the stack trace for the report.
            System.err.println("dsr-agent: internal error: " + e);
            e.printStackTrace(System.err);
            code = AgentCli.EXIT_ERROR;
        }
        System.out.flush();
        System.exit(code);
    }
}
