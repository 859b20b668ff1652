package io.dsrgw.agent.health;

import io.dsrgw.agent.plan.Operation;
import io.dsrgw.agent.plan.Plan;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness from the read-back, the drain flag and staleness; the drain flag through a running endpoint. */
class AgentHealthTest {
    @TempDir
    Path dir;

    Instant now = Instant.parse("2026-11-22T02:40:00Z");
    final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    DrainFile drainFile() {
        return DrainFile.forStateFile(dir.resolve("state.conf"));
    }

    AgentHealth health() {
        return new AgentHealth(new DrainWatcher(drainFile()), clock, Duration.ofSeconds(60),
                Map.of("mode", "mode userspace: ipip"));
    }

    static Plan drift() {
        return new Plan(List.of(new Operation.SetSysctl("net.ipv4.conf.all.arp_ignore", "1")));
    }

    @Test
    void shouldNotBeReadyBeforeTheFirstReadBack() {
        Readiness r = health().readiness();

        assertEquals(ReadinessState.NOT_READY, r.state());
        assertEquals(List.of("not checked yet: the configuration is being applied"), r.reasons());
    }

    @Test
    void shouldBeReadyWhenTheReadBackPlansNothing() {
        AgentHealth h = health();
        h.checked(Plan.EMPTY);

        assertEquals(new Readiness(ReadinessState.READY, List.of(), now, null), h.readiness());
    }

    @Test
    void shouldListTheDriftAsReasons() {
        AgentHealth h = health();
        h.checked(drift());

        Readiness r = h.readiness();

        assertEquals(ReadinessState.NOT_READY, r.state());
        assertEquals(drift().describe(), r.reasons());
        assertEquals(List.of("sysctl -w net.ipv4.conf.all.arp_ignore=1"), r.reasons());
    }

    @Test
    void shouldNotBeReadyWhenTheHostCannotBeReadBack() {
        AgentHealth h = health();
        h.checkFailed("ip -j addr show dev lo: exit 1: Cannot find device");

        assertEquals(List.of("read-back failed: ip -j addr show dev lo: exit 1: Cannot find device"),
                h.readiness().reasons());
    }

    @Test
    void shouldNotBeReadyWhenTheLastReadBackIsStale() {
        AgentHealth h = health();
        h.checked(Plan.EMPTY);
        now = now.plusSeconds(61);

        Readiness r = h.readiness();

        assertEquals(ReadinessState.NOT_READY, r.state());
        assertEquals(List.of("last check 61 s ago (expected: within 60 s; the reconcile loop may be stuck)"),
                r.reasons());
    }

    @Test
    void shouldAnswerDrainingWhenDrainedEvenWithDriftAndShowTheDriftToo() throws IOException {
        drainFile().drain(now);
        AgentHealth h = health();
        h.checked(drift());

        Readiness r = h.readiness();

        assertEquals(ReadinessState.DRAINING, r.state());
        assertEquals(now, r.drainedSince());
        assertEquals(drift().describe(), r.reasons());
    }

    @Test
    void shouldNotBeReadyWithAMalformedDrainFile() throws IOException {
        java.nio.file.Files.writeString(drainFile().path(), "garbage");
        AgentHealth h = health();
        h.checked(Plan.EMPTY);

        Readiness r = h.readiness();

        assertEquals(ReadinessState.NOT_READY, r.state());
        assertTrue(r.reasons().getFirst().startsWith("drain file " + drainFile().path() + ": malformed"),
                r.reasons().toString());
    }

    @Test
    void shouldShowCountersDrainFlagAndInfoInStatus() {
        AgentHealth h = health();
        h.checked(Plan.EMPTY);
        h.counters(() -> Map.of("decap_packets", 5L));

        Map<String, Object> s = h.status();

        assertEquals("ready", s.get("state"));
        assertEquals(false, s.get("drained"));
        assertEquals(drainFile().path().toString(), s.get("drainFile"));
        assertEquals("mode userspace: ipip", s.get("mode"));
        assertEquals(Map.of("decap_packets", 5L), s.get("counters"));
    }

    @Test
    void shouldPickUpDrainAndUndrainWithinOneSecondThroughTheRunningEndpoint() throws Exception {
        AgentHealth h = new AgentHealth(new DrainWatcher(drainFile()), Clock.systemUTC(), Duration.ofMinutes(5),
                Map.of());
        h.checked(Plan.EMPTY);
        HttpClient client = HttpClient.newHttpClient();
        try (HealthServer server = HealthServer.start("127.0.0.1:0", h)) {
            server.every(DrainWatcher.POLL_INTERVAL_MS, h::pollDrain);
            URI ready = URI.create("http://127.0.0.1:" + server.localAddress().getPort() + "/ready");
            assertEquals(200, status(client, ready));

            drainFile().drain(Instant.now());
            long drainedAfterMs = untilStatus(client, ready, 503);
            assertTrue(drainedAfterMs < 1000, "drain noticed after " + drainedAfterMs + " ms (expected: < 1000)");

            drainFile().undrain();
            long undrainedAfterMs = untilStatus(client, ready, 200);
            assertTrue(undrainedAfterMs < 1000, "undrain noticed after " + undrainedAfterMs + " ms");
        }
    }

    static int status(HttpClient client, URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Milliseconds until GET returns {@code expected}; gives up after 3 s (and the caller's bound fails). */
    static long untilStatus(HttpClient client, URI uri, int expected) throws Exception {
        long start = System.nanoTime();
        while (status(client, uri) != expected && System.nanoTime() - start < 3_000_000_000L) {
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }
}
