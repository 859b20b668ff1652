/**
 * The agent as a reconciler: configuration -> {@link io.dsrgw.agent.plan.DesiredState} -> read the host
 * ({@link io.dsrgw.agent.plan.ObservedState}) -> a pure {@link io.dsrgw.agent.plan.Planner} computes a
 * {@link io.dsrgw.agent.plan.Plan} of idempotent {@link io.dsrgw.agent.plan.Operation}s -> the
 * {@link io.dsrgw.agent.plan.PlanExecutor} applies them through a {@link io.dsrgw.agent.plan.Host},
 * recording ownership in the state file before each change.
 *
 * <p>Modes (userspace today, kernel later) differ only in the desired state they build; planning and
 * execution are shared. Threading: everything here is control plane, used by one thread at a time;
 * the records are immutable.
 */
package io.dsrgw.agent.plan;
