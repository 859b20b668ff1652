package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.NoSuchElementException;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfObjectTest {
    @Test
    void shouldLoadTheTestObjectAndDescribeItsMapsAndProgram() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp")) {
            assertTrue(object.isLoaded());
            assertTrue(object.mapNames().containsAll(List.of("marks", "outer", "counters")), object.mapNames()
                    .toString());
            assertEquals(List.of("xdp_test"), object.programNames());

            BpfMap marks = object.map("marks");
            assertEquals(BpfMapType.HASH, marks.type());
            assertEquals(4, marks.keySize());
            assertEquals(8, marks.valueSize());
            assertEquals(16, marks.maxEntries());
            assertSame(marks, object.map("marks"));
            assertEquals(BpfMapType.ARRAY_OF_MAPS, object.map("outer").type());
            assertEquals(4, object.map("outer").valueSize());
            assertEquals(BpfMapType.PERCPU_ARRAY, object.map("counters").type());

            BpfProgram program = object.program("xdp_test");
            assertEquals("xdp_test", program.name());
            assertTrue(program.fd() > 0);
            assertTrue(program.id() > 0);
            assertTrue(marks.id() > 0);
            assertNotEquals(marks.id(), object.map("counters").id());
            // bpftool sees the same map under that id and name
            BpfTestSupport.assumeCommand("bpftool");
            String shown = BpfTestSupport.run("bpftool", "map", "show", "id", Integer.toString(marks.id()));
            assertTrue(shown.contains("name marks") && shown.contains("max_entries 16"), shown);
        }
    }

    @Test
    void shouldApplyMaxEntriesSetBeforeLoad() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfObject.open("test_xdp", BpfTestSupport.resource(BpfTestSupport.TEST_XDP));
             Arena arena = Arena.ofConfined()) {
            object.setMaxEntries("marks", 40);
            object.load();
            BpfMap marks = object.map("marks");
            assertEquals(40, marks.maxEntries());
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_LONG);
            for (int i = 0; i < 40; i++) {   // more than the ELF's 16
                key.set(JAVA_INT, 0, i);
                marks.update(key, value, BpfMap.BPF_ANY);
            }
            key.set(JAVA_INT, 0, 40);
            LinuxException full = assertThrows(LinuxException.class, () -> marks.update(key, value,
                    BpfMap.BPF_ANY));
            assertEquals("bpf_map_update_elem(marks): E2BIG (Argument list too long): the map is full"
                    + " (max_entries 40)", full.getMessage());
            assertThrows(IllegalStateException.class, () -> object.setMaxEntries("marks", 8));
        }
    }

    @Test
    void shouldNameTheObjectsMapsWhenAskedForAMissingOne() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfObject.open("test_xdp", BpfTestSupport.resource(BpfTestSupport.TEST_XDP))) {
            NoSuchElementException e = assertThrows(NoSuchElementException.class,
                    () -> object.setMaxEntries("dsrgw_vips", 8));
            assertTrue(e.getMessage().startsWith("no map 'dsrgw_vips' in BPF object test_xdp (maps: "), e.getMessage());
            assertTrue(e.getMessage().contains("marks"), e.getMessage());
            IllegalStateException notLoaded = assertThrows(IllegalStateException.class, () -> object.map("marks"));
            assertEquals("BPF object test_xdp is not loaded (expected: load() first)", notLoaded.getMessage());
            object.load();
            assertThrows(NoSuchElementException.class, () -> object.program("xdp_nope"));
        }
    }

    @Test
    void shouldCarryTheVerifiersReasonWhenItRejectsAProgram() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfObject.open("test_rejected",
                BpfTestSupport.resource(BpfTestSupport.TEST_REJECTED))) {
            LinuxException e = assertThrows(LinuxException.class, object::load);
            String message = e.getMessage();
            System.out.println("rejected program's exception:\n" + message);
            assertEquals("bpf_object__load", e.operation());
            assertEquals("test_rejected", e.argument());
            assertEquals(Errno.EACCES, e.errno());
            assertTrue(message.startsWith("bpf_object__load(test_rejected): EACCES (Permission denied): "), message);
            assertTrue(message.contains("libbpf: prog 'xdp_out_of_bounds'"), message);   // from the print callback
            assertTrue(message.contains("verifier log"), message);
            assertTrue(message.contains("invalid access to packet"), message);            // the verifier's reason
            assertTrue(message.length() < LibBpf.CAPTURE_LIMIT + BpfObject.LOG_TAIL + 500, "bounded: "
                    + message.length());
            assertFalse(object.isLoaded());
        }
    }

    @Test
    void shouldFailOpeningBytesThatAreNotAnElfObject() {
        BpfTestSupport.assumeBpf();
        LinuxException e = assertThrows(LinuxException.class,
                () -> BpfObject.open("garbage", "not an ELF file at all".getBytes()));
        System.out.println("garbage's exception: " + e.getMessage());
        assertEquals("bpf_object__open_mem", e.operation());
        assertTrue(e.getMessage().startsWith("bpf_object__open_mem(garbage): "), e.getMessage());
        assertTrue(e.getMessage().contains("libbpf: "), e.getMessage());
    }

    @Test
    void shouldMakeItsMapsAndProgramsUnusableOnceClosed() throws Exception {
        BpfTestSupport.assumeBpf();
        BpfObject object = BpfTestSupport.loadTestXdp("test_xdp");
        BpfMap marks = object.map("marks");
        BpfProgram program = object.program("xdp_test");
        object.close();
        object.close();   // idempotent
        assertEquals("map marks is closed", assertThrows(IllegalStateException.class, marks::fd).getMessage());
        assertThrows(IllegalStateException.class, program::fd);
        assertThrows(IllegalStateException.class, () -> object.map("marks"));
    }
}
