/**
 * The control plane's reload path: {@link io.dsrgw.gateway.control.GatewayControl} owns the running config and
 * turns config reloads (file change via {@link io.dsrgw.gateway.control.ConfigWatcher}, SIGHUP via
 * {@link io.dsrgw.gateway.control.SighupReload}, or a call from the admin surface) and health changes into new
 * forwarding snapshots, published through the {@link io.dsrgw.gateway.dataplane.SnapshotHolder}.
 *
 * <p>Threading: every change is applied on one control thread ({@code dsrgw-control}), one at a time; the watcher,
 * the signal handler and health listeners only submit work to it. Parsing, validation, Maglev and snapshot
 * building all happen there, never on a data-plane worker; workers pick the new snapshot up between batches.
 */
package io.dsrgw.gateway.control;
