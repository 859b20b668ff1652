package io.dsrgw.harness.bench.forwarding;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.dsrgw.harness.netns.Namespace;
import io.dsrgw.harness.netns.NetnsThreads;
import io.dsrgw.linux.Errno;

/**
 * The load generator: one platform thread, moved into the source namespace and pinned to one CPU, sending
 * prebuilt {@link UdpFrames} through an AF_PACKET socket bound to the source veth, with
 * {@code PACKET_QDISC_BYPASS} (straight to the driver, no qdisc) and {@code sendmmsg} of {@value #BATCH} frames
 * per call. Every frame, iovec and mmsghdr is built once; the loop only calls sendmmsg.
 * <pre>
 *   frames[n]   64 bytes each, frame i carries flow i % flows;  n = flows rounded up to a multiple of 64
 *   iovec[n]    iov_base -> frames[i], iov_len = 64
 *   mmsghdr[n]  msg_name = NULL (the socket is bound), msg_iov -> iovec[i], msg_iovlen = 1
 * </pre>
 * The veth refuses frames when the receiving side's ring is full (ENOBUFS with qdisc bypass): that is counted
 * as a stall and the call retried, so {@link #sent()} is what the path accepted and stalls show back-pressure.
 * {@link #resume()} / {@link #pause()} switch sending on and off between measurement windows; counters are
 * written by the sending thread only (volatile) and read by any thread.
 */
