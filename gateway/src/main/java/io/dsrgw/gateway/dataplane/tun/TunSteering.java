package io.dsrgw.gateway.dataplane.tun;

import io.dsrgw.conf.IngressConfig;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.TunDevice;
import io.dsrgw.linux.bpf.Bpf;
import io.dsrgw.linux.bpf.BpfMap;
import io.dsrgw.linux.bpf.BpfObject;
import io.dsrgw.linux.bpf.BpfProgram;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The TUN ingress's queue steering program (issue 14, floods: {@code ingress.new-flow-queue}): the classpath
 * resource {@value #OBJECT_RESOURCE}, compiled from {@code gateway/src/main/bpf/dsrgw_tun_steer.c}, whose comment is
 * the contract. With it attached, a TUN with 3 queues per worker queues worker w's established traffic on queue 3w,
 * its new flows (TCP SYN without ACK) on queue 3w+1, or on 3w+2 when their source had an established flow in the
 * last minute, the worker chosen by a hash of the source and destination addresses only. At most
 * {@link #DEFAULT_KNOWN_SOURCES_PER_SECOND} (or {@link #load(long)}'s limit) new sources per second become known, so
 * a spoofed ACK flood cannot make its range known.
 *
 * <p>Why: without it the kernel spreads packets over the queues by flow hash and a SYN flood faster than the
 * workers fills every queue; the kernel then drops the packets of established connections as often as flood SYNs
 * ({@code tun queue full}). With it, the flood fills the new-flow queues only, and the workers read the established
 * queues first ({@link TunWorker}).
 *
 * <p>Life cycle: {@link #load} → {@link #attach} (the device keeps its own reference to the program) →
 * {@link #close}, which may come right after attaching. Control path only.
 */
public final class TunSteering implements AutoCloseable {
    /** Where the build puts the compiled program (gateway/pom.xml, execution compile-tun-steering). */
    static final String OBJECT_RESOURCE = "/io/dsrgw/gateway/tun/dsrgw_tun_steer.o";
    static final String OBJECT_NAME = "dsrgw_tun_steer";
    static final String PROGRAM_NAME = "dsrgw_tun_steer";
    /** The program's memory of sources with an established flow (see the C file's "Known sources"). */
    static final String MAP_KNOWN_SOURCES = "dsrgw_known_sources";
    /** The program's limit of new known sources per second (the C file's "Insert limit"). */
    static final String MAP_KNOWN_LIMIT = "dsrgw_known_limit";
    /** The program's current insert window: start (ns) and count, two {@code __u64}. */
    static final String MAP_KNOWN_WINDOW = "dsrgw_known_window";
    /**
     * Sources not yet known that the program records per second by default (the C file's "Insert limit"): enough
     * for a site's new clients at a modest rate, while a spoofed ACK flood plants at most 200 x 60 = 12,000 known
     * sources per minute of memory (9% of a /15); new clients beyond it are treated as new flows, as without the
     * memory.
     */
    public static final long DEFAULT_KNOWN_SOURCES_PER_SECOND = IngressConfig.DEFAULT_KNOWN_SOURCES_PER_SECOND;
    /** TUN queues per worker with the program: established traffic, new flows, known sources' new flows. */
    public static final int QUEUES_PER_WORKER = 3;

    private final BpfObject object;
    private final BpfProgram program;

    private TunSteering(BpfObject object, BpfProgram program) {
        this.object = object;
        this.program = program;
    }

    /**
     * Loads the program into the kernel ({@code bpf(BPF_PROG_LOAD)} through libbpf).
     *
     * @throws LinuxException e.g. {@code "bpf_object__load(dsrgw_tun_steer): EPERM (...)"}
     * @throws IllegalStateException when BPF is unavailable, with the cause ({@link Bpf#unavailabilityCause()}, e.g.
     *                               the missing CAP_BPF)
     */
    public static TunSteering load() throws LinuxException {
        return load(DEFAULT_KNOWN_SOURCES_PER_SECOND);
    }

    /**
     * As {@link #load()}, with at most {@code knownSourcesPerSecond} new sources recorded as known per second (the C
     * file's "Insert limit"; 0 records none, so every SYN is a new flow's).
     *
     * @throws IllegalArgumentException if {@code knownSourcesPerSecond} is negative
     */
    public static TunSteering load(long knownSourcesPerSecond) throws LinuxException {
        if (knownSourcesPerSecond < 0) {
            throw new IllegalArgumentException("knownSourcesPerSecond: " + knownSourcesPerSecond
                    + " (expected: 0 or more)");
        }
        Bpf.ensureAvailable();
        BpfObject object = BpfObject.open(OBJECT_NAME, objectBytes());
        try {
            object.load();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment key = arena.allocate(JAVA_INT);
                MemorySegment value = arena.allocate(JAVA_LONG);
                value.set(JAVA_LONG, 0, knownSourcesPerSecond);
                object.map(MAP_KNOWN_LIMIT).update(key, value, BpfMap.BPF_ANY);
            }
            return new TunSteering(object, object.program(PROGRAM_NAME));
        } catch (LinuxException | RuntimeException | Error e) {
            object.close();
            throw e;
        }
    }

    private static byte[] objectBytes() {
        try (InputStream in = TunSteering.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + OBJECT_RESOURCE + " is missing (expected: "
                        + "compiled from gateway/src/main/bpf/dsrgw_tun_steer.c by the gateway module's build)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + OBJECT_RESOURCE, e);
        }
    }

    /**
     * The known-sources map: key the 16-byte source address (IPv4 as {@code ::ffff:a.b.c.d}), value the
     * {@code bpf_ktime_get_ns()} (CLOCK_MONOTONIC, as {@link System#nanoTime()} on Linux) of its latest packet of an
     * established flow. Tests; the program keeps it.
     */
    BpfMap knownSources() {
        return object.map(MAP_KNOWN_SOURCES);
    }

    /** The current insert window (tests): key 0 ({@code __u32}), value start ns and count ({@code __u64} each). */
    BpfMap knownWindow() {
        return object.map(MAP_KNOWN_WINDOW);
    }

    /** The loaded program (tests: {@link BpfProgram#testRun}). */
    public BpfProgram program() {
        return program;
    }

    /**
     * Makes the program steer every packet of {@code queue}'s device ({@link TunDevice#steeringProgram}). The device
     * must have {@link #QUEUES_PER_WORKER} queues per worker, attached established first.
     */
    public void attach(TunDevice queue) throws LinuxException {
        Objects.requireNonNull(queue, "queue").steeringProgram(program.fd());
    }

    /** Releases this process's reference to the program; an attached device keeps its own. Idempotent. */
    @Override
    public void close() {
        object.close();
    }
}
