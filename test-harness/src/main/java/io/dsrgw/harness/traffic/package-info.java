/**
 * Traffic for end-to-end tests and the demo: {@link io.dsrgw.harness.traffic.BackendHttpServer} (a main run
 * on each backend: GET name / blob, POST upload digest; optionally {@link io.dsrgw.harness.traffic.UdpEchoServer}s
 * in the same JVM), the deterministic {@link io.dsrgw.harness.traffic.Blob} payload,
 * {@link io.dsrgw.harness.traffic.Curl} (curl inside the client namespace, results parsed),
 * {@link io.dsrgw.harness.traffic.UdpProbe} (one large, client-fragmented datagram and its echo, as a JVM in the
 * client namespace) and {@link io.dsrgw.harness.traffic.Ping}. Load while things change:
 * {@link io.dsrgw.harness.traffic.RequestLoad} (a new connection per request, every request recorded with
 * timestamps, client port, backend or error, from threads moved into the client namespace) and
 * {@link io.dsrgw.harness.traffic.Wrk} (keep-alive load, summary parsed).
 *
 * <p>Threading: Curl, Ping, UdpProbe and Blob are stateless; the HTTP server uses the JDK HTTP server's executor,
 * each UDP echo socket one daemon thread; a RequestLoad runs its own platform threads (results are collected
 * thread-safely) and is started and stopped by one thread.
 */
package io.dsrgw.harness.traffic;