public final class PacketGenerator implements AutoCloseable {
    public static final int BATCH = 64;
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_PACKET = 263;
    /** linux/if_packet.h: send straight to the driver's xmit, skipping the qdisc layer. */
    private static final int PACKET_QDISC_BYPASS = 20;
    /** sockaddr_ll: family u16, protocol be16, ifindex s32, hatype u16, pkttype u8, halen u8, addr[8]. */
    private static final int SOCKADDR_LL_BYTES = 20;
    private static final int IOVEC_BYTES = 16;
    /** struct mmsghdr on x86_64: msghdr (56 bytes) + msg_len (4) + padding. */
    private static final int MMSGHDR_BYTES = 64;
    private static final int MSG_IOV_OFFSET = 16;
    private static final int MSG_IOVLEN_OFFSET = 24;
    /** cpu_set_t of glibc: 1024 bits. */
    private static final int CPU_SET_BYTES = 128;

    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SOCKET;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle BIND;
    private static final MethodHandle SENDMMSG;
    private static final MethodHandle CLOSE;
    private static final MethodHandle IF_NAMETOINDEX;
    private static final MethodHandle SCHED_SETAFFINITY;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        SOCKET = linker.downcallHandle(libc.find("socket").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), errno);
        SETSOCKOPT = linker.downcallHandle(libc.find("setsockopt").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
        BIND = linker.downcallHandle(libc.find("bind").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
        SENDMMSG = linker.downcallHandle(libc.find("sendmmsg").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), errno);
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        IF_NAMETOINDEX = linker.downcallHandle(libc.find("if_nametoindex").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS), errno);
        SCHED_SETAFFINITY = linker.downcallHandle(libc.find("sched_setaffinity").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), errno);
    }

    private final Namespace namespace;
    private final String device;
    private final Frames frameSource;
    private final int cpu;
    private final Thread thread;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile boolean sending;
    private volatile boolean stop;
    private volatile long sent;
    private volatile long stalls;
    private volatile long errors;
    private volatile int lastErrno;
    private volatile String failure;

    /**
     * What the generator sends, round robin: {@link #count()} frames of {@link #frameBytes()} bytes each, written once
     * before the first send. The forwarding benchmark's {@link UdpFrames}; the floods benchmark's SYN, ICMP and
     * non-VIP frames.
     */
    public interface Frames {
        /** Distinct frames (rounded up to a multiple of {@value #BATCH} by repeating from frame 0). */
        int count();

        /** Bytes of every frame (no FCS), 14..9000. */
        int frameBytes();

        /** Writes frame {@code i} (0 .. count-1) at {@code offset} of {@code seg}: {@link #frameBytes()} bytes. */
        void write(MemorySegment seg, long offset, int i);
    }

    private PacketGenerator(Namespace namespace, String device, Frames frames, int cpu) {
        this.namespace = namespace;
        this.device = device;
        this.frameSource = frames;
        this.cpu = cpu;
        this.thread = new Thread(this::run, "bench-generator");
        this.thread.setDaemon(true);
    }

    /**
     * Starts the sending thread (paused) in {@code namespace}, pinned to {@code cpu}, and waits until its socket
     * is open and bound to {@code device}.
     *
     * @throws IOException with the failing call and errno, e.g. "bind(AF_PACKET, eth0): ENODEV"
     */
    public static PacketGenerator start(Namespace namespace, String device, UdpFrames.Spec spec, int cpu)
            throws IOException {
        return start(namespace, device, new Frames() {
            @Override
            public int count() {
                return spec.flows();
            }

            @Override
            public int frameBytes() {
                return UdpFrames.FRAME_BYTES;
            }

            @Override
            public void write(MemorySegment seg, long offset, int i) {
                UdpFrames.write(seg, offset, spec, i);
            }
        }, cpu);
    }

    /** As {@link #start(Namespace, String, UdpFrames.Spec, int)} with any {@link Frames}. */
    public static PacketGenerator start(Namespace namespace, String device, Frames frames, int cpu)
            throws IOException {
        PacketGenerator g = new PacketGenerator(namespace, device, frames, cpu);
        g.thread.start();
        try {
            g.ready.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            g.close();
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (TimeoutException e) {
            g.close();
            throw new IOException("generator: socket not ready within 30 s");
        } catch (InterruptedException e) {
            g.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the generator", e);
        }
        return g;
    }

    /** Starts (or continues) sending. */
    public void resume() {
        sending = true;
    }

    /** Stops sending after the current sendmmsg call. */
    public void pause() {
        sending = false;
    }

    /** Frames accepted by the veth since start. */
    public long sent() {
        return sent;
    }

    /** sendmmsg calls refused with ENOBUFS / EAGAIN (receiver's ring full) since start. */
    public long stalls() {
        return stalls;
    }

    /** Frames that failed with another errno; {@link #lastErrno()} says which. */
    public long errors() {
        return errors;
    }

    public int lastErrno() {
        return lastErrno;
    }

    /** Why the sending thread stopped, or null while it runs. */
    public String failure() {
        return failure;
    }

    private void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = -1;
            try {
                NetnsThreads.enter(namespace);
                pin(arena, state, cpu);
                fd = openSocket(arena, state);
            } catch (IOException | RuntimeException e) {
                failure = e.getMessage();
                ready.completeExceptionally(e);
                return;
            }
            try {
                loop(arena, state, fd);
            } finally {
                try {
                    int ignored = (int) CLOSE.invokeExact(fd);
                } catch (Throwable ignored) {
                    // closing a socket we opened: nothing to report
                }
            }
        } catch (Throwable t) {
            failure = String.valueOf(t);
            ready.completeExceptionally(t);
        }
    }

    private void loop(Arena arena, MemorySegment state, int fd) throws Throwable {
        int distinct = frameSource.count();
        int bytes = frameSource.frameBytes();
        int frameCount = (Math.max(distinct, BATCH) + BATCH - 1) / BATCH * BATCH;
        MemorySegment frames = arena.allocate((long) frameCount * bytes, 64);
        MemorySegment iovecs = arena.allocate((long) frameCount * IOVEC_BYTES, 8);
        MemorySegment messages = arena.allocate((long) frameCount * MMSGHDR_BYTES, 8);
        for (int i = 0; i < frameCount; i++) {
            long frame = (long) i * bytes;
            frameSource.write(frames, frame, i % distinct);
            iovecs.set(JAVA_LONG, (long) i * IOVEC_BYTES, frames.address() + frame);
            iovecs.set(JAVA_LONG, (long) i * IOVEC_BYTES + 8, bytes);
            messages.set(JAVA_LONG, (long) i * MMSGHDR_BYTES + MSG_IOV_OFFSET, iovecs.address() + (long) i
                    * IOVEC_BYTES);
            messages.set(JAVA_LONG, (long) i * MMSGHDR_BYTES + MSG_IOVLEN_OFFSET, 1L);
        }
        long base = messages.address();
        ready.complete(null);
        int next = 0;
        long sentLocal = 0;
        long stallsLocal = 0;
        long errorsLocal = 0;
        while (!stop) {
            if (!sending) {
                Thread.sleep(1);
                continue;
            }
            int count = Math.min(BATCH, frameCount - next);
            int n = (int) SENDMMSG.invokeExact(state, fd, base + (long) next * MMSGHDR_BYTES, count, 0);
            if (n > 0) {
                sentLocal += n;
                sent = sentLocal;
                next += n;
                if (next == frameCount) {
                    next = 0;
                }
                continue;
            }
            int errno = (int) ERRNO.get(state, 0L);
            if (errno == Errno.ENOBUFS || errno == Errno.EAGAIN || errno == Errno.EINTR) {
                stalls = ++stallsLocal;
                Thread.onSpinWait();
            } else {
                errorsLocal += count;
                errors = errorsLocal;
                lastErrno = errno;
                Thread.sleep(1);
            }
        }
    }

    private int openSocket(Arena arena, MemorySegment state) throws Throwable {
        int ifindex = (int) IF_NAMETOINDEX.invokeExact(state, arena.allocateFrom(device));
        if (ifindex == 0) {
            throw new IOException("if_nametoindex(" + device + ") in " + namespace + ": " + errnoText(state));
        }
        // Protocol 0: a send-only socket, no receive hook on the device.
        int fd = (int) SOCKET.invokeExact(state, AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("socket(AF_PACKET, SOCK_RAW): " + errnoText(state));
        }
        MemorySegment one = arena.allocateFrom(JAVA_INT, 1);
        if ((int) SETSOCKOPT.invokeExact(state, fd, SOL_PACKET, PACKET_QDISC_BYPASS, one, 4) != 0) {
            String e = errnoText(state);
            int ignored = (int) CLOSE.invokeExact(fd);
            throw new IOException("setsockopt(PACKET_QDISC_BYPASS): " + e);
        }
        MemorySegment ll = arena.allocate(SOCKADDR_LL_BYTES, 4);
        ll.set(JAVA_SHORT, 0, (short) AF_PACKET);
        ll.set(JAVA_SHORT, 2, (short) 0);
        ll.set(JAVA_INT, 4, ifindex);
        ll.set(JAVA_BYTE, 11, (byte) 6);
        if ((int) BIND.invokeExact(state, fd, ll, SOCKADDR_LL_BYTES) != 0) {
            String e = errnoText(state);
            int ignored = (int) CLOSE.invokeExact(fd);
            throw new IOException("bind(AF_PACKET, " + device + "): " + e);
        }
        return fd;
    }

    /** sched_setaffinity(0 = this thread, {cpu}). */
    private static void pin(Arena arena, MemorySegment state, int cpu) throws Throwable {
        MemorySegment set = arena.allocate(CPU_SET_BYTES, 8);
        set.set(JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
        if ((int) SCHED_SETAFFINITY.invokeExact(state, 0, (long) CPU_SET_BYTES, set) != 0) {
            throw new IOException("sched_setaffinity(generator thread, cpu " + cpu + "): " + errnoText(state));
        }
    }

    private static String errnoText(MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        return Errno.name(errno) + " (" + Errno.describe(errno) + ")";
    }

    /** Stops the thread (after its current call) and waits for it; the socket and buffers go with it. */
    @Override
    public void close() {
        stop = true;
        sending = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
