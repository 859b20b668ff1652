package io.dsrgw.gateway.cli;

import com.codahale.metrics.MetricRegistry;
import io.dsrgw.encap.pcap.PcapReader;
import io.dsrgw.encap.pcap.PcapRecord;
import io.dsrgw.encap.pcap.PcapWriter;
import io.dsrgw.gateway.dataplane.PacketPipeline;
import io.dsrgw.gateway.dataplane.TxSink;
import io.dsrgw.gateway.dataplane.CounterSet;
import io.dsrgw.gateway.metrics.GatewayMetrics;
import io.dsrgw.gateway.dataplane.WorkerCounters;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * {@code dsr-gateway replay}: the real {@link PacketPipeline} over the IP packets of a pcap, writing every packet
 * the gateway would transmit, in order, with the input timestamps, to a LINKTYPE_RAW pcap (nanosecond
 * resolution): encapsulated packets with IPv4 and IPv6 outers, fragments, and the ICMP messages the gateway
 * originates (too-big, echo replies). The capture's timestamps are the pipeline's clock (too-big rate limit).
 * Needs no privileges. L2 DSR ({@code tunnel = none}) packets are written unchanged (no link-layer header: the
 * backend's MAC is the egress's business); as an offline tool, replay skips the host check of {@code run} and
 * {@code check-config} that those backends are on a connected network, so a capture replays on any machine.
 */
final class ReplayCommand {
    /** LINKTYPE_RAW: each record is an IPv4 or IPv6 packet. */
    static final int LINKTYPE_RAW = 101;
    /**
     * The largest legal IP packet: IPv6 with payload length 65535 behind its 40-byte header (IPv4 stops at 65535).
     * Longer records (Ethernet trailers, garbage) are cut to this; the pipeline reads lengths from the headers.
     */
    private static final int MAX_PACKET_BYTES = 65535 + 40;

    private ReplayCommand() {
    }

    static int replay(String configFile, String in, String out, PrintStream stdout, PrintStream err) {
        Startup.Loaded loaded = Startup.load(configFile, err);
        if (loaded == null) {
            return GatewayMain.EXIT_ERROR;
        }
        GatewayMetrics metrics = new GatewayMetrics(new MetricRegistry());
        WorkerCounters counters = new WorkerCounters();
        metrics.attach(counters);
        PacketPipeline pipeline = new PacketPipeline(loaded.snapshot(), counters);
        PcapReader reader;
        try {
            reader = PcapReader.open(Path.of(in));
        } catch (IOException e) {
            err.println("dsr-gateway: replay: " + describe(e, in));
            return GatewayMain.EXIT_ERROR;
        }
        PcapWriter writer;
        try {
            writer = PcapWriter.create(Path.of(out), LINKTYPE_RAW, true);
        } catch (IOException e) {
            try {
                reader.close();
            } catch (IOException ignored) {
                // already failing; the output error is the one to report
            }
            err.println("dsr-gateway: replay: " + describe(e, out));
            return GatewayMain.EXIT_ERROR;
        }
        String current = in;
        try (reader; writer; Arena arena = Arena.ofConfined()) {
            PcapSink sink = new PcapSink(writer);
            MemorySegment slot = arena.allocate(PacketPipeline.HEADROOM_BYTES + MAX_PACKET_BYTES);
            PcapRecord record = new PcapRecord();
            while (reader.next(record)) {
                if (record.ipOffset() < 0) {
                    // Not an IP frame (ARP, LLDP, ...): nothing in it is addressed to a VIP.
                    counters.increment(CounterSet.RX_PACKETS);
                    counters.increment(CounterSet.DROP_NOT_VIP);
                    continue;
                }
                int length = Math.min(record.ipLength(), MAX_PACKET_BYTES);
                // Copy behind the headroom: the pipeline writes the outer header in front of the packet.
                MemorySegment.copy(record.data(), record.ipOffset(), slot, PacketPipeline.HEADROOM_BYTES, length);
                sink.timestampNanos = record.timestampNanos();
                // One batch per packet, clocked by the capture: the too-big rate limit replays deterministically.
                pipeline.beginBatch(record.timestampNanos());
                pipeline.process(slot, PacketPipeline.HEADROOM_BYTES, length, sink);
                if (sink.failure != null) {
                    current = out;
                    throw sink.failure;
                }
            }
        } catch (IOException e) {
            err.println("dsr-gateway: replay: " + describe(e, current));
            return GatewayMain.EXIT_ERROR;
        }
        counters.publish();
        metrics.print(stdout);
        return GatewayMain.EXIT_OK;
    }

    /** "PATH: reason" without repeating the path when the exception message already names it. */
    static String describe(IOException e, String path) {
        if (e instanceof NoSuchFileException) {
            return path + ": no such file";
        }
        if (e instanceof AccessDeniedException) {
            return path + ": permission denied";
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.contains(path) ? message : path + ": " + message;
    }

    /** Writes each transmitted packet with the timestamp of the packet being replayed. */
    private static final class PcapSink implements TxSink {
        private final PcapWriter writer;
        long timestampNanos;
        IOException failure;

        PcapSink(PcapWriter writer) {
            this.writer = writer;
        }

        @Override
        public boolean send(MemorySegment seg, long offset, int length, int destinationIpv4) {
            return write(seg, offset, length);
        }

        @Override
        public boolean sendIpv6(MemorySegment seg, long offset, int length, long destinationHi, long destinationLo) {
            return write(seg, offset, length);
        }

        private boolean write(MemorySegment seg, long offset, int length) {
            try {
                writer.write(timestampNanos, seg, offset, length);
                return true;
            } catch (IOException e) {
                failure = e;
                return false;
            }
        }
    }
}
