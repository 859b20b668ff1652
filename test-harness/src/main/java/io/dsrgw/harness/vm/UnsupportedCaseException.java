package io.dsrgw.harness.vm;

import java.io.IOException;

/** The gateway refused a tunnel case as "not supported yet"; tests report the case as skipped with this reason. */
public final class UnsupportedCaseException extends IOException {
    private final TunnelCase tunnelCase;

    public UnsupportedCaseException(TunnelCase tunnelCase, String gatewayMessage) {
        super(tunnelCase + " (" + tunnelCase.describe() + "): the gateway says: " + gatewayMessage);
        this.tunnelCase = tunnelCase;
    }

    public TunnelCase tunnelCase() {
        return tunnelCase;
    }
}
