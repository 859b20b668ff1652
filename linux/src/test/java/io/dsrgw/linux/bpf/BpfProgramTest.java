package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfProgramTest {
    @Test
    void shouldPassAnUnmarkedFrameUnchanged() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            MemorySegment in = BpfMapTest.ipv4Frame(arena);
            MemorySegment out = arena.allocate(128);
            BpfProgram.TestRunResult result = object.program("xdp_test").testRun(in, out, null, 1);
            assertEquals(BpfProgram.XDP_PASS, result.retval(), BpfProgram.xdpActionName(result.retval()));
            assertEquals(60, result.dataOutLength());
            assertArrayEquals(in.toArray(JAVA_BYTE), out.asSlice(0, 60).toArray(JAVA_BYTE));
        }
    }

    @Test
    void shouldPrependTheMarkAndTransmitAMarkedFrame() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            BpfMapTest.markEthertype(object.map("marks"), arena, (short) 0x0800, 0x1234_5678_9aL);
            MemorySegment in = BpfMapTest.ipv4Frame(arena);
            MemorySegment out = arena.allocate(128);
            // pretend the frame came in on lo, rx queue 0
            BpfProgram.TestRunResult result = object.program("xdp_test").testRun(in, out,
                    new BpfProgram.XdpMd(1, 0), 1);
            assertEquals(BpfProgram.XDP_TX, result.retval(), result.toString());
            assertEquals(64, result.dataOutLength());
            // magic d5 77, low byte of the mark (0x9a), no inner map stored (0xff), then the frame unchanged
            assertArrayEquals(new byte[] {(byte) 0xd5, 0x77, (byte) 0x9a, (byte) 0xff},
                    out.asSlice(0, 4).toArray(JAVA_BYTE));
            assertArrayEquals(in.toArray(JAVA_BYTE), out.asSlice(4, 60).toArray(JAVA_BYTE));
            assertTrue(result.durationNs() >= 0);
        }
    }

    @Test
    void shouldSayHowLargeTheOutputWasWhenTheBufferIsTooSmall() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            BpfMapTest.markEthertype(object.map("marks"), arena, (short) 0x0800, 1);
            LinuxException e = assertThrows(LinuxException.class, () -> object.program("xdp_test")
                    .testRun(BpfMapTest.ipv4Frame(arena), arena.allocate(60), null, 1));
            assertEquals("bpf_prog_test_run_opts(xdp_test, 60 bytes): ENOSPC (No space left on device): the output"
                    + " packet has 64 bytes, dataOut 60", e.getMessage());
        }
    }

    @Test
    void shouldRefuseAContextNamingAMissingInterface() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            LinuxException e = assertThrows(LinuxException.class, () -> object.program("xdp_test")
                    .testRun(BpfMapTest.ipv4Frame(arena), null, new BpfProgram.XdpMd(0x7fff_fff0, 0), 1));
            assertEquals(Errno.ENODEV, e.errno(), e.getMessage());
        }
    }

    @Test
    void shouldNameXdpActions() {
        assertEquals("XDP_ABORTED", BpfProgram.xdpActionName(BpfProgram.XDP_ABORTED));
        assertEquals("XDP_DROP", BpfProgram.xdpActionName(BpfProgram.XDP_DROP));
        assertEquals("XDP_PASS", BpfProgram.xdpActionName(BpfProgram.XDP_PASS));
        assertEquals("XDP_TX", BpfProgram.xdpActionName(BpfProgram.XDP_TX));
        assertEquals("XDP_REDIRECT", BpfProgram.xdpActionName(BpfProgram.XDP_REDIRECT));
        assertEquals("xdp action 9", BpfProgram.xdpActionName(9));
    }
}
