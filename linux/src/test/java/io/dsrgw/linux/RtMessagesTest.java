package io.dsrgw.linux;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RtMessagesTest {
    private static final byte[] BACKEND = {10, 0, 3, 11};
    private static final byte[] ROUTER = {10, 0, 2, 1};

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
    }

    @Test
    void aRouteRequestIsAnRtmsgWithTheDestinationAsRtaDst() {
        ByteBuffer b = RtMessages.getRoute(BACKEND, 7).order(ByteOrder.nativeOrder());
        assertEquals(36, b.remaining());
        assertEquals(36, b.getInt(0));
        assertEquals(RtMessages.RTM_GETROUTE, b.getShort(4));
        assertEquals(RtMessages.NLM_F_REQUEST, b.getShort(6));
        assertEquals(7, b.getInt(8));
        assertEquals(Native.AF_INET, b.get(16));
        assertEquals(32, b.get(17)); // dst_len
        assertEquals(8, b.getShort(28)); // rta_len
        assertEquals(RtMessages.RTA_DST, b.getShort(30));
        assertArrayEquals(BACKEND, java.util.Arrays.copyOfRange(bytes(b), 32, 36));
    }

    @Test
    void anIpv6NeighbourRequestCarriesTheInterfaceAndA16ByteNdaDst() {
        byte[] address = HexFormat.of().parseHex("fd000002000000000000000000000001");
        ByteBuffer b = RtMessages.getNeighbour(address, 5, 9).order(ByteOrder.nativeOrder());
        assertEquals(48, b.remaining());
        assertEquals(RtMessages.RTM_GETNEIGH, b.getShort(4));
        assertEquals(Native.AF_INET6, b.get(16));
        assertEquals(5, b.getInt(20));
        assertEquals(0, b.getShort(24)); // state must be zero in a get request, the kernel refuses it otherwise
        assertEquals(20, b.getShort(28));
        assertEquals(RtMessages.NDA_DST, b.getShort(30));
    }

    @Test
    void anAddressOfAnotherLengthIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> RtMessages.getRoute(new byte[5], 1));
    }

    /** A reply as the kernel writes it: RTM_NEWROUTE with RTA_TABLE, RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PREFSRC. */
    private static ByteBuffer routeReply(int seq, int type, byte[] gateway) {
        ByteBuffer b = le(200);
        b.putInt(0).putShort((short) RtMessages.RTM_NEWROUTE).putShort((short) 0).putInt(seq).putInt(1234);
        b.put((byte) 2).put((byte) 32).put((byte) 0).put((byte) 0).put((byte) 254).put((byte) 0).put((byte) 0)
                .put((byte) type).putInt(0x200);
        b.putShort((short) 8).putShort((short) 15).putInt(254); // RTA_TABLE
        b.putShort((short) 8).putShort((short) RtMessages.RTA_DST).put(BACKEND);
        b.putShort((short) 8).putShort((short) RtMessages.RTA_OIF).putInt(3);
        if (gateway != null) {
            b.putShort((short) 8).putShort((short) RtMessages.RTA_GATEWAY).put(gateway);
        }
        b.putShort((short) 8).putShort((short) 7).put(new byte[] {10, 0, 2, 2}); // RTA_PREFSRC
        b.putShort((short) 5).putShort((short) 0x11).put((byte) 0).put(new byte[3]); // 1-byte payload + padding
        b.putInt(0, b.position());
        return b.flip();
    }

    @Test
    void aRouteReplyGivesTheInterfaceTheGatewayAndTheType() {
        RtMessages.Reply r = RtMessages.parse(routeReply(42, RtMessages.RTN_UNICAST, ROUTER), 42);
        assertEquals(0, r.errno());
        assertEquals(RtMessages.RTN_UNICAST, r.routeType());
        assertEquals(3, r.ifindex());
        assertArrayEquals(ROUTER, r.gateway());
        assertFalse(r.via());
    }

    @Test
    void anOnLinkRouteHasNoGateway() {
        RtMessages.Reply r = RtMessages.parse(routeReply(1, RtMessages.RTN_UNICAST, null), 1);
        assertNull(r.gateway());
        assertEquals(3, r.ifindex());
    }

    @Test
    void messagesOfOtherSequenceNumbersAreSkipped() {
        ByteBuffer first = routeReply(1, 2, null);
        ByteBuffer second = routeReply(2, RtMessages.RTN_UNICAST, ROUTER);
        ByteBuffer both = le(first.remaining() + second.remaining()).put(first).put(second).flip();
        assertEquals(RtMessages.RTN_UNICAST, RtMessages.parse(both, 2).routeType());
        assertEquals(2, RtMessages.parse(both, 1).routeType());
        assertNull(RtMessages.parse(both, 3));
    }

    @Test
    void anErrorReplyGivesThePositiveErrno() {
        ByteBuffer b = le(36);
        b.putInt(36).putShort((short) RtMessages.NLMSG_ERROR).putShort((short) 0).putInt(5).putInt(0);
        b.putInt(-Errno.ENOENT).put(new byte[16]);
        RtMessages.Reply r = RtMessages.parse(b.flip(), 5);
        assertEquals(Errno.ENOENT, r.errno());
    }

    @Test
    void aNeighbourReplyGivesTheStateAndTheMac() {
        ByteBuffer b = le(64);
        b.putInt(0).putShort((short) RtMessages.RTM_NEWNEIGH).putShort((short) 0).putInt(8).putInt(0);
        b.put((byte) 2).put((byte) 0).putShort((short) 0).putInt(3).putShort((short) NextHopLookup.NUD_REACHABLE)
                .put((byte) 0).put((byte) 1);
        b.putShort((short) 8).putShort((short) RtMessages.NDA_DST).put(ROUTER);
        b.putShort((short) 10).putShort((short) RtMessages.NDA_LLADDR).put(new byte[] {2, 0, 0, 0, 0, 1})
                .putShort((short) 0);
        b.putInt(0, b.position());
        RtMessages.Reply r = RtMessages.parse(b.flip(), 8);
        assertEquals(NextHopLookup.NUD_REACHABLE, r.neighbourState());
        assertEquals(3, r.ifindex());
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 1}, r.linkAddress());
    }

    @Test
    void anAttributeRunningPastItsMessageIsMalformed() {
        ByteBuffer b = routeReply(1, RtMessages.RTN_UNICAST, ROUTER);
        b.putShort(28, (short) 200); // the first attribute claims 200 bytes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RtMessages.parse(b, 1));
        assertTrue(e.getMessage().contains("attribute 15 of 200 bytes"), e.getMessage());
    }

    @Test
    void aTruncatedMessageIsMalformed() {
        ByteBuffer b = routeReply(1, RtMessages.RTN_UNICAST, ROUTER);
        ByteBuffer cut = b.slice(0, 30).order(ByteOrder.nativeOrder());
        assertThrows(IllegalArgumentException.class, () -> RtMessages.parse(cut, 1));
    }

    @Test
    void statesAreNamedAndOnlyVerifiedOrVerifyingOnesAreUsable() {
        assertEquals("STALE", NextHopLookup.NextHop.stateName(NextHopLookup.NUD_STALE));
        assertEquals("NONE", NextHopLookup.NextHop.stateName(0));
        assertEquals(0, NextHopLookup.USABLE_STATES & (NextHopLookup.NUD_STALE | NextHopLookup.NUD_FAILED
                | NextHopLookup.NUD_INCOMPLETE));
        assertEquals("02:00:00:00:00:01", NextHopLookup.NextHop.macText(0x020000000001L));
    }
}
