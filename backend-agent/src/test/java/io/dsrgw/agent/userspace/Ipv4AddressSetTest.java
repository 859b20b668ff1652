package io.dsrgw.agent.userspace;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Ipv4AddressSetTest {
    @Test
    void shouldContainExactlyTheIpv4MembersIncludingHighBitAddresses() {
        Ipv4AddressSet set = Ipv4AddressSet.ofInet(List.of(InetAddress.ofLiteral("10.0.2.2"),
                InetAddress.ofLiteral("192.168.1.1"), InetAddress.ofLiteral("fd00:2::2"),
                InetAddress.ofLiteral("10.0.2.2")));

        assertEquals(2, set.size());
        assertTrue(set.contains(0x0a000202));
        assertTrue(set.contains(0xc0a80101));          // negative as an int: sorting must not matter
        assertFalse(set.contains(0x0a000203));
        assertFalse(set.contains(0));
    }
}
