/**
 * HOCON configuration of the gateway ({@code dsrgw.gateway}) and the backend agent ({@code dsrgw.agent}):
 * {@link io.dsrgw.conf.ConfigLoader} turns a file into validated immutable records, reporting every problem at
 * once as {@code file:line path: value (expected: ...)}; {@code reference.conf} holds and documents every
 * default; {@link io.dsrgw.conf.CheckConfig} backs the {@code check-config} commands.
 *
 * <p>Threading: records are immutable and safe to share; the loader is stateless and thread-safe. Control
 * plane only: nothing here is on the per-packet path. Addresses are parsed as literals, never resolved.
 */
package io.dsrgw.conf;
