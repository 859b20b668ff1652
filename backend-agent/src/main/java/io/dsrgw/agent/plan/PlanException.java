package io.dsrgw.agent.plan;

/**
 * The configuration cannot be turned into a plan: a feature this release does not support, or a
 * conflict with something on the host the agent must not touch. The message says which and what
 * was expected.
 */
public final class PlanException extends Exception {
    public PlanException(String message) {
        super(message);
    }
}
