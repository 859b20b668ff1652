package io.dsrgw.agent.plan;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing real iproute2 6.1 output captured on this machine. */
class IpJsonTest {
    static final String LINKS = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue",\
            "operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback",\
            "address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","promiscuity":0,"allmulti":0,"min_mtu":0,\
            "max_mtu":0,"inet6_addr_gen_mode":"eui64","num_tx_queues":1,"num_rx_queues":1,"gso_max_size":65536},\
            {"ifindex":2,"ifname":"dsrdecap0","flags":["NO-CARRIER","POINTOPOINT","MULTICAST","NOARP","UP"],\
            "mtu":1500,"qdisc":"pfifo_fast","operstate":"DOWN","linkmode":"DEFAULT","group":"default","txqlen":500,\
            "link_type":"none","promiscuity":0,"allmulti":0,"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"tun",\
            "info_data":{"type":"tun","pi":false,"vnet_hdr":false,"multi_queue":false,"persist":true}},\
            "inet6_addr_gen_mode":"none","num_tx_queues":1,"num_rx_queues":1}]
            """;

    static final String ADDRESSES = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue",\
            "operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00",\
            "broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,\
            "scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},\
            {"family":"inet","local":"10.100.0.1","prefixlen":32,"scope":"global","label":"lo:dsrvip",\
            "valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1",\
            "prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]
            """;

    @Test
    void shouldReadLinkFlagsKindAndAddressGenerationMode() throws IOException {
        Map<String, ObservedLink> links = IpJson.parseLinks(LINKS, "ip -j -d link show");

        assertEquals(new ObservedLink("lo", 1, true, null, false, false, "eui64", 65536, Map.of()), links.get("lo"));
        ObservedLink tun = links.get("dsrdecap0");
        assertEquals(List.of(2, true, "tun", false, false, "none", 1500), List.of(tun.index(), tun.adminUp(),
                tun.kind(), tun.tunPi(), tun.tunMultiQueue(), tun.addrGenMode(), tun.mtuBytes()));
        assertEquals("false", tun.infoData().get("multi_queue"));
    }

    /** iproute2 6.1's print of a keyed gre device (link_gre.c: ikey via inet_ntop, remote "any" when 0). */
    @Test
    void shouldReadTunnelParametersFromInfoData() throws IOException {
        Map<String, ObservedLink> links = IpJson.parseLinks("""
                [{"ifindex":9,"ifname":"dsrgk2a","flags":["POINTOPOINT","NOARP","UP","LOWER_UP"],"mtu":1472,\
                "linkinfo":{"info_kind":"gre","info_data":{"remote":"any","local":"10.0.3.11","ttl":0,\
                "pmtudisc":true,"ikey":"0.0.0.42","okey":"0.0.0.42"}}}]
                """, "ip -j -d link show");
        ObservedLink l = links.get("dsrgk2a");
        assertEquals(1472, l.mtuBytes());
        assertEquals(Map.of("remote", "any", "local", "10.0.3.11", "ttl", "0", "pmtudisc", "true", "ikey", "0.0.0.42",
                "okey", "0.0.0.42"), l.infoData());
    }

    @Test
    void shouldReadTheRouteSource() throws IOException {
        assertEquals("fd00:3::11", IpJson.parseRoutePrefsrc("""
                [{"dst":"fd00:2::2","gateway":"fd00:3::1","dev":"eth0","prefsrc":"fd00:3:0:0::11","flags":[]}]""",
                "ip -j -6 route get fd00:2::2"));
        assertNull(IpJson.parseRoutePrefsrc("[{\"dst\":\"10.0.2.2\",\"dev\":\"eth0\"}]", "ip"));
    }

    @Test
    void shouldReadAddressesWithLabelsAndCanonicalLiterals() throws IOException {
        List<ObservedAddress> a = IpJson.parseAddresses(ADDRESSES, "ip -j addr show dev lo");

        assertEquals(3, a.size());
        assertEquals(new ObservedAddress("lo", "inet", "10.100.0.1", 32, "lo:dsrvip"), a.get(1));
        assertEquals("::1", a.get(2).address());
        assertNull(a.get(2).label());
    }

    @Test
    void shouldReadADownLoopbackWithoutAddresses() throws IOException {
        String freshNetns = "[{\"ifindex\":1,\"ifname\":\"lo\",\"flags\":[\"LOOPBACK\"],\"addr_info\":[]}]";

        assertTrue(IpJson.parseAddresses(freshNetns, "ip").isEmpty());
        assertEquals(false, IpJson.parseLinks(freshNetns, "ip").get("lo").adminUp());
    }

    @Test
    void shouldNameTheCommandWhenTheOutputIsNotWhatIprouteDocuments() {
        IOException notJson = assertThrows(IOException.class, () -> IpJson.parseLinks("Object \"x\" is unknown", "ip -j x"));
        assertTrue(notJson.getMessage().startsWith("ip -j x: output is not JSON"), notJson.getMessage());

        IOException notArray = assertThrows(IOException.class, () -> IpJson.parseLinks("{}", "ip -j -d link show"));
        assertEquals("ip -j -d link show: unexpected JSON: OBJECT (expected: an array)", notArray.getMessage());

        IOException missing = assertThrows(IOException.class, () -> IpJson.parseLinks("[{\"ifindex\":1}]", "ip"));
        assertTrue(missing.getMessage().startsWith("ip: unexpected JSON: missing \"ifname\""), missing.getMessage());
    }
}
