package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF map, read and written from user space through libbpf's {@code bpf_map_*_elem} wrappers of {@code bpf(2)}.
 *
 * <p>Keys and values are caller-owned native {@link MemorySegment}s in the map's own byte layout (what the BPF
 * program's C struct looks like: host byte order unless the program stores network order). A key segment must hold
 * at least {@link #keySize()} bytes, a value segment at least {@link #valueBufferSize()} bytes; only that prefix is
 * used. The element calls allocate nothing once compiled, so a control plane can read counters every second from
 * preallocated segments.
 *
 * <p>Per-CPU maps ({@link BpfMapType#perCpu()}): lookup and update carry one value per possible CPU
 * ({@link Bpf#possibleCpus()}), each at a multiple of {@link #perCpuStride()} (the value size rounded up to 8), so
 * {@link #valueBufferSize()} is {@code perCpuStride() * Bpf.possibleCpus()}. {@link #sumPerCpuLong} adds up a
 * 64-bit counter across CPUs.
 *
 * <p>Maps of maps ({@link BpfMapType#ofMaps()}): user space stores an inner map with {@link #setInnerMap} (the
 * kernel takes its fd) and reads back the inner map's <em>id</em> ({@link #id()} of the inner map) with
 * {@link #lookup}.
 *
 * <p>Two origins: a map of a loaded {@link BpfObject} (closed with the object; {@link #close()} does nothing) and a
 * map made by {@link #create} (owned: {@link #close()} releases it, and the kernel frees it once no program or
 * outer map refers to it).
 *
 * <p>Threading: the element calls may run concurrently from any threads (the kernel synchronises; this object
 * holds no mutable state besides the fd), each thread with its own key and value segments. Closing the map, or its
 * object, while another thread uses it is a programming error: afterwards calls throw
 * {@link IllegalStateException}, but one racing with the close may reach a reused fd number.
 */
public final class BpfMap implements AutoCloseable {
    /** {@code BPF_ANY}: create the element or replace its value. */
    public static final long BPF_ANY = 0;
    /** {@code BPF_NOEXIST}: create only; EEXIST when the key is present. */
    public static final long BPF_NOEXIST = 1;
    /** {@code BPF_EXIST}: replace only; ENOENT when the key is absent. */
    public static final long BPF_EXIST = 2;

    /** Map names the kernel accepts: up to 15 characters of [A-Za-z0-9_.] ({@code BPF_OBJ_NAME_LEN} 16). */
    static final int NAME_MAX = 15;

    private final String name;
    private final BpfMapType type;
    private final int keySize;
    private final int valueSize;
    private final int maxEntries;
    private final long perCpuStride;
    private final long valueBufferSize;
    private final int cpus;
    private final boolean owned;
    private volatile int fd;

    BpfMap(int fd, String name, BpfMapType type, int keySize, int valueSize, int maxEntries, boolean owned) {
        this.fd = fd;
        this.name = name;
        this.type = type;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.maxEntries = maxEntries;
        this.owned = owned;
        this.cpus = type.perCpu() ? LibBpf.POSSIBLE_CPUS : 1;
        this.perCpuStride = type.perCpu() ? (valueSize + 7L) & ~7L : valueSize;
        this.valueBufferSize = type.perCpu() ? perCpuStride * cpus : valueSize;
    }

    /**
     * Creates a map with {@code bpf_map_create}, e.g. an inner map for an {@code ARRAY_OF_MAPS} or
     * {@code HASH_OF_MAPS}: its type, key size, value size and (unless the outer map's template has
     * {@code BPF_F_INNER_MAP}) max entries must match the outer map's inner map template, or storing it fails with
     * EINVAL.
     *
     * @param name     up to 15 characters of [A-Za-z0-9_.] (shown by {@code bpftool map})
     * @param mapFlags {@code BPF_F_*} map flags, e.g. {@code BPF_F_NO_PREALLOC} (1) for a hash; usually 0
     * @throws LinuxException e.g. {@code "bpf_map_create(BPF_MAP_TYPE_HASH, dsrgw_flows): ENOMEM (...)"}
     */
    public static BpfMap create(BpfMapType type, String name, int keySize, int valueSize, int maxEntries,
                                int mapFlags) throws LinuxException {
        Bpf.ensureAvailable();
        Objects.requireNonNull(type, "type");
        checkName(name);
        if (keySize < 0 || valueSize <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("key size " + keySize + ", value size " + valueSize
                    + ", max entries " + maxEntries + " (expected: key size >= 0, value size and max entries > 0)");
        }
        try (Arena arena = Arena.ofConfined()) {
            // struct bpf_map_create_opts (bpf.h, libbpf 1.1): sz@0, btf ids@8..23, inner_map_fd@24, map_flags@28,
            // map_extra@32, numa_node@40, map_ifindex@44; 48 bytes
            MemorySegment opts = arena.allocate(48, 8);
            opts.set(JAVA_LONG, 0, 48);
            opts.set(JAVA_INT, 28, mapFlags);
            int fd = LibBpf.mapCreate(type.id(), arena.allocateFrom(name), keySize, valueSize, maxEntries, opts);
            if (fd < 0) {
                throw new LinuxException("bpf_map_create", type.cName() + ", " + name, -fd);
            }
            return new BpfMap(fd, name, type, keySize, valueSize, maxEntries, true);
        }
    }

    static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        boolean valid = !name.isEmpty() && name.length() <= NAME_MAX;
        for (int i = 0; valid && i < name.length(); i++) {
            char c = name.charAt(i);
            valid = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.';
        }
        if (!valid) {
            throw new IllegalArgumentException("map name '" + name + "' (expected: 1.." + NAME_MAX
                    + " characters of A-Z a-z 0-9 _ .)");
        }
    }

    /** The map's name as libbpf or {@link #create} gave it, e.g. {@code "dsrgw_vips"}. */
    public String name() {
        return name;
    }

    /** The map's type. */
    public BpfMapType type() {
        return type;
    }

    /**
     * The map's file descriptor, e.g. to hand to another process; owned by this map (or its object).
     *
     * @throws IllegalStateException when closed
     */
    public int fd() {
        return liveFd();
    }

    /** Key size in bytes. */
    public int keySize() {
        return keySize;
    }

    /** Value size in bytes as the BPF program sees it (one CPU's value for per-CPU maps; 4 for maps of maps). */
    public int valueSize() {
        return valueSize;
    }

    /** Maximum number of elements. */
    public int maxEntries() {
        return maxEntries;
    }

    /** Distance between two CPUs' values in a per-CPU value buffer: the value size rounded up to 8; else
     *  {@link #valueSize()}. */
    public long perCpuStride() {
        return perCpuStride;
    }

    /** Bytes a value segment must hold for {@link #lookup} and {@link #update}. */
    public long valueBufferSize() {
        return valueBufferSize;
    }

    /** The map's kernel id (as {@code bpftool map show id N} and outer-map lookups show it). */
    public int id() throws LinuxException {
        return Info.id(liveFd(), Info.MAP_INFO_SIZE, "map " + name);
    }

    /**
     * {@code bpf_map_update_elem}: stores {@code value} (first {@link #valueBufferSize()} bytes) under {@code key}.
     *
     * @param flags {@link #BPF_ANY}, {@link #BPF_NOEXIST} or {@link #BPF_EXIST}
     * @throws LinuxException e.g. {@code "bpf_map_update_elem(dsrgw_vips): E2BIG (Argument list too long): the map
     *                        is full (max_entries 16)"}
     */
    public void update(MemorySegment key, MemorySegment value, long flags) throws LinuxException {
        int fd = liveFd();
        int result = LibBpf.mapUpdateElem(fd, address(key, keySize), address(value, valueBufferSize), flags);
        if (result < 0) {
            throw new LinuxException("bpf_map_update_elem", name, -result, updateDetail(-result, flags));
        }
    }

    private String updateDetail(int errno, long flags) {
        if (errno == Errno.E2BIG) {
            return type == BpfMapType.ARRAY || type == BpfMapType.PERCPU_ARRAY || type == BpfMapType.ARRAY_OF_MAPS
                    ? "index out of range (max_entries " + maxEntries + ")"
                    : "the map is full (max_entries " + maxEntries + ")";
        }
        if (errno == Errno.EEXIST && flags == BPF_NOEXIST) {
            return "the key exists (flags BPF_NOEXIST)";
        }
        if (errno == Errno.ENOENT && flags == BPF_EXIST) {
            return "no such key (flags BPF_EXIST)";
        }
        return null;
    }

    /**
     * {@code bpf_map_lookup_elem}: copies the value of {@code key} into {@code value} ({@link #valueBufferSize()}
     * bytes: one slot per possible CPU for per-CPU maps; the inner map's id for maps of maps).
     *
     * @return false when the key is absent (ENOENT)
     */
    public boolean lookup(MemorySegment key, MemorySegment value) throws LinuxException {
        int fd = liveFd();
        int result = LibBpf.mapLookupElem(fd, address(key, keySize), address(value, valueBufferSize));
        if (result < 0) {
            if (result == -Errno.ENOENT) {
                return false;
            }
            throw new LinuxException("bpf_map_lookup_elem", name, -result);
        }
        return true;
    }

    /**
     * {@code bpf_map_lookup_batch} from the first element: copies up to {@code count} keys into {@code keys} and
     * their values into {@code values} (each {@link #valueBufferSize()} bytes, one after the other) with ONE system
     * call, where {@link #lookup} needs one per key (e.g. all counters of a per-CPU array at once). Needs Linux 5.6
     * for arrays. {@code scratch} holds the kernel's batch cursor and the count: at least {@link #keySize()} rounded up
     * to 8, + 4 bytes.
     *
     * @return the elements copied (fewer than {@code count} when the map has fewer)
     */
    public int lookupBatch(MemorySegment keys, MemorySegment values, int count, MemorySegment scratch)
            throws LinuxException {
        int fd = liveFd();
        if (count < 1) {
            throw new IllegalArgumentException("count " + count + " (expected: >= 1)");
        }
        long keysAddress = address(keys, (long) count * keySize);
        long valuesAddress = address(values, count * valueBufferSize);
        // scratch: the kernel's batch cursor (a key) at 0, the in/out element count (__u32) after it
        long countOffset = (keySize + 7) & ~7L;
        long cursor = address(scratch, countOffset + 4);
        scratch.set(JAVA_INT, countOffset, count);
        int result = LibBpf.mapLookupBatch(fd, 0, cursor, keysAddress, valuesAddress, cursor + countOffset, 0);
        if (result < 0 && result != -Errno.ENOENT) { // ENOENT: the end of the map was reached (count is still set)
            throw new LinuxException("bpf_map_lookup_batch", name, -result);
        }
        return scratch.get(JAVA_INT, countOffset);
    }

    /**
     * {@code bpf_map_delete_elem}.
     *
     * @return false when the key was absent (ENOENT)
     * @throws LinuxException EINVAL for array maps, whose elements cannot be deleted
     */
    public boolean delete(MemorySegment key) throws LinuxException {
        int fd = liveFd();
        int result = LibBpf.mapDeleteElem(fd, address(key, keySize));
        if (result < 0) {
            if (result == -Errno.ENOENT) {
                return false;
            }
            throw new LinuxException("bpf_map_delete_elem", name, -result);
        }
        return true;
    }

    /**
     * {@code bpf_map_get_next_key}: iteration. Start with {@code key == null} for the first key, then pass the last
     * key returned. For hash maps the order is arbitrary, and a concurrent delete of {@code key} restarts the walk
     * from the first key (kernel behaviour): walking a changing map can see keys twice.
     *
     * @param key     the previous key, or null for the first
     * @param nextKey receives the following key ({@link #keySize()} bytes); may be the same segment as {@code key}
     * @return false when there is no further key (ENOENT)
     */
    public boolean nextKey(MemorySegment key, MemorySegment nextKey) throws LinuxException {
        int fd = liveFd();
        long previous = key == null ? 0L : address(key, keySize);
        int result = LibBpf.mapGetNextKey(fd, previous, address(nextKey, keySize));
        if (result < 0) {
            if (result == -Errno.ENOENT) {
                return false;
            }
            throw new LinuxException("bpf_map_get_next_key", name, -result);
        }
        return true;
    }

    /**
     * Sum over all possible CPUs of the 64-bit counter (host byte order) at {@code offset} in each CPU's value of a
     * per-CPU lookup result; e.g. {@code sumPerCpuLong(values, 0)} for a {@code __u64} value. Allocates nothing.
     *
     * @param values a buffer filled by {@link #lookup} on this per-CPU map
     * @throws IllegalStateException when this map is not per-CPU
     */
    public long sumPerCpuLong(MemorySegment values, long offset) {
        if (!type.perCpu()) {
            throw new IllegalStateException("map " + name + " is " + type.cName() + " (expected: a per-CPU map)");
        }
        Objects.checkFromIndexSize(offset, 8, valueSize);
        Objects.checkFromIndexSize(0, valueBufferSize, values.byteSize());
        long sum = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            sum += values.get(JAVA_LONG_UNALIGNED, cpu * perCpuStride + offset);
        }
        return sum;
    }

    private static final java.lang.foreign.ValueLayout.OfLong JAVA_LONG_UNALIGNED = JAVA_LONG.withByteAlignment(1);

    /**
     * Stores {@code inner} in this array or hash of maps under {@code key} ({@code bpf_map_update_elem} with the
     * inner map's fd as value). The kernel keeps the inner map alive while it is stored, so the caller may close
     * its own {@code inner} afterwards. Control path: allocates.
     *
     * @throws LinuxException EINVAL when {@code inner} does not match the outer map's inner map template
     */
    public void setInnerMap(MemorySegment key, BpfMap inner, long flags) throws LinuxException {
        if (!type.ofMaps()) {
            throw new IllegalStateException("map " + name + " is " + type.cName()
                    + " (expected: BPF_MAP_TYPE_ARRAY_OF_MAPS or BPF_MAP_TYPE_HASH_OF_MAPS)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            value.set(JAVA_INT, 0, inner.liveFd());
            int result = LibBpf.mapUpdateElem(liveFd(), address(key, keySize), value.address(), flags);
            if (result < 0) {
                throw new LinuxException("bpf_map_update_elem", name + ", inner map " + inner.name(), -result,
                        -result == Errno.EINVAL ? "the inner map's type, key size, value size or max entries differ"
                                + " from the outer map's inner map template" : updateDetail(-result, flags));
            }
        }
    }

    /** Closes a map made by {@link #create}; does nothing for a map of a {@link BpfObject}. Idempotent. */
    @Override
    public void close() {
        if (owned) {
            invalidate(true);
        }
    }

    /** Makes further calls fail; closes the fd if asked (maps of an object: libbpf closes them). */
    void invalidate(boolean closeFd) {
        int old;
        synchronized (this) {
            old = fd;
            fd = -1;
        }
        if (closeFd && old >= 0) {
            LibBpf.close(old);
        }
    }

    private int liveFd() {
        int current = fd;
        if (current < 0) {
            throw new IllegalStateException("map " + name + " is closed");
        }
        return current;
    }

    /**
     * Address of the first {@code length} bytes of {@code seg} after checking they may be handed to the kernel:
     * native, alive, long enough. Violations are programming errors.
     */
    static long address(MemorySegment seg, long length) {
        if (!seg.isNative()) {
            throw new IllegalArgumentException("heap segment (expected: native memory for bpf(2))");
        }
        if (!seg.scope().isAlive()) {
            throw new IllegalStateException("segment's arena is closed");
        }
        if (seg.byteSize() < length) {
            throw new IndexOutOfBoundsException("segment of " + seg.byteSize() + " bytes (expected: at least "
                    + length + ")");
        }
        return seg.address();
    }

    @Override
    public String toString() {
        return "BpfMap[" + name + ", " + type.cName() + ", key " + keySize + ", value " + valueSize + ", max "
                + maxEntries + "]";
    }

    /** {@code bpf_obj_get_info_by_fd} for the id of maps, programs and links (id at offset 4 in all three). */
    static final class Info {
        /** {@code sizeof(struct bpf_map_info)} in Linux 6.1 UAPI; the kernel accepts shorter and longer. */
        static final int MAP_INFO_SIZE = 88;
        /** {@code sizeof(struct bpf_prog_info)}. */
        static final int PROG_INFO_SIZE = 232;
        /** {@code sizeof(struct bpf_link_info)}. */
        static final int LINK_INFO_SIZE = 48;
        static final long ID_OFFSET = 4;

        private Info() {
        }

        static int id(int fd, int infoSize, String what) throws LinuxException {
            return info(fd, infoSize, what).get(JAVA_INT, ID_OFFSET);
        }

        /** The info struct in an automatic arena (control path). */
        static MemorySegment info(int fd, int infoSize, String what) throws LinuxException {
            MemorySegment info = Arena.ofAuto().allocate(infoSize, 8);
            info.fill((byte) 0);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment length = arena.allocate(JAVA_INT);
                length.set(JAVA_INT, 0, infoSize);
                int result = LibBpf.objGetInfoByFd(fd, info, length);
                if (result < 0) {
                    throw new LinuxException("bpf_obj_get_info_by_fd", what, -result);
                }
            }
            return info;
        }
    }
}
