package io.dsrgw.gateway.control;

import io.dsrgw.gateway.health.BackendKey;

/** Outcome of an override command: the backend, its override now, the snapshot generation running. */
public record OverrideResult(BackendKey key, OperatorOverride override, long generation) {
}
