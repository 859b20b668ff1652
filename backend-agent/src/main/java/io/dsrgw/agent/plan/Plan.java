package io.dsrgw.agent.plan;

import java.util.List;

/**
 * An ordered list of operations that takes the host from its observed state to the desired one.
 * Empty when the host already matches.
 */
public record Plan(List<Operation> operations) {
    /** The empty plan. */
    public static final Plan EMPTY = new Plan(List.of());

    public Plan {
        operations = List.copyOf(operations);
    }

    /** True when nothing needs to change. */
    public boolean isEmpty() {
        return operations.isEmpty();
    }

    /** One command per operation, in order. */
    public List<String> describe() {
        return operations.stream().map(Operation::describe).toList();
    }

    @Override
    public String toString() {
        return isEmpty() ? "nothing to change" : String.join("\n", describe());
    }
}
