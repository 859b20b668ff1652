package io.dsrgw.harness.traffic;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.Namespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's {@code chromium} in headless mode, run inside a namespace (where a loopback-only admin port is
 * reachable): the DOM after the page's scripts ran ({@code --dump-dom} with a virtual time budget, which lets
 * timers and fetches complete without waiting in real time), and screenshots. Each call is one browser start
 * (a few seconds). Runs as root, hence {@code --no-sandbox}; a throwaway profile directory per call.
 */
public final class HeadlessChromium {
    /** The Debian binary ({@code apt-get install chromium}). */
    public static final String BINARY = "chromium";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private HeadlessChromium() {
    }

    /** The installed binary, or null (the caller skips with a reason). */
    public static Path find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, BINARY);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The serialised DOM of {@code url} after {@code virtualTimeMs} of virtual time (scripts, timers, fetches).
     *
     * @throws IOException chromium failed or printed no document, with its stderr tail
     */
    public static String dumpDom(Namespace ns, String url, Duration virtualTime) throws IOException {
        Commands.Result r = run(ns, List.of("--virtual-time-budget=" + virtualTime.toMillis(), "--dump-dom", url));
        if (!r.ok() || !r.stdout().contains("</html>")) {
            throw new IOException("chromium --dump-dom " + url + ": exit " + r.exitCode() + ", no document: "
                    + tail(r.stderr()));
        }
        return r.stdout();
    }

    /** Saves a PNG of {@code url} ({@code width} x {@code height}) after {@code virtualTime} to {@code png}. */
    public static void screenshot(Namespace ns, String url, Duration virtualTime, Path png, int width, int height)
            throws IOException {
        Files.createDirectories(png.toAbsolutePath().getParent());
        Files.deleteIfExists(png);
        Commands.Result r = run(ns, List.of("--virtual-time-budget=" + virtualTime.toMillis(),
                "--window-size=" + width + "," + height, "--hide-scrollbars",
                "--screenshot=" + png.toAbsolutePath(), url));
        if (!r.ok() || !Files.isRegularFile(png) || Files.size(png) == 0) {
            throw new IOException("chromium --screenshot " + url + ": exit " + r.exitCode() + ", no " + png + ": "
                    + tail(r.stderr()));
        }
    }

    private static Commands.Result run(Namespace ns, List<String> args) throws IOException {
        Path profile = Files.createTempDirectory("dsrgw-chromium-");
        try {
            List<String> cmd = new ArrayList<>(List.of(BINARY, "--headless", "--disable-gpu", "--no-sandbox",
                    "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + profile));
            cmd.addAll(args);
            return Commands.run(ns.wrap(cmd), TIMEOUT);
        } catch (CommandException e) {
            throw new IOException(e.getMessage(), e);
        } finally {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String tail(String s) {
        return s.length() <= 800 ? s : s.substring(s.length() - 800);
    }
}
