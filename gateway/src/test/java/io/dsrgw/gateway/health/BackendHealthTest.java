package io.dsrgw.gateway.health;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendHealthTest {
    @Test
    void shouldGoDownOnlyAfterFallConsecutiveFailures() {
        BackendHealth h = new BackendHealth(2, 3, true);
        assertFalse(h.record(ProbeResult.FAILURE, "x"));
        assertFalse(h.record(ProbeResult.FAILURE, "x"));
        assertFalse(h.record(ProbeResult.SUCCESS, "ok"), "a success resets the failure count");
        assertFalse(h.record(ProbeResult.FAILURE, "x"));
        assertFalse(h.record(ProbeResult.FAILURE, "x"));
        assertEquals(Health.UP, h.health());
        assertTrue(h.record(ProbeResult.FAILURE, "x"));
        assertEquals(Health.DOWN, h.health());
    }

    @Test
    void shouldComeUpOnlyAfterRiseConsecutiveSuccesses() {
        BackendHealth h = new BackendHealth(2, 1, false);
        assertEquals(Health.DOWN, h.health());
        assertFalse(h.record(ProbeResult.SUCCESS, "ok"));
        assertFalse(h.record(ProbeResult.FAILURE, "x"));
        assertFalse(h.record(ProbeResult.SUCCESS, "ok"));
        assertTrue(h.record(ProbeResult.SUCCESS, "ok"));
        assertEquals(Health.UP, h.health());
    }

    @Test
    void shouldDrainAtOnceOnTheAgentsWordAndUndrainAtOnce() {
        BackendHealth h = new BackendHealth(3, 3, true);
        assertTrue(h.record(ProbeResult.DRAINING, "agent draining"));
        assertEquals(Health.DRAINING, h.health());
        assertTrue(h.record(ProbeResult.SUCCESS, "agent ready"));
        assertEquals(Health.UP, h.health());
    }

    @Test
    void shouldNotifyTheVipOnlyOnAChangeAndKeepStateAcrossRetain() {
        HealthState state = new HealthState();
        List<String> changes = new ArrayList<>();
        state.onVipChange(changes::add);
        BackendKey a = new BackendKey("web", "10.0.3.1");
        BackendKey b = new BackendKey("web", "10.0.3.2");
        state.track(a, 1, 1, true);
        state.track(b, 1, 1, true);
        state.record(a, ProbeResult.SUCCESS, "ok");
        state.record(a, ProbeResult.FAILURE, "refused");
        state.record(a, ProbeResult.FAILURE, "refused");
        assertEquals(List.of("web"), changes);
        assertEquals(Health.DOWN, state.health(a));
        assertFalse(state.track(a, 1, 1, true), "a reload keeps the state of a remaining backend");
        assertEquals(Health.DOWN, state.health(a));
        state.retain(Set.of(a));
        assertEquals(Set.of(a), state.snapshot().keySet());
        state.record(b, ProbeResult.FAILURE, "late probe of a removed backend");
        assertEquals(1, changes.size());
        assertEquals(Health.UP, state.health(new BackendKey("api", "10.0.3.9")), "unchecked backends are trusted");
        assertEquals("refused", state.lastDetail(a));
    }

    @Test
    void shouldReadTheAgentReadinessFormat() {
        String[] why = new String[1];
        assertEquals(ProbeResult.SUCCESS, AgentReadiness.interpret(200, "{\"state\":\"ready\"}", why));
        assertEquals(ProbeResult.DRAINING, AgentReadiness.interpret(200, "{ \"state\" : \"draining\" }", why));
        // What the agent really answers when drained (backend-agent HealthServer): 503 with state draining.
        String drained = "{\"state\":\"draining\",\"drainedSince\":\"2026-11-22T02:00:00Z\"}";
        assertEquals(ProbeResult.DRAINING, AgentReadiness.interpret(503, drained, why));
        assertEquals(ProbeResult.FAILURE, AgentReadiness.interpret(503,
                "{\"state\":\"not-ready\",\"reasons\":[\"vip missing\"]}", why));
        assertEquals("agent HTTP 503 state not-ready", why[0]);
        assertEquals(ProbeResult.FAILURE, AgentReadiness.interpret(200, "{}", why));
        assertEquals("agent HTTP 200 state missing (expected: 200 ready, 200/503 draining or 503 not-ready)", why[0]);
        assertEquals(ProbeResult.FAILURE, AgentReadiness.interpret(503, "{\"state\":\"ready\"}", why),
                "status and state must agree");
    }
}
