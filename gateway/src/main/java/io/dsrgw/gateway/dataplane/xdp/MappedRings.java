package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.bpf.BpfMap;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The {@code dsrgw_rings} array (BPF_F_MMAPABLE) mapped into this process ({@code mmap(NULL, round_up(8 *
 * max_entries, page size), PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0)}, contract "mmap of dsrgw_rings"): a
 * Maglev ring of 65537 slots is written with plain stores instead of 65537 {@code bpf(BPF_MAP_UPDATE_ELEM)} calls,
 * and compared with its next content without a syscall.
 *
 * <p>Slot i of ring r is the native-order int at byte offset {@value #STRIDE}{@code  * (r * ringSize + i)}: the
 * kernel stores array elements {@code round_up(value_size, 8)} bytes apart ({@code kernel/bpf/arraymap.c},
 * {@code elem_size}), so a 4-byte value takes 8 bytes of the mapping, the upper 4 unused. (Writing at 4-byte
 * strides puts slot 2i where the program reads slot i: {@code XdpMapWriterTest} reads slots back through
 * {@code bpf_map_lookup_elem} to keep this honest.)
 *
 * <p>Why not in {@code io.dsrgw.linux.bpf}: only this map of this program is mapped, and the rules for writing it
 * (never the ring a VIP uses) live here. Control thread only; the stores become visible to the program no later than
 * the {@code bpf(2)} call that flips a VIP to the ring (a system call orders them).
 */
final class MappedRings implements AutoCloseable {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;
    private static final int SC_PAGESIZE = 30; // <bits/confname.h> _SC_PAGESIZE (x86_64, aarch64)
    private static final long MAP_FAILED = -1L;
    /** Bytes between two array elements in the mapping: the 4-byte value rounded up to 8. */
    static final int STRIDE = 8;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle SYSCONF;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        MMAP = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(JAVA_LONG, ADDRESS,
                JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), errno);
        MUNMAP = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_LONG,
                JAVA_LONG));
        SYSCONF = linker.downcallHandle(libc.find("sysconf").orElseThrow(), FunctionDescriptor.of(JAVA_LONG,
                JAVA_INT));
    }

    private final int ringSize;
    private final int rings;
    private final long length;
    private final long address;
    private MemorySegment slots;

    private MappedRings(int ringSize, int rings, long length, long address) {
        this.ringSize = ringSize;
        this.rings = rings;
        this.length = length;
        this.address = address;
        this.slots = MemorySegment.ofAddress(address).reinterpret((long) ringSize * rings * STRIDE);
    }

    /** Maps {@code map} (dsrgw_rings with {@code rings * ringSize} entries). */
    static MappedRings map(BpfMap map, int ringSize) throws LinuxException {
        if (map.valueSize() != 4 || map.maxEntries() % ringSize != 0) {
            throw new IllegalArgumentException(map.name() + ": value size " + map.valueSize() + ", "
                    + map.maxEntries() + " entries (expected: 4-byte values, a multiple of " + ringSize + ")");
        }
        long page;
        try {
            page = (long) SYSCONF.invokeExact(SC_PAGESIZE);
        } catch (Throwable e) {
            throw new IllegalStateException("sysconf(_SC_PAGESIZE): " + e, e);
        }
        long bytes = (long) STRIDE * map.maxEntries();
        long length = (bytes + page - 1) / page * page;
        long address;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            address = (long) MMAP.invokeExact(state, MemorySegment.NULL, length, PROT_READ | PROT_WRITE,
                    MAP_SHARED, map.fd(), 0L);
            errno = (int) ERRNO.get(state, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("mmap(" + map.name() + "): " + e, e);
        }
        if (address == MAP_FAILED) {
            throw new LinuxException("mmap", map.name() + ", " + length + " bytes, PROT_READ | PROT_WRITE, "
                    + "MAP_SHARED", errno, "the map must be a BPF_F_MMAPABLE array");
        }
        return new MappedRings(ringSize, map.maxEntries() / ringSize, length, address);
    }

    int ringSize() {
        return ringSize;
    }

    int rings() {
        return rings;
    }

    /** Backend id in slot {@code i} of ring {@code ring}. */
    int slot(int ring, int i) {
        return slots.get(JAVA_INT, STRIDE * ((long) ring * ringSize + i));
    }

    /** True when ring {@code ring} holds exactly {@code ids} ({@link #ringSize()} values). */
    boolean holds(int ring, int[] ids) {
        long base = STRIDE * (long) ring * ringSize;
        for (int i = 0; i < ringSize; i++) {
            if (slots.get(JAVA_INT, base + (long) STRIDE * i) != ids[i]) {
                return false;
            }
        }
        return true;
    }

    /** Writes {@code ids} into ring {@code ring}; the caller guarantees no VIP uses it (contract). */
    void write(int ring, int[] ids) {
        long base = STRIDE * (long) ring * ringSize;
        for (int i = 0; i < ringSize; i++) {
            slots.set(JAVA_INT, base + (long) STRIDE * i, ids[i]);
        }
    }

    @Override
    public void close() {
        if (slots == null) {
            return;
        }
        slots = null;
        try {
            int ignored = (int) MUNMAP.invokeExact(address, length);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap: " + e, e);
        }
    }
}
