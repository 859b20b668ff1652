package io.dsrgw.conf;

import java.util.Objects;

/**
 * One problem found in a configuration file.
 *
 * <p>Rendered by {@link #toString()} as {@code file:line path: value (expected: ...)}, e.g.
 * {@code gateway.conf:12 dsrgw.gateway.vips[0].backends[1].address: "10.0.3.300" (expected: an IPv4 or IPv6
 * address literal; 300 is not an octet 0..255)}. The line is omitted when unknown ({@code line <= 0}), the path
 * when the problem concerns the whole file (unreadable, syntax error), the {@code (expected: ...)} part when
 * {@code expected} is empty.
 *
 * @param file     file (or origin name) the problem is in, as given by the caller or the HOCON include
 * @param line     1-based line number, or 0 when not known
 * @param path     HOCON path of the offending value ({@code dsrgw.gateway.vips[0].name}), or "" for the file
 * @param value    the value as written ({@code "10.0.3.300"}, {@code 70000}, {@code missing}, {@code unknown key})
 * @param expected what would have been accepted, or ""
 */
public record ConfigError(String file, int line, String path, String value, String expected) {

    public ConfigError {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(value, "value");
        expected = expected == null ? "" : expected;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        if (path.isEmpty()) {
            sb.append(": ");
        } else {
            sb.append(' ').append(path).append(": ");
        }
        sb.append(value);
        if (!expected.isEmpty()) {
            sb.append(" (expected: ").append(expected).append(')');
        }
        return sb.toString();
    }
}
