package io.dsrgw.linux;

/**
 * Result of a capability probe: whether a kernel feature is usable here and, when not, why.
 *
 * @param available true when the feature works
 * @param cause     null when available; otherwise the reason, e.g. {@code "open(/dev/net/tun): ENOENT (No such
 *                  file or directory)"}
 */
public record Probe(boolean available, String cause) {
    public Probe {
        if (available && cause != null) {
            throw new IllegalArgumentException("an available probe has no cause: " + cause);
        }
        if (!available && (cause == null || cause.isEmpty())) {
            throw new IllegalArgumentException("an unavailable probe needs a cause");
        }
    }

    /** An available probe. */
    public static Probe ok() {
        return new Probe(true, null);
    }

    /** An unavailable probe with its cause. */
    public static Probe unavailable(String cause) {
        return new Probe(false, cause);
    }

    @Override
    public String toString() {
        return available ? "available" : "unavailable: " + cause;
    }
}
