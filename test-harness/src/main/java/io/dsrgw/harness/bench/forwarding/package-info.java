/**
 * {@code scripts/bench forwarding}: the forwarding rate of the gateway (TUN and XDP ingress) against the kernel's
 * own forwarding and a minimal XDP encapsulator, on one namespace path (see {@link
 * io.dsrgw.harness.bench.forwarding.ForwardingBenchmark}). A benchmark, not a test: never run by the build. Its
 * pure parts (frames, statistics, report, chart) are unit-tested.
 *
 * <p>Threading: the main thread drives the rounds; {@link io.dsrgw.harness.bench.forwarding.PacketGenerator} owns
 * one platform thread (moved into the source namespace, pinned to CPU0) and publishes its counters as volatile
 * longs. Everything else is single-threaded.
 */
package io.dsrgw.harness.bench.forwarding;
