package io.dsrgw.agent.health;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dsrgw.agent.state.StateFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The persisted drain flag: a file next to the state file, named after it with {@code .drain} appended
 * (default {@code /var/lib/dsrgw/agent-state.conf.drain}). It exists while the server is drained:
 * <pre>
 * {"version":1,"drained":true,"since":"2026-11-22T02:41:07Z"}
 * </pre>
 * {@code drain} writes it atomically (temp file, fsync, rename: see {@link StateFile#writeAtomically}),
 * {@code undrain} deletes it. It is operator intent, not host state: {@code dsr-agent down} leaves it, so a
 * drained server stays drained across restarts and re-installs until {@code undrain}.
 */
public final class DrainFile {
    /** Format version written into the file; another version is reported as unreadable. */
    public static final int VERSION = 1;
    /** Appended to the state file's name. */
    public static final String SUFFIX = ".drain";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;

    /** A drain file at exactly {@code path}. */
    public DrainFile(Path path) {
        this.path = path.toAbsolutePath();
    }

    /** The drain file that belongs to {@code stateFile}: same directory, name + {@value #SUFFIX}. */
    public static DrainFile forStateFile(Path stateFile) {
        Path abs = stateFile.toAbsolutePath();
        return new DrainFile(abs.resolveSibling(abs.getFileName() + SUFFIX));
    }

    /** The file's absolute path. */
    public Path path() {
        return path;
    }

    /** Reads the flag; never throws: an unreadable or malformed file is reported in {@link DrainState#problem}. */
    public DrainState read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return DrainState.NOT_DRAINED;
        } catch (IOException e) {
            return DrainState.unreadable("drain file " + path + ": cannot read (" + e.getClass().getSimpleName()
                    + ": " + e.getMessage() + ")");
        }
        return parse(new String(bytes, StandardCharsets.UTF_8));
    }

    private DrainState parse(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return malformed("not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            return malformed("expected: a JSON object");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isInt() || version.intValue() != VERSION) {
            return malformed("version: " + version + " (expected: " + VERSION + ")");
        }
        JsonNode drained = root.get("drained");
        if (drained == null || !drained.isBoolean()) {
            return malformed("drained: " + drained + " (expected: true or false)");
        }
        if (!drained.booleanValue()) {
            return DrainState.NOT_DRAINED;
        }
        JsonNode since = root.get("since");
        try {
            return DrainState.drainedSince(Instant.parse(since == null ? "" : since.asText()));
        } catch (DateTimeParseException e) {
            return malformed("since: " + since + " (expected: an ISO-8601 instant like 2026-11-22T02:41:07Z)");
        }
    }

    private DrainState malformed(String what) {
        return DrainState.unreadable("drain file " + path + ": malformed: " + what
                + " (fix it, or remove it with dsr-agent undrain)");
    }

    /**
     * Sets the flag. Drained already: nothing is written and the original time is kept.
     *
     * @return the flag now in effect
     * @throws IOException the file cannot be written, with its path in the message
     */
    public DrainState drain(Instant now) throws IOException {
        DrainState current = read();
        if (current.drained()) {
            return current;
        }
        String text = "{\"version\":" + VERSION + ",\"drained\":true,\"since\":\"" + now + "\"}\n";
        try {
            StateFile.writeAtomically(path, text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("drain file " + path + ": cannot write (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
        return DrainState.drainedSince(now);
    }

    /**
     * Clears the flag (also a malformed one).
     *
     * @return true when a file was removed
     * @throws IOException the file cannot be removed, with its path in the message
     */
    public boolean undrain() throws IOException {
        try {
            return Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new IOException("drain file " + path + ": cannot remove (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
    }
}
