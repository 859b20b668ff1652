/**
 * The {@code dsr-gateway} command: {@code run}, {@code replay}, {@code check-config}. Exit codes: 0 ok, 1 runtime
 * or config error (message on stderr, never a stack trace for an expected error), 2 bad usage (with the usage
 * text).
 *
 * <p>Threading: commands run on the main thread; {@code run} starts one worker thread per TUN queue and does its
 * cleanup (stop workers, remove routes and device, print counters) in a JVM shutdown hook.
 */
package io.dsrgw.gateway.cli;
