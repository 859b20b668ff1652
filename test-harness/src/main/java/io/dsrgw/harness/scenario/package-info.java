/**
 * End-to-end DSR scenarios over a {@link io.dsrgw.harness.netns.Topology}: the real {@code dsr-gateway run} and
 * {@code dsr-agent run} processes from their built distributions, an HTTP server per backend bound to the VIP,
 * and nftables counters that prove the direct-return path. Shared by the {@code *IT} tests and the demo.
 *
 * <p>Threading: a {@link io.dsrgw.harness.scenario.DsrScenario} is driven by one thread; its {@code close()} may
 * also run from the shutdown hook (through the resources it registered).
 */
package io.dsrgw.harness.scenario;
