package io.dsrgw.conf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IpLiteralsTest {

    @ParameterizedTest
    @ValueSource(strings = {"10.0.3.11", "0.0.0.0", "255.255.255.255", "1.2.3.4"})
    void shouldParseIpv4LikeTheJdk(String s) {
        InetAddress a = IpLiterals.parse(s);
        assertInstanceOf(Inet4Address.class, a);
        assertEquals(InetAddress.ofLiteral(s), a);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fd00:3::11", "::", "::1", "1::", "1:2:3:4:5:6:7:8", "fe80::1:2", "64:ff9b::10.0.3.11",
        "::10.0.3.11", "FD00:0:0:0:0:0:0:AB", "1:2:3:4:5:6:1.2.3.4"})
    void shouldParseIpv6LikeTheJdk(String s) {
        InetAddress a = IpLiterals.parse(s);
        assertInstanceOf(Inet6Address.class, a);
        assertEquals(InetAddress.ofLiteral(s), a);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|empty",
        "1.2.3|4 dot-separated octets needed, found 3",
        "1.2.3.4.5|4 dot-separated octets needed, found 5",
        "1.2.3.256|256 is not an octet 0..255",
        "1.2.3.-1|'-1' is not an octet 0..255",
        "1.2..4|'' is not an octet 0..255",
        "01.2.3.4|'01' has a leading zero (octal or decimal?)",
        "1.2.3.0x1|'0x1' is not an octet 0..255",
        "host.example|4 dot-separated octets needed, found 2",
        "1:2:3:4:5:6:7|8 groups of 16 bits needed, found 7",
        "1:2:3:4:5:6:7:8:9|more than 8 groups",
        "1::2::3|'::' may appear only once",
        "1:2:3:4::5:6:7:8|'::' must stand for at least one group; found 8 groups besides it",
        "12345::|group '12345' has more than 4 hex digits",
        "g::1|'g' is not a hex group",
        ":1:2:3:4:5:6:7|empty group (use '::' once to skip zero groups)",
        "fe80::1%eth0|zone ids (%...) are not supported",
        "[::1]|write the address without brackets",
        "::ffff:10.0.0.1|IPv4-mapped IPv6 addresses are not supported; write the IPv4 address",
        "1.2.3.4::|an embedded IPv4 address must be the last 32 bits",
    })
    void shouldRejectBadLiteralsWithAReason(String s, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpLiterals.parse(s));
        assertEquals(reason, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({
        "fd00:3:0:0:0:0:0:11, fd00:3::11",
        "0:0:0:0:0:0:0:1, ::1",
        "0:0:0:0:0:0:0:0, ::",
        "1:0:0:2:0:0:0:3, 1:0:0:2::3",
        "1:0:2:3:4:5:6:7, 1:0:2:3:4:5:6:7",
        "FD00:0:0:1:0:0:0:0, fd00:0:0:1::",
        "10.0.3.11, 10.0.3.11",
    })
    void shouldFormatAddressesCanonically(String in, String out) {
        assertEquals(out, IpLiterals.format(IpLiterals.parse(in)));
    }

    @Test
    void shouldFormatNullAsNone() {
        assertEquals("none", IpLiterals.format(null));
    }
}
