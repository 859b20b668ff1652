package io.dsrgw.agent.plan;

import java.io.IOException;

/** A command exited with a non-zero status; the message is the command line, the status and its stderr. */
public final class CommandFailedException extends IOException {
    private final transient CommandResult result;

    public CommandFailedException(CommandResult result) {
        super(result.failureMessage());
        this.result = result;
    }

    /** The failed command's result. */
    public CommandResult result() {
        return result;
    }
}
