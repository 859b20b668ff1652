package io.dsrgw.gateway.cli;

import io.dsrgw.conf.cli.BuildInfo;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The options every dsrctl command shares are declared once ({@link DsrctlMain.Common}); these checks run over
 * every sub-command the root lists, so a command that loses one of them (or a new command without them) fails.
 */
class DsrctlOptionsTest {
    private record Run(int exit, String out, String err) {
    }

    private static Run dsrctl(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DsrctlMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), null);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<String> subcommands() {
        List<String> names = DsrctlMain.commandLine(System.out, System.err, null).getSubcommands().keySet()
                .stream().filter(n -> !n.equals("help")).toList();
        assertEquals(13, names.size(), names.toString());
        return names;
    }

    @Test
    void everySubcommandPrintsDsrctlsVersionLikeTheRoot() {
        String expected = "dsrctl " + BuildInfo.version() + "\n";
        assertEquals(expected, dsrctl("-V").out());
        for (String command : subcommands()) {
            for (String option : new String[] {"-V", "--version"}) {
                Run run = dsrctl(command, option);
                assertEquals(0, run.exit(), command + " " + option + ": " + run.err());
                assertEquals(expected, run.out(), command + " " + option);
            }
        }
    }

    @Test
    void everySubcommandOffersHelpVersionJsonAndSocket() {
        for (String command : subcommands()) {
            Run run = dsrctl(command, "--help");
            assertEquals(0, run.exit(), command + ": " + run.err());
            assertTrue(run.out().startsWith("Usage: dsrctl " + command + " [-hV] [--json] [--socket=PATH]"),
                    run.out());
            for (String option : new String[] {"-h, --help", "--json", "--socket=PATH", "-V, --version"}) {
                assertTrue(run.out().contains(option), command + " lacks " + option + ":\n" + run.out());
            }
            assertEquals(run, dsrctl(command, "-h"), command + " -h");
            assertEquals(run, dsrctl("help", command), "help " + command);
        }
    }
}
