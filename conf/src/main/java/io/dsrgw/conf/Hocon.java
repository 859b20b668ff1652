package io.dsrgw.conf;

import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;

import java.time.Duration;
import java.util.Collection;

/** Small helpers shared by the readers: rendering values for messages, durations, suggestions. */
final class Hocon {

    /** Longest rendering of a list or object value inside an error message. */
    private static final int MAX_RENDERED_CHARS = 60;

    private Hocon() {
    }

    /** @return the value as the user would recognise it: strings quoted, numbers as written, long lists cut */
    static String render(ConfigValue v) {
        if (v == null) {
            return "missing";
        }
        String s = switch (v.valueType()) {
            case STRING -> quote((String) v.unwrapped());
            case NULL -> "null";
            case NUMBER, BOOLEAN -> v.render();
            case LIST, OBJECT -> v.render(ConfigRenderOptions.concise());
        };
        if (s.length() > MAX_RENDERED_CHARS) {
            s = s.substring(0, MAX_RENDERED_CHARS - 3) + "...";
        }
        return s;
    }

    static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** @return the duration in the HOCON unit syntax, largest exact unit: "500ms", "1s", "10m", "1500us" */
    static String formatDuration(Duration d) {
        if (d == null) {
            return "none";
        }
        long ns = d.toNanos();
        if (ns == 0) {
            return "0s";
        }
        if (ns % 3_600_000_000_000L == 0) {
            return ns / 3_600_000_000_000L + "h";
        }
        if (ns % 60_000_000_000L == 0) {
            return ns / 60_000_000_000L + "m";
        }
        if (ns % 1_000_000_000L == 0) {
            return ns / 1_000_000_000L + "s";
        }
        if (ns % 1_000_000L == 0) {
            return ns / 1_000_000L + "ms";
        }
        if (ns % 1_000L == 0) {
            return ns / 1_000L + "us";
        }
        return ns + "ns";
    }

    /**
     * @return the candidate closest to {@code key} by edit distance when close enough to be a likely typo
     *     (distance <= 2, or <= a third of the key's length for long keys), else null
     */
    static String closest(String key, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(key.toLowerCase(java.util.Locale.ROOT), c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        int limit = Math.max(2, key.length() / 3);
        return bestDistance <= limit && bestDistance < key.length() ? best : null;
    }

    /** Levenshtein distance with adjacent transpositions counted as one edit (optimal string alignment). */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, d[i - 2][j - 2] + 1);
                }
                d[i][j] = v;
            }
        }
        return d[a.length()][b.length()];
    }

    static boolean isPrime(long n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (long f = 3; f * f <= n; f += 2) {
            if (n % f == 0) {
                return false;
            }
        }
        return true;
    }

    /** @return the smallest prime >= n */
    static long nextPrime(long n) {
        long p = Math.max(2, n);
        while (!isPrime(p)) {
            p++;
        }
        return p;
    }
}
