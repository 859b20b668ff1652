package io.dsrgw.agent.userspace;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.TunDevice;

import java.lang.foreign.MemorySegment;

/**
 * Writes inner packets to the decap TUN. The control thread may hand over a freshly opened device
 * (after the reconciler re-created a deleted TUN) with {@link #replace}; the data thread switches to
 * it between batches and closes the old one.
 */
public final class TunPacketSink implements PacketSink, AutoCloseable {
    private TunDevice device;                 // data thread only
    private volatile TunDevice pending;       // handed over by the control thread
    private volatile int lastErrno;           // the last write error (0: none), for the control thread to log

    public TunPacketSink(TunDevice device) {
        this.device = device;
    }

    @Override
    public boolean write(MemorySegment seg, long offset, int length) {
        int n = device.tryWrite(seg, offset, length);
        if (n > 0) {
            return true;
        }
        // A full queue (0, EAGAIN) or a broken device (e.g. deleted under us); counted by the caller.
        lastErrno = n == 0 ? Errno.EAGAIN : -n;
        return false;
    }

    @Override
    public void betweenBatches() {
        TunDevice next = pending;
        if (next != null) {
            pending = null;
            TunDevice old = device;
            device = next;
            old.close();
        }
    }

    /** Control thread: makes the data thread switch to {@code next} at its next batch boundary. */
    public void replace(TunDevice next) {
        TunDevice previous = pending;
        pending = next;
        if (previous != null) {
            previous.close();
        }
    }

    /** The last write error as {@code "write(dsrdecap0): EIO (Input/output error)"}, or null; cleared by reading. */
    public String takeLastError() {
        int errno = lastErrno;
        if (errno == 0) {
            return null;
        }
        lastErrno = 0;
        return "write(" + device.name() + "): " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
    }

    /** Closes the current device; call after the data thread stopped. */
    @Override
    public void close() {
        device.close();
        TunDevice p = pending;
        if (p != null) {
            p.close();
        }
    }
}
