package io.dsrgw.gateway.control;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * Watches the config file and asks {@link GatewayControl} for a reload when it changes. Watches the file's
 * directory, not the file: editors and config-management tools replace a file by writing a temporary one and
 * renaming it over the old (a CREATE of the name, not a MODIFY), and a symlink swap (Kubernetes ConfigMaps)
 * does the same. Bursts of events are coalesced by {@link GatewayControl#requestReload(String)}.
 */
public final class ConfigWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);

    private final Path file;
    private final WatchService watch;
    private final Thread thread;

    private ConfigWatcher(Path file, GatewayControl control) throws IOException {
        this.file = file.toAbsolutePath().normalize();
        Path dir = this.file.getParent();
        this.watch = FileSystems.getDefault().newWatchService();
        dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.ENTRY_DELETE);
        this.thread = Thread.ofPlatform().name("dsrgw-config-watch").daemon().unstarted(() -> loop(control));
    }

    /** Starts watching {@code file}; closes with {@link #close()}. */
    public static ConfigWatcher start(Path file, GatewayControl control) throws IOException {
        ConfigWatcher w = new ConfigWatcher(Objects.requireNonNull(file, "file"), control);
        w.thread.start();
        return w;
    }

    private void loop(GatewayControl control) {
        Path name = file.getFileName();
        try {
            while (true) {
                WatchKey key = watch.take();
                boolean ours = false;
                for (WatchEvent<?> e : key.pollEvents()) {
                    if (e.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(e.context())) {
                        ours |= e.kind() != StandardWatchEventKinds.ENTRY_DELETE;
                    }
                }
                if (ours) {
                    control.requestReload("file changed: " + file);
                }
                if (!key.reset()) {
                    LOG.warn("config directory {} is no longer watched (deleted?): reload with SIGHUP or dsrctl",
                            file.getParent());
                    return;
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    @Override
    public void close() {
        try {
            watch.close();
        } catch (IOException e) {
            LOG.warn("closing the config watch: {}", e.getMessage());
        }
        thread.interrupt();
    }
}
