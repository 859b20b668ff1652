package io.dsrgw.agent.health;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The persisted drain flag and the watcher that notices it. */
class DrainFileTest {
    @TempDir
    Path dir;

    static final Instant T1 = Instant.parse("2026-11-22T02:41:07Z");
    static final Instant T2 = Instant.parse("2026-11-22T03:00:00Z");

    @Test
    void shouldLiveNextToTheStateFile() {
        DrainFile f = DrainFile.forStateFile(dir.resolve("agent-state.conf"));

        assertEquals(dir.resolve("agent-state.conf.drain").toAbsolutePath(), f.path());
    }

    @Test
    void shouldPersistTheFlagAndKeepTheFirstTimeWhenDrainedTwice() throws IOException {
        DrainFile f = DrainFile.forStateFile(dir.resolve("sub/state.conf"));
        assertEquals(DrainState.NOT_DRAINED, f.read());

        assertEquals(DrainState.drainedSince(T1), f.drain(T1));
        assertEquals("{\"version\":1,\"drained\":true,\"since\":\"2026-11-22T02:41:07Z\"}\n",
                Files.readString(f.path()));
        assertEquals(DrainState.drainedSince(T1), f.drain(T2));

        // a new instance (a restarted agent) reads the same flag
        assertEquals(DrainState.drainedSince(T1), DrainFile.forStateFile(dir.resolve("sub/state.conf")).read());
        try (var files = Files.list(f.path().getParent())) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void shouldRemoveTheFlagOnUndrainAndSayWhetherThereWasOne() throws IOException {
        DrainFile f = DrainFile.forStateFile(dir.resolve("state.conf"));
        f.drain(T1);

        assertTrue(f.undrain());
        assertFalse(Files.exists(f.path()));
        assertEquals(DrainState.NOT_DRAINED, f.read());
        assertFalse(f.undrain());
    }

    @Test
    void shouldReportAMalformedFileWithItsPathInsteadOfGuessing() throws IOException {
        DrainFile f = DrainFile.forStateFile(dir.resolve("state.conf"));
        Files.writeString(f.path(), "{\"version\":1,\"drained\":\"yes\"}");

        DrainState s = f.read();

        assertFalse(s.drained());
        assertEquals("drain file " + f.path() + ": malformed: drained: \"yes\" (expected: true or false) "
                + "(fix it, or remove it with dsr-agent undrain)", s.problem());

        Files.writeString(f.path(), "{\"version\":1,\"drained\":true,\"since\":\"yesterday\"}");
        assertTrue(f.read().problem().contains("since: \"yesterday\" (expected: an ISO-8601 instant"),
                f.read().problem());
        Files.writeString(f.path(), "{not json");
        assertTrue(f.read().problem().contains(": malformed: not valid JSON: "), f.read().problem());
        Files.writeString(f.path(), "{\"version\":1,\"drained\":false}");
        assertEquals(DrainState.NOT_DRAINED, f.read());
    }

    @Test
    void shouldNameTheFileWhenItCannotBeWritten() throws IOException {
        Path notADir = dir.resolve("file");
        Files.writeString(notADir, "x");
        DrainFile f = DrainFile.forStateFile(notADir.resolve("state.conf"));

        IOException e = assertThrows(IOException.class, () -> f.drain(T1));

        assertTrue(e.getMessage().startsWith("drain file " + f.path() + ": cannot write ("), e.getMessage());
    }

    @Test
    void shouldNoticeDrainUndrainAndRedrainOnPoll() throws IOException {
        DrainFile f = DrainFile.forStateFile(dir.resolve("state.conf"));
        DrainWatcher w = new DrainWatcher(f);
        assertFalse(w.current().drained());
        assertFalse(w.poll(), "nothing changed");

        f.drain(T1);
        assertTrue(w.poll());
        assertEquals(DrainState.drainedSince(T1), w.current());
        assertFalse(w.poll());

        f.undrain();
        assertTrue(w.poll());
        assertEquals(DrainState.NOT_DRAINED, w.current());

        f.drain(T2);
        assertTrue(w.poll());
        assertEquals(T2, w.current().since());
        assertNull(w.current().problem());
    }

    @Test
    void shouldStartDrainedWhenTheFlagWasSetBeforeTheAgentStarted() throws IOException {
        DrainFile f = DrainFile.forStateFile(dir.resolve("state.conf"));
        f.drain(T1);

        assertEquals(DrainState.drainedSince(T1), new DrainWatcher(f).current());
    }
}
