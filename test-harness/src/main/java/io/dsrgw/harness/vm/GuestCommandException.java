package io.dsrgw.harness.vm;

import java.io.IOException;

/** A script in the VM exited non-zero, or the command channel failed; the message names the script. */
public final class GuestCommandException extends IOException {
    private final int exitCode;

    public GuestCommandException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public GuestCommandException(String message, Throwable cause) {
        super(message, cause);
        this.exitCode = -1;
    }

    /** The script's exit code, or -1 when the channel failed. */
    public int exitCode() {
        return exitCode;
    }
}
