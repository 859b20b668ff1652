package io.dsrgw.agent.health;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;

/**
 * Notices changes of the {@link DrainFile} by polling its attributes (a {@code stat} per poll; the file is read
 * only when its inode, size or modification time changed). {@link HealthServer} polls every
 * {@link #POLL_INTERVAL_MS} ms, so {@code dsr-agent drain} takes effect within that. Polling rather than a
 * {@code WatchService}: it also works when the directory is created or replaced after start, and costs
 * one system call per poll.
 *
 * <p>Threading: {@link #poll()} from one thread at a time; {@link #current()} from any thread.
 */
public final class DrainWatcher {
    /** How often the running agent looks at the drain file (the contract: a drain takes effect within 1 s). */
    public static final long POLL_INTERVAL_MS = 250;

    private final DrainFile file;
    private List<Object> lastKey;
    private volatile DrainState current;

    /** Reads the file once, so {@link #current()} is right from the start. */
    public DrainWatcher(DrainFile file) {
        this.file = file;
        this.lastKey = key();
        this.current = file.read();
    }

    /** The drain file watched. */
    public DrainFile file() {
        return file;
    }

    /** The flag as of the last poll. */
    public DrainState current() {
        return current;
    }

    /**
     * Looks at the file once.
     *
     * @return true when the flag (or its problem) changed
     */
    public boolean poll() {
        List<Object> key = key();
        if (Objects.equals(key, lastKey)) {
            return false;
        }
        lastKey = key;
        DrainState next = file.read();
        if (next.equals(current)) {
            return false;
        }
        current = next;
        return true;
    }

    /** (inode, size, mtime) of the file; null when it does not exist; a list with the problem otherwise. */
    private List<Object> key() {
        try {
            BasicFileAttributes a = Files.readAttributes(file.path(), BasicFileAttributes.class);
            return List.of(String.valueOf(a.fileKey()), a.size(), a.lastModifiedTime());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return List.of(e.toString());
        }
    }
}
