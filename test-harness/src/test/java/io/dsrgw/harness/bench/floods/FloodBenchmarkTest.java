package io.dsrgw.harness.bench.floods;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.dsrgw.harness.scenario.ScenarioConfigs;

class FloodBenchmarkTest {
    @Test
    void theFlowTableCapacityIsAddedToTheScenarioGatewayConfig() {
        String config = FloodBenchmark.withFlowTable(ScenarioConfigs.gateway("10.100.0.1", List.of(80), List.of(),
                Path.of("/tmp/x.sock")), 4096);
        assertTrue(config.contains("flow-table { capacity = 4096 }"), config);
        var parsed = com.typesafe.config.ConfigFactory.parseString(config);
        assertEquals(4096, parsed.getInt("dsrgw.gateway.flow-table.capacity"));
    }

    @Test
    void aConfigThatIsNotTheScenariosIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> FloodBenchmark.withFlowTable("dsrgw.gateway {}", 4096));
    }

    @Test
    void optionsParsePhasesAndRejectUnknownOnes() {
        FloodBenchmark.Options o = FloodBenchmark.Options.parse(new String[] {"--seconds", "5", "--phases",
                "baseline,syn"});
        assertEquals(5.0, o.seconds());
        assertEquals(List.of(FloodBenchmark.Phase.BASELINE, FloodBenchmark.Phase.SYN), o.phases());
        assertThrows(IllegalArgumentException.class, () -> FloodBenchmark.Options.parse(new String[] {"--phases",
                "tsunami"}));
        assertThrows(IllegalArgumentException.class, () -> FloodBenchmark.Options.parse(new String[] {"--seconds"}));
    }

    @Test
    void optionsTakeTheNewFlowQueueSettingOrLeaveTheGatewaysDefault() {
        assertEquals(null, FloodBenchmark.Options.parse(new String[] {"--seconds", "5"}).newFlowQueue());
        assertEquals("off", FloodBenchmark.Options.parse(new String[] {"--new-flow-queue", "off"}).newFlowQueue());
        assertThrows(IllegalArgumentException.class, () -> FloodBenchmark.Options.parse(new String[] {
            "--new-flow-queue", "yes"}));
    }

    @Test
    void counterNamesAreShortenedForTheTable() {
        assertEquals("drop_not_vip", FloodReport.shortName("dsrgw_drop_not_vip_total"));
        assertEquals("flow_table_entries", FloodReport.shortName("dsrgw_flow_table_entries"));
    }
}
