/**
 * Traffic for end-to-end tests and the demo: {@link io.dsrgw.harness.traffic.BackendHttpServer} (a main run
 * on each backend, bound to the VIP), the deterministic {@link io.dsrgw.harness.traffic.Blob} payload and
 * {@link io.dsrgw.harness.traffic.Curl}, which runs curl inside the client namespace and parses its results.
 *
 * <p>Threading: Curl and Blob are stateless; the server uses the JDK HTTP server's executor.
 */
package io.dsrgw.harness.traffic;
