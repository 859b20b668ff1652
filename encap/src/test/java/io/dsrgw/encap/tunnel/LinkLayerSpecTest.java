package io.dsrgw.encap.tunnel;

import io.dsrgw.encap.ip.Ipv4Addresses;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TunnelKind#NONE} (L2 DSR): a spec with no outer header, which the encapsulator refuses to write. */
class LinkLayerSpecTest {

    @Test
    void noneHasNoOverheadAndCarriesOnlyItsOwnFamily() {
        TunnelSpec v4 = TunnelSpec.noneIpv4(Ipv4Addresses.parse("10.0.3.11"));
        assertEquals(0, v4.overheadBytes());
        assertEquals(4, v4.outerFamily());
        assertTrue(v4.linkLayer());
        assertTrue(v4.acceptsInner(4));
        assertEquals(false, v4.acceptsInner(6));
        assertEquals("none -> 10.0.3.11 (L2)", v4.toString());
        TunnelSpec v6 = TunnelSpec.noneIpv6(0xfd00_0003_0000_0000L, 0x11L);
        assertEquals(6, v6.outerFamily());
        assertEquals(0, v6.overheadBytes());
        assertTrue(v6.acceptsInner(6));
        assertEquals(0, TunnelKind.NONE.overheadBytes());
        assertEquals(TunnelKind.NONE, TunnelKind.fromId("none"));
    }

    @Test
    void theEncapsulatorWritesNothingForNone() {
        byte[] bytes = new byte[200];
        bytes[100] = 0x45;
        bytes[103] = 40;
        byte[] before = bytes.clone();
        long r = new TunnelEncapsulator().encapsulate(MemorySegment.ofArray(bytes), 100, 40, 4,
                TunnelSpec.noneIpv4(1), 0, 0);
        assertEquals(-1, r);
        assertArrayEquals(before, bytes);
    }
}
