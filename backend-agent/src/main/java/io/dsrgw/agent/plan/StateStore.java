package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

import java.io.IOException;

/** Where the executor persists ownership after every change (the state file; in memory in tests). */
@FunctionalInterface
public interface StateStore {
    /** Persists the state durably before returning. */
    void save(AgentState state) throws IOException;
}
