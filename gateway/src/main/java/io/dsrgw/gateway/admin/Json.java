package io.dsrgw.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

/**
 * JSON of the admin surfaces (the admin socket's lines, {@code /api/status}, {@code dsrctl --json}), on Jackson, the
 * project's one JSON library (the agent parses {@code ip -j}, {@code nft -j} and its state file with it too).
 * Parsing returns {@link Map}, {@link List}, {@link String}, {@link Long}, {@link Double}, {@link Boolean} or null;
 * writing accepts those, {@link Integer} and anything Jackson serializes. Control plane only.
 */
public final class Json {
    /** Deepest nesting a request may have: admin requests are flat; a deep one is an attack or a bug. */
    static final int MAX_DEPTH = 32;

    private static final ObjectMapper MAPPER = JsonMapper.builder(new com.fasterxml.jackson.core.JsonFactory()
                    .setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()))
            // Integers as Long (not Integer/BigInteger) so that callers compare with one type.
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            // NaN and infinities are not JSON numbers; "NaN" strings would surprise a script more than a null.
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();
    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

    private Json() {
    }

    /**
     * Parses one JSON value that must span all of {@code text} (surrounding whitespace allowed).
     *
     * @throws IllegalArgumentException "json: PROBLEM at offset N (expected: one JSON value)"
     */
    public static Object parse(String text) {
        try {
            return MAPPER.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            long offset = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            throw new IllegalArgumentException("json: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + " at offset " + offset + " (expected: one JSON value)", e);
        }
    }

    /** {@code value} as compact JSON text (one line: the admin socket's framing). */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(sanitize(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("json: cannot write " + value.getClass().getName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** {@code value} as indented JSON text (for people reading {@code dsrctl --json}). */
    public static String writePretty(Object value) {
        try {
            return PRETTY.writeValueAsString(sanitize(value));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("json: cannot write " + value.getClass().getName() + ": "
                    + e.getOriginalMessage(), e);
        }
    }

    /** NaN and infinities become null (Jackson would write a bare NaN, which no JSON parser accepts). */
    private static Object sanitize(Object v) {
        return switch (v) {
            case Double d when d.isNaN() || d.isInfinite() -> null;
            case Float f when f.isNaN() || f.isInfinite() -> null;
            case Map<?, ?> m -> {
                var copy = new java.util.LinkedHashMap<Object, Object>();
                m.forEach((k, x) -> copy.put(k, sanitize(x)));
                yield copy;
            }
            case List<?> l -> l.stream().map(Json::sanitize).toList();
            case null, default -> v;
        };
    }
}
