/**
 * End-to-end DSR scenarios over a {@link io.dsrgw.harness.netns.Topology}: the real {@code dsr-gateway run} and
 * {@code dsr-agent run} processes from their built distributions, traffic servers on every backend, and
 * nftables counters that prove the direct-return path. Shared by the {@code *IT} tests and the demo.
 * {@link io.dsrgw.harness.scenario.DsrScenario} is the issue-2 scenario (one IPv4 VIP, ipip);
 * {@link io.dsrgw.harness.scenario.TunnelMatrixScenario} the issue-3 one (one VIP per
 * {@link io.dsrgw.harness.scenario.TunnelCombination}, dual stack, evidence per VIP as
 * {@link io.dsrgw.harness.scenario.TunnelEvidence}). The issue-5 tests reuse DsrScenario with their own gateway
 * config ({@link io.dsrgw.harness.scenario.ScenarioConfigs#vips}), gateway restarts and backend server kills, and
 * attribute flows to backends offline with {@link io.dsrgw.harness.scenario.FlowReplay}
 * ({@code dsr-gateway replay} of a pcap of SYNs).
 *
 * <p>Threading: a scenario is driven by one thread; its {@code close()} may also run from the shutdown hook
 * (through the resources it registered).
 */
package io.dsrgw.harness.scenario;
