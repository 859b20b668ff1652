package io.dsrgw.gateway.admin;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
        assertEquals("json: trailing characters at offset 3 (expected: end of input)",
                assertThrows(IllegalArgumentException.class, () -> Json.parse("{} x")).getMessage());
        assertEquals("json: unterminated string at offset 4 (expected: a closing quote)",
                assertThrows(IllegalArgumentException.class, () -> Json.parse("\"abc")).getMessage());
        assertEquals("json: 'x' at offset 1 (expected: a value)",
                assertThrows(IllegalArgumentException.class, () -> Json.parse("[x]")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.parse("[".repeat(100)));
    }
}
