package io.dsrgw.agent.health;

import io.dsrgw.agent.plan.CommandResult;
import io.dsrgw.agent.plan.Host;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Kernel mode's /status counters from `ip -j -s link show` and the agent's nft table. */
class KernelCountersTest {
    static final String LINKS = """
            [{"ifindex":1,"ifname":"lo","stats64":{"rx":{"bytes":1,"packets":99,"errors":0,"dropped":0}}},
             {"ifindex":5,"ifname":"dsripip","link_type":"ipip","stats64":{"rx":{"bytes":8400,"packets":100,\
            "errors":0,"dropped":1,"over_errors":0,"multicast":0},"tx":{"bytes":0,"packets":0}}},
             {"ifindex":6,"ifname":"dsrgre","link_type":"gre","stats64":{"rx":{"bytes":4200,"packets":50,\
            "errors":3,"dropped":0}}}]
            """;
    static final String TABLE = """
            {"nftables": [{"metainfo": {"json_schema_version": 1}},
             {"table": {"family": "inet", "name": "dsrgw_agent", "handle": 3}},
             {"counter": {"family": "inet", "name": "tunnel_drop_ipv4", "table": "dsrgw_agent", "handle": 1,
              "packets": 7, "bytes": 588}},
             {"counter": {"family": "inet", "name": "tunnel_drop_ipv6", "table": "dsrgw_agent", "handle": 2,
              "packets": 0, "bytes": 0}},
             {"counter": {"family": "inet", "name": "tunnel_inner_drop_ipv4", "table": "dsrgw_agent", "handle": 4,
              "packets": 4, "bytes": 336}},
             {"counter": {"family": "inet", "name": "tunnel_inner_drop_ipv6", "table": "dsrgw_agent", "handle": 5,
              "packets": 0, "bytes": 0}}]}
            """;

    static Host host(CommandResult links, CommandResult table) {
        return new Host() {
            @Override
            public CommandResult run(List<String> argv) {
                return argv.getFirst().equals("ip") ? links : table;
            }

            @Override
            public String readSysctl(String key) {
                throw new AssertionError("not read");
            }

            @Override
            public void writeSysctl(String key, String value) {
                throw new AssertionError("not written");
            }
        };
    }

    @Test
    void shouldSumAndListTheTunnelDevicesAndTheFilterDrops() throws IOException {
        Host host = host(new CommandResult(List.of("ip"), 0, LINKS, ""), new CommandResult(List.of("nft"), 0, TABLE,
                ""));

        Map<String, Long> c = KernelCounters.read(host, Set.of("dsripip", "dsrgre", "dsrsit"));

        assertEquals(List.of("decap_packets", "decap_packets.dsripip", "drop_rx_errors.dsripip",
                "drop_rx_dropped.dsripip", "decap_packets.dsrgre", "drop_rx_errors.dsrgre", "drop_rx_dropped.dsrgre",
                "tunnel_drop_ipv4", "tunnel_drop_ipv6", "tunnel_inner_drop_ipv4", "tunnel_inner_drop_ipv6"),
                List.copyOf(c.keySet()));
        assertEquals(4L, c.get("tunnel_inner_drop_ipv4"), "issue 14: decapsulated packets not to a VIP");
        assertEquals(150L, c.get("decap_packets"));
        assertEquals(1L, c.get("drop_rx_dropped.dsripip"));
        assertEquals(3L, c.get("drop_rx_errors.dsrgre"));
        assertEquals(7L, c.get("tunnel_drop_ipv4"));
    }

    @Test
    void shouldLeaveOutTheFilterWhenTheTableIsMissingAndFailWithTheCommandOnBadOutput() throws IOException {
        Host noTable = host(new CommandResult(List.of("ip"), 0, LINKS, ""),
                new CommandResult(List.of("nft"), 1, "", "Error: No such file or directory"));
        assertEquals(Map.of("decap_packets", 0L), KernelCounters.read(noTable, Set.of()));

        Host garbage = host(new CommandResult(List.of("ip"), 0, "{", ""), null);
        IOException e = assertThrows(IOException.class, () -> KernelCounters.read(garbage, Set.of("dsripip")));
        assertEquals(true, e.getMessage().startsWith("ip -j -s link show: not valid JSON: "), e.getMessage());
    }
}
