package io.dsrgw.encap.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4AddressesTest {

    @Test
    void shouldParseAndFormatDottedQuads() throws Exception {
        assertEquals(0x0a000001, Ipv4Addresses.parse("10.0.0.1"));
        assertEquals(0xffffffff, Ipv4Addresses.parse("255.255.255.255"));
        assertEquals(0, Ipv4Addresses.parse("0.0.0.0"));
        assertEquals("192.168.0.199", Ipv4Addresses.format(0xc0a800c7));
        assertEquals("255.255.255.255", Ipv4Addresses.format(-1));
        assertEquals(0xc0a800c7, Ipv4Addresses.of(InetAddress.getByName("192.168.0.199")));
        assertEquals(InetAddress.getByName("10.100.0.1"), Ipv4Addresses.toInetAddress(0x0a640001));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d", "1..2.3",
        "1.2.3.", "-1.2.3.4", "1.2.3.4444"})
    void shouldRejectMalformedAddressesNamingTheInput(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ipv4Addresses.parse(text));
        assertTrue(e.getMessage().startsWith("'" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("(expected: IPv4 address"), e.getMessage());
    }

    @Test
    void shouldRejectIpv6Addresses() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Ipv4Addresses.of(InetAddress.getByName("::1")));
    }
}
