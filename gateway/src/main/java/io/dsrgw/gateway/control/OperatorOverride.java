package io.dsrgw.gateway.control;

/**
 * An operator override of one backend ({@code dsrctl drain|undrain|weight}).
 *
 * @param drained true after dsrctl drain (until undrain)
 * @param weight  weight replacing the configured one, or -1 for none
 */
public record OperatorOverride(boolean drained, int weight) {
    /** No override. */
    public static final OperatorOverride NONE = new OperatorOverride(false, -1);

    public boolean isNone() {
        return !drained && weight < 0;
    }

    @Override
    public String toString() {
        return (drained ? "drained" : "") + (drained && weight >= 0 ? ", " : "")
                + (weight >= 0 ? "weight " + weight : "");
    }
}
