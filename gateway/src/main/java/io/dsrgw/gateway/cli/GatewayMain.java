package io.dsrgw.gateway.cli;

/** Entry point of the {@code dsr-gateway} command. */
public final class GatewayMain {
    private GatewayMain() {
    }

    public static void main(String[] args) {
        System.err.println("dsr-gateway: not built yet");
        System.exit(2);
    }
}
