package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.LinuxException;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A loaded BPF program of a {@link BpfObject}: attach it with {@link XdpLink#attach}, or run it on a packet buffer
 * with {@link #testRun} ({@code BPF_PROG_TEST_RUN}, what Katran's golden-packet tests use).
 *
 * <p>Threading: any thread; {@link #testRun} may run concurrently. Unusable once its object is closed.
 */
public final class BpfProgram {
    // enum xdp_action, <linux/bpf.h>: what an XDP program returns
    /** {@code XDP_ABORTED}: drop and raise the {@code xdp_exception} tracepoint (a program error). */
    public static final int XDP_ABORTED = 0;
    /** {@code XDP_DROP}: drop the packet. */
    public static final int XDP_DROP = 1;
    /** {@code XDP_PASS}: hand the packet to the kernel's stack. */
    public static final int XDP_PASS = 2;
    /** {@code XDP_TX}: send the (possibly rewritten) packet back out of the interface it came in on. */
    public static final int XDP_TX = 3;
    /** {@code XDP_REDIRECT}: send it where {@code bpf_redirect*} said (another interface, CPU, AF_XDP socket). */
    public static final int XDP_REDIRECT = 4;

    private static final String[] XDP_ACTIONS = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"};

    // struct bpf_test_run_opts (bpf.h, libbpf 1.1; LP64)
    private static final long TEST_RUN_OPTS_SIZE = 80;
    private static final long TR_DATA_IN = 8;
    private static final long TR_DATA_OUT = 16;
    private static final long TR_DATA_SIZE_IN = 24;
    private static final long TR_DATA_SIZE_OUT = 28;
    private static final long TR_CTX_IN = 32;
    private static final long TR_CTX_SIZE_IN = 48;
    private static final long TR_RETVAL = 56;
    private static final long TR_REPEAT = 60;
    private static final long TR_DURATION = 64;

    // struct xdp_md, <linux/bpf.h>: data@0, data_end@4, data_meta@8, ingress_ifindex@12, rx_queue_index@16,
    // egress_ifindex@20; 24 bytes
    private static final long XDP_MD_SIZE = 24;
    private static final long XDP_MD_DATA_END = 4;
    private static final long XDP_MD_INGRESS_IFINDEX = 12;
    private static final long XDP_MD_RX_QUEUE_INDEX = 16;

    private final String name;
    private volatile int fd;

    BpfProgram(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** The program's name (its C function name, as {@code bpftool prog} shows it up to 15 characters). */
    public String name() {
        return name;
    }

    /**
     * The program's file descriptor, owned by its object.
     *
     * @throws IllegalStateException when its object is closed
     */
    public int fd() {
        return liveFd();
    }

    /** The program's kernel id (as {@code ip link} shows it on an interface: {@code prog/xdp id N}). */
    public int id() throws LinuxException {
        return BpfMap.Info.id(liveFd(), BpfMap.Info.PROG_INFO_SIZE, "program " + name);
    }

    /**
     * Runs the program on one packet in the kernel ({@code bpf_prog_test_run_opts}) without any interface: the
     * program's maps are the real ones, so this both tests the program and reads its effect on them. For XDP the
     * packet must be at least an Ethernet header (14 bytes) and at most a page minus headroom.
     *
     * @param dataIn  the packet, all of it (slice it to the packet's length)
     * @param dataOut receives the packet as the program left it (after {@code bpf_xdp_adjust_head} etc.); null to
     *                skip; ENOSPC when it is too small
     * @param context the {@code struct xdp_md} fields to pretend (ingress interface and rx queue; the interface
     *                must exist in this network namespace); null for none
     * @param repeat  runs; the result's duration is the mean; 1 for a functional test
     * @return the program's return value and output length
     * @throws LinuxException e.g. EINVAL (packet too short or the context's fields invalid), ENODEV (no such
     *                        ingress interface), ENOSPC (output larger than {@code dataOut})
     */
    public TestRunResult testRun(MemorySegment dataIn, MemorySegment dataOut, XdpMd context, int repeat)
            throws LinuxException {
        int fd = liveFd();
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat " + repeat + " (expected: >= 1)");
        }
        long inLength = dataIn.byteSize();
        if (inLength > Integer.MAX_VALUE || dataOut != null && dataOut.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("packet buffer over 2 GiB");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment opts = arena.allocate(TEST_RUN_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, TEST_RUN_OPTS_SIZE);
            opts.set(JAVA_LONG, TR_DATA_IN, BpfMap.address(dataIn, inLength));
            opts.set(JAVA_INT, TR_DATA_SIZE_IN, (int) inLength);
            if (dataOut != null) {
                opts.set(JAVA_LONG, TR_DATA_OUT, BpfMap.address(dataOut, dataOut.byteSize()));
                opts.set(JAVA_INT, TR_DATA_SIZE_OUT, (int) dataOut.byteSize());
            }
            if (context != null) {
                // data and data_meta 0 (no metadata), data_end = packet length: what the kernel requires of a
                // user-supplied xdp_md; egress_ifindex must be 0
                MemorySegment md = arena.allocate(XDP_MD_SIZE, 4);
                md.set(JAVA_INT, XDP_MD_DATA_END, (int) inLength);
                md.set(JAVA_INT, XDP_MD_INGRESS_IFINDEX, context.ingressIfindex());
                md.set(JAVA_INT, XDP_MD_RX_QUEUE_INDEX, context.rxQueueIndex());
                opts.set(JAVA_LONG, TR_CTX_IN, md.address());
                opts.set(JAVA_INT, TR_CTX_SIZE_IN, (int) XDP_MD_SIZE);
            }
            opts.set(JAVA_INT, TR_REPEAT, repeat);
            int result = LibBpf.progTestRunOpts(fd, opts);
            int outLength = opts.get(JAVA_INT, TR_DATA_SIZE_OUT);
            if (result < 0) {
                String detail = -result == Errno.ENOSPC && dataOut != null
                        ? "the output packet has " + outLength + " bytes, dataOut " + dataOut.byteSize() : null;
                throw new LinuxException("bpf_prog_test_run_opts", name + ", " + inLength + " bytes", -result,
                        detail);
            }
            return new TestRunResult(opts.get(JAVA_INT, TR_RETVAL), dataOut == null ? 0 : outLength,
                    Integer.toUnsignedLong(opts.get(JAVA_INT, TR_DURATION)));
        }
    }

    /** {@code "XDP_TX"} for 3 and so on; {@code "xdp action 7"} for numbers outside {@code enum xdp_action}. */
    public static String xdpActionName(int action) {
        return action >= 0 && action < XDP_ACTIONS.length ? XDP_ACTIONS[action] : "xdp action " + action;
    }

    void invalidate() {
        fd = -1;
    }

    private int liveFd() {
        int current = fd;
        if (current < 0) {
            throw new IllegalStateException("program " + name + " is closed (its BPF object was closed)");
        }
        return current;
    }

    @Override
    public String toString() {
        return "BpfProgram[" + name + "]";
    }

    /**
     * The fields of {@code struct xdp_md} a test run may pretend.
     *
     * @param ingressIfindex the interface the packet "arrived" on (0: none; then rxQueueIndex must be 0)
     * @param rxQueueIndex   its rx queue (below the interface's rx queue count)
     */
    public record XdpMd(int ingressIfindex, int rxQueueIndex) {
    }

    /**
     * Result of {@link #testRun}.
     *
     * @param retval        the program's return value (for XDP a verdict: {@link #XDP_TX} etc.)
     * @param dataOutLength bytes of the output packet written to {@code dataOut} (0 without one)
     * @param durationNs    mean run time per repetition in nanoseconds, as the kernel measured it
     */
    public record TestRunResult(int retval, int dataOutLength, long durationNs) {
        @Override
        public String toString() {
            return "TestRunResult[" + xdpActionName(retval) + ", " + dataOutLength + " bytes out, " + durationNs
                    + " ns]";
        }
    }
}
