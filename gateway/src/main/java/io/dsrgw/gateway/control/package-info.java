/**
 * The control plane: it builds what the data plane reads. {@link io.dsrgw.gateway.control.GatewayControl} is the
 * facade and owns the control thread; each concern is its own class:
 * <ul>
 *   <li>reload — {@code ConfigReloader}: config file (change via {@link io.dsrgw.gateway.control.ConfigWatcher},
 *       SIGHUP via {@link io.dsrgw.gateway.control.SighupReload}, or the admin surface) -> validated -> diff ->
 *       new snapshot, or the old one kept with every error reported;</li>
 *   <li>operator overrides — {@code OperatorOverrides} ({@link io.dsrgw.gateway.control.OperatorOverride},
 *       {@link io.dsrgw.gateway.control.OverrideResult}): dsrctl drain / undrain / weight;</li>
 *   <li>removal grace — {@code RemovalGrace}: removed backends drain until their deadline;</li>
 *   <li>snapshot building — {@link io.dsrgw.gateway.control.SnapshotFactory} (config -> snapshot),
 *       {@link io.dsrgw.gateway.control.SnapshotContext} (ids and Maglev cache across builds),
 *       {@code SnapshotPublisher} (effective config -> generation -> the
 *       {@link io.dsrgw.gateway.dataplane.SnapshotHolder} workers read);</li>
 *   <li>health-check set — {@code ProbePlan}; listeners — {@code ControlListeners}; gauges —
 *       {@code ControlMetrics}.</li>
 * </ul>
 *
 * <p>Threading: every change is applied on one control thread ({@code dsrgw-control}), one at a time, under the
 * facade's lock; the watcher, the signal handler and health listeners only submit work to it. The concern classes
 * are not thread-safe and are reached only through the facade. Parsing, validation, Maglev and snapshot building
 * all happen here, never on a data-plane worker; workers pick the new snapshot up between batches.
 */
package io.dsrgw.gateway.control;
