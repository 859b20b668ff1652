package io.dsrgw.gateway.linux;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The one {@code ip} runner, with read-only commands on this host (no root needed, nothing changed). */
class Iproute2Test {
    private static final List<String> SHOW_MISSING = List.of("ip", "link", "show", "dev", "dsrnosuchdev0");

    @Test
    void shouldReturnTheStdoutOfASuccessfulCommand() throws IOException {
        assertTrue(Iproute2.ip("-o", "link", "show", "dev", "lo").contains("lo:"));
    }

    @Test
    void shouldNameTheCommandItsExitStatusAndStderrWhenItFails() {
        IOException e = assertThrows(IOException.class, () -> Iproute2.run(SHOW_MISSING, stderr -> false));
        assertEquals("ip link show dev dsrnosuchdev0: exit 1: Device \"dsrnosuchdev0\" does not exist.",
                e.getMessage());
    }

    @Test
    void shouldCountAFailureAsDoneWhenItsStrippedStderrIsAccepted() throws IOException {
        List<String> seen = new ArrayList<>();
        assertEquals("", Iproute2.run(SHOW_MISSING, stderr -> seen.add(stderr)));
        assertEquals(List.of("Device \"dsrnosuchdev0\" does not exist."), seen);
    }

    @Test
    void shouldSayWhatWasExpectedWhenTheProgramCannotStart() {
        IOException e = assertThrows(IOException.class,
                () -> Iproute2.run(List.of("/nonexistent/dsrgw/ip", "link"), stderr -> true));
        assertTrue(e.getMessage().startsWith("/nonexistent/dsrgw/ip link: cannot start: "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" (expected: iproute2's ip command on PATH)"), e.getMessage());
    }
}
