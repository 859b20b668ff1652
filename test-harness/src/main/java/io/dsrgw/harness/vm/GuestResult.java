package io.dsrgw.harness.vm;

/**
 * Exit code and combined stdout/stderr of a script run in the VM through the command channel.
 *
 * <p>Wire format of one reply (the connection carries exactly one request and one reply):
 * <pre>
 * OUTPUT BYTES ... '\n' "@@DSRGW-EXIT " DECIMAL-RC '\n' EOF
 * </pre>
 * The newline before the marker is always added by the guest, so it is removed again: the output is returned
 * exactly as the script wrote it.
 */
public record GuestResult(String script, int exitCode, String output) {
    public boolean ok() {
        return exitCode == 0;
    }

    /**
     * Throws unless the exit code is 0; the message holds the script, exit code and the end of the output (where a
     * failing command says why).
     */
    public GuestResult check() throws GuestCommandException {
        if (exitCode != 0) {
            throw new GuestCommandException("in the VM `" + abbreviate(script) + "` exited " + exitCode
                    + (output.isBlank() ? "" : ": " + tail(output, 3000)), exitCode);
        }
        return this;
    }

    /** The last {@code chars} characters of {@code s}, marked when cut. */
    static String tail(String s, int chars) {
        String t = s.strip();
        return t.length() <= chars ? t : "..." + t.substring(t.length() - chars);
    }

    /** Parses a complete reply; throws when the exit marker is missing (the guest died or the channel broke). */
    static GuestResult parse(String script, String reply) throws GuestCommandException {
        String marker = "\n" + GuestScripts.EXIT_MARKER;
        int at = reply.lastIndexOf(marker);
        if (at < 0) {
            throw new GuestCommandException("in the VM `" + abbreviate(script) + "`: reply has no exit marker (channel"
                    + " closed early; partial output: " + abbreviate(reply) + ")", -1);
        }
        String rc = reply.substring(at + marker.length()).strip();
        try {
            return new GuestResult(script, Integer.parseInt(rc), reply.substring(0, at));
        } catch (NumberFormatException e) {
            throw new GuestCommandException("in the VM `" + abbreviate(script) + "`: bad exit marker '" + rc + "'", -1);
        }
    }

    static String abbreviate(String s) {
        String t = s.strip().replace('\n', ';');
        return t.length() <= 300 ? t : t.substring(0, 300) + "...";
    }
}
