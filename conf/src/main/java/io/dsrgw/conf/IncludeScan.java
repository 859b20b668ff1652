package io.dsrgw.conf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A lexical pass over a HOCON text and the files it includes, BEFORE Typesafe Config parses them (issue 14):
 * Typesafe's parser recurses once per nested object or list and has no depth limit, so a few KB of braces end in
 * a StackOverflowError and a stack trace instead of an error; its include errors name neither the including file
 * nor its line, and a cycle is reported only after 50 levels with the whole trace. This pass reports, each as
 * {@code file:line: value (expected: ...)}:
 * <ul>
 *   <li>objects/lists nested deeper than {@link ConfigLoader#MAX_NESTING} (counted across includes: an included
 *       file starts at the depth of its include statement);</li>
 *   <li>an include cycle, at the include statement that closes it;</li>
 *   <li>{@code include required("x")} / {@code include required(file("x"))} of a file that does not exist, at the
 *       include statement (relative names are resolved against the including file's directory, as Typesafe does).
 *   </li>
 * </ul>
 * It understands just enough HOCON for that: quoted and triple-quoted strings, {@code #} and {@code //} comments,
 * {@code ${...}} substitutions. Everything else (syntax errors included) is left to the real parser.
 */
final class IncludeScan {
    /** At most this many files deep (Typesafe's own limit is 50). */
    static final int MAX_INCLUDE_DEPTH = 16;

    private final List<ConfigError> errors = new ArrayList<>();
    private final Deque<Path> stack = new ArrayDeque<>();

    private IncludeScan() {
    }

    /** Scans {@code file} and what it includes; returns the problems found (empty: hand it to the parser). */
    static List<ConfigError> file(Path file) {
        IncludeScan scan = new IncludeScan();
        scan.scanFile(file.toAbsolutePath().normalize(), file.toString(), 0);
        return scan.errors;
    }

    /** Scans a configuration text named {@code origin}; its includes are not followed (no base directory). */
    static List<ConfigError> text(String text, String origin) {
        IncludeScan scan = new IncludeScan();
        scan.scan(text, origin, null, 0);
        return scan.errors;
    }

    private void scanFile(Path absolute, String name, int depth) {
        String text;
        try {
            text = Files.readString(absolute, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return; // unreadable or not UTF-8: the parser reports it in its own words
        }
        stack.push(absolute);
        try {
            scan(text, name, absolute.getParent(), depth);
        } finally {
            stack.pop();
        }
    }

    private void scan(String s, String name, Path dir, int baseDepth) {
        int depth = baseDepth;
        int line = 1;
        int n = s.length();
        int i = 0;
        while (i < n && errors.isEmpty()) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (c == '#' || (c == '/' && i + 1 < n && s.charAt(i + 1) == '/')) {
                while (i < n && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '"') {
                int end = stringEnd(s, i);
                line += count(s, i, end, '\n');
                i = end;
            } else if (c == '$' && i + 1 < n && s.charAt(i + 1) == '{') {
                int end = s.indexOf('}', i);
                end = end < 0 ? n : end + 1;
                line += count(s, i, end, '\n');
                i = end;
            } else if (c == '{' || c == '[') {
                depth++;
                if (depth > ConfigLoader.MAX_NESTING) {
                    errors.add(new ConfigError(name, line, "", "{ or [ nested " + depth + " deep",
                            "at most " + ConfigLoader.MAX_NESTING + " nested objects and lists"));
                    return;
                }
                i++;
            } else if (c == '}' || c == ']') {
                depth--;
                i++;
            } else if (c == 'i' && s.startsWith("include", i) && (i == 0 || separator(s.charAt(i - 1)))
                    && i + 7 < n && Character.isWhitespace(s.charAt(i + 7))) {
                i = include(s, i, name, line, dir, depth);
            } else {
                i++;
            }
        }
    }

    /** Handles the include statement at {@code start}; returns where scanning continues. */
    private int include(String s, int start, String name, int line, Path dir, int depth) {
        int i = skipBlanks(s, start + 7);
        boolean required = false;
        boolean fileOnly = false;
        if (s.startsWith("required(", i)) {
            required = true;
            i = skipBlanks(s, i + 9);
        }
        if (s.startsWith("file(", i)) {
            fileOnly = true;
            i = skipBlanks(s, i + 5);
        } else if (s.startsWith("classpath(", i) || s.startsWith("url(", i)) {
            return i; // not a file of ours
        }
        if (i >= s.length() || s.charAt(i) != '"' || s.startsWith("\"\"\"", i)) {
            return start + 7; // not an include we understand: the parser judges it
        }
        int end = stringEnd(s, i);
        String target = unescape(s.substring(i + 1, Math.max(i + 1, end - 1)));
        int close = end;
        for (int k = (required ? 1 : 0) + (fileOnly ? 1 : 0); k > 0; k--) {
            close = skipBlanks(s, close);
            if (close < s.length() && s.charAt(close) == ')') {
                close++;
            }
        }
        String statement = s.substring(start, close).replaceAll("\\s+", " ");
        if (dir == null) {
            return close;
        }
        Path resolved = dir.resolve(target).toAbsolutePath().normalize();
        if (!Files.isRegularFile(resolved)) {
            if (required) {
                errors.add(new ConfigError(name, line, "", statement + ": " + resolved + ": "
                        + (Files.exists(resolved) ? "not a regular file" : "no such file"),
                        "an existing, readable file"));
            }
            return close;
        }
        if (stack.contains(resolved)) {
            errors.add(new ConfigError(name, line, "", statement + ": " + resolved + " includes itself", 
                    "no include cycle"));
            return close;
        }
        if (stack.size() >= MAX_INCLUDE_DEPTH) {
            errors.add(new ConfigError(name, line, "", statement + ": includes nested " + (stack.size() + 1)
                    + " files deep", "at most " + MAX_INCLUDE_DEPTH));
            return close;
        }
        scanFile(resolved, resolved.toString(), depth);
        return close;
    }

    private static boolean separator(char c) {
        return Character.isWhitespace(c) || c == '{' || c == ',' || c == '[';
    }

    private static int skipBlanks(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** Index just behind the quoted (or triple-quoted) string starting at {@code i}, or the text's end. */
    private static int stringEnd(String s, int i) {
        if (s.startsWith("\"\"\"", i)) {
            int end = s.indexOf("\"\"\"", i + 3);
            if (end < 0) {
                return s.length();
            }
            end += 3;
            while (end < s.length() && s.charAt(end) == '"') {
                end++; // """ may end with more quotes, which belong to the string
            }
            return end;
        }
        for (int k = i + 1; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '\\') {
                k++;
            } else if (c == '"') {
                return k + 1;
            } else if (c == '\n') {
                return k; // unterminated: the parser reports it
            }
        }
        return s.length();
    }

    private static String unescape(String s) {
        return s.indexOf('\\') < 0 ? s : s.replace("\\\"", "\"").replace("\\\\", "\\");
    }

    private static int count(String s, int from, int to, char c) {
        int k = 0;
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                k++;
            }
        }
        return k;
    }
}
