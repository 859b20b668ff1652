/**
 * What the agent owns on the host: the addresses and devices it created and each sysctl's value
 * before the agent first changed it, persisted in the state file so that {@code dsr-agent down}
 * undoes exactly that and nothing else.
 *
 * <p>Threading: {@link io.dsrgw.agent.state.AgentState} is immutable; {@link io.dsrgw.agent.state.StateFile}
 * is stateless, but only one agent process may own one state file (callers serialise their writes).
 */
package io.dsrgw.agent.state;
