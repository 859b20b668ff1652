package io.dsrgw.harness.scenario;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.dsrgw.encap.pcap.PcapReader;
import io.dsrgw.encap.pcap.PcapRecord;
import io.dsrgw.encap.pcap.PcapWriter;
import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;

/**
 * Which backend a gateway config picks for each flow, offline: writes one IPv4 TCP SYN per flow into a
 * LINKTYPE_RAW pcap, runs {@code dsr-gateway replay} (a separate process: the real pipeline, Maglev and all) and
 * reads the outer destination of every IP-in-IP packet it wrote, keyed by the inner flow.
 */
public final class FlowReplay {
    private static final int LINKTYPE_RAW = 101;
    private static final int SYN_BYTES = 40;

    private FlowReplay() {
    }

    /** A TCP flow, IPv4. */
    public record Flow(String source, int sourcePort, String destination, int destinationPort) {
        @Override
        public String toString() {
            return source + ":" + sourcePort + ">" + destination + ":" + destinationPort;
        }
    }

    /** Writes one SYN per flow, in order, 1 ms apart. */
    public static void writeSyns(Path pcap, List<Flow> flows) throws IOException {
        try (PcapWriter w = PcapWriter.create(pcap, LINKTYPE_RAW, true); Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(SYN_BYTES);
            ByteBuffer b = seg.asByteBuffer().order(ByteOrder.BIG_ENDIAN);
            long ts = 1_700_000_000_000_000_000L;
            for (Flow f : flows) {
                b.clear();
                b.put((byte) 0x45).put((byte) 0).putShort((short) SYN_BYTES).putShort((short) 1)
                        .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
                        .put(InetAddress.getByName(f.source()).getAddress())
                        .put(InetAddress.getByName(f.destination()).getAddress());
                b.putShort(10, ipChecksum(seg));
                b.putShort((short) f.sourcePort()).putShort((short) f.destinationPort()).putInt(1).putInt(0)
                        .put((byte) 0x50).put((byte) 0x02).putShort((short) 64240).putShort((short) 0)
                        .putShort((short) 0);
                w.write(ts, seg, 0, SYN_BYTES);
                ts += 1_000_000;
            }
        }
    }

    private static short ipChecksum(MemorySegment seg) {
        long sum = 0;
        for (int i = 0; i < 20; i += 2) {
            sum += ((seg.get(ValueLayout.JAVA_BYTE, i) & 0xff) << 8) | (seg.get(ValueLayout.JAVA_BYTE, i + 1) & 0xff);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }

    /**
     * Runs {@code dsr-gateway replay --config CONFIG --in IN --out OUT} and returns, for each flow the output
     * carries encapsulated (IPv4 outer, protocol 4), the outer destination, in output order.
     */
    public static Map<Flow, String> replay(Path gatewayLauncher, Path config, Path in, Path out)
            throws IOException {
        Commands.Result r;
        try {
            r = Commands.run(List.of(gatewayLauncher.toString(), "replay", "--config", config.toString(),
                    "--in", in.toString(), "--out", out.toString()), Duration.ofSeconds(60));
        } catch (CommandException e) {
            throw new IOException("dsr-gateway replay with " + config + ": " + e.getMessage(), e);
        }
        if (r.exitCode() != 0 || !Files.exists(out)) {
            throw new IOException("dsr-gateway replay with " + config + " exited " + r.exitCode() + ":\n"
                    + r.stdout() + r.stderr());
        }
        return outerDestinations(out);
    }

    /** Inner flow -> outer IPv4 destination of every IP-in-IP packet in a LINKTYPE_RAW capture. */
    public static Map<Flow, String> outerDestinations(Path pcap) throws IOException {
        Map<Flow, String> out = new LinkedHashMap<>();
        try (PcapReader reader = PcapReader.open(pcap)) {
            PcapRecord rec = new PcapRecord();
            while (reader.next(rec)) {
                if (rec.ipOffset() < 0) {
                    continue;
                }
                byte[] p = rec.data().asSlice(rec.ipOffset(), rec.ipLength()).toArray(ValueLayout.JAVA_BYTE);
                if ((p[0] >> 4) != 4 || p[9] != 4) {
                    continue;
                }
                int outer = (p[0] & 0xf) * 4;
                int inner = outer + (p[outer] & 0xf) * 4;
                String outerDst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(p, 16, 20)).getHostAddress();
                String src = InetAddress.getByAddress(java.util.Arrays.copyOfRange(p, outer + 12, outer + 16))
                        .getHostAddress();
                String dst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(p, outer + 16, outer + 20))
                        .getHostAddress();
                int sport = ((p[inner] & 0xff) << 8) | (p[inner + 1] & 0xff);
                int dport = ((p[inner + 2] & 0xff) << 8) | (p[inner + 3] & 0xff);
                out.put(new Flow(src, sport, dst, dport), outerDst);
            }
        }
        return out;
    }
}
