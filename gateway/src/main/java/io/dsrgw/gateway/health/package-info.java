/**
 * Backend health: a dampened state machine per backend ({@link io.dsrgw.gateway.health.BackendHealth}), the
 * thread-safe registry the control plane reads ({@link io.dsrgw.gateway.health.HealthState}), and active probes
 * (TCP connect, HTTP GET, agent readiness) on Netty 4.2 epoll event loops
 * ({@link io.dsrgw.gateway.health.HealthChecker}).
 *
 * <p>Threading: probes run and complete on the checker's event loops; results go into {@code HealthState}, whose
 * methods are synchronized (a few thousand results per second at most: control plane, never the packet path). A
 * change of a backend's health calls the listener on the probing event loop; the listener must hand off (it
 * triggers a snapshot rebuild on the control thread). Nothing here is touched by data-plane workers, which only
 * see the snapshots built from it.
 */
package io.dsrgw.gateway.health;
