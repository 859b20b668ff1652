package io.dsrgw.gateway.health;

/**
 * The dampened health of one backend: {@code fall} consecutive failures take an up backend down, {@code rise}
 * consecutive successes bring a down backend up, so one lost probe does not flap it (GLB director, HAProxy).
 * An agent's "draining" answer counts as a success for liveness and sets the drain flag at once: it is an
 * operator's explicit command on the server, not a symptom to be confirmed; "ready" clears it at once.
 *
 * <p>Not thread-safe: guarded by {@link HealthState}.
 */
public final class BackendHealth {
    private final int rise;
    private final int fall;
    private boolean up;
    private boolean agentDraining;
    private int successes;
    private int failures;
    private long checks;
    private long transitions;
    private String lastDetail = "";
    /** The detail of the last failed probe ("" before any): why a down backend is down (dsrctl backends). */
    private String lastFailure = "";

    /**
     * @param rise      consecutive successes to come up (>= 1)
     * @param fall      consecutive failures to go down (>= 1)
     * @param initiallyUp whether the backend starts up: true at gateway start (a restart must not drop traffic
     *                  for rise x interval), false for a backend added by reload (it has to prove itself first)
     */
    public BackendHealth(int rise, int fall, boolean initiallyUp) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise " + rise + ", fall " + fall + " (expected: both >= 1)");
        }
        this.rise = rise;
        this.fall = fall;
        this.up = initiallyUp;
    }

    /** Issue 13: how long the last probe took (seconds), NaN until one with a known duration was recorded. */
    private double lastProbeSeconds = Double.NaN;

    /** As {@link #record(ProbeResult, String)}, with the probe's duration ({@code durationNs} < 0: unknown). */
    public boolean record(ProbeResult result, String detail, long durationNs) {
        if (durationNs >= 0) {
            lastProbeSeconds = durationNs / 1e9;
        }
        return record(result, detail);
    }

    /** Duration of the last timed probe in seconds, NaN when none was timed. */
    public double lastProbeSeconds() {
        return lastProbeSeconds;
    }

    /** Counts one probe result; returns true when {@link #health()} changed. */
    public boolean record(ProbeResult result, String detail) {
        Health before = health();
        checks++;
        lastDetail = detail == null ? "" : detail;
        if (result == ProbeResult.FAILURE) {
            lastFailure = lastDetail;
            successes = 0;
            failures++;
            if (up && failures >= fall) {
                up = false;
            }
        } else {
            failures = 0;
            successes++;
            if (!up && successes >= rise) {
                up = true;
            }
            agentDraining = result == ProbeResult.DRAINING;
        }
        if (health() != before) {
            transitions++;
            return true;
        }
        return false;
    }

    /** How often {@link #health()} changed (health transitions; a rise/fall tuning aid). */
    public long transitions() {
        return transitions;
    }

    /** UP, DRAINING (up and the agent asks to drain) or DOWN. */
    public Health health() {
        if (!up) {
            return Health.DOWN;
        }
        return agentDraining ? Health.DRAINING : Health.UP;
    }

    public int rise() {
        return rise;
    }

    public int fall() {
        return fall;
    }

    /** Probes counted so far. */
    public long checks() {
        return checks;
    }

    /** Detail of the last failed probe, e.g. "connect: Connection refused" ("" before any failure). */
    public String lastFailure() {
        return lastFailure;
    }

    /** Detail of the last probe, e.g. "connect: Connection refused" or "HTTP 200". */
    public String lastDetail() {
        return lastDetail;
    }

    /** Consecutive successes (or draining answers) up to now. */
    public int successes() {
        return successes;
    }

    /** Consecutive failures up to now. */
    public int failures() {
        return failures;
    }
}
