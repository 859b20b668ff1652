package io.dsrgw.harness.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample dashboard {@code examples/grafana-dsrgw.json} without a running gateway (every build): valid JSON, a
 * Prometheus query in every panel, and every metric it queries documented in README.md. XdpEndToEndIT checks the same
 * names against real scrapes.
 */
class GrafanaDashboardTest {
    @Test
    void shouldBeValidJsonWhoseQueriesUseOnlyDocumentedMetrics() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("..", "examples", "grafana-dsrgw.json").toFile());
        String readme = Files.readString(Path.of("..", "README.md"));
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertTrue(panel.get("targets").size() > 0, "panel without a query: " + panel.get("title"));
            for (JsonNode target : panel.get("targets")) {
                Matcher m = Pattern.compile("dsrgw_[a-z0-9_]+").matcher(target.get("expr").asText());
                assertTrue(m.find(), "a dsrgw_ metric in " + target.get("expr"));
                do {
                    used.add(m.group());
                } while (m.find());
            }
        }
        Set<String> undocumented = new TreeSet<>();
        for (String name : used) {
            if (!readme.contains("`" + name + "`")) {
                undocumented.add(name);
            }
        }
        assertTrue(used.size() >= 20, "the dashboard's metrics: " + used);
        assertEquals(Set.of(), undocumented, "metrics the dashboard uses that README.md does not list");
    }
}
