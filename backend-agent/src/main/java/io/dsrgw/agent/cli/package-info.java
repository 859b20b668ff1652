/**
 * The {@code dsr-agent} command: {@code plan | apply | run | down | status | drain | undrain | check-config}.
 * Exit codes: 0 ok, 1 runtime or configuration error (message on stderr), 2 bad usage.
 *
 * <p>Threading: commands run on the main thread; {@code run} adds the decapsulating thread and
 * reconciles on the main thread, plus the readiness endpoint's event loop ({@code io.dsrgw.agent.health}).
 */
package io.dsrgw.agent.cli;
