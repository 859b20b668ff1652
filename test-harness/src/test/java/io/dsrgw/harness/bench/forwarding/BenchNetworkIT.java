package io.dsrgw.harness.bench.forwarding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.NetnsAssumptions;

/**
 * The benchmark's machinery, not its numbers: the path forwards the generator's frames (K), bench_encap.o turns
 * them into correct IPIP packets that reach the sink (L), and everything is gone after close. A few seconds.
 */
@Tag("netns")
class BenchNetworkIT {
    private static final Path BPF_DIR = Path.of(System.getProperty("dsrgw.bench.bpf-dir", "target/bpf"));

    @TempDir
    Path tmp;

    @BeforeEach
    void requirements() {
        NetnsAssumptions.assumeNetns();
        for (String tool : List.of("bpftool", "ethtool", "taskset")) {
            NetnsAssumptions.assumeTool(tool);
        }
        boolean built = Files.isRegularFile(BPF_DIR.resolve("bench_encap.o"))
                && Files.isRegularFile(BPF_DIR.resolve("bench_sink.o"));
        if (!built) {
            System.out.println("SKIPPED (bench BPF objects): not in " + BPF_DIR.toAbsolutePath());
        }
        Assumptions.assumeTrue(built, "bench BPF objects not in " + BPF_DIR.toAbsolutePath()
                + " (expected: built by the test-harness build with clang)");
    }

    @Test
    void shouldEncapsulateTheGeneratorsFrameIntoIpipToTheBackend() throws Exception {
        String prefix = BenchNetwork.randomPrefix();
        try (BenchNetwork net = BenchNetwork.create(prefix, BPF_DIR)) {
            int prog = net.attachXdp(net.gw(), net.inDevice(), BPF_DIR.resolve("bench_encap.o"));
            net.writeEncapConfig(BenchNetwork.mapIdOf(prog));
            byte[] in;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(UdpFrames.FRAME_BYTES);
                UdpFrames.write(seg, 0, net.frames(16), 5);
                in = seg.toArray(ValueLayout.JAVA_BYTE);
            }
            Path inFile = tmp.resolve("in.bin");
            Path outFile = tmp.resolve("out.bin");
            Files.write(inFile, in);
            Commands.Result r = Commands.check(List.of("bpftool", "prog", "run", "id", String.valueOf(prog),
                    "data_in", inFile.toString(), "data_out", outFile.toString()));
            assertTrue((r.stdout() + r.stderr()).contains("Return value: 4"), "XDP_REDIRECT: " + r);
            byte[] out = Files.readAllBytes(outFile);
            assertEquals(UdpFrames.FRAME_BYTES + 20, out.length);
            assertArrayEquals(UdpFrames.mac(BenchNetwork.BACKEND_MAC), Arrays.copyOfRange(out, 0, 6));
            assertArrayEquals(UdpFrames.mac(BenchNetwork.GW_OUT_MAC), Arrays.copyOfRange(out, 6, 12));
            assertEquals(0x45, out[14] & 0xff);
            assertEquals(70, ((out[16] & 0xff) << 8) | (out[17] & 0xff), "outer total length");
            assertEquals(4, out[23], "protocol IPIP");
            assertArrayEquals(new byte[] {10, 0, 2, 1, 10, 0, 2, 2}, Arrays.copyOfRange(out, 26, 34));
            assertEquals(0xffff, sum(out, 14, 34), "outer header checksum verifies");
            assertArrayEquals(Arrays.copyOfRange(in, 14, 64), Arrays.copyOfRange(out, 34, 84), "inner packet intact");
            net.detachXdp(net.gw(), net.inDevice());
        }
        assertFalse(Commands.check(List.of("ip", "netns", "list")).stdout().contains(prefix + "-"));
    }

    @Test
    void shouldDeliverTheGeneratorsFramesToTheSinkByKernelForwardingAndByTheLimitProgram() throws Exception {
        String prefix = BenchNetwork.randomPrefix();
        try (BenchNetwork net = BenchNetwork.create(prefix, BPF_DIR);
             PacketGenerator gen = PacketGenerator.start(net.src(), BenchNetwork.LEAF_DEVICE, net.frames(64), 0)) {
            net.addKernelRoute();
            long[] before = net.readSink();
            gen.resume();
            Thread.sleep(500);
            gen.pause();
            Thread.sleep(200);
            long[] k = net.readSink();
            net.deleteKernelRoute();
            assertNull(gen.failure());
            assertTrue(gen.sent() > 0, "generator sent nothing: errors " + gen.errors() + ", errno "
                    + gen.lastErrno());
            assertTrue(k[SinkCounters.PLAIN_UDP] - before[SinkCounters.PLAIN_UDP] > 0, Arrays.toString(k));
            assertEquals(before[SinkCounters.IPIP_UDP], k[SinkCounters.IPIP_UDP], "no IPIP from the kernel");

            int prog = net.attachXdp(net.gw(), net.inDevice(), BPF_DIR.resolve("bench_encap.o"));
            net.writeEncapConfig(BenchNetwork.mapIdOf(prog));
            assertFalse(net.pinNapi().isEmpty(), "a NAPI kthread of " + net.inDevice() + " to pin");
            gen.resume();
            Thread.sleep(500);
            gen.pause();
            Thread.sleep(200);
            long[] l = net.readSink();
            assertTrue(l[SinkCounters.IPIP_UDP] - k[SinkCounters.IPIP_UDP] > 0, Arrays.toString(l));
            assertEquals(k[SinkCounters.PLAIN_UDP], l[SinkCounters.PLAIN_UDP], "nothing bypassed the encap");
        }
        assertFalse(Commands.check(List.of("ip", "netns", "list")).stdout().contains(prefix + "-"));
    }

    private static int sum(byte[] b, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            s += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        while ((s >> 16) != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }
}
