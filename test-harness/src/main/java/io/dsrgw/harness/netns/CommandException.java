package io.dsrgw.harness.netns;

import java.io.IOException;

/** An external command could not be started, timed out or exited non-zero; the message names the command. */
public final class CommandException extends IOException {
    private final int exitCode;

    public CommandException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public CommandException(String message, Throwable cause) {
        super(message, cause);
        this.exitCode = -1;
    }

    /** The command's exit code, or -1 when it did not run to completion. */
    public int exitCode() {
        return exitCode;
    }
}
