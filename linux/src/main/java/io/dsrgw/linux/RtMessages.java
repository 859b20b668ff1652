package io.dsrgw.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Building and parsing the few rtnetlink messages {@link NextHopLookup} uses (rtnetlink(7), netlink(7)), as pure
 * Java on byte buffers so that they are tested without a kernel. Host byte order (netlink's), 4-byte alignment.
 * <pre>
 *   nlmsghdr (16)  len u32, type u16, flags u16, seq u32, pid u32
 *   rtmsg (12)     family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags u32
 *   ndmsg (12)     family u8, pad u8, pad u16, ifindex s32, state u16, flags u8, type u8
 *   rtattr         len u16 (header included, unpadded), type u16, payload, padded to 4
 *   NLMSG_ERROR    nlmsghdr, then error s32 (0 or -errno), then the request's header
 * </pre>
 */
final class RtMessages {
    static final int NLMSG_HDRLEN = 16;
    static final int NLMSG_ERROR = 2;
    static final int NLMSG_DONE = 3;
    static final int NLM_F_REQUEST = 1;
    static final int NLM_F_ACK = 4;
    static final int NLM_F_CREATE = 0x400;
    /** ndm_flags: "use" the entry, i.e. neigh_event_send(): resolve (NONE/FAILED) or verify (STALE) it. */
    static final int NTF_USE = 0x01;
    static final int RTM_NEWROUTE = 24;
    static final int RTM_GETROUTE = 26;
    static final int RTM_NEWNEIGH = 28;
    static final int RTM_GETNEIGH = 30;
    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_VIA = 18;
    static final int NDA_DST = 1;
    static final int NDA_LLADDR = 2;
    static final int RTN_UNICAST = 1;
    static final int RTN_LOCAL = 2;
    /** rtmsg/ndmsg length. */
    static final int BODY_BYTES = 12;

    private RtMessages() {
    }

    /** {@code RTM_GETROUTE} for the route the kernel would use to send to {@code destination} (4 or 16 bytes). */
    static ByteBuffer getRoute(byte[] destination, int seq) {
        ByteBuffer b = header(RTM_GETROUTE, seq, BODY_BYTES + attributeBytes(destination.length));
        b.put((byte) family(destination)).put((byte) (8 * destination.length)).put((byte) 0).put((byte) 0);
        b.putInt(0).putInt(0); // table, protocol, scope, type; flags
        attribute(b, RTA_DST, destination);
        return b.flip();
    }

    /** {@code RTM_GETNEIGH} for the neighbour entry of {@code address} on interface {@code ifindex}. */
    static ByteBuffer getNeighbour(byte[] address, int ifindex, int seq) {
        ByteBuffer b = header(RTM_GETNEIGH, seq, BODY_BYTES + attributeBytes(address.length));
        b.put((byte) family(address)).put((byte) 0).putShort((short) 0).putInt(ifindex);
        b.putShort((short) 0).put((byte) 0).put((byte) 0); // state, flags, type: zero in a get request
        attribute(b, NDA_DST, address);
        return b.flip();
    }

    /**
     * {@code RTM_NEWNEIGH} with {@code NTF_USE} and {@code NLM_F_CREATE}: the kernel creates the entry of
     * {@code address} on {@code ifindex} if missing and sends it an event as an outgoing packet would (a missing or
     * FAILED entry starts resolution, a STALE one is verified: DELAY, then PROBE). Acknowledged (NLM_F_ACK).
     */
    static ByteBuffer useNeighbour(byte[] address, int ifindex, int seq) {
        ByteBuffer b = header(RTM_NEWNEIGH, seq, BODY_BYTES + attributeBytes(address.length));
        b.putShort(6, (short) (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE));
        b.put((byte) family(address)).put((byte) 0).putShort((short) 0).putInt(ifindex);
        b.putShort((short) 0).put((byte) NTF_USE).put((byte) 0); // state NUD_NONE: untouched with NTF_USE
        attribute(b, NDA_DST, address);
        return b.flip();
    }

    private static int family(byte[] address) {
        if (address.length == 4) {
            return Native.AF_INET;
        }
        if (address.length == 16) {
            return Native.AF_INET6;
        }
        throw new IllegalArgumentException("address of " + address.length + " bytes (expected: 4 or 16)");
    }

    private static ByteBuffer header(int type, int seq, int bodyBytes) {
        ByteBuffer b = ByteBuffer.allocate(NLMSG_HDRLEN + bodyBytes).order(ByteOrder.nativeOrder());
        b.putInt(NLMSG_HDRLEN + bodyBytes).putShort((short) type).putShort((short) NLM_F_REQUEST).putInt(seq)
                .putInt(0);
        return b;
    }

    private static int attributeBytes(int payload) {
        return align(4 + payload);
    }

    private static void attribute(ByteBuffer b, int type, byte[] payload) {
        b.putShort((short) (4 + payload.length)).putShort((short) type).put(payload);
        for (int pad = align(4 + payload.length) - 4 - payload.length; pad > 0; pad--) {
            b.put((byte) 0);
        }
    }

    static int align(int n) {
        return (n + 3) & ~3;
    }

    /**
     * The answer to a get request: {@code errno} (0 when the kernel answered with a route or neighbour, else the
     * positive errno of its NLMSG_ERROR) and, for a route, its type, output interface and gateway (null: the
     * destination is on-link); for a neighbour, its NUD state and link-layer address (null: none).
     */
    record Reply(int errno, int messageType, int routeType, int ifindex, byte[] gateway, boolean via,
                 int neighbourState, byte[] linkAddress) {
    }

    /**
     * Parses the first netlink message in {@code b} (position to limit) whose sequence number is {@code seq};
     * returns null when none is (a reply to an earlier request, or a notification).
     *
     * @throws IllegalArgumentException when a message is truncated or malformed
     */
    static Reply parse(ByteBuffer b, int seq) {
        b = b.duplicate().order(ByteOrder.nativeOrder());
        while (b.remaining() >= NLMSG_HDRLEN) {
            int start = b.position();
            int length = b.getInt(start);
            int type = b.getShort(start + 4) & 0xffff;
            int messageSeq = b.getInt(start + 8);
            if (length < NLMSG_HDRLEN || length > b.remaining()) {
                throw new IllegalArgumentException("netlink message of " + length + " bytes with " + b.remaining()
                        + " left (expected: " + NLMSG_HDRLEN + ".." + b.remaining() + ")");
            }
            if (messageSeq == seq) {
                return parseOne(b.slice(start, length).order(ByteOrder.nativeOrder()), type);
            }
            b.position(Math.min(b.limit(), start + align(length)));
        }
        return null;
    }

    private static Reply parseOne(ByteBuffer m, int type) {
        int length = m.limit();
        if (type == NLMSG_ERROR) {
            if (length < NLMSG_HDRLEN + 4) {
                throw new IllegalArgumentException("NLMSG_ERROR of " + length + " bytes (expected: >= 20)");
            }
            return new Reply(-m.getInt(NLMSG_HDRLEN), type, 0, 0, null, false, 0, null);
        }
        if (type != RTM_NEWROUTE && type != RTM_NEWNEIGH) {
            throw new IllegalArgumentException("netlink message type " + type + " (expected: RTM_NEWROUTE "
                    + RTM_NEWROUTE + ", RTM_NEWNEIGH " + RTM_NEWNEIGH + " or NLMSG_ERROR " + NLMSG_ERROR + ")");
        }
        if (length < NLMSG_HDRLEN + BODY_BYTES) {
            throw new IllegalArgumentException("message of " + length + " bytes (expected: >= 28)");
        }
        int body = NLMSG_HDRLEN;
        int routeType = 0;
        int ifindex = 0;
        int state = 0;
        if (type == RTM_NEWROUTE) {
            routeType = m.get(body + 7) & 0xff;
        } else {
            ifindex = m.getInt(body + 4);
            state = m.getShort(body + 8) & 0xffff;
        }
        byte[] gateway = null;
        byte[] lladdr = null;
        boolean via = false;
        int at = body + BODY_BYTES;
        while (at + 4 <= length) {
            int attrLength = m.getShort(at) & 0xffff;
            int attrType = m.getShort(at + 2) & 0x3fff; // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
            if (attrLength < 4 || at + attrLength > length) {
                throw new IllegalArgumentException("attribute " + attrType + " of " + attrLength + " bytes at "
                        + at + " in a message of " + length + " (expected: 4.." + (length - at) + ")");
            }
            int payload = attrLength - 4;
            if (type == RTM_NEWROUTE) {
                if (attrType == RTA_OIF && payload == 4) {
                    ifindex = m.getInt(at + 4);
                } else if (attrType == RTA_GATEWAY) {
                    gateway = bytes(m, at + 4, payload);
                } else if (attrType == RTA_VIA) {
                    via = true; // a gateway of the other family (RFC 5549): not followed, see NextHopLookup
                }
            } else if (attrType == NDA_LLADDR) {
                lladdr = bytes(m, at + 4, payload);
            }
            at += align(attrLength);
        }
        return new Reply(0, type, routeType, ifindex, gateway, via, state, lladdr);
    }

    private static byte[] bytes(ByteBuffer m, int at, int length) {
        byte[] out = new byte[length];
        m.get(at, out);
        return out;
    }
}
