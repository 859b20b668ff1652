/**
 * {@code scripts/bench floods}: hostile floods (SYN, non-VIP, ICMP errors and echo requests, too-big triggers,
 * martian sources) at the gateway of a real namespace scenario while legitimate HTTP requests run through it; see
 * {@link io.dsrgw.harness.bench.floods.FloodBenchmark}.
 */
package io.dsrgw.harness.bench.floods;
