package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.util.HashSet;
import java.util.Set;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;
import org.junit.jupiter.api.Test;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class BpfMapTest {
    private static final short ETHERTYPE_IPV4 = 0x0800;

    @Test
    void shouldUpdateLookUpAndDeleteAnElement() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            BpfMap marks = object.map("marks");
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_LONG);
            MemorySegment read = arena.allocate(JAVA_LONG);
            key.set(JAVA_INT, 0, 0x0800);

            assertFalse(marks.lookup(key, read));
            value.set(JAVA_LONG, 0, 0x1122334455667788L);
            marks.update(key, value, BpfMap.BPF_NOEXIST);
            assertTrue(marks.lookup(key, read));
            assertEquals(0x1122334455667788L, read.get(JAVA_LONG, 0));

            LinuxException exists = assertThrows(LinuxException.class,
                    () -> marks.update(key, value, BpfMap.BPF_NOEXIST));
            assertEquals("bpf_map_update_elem(marks): EEXIST (File exists): the key exists (flags BPF_NOEXIST)",
                    exists.getMessage());
            value.set(JAVA_LONG, 0, 42);
            marks.update(key, value, BpfMap.BPF_EXIST);
            assertTrue(marks.lookup(key, read));
            assertEquals(42, read.get(JAVA_LONG, 0));

            assertTrue(marks.delete(key));
            assertFalse(marks.delete(key));
            assertFalse(marks.lookup(key, read));
            LinuxException absent = assertThrows(LinuxException.class,
                    () -> marks.update(key, value, BpfMap.BPF_EXIST));
            assertEquals(Errno.ENOENT, absent.errno());
        }
    }

    @Test
    void shouldIterateOverEveryKey() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            BpfMap marks = object.map("marks");
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_LONG);
            MemorySegment cursor = arena.allocate(JAVA_INT);
            assertFalse(marks.nextKey(null, cursor), "empty map");
            Set<Integer> written = Set.of(3, 17, 0x0800, 0x86dd, 99);
            for (int k : written) {
                key.set(JAVA_INT, 0, k);
                marks.update(key, value, BpfMap.BPF_ANY);
            }
            Set<Integer> seen = new HashSet<>();
            boolean more = marks.nextKey(null, cursor);
            while (more) {
                assertTrue(seen.add(cursor.get(JAVA_INT, 0)), "key seen twice: " + cursor.get(JAVA_INT, 0));
                more = marks.nextKey(cursor, cursor);   // the same segment as key and next key
            }
            assertEquals(written, seen);
        }
    }

    @Test
    void shouldReadEveryElementOfAPerCpuArrayWithOneBatchLookupAsSingleLookupsSeeThem() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfMap map = BpfMap.create(BpfMapType.PERCPU_ARRAY, "test_batch", 4, 8, 5, 0);
             Arena arena = Arena.ofConfined()) {
            int cpus = Bpf.possibleCpus();
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(map.valueBufferSize(), 8);
            for (int k = 0; k < 5; k++) {
                for (int cpu = 0; cpu < cpus; cpu++) {
                    values.set(JAVA_LONG, cpu * 8L, 100L * k + cpu);
                }
                key.set(JAVA_INT, 0, k);
                map.update(key, values, BpfMap.BPF_ANY);
            }
            MemorySegment keys = arena.allocate(4 * 8, 8);
            MemorySegment all = arena.allocate(8 * map.valueBufferSize(), 8);
            MemorySegment scratch = arena.allocate(16, 8);
            assertEquals(5, map.lookupBatch(keys, all, 8, scratch), "asked for 8, the map has 5");
            for (int k = 0; k < 5; k++) {
                assertEquals(k, keys.get(JAVA_INT, 4L * k));
                key.set(JAVA_INT, 0, k);
                assertTrue(map.lookup(key, values));
                assertEquals(map.sumPerCpuLong(values, 0),
                        map.sumPerCpuLong(all.asSlice(k * map.valueBufferSize(), map.valueBufferSize()), 0), "key " + k);
            }
            assertEquals(3, map.lookupBatch(keys, all, 3, scratch), "the first 3");
            assertThrows(IndexOutOfBoundsException.class, () -> map.lookupBatch(keys, arena.allocate(8), 2, scratch));
        }
    }

    @Test
    void shouldReadOneValuePerPossibleCpuAndSumThem() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            BpfMap counters = object.map("counters");
            int cpus = Bpf.possibleCpus();
            assertEquals(8, counters.perCpuStride());
            assertEquals(8L * cpus, counters.valueBufferSize());
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(counters.valueBufferSize(), 8);
            key.set(JAVA_INT, 0, 1);
            for (int cpu = 0; cpu < cpus; cpu++) {
                values.set(JAVA_LONG, cpu * 8L, cpu + 1);
            }
            counters.update(key, values, BpfMap.BPF_ANY);
            values.fill((byte) 0);
            assertTrue(counters.lookup(key, values));
            for (int cpu = 0; cpu < cpus; cpu++) {
                assertEquals(cpu + 1, values.get(JAVA_LONG, cpu * 8L), "cpu " + cpu);
            }
            assertEquals((long) cpus * (cpus + 1) / 2, counters.sumPerCpuLong(values, 0));

            assertThrows(IndexOutOfBoundsException.class, () -> counters.lookup(key, arena.allocate(8)),
                    "a buffer for one CPU's value is too short");
            assertThrows(IllegalStateException.class, () -> object.map("marks").sumPerCpuLong(values, 0));
        }
    }

    @Test
    void shouldCountPacketsOfTestRunsInThePerCpuCounters() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            BpfMap counters = object.map("counters");
            MemorySegment packet = arena.allocate(60);
            BpfProgram.TestRunResult result = object.program("xdp_test").testRun(packet, null, null, 25);
            assertEquals(BpfProgram.XDP_PASS, result.retval());
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(counters.valueBufferSize(), 8);
            key.set(JAVA_INT, 0, 0);
            assertTrue(counters.lookup(key, values));
            assertEquals(25, counters.sumPerCpuLong(values, 0));
            key.set(JAVA_INT, 0, 1);
            assertTrue(counters.lookup(key, values));
            assertEquals(25 * 60, counters.sumPerCpuLong(values, 0));
        }
    }

    @Test
    void shouldStoreARuntimeCreatedInnerMapThatTheProgramReads() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined();
             BpfMap inner = BpfMap.create(BpfMapType.ARRAY, "test_inner", 4, 4, 4, 0)) {
            assertEquals(BpfMapType.ARRAY, inner.type());
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, 0x42);
            inner.update(key, value, BpfMap.BPF_ANY);   // inner[0] = 0x42

            BpfMap outer = object.map("outer");
            outer.setInnerMap(key, inner, BpfMap.BPF_ANY);   // outer[0] = inner
            MemorySegment id = arena.allocate(JAVA_INT);
            assertTrue(outer.lookup(key, id));
            assertEquals(inner.id(), id.get(JAVA_INT, 0), "user space reads the inner map's id back");

            markEthertype(object.map("marks"), arena, ETHERTYPE_IPV4, 7);
            MemorySegment out = arena.allocate(128);
            BpfProgram.TestRunResult result = object.program("xdp_test").testRun(ipv4Frame(arena), out, null, 1);
            assertEquals(BpfProgram.XDP_TX, result.retval());
            assertEquals(0x42, out.get(JAVA_BYTE, 3) & 0xff, "the program read inner[0] through outer[0]");

            try (BpfMap wrong = BpfMap.create(BpfMapType.ARRAY, "test_wrong", 4, 8, 4, 0)) {
                LinuxException e = assertThrows(LinuxException.class,
                        () -> outer.setInnerMap(key, wrong, BpfMap.BPF_ANY));
                assertEquals("bpf_map_update_elem(outer, inner map test_wrong): EINVAL (Invalid argument): the inner"
                        + " map's type, key size, value size or max entries differ from the outer map's inner map"
                        + " template", e.getMessage());
            }
            assertThrows(IllegalStateException.class, () -> inner.setInnerMap(key, inner, BpfMap.BPF_ANY));
        }
    }

    @Test
    void shouldRefuseHeapShortAndClosedSegments() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfMap map = BpfMap.create(BpfMapType.HASH, "test_checks", 4, 8, 4, 0)) {
            MemorySegment heapKey = MemorySegment.ofArray(new byte[4]);
            MemorySegment value;
            try (Arena arena = Arena.ofConfined()) {
                value = arena.allocate(8);
                assertThrows(IllegalArgumentException.class, () -> map.update(heapKey, value, BpfMap.BPF_ANY));
                assertThrows(IndexOutOfBoundsException.class,
                        () -> map.update(arena.allocate(2), value, BpfMap.BPF_ANY));
            }
            MemorySegment closed = value;
            assertThrows(IllegalStateException.class, () -> map.lookup(closed, closed));
        }
        assertThrows(IllegalArgumentException.class, () -> BpfMap.create(BpfMapType.HASH, "dsrgw-bad name", 4, 4,
                1, 0));
        assertThrows(IllegalArgumentException.class, () -> BpfMap.create(BpfMapType.HASH, "sixteen_chars_xx", 4, 4,
                1, 0));
    }

    @Test
    void shouldBeUnusableAfterClose() throws Exception {
        BpfTestSupport.assumeBpf();
        BpfMap map = BpfMap.create(BpfMapType.HASH, "test_close", 4, 8, 4, 0);
        map.close();
        map.close();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(4);
            assertEquals("map test_close is closed", assertThrows(IllegalStateException.class,
                    () -> map.lookup(key, arena.allocate(8))).getMessage());
        }
    }

    @Test
    void shouldNotAllocateInTheSteadyStateOfReadingCountersAndUpdatingElements() throws Exception {
        BpfTestSupport.assumeBpf();
        try (BpfObject object = BpfTestSupport.loadTestXdp("test_xdp"); Arena arena = Arena.ofConfined()) {
            BpfMap counters = object.map("counters");
            BpfMap marks = object.map("marks");
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate(counters.valueBufferSize(), 8);
            MemorySegment value = arena.allocate(JAVA_LONG);
            assertNoAllocation("lookup + sumPerCpuLong (per-CPU)", () -> {
                counters.lookup(key, values);
                return counters.sumPerCpuLong(values, 0);
            });
            assertNoAllocation("update + lookup + delete (hash)", () -> {
                marks.update(key, value, BpfMap.BPF_ANY);
                marks.lookup(key, value);
                return marks.delete(key) ? 1 : 0;
            });
        }
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    interface Call {
        long run() throws Exception;
    }

    /**
     * Rounds of 20,000 calls until one allocates at most 256 bytes in total (not one object per call; interpreted
     * and C1-compiled downcalls allocate, C2-compiled ones must not); 20 rounds without fail.
     */
    static void assertNoAllocation(String what, Call call) throws Exception {
        StringBuilder rounds = new StringBuilder();
        for (int round = 0; round < 20; round++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                call.run();
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (allocated <= 256) {
                System.out.println(what + ": " + allocated + " bytes in 20000 calls (round " + round + ")");
                return;
            }
            rounds.append(' ').append(allocated);
        }
        fail(what + " allocated in every round of 20000 calls, bytes:" + rounds);
    }

    static void markEthertype(BpfMap marks, Arena arena, short ethertype, long mark) throws LinuxException {
        MemorySegment key = arena.allocate(JAVA_INT);
        MemorySegment value = arena.allocate(JAVA_LONG);
        key.set(JAVA_INT, 0, ethertype & 0xffff);
        value.set(JAVA_LONG, 0, mark);
        marks.update(key, value, BpfMap.BPF_ANY);
    }

    /** A 60-byte Ethernet frame with EtherType IPv4 and payload bytes 0, 1, 2, ... */
    static MemorySegment ipv4Frame(Arena arena) {
        MemorySegment frame = arena.allocate(60);
        for (int i = 0; i < 60; i++) {
            frame.set(JAVA_BYTE, i, (byte) i);
        }
        frame.set(JAVA_BYTE, 12, (byte) 0x08);
        frame.set(JAVA_BYTE, 13, (byte) 0x00);
        return frame;
    }
}
