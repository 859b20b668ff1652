package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L2 DSR's questions to the kernel, in two namespaces joined by a veth pair (root): which addresses are on a
 * connected network, and that "use the neighbour" (RTM_NEWNEIGH + NTF_USE) makes the kernel resolve a MAC it had
 * never heard of, which a STALE-accepting resolve then returns.
 */
class NextHopLookupNamespaceTest {

    @Test
    void aConnectedAddressIsOnLinkARoutedOneAndAnOwnOneAreNotAndUseNeighbourResolvesTheMac() throws Exception {
        TestSupport.assumeRoot();
        String a = "nhA" + TestSupport.uniqueName();
        String b = "nhB" + TestSupport.uniqueName();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            TestSupport.ip("netns", "add", a);
            TestSupport.ip("netns", "add", b);
            TestSupport.ip("-n", a, "link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b);
            TestSupport.ip("-n", a, "addr", "add", "10.77.0.1/24", "dev", "va");
            TestSupport.ip("-n", b, "addr", "add", "10.77.0.2/24", "dev", "vb");
            TestSupport.ip("-n", a, "link", "set", "va", "up");
            TestSupport.ip("-n", b, "link", "set", "vb", "up");
            TestSupport.ip("-n", a, "route", "add", "10.88.0.0/16", "via", "10.77.0.2");
            String bMac = TestSupport.ip("-n", b, "-br", "link", "show", "vb").trim().split("\\s+")[2];
            thread.submit(() -> {
                NetworkNamespaces.enterCurrentThread(a);
                try (NextHopLookup lookup = NextHopLookup.open()) {
                    byte[] peer = InetAddress.getByName("10.77.0.2").getAddress();
                    assertNull(lookup.notOnLinkReason(peer));
                    String routed = lookup.notOnLinkReason(InetAddress.getByName("10.88.1.1").getAddress());
                    assertTrue(routed != null && routed.contains("10.77.0.2"), routed);
                    String own = lookup.notOnLinkReason(InetAddress.getByName("10.77.0.1").getAddress());
                    assertEquals("it is an address of this host", own);
                    assertFalse(lookup.resolve(peer, true).usable(), "no neighbour entry before anything was sent");
                    int ifindex = lookup.resolve(peer, true).ifindex();
                    lookup.useNeighbour(peer, ifindex);
                    NextHopLookup.NextHop hop = null;
                    for (int i = 0; i < 40 && (hop == null || !hop.usable()); i++) {
                        lookup.awaitChange(50);
                        hop = lookup.resolve(peer, true);
                    }
                    assertTrue(hop.usable(), "resolved after NTF_USE: " + hop);
                    assertEquals(bMac, NextHopLookup.NextHop.macText(hop.mac()));
                }
                return null;
            }).get();
        } finally {
            thread.shutdownNow();
            TestSupport.ip("netns", "del", a);
            TestSupport.ip("netns", "del", b);
        }
    }
}
