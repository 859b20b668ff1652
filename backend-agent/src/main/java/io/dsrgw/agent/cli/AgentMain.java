package io.dsrgw.agent.cli;

/** Entry point of the {@code dsr-agent} command. */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) {
        System.err.println("dsr-agent: not built yet");
        System.exit(2);
    }
}
