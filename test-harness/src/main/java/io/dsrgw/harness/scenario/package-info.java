/**
 * End-to-end DSR scenarios over a {@link io.dsrgw.harness.netns.Topology}: the real {@code dsr-gateway run} and
 * {@code dsr-agent run} processes from their built distributions, traffic servers on every backend, and
 * nftables counters that prove the direct-return path. Shared by the {@code *IT} tests and the demo.
 * {@link io.dsrgw.harness.scenario.DsrScenario} is the issue-2 scenario (one IPv4 VIP, ipip);
 * {@link io.dsrgw.harness.scenario.TunnelMatrixScenario} the issue-3 one (one VIP per
 * {@link io.dsrgw.harness.scenario.TunnelCombination}, dual stack, evidence per VIP as
 * {@link io.dsrgw.harness.scenario.TunnelEvidence}).
 *
 * <p>Threading: a scenario is driven by one thread; its {@code close()} may also run from the shutdown hook
 * (through the resources it registered).
 */
package io.dsrgw.harness.scenario;
