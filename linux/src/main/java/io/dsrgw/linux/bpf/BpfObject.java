package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

import io.dsrgw.linux.LinuxException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A BPF ELF object (as {@code clang -O2 -g -target bpf} builds it) opened and loaded by libbpf: libbpf parses the
 * ELF and BTF, creates the maps (including inner map templates and global data), relocates and loads the programs.
 *
 * <p>Life cycle: {@link #open} (parse only) → optionally {@link #setMaxEntries} → {@link #load} (maps created,
 * programs verified) → {@link #map} / {@link #program} → {@link #close} (all its maps and programs are released;
 * attached {@link XdpLink}s keep their program alive until they are closed too).
 *
 * <p>Errors keep what libbpf printed: libbpf's print callback is captured for the calling thread during open and
 * load, and the kernel's verifier log is written to a buffer of this object, so a rejected program fails with e.g.
 * <pre>
 * bpf_object__load(test_rejected): EACCES (Permission denied): libbpf: prog 'xdp_out_of_bounds': BPF program load
 * failed: Permission denied
 * ...
 * verifier log (last 4000 characters at most):
 * 0: R1=ctx() R10=fp0
 * ; return data[100] == 0 ? XDP_PASS : XDP_DROP;
 * ...
 * invalid access to packet, off=100 size=1, R1(id=0,off=100,r=0)
 * R1 offset is outside of the packet
 * </pre>
 * The libbpf part is bounded by {@value LibBpf#CAPTURE_LIMIT} characters, the verifier log by its last
 * {@value #LOG_TAIL} characters (where the verifier states the reason).
 *
 * <p>Threading: methods are synchronized, so open, load, look-ups and close may come from different threads; they
 * are control-path calls. Maps and programs obtained from the object have their own contracts.
 */
public final class BpfObject implements AutoCloseable {
    /**
     * Size of the verifier log buffer: 1 MiB, freed after load. Since Linux 6.4 the log rotates and keeps its
     * end; older kernels (Debian 12's 6.1) fail a load whose log exceeds it with ENOSPC instead.
     */
    static final int LOG_BYTES = 1 << 20;
    /** Characters of the verifier log's end kept in a load failure's message. */
    static final int LOG_TAIL = 4000;

    // struct bpf_object_open_opts (libbpf.h, libbpf 1.1; LP64): sz@0, object_name@8, relaxed_maps@16,
    // pin_root_path@24, (removed attach_prog_fd)@32, kconfig@40, btf_custom_path@48, kernel_log_buf@56,
    // kernel_log_size@64, kernel_log_level@72; 80 bytes
    private static final long OPEN_OPTS_SIZE = 80;
    private static final long OPEN_OPTS_OBJECT_NAME = 8;
    private static final long OPEN_OPTS_KERNEL_LOG_BUF = 56;
    private static final long OPEN_OPTS_KERNEL_LOG_SIZE = 64;
    private static final long OPEN_OPTS_KERNEL_LOG_LEVEL = 72;

    private final String name;
    /** Holds the ELF copy and the options for the object's life: libbpf keeps pointers into both until load. */
    private final Arena arena;
    private final MemorySegment object;
    private Arena logArena;
    private MemorySegment log;
    private boolean loaded;
    private boolean closed;
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private final Map<String, BpfProgram> programs = new LinkedHashMap<>();

    private BpfObject(String name, Arena arena, MemorySegment object, Arena logArena, MemorySegment log) {
        this.name = name;
        this.arena = arena;
        this.object = object;
        this.logArena = logArena;
        this.log = log;
    }

    /**
     * Opens an object from the bytes of a BPF ELF file ({@code bpf_object__open_mem}); nothing reaches the kernel
     * yet. The bytes are copied.
     *
     * @param name the object's name (libbpf names global-data maps after it, e.g. {@code "dsrgw_xdp.bss"}) and the
     *             argument in error messages
     * @throws LinuxException e.g. {@code "bpf_object__open_mem(dsrgw_xdp): ENOEXEC (Exec format error): libbpf:
     *                        elf: ..."} for bytes that are not a BPF object
     * @throws IllegalStateException when BPF is unavailable ({@link Bpf#unavailabilityCause()})
     */
    public static BpfObject open(String name, byte[] elf) throws LinuxException {
        Bpf.ensureAvailable();
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(elf, "elf");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty object name (expected: e.g. dsrgw_xdp)");
        }
        Arena arena = Arena.ofShared();
        Arena logArena = Arena.ofShared();
        boolean opened = false;
        try {
            MemorySegment bytes = arena.allocate(Math.max(1, elf.length), 8);
            MemorySegment.copy(elf, 0, bytes, JAVA_BYTE, 0, elf.length);
            MemorySegment log = logArena.allocate(LOG_BYTES);
            MemorySegment opts = arena.allocate(OPEN_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, OPEN_OPTS_SIZE);
            opts.set(JAVA_LONG, OPEN_OPTS_OBJECT_NAME, arena.allocateFrom(name).address());
            opts.set(JAVA_LONG, OPEN_OPTS_KERNEL_LOG_BUF, log.address());
            opts.set(JAVA_LONG, OPEN_OPTS_KERNEL_LOG_SIZE, LOG_BYTES);
            // level 0: load without a log first; libbpf retries a failed load with level 1 into this buffer
            opts.set(JAVA_INT, OPEN_OPTS_KERNEL_LOG_LEVEL, 0);
            MemorySegment state = LibBpf.newCaptureState(arena);
            LibBpf.beginCapture();
            MemorySegment object;
            String printed;
            try {
                object = LibBpf.objectOpenMem(state, bytes, elf.length, opts);
            } finally {
                printed = LibBpf.endCapture();
            }
            if (object.equals(MemorySegment.NULL)) {
                throw new LinuxException("bpf_object__open_mem", name, LibBpf.errno(state), printed);
            }
            opened = true;
            return new BpfObject(name, arena, object, logArena, log);
        } finally {
            if (!opened) {
                logArena.close();
                arena.close();
            }
        }
    }

    /** The name given to {@link #open}. */
    public String name() {
        return name;
    }

    /** Whether {@link #load} succeeded. */
    public synchronized boolean isLoaded() {
        return loaded;
    }

    /**
     * Sets a map's capacity before {@link #load} ({@code bpf_map__set_max_entries}), overriding the ELF's
     * {@code max_entries}: sizes tables from configuration without recompiling.
     *
     * @throws NoSuchElementException for an unknown map (the message lists the object's maps)
     * @throws IllegalStateException  after load
     */
    public synchronized void setMaxEntries(String map, int maxEntries) throws LinuxException {
        checkOpen();
        if (loaded) {
            throw new IllegalStateException("BPF object " + name + " is loaded (expected: setMaxEntries before"
                    + " load)");
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("max entries " + maxEntries + " for map " + map
                    + " (expected: > 0)");
        }
        int result = LibBpf.mapSetMaxEntries(findMap(map), maxEntries);
        if (result < 0) {
            throw new LinuxException("bpf_map__set_max_entries", map + ", " + maxEntries, -result);
        }
    }

    /**
     * Creates the maps and loads and verifies the programs ({@code bpf_object__load}). On failure the message
     * carries libbpf's messages and the end of the verifier log; the object can then only be closed.
     *
     * @throws LinuxException e.g. {@code "bpf_object__load(dsrgw_xdp): EACCES (Permission denied): ..."} (verifier
     *                        rejection), EPERM (missing capabilities or memlock), E2BIG (map too large)
     */
    public synchronized void load() throws LinuxException {
        checkOpen();
        if (loaded) {
            throw new IllegalStateException("BPF object " + name + " is already loaded");
        }
        LibBpf.beginCapture();
        int result;
        String printed;
        try {
            result = LibBpf.objectLoad(object);
        } finally {
            printed = LibBpf.endCapture();
        }
        try {
            if (result < 0) {
                throw new LinuxException("bpf_object__load", name, -result, loadDetail(printed, logTail()));
            }
            loaded = true;
        } finally {
            // libbpf only writes the log during load; it cannot be loaded twice
            logArena.close();
            logArena = null;
            log = null;
        }
    }

    private String logTail() {
        String text = log.getString(0, StandardCharsets.UTF_8).strip();
        if (text.length() <= LOG_TAIL) {
            return text;
        }
        String tail = text.substring(text.length() - LOG_TAIL);
        int line = tail.indexOf('\n');
        return "..." + (line >= 0 ? tail.substring(line) : tail);
    }

    static String loadDetail(String printed, String verifierLog) {
        StringBuilder detail = new StringBuilder(printed);
        if (!verifierLog.isEmpty()) {
            if (!detail.isEmpty()) {
                detail.append('\n');
            }
            detail.append("verifier log (last ").append(LOG_TAIL).append(" characters at most):\n")
                    .append(verifierLog);
        }
        return detail.isEmpty() ? null : detail.toString();
    }

    /**
     * A map of the loaded object by its name in the C source, e.g. {@code "dsrgw_vips"}; the same instance on
     * every call. Closed with this object.
     *
     * @throws NoSuchElementException naming the maps the object has
     * @throws IllegalStateException  before load or after close
     */
    public synchronized BpfMap map(String mapName) {
        checkLoaded();
        BpfMap map = maps.get(mapName);
        if (map == null) {
            MemorySegment m = findMap(mapName);
            map = new BpfMap(LibBpf.mapFd(m), LibBpf.mapName(m), BpfMapType.of(LibBpf.mapType(m)),
                    LibBpf.mapKeySize(m), LibBpf.mapValueSize(m), LibBpf.mapMaxEntries(m), false);
            maps.put(mapName, map);
        }
        return map;
    }

    /**
     * A program of the loaded object by its C function name, e.g. {@code "xdp_lb"}; the same instance on every
     * call. Closed with this object (an {@link XdpLink} keeps the kernel program attached until the link closes).
     *
     * @throws NoSuchElementException naming the programs the object has
     * @throws IllegalStateException  before load or after close
     */
    public synchronized BpfProgram program(String programName) {
        checkLoaded();
        BpfProgram program = programs.get(programName);
        if (program == null) {
            MemorySegment p;
            try (Arena temp = Arena.ofConfined()) {
                p = LibBpf.objectFindProgram(object, temp.allocateFrom(programName));
            }
            if (p.equals(MemorySegment.NULL)) {
                throw new NoSuchElementException("no program '" + programName + "' in BPF object " + name
                        + " (programs: " + String.join(", ", programNames()) + ")");
            }
            program = new BpfProgram(LibBpf.programFd(p), LibBpf.programName(p));
            programs.put(programName, program);
        }
        return program;
    }

    /** Names of the object's maps, including libbpf's global-data maps (e.g. {@code "name.bss"}). */
    public synchronized List<String> mapNames() {
        checkOpen();
        List<String> names = new ArrayList<>();
        for (MemorySegment m = LibBpf.objectNextMap(object, MemorySegment.NULL); !m.equals(MemorySegment.NULL);
             m = LibBpf.objectNextMap(object, m)) {
            names.add(LibBpf.mapName(m));
        }
        return names;
    }

    /** Names of the object's programs (their C function names). */
    public synchronized List<String> programNames() {
        checkOpen();
        List<String> names = new ArrayList<>();
        for (MemorySegment p = LibBpf.objectNextProgram(object, MemorySegment.NULL);
             !p.equals(MemorySegment.NULL); p = LibBpf.objectNextProgram(object, p)) {
            names.add(LibBpf.programName(p));
        }
        return names;
    }

    private MemorySegment findMap(String mapName) {
        Objects.requireNonNull(mapName, "map name");
        MemorySegment m;
        try (Arena temp = Arena.ofConfined()) {
            m = LibBpf.objectFindMap(object, temp.allocateFrom(mapName));
        }
        if (m.equals(MemorySegment.NULL)) {
            throw new NoSuchElementException("no map '" + mapName + "' in BPF object " + name + " (maps: "
                    + String.join(", ", mapNames()) + ")");
        }
        return m;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("BPF object " + name + " is closed");
        }
    }

    private void checkLoaded() {
        checkOpen();
        if (!loaded) {
            throw new IllegalStateException("BPF object " + name + " is not loaded (expected: load() first)");
        }
    }

    /**
     * Releases the object ({@code bpf_object__close}): its maps and programs become unusable here; the kernel frees
     * them once nothing else (an attached link, an outer map, a pin) holds them. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (BpfMap map : maps.values()) {
            map.invalidate(false);
        }
        for (BpfProgram program : programs.values()) {
            program.invalidate();
        }
        LibBpf.objectClose(object);
        if (logArena != null) {
            logArena.close();
        }
        arena.close();
    }

    @Override
    public String toString() {
        return "BpfObject[" + name + (closed ? ", closed" : loaded ? ", loaded" : ", open") + "]";
    }
}
