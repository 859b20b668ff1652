/**
 * The {@code dsr-gateway} command: {@code run}, {@code replay}, {@code check-config}. Exit codes: 0 ok, 1 runtime
 * or config error (message on stderr, never a stack trace for an expected error), 2 bad usage (with the usage
 * text).
 */
package io.dsrgw.gateway.cli;
