package io.dsrgw.linux;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/** Shared test helpers: capability assumptions, unique names, `ip` commands, hand-built IPv4/UDP packets. */
final class TestSupport {
    private TestSupport() {
    }

    static void assumeRoot() {
        assume(Capabilities.root(), "needs root (CAP_NET_ADMIN + CAP_NET_RAW)");
    }

    static void assumeTun() {
        assumeRoot();
        assume(Capabilities.tun(), "TUN unusable");
    }

    static void assumeRawSockets() {
        // CAP_NET_RAW is enough here: no root probe first
        assume(Capabilities.rawSockets(), "raw sockets unusable");
    }

    /** Skips the test with the probe's cause, printed on stdout too (Maven's console omits skip reasons). */
    private static void assume(Probe probe, String what) {
        if (!probe.available()) {
            String reason = what + ": " + probe.cause();
            System.out.println("SKIPPED: " + reason);
            Assumptions.assumeTrue(false, reason);
        }
    }

    /** "dsrt" + 5 random hex digits: unique per run, 9 characters. */
    static String uniqueName() {
        return String.format("dsrt%05x", ThreadLocalRandom.current().nextInt(1 << 20));
    }

    /** Runs {@code ip args...}; fails with the command's output when the exit code is not 0. */
    static String ip(String... args) throws IOException, InterruptedException {
        return run("ip", args);
    }

    /** Runs {@code tc args...} (traffic control, iproute2). */
    static String tc(String... args) throws IOException, InterruptedException {
        return run("tc", args);
    }

    private static String run(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(program);
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": " + out.strip());
        }
        return out;
    }

    static int ipv4(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /**
     * Writes an IPv4 header (20 bytes, no options, DF, TTL 64, correct checksum) followed by {@code payload}
     * at {@code offset}; returns the total length.
     *
     * <pre>
     *  0                   1                   2                   3
     *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
     * |Version|  IHL  |    DSCP/ECN   |          Total Length         |
     * |         Identification        |Flags|      Fragment Offset    |
     * |  Time to Live |    Protocol   |         Header Checksum       |
     * |                       Source Address                          |
     * |                    Destination Address                        |
     * </pre>
     */
    static int ipv4Packet(MemorySegment seg, long offset, int protocol, int source, int destination,
                          byte[] payload) {
        int total = 20 + payload.length;
        seg.set(JAVA_BYTE, offset, (byte) 0x45);
        seg.set(JAVA_BYTE, offset + 1, (byte) 0);
        putShort(seg, offset + 2, total);
        putShort(seg, offset + 4, 0);                  // identification
        putShort(seg, offset + 6, 0x4000);             // DF, offset 0
        seg.set(JAVA_BYTE, offset + 8, (byte) 64);     // TTL
        seg.set(JAVA_BYTE, offset + 9, (byte) protocol);
        putShort(seg, offset + 10, 0);
        putInt(seg, offset + 12, source);
        putInt(seg, offset + 16, destination);
        putShort(seg, offset + 10, checksum(seg, offset, 20));
        MemorySegment.copy(payload, 0, seg, JAVA_BYTE, offset + 20, payload.length);
        return total;
    }

    /** IPv4 + UDP (checksum 0 = none, RFC 768) with {@code data}; returns the total length. */
    static int udpPacket(MemorySegment seg, long offset, int source, int destination, int sourcePort,
                         int destinationPort, byte[] data) {
        byte[] udp = new byte[8 + data.length];
        udp[0] = (byte) (sourcePort >>> 8);
        udp[1] = (byte) sourcePort;
        udp[2] = (byte) (destinationPort >>> 8);
        udp[3] = (byte) destinationPort;
        udp[4] = (byte) (udp.length >>> 8);
        udp[5] = (byte) udp.length;
        System.arraycopy(data, 0, udp, 8, data.length);
        return ipv4Packet(seg, offset, 17, source, destination, udp);
    }

    static void putShort(MemorySegment seg, long offset, int value) {
        seg.set(JAVA_BYTE, offset, (byte) (value >>> 8));
        seg.set(JAVA_BYTE, offset + 1, (byte) value);
    }

    static void putInt(MemorySegment seg, long offset, int value) {
        putShort(seg, offset, value >>> 16);
        putShort(seg, offset + 2, value & 0xffff);
    }

    static int getShort(MemorySegment seg, long offset) {
        return (seg.get(JAVA_BYTE, offset) & 0xff) << 8 | seg.get(JAVA_BYTE, offset + 1) & 0xff;
    }

    static int getInt(MemorySegment seg, long offset) {
        return getShort(seg, offset) << 16 | getShort(seg, offset + 2);
    }

    /** RFC 1071 Internet checksum. */
    static int checksum(MemorySegment seg, long offset, int length) {
        long sum = 0;
        for (int i = 0; i + 1 < length; i += 2) {
            sum += getShort(seg, offset + i);
        }
        if ((length & 1) != 0) {
            sum += (seg.get(JAVA_BYTE, offset + length - 1) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    static long sysfsCounter(String device, String counter) throws IOException {
        return Long.parseLong(java.nio.file.Files.readString(
                java.nio.file.Path.of("/sys/class/net", device, "statistics", counter)).strip());
    }
}
