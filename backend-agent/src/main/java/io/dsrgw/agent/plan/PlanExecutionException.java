package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

/**
 * An operation of a plan failed. The message names the step and the failing command with its error;
 * {@link #state()} is what the agent owns after the steps that succeeded (already persisted).
 */
public final class PlanExecutionException extends Exception {
    private final transient AgentState state;

    public PlanExecutionException(String message, AgentState state, Throwable cause) {
        super(message, cause);
        this.state = state;
    }

    /** Ownership after the successful steps. */
    public AgentState state() {
        return state;
    }
}
