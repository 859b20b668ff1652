package io.dsrgw.agent.plan;

import io.dsrgw.agent.state.AgentState;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * Applies a {@link Plan} step by step, write-ahead: ownership (a created address or device, a
 * sysctl's old value) is persisted BEFORE the change, and rolled back in the record if the change
 * fails. A crash therefore never leaves something the agent created unrecorded; a record of
 * something that never got created is harmless, because teardown only removes what still exists.
 */
public final class PlanExecutor {
    private final Host host;
    private final StateStore store;

    public PlanExecutor(Host host, StateStore store) {
        this.host = host;
        this.store = store;
    }

    /**
     * Executes every operation in order, stopping at the first failure.
     *
     * @param state      what the agent owns now
     * @param onExecuted called after each successful operation (for logging)
     * @return what the agent owns afterwards
     * @throws PlanExecutionException "step 3/7: ip tuntap add dev dsrdecap0 mode tun: exit 1: ioctl(TUNSETIFF): ..."
     */
    public AgentState execute(Plan plan, AgentState state, Consumer<Operation> onExecuted)
            throws PlanExecutionException {
        int step = 0;
        for (Operation op : plan.operations()) {
            step++;
            try {
                state = execute(op, state);
            } catch (StepFailure f) {
                throw new PlanExecutionException("step " + step + "/" + plan.operations().size() + ": "
                        + f.getMessage(), f.state, f.getCause());
            }
            onExecuted.accept(op);
        }
        return state;
    }

    private AgentState execute(Operation op, AgentState before) throws StepFailure {
        AgentState state = before;
        try {
            switch (op) {
                case Operation.AddAddress a -> {
                    state = save(state.withCreatedAddress(a.address().toOwned()));
                    CommandResult r = host.run(op.argv());
                    if (!r.ok()) {
                        throw new StepFailure(r.failureMessage(), save(state.withoutCreatedAddress(a.address().toOwned())));
                    }
                }
                case Operation.DeleteAddress a -> {
                    runChecked(op, state);
                    state = save(state.withoutCreatedAddress(a.address().toOwned()));
                }
                case Operation.CreateTunDevice c -> {
                    state = save(state.withCreatedDevice(new AgentState.Device(c.name(), "tun")));
                    CommandResult r = host.run(op.argv());
                    if (!r.ok()) {
                        throw new StepFailure(r.failureMessage(), save(state.withoutCreatedDevice(c.name())));
                    }
                }
                case Operation.CreateTunnelDevice c -> {
                    AgentState.Device owned = new AgentState.Device(c.device().name(), c.device().kind().id());
                    state = save(state.withCreatedDevice(owned));
                    CommandResult r = host.run(op.argv());
                    if (!r.ok()) {
                        throw new StepFailure(r.failureMessage(), save(state.withoutCreatedDevice(owned.name())));
                    }
                }
                case Operation.SetMtu s -> {
                    runChecked(op, state);
                }
                case Operation.DeleteDevice d -> {
                    runChecked(op, state);
                    state = save(state.withoutCreatedDevice(d.name()));
                }
                case Operation.SetAddrGenModeNone s -> {
                    runChecked(op, state);
                }
                case Operation.SetLinkUp s -> {
                    runChecked(op, state);
                }
                case Operation.SetSysctl s -> {
                    String old = host.readSysctl(s.key());
                    if (old == null) {
                        throw new StepFailure(op.describe() + ": no such sysctl (/proc/sys/"
                                + s.key().replace('.', '/') + " does not exist)", state);
                    }
                    state = save(state.withSysctlOldValue(s.key(), old));
                    host.writeSysctl(s.key(), s.value());
                }
                case Operation.ReplaceNftTable t -> {
                    runChecked(op, state);
                }
                case Operation.DeleteNftTable d -> {
                    runChecked(op, state);
                }
                case Operation.AddFouPort f -> {
                    state = save(state.withCreatedFouPort(f.port().toOwned()));
                    CommandResult r = host.run(op.argv());
                    if (!r.ok()) {
                        throw new StepFailure(r.failureMessage(), save(state.withoutCreatedFouPort(f.port().toOwned())));
                    }
                }
                case Operation.DeleteFouPort f -> {
                    runChecked(op, state);
                    state = save(state.withoutCreatedFouPort(f.port().toOwned()));
                }
                case Operation.RestoreSysctl r -> {
                    host.writeSysctl(r.key(), r.value());
                    state = save(state.withoutSysctl(r.key()));
                }
            }
        } catch (IOException e) {
            StepFailure f = new StepFailure(op.describe() + ": " + e.getMessage(), state);
            f.initCause(e);
            throw f;
        }
        return state;
    }

    private void runChecked(Operation op, AgentState state) throws IOException, StepFailure {
        CommandResult r = host.run(op.argv());
        if (!r.ok()) {
            throw new StepFailure(r.failureMessage(), state);
        }
    }

    private AgentState save(AgentState state) throws IOException {
        store.save(state);
        return state;
    }

    /** Internal: carries the state at the failure point out of the switch. */
    private static final class StepFailure extends Exception {
        final transient AgentState state;

        StepFailure(String message, AgentState state) {
            super(message);
            this.state = state;
        }
    }
}
