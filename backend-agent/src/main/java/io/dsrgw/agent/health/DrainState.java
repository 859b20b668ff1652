package io.dsrgw.agent.health;

import java.time.Instant;

/**
 * The drain flag as read from the {@link DrainFile}.
 *
 * @param drained  true when an operator drained this server
 * @param since    when it was drained (null when not drained)
 * @param problem  why the file could not be read (null when it could); the endpoint then answers not ready
 *                 rather than guess the operator's intent
 */
public record DrainState(boolean drained, Instant since, String problem) {
    /** No drain file. */
    public static final DrainState NOT_DRAINED = new DrainState(false, null, null);

    /** Drained since {@code since}. */
    public static DrainState drainedSince(Instant since) {
        return new DrainState(true, since, null);
    }

    /** The file exists but cannot be read or parsed. */
    public static DrainState unreadable(String problem) {
        return new DrainState(false, null, problem);
    }
}
