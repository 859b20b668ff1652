package io.dsrgw.gateway.control;

/**
 * An operator override of one backend ({@code dsrctl drain|undrain|maint|unmaint|weight}).
 *
 * <p>Drain and maintenance differ in what happens to flows already pinned to the backend: drained, the backend
 * takes no new flows and its pinned flows finish there (state {@code draining}); in maintenance it takes no traffic
 * at all, as if down: the data plane re-hashes its pinned flows to other backends at once (state {@code down}).
 *
 * @param drained true after dsrctl drain (until undrain)
 * @param maint   true after dsrctl maint (until unmaint)
 * @param weight  weight replacing the configured one, or -1 for none ({@code dsrctl weight ... reset})
 */
public record OperatorOverride(boolean drained, boolean maint, int weight) {
    /** No override. */
    public static final OperatorOverride NONE = new OperatorOverride(false, false, -1);

    /** Drain and weight only (no maintenance). */
    public OperatorOverride(boolean drained, int weight) {
        this(drained, false, weight);
    }

    public boolean isNone() {
        return !drained && !maint && weight < 0;
    }

    OperatorOverride withDrained(boolean d) {
        return new OperatorOverride(d, maint, weight);
    }

    OperatorOverride withMaint(boolean m) {
        return new OperatorOverride(drained, m, weight);
    }

    OperatorOverride withWeight(int w) {
        return new OperatorOverride(drained, maint, w);
    }

    /** {@code -}, or the parts in force joined by commas: {@code maint}, {@code drained}, {@code weight=N}. */
    public String column() {
        if (isNone()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        if (maint) {
            sb.append("maint");
        }
        if (drained) {
            sb.append(sb.isEmpty() ? "" : ",").append("drained");
        }
        if (weight >= 0) {
            sb.append(sb.isEmpty() ? "" : ",").append("weight=").append(weight);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return isNone() ? "none" : column().replace(",", ", ").replace("weight=", "weight ");
    }
}
