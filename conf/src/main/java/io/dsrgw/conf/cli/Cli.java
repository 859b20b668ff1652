package io.dsrgw.conf.cli;

import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The command-line conventions {@code dsr-gateway}, {@code dsrctl} and {@code dsr-agent} share (picocli):
 * exit 0 ok, 1 runtime or configuration error, 2 bad usage; a usage error is one line on stderr,
 * {@code PROGRAM: PROBLEM (see 'PROGRAM COMMAND --help')}; {@code --help} and {@code --version} on every
 * command; {@code --version} prints exactly {@code PROGRAM VERSION}.
 */
public final class Cli {
    /** Exit code: success. */
    public static final int EXIT_OK = 0;
    /** Exit code: runtime or configuration error (message on stderr). */
    public static final int EXIT_ERROR = 1;
    /** Exit code: bad command-line usage (one line on stderr). */
    public static final int EXIT_USAGE = 2;

    private Cli() {
    }

    /**
     * Points {@code cl}'s output at {@code out}/{@code err} and installs the one-line usage-error handler.
     * A runtime exception from a command is a bug: reported as {@code PROGRAM: internal error: ...} with its stack
     * trace, exit 1.
     */
    public static CommandLine configure(CommandLine cl, PrintStream out, PrintStream err) {
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setUsageHelpAutoWidth(false);
        cl.setUsageHelpWidth(100);
        cl.setParameterExceptionHandler(Cli::usageError);
        cl.setExecutionExceptionHandler((e, failed, parsed) -> {
            // A bug, not an operator error: say so and keep the stack trace for the report.
            failed.getErr().println(failed.getCommandSpec().root().name() + ": internal error: " + e);
            e.printStackTrace(failed.getErr());
            return EXIT_ERROR;
        });
        return cl;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine failed = e.getCommandLine();
        String root = failed.getCommandSpec().root().name();
        String where = failed.getCommandSpec().qualifiedName();
        String message = e.getMessage();
        // picocli checks required options before it reports arguments it did not recognise; a typo
        // ("--conifg") then reads as "missing --config": name the unknown argument instead.
        var parsed = failed.getParseResult();
        if (e instanceof CommandLine.MissingParameterException && parsed != null && !parsed.unmatched().isEmpty()) {
            String first = parsed.unmatched().getFirst();
            message = (first.startsWith("-") ? "Unknown option: '" : "Unexpected argument: '") + first + "'";
        } else if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()
                && !u.getUnmatched().getFirst().startsWith("-")) {
            // picocli's "Unmatched argument at index 0: 'strat'" says where, not what: a command or an argument.
            String first = u.getUnmatched().getFirst();
            var commands = failed.getSubcommands().keySet().stream().filter(n -> !n.equals("help")).toList();
            message = commands.isEmpty() || parsed != null && !parsed.originalArgs().isEmpty()
                    && failed.getSubcommands().containsKey(parsed.originalArgs().getFirst())
                    ? "Unexpected argument: '" + first + "'"
                    : "Unknown command: '" + first + "' (expected one of: " + String.join(", ", commands) + ")";
        }
        // picocli's messages start upper-case ("Unknown option: '--foo'"); ours continue a "program: " prefix.
        if (!message.isEmpty() && Character.isUpperCase(message.charAt(0))
                && (message.length() == 1 || !Character.isUpperCase(message.charAt(1)))) {
            message = Character.toLowerCase(message.charAt(0)) + message.substring(1);
        }
        failed.getErr().println(root + ": " + message + " (see '" + where + " --help')");
        return EXIT_USAGE;
    }

    /** A usage error raised by a command itself (e.g. "missing command"). */
    public static ParameterException usage(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** {@code --version}: exactly {@code PROGRAM VERSION}, e.g. {@code dsr-gateway 0.1.0-SNAPSHOT}. */
    public static final class Version implements IVersionProvider {
        @CommandLine.Spec
        CommandSpec spec;

        @Override
        public String[] getVersion() {
            return new String[] {spec.root().name() + " " + BuildInfo.version()};
        }
    }
}
