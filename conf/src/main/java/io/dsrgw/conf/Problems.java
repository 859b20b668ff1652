package io.dsrgw.conf;

import com.typesafe.config.ConfigOrigin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/** Collects every problem of one load, each located by the origin HOCON recorded for the value. */
final class Problems {

    private final String defaultFile;
    private final List<ConfigError> errors = new ArrayList<>();

    /** @param defaultFile file name used when an origin carries none (strings parsed with an origin name) */
    Problems(String defaultFile) {
        this.defaultFile = defaultFile;
    }

    void add(ConfigOrigin origin, String path, String value, String expected) {
        errors.add(new ConfigError(file(origin), line(origin), path, value, expected));
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** @return the problems in file order (by line, then path), without exact duplicates */
    List<ConfigError> sorted() {
        List<ConfigError> list = new ArrayList<>(new LinkedHashSet<>(errors));
        list.sort(Comparator.comparing(ConfigError::file).thenComparingInt(ConfigError::line));
        return list;
    }

    String file(ConfigOrigin origin) {
        if (origin == null) {
            return defaultFile;
        }
        if (origin.filename() != null) {
            return origin.filename();
        }
        if (origin.resource() != null) {
            return origin.resource();
        }
        if (origin.url() != null) {
            return origin.url().toString();
        }
        return defaultFile;
    }

    String location(ConfigOrigin origin) {
        int line = line(origin);
        return file(origin) + (line > 0 ? ":" + line : "");
    }

    static int line(ConfigOrigin origin) {
        return origin == null ? 0 : Math.max(0, origin.lineNumber());
    }
}
