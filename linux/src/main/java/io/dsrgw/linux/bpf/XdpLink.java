package io.dsrgw.linux.bpf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

import io.dsrgw.linux.Errno;
import io.dsrgw.linux.Interfaces;
import io.dsrgw.linux.LinuxException;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * An XDP program attached to a network interface through a BPF link ({@code bpf_link_create(prog_fd, ifindex,
 * BPF_XDP, flags)}, Linux 5.9+). The attachment lives exactly as long as the link's file descriptor: {@link #close()}
 * detaches, and so does the death of the process, however it dies (unlike a netlink {@code IFLA_XDP} attachment,
 * which stays until removed). While the link exists, nobody else can replace the interface's XDP program (EBUSY),
 * not even {@code ip link set dev X xdp off}; {@link #update} swaps the program atomically.
 *
 * <p>Errors say what to do, e.g. {@code "bpf_link_create(xdp_lb, eth0 native): EOPNOTSUPP (Operation not
 * supported): the driver of eth0 does not support native XDP: use mode = generic"}.
 *
 * <p>Threading: any thread; {@link #close()} is idempotent and may race with nothing but other closes.
 */
public final class XdpLink implements AutoCloseable {
    /** {@code BPF_XDP} of {@code enum bpf_attach_type}, {@code <linux/bpf.h>}. */
    static final int BPF_XDP = 37;
    /** veth's native XDP MTU limit without frags support on 4 KiB pages (measured on this machine kind). */
    static final int VETH_XDP_MTU_LIMIT = 3506;

    // struct bpf_link_create_opts (bpf.h, libbpf 1.1; LP64): sz@0, flags@8, ...; 64 bytes
    private static final long LINK_CREATE_OPTS_SIZE = 64;
    private static final long LINK_CREATE_OPTS_FLAGS = 8;
    // struct bpf_link_info, <linux/bpf.h>: type@0, id@4, prog_id@8, xdp.ifindex@16
    private static final long LINK_INFO_PROG_ID = 8;

    private final String interfaceName;
    private final int ifindex;
    private final XdpMode mode;
    private volatile String programName;
    private int fd;

    private XdpLink(int fd, String interfaceName, int ifindex, XdpMode mode, String programName) {
        this.fd = fd;
        this.interfaceName = interfaceName;
        this.ifindex = ifindex;
        this.mode = mode;
        this.programName = programName;
    }

    /**
     * Attaches {@code program} (an XDP program) to the interface of that name in this thread's network namespace.
     *
     * @throws LinuxException e.g. {@code "if_nametoindex(eth9): ENODEV (No such device): no network interface named
     *                        eth9 in this network namespace"}, or a {@code bpf_link_create} failure explained:
     *                        EOPNOTSUPP (driver lacks native XDP: use generic), EBUSY (another XDP program is
     *                        attached), EEXIST (one is attached in the other mode), ERANGE (MTU too large for a
     *                        program without frags support), EPERM (capabilities)
     */
    public static XdpLink attach(BpfProgram program, String interfaceName, XdpMode mode) throws LinuxException {
        Objects.requireNonNull(interfaceName, "interface name");
        int ifindex = Interfaces.index(interfaceName);
        if (ifindex <= 0) {
            throw new LinuxException("if_nametoindex", interfaceName, Errno.ENODEV, "no network interface named "
                    + interfaceName + " in this network namespace (attaching XDP program " + program.name() + ")");
        }
        return attach(program, ifindex, interfaceName, mode);
    }

    /**
     * Attaches {@code program} to the interface with that index in this thread's network namespace.
     *
     * @throws LinuxException as {@link #attach(BpfProgram, String, XdpMode)}; {@code "if_indextoname(N): ENODEV"}
     *                        for an unknown index
     */
    public static XdpLink attach(BpfProgram program, int ifindex, XdpMode mode) throws LinuxException {
        String interfaceName = Interfaces.name(ifindex);
        if (interfaceName == null) {
            throw new LinuxException("if_indextoname", Integer.toString(ifindex), Errno.ENODEV, "no network"
                    + " interface with index " + ifindex + " in this network namespace (attaching XDP program "
                    + program.name() + ")");
        }
        return attach(program, ifindex, interfaceName, mode);
    }

    private static XdpLink attach(BpfProgram program, int ifindex, String interfaceName, XdpMode mode)
            throws LinuxException {
        Bpf.ensureAvailable();
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(mode, "mode");
        String where = interfaceName;
        int linkFd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment opts = arena.allocate(LINK_CREATE_OPTS_SIZE, 8);
            opts.set(JAVA_LONG, 0, LINK_CREATE_OPTS_SIZE);
            opts.set(JAVA_INT, LINK_CREATE_OPTS_FLAGS, mode.flags());
            linkFd = LibBpf.linkCreate(program.fd(), ifindex, BPF_XDP, opts);
        }
        if (linkFd < 0) {
            int errno = -linkFd;
            int mtu = errno == Errno.ERANGE ? mtuOrZero(interfaceName) : 0;
            throw new LinuxException("bpf_link_create", program.name() + ", " + where + " " + mode.configName(),
                    errno, attachDetail(errno, where, mode, mtu));
        }
        return new XdpLink(linkFd, where, ifindex, mode, program.name());
    }

    private static int mtuOrZero(String interfaceName) {
        try {
            return Interfaces.mtu(interfaceName);
        } catch (LinuxException e) {
            return 0;
        }
    }

    /** What a {@code bpf_link_create(..., BPF_XDP, ...)} errno means and what to do; null when nothing to add. */
    static String attachDetail(int errno, String where, XdpMode mode, int mtu) {
        return switch (errno) {
            case Errno.ENODEV -> "no such network interface: " + where;
            case Errno.EOPNOTSUPP -> mode == XdpMode.NATIVE
                    ? "the driver of " + where + " does not support native XDP: use mode = generic"
                    : "the kernel refuses generic XDP on " + where;
            case Errno.EBUSY -> "another XDP program is attached to " + where + " (by another process or ip link):"
                    + " see bpftool net show dev " + where;
            case Errno.EEXIST -> "an XDP program is attached to " + where + " in the other mode than "
                    + mode.configName() + ", or to a device stacked on it (bond, bridge)";
            case Errno.ERANGE -> "the MTU of " + where + (mtu > 0 ? " (" + mtu + ")" : "") + " or of its veth peer"
                    + " is too large for an XDP program without frags support (veth with 4 KiB pages: at most "
                    + VETH_XDP_MTU_LIMIT + "): lower the MTU" + (mode == XdpMode.NATIVE ? " or use mode = generic"
                    : "");
            case Errno.ENOSPC -> "on veth: " + where + " has fewer rx queues than its peer has tx queues (create"
                    + " the pair with equal numrxqueues and numtxqueues)";
            case Errno.EPERM, Errno.EACCES -> "attaching XDP needs CAP_BPF and CAP_NET_ADMIN (run as root or grant"
                    + " both)";
            case Errno.EINVAL -> "not an XDP program, " + where + " vanished meanwhile, or the kernel does not know"
                    + " the flags of mode " + mode.configName();
            default -> null;
        };
    }

    /**
     * Replaces the attached program atomically ({@code bpf_link_update}): no packet sees the interface without a
     * program. The new program must be XDP too.
     */
    public synchronized void update(BpfProgram program) throws LinuxException {
        int result = LibBpf.linkUpdate(liveFd(), program.fd(), MemorySegment.NULL);
        if (result < 0) {
            throw new LinuxException("bpf_link_update", interfaceName + ", " + programName + " -> "
                    + program.name(), -result);
        }
        programName = program.name();
    }

    /** The link's fd (owned by this link). */
    public synchronized int fd() {
        return liveFd();
    }

    /** The link's kernel id ({@code bpftool link show id N}). */
    public synchronized int id() throws LinuxException {
        return BpfMap.Info.id(liveFd(), BpfMap.Info.LINK_INFO_SIZE, "XDP link on " + interfaceName);
    }

    /** The id of the program the link runs now. */
    public synchronized int programId() throws LinuxException {
        return BpfMap.Info.info(liveFd(), BpfMap.Info.LINK_INFO_SIZE, "XDP link on " + interfaceName)
                .get(JAVA_INT, LINK_INFO_PROG_ID);
    }

    /** The interface's name at attach time. */
    public String interfaceName() {
        return interfaceName;
    }

    /** The interface's index. */
    public int ifindex() {
        return ifindex;
    }

    /** The mode attached in. */
    public XdpMode mode() {
        return mode;
    }

    /** The name of the program the link runs now. */
    public String programName() {
        return programName;
    }

    /** Whether {@link #close()} has run. */
    public synchronized boolean isClosed() {
        return fd < 0;
    }

    private int liveFd() {
        if (fd < 0) {
            throw new IllegalStateException("XDP link on " + interfaceName + " is closed");
        }
        return fd;
    }

    /** Detaches the program by closing the link's fd. Idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            LibBpf.close(fd);
            fd = -1;
        }
    }

    @Override
    public String toString() {
        return "XdpLink[" + programName + " on " + interfaceName + " " + mode.configName() + "]";
    }
}
