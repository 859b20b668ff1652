/**
 * Scale-out through BGP (issue 12): {@link io.dsrgw.harness.bird.ScaleOutLab} builds a client, a router running BIRD
 * with ECMP, two gateways each running BIRD and {@code dsr-gateway run} (announce.table = 200), and three backends
 * running {@code dsr-agent run} and an HTTP server, all in network namespaces the lab creates and deletes. The BIRD
 * configurations are the shipped examples (examples/bird/), with only the router id and the log target changed.
 *
 * <p>Threading: the lab is used from one test thread; load generators run on their own threads
 * ({@link io.dsrgw.harness.traffic.RequestLoad}).
 */
package io.dsrgw.harness.bird;
