package io.dsrgw.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Reads up to {@code capacity} packets from one TUN queue with one {@code io_uring_enter(2)}: a read(2) per packet
 * costs a system call entry and exit each, and a TUN has no recvmmsg. Each call queues one
 * {@code IORING_OP_READ} per wanted packet, each into its own caller-given slot, submits them all and waits for all
 * of their completions; the queue is non-blocking ({@code RWF_NOWAIT}, and the TUN marks itself FMODE_NOWAIT), so
 * every read completes at once inside that call with a packet or EAGAIN. When {@link #read} returns, no read is in
 * flight: the slots belong to the caller again.
 *
 * <pre>
 *   ring memory (mmap of the io_uring fd)         the caller's slots
 *   SQ: head tail mask array[]  --> SQE[i]: READ fd=tun, addr=slot[i]+offset, len=maxLength, user_data=i
 *   CQ: head tail mask cqe[]    <-- CQE: user_data=i, res=bytes or -errno
 * </pre>
 *
 * <p>Measured on the forwarding benchmark's machine kind (a VM where a system call entry and exit costs ~1 us):
 * see the TUN worker's commit history.
 *
 * <p>Threading: one owner thread; no allocation, no locks, no exceptions per {@link #read}.
 */
public final class TunReadBatch implements AutoCloseable {
    // <asm/unistd.h>: the same numbers on x86_64 and aarch64 (system calls added since 5.1 are numbered alike)
    static final long SYS_IO_URING_SETUP = 425;
    static final long SYS_IO_URING_ENTER = 426;
    // <linux/io_uring.h>
    static final int IORING_OP_READ = 22;
    static final int IORING_ENTER_GETEVENTS = 1;
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;
    // <linux/fs.h>
    static final int RWF_NOWAIT = 0x8;
    // <sys/mman.h>
    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;

    // struct io_uring_params (120 bytes): 10 u32, then io_sqring_offsets and io_cqring_offsets (40 bytes each)
    private static final long PARAMS_BYTES = 120;
    private static final long P_SQ_ENTRIES = 0;
    private static final long P_CQ_ENTRIES = 4;
    private static final long P_FEATURES = 20;
    private static final long P_SQ_OFF = 40;
    private static final long P_CQ_OFF = 80;
    // io_sqring_offsets: head, tail, ring_mask, ring_entries, flags, dropped, array, resv1, user_addr
    private static final long SQ_OFF_HEAD = 0;
    private static final long SQ_OFF_TAIL = 4;
    private static final long SQ_OFF_RING_MASK = 8;
    private static final long SQ_OFF_ARRAY = 24;
    // io_cqring_offsets: head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1, user_addr
    private static final long CQ_OFF_HEAD = 0;
    private static final long CQ_OFF_TAIL = 4;
    private static final long CQ_OFF_RING_MASK = 8;
    private static final long CQ_OFF_CQES = 20;
    // struct io_uring_sqe (64 bytes)
    private static final long SQE_BYTES = 64;
    private static final long SQE_OPCODE = 0;
    private static final long SQE_FLAGS = 1;
    private static final long SQE_IOPRIO = 2;
    private static final long SQE_FD = 4;
    private static final long SQE_OFF = 8;
    private static final long SQE_ADDR = 16;
    private static final long SQE_LEN = 24;
    private static final long SQE_RW_FLAGS = 28;
    private static final long SQE_USER_DATA = 32;
    private static final long SQE_BUF_INDEX = 40;
    private static final long SQE_TAIL_FIELDS = 44; // personality u16 @42 set with buf_index; splice_fd_in..pad
    // struct io_uring_cqe (16 bytes): user_data u64, res s32, flags u32
    private static final long CQE_BYTES = 16;
    private static final long CQE_USER_DATA = 0;
    private static final long CQE_RES = 8;

    private static final VarHandle INT = JAVA_INT.varHandle();

    private final TunDevice tun;
    private final int capacity;
    private final int maxLength;
    private final long[] slotAddresses;
    private final MemorySegment state;
    private final Arena arena;
    private final int ringFd;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqRingBytes;
    private final long cqRingBytes;
    private final long sqesBytes;
    private final long sqHeadOffset;
    private final long sqTailOffset;
    private final int sqMask;
    private final long cqHeadOffset;
    private final long cqTailOffset;
    private final int cqMask;
    private final long cqesOffset;
    private final int[] slotOf;
    private final int[] lengthOf;
    private int sqTail;
    private int cqHead;
    private int count;
    private int brokenErrno;
    /** errno of a failed read (not EAGAIN/EINTR) seen while reaping the current batch; 0 when none. */
    private int lastReadErrno;
    private boolean closed;

    private TunReadBatch(TunDevice tun, MemorySegment[] slots, long offset, int maxLength, Arena arena,
                         MemorySegment state, int ringFd, MemorySegment params) throws LinuxException {
        this.tun = tun;
        this.capacity = slots.length;
        this.maxLength = maxLength;
        this.arena = arena;
        this.state = state;
        this.ringFd = ringFd;
        this.slotAddresses = new long[capacity];
        for (int i = 0; i < capacity; i++) {
            slotAddresses[i] = Native.address(slots[i], offset, maxLength);
        }
        int sqEntries = params.get(JAVA_INT, P_SQ_ENTRIES);
        int cqEntries = params.get(JAVA_INT, P_CQ_ENTRIES);
        int features = params.get(JAVA_INT, P_FEATURES);
        long sqArray = params.get(JAVA_INT, P_SQ_OFF + SQ_OFF_ARRAY) & 0xffffffffL;
        this.cqesOffset = params.get(JAVA_INT, P_CQ_OFF + CQ_OFF_CQES) & 0xffffffffL;
        long sqBytes = sqArray + 4L * sqEntries;
        long cqBytes = cqesOffset + CQE_BYTES * cqEntries;
        boolean single = (features & IORING_FEAT_SINGLE_MMAP) != 0;
        if (single) {
            sqBytes = cqBytes = Math.max(sqBytes, cqBytes);
        }
        this.sqRingBytes = sqBytes;
        this.cqRingBytes = single ? 0 : cqBytes;
        this.sqesBytes = SQE_BYTES * sqEntries;
        this.sqRing = map(sqBytes, IORING_OFF_SQ_RING, "sq ring");
        MemorySegment cq = sqRing;
        MemorySegment sq = null;
        try {
            if (!single) {
                cq = map(cqBytes, IORING_OFF_CQ_RING, "cq ring");
            }
            sq = map(sqesBytes, IORING_OFF_SQES, "sqes");
        } catch (LinuxException e) {
            unmap(sqRing, sqBytes);
            if (!single && cq != sqRing) {
                unmap(cq, cqBytes);
            }
            throw e;
        }
        this.cqRing = cq;
        this.sqes = sq;
        this.sqHeadOffset = params.get(JAVA_INT, P_SQ_OFF + SQ_OFF_HEAD) & 0xffffffffL;
        this.sqTailOffset = params.get(JAVA_INT, P_SQ_OFF + SQ_OFF_TAIL) & 0xffffffffL;
        this.sqMask = sqRing.get(JAVA_INT, params.get(JAVA_INT, P_SQ_OFF + SQ_OFF_RING_MASK) & 0xffffffffL);
        this.cqHeadOffset = params.get(JAVA_INT, P_CQ_OFF + CQ_OFF_HEAD) & 0xffffffffL;
        this.cqTailOffset = params.get(JAVA_INT, P_CQ_OFF + CQ_OFF_TAIL) & 0xffffffffL;
        this.cqMask = cqRing.get(JAVA_INT, params.get(JAVA_INT, P_CQ_OFF + CQ_OFF_RING_MASK) & 0xffffffffL);
        this.sqTail = sqRing.get(JAVA_INT, sqTailOffset);
        this.cqHead = cqRing.get(JAVA_INT, cqHeadOffset);
        // SQE i always sits in ring position i: the index array is the identity, written once.
        for (int i = 0; i < sqEntries; i++) {
            sqRing.set(JAVA_INT, sqArray + 4L * i, i);
        }
        this.slotOf = new int[capacity];
        this.lengthOf = new int[capacity];
    }

    /**
     * Sets up an io_uring for reads from {@code tun} into {@code slots[i][offset, offset + maxLength)}.
     *
     * @param tun       a non-blocking queue; stays owned by the caller (close this batch before it)
     * @param slots     1..1024 native segments, one per packet of a batch; they must outlive this batch
     * @param maxLength bytes per read; a longer packet is cut to it, so size it above the device MTU
     * @throws LinuxException e.g. {@code "io_uring_setup(64): ENOSYS (...)"} on a kernel without io_uring,
     *                        {@code EPERM} when {@code kernel.io_uring_disabled} or a seccomp filter (container
     *                        runtimes' default profiles) forbids it: fall back to {@link TunDevice#tryRead}
     */
    public static TunReadBatch open(TunDevice tun, MemorySegment[] slots, long offset, int maxLength)
            throws LinuxException {
        Objects.requireNonNull(tun, "tun");
        if (slots.length < 1 || slots.length > 1024) {
            throw new IllegalArgumentException("batch capacity " + slots.length + " (expected: 1..1024)");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("read length " + maxLength + " (expected: >= 1)");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment state = arena.allocate(Native.CAPTURE_STATE);
            MemorySegment params = arena.allocate(PARAMS_BYTES, 8);
            long fd = Native.syscall(state, SYS_IO_URING_SETUP, slots.length, params.address());
            if (fd < 0) {
                throw new LinuxException("io_uring_setup", Integer.toString(slots.length), Native.errno(state));
            }
            try {
                return new TunReadBatch(tun, slots, offset, maxLength, arena, state, (int) fd, params);
            } catch (LinuxException | RuntimeException e) {
                Native.closeQuietly((int) fd);
                throw e;
            }
        } catch (LinuxException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private MemorySegment map(long bytes, long offset, String what) throws LinuxException {
        long address = Native.mmap(state, 0L, bytes, PROT_READ_WRITE, MAP_SHARED_POPULATE, ringFd, offset);
        if (address == -1L) {
            throw new LinuxException("mmap", "io_uring " + what + ", " + bytes + " bytes", Native.errno(state));
        }
        return MemorySegment.ofAddress(address).reinterpret(bytes);
    }

    private void unmap(MemorySegment seg, long bytes) {
        Native.munmap(state, seg.address(), bytes);
    }

    /** Slots, the most packets one {@link #read} returns. */
    public int capacity() {
        return capacity;
    }

    /**
     * Reads up to {@code wanted} packets, into slots 0..wanted-1 (which of them hold a packet: {@link #slot}).
     * Returns once every read has completed.
     *
     * @param wanted 1..capacity reads to issue; more than the queue holds costs one in-kernel EAGAIN each
     * @return packets read (0 when the queue was empty), or {@code -errno} when none was read and a read failed
     *         otherwise than with EAGAIN/EINTR (e.g. {@code -EBADFD} after the device was deleted)
     */
    public int read(int wanted) {
        return read(tun, 0, wanted);
    }

    /**
     * Like {@link #read(int)}, but from {@code queue} (another queue of the same device, e.g. a worker's new-flow
     * queue next to its established one) into slots {@code firstSlot..firstSlot+wanted-1}: a worker reads two queues
     * into one set of slots with one ring, leaving the slots of packets it already read (and queued for sending)
     * alone. {@link #slot} returns the absolute slot index.
     *
     * @param queue     a non-blocking queue, owned by the caller
     * @param firstSlot 0..capacity-1
     * @param wanted    reads to issue, cut to the slots from firstSlot on (at least 1)
     */
    public int read(TunDevice queue, int firstSlot, int wanted) {
        count = 0;
        if (brokenErrno != 0) {
            return -brokenErrno;
        }
        Objects.checkIndex(firstSlot, capacity);
        int n = Math.min(Math.max(wanted, 1), capacity - firstSlot);
        int fd = queue.fd();
        int tail = sqTail;
        for (int i = 0; i < n; i++) {
            long sqe = ((tail + i) & sqMask) * SQE_BYTES;
            sqes.set(JAVA_BYTE, sqe + SQE_OPCODE, (byte) IORING_OP_READ);
            sqes.set(JAVA_BYTE, sqe + SQE_FLAGS, (byte) 0);
            sqes.set(JAVA_SHORT, sqe + SQE_IOPRIO, (short) 0);
            sqes.set(JAVA_INT, sqe + SQE_FD, fd);
            sqes.set(JAVA_LONG, sqe + SQE_OFF, -1L); // the file position, as read(2): a TUN ignores it
            sqes.set(JAVA_LONG, sqe + SQE_ADDR, slotAddresses[firstSlot + i]);
            sqes.set(JAVA_INT, sqe + SQE_LEN, maxLength);
            sqes.set(JAVA_INT, sqe + SQE_RW_FLAGS, RWF_NOWAIT);
            sqes.set(JAVA_LONG, sqe + SQE_USER_DATA, firstSlot + i);
            sqes.set(JAVA_INT, sqe + SQE_BUF_INDEX, 0); // buf_index, personality
            sqes.set(JAVA_INT, sqe + SQE_TAIL_FIELDS, 0); // splice_fd_in
            sqes.set(JAVA_LONG, sqe + SQE_TAIL_FIELDS + 4, 0L); // addr3
            sqes.set(JAVA_LONG, sqe + SQE_TAIL_FIELDS + 12, 0L); // __pad2
        }
        sqTail = tail + n;
        INT.setRelease(sqRing, sqTailOffset, sqTail);
        int failure = 0;
        int reaped = 0;
        while (reaped < n) {
            int toSubmit = sqTail - (int) INT.getAcquire(sqRing, sqHeadOffset);
            long r = Native.syscall(state, SYS_IO_URING_ENTER, ringFd, toSubmit, n - reaped, IORING_ENTER_GETEVENTS,
                    0L, 0L);
            if (r < 0) {
                int errno = Native.errno(state);
                // EINTR: a signal while waiting; EAGAIN/EBUSY: the kernel is short of memory or the CQ overflowed.
                // All retried after reaping, since reads in flight must finish before the slots are handed back.
                if (errno != Errno.EINTR && errno != Errno.EAGAIN && errno != Errno.EBUSY) {
                    // EBADF and the like: the ring is unusable. Nothing submitted can be in flight only when the
                    // kernel consumed no SQE of this call; otherwise the reads are lost to us. Either way: broken.
                    brokenErrno = errno;
                    failure = errno;
                    break;
                }
            }
            reaped += reap();
            failure = failure != 0 ? failure : lastReadErrno;
        }
        lastReadErrno = 0;
        return count > 0 || failure == 0 ? count : -failure;
    }

    /** Takes every completion in the CQ; returns how many. */
    private int reap() {
        int head = cqHead;
        int tail = (int) INT.getAcquire(cqRing, cqTailOffset);
        int taken = tail - head;
        for (; head != tail; head++) {
            long cqe = cqesOffset + (head & cqMask) * CQE_BYTES;
            int res = cqRing.get(JAVA_INT, cqe + CQE_RES);
            if (res > 0) {
                slotOf[count] = (int) cqRing.get(JAVA_LONG, cqe + CQE_USER_DATA);
                lengthOf[count] = res;
                count++;
            } else if (res < 0 && res != -Errno.EAGAIN && res != -Errno.EINTR) {
                lastReadErrno = -res;
            }
        }
        cqHead = head;
        INT.setRelease(cqRing, cqHeadOffset, head);
        return taken;
    }

    /** Packets held from the last {@link #read}. */
    public int count() {
        return count;
    }

    /** The slot index of the k-th packet of the last read (0 <= k < count), in the order the queue gave them. */
    public int slot(int k) {
        return slotOf[Objects.checkIndex(k, count)];
    }

    /** The length of the k-th packet of the last read. */
    public int length(int k) {
        return lengthOf[Objects.checkIndex(k, count)];
    }

    /** Unmaps the rings and closes the io_uring. Idempotent; call from the owner thread after its last read. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        unmap(sqes, sqesBytes);
        unmap(sqRing, sqRingBytes);
        if (cqRingBytes > 0) {
            unmap(cqRing, cqRingBytes);
        }
        Native.close(state, ringFd);
        arena.close();
    }
}
