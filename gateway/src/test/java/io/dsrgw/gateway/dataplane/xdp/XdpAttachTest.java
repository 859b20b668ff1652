package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.gateway.dataplane.FlowTimeouts;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.bpf.XdpLink;
import io.dsrgw.linux.bpf.XdpMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link XdpDataPlane#attach}: BPF links on the ingress interfaces plus their dsrgw_tx_ports entries, all or
 * nothing, errors prefixed with the config key, detached on close. In a namespace of its own with two veth pairs
 * (MTU 1500: native XDP on veth refuses larger MTUs without frags support).
 */
class XdpAttachTest {
    static TestNetns ns;

    @BeforeAll
    static void setUp() throws Exception {
        TestNetns.assumeAvailable();
        ns = TestNetns.create("dsrgw-xdp-attach");
        ns.ip("link", "add", "xa0", "type", "veth", "peer", "name", "xa0p");
        ns.ip("link", "add", "xa1", "type", "veth", "peer", "name", "xa1p");
        for (String dev : List.of("xa0", "xa0p", "xa1", "xa1p")) {
            ns.ip("link", "set", dev, "up");
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    static boolean txPort(XdpDataPlane plane, int ifindex) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_INT);
            key.set(JAVA_INT, 0, ifindex);
            return plane.map(XdpContract.MAP_TX_PORTS).lookup(key, value) && value.get(JAVA_INT, 0) == ifindex;
        }
    }

    @Test
    void shouldAttachToEveryInterfaceAndMakeEachARedirectTargetUntilClosed() throws Exception {
        XdpDataPlane plane = XdpDataPlane.load(1024, FlowTimeouts.DEFAULT, 251, 2);
        try {
            ns.call(() -> {
                plane.attach(List.of("xa0", "xa1"), XdpMode.NATIVE);
                return null;
            });
            List<XdpLink> links = plane.links();
            assertEquals(2, links.size());
            int programId = plane.program().id();
            for (XdpLink link : links) {
                assertEquals(programId, link.programId());
                assertTrue(txPort(plane, link.ifindex()), link.interfaceName() + " in dsrgw_tx_ports");
                assertTrue(ns.exec("ip", "link", "show", link.interfaceName()).contains("prog/xdp id " + programId),
                        link.interfaceName() + " runs the program natively");
            }
        } finally {
            plane.close();
        }
        assertFalse(ns.exec("ip", "link", "show", "xa0").contains("prog/xdp"), "detached on close");
        plane.close(); // idempotent
    }

    @Test
    void shouldDetachWhatItAttachedWhenALaterInterfaceFailsAndNameTheConfigKey() throws Exception {
        try (XdpDataPlane plane = XdpDataPlane.load(1024, FlowTimeouts.DEFAULT, 251, 2)) {
            LinuxException e = assertThrows(LinuxException.class, () -> ns.call(() -> {
                plane.attach(List.of("xa0", "nope0"), XdpMode.NATIVE);
                return null;
            }));
            assertTrue(e.getMessage().startsWith("ingress.xdp.interfaces: if_nametoindex(nope0): ENODEV"),
                    e.getMessage());
            assertEquals(List.of(), plane.links());
            assertFalse(ns.exec("ip", "link", "show", "xa0").contains("prog/xdp"), "xa0 detached again");
            int xa0 = ns.call(() -> io.dsrgw.linux.Interfaces.index("xa0"));
            assertFalse(txPort(plane, xa0), "and no redirect target");
        }
    }
}
