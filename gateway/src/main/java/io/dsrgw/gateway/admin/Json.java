package io.dsrgw.gateway.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON of the admin surfaces (the admin socket's lines, {@code /api/status}, {@code dsrctl --json}), on Jackson, the
 * project's one JSON library (the agent parses {@code ip -j}, {@code nft -j} and its state file with it too).
 * Parsing returns {@link Map}, {@link List}, {@link String}, {@link Long}, {@link Double}, {@link Boolean} or null;
 * writing accepts those, {@link Integer} and other numbers; any other object is written as its string. Control
 * plane only.
 *
 * <p>Why Jackson's streaming core (jackson-core) rather than its object mapper: the trees here are plain maps and
 * lists, and {@code dsrctl} is a short-lived process: the mapper loads some 370 classes at start-up, the streaming
 * parser and generator about 70.
 */
public final class Json {
    /** Deepest nesting a request may have: admin requests are flat; a deep one is an attack or a bug. */
    static final int MAX_DEPTH = 32;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();

    private Json() {
    }

    /**
     * Parses one JSON value that must span all of {@code text} (surrounding whitespace allowed).
     *
     * @throws IllegalArgumentException "json: PROBLEM at offset N (expected: one JSON value)"
     */
    public static Object parse(String text) {
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IllegalArgumentException("json: no value at offset 0 (expected: one JSON value)");
            }
            Object value = value(p, first);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException("json: trailing characters at offset "
                        + p.currentTokenLocation().getCharOffset() + " (expected: one JSON value)");
            }
            return value;
        } catch (JsonProcessingException e) {
            long offset = e.getLocation() == null ? -1 : e.getLocation().getCharOffset();
            throw new IllegalArgumentException("json: " + e.getOriginalMessage().lines().findFirst().orElse("")
                    + " at offset " + offset + " (expected: one JSON value)", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a String source does no I/O
        }
    }

    private static Object value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    String name = p.currentName();
                    m.put(name, value(p, p.nextToken()));
                }
                yield m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(value(p, e));
                }
                yield l;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new IllegalArgumentException("json: unexpected " + t + " at offset "
                    + p.currentTokenLocation().getCharOffset() + " (expected: one JSON value)");
        };
    }

    /** {@code value} as compact JSON text (one line: the admin socket's framing). */
    public static String write(Object value) {
        return write(value, false);
    }

    /** {@code value} as indented JSON text (for people reading {@code dsrctl --json}). */
    public static String writePretty(Object value) {
        return write(value, true);
    }

    private static String write(Object value, boolean pretty) {
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(sw)) {
            if (pretty) {
                g.useDefaultPrettyPrinter();
            }
            write(g, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does no I/O
        }
        return sw.toString();
    }

    private static void write(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            // NaN and infinities are not JSON numbers: null, which every parser reads.
            case Double d when d.isNaN() || d.isInfinite() -> g.writeNull();
            case Float f when f.isNaN() || f.isInfinite() -> g.writeNull();
            case Double d -> g.writeNumber(d);
            case Float f -> g.writeNumber(f);
            case Number n -> g.writeNumber(n.longValue());
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (var e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case Iterable<?> list -> {
                g.writeStartArray();
                for (Object o : list) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            default -> g.writeString(v.toString());
        }
    }
}
