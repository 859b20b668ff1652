package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;
import io.dsrgw.agent.state.StateFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One reconcile step of the agent, whatever the mode: load ownership from the state file, read the
 * host, plan, execute. {@code apply}, every periodic re-check of {@code run}, and {@code down} go
 * through here; a mode only contributes its {@link DesiredState}.
 */
public final class Reconciler {
    private final Host host;
    private final DesiredState desired;
    private final Path stateFile;

    /**
     * @param desired   what the host should look like (null is allowed for {@link #down} only)
     * @param stateFile where ownership is recorded
     */
    public Reconciler(Host host, DesiredState desired, Path stateFile) {
        this.host = host;
        this.desired = desired;
        this.stateFile = stateFile;
    }

    /** What the agent owns now ({@link AgentState#EMPTY} when there is no state file). */
    public AgentState owned() throws IOException {
        return StateFile.load(stateFile).orElse(AgentState.EMPTY);
    }

    /** True when the state file exists. */
    public boolean stateFileExists() {
        return java.nio.file.Files.exists(stateFile);
    }

    /** The plan that would make the host match; empty when it does. Changes nothing. */
    public Plan plan() throws IOException, PlanException {
        AgentState owned = owned();
        return Planner.plan(desired, ObservedStateReader.read(host, desired, owned));
    }

    /**
     * Plans and executes; ownership is persisted step by step.
     *
     * @param onExecuted called after each successful operation
     * @return the executed operations (empty when the host already matched)
     */
    public List<Operation> apply(Consumer<Operation> onExecuted)
            throws IOException, PlanException, PlanExecutionException {
        AgentState owned = owned();
        Plan plan = Planner.plan(desired, ObservedStateReader.read(host, desired, owned));
        List<Operation> executed = new ArrayList<>();
        if (!plan.isEmpty()) {
            new PlanExecutor(host, s -> StateFile.save(stateFile, s)).execute(plan, owned, op -> {
                executed.add(op);
                onExecuted.accept(op);
            });
        }
        return executed;
    }

    /**
     * Removes what the state file says the agent created and that still exists, restores the recorded
     * sysctls, then deletes the state file. Without a state file there is nothing to undo.
     *
     * @return the executed operations
     */
    public List<Operation> down(Consumer<Operation> onExecuted) throws IOException, PlanExecutionException {
        AgentState owned = owned();
        List<Operation> executed = new ArrayList<>();
        Plan plan = Planner.teardown(ObservedStateReader.read(host, null, owned));
        new PlanExecutor(host, s -> StateFile.save(stateFile, s)).execute(plan, owned, op -> {
            executed.add(op);
            onExecuted.accept(op);
        });
        StateFile.delete(stateFile);
        return executed;
    }
}
