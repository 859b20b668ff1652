/**
 * Announcing the VIPs to the routers (issue 12, DESIGN.md decision 14): the gateway keeps one route per announced
 * VIP address ({@code /32}, {@code /128}, {@code dev <ingress device>}) in kernel routing table
 * {@code announce.table}; BIRD on the same host learns that table ({@code protocol kernel { learn; ... }}) and
 * exports it over BGP with BFD, and the routers spread flows over the gateways by ECMP. The gateway never speaks
 * BGP: it drives BIRD through the kernel table, as GitHub's GLB Director does.
 * <ul>
 *   <li>{@link io.dsrgw.gateway.announce.Announcer}: which addresses are announced and why not (health from the
 *       published snapshots, the operator's drain-gateway, startup and stopping), carried out through a
 *       {@link io.dsrgw.gateway.announce.RouteTable};</li>
 *   <li>{@link io.dsrgw.gateway.announce.IpRouteTable}: the production route table ({@code ip route replace/del
 *       ... table N}).</li>
 * </ul>
 *
 * <p>Threading: the announcer's methods are synchronized and may be called from any thread; in production the
 * control thread calls {@code update} with every published snapshot, the admin surfaces call
 * {@code drain}/{@code undrain}, and the shutdown hook calls {@code stop}. Route commands run under the announcer's
 * lock (a few per change, never on the data path).
 */
package io.dsrgw.gateway.announce;
