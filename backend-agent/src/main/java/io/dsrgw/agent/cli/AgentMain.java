package io.dsrgw.agent.cli;

import io.dsrgw.agent.plan.SystemHost;
import io.dsrgw.linux.Capabilities;

/** Entry point of the {@code dsr-agent} command; see {@link AgentCli}. */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) {
        int code = new AgentCli(new SystemHost(), Capabilities::root, System.out, System.err).run(args);
        System.out.flush();
        System.exit(code);
    }
}
