package io.dsrgw.agent.plan;

import java.util.List;

/**
 * Outcome of one command.
 *
 * @param argv     the command as run
 * @param exitCode its exit status
 * @param stdout   standard output (UTF-8)
 * @param stderr   standard error (UTF-8)
 */
public record CommandResult(List<String> argv, int exitCode, String stdout, String stderr) {
    public CommandResult {
        argv = List.copyOf(argv);
    }

    /** True for exit status 0. */
    public boolean ok() {
        return exitCode == 0;
    }

    /** The command line, space separated (our arguments never contain spaces). */
    public String commandLine() {
        return String.join(" ", argv);
    }

    /** {@code "ip addr add 10.100.0.1/32 dev lo label lo:dsrvip: exit 2: RTNETLINK answers: File exists"}. */
    public String failureMessage() {
        String err = stderr.strip();
        if (err.isEmpty()) {
            err = stdout.strip();
        }
        return commandLine() + ": exit " + exitCode + (err.isEmpty() ? "" : ": " + err.replace('\n', ' '));
    }

    /** Returns this result when successful, else throws a {@link CommandFailedException} with {@link #failureMessage()}. */
    public CommandResult orThrow() throws CommandFailedException {
        if (!ok()) {
            throw new CommandFailedException(this);
        }
        return this;
    }
}
