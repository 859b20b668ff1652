package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InterfacesTest {
    @Test
    void shouldFindLoopback() throws Exception {
        assertTrue(Interfaces.index("lo") > 0);
        assertTrue(Interfaces.isUp("lo"));
        assertTrue(Interfaces.mtu("lo") >= 1280);
    }

    @Test
    void shouldNameAnInterfaceByItsIndexAndNothingForAMissingOne() {
        assertEquals("lo", Interfaces.name(Interfaces.index("lo")));
        assertEquals(null, Interfaces.name(0x7fff_fff0));
        assertEquals(null, Interfaces.name(0));
    }

    @Test
    void shouldReturnZeroForAMissingOrInvalidName() {
        assertEquals(0, Interfaces.index("nosuchdev0"));
        assertEquals(0, Interfaces.index("a-name-longer-than-15"));
        assertEquals(0, Interfaces.index(""));
        assertFalse(Interfaces.exists("nosuchdev0"));
    }

    @Test
    void shouldNameTheRequestAndDeviceInErrors() {
        LinuxException e = assertThrows(LinuxException.class, () -> Interfaces.mtu("nosuchdev0"));
        assertEquals("ioctl(SIOCGIFMTU, nosuchdev0): ENODEV (No such device)", e.getMessage());
    }
}
