package io.dsrgw.gateway.health;

/** Outcome of one health probe. */
public enum ProbeResult {
    /** The backend answered as expected (connected; expected HTTP status; agent "ready"). */
    SUCCESS,
    /** The agent answered "draining": alive, but it asks for no new flows (existing ones continue). */
    DRAINING,
    /** No answer in time, refused, wrong status, or the agent answered "not-ready". */
    FAILURE
}
