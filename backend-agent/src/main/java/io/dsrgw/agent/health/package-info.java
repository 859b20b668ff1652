/**
 * The agent's readiness endpoint and drain flag.
 *
 * <p>{@code dsr-agent run} serves {@code GET /ready} (alias {@code /healthz}) and {@code GET /status} on
 * {@code health.listen} ({@link HealthServer}): 200 {@code {"state":"ready"}} when the reconciler's last
 * read-back of the host found nothing to change and the server is not drained, 503
 * {@code {"state":"draining"}} after {@code dsr-agent drain}, 503 {@code {"state":"not-ready","reasons":[...]}}
 * with the exact drift otherwise. The gateway's agent health check reads it; draining only changes the answer
 * (the VIPs stay, so open connections finish).
 *
 * <p>The drain flag is a file next to the state file ({@link DrainFile}), so it survives restarts;
 * {@link DrainWatcher} notices changes by polling its attributes.
 *
 * <p>Threading: {@link HealthServer} runs one epoll event loop thread that answers requests and polls the drain
 * file. {@link AgentHealth} is written by the reconciling (main) thread and read by that event loop through
 * volatile fields only; its reads never block and never run a command.
 */
package io.dsrgw.agent.health;
