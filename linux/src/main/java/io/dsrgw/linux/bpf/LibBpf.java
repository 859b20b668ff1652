package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Downcall handles for the libbpf 1.1 functions this package uses (Debian 12's {@code libbpf1}, {@code
 * libbpf.so.1}), the two libc functions it needs ({@code close}, {@code vsnprintf}) and libbpf's print callback.
 *
 * <p>libbpf 1.x reports errors as {@code -errno} in the return value of functions returning {@code int} (and sets
 * errno too); functions returning a pointer return NULL and set errno, so only those are linked with
 * {@code captureCallState("errno")}. As in {@code io.dsrgw.linux.Native}, pointers of the per-second calls (map
 * lookup, update, delete, next key) travel as {@code long} addresses so that a call allocates nothing.
 *
 * <p>Loading this class fails ({@link ExceptionInInitializerError}) when {@code libbpf.so.1} or one of its symbols
 * is missing: {@link Bpf} loads it inside its probe and keeps the cause; every other class checks
 * {@link Bpf#ensureAvailable()} first.
 *
 * <p>The print callback: libbpf has one process-wide callback; this class installs it once. Messages of a thread
 * inside {@link #beginCapture()} .. {@link #endCapture()} (open and load of a {@link BpfObject}) are kept for the
 * exception; all others go to the {@link System.Logger} {@code io.dsrgw.linux.bpf.libbpf}. Another library in the
 * same JVM calling {@code libbpf_set_print} would take these messages away.
 */
final class LibBpf {
    static final String LIBRARY = "libbpf.so.1";

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final SymbolLookup LIBBPF = SymbolLookup.libraryLookup(LIBRARY, Arena.global());

    // libbpf.h: objects, maps, programs
    private static final MethodHandle OBJECT_OPEN_MEM = capture("bpf_object__open_mem",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle OBJECT_LOAD = bpf("bpf_object__load", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle OBJECT_CLOSE = bpf("bpf_object__close", FunctionDescriptor.ofVoid(ADDRESS));
    private static final MethodHandle OBJECT_FIND_MAP = bpf("bpf_object__find_map_by_name",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle OBJECT_FIND_PROGRAM = bpf("bpf_object__find_program_by_name",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle OBJECT_NEXT_MAP = bpf("bpf_object__next_map",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle OBJECT_NEXT_PROGRAM = bpf("bpf_object__next_program",
            FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle MAP_SET_MAX_ENTRIES = bpf("bpf_map__set_max_entries",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MAP_FD = bpf("bpf_map__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_NAME = bpf("bpf_map__name", FunctionDescriptor.of(ADDRESS, ADDRESS));
    private static final MethodHandle MAP_TYPE = bpf("bpf_map__type", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_KEY_SIZE = bpf("bpf_map__key_size", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_VALUE_SIZE = bpf("bpf_map__value_size",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_MAX_ENTRIES = bpf("bpf_map__max_entries",
            FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle PROGRAM_FD = bpf("bpf_program__fd", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle PROGRAM_NAME = bpf("bpf_program__name",
            FunctionDescriptor.of(ADDRESS, ADDRESS));

    // bpf.h: thin wrappers of bpf(2)
    private static final MethodHandle MAP_CREATE = bpf("bpf_map_create",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MAP_UPDATE_ELEM = bpf("bpf_map_update_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MAP_LOOKUP_ELEM = bpf("bpf_map_lookup_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MAP_LOOKUP_BATCH = bpf("bpf_map_lookup_batch",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG));
    private static final MethodHandle MAP_DELETE_ELEM = bpf("bpf_map_delete_elem",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MAP_GET_NEXT_KEY = bpf("bpf_map_get_next_key",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle OBJ_GET_INFO_BY_FD = bpf("bpf_obj_get_info_by_fd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle PROG_TEST_RUN_OPTS = bpf("bpf_prog_test_run_opts",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle LINK_CREATE = bpf("bpf_link_create",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle LINK_UPDATE = bpf("bpf_link_update",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));

    // libbpf.h: library
    private static final MethodHandle NUM_POSSIBLE_CPUS = bpf("libbpf_num_possible_cpus",
            FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle MAJOR_VERSION = bpf("libbpf_major_version", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle MINOR_VERSION = bpf("libbpf_minor_version", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle SET_PRINT = bpf("libbpf_set_print", FunctionDescriptor.of(ADDRESS, ADDRESS));

    // libc
    private static final MethodHandle CLOSE = LINKER.downcallHandle(libc("close"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));
    /**
     * {@code int vsnprintf(char *, size_t, const char *, va_list)}: the {@code va_list} libbpf hands its callback
     * is passed on as a pointer (x86_64: {@code va_list} is an array type, so a parameter decays to a pointer;
     * aarch64: a 32-byte struct, which AAPCS64 passes by reference).
     */
    private static final MethodHandle VSNPRINTF = LINKER.downcallHandle(libc("vsnprintf"),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS));

    // libbpf.h: enum libbpf_print_level
    static final int LIBBPF_WARN = 0;
    static final int LIBBPF_INFO = 1;
    static final int LIBBPF_DEBUG = 2;

    /** Longest printed message kept per capture; libbpf prints a few short lines per failure. */
    static final int CAPTURE_LIMIT = 8192;
    private static final int LINE_LIMIT = 4096;

    private static final System.Logger LOG = System.getLogger("io.dsrgw.linux.bpf.libbpf");
    private static final ThreadLocal<StringBuilder> CAPTURE = new ThreadLocal<>();

    static {
        try {
            MethodHandle print = MethodHandles.lookup().findStatic(LibBpf.class, "print",
                    MethodType.methodType(int.class, int.class, MemorySegment.class, MemorySegment.class));
            MemorySegment stub = LINKER.upcallStub(print,
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), Arena.global());
            // the previous callback (libbpf's default, printing to stderr) is not chained: its messages come here
            MemorySegment previous = (MemorySegment) SET_PRINT.invokeExact(stub);
            assert previous != null;
        } catch (Throwable t) {
            throw new ExceptionInInitializerError(t);
        }
    }

    static final int POSSIBLE_CPUS = possibleCpus();

    private LibBpf() {
    }

    private static MethodHandle bpf(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd);
    }

    private static MethodHandle capture(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd, Linker.Option.captureCallState("errno"));
    }

    private static MemorySegment find(String name) {
        return LIBBPF.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                LIBRARY + " lacks " + name + " (libbpf >= 1.1 needed)"));
    }

    private static MemorySegment libc(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
    }

    private static int possibleCpus() {
        int n = numPossibleCpus();
        if (n <= 0) {
            throw new ExceptionInInitializerError("libbpf_num_possible_cpus: " + n);
        }
        return n;
    }

    static MemorySegment newCaptureState(Arena arena) {
        return arena.allocate(CAPTURE_STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    // ---- print callback ------------------------------------------------------------------------------------

    /**
     * Starts keeping this thread's libbpf messages (warnings and info, not debug). Nested captures are not
     * supported: a second begin restarts the capture.
     */
    static void beginCapture() {
        CAPTURE.set(new StringBuilder());
    }

    /** Ends the capture and returns what libbpf printed meanwhile, without a trailing newline. */
    static String endCapture() {
        StringBuilder captured = CAPTURE.get();
        CAPTURE.remove();
        return captured == null ? "" : captured.toString().strip();
    }

    /**
     * libbpf's {@code libbpf_print_fn_t}: formats the message with vsnprintf. Must not throw: an exception in an
     * upcall ends the JVM.
     */
    @SuppressWarnings("unused") // upcall target, found by name in the static initializer
    private static int print(int level, MemorySegment format, MemorySegment args) {
        try {
            StringBuilder captured = CAPTURE.get();
            System.Logger.Level logLevel = level == LIBBPF_WARN ? System.Logger.Level.WARNING
                    : level == LIBBPF_INFO ? System.Logger.Level.INFO : System.Logger.Level.DEBUG;
            boolean keep = captured != null && level != LIBBPF_DEBUG;
            if (!keep && !LOG.isLoggable(logLevel)) {
                return 0;
            }
            String message;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buffer = arena.allocate(LINE_LIMIT);
                int n = (int) VSNPRINTF.invokeExact(buffer, (long) LINE_LIMIT, format, args);
                message = buffer.getString(0, StandardCharsets.UTF_8);
                if (n >= LINE_LIMIT) {
                    message += "...(" + (n - LINE_LIMIT + 1) + " more characters)\n";
                }
            }
            if (keep) {
                if (captured.length() < CAPTURE_LIMIT) {
                    captured.append(message, 0, Math.min(message.length(), CAPTURE_LIMIT - captured.length()));
                    if (captured.length() == CAPTURE_LIMIT) {
                        captured.append("...(libbpf messages truncated)\n");
                    }
                }
            } else {
                LOG.log(logLevel, message.strip());
            }
        } catch (Throwable ignored) {
            // nowhere to report it from inside libbpf; dropping one log line is the lesser harm
        }
        return 0;
    }

    // ---- downcalls -----------------------------------------------------------------------------------------

    static MemorySegment objectOpenMem(MemorySegment state, MemorySegment elf, long size, MemorySegment opts) {
        try {
            return (MemorySegment) OBJECT_OPEN_MEM.invokeExact(state, elf, size, opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int objectLoad(MemorySegment object) {
        try {
            return (int) OBJECT_LOAD.invokeExact(object);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void objectClose(MemorySegment object) {
        try {
            OBJECT_CLOSE.invokeExact(object);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment objectFindMap(MemorySegment object, MemorySegment name) {
        try {
            return (MemorySegment) OBJECT_FIND_MAP.invokeExact(object, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment objectFindProgram(MemorySegment object, MemorySegment name) {
        try {
            return (MemorySegment) OBJECT_FIND_PROGRAM.invokeExact(object, name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment objectNextMap(MemorySegment object, MemorySegment previous) {
        try {
            return (MemorySegment) OBJECT_NEXT_MAP.invokeExact(object, previous);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static MemorySegment objectNextProgram(MemorySegment object, MemorySegment previous) {
        try {
            return (MemorySegment) OBJECT_NEXT_PROGRAM.invokeExact(object, previous);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapSetMaxEntries(MemorySegment map, int maxEntries) {
        try {
            return (int) MAP_SET_MAX_ENTRIES.invokeExact(map, maxEntries);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapFd(MemorySegment map) {
        try {
            return (int) MAP_FD.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String mapName(MemorySegment map) {
        try {
            return string((MemorySegment) MAP_NAME.invokeExact(map));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapType(MemorySegment map) {
        try {
            return (int) MAP_TYPE.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapKeySize(MemorySegment map) {
        try {
            return (int) MAP_KEY_SIZE.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapValueSize(MemorySegment map) {
        try {
            return (int) MAP_VALUE_SIZE.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapMaxEntries(MemorySegment map) {
        try {
            return (int) MAP_MAX_ENTRIES.invokeExact(map);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int programFd(MemorySegment program) {
        try {
            return (int) PROGRAM_FD.invokeExact(program);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String programName(MemorySegment program) {
        try {
            return string((MemorySegment) PROGRAM_NAME.invokeExact(program));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapCreate(int type, MemorySegment name, int keySize, int valueSize, int maxEntries,
                         MemorySegment opts) {
        try {
            return (int) MAP_CREATE.invokeExact(type, name, keySize, valueSize, maxEntries, opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapUpdateElem(int fd, long key, long value, long flags) {
        try {
            return (int) MAP_UPDATE_ELEM.invokeExact(fd, key, value, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapLookupElem(int fd, long key, long value) {
        try {
            return (int) MAP_LOOKUP_ELEM.invokeExact(fd, key, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapLookupBatch(int fd, long inBatch, long outBatch, long keys, long values, long count, long opts) {
        try {
            return (int) MAP_LOOKUP_BATCH.invokeExact(fd, inBatch, outBatch, keys, values, count, opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapDeleteElem(int fd, long key) {
        try {
            return (int) MAP_DELETE_ELEM.invokeExact(fd, key);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int mapGetNextKey(int fd, long key, long nextKey) {
        try {
            return (int) MAP_GET_NEXT_KEY.invokeExact(fd, key, nextKey);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int objGetInfoByFd(int fd, MemorySegment info, MemorySegment infoLength) {
        try {
            return (int) OBJ_GET_INFO_BY_FD.invokeExact(fd, info, infoLength);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int progTestRunOpts(int fd, MemorySegment opts) {
        try {
            return (int) PROG_TEST_RUN_OPTS.invokeExact(fd, opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int linkCreate(int programFd, int targetFd, int attachType, MemorySegment opts) {
        try {
            return (int) LINK_CREATE.invokeExact(programFd, targetFd, attachType, opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int linkUpdate(int linkFd, int newProgramFd, MemorySegment opts) {
        try {
            return (int) LINK_UPDATE.invokeExact(linkFd, newProgramFd, opts);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static int numPossibleCpus() {
        try {
            return (int) NUM_POSSIBLE_CPUS.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static String version() {
        try {
            return (int) MAJOR_VERSION.invokeExact() + "." + (int) MINOR_VERSION.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** close(2); returns 0 or errno. */
    static int close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = newCaptureState(arena);
            int result = (int) CLOSE.invokeExact(state, fd);
            return result < 0 ? errno(state) : 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A NUL-terminated C string returned by libbpf (owned by libbpf), or null for NULL. */
    private static String string(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return null;
        }
        return pointer.reinterpret(Long.MAX_VALUE).getString(0, StandardCharsets.UTF_8);
    }
}
