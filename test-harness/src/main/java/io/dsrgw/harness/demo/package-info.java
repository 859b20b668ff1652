/**
 * The demo ({@code scripts/demo}): one topology, the real gateway and agents, requests spread over the backends
 * and the counters that show replies bypassing the gateway. Single-threaded; Ctrl-C cleans up through the
 * harness's shutdown hook.
 */
package io.dsrgw.harness.demo;
