package io.dsrgw.linux.bpf;

/**
 * {@code enum bpf_map_type} of {@code <linux/bpf.h>}; {@link #id()} is the kernel's number (UAPI, stable).
 * Types up to Linux 6.9 ({@code BPF_MAP_TYPE_ARENA}).
 */
public enum BpfMapType {
    HASH(1),
    ARRAY(2),
    PROG_ARRAY(3),
    PERF_EVENT_ARRAY(4),
    PERCPU_HASH(5),
    PERCPU_ARRAY(6),
    STACK_TRACE(7),
    CGROUP_ARRAY(8),
    LRU_HASH(9),
    LRU_PERCPU_HASH(10),
    LPM_TRIE(11),
    ARRAY_OF_MAPS(12),
    HASH_OF_MAPS(13),
    DEVMAP(14),
    SOCKMAP(15),
    CPUMAP(16),
    XSKMAP(17),
    SOCKHASH(18),
    CGROUP_STORAGE(19),
    REUSEPORT_SOCKARRAY(20),
    PERCPU_CGROUP_STORAGE(21),
    QUEUE(22),
    STACK(23),
    SK_STORAGE(24),
    DEVMAP_HASH(25),
    STRUCT_OPS(26),
    RINGBUF(27),
    INODE_STORAGE(28),
    TASK_STORAGE(29),
    BLOOM_FILTER(30),
    USER_RINGBUF(31),
    CGRP_STORAGE(32),
    ARENA(33);

    private static final BpfMapType[] BY_ID = new BpfMapType[34];

    static {
        for (BpfMapType type : values()) {
            BY_ID[type.id] = type;
        }
    }

    private final int id;

    BpfMapType(int id) {
        this.id = id;
    }

    /** The kernel's number, e.g. 1 for {@code BPF_MAP_TYPE_HASH}. */
    public int id() {
        return id;
    }

    /**
     * Whether a lookup or update from user space carries one value per possible CPU (each rounded up to 8 bytes):
     * the per-CPU hash, LRU hash, array and cgroup storage.
     */
    public boolean perCpu() {
        return this == PERCPU_HASH || this == LRU_PERCPU_HASH || this == PERCPU_ARRAY
                || this == PERCPU_CGROUP_STORAGE;
    }

    /** Whether values are maps (array or hash of maps): user space writes inner map fds and reads inner map ids. */
    public boolean ofMaps() {
        return this == ARRAY_OF_MAPS || this == HASH_OF_MAPS;
    }

    /** The C name, e.g. {@code "BPF_MAP_TYPE_HASH"}. */
    public String cName() {
        return "BPF_MAP_TYPE_" + name();
    }

    /**
     * The type with that kernel number.
     *
     * @throws IllegalArgumentException for 0 ({@code UNSPEC}) and numbers newer than this enum
     */
    public static BpfMapType of(int id) {
        if (id > 0 && id < BY_ID.length && BY_ID[id] != null) {
            return BY_ID[id];
        }
        throw new IllegalArgumentException("bpf map type " + id + " (expected: 1.." + (BY_ID.length - 1) + ")");
    }
}
