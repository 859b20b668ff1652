package io.dsrgw.gateway.control;

import sun.misc.Signal;

/**
 * SIGHUP -> {@link GatewayControl#requestReload(String)}, the Unix convention for "re-read your config".
 * {@code sun.misc.Signal} (module jdk.unsupported) is the only JDK way to handle a signal; the JVM itself does
 * not use SIGHUP except to run shutdown hooks, which this handler replaces (a gateway must not exit when its
 * controlling terminal goes away).
 */
public final class SighupReload {
    private SighupReload() {
    }

    /** Installs the handler; returns false (and the reason in the log) when the JVM refuses it. */
    public static boolean install(GatewayControl control) {
        try {
            Signal.handle(new Signal("HUP"), s -> control.requestReload("SIGHUP"));
            return true;
        } catch (IllegalArgumentException e) {
            org.slf4j.LoggerFactory.getLogger(SighupReload.class).warn("cannot handle SIGHUP: {}", e.getMessage());
            return false;
        }
    }
}
