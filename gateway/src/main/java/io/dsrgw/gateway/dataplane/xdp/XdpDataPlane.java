package io.dsrgw.gateway.dataplane.xdp;

import io.dsrgw.encap.flow.FlowKey;
import io.dsrgw.gateway.dataplane.FlowTableLookup;
import io.dsrgw.gateway.dataplane.ForwardingSnapshot;
import io.dsrgw.linux.LinuxException;
import io.dsrgw.linux.bpf.XdpMode;

import java.util.List;

/**
 * The XDP fast path (DESIGN.md decision 13) as the Java control plane sees it: the program
 * {@code /io/dsrgw/gateway/xdp/dsrgw_xdp.o} (contract: {@code gateway/src/main/bpf/dsrgw_xdp.h}) loaded through
 * libbpf, its maps written from {@link ForwardingSnapshot}s, attached with BPF links to the ingress interfaces.
 *
 * <p>API agreed between the XDP helpers; the implementation is being written (issue 11). Threading: {@link #publish}
 * from one control thread at a time; {@link #counters}, {@link #pinnedBackendId}, {@link #flowTable} from any thread.
 */
public final class XdpDataPlane implements AutoCloseable {

    /**
     * Loads the program and creates its maps (nothing attached yet, nothing forwarded: an unconfigured program
     * passes everything).
     *
     * @param maxFlows  capacity of the shared BPF flow table (dsrgw_flows)
     * @throws LinuxException with libbpf's / the verifier's message when loading fails; callers check
     *                        {@code Bpf.isAvailable()} first for a clear "BPF unavailable: cause" error
     */
    public static XdpDataPlane load(int maxFlows) throws LinuxException {
        throw new UnsupportedOperationException("XDP data plane: not implemented yet");
    }

    /**
     * Mirrors {@code snapshot} into the maps (config, VIPs with stable VIP ids, backends by stable backend id,
     * Maglev rings double-buffered and flipped per VIP), hitless: no packet sees a half-written ring, pinned flows
     * keep their backend unless it is down or gone. Control thread only.
     */
    public void publish(ForwardingSnapshot snapshot) throws LinuxException {
        throw new UnsupportedOperationException();
    }

    /** Attaches the program to {@code interfaces} (BPF links: detached when this closes or the process dies). */
    public void attach(List<String> interfaces, XdpMode mode) throws LinuxException {
        throw new UnsupportedOperationException();
    }

    /** Current sums of the per-CPU counters (contract: enum dsrgw_counter), by their metric names. */
    public XdpCounters counters() throws LinuxException {
        throw new UnsupportedOperationException();
    }

    /**
     * The stable backend id the shared BPF flow table pins {@code key} to (not expired at {@code nowNanos},
     * System.nanoTime() = CLOCK_MONOTONIC), or -1. For the slow path and explain; one syscall.
     */
    public int pinnedBackendId(FlowKey key, long nowNanos) throws LinuxException {
        throw new UnsupportedOperationException();
    }

    /** The BPF flow table for {@code dsrctl explain} (BackendSelector), answered by syscall from any thread. */
    public FlowTableLookup flowTable() {
        throw new UnsupportedOperationException();
    }

    /** Detaches every link, closes the maps and the program. Idempotent. */
    @Override
    public void close() {
    }
}
