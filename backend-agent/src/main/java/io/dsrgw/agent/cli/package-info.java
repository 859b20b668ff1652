/**
 * The {@code dsr-agent} command: {@code plan | apply | run | down | status | check-config}.
 * Exit codes: 0 ok, 1 runtime or configuration error (message on stderr), 2 bad usage.
 *
 * <p>Threading: commands run on the main thread; {@code run} adds the decapsulating thread and
 * reconciles on the main thread.
 */
package io.dsrgw.agent.cli;
