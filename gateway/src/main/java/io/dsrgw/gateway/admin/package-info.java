/**
 * The gateway's admin surfaces: the unix socket behind {@code dsrctl}
 * ({@link io.dsrgw.gateway.admin.AdminSocketServer},
 * one JSON request and reply per line) and the loopback HTTP endpoint ({@link io.dsrgw.gateway.admin.AdminHttpServer}:
 * Prometheus {@code /metrics}, {@code /api/status}). Both execute {@link io.dsrgw.gateway.admin.AdminCommands}.
 *
 * <p>Threading: each server has one Netty epoll I/O thread; socket commands run one at a time on the
 * {@code dsrgw-admin} thread and change state only through {@link io.dsrgw.gateway.control.GatewayControl}'s
 * synchronized methods. {@code explain} asks the data plane's {@link io.dsrgw.gateway.dataplane.BackendSelector},
 * which hands the question to each worker (answered between its batches) and waits up to a second per worker.
 * Nothing here is on the data path.
 */
package io.dsrgw.gateway.admin;
