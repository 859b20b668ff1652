package io.dsrgw.gateway.admin;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonTest {
    @Test
    void shouldRoundTripEveryKindOfValue() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\nd\u0001é");
        m.put("n", -42L);
        m.put("d", 1.5);
        m.put("t", true);
        m.put("z", null);
        m.put("l", List.of("x", 1L, List.of()));
        m.put("o", Map.of());
        String text = Json.write(m);
        assertEquals("{\"s\":\"a\\\"b\\\\c\\nd\\u0001é\",\"n\":-42,\"d\":1.5,\"t\":true,\"z\":null,"
                + "\"l\":[\"x\",1,[]],\"o\":{}}", text);
        assertEquals(m, Json.parse(text));
        assertEquals(Map.of("a", List.of(1L, 2L)), Json.parse(" { \"a\" : [ 1 , 2 ] } "));
    }

    @Test
    void shouldRejectMalformedTextWithTheOffset() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x")).getMessage()
                .endsWith(" at offset 3 (expected: one JSON value)"));
        assertEquals("json: trailing characters at offset 3 (expected: one JSON value)",
                assertThrows(IllegalArgumentException.class, () -> Json.parse("{} 1")).getMessage());
        String unterminated = assertThrows(IllegalArgumentException.class, () -> Json.parse("\"abc")).getMessage();
        assertTrue(unterminated.startsWith("json: Unexpected end-of-input") && unterminated.contains(" at offset 4 "),
                unterminated);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Json.parse("[x]")).getMessage()
                .startsWith("json: Unrecognized token 'x'"));
    }

    @Test
    void shouldRefuseNestingDeeperThanTheAdminProtocolNeeds() {
        Json.parse("[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH));
        String message = assertThrows(IllegalArgumentException.class,
                () -> Json.parse("[".repeat(Json.MAX_DEPTH + 1) + "]".repeat(Json.MAX_DEPTH + 1))).getMessage();
        assertTrue(message.contains("nesting depth"), message);
    }

    @Test
    void shouldWriteNotANumberAsNullAndPrettyPrintForPeople() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nan", Double.NaN);
        m.put("n", 1);
        assertEquals("{\"nan\":null,\"n\":1}", Json.write(m));
        assertEquals(Json.parse(Json.write(m)), Json.parse(Json.writePretty(m)));
        assertTrue(Json.writePretty(m).contains("\n"));
    }
}
