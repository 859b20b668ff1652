/**
 * The gateway as a systemd service ({@code dist/systemd/dsr-gateway.service}, {@code Type=notify}): readiness,
 * status line, reload notifications and a watchdog fed by the data plane's liveness ({@link
 * io.dsrgw.gateway.service.GatewayService}).
 */
package io.dsrgw.gateway.service;
