package io.dsrgw.harness.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsrgw.harness.netns.Commands;

/** scripts/demo answers --help and bad options at once, before any package check or build (issue 10). */
class DemoTest {
    /** The module's directory is test-harness/ when Maven runs the tests. */
    private static final Path SCRIPT = Path.of("..", "scripts", "demo").toAbsolutePath().normalize();

    @Test
    void shouldPrintTheSameHelpAsTheDemoClassAtOnce() throws Exception {
        assertTrue(Files.isExecutable(SCRIPT), SCRIPT + " is missing or not executable");
        long start = System.nanoTime();
        Commands.Result r = Commands.run(List.of(SCRIPT.toString(), "--help"), Duration.ofSeconds(10));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, r.exitCode(), r.stderr());
        assertEquals(Demo.USAGE, r.stdout());
        assertEquals("", r.stderr());
        // A build takes a minute and the package check seconds; the help needs neither.
        assertTrue(ms < 3000, "scripts/demo --help took " + ms + " ms");
    }

    @Test
    void shouldDescribeEveryOptionOnALineOfItsOwn() {
        for (String option : List.of("--requests N", "--backends N", "--tunnels", "--hold", "--work DIR", "--help")) {
            assertEquals(1, Demo.USAGE.lines().filter(l -> l.startsWith("  ") && l.contains(option)).count(),
                    option + " in:\n" + Demo.USAGE);
        }
    }

    @Test
    void shouldRejectAnUnknownOptionWithTheHelpBeforeBuilding() throws Exception {
        Commands.Result r = Commands.run(List.of(SCRIPT.toString(), "--request", "5"), Duration.ofSeconds(10));
        assertEquals(2, r.exitCode());
        assertEquals("", r.stdout());
        assertEquals("demo: unknown option --request\n" + Demo.USAGE, r.stderr());
    }
}
