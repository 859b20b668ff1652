package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Asks the kernel (rtnetlink, NETLINK_ROUTE) how it would send to an address: the route ({@code RTM_GETROUTE}:
 * output interface, gateway or on-link) and the neighbour entry of the next hop ({@code RTM_GETNEIGH}: NUD state and
 * MAC). The answer, a {@link NextHop}, is what a link-layer sender ({@link PacketSocket}) needs to put the frame on
 * the wire itself: for a destination behind a router the router's MAC, for an on-link destination its own MAC.
 *
 * <p>{@link #awaitChange} waits on a second netlink socket subscribed to the link, neighbour and IPv4/IPv6 route
 * notification groups, so that a caller re-resolves as soon as something that could change an answer happened.
 *
 * <p>Control plane only (allocates; one thread at a time). Needs no privilege to read; the sockets are closed by
 * {@link #close}.
 */
public final class NextHopLookup implements AutoCloseable {
    // <linux/neighbour.h>
    public static final int NUD_INCOMPLETE = 0x01;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_DELAY = 0x08;
    public static final int NUD_PROBE = 0x10;
    public static final int NUD_FAILED = 0x20;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;
    /**
     * States whose MAC the kernel itself sends to without asking first, except STALE: REACHABLE, PERMANENT, NOARP,
     * and DELAY/PROBE (being verified: a wrong MAC fails the probes and the state moves on). STALE is left out on
     * purpose: only a packet through the kernel's neighbour output moves a STALE entry to DELAY and so gets it
     * verified; a sender that bypasses the neighbour layer would keep using a stale MAC forever.
     */
    public static final int USABLE_STATES = NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP | NUD_DELAY | NUD_PROBE;

    // <linux/rtnetlink.h> RTNLGRP_* as bits of sockaddr_nl.nl_groups (RTMGRP_*)
    private static final int RTMGRP_LINK = 0x1;
    private static final int RTMGRP_NEIGH = 0x4;
    private static final int RTMGRP_IPV4_ROUTE = 0x40;
    private static final int RTMGRP_IPV6_ROUTE = 0x400;
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int REPLY_TIMEOUT_MS = 1000;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(BUFFER_BYTES, 8);
    private final int requestFd;
    private final int monitorFd;
    private int seq = (int) (System.nanoTime() & 0x3fffffff);

    private NextHopLookup(int requestFd, int monitorFd) {
        this.requestFd = requestFd;
        this.monitorFd = monitorFd;
    }

    /**
     * Opens the request socket and the notification socket.
     *
     * @throws LinuxException e.g. {@code socket(AF_NETLINK, NETLINK_ROUTE): EPERM}
     */
    public static NextHopLookup open() throws LinuxException {
        int request = netlinkSocket();
        try {
            int monitor = netlinkSocket();
            try {
                bind(monitor, RTMGRP_LINK | RTMGRP_NEIGH | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE);
                Native.nonBlocking(monitor, true, "netlink monitor");
                return new NextHopLookup(request, monitor);
            } catch (LinuxException | RuntimeException e) {
                Native.closeQuietly(monitor);
                throw e;
            }
        } catch (LinuxException | RuntimeException e) {
            Native.closeQuietly(request);
            throw e;
        }
    }

    private static int netlinkSocket() throws LinuxException {
        MemorySegment st = Native.state();
        int fd = Native.socket(st, Native.AF_NETLINK, Native.SOCK_RAW | Native.SOCK_CLOEXEC, Native.NETLINK_ROUTE);
        if (fd < 0) {
            throw new LinuxException("socket", "AF_NETLINK, NETLINK_ROUTE", Native.errno(st));
        }
        return fd;
    }

    private static void bind(int fd, int groups) throws LinuxException {
        MemorySegment st = Native.state();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment address = a.allocate(12, 4); // sockaddr_nl: family u16, pad u16, pid u32, groups u32
            address.set(JAVA_SHORT, 0, (short) Native.AF_NETLINK);
            address.set(JAVA_INT, 8, groups);
            if (Native.bind(st, fd, address, 12) != 0) {
                throw new LinuxException("bind", "AF_NETLINK, groups 0x" + Integer.toHexString(groups),
                        Native.errno(st));
            }
        }
    }

    /**
     * How the kernel would send to {@code destination} (4 or 16 bytes) right now.
     *
     * @throws LinuxException when netlink itself fails (not when there is no route or neighbour: that is an
     *                        unusable {@link NextHop} saying why)
     */
    public NextHop resolve(byte[] destination) throws LinuxException {
        return resolve(destination, false);
    }

    /**
     * As {@link #resolve(byte[])}; with {@code acceptStale} a STALE neighbour is usable too: for a caller that has the
     * entry verified itself ({@link #useNeighbour}), as L2 DSR does, whose frames never pass the neighbour layer.
     */
    public NextHop resolve(byte[] destination, boolean acceptStale) throws LinuxException {
        RtMessages.Reply route = ask(RtMessages.getRoute(destination, ++seq), seq, "RTM_GETROUTE");
        if (route.errno() != 0) {
            return NextHop.unusable(destination, 0, null, 0, "no route: " + Errno.name(route.errno()));
        }
        if (route.routeType() != RtMessages.RTN_UNICAST) {
            return NextHop.unusable(destination, route.ifindex(), null, 0, "route type " + route.routeType()
                    + " (expected: unicast)");
        }
        if (route.via()) {
            return NextHop.unusable(destination, route.ifindex(), null, 0, "gateway of another family (RTA_VIA)");
        }
        if (route.ifindex() <= 0) {
            return NextHop.unusable(destination, 0, null, 0, "route without an output interface (multipath?)");
        }
        byte[] hop = route.gateway() != null ? route.gateway() : destination;
        if (hop.length != destination.length) {
            return NextHop.unusable(destination, route.ifindex(), hop, 0, "gateway of another family");
        }
        RtMessages.Reply neighbour = ask(RtMessages.getNeighbour(hop, route.ifindex(), ++seq), seq,
                "RTM_GETNEIGH");
        if (neighbour.errno() != 0) {
            return NextHop.unusable(destination, route.ifindex(), hop, 0,
                    "no neighbour entry: " + Errno.name(neighbour.errno()));
        }
        byte[] lladdr = neighbour.linkAddress();
        if (lladdr == null || lladdr.length != 6) {
            return NextHop.unusable(destination, route.ifindex(), hop, neighbour.neighbourState(),
                    "link-layer address of " + (lladdr == null ? 0 : lladdr.length) + " bytes (expected: 6)");
        }
        int usable = USABLE_STATES | (acceptStale ? NUD_STALE : 0);
        if ((neighbour.neighbourState() & usable) == 0) {
            return NextHop.unusable(destination, route.ifindex(), hop, neighbour.neighbourState(),
                    "neighbour " + NextHop.stateName(neighbour.neighbourState()));
        }
        long mac = 0;
        for (byte b : lladdr) {
            mac = mac << 8 | (b & 0xff);
        }
        return new NextHop(destination.clone(), route.ifindex(), hop, route.gateway() == null,
                neighbour.neighbourState(), mac, null);
    }

    /**
     * Asks the kernel to resolve or verify the neighbour entry of {@code address} on {@code ifindex}, as a packet
     * sent through the neighbour layer would (RTM_NEWNEIGH with NTF_USE, creating the entry when missing): ARP /
     * neighbour solicitation for a missing or FAILED entry, a reachability check for a STALE one. Needs
     * CAP_NET_ADMIN. The answer arrives later as a neighbour notification ({@link #awaitChange}).
     *
     * @throws LinuxException e.g. {@code RTM_NEWNEIGH(NTF_USE, 10.0.3.10 ifindex 4): EPERM}
     */
    public void useNeighbour(byte[] address, int ifindex) throws LinuxException {
        RtMessages.Reply r = ask(RtMessages.useNeighbour(address, ifindex, ++seq), seq, "RTM_NEWNEIGH");
        if (r.errno() != 0) {
            throw new LinuxException("RTM_NEWNEIGH", "NTF_USE, " + NextHop.address(address) + " ifindex " + ifindex,
                    r.errno());
        }
    }

    /**
     * Why the kernel does not reach {@code destination} on a directly connected network (a unicast route without a
     * gateway, out of an interface), or null when it does: the test for an L2 DSR backend.
     */
    public String notOnLinkReason(byte[] destination) throws LinuxException {
        RtMessages.Reply route = ask(RtMessages.getRoute(destination, ++seq), seq, "RTM_GETROUTE");
        if (route.errno() != 0) {
            return "no route to it (" + Errno.name(route.errno()) + ")";
        }
        if (route.routeType() == RtMessages.RTN_LOCAL) {
            return "it is an address of this host";
        }
        if (route.routeType() != RtMessages.RTN_UNICAST) {
            return "its route is of type " + route.routeType() + " (not unicast)";
        }
        if (route.via() || route.gateway() != null) {
            return "the kernel routes it through the gateway "
                    + (route.gateway() != null ? NextHop.address(route.gateway()) : "of another family");
        }
        if (route.ifindex() <= 0) {
            return "its route has no single output interface (multipath?)";
        }
        return null;
    }

    private RtMessages.Reply ask(ByteBuffer request, int requestSeq, String what) throws LinuxException {
        MemorySegment st = Native.state();
        int length = request.remaining();
        MemorySegment.copy(MemorySegment.ofBuffer(request), 0, buffer, 0, length);
        long sent = Native.sendto(st, requestFd, buffer.address(), length, 0, 0L, 0);
        if (sent < 0) {
            throw new LinuxException("sendto", "netlink " + what, Native.errno(st));
        }
        int[] fds = {requestFd};
        while (true) {
            if (Poll.pollIn(fds, REPLY_TIMEOUT_MS) == 0) {
                throw new LinuxException("recvfrom", "netlink " + what, Errno.ETIMEDOUT,
                        "no answer within " + REPLY_TIMEOUT_MS + " ms");
            }
            long n = Native.recvfrom(st, requestFd, buffer.address(), BUFFER_BYTES, Native.MSG_DONTWAIT, 0L, 0L);
            if (n < 0) {
                int errno = Native.errno(st);
                if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                    continue;
                }
                throw new LinuxException("recvfrom", "netlink " + what, errno);
            }
            byte[] bytes = buffer.asSlice(0, n).toArray(JAVA_BYTE);
            RtMessages.Reply reply;
            try {
                reply = RtMessages.parse(ByteBuffer.wrap(bytes), requestSeq);
            } catch (IllegalArgumentException e) {
                throw new LinuxException("recvfrom", "netlink " + what, Errno.EPROTO, e.getMessage());
            }
            if (reply != null) {
                return reply;
            }
            // An answer to an earlier request that timed out: read on.
        }
    }

    /**
     * Waits up to {@code timeoutMs} for a link, neighbour or route notification and reads every one pending.
     *
     * @return true when something changed (or notifications were lost: ENOBUFS), false on timeout
     */
    public boolean awaitChange(int timeoutMs) throws LinuxException {
        if (Poll.pollIn(new int[] {monitorFd}, timeoutMs) == 0) {
            return false;
        }
        MemorySegment st = Native.state();
        boolean any = false;
        while (true) {
            long n = Native.recvfrom(st, monitorFd, buffer.address(), BUFFER_BYTES, Native.MSG_DONTWAIT, 0L, 0L);
            if (n > 0) {
                any = true;
                continue;
            }
            int errno = n < 0 ? Native.errno(st) : Errno.EAGAIN;
            if (errno == Errno.ENOBUFS) {
                any = true; // the kernel dropped notifications: treat as a change
                continue;
            }
            if (errno == Errno.EAGAIN || errno == Errno.EINTR) {
                return any;
            }
            throw new LinuxException("recvfrom", "netlink monitor", errno);
        }
    }

    @Override
    public synchronized void close() {
        Native.closeQuietly(requestFd);
        Native.closeQuietly(monitorFd);
        arena.close();
    }

    /**
     * How the kernel sends to {@link #destination}: out of interface {@link #ifindex} to {@link #nextHop} (a
     * router's address, or the destination itself when {@link #onLink}), whose neighbour entry is in NUD
     * {@link #state} with MAC {@link #mac} (low 48 bits). {@link #reason} is null when the answer may be used to
     * send frames directly ({@link #usable()}), else it says why not.
     */
    public record NextHop(byte[] destination, int ifindex, byte[] nextHop, boolean onLink, int state, long mac,
                          String reason) {

        static NextHop unusable(byte[] destination, int ifindex, byte[] nextHop, int state, String reason) {
            return new NextHop(destination.clone(), ifindex, nextHop, nextHop != null
                    && Arrays.equals(nextHop, destination), state, 0, reason);
        }

        /** True when frames may be sent to {@link #mac} out of {@link #ifindex}. */
        public boolean usable() {
            return reason == null;
        }

        /** True when both say the same about sending (interface, MAC, usability); the NUD state may differ. */
        public boolean sameSending(NextHop other) {
            return other != null && ifindex == other.ifindex && mac == other.mac && usable() == other.usable();
        }

        /** e.g. {@code REACHABLE}, {@code STALE|...}; {@code NONE} for 0. */
        public static String stateName(int state) {
            if (state == 0) {
                return "NONE";
            }
            String[] names = {"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT"};
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < names.length; i++) {
                if ((state & (1 << i)) != 0) {
                    sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
                }
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return address(destination) + " via " + (nextHop == null ? "?" : address(nextHop)) + " ifindex "
                    + ifindex + (usable() ? " mac " + macText(mac) + " " + stateName(state) : ": " + reason);
        }

        static String address(byte[] a) {
            try {
                return InetAddress.getByAddress(a).getHostAddress();
            } catch (UnknownHostException e) {
                return Arrays.toString(a);
            }
        }

        static String macText(long mac) {
            StringBuilder sb = new StringBuilder();
            for (int i = 5; i >= 0; i--) {
                sb.append(String.format("%02x", (mac >>> (8 * i)) & 0xff)).append(i > 0 ? ":" : "");
            }
            return sb.toString();
        }
    }
}
