package io.dsrgw.conf.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** What was built: the project version Maven wrote into {@code io/dsrgw/conf/build.properties}. */
public final class BuildInfo {
    private static final String VERSION = load();

    private BuildInfo() {
    }

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} when the resource is missing. */
    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/io/dsrgw/conf/build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown").trim();
            // Unfiltered (an IDE copying resources without Maven): say so rather than print a placeholder.
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
