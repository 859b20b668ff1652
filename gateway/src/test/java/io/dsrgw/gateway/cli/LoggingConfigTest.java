package io.dsrgw.gateway.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Issue 13: the gateway's log lines had no timestamp (slf4j-simple's default); its config now asks for one. */
class LoggingConfigTest {
    @Test
    void shouldStampEveryGatewayLogLineWithDateTimeAndOffset() throws IOException {
        // The shipped file (target/classes), not the tests' own (target/test-classes, which logs to a file).
        URL shipped = null;
        for (URL u : Collections.list(LoggingConfigTest.class.getClassLoader()
                .getResources("simplelogger.properties"))) {
            if (!u.toString().contains("/test-classes/")) {
                shipped = u;
            }
        }
        assertNotNull(shipped, "the gateway's simplelogger.properties");
        Properties p = new Properties();
        try (InputStream in = shipped.openStream()) {
            p.load(in);
        }
        assertEquals("true", p.getProperty("org.slf4j.simpleLogger.showDateTime"));
        assertEquals("System.err", p.getProperty("org.slf4j.simpleLogger.logFile"));
        // The format must render date, time with milliseconds and the UTC offset (correlation across hosts).
        String stamp = DateTimeFormatter.ofPattern(p.getProperty("org.slf4j.simpleLogger.dateTimeFormat"))
                .format(ZonedDateTime.of(2026, 12, 7, 15, 4, 5, 123_000_000, ZoneOffset.ofHours(1)));
        assertEquals("2026-12-07T15:04:05.123+01:00", stamp);
    }
}
