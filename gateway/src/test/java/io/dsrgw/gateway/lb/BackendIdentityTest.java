package io.dsrgw.gateway.lb;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BackendIdentityTest {
    @Test
    void shouldWriteIpv4AsDottedDecimal() throws Exception {
        assertEquals("10.0.3.10", BackendIdentity.of(InetAddress.getByName("10.0.3.10")));
    }

    @Test
    void shouldWriteIpv6PerRfc5952() throws Exception {
        assertEquals("fd00:3::11", BackendIdentity.of(InetAddress.getByName("FD00:3:0:0:0:0:0:0011")));
        assertEquals("2001:db8::1:0:0:1", BackendIdentity.of(InetAddress.getByName("2001:db8:0:0:1:0:0:1")));
        assertEquals("2001:db8:0:1:1:1:1:1", BackendIdentity.of(InetAddress.getByName("2001:db8::1:1:1:1:1")));
        assertEquals("::", BackendIdentity.of(InetAddress.getByName("::")));
        assertEquals("::1", BackendIdentity.of(InetAddress.getByName("::1")));
        assertEquals("fe80::", BackendIdentity.of(InetAddress.getByName("fe80::")));
    }
}
