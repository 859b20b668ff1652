package io.dsrgw.agent.health;

/** What the readiness endpoint answers; {@link #id()} is the {@code state} field of its JSON. */
public enum ReadinessState {
    /** Everything the agent manages is in place and the server is not drained: take new flows. */
    READY("ready", 200),
    /** An operator drained this server: no new flows, but the VIPs stay so that open connections finish. */
    DRAINING("draining", 503),
    /** Something the agent manages is missing or could not be checked (the reasons say what). */
    NOT_READY("not-ready", 503);

    private final String id;
    private final int httpStatus;

    ReadinessState(String id, int httpStatus) {
        this.id = id;
        this.httpStatus = httpStatus;
    }

    /** The JSON/state name, e.g. {@code not-ready}. */
    public String id() {
        return id;
    }

    /** The HTTP status of {@code GET /ready}: 200 only when ready, so that any HTTP health check works. */
    public int httpStatus() {
        return httpStatus;
    }
}
