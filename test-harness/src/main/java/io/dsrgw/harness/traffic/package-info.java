/**
 * Traffic for end-to-end tests and the demo: {@link io.dsrgw.harness.traffic.BackendHttpServer} (a main run
 * on each backend: GET name / blob, POST upload digest; optionally {@link io.dsrgw.harness.traffic.UdpEchoServer}s
 * in the same JVM), the deterministic {@link io.dsrgw.harness.traffic.Blob} payload,
 * {@link io.dsrgw.harness.traffic.Curl} (curl inside the client namespace, results parsed),
 * {@link io.dsrgw.harness.traffic.UdpProbe} (one large, client-fragmented datagram and its echo, as a JVM in the
 * client namespace) and {@link io.dsrgw.harness.traffic.Ping}.
 *
 * <p>Threading: Curl, Ping, UdpProbe and Blob are stateless; the HTTP server uses the JDK HTTP server's executor,
 * each UDP echo socket one daemon thread.
 */
package io.dsrgw.harness.traffic;
