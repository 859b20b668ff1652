package io.dsrgw.harness.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ParsersTest {
    @Test
    void shouldParseLinkStatisticsFromIpJson() {
        String json = "[{\"ifindex\":1,\"ifname\":\"eth0\",\"mtu\":1500,"
                + "\"stats64\":{\"rx\":{\"bytes\":3305,\"packets\":31,"
                + "\"errors\":0,\"dropped\":2,\"over_errors\":0,\"multicast\":0},\"tx\":{\"bytes\":4000,\"packets\":40,"
                + "\"errors\":0,\"dropped\":1,\"carrier_errors\":0,\"collisions\":0}}}]";
        LinkCounters c = LinkCounters.parseIpJson("eth0", json);
        assertEquals(new LinkCounters("eth0", 31, 3305, 2, 40, 4000, 1), c);
        assertEquals(new LinkCounters("eth0", 1, 5, 0, 0, 0, 0),
                c.minus(new LinkCounters("eth0", 30, 3300, 2, 40, 4000, 1)));
    }

    @Test
    void shouldRejectIpJsonWithoutStatistics() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinkCounters.parseIpJson("eth0", "[{\"ifname\":\"eth0\"}]"));
        assertTrue(e.getMessage().contains("expected: \"stats64\""), e.getMessage());
    }

    @Test
    void shouldParseNamedNftCounters() {
        String listing = """
                table inet dsrgw_harness {
                	counter in_client_to_vip {
                		packets 165 bytes 10320
                	}
                	counter out_ipip {
                		packets 0 bytes 0
                	}
                }
                """;
        assertEquals(Map.of("in_client_to_vip", new NftCounters.Count(165, 10320),
                "out_ipip", new NftCounters.Count(0, 0)), NftCounters.parse(listing));
    }

    @Test
    void shouldNameTheCommandExitCodeAndStderrWhenACommandFails() throws Exception {
        CommandException e = assertThrows(CommandException.class,
                () -> Commands.check(List.of("sh", "-c", "echo 'RTNETLINK answers: File exists' >&2; exit 2")));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().contains("exited 2: RTNETLINK answers: File exists"), e.getMessage());
    }

    @Test
    void shouldMakeShortUniquePrefixes() {
        String p = Topology.randomPrefix();
        assertTrue(p.matches("d[0-9a-f]{4}"), p);
        // Longest namespace name: PREFIX-bNNN; interface names are fixed and short.
        assertTrue((p + "-b200").length() <= 15);
        for (String dev : List.of(Topology.ROUTER_BRIDGE, Topology.ROUTER_CLIENT_DEVICE, "to-b200")) {
            assertTrue(dev.length() <= 15, dev);
        }
    }
}
