package io.dsrgw.linux;

/**
 * Linux errno numbers with their symbolic names and descriptions.
 *
 * <p>Numbers and names come from {@code <asm-generic/errno-base.h>} and {@code <asm-generic/errno.h>} (valid for
 * x86_64 and arm64; not for alpha/mips/sparc/parisc, which Java does not run this code on). Descriptions are the
 * texts of glibc 2.36 {@code strerror(3)} in the C locale, captured into this table so that messages do not depend
 * on the locale or the C library at run time. Aliases ({@code EWOULDBLOCK} = {@code EAGAIN}, {@code EDEADLOCK} =
 * {@code EDEADLK}, {@code ENOTSUP} = {@code EOPNOTSUPP}) map to the primary name.
 *
 * <p>Also libbpf's own error numbers 4000..4013 ({@code enum libbpf_errno} of {@code <bpf/libbpf.h>}, texts of its
 * {@code libbpf_strerror}), which libbpf returns as {@code -errno} like the kernel's, e.g. 4001
 * {@code LIBBPF_ERRNO__FORMAT} for bytes that are not a BPF object.
 *
 * <p>Thread-safe: immutable tables.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOSPC = 28;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int EPROTO = 71;
    public static final int ENOTSOCK = 88;
    public static final int EDESTADDRREQ = 89;
    public static final int EMSGSIZE = 90;
    public static final int EPROTOTYPE = 91;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EOPNOTSUPP = 95;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ECONNREFUSED = 111;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EHOSTUNREACH = 113;
    public static final int EHOSTDOWN = 112;
    public static final int ETIMEDOUT = 110;
    public static final int EBADFD = 77;
    public static final int ENOTCONN = 107;
    /** {@code EWOULDBLOCK} is {@code EAGAIN} on Linux. */
    public static final int EWOULDBLOCK = EAGAIN;

    /** Index = errno; null where Linux defines no errno (0, 41, 58). Generated from the headers cited above. */
    private static final String[] NAMES = {
        null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD", "EAGAIN",
        "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR", "EISDIR", "EINVAL",
        "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM",
        "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP", null, "ENOMSG", "EIDRM",
        "ECHRNG", "EL2NSYNC", "EL3HLT", "EL3RST", "ELNRNG", "EUNATCH", "ENOCSI", "EL2HLT", "EBADE", "EBADR",
        "EXFULL", "ENOANO", "EBADRQC", "EBADSLT", null, "EBFONT", "ENOSTR", "ENODATA", "ETIME", "ENOSR", "ENONET",
        "ENOPKG", "EREMOTE", "ENOLINK", "EADV", "ESRMNT", "ECOMM", "EPROTO", "EMULTIHOP", "EDOTDOT", "EBADMSG",
        "EOVERFLOW", "ENOTUNIQ", "EBADFD", "EREMCHG", "ELIBACC", "ELIBBAD", "ELIBSCN", "ELIBMAX", "ELIBEXEC",
        "EILSEQ", "ERESTART", "ESTRPIPE", "EUSERS", "ENOTSOCK", "EDESTADDRREQ", "EMSGSIZE", "EPROTOTYPE",
        "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT", "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT",
        "EADDRINUSE", "EADDRNOTAVAIL", "ENETDOWN", "ENETUNREACH", "ENETRESET", "ECONNABORTED", "ECONNRESET",
        "ENOBUFS", "EISCONN", "ENOTCONN", "ESHUTDOWN", "ETOOMANYREFS", "ETIMEDOUT", "ECONNREFUSED", "EHOSTDOWN",
        "EHOSTUNREACH", "EALREADY", "EINPROGRESS", "ESTALE", "EUCLEAN", "ENOTNAM", "ENAVAIL", "EISNAM", "EREMOTEIO",
        "EDQUOT", "ENOMEDIUM", "EMEDIUMTYPE", "ECANCELED", "ENOKEY", "EKEYEXPIRED", "EKEYREVOKED", "EKEYREJECTED",
        "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON"
    };

    /** Index = errno; glibc 2.36 {@code strerror()} texts. */
    private static final String[] DESCRIPTIONS = {
        null, "Operation not permitted", "No such file or directory", "No such process", "Interrupted system call",
        "Input/output error", "No such device or address", "Argument list too long", "Exec format error",
        "Bad file descriptor", "No child processes", "Resource temporarily unavailable", "Cannot allocate memory",
        "Permission denied", "Bad address", "Block device required", "Device or resource busy", "File exists",
        "Invalid cross-device link", "No such device", "Not a directory", "Is a directory", "Invalid argument",
        "Too many open files in system", "Too many open files", "Inappropriate ioctl for device", "Text file busy",
        "File too large", "No space left on device", "Illegal seek", "Read-only file system", "Too many links",
        "Broken pipe", "Numerical argument out of domain", "Numerical result out of range",
        "Resource deadlock avoided", "File name too long", "No locks available", "Function not implemented",
        "Directory not empty", "Too many levels of symbolic links", null, "No message of desired type",
        "Identifier removed", "Channel number out of range", "Level 2 not synchronized", "Level 3 halted",
        "Level 3 reset", "Link number out of range", "Protocol driver not attached", "No CSI structure available",
        "Level 2 halted", "Invalid exchange", "Invalid request descriptor", "Exchange full", "No anode",
        "Invalid request code", "Invalid slot", null, "Bad font file format", "Device not a stream",
        "No data available", "Timer expired", "Out of streams resources", "Machine is not on the network",
        "Package not installed", "Object is remote", "Link has been severed", "Advertise error", "Srmount error",
        "Communication error on send", "Protocol error", "Multihop attempted", "RFS specific error", "Bad message",
        "Value too large for defined data type", "Name not unique on network", "File descriptor in bad state",
        "Remote address changed", "Can not access a needed shared library", "Accessing a corrupted shared library",
        ".lib section in a.out corrupted", "Attempting to link in too many shared libraries",
        "Cannot exec a shared library directly", "Invalid or incomplete multibyte or wide character",
        "Interrupted system call should be restarted", "Streams pipe error", "Too many users",
        "Socket operation on non-socket", "Destination address required", "Message too long",
        "Protocol wrong type for socket", "Protocol not available", "Protocol not supported",
        "Socket type not supported", "Operation not supported", "Protocol family not supported",
        "Address family not supported by protocol", "Address already in use", "Cannot assign requested address",
        "Network is down", "Network is unreachable", "Network dropped connection on reset",
        "Software caused connection abort", "Connection reset by peer", "No buffer space available",
        "Transport endpoint is already connected", "Transport endpoint is not connected",
        "Cannot send after transport endpoint shutdown", "Too many references: cannot splice",
        "Connection timed out", "Connection refused", "Host is down", "No route to host",
        "Operation already in progress", "Operation now in progress", "Stale file handle",
        "Structure needs cleaning", "Not a XENIX named type file", "No XENIX semaphores available",
        "Is a named type file", "Remote I/O error", "Disk quota exceeded", "No medium found", "Wrong medium type",
        "Operation canceled", "Required key not available", "Key has expired", "Key has been revoked",
        "Key was rejected by service", "Owner died", "State not recoverable",
        "Operation not possible due to RF-kill", "Memory page has hardware error"
    };

    /** {@code __LIBBPF_ERRNO__START}. */
    static final int LIBBPF_ERRNO_START = 4000;
    /** Index = errno - 4000; libbpf 1.1 {@code enum libbpf_errno}. */
    private static final String[] LIBBPF_NAMES = {
        "LIBELF", "FORMAT", "KVERSION", "ENDIAN", "INTERNAL", "RELOC", "LOAD", "VERIFY", "PROG2BIG", "KVER",
        "PROGTYPE", "WRNGPID", "INVSEQ", "NLPARSE"
    };
    /** Index = errno - 4000; libbpf 1.1 {@code libbpf_strerror()} texts. */
    private static final String[] LIBBPF_DESCRIPTIONS = {
        "Something wrong in libelf", "BPF object format invalid", "'version' section incorrect or lost",
        "Endian mismatch", "Internal error in libbpf", "Relocation failed", "Load program failed for unknown reason",
        "Kernel verifier blocks program loading", "Program too big", "Incorrect kernel version",
        "Kernel doesn't support this program type", "Wrong pid in netlink message", "Invalid netlink sequence",
        "Incorrect netlink message parsing"
    };

    private Errno() {
    }

    /** Symbolic name, e.g. {@code "EBUSY"}; {@code "errno 200"} for numbers Linux does not define. */
    public static String name(int errno) {
        if (errno > 0 && errno < NAMES.length && NAMES[errno] != null) {
            return NAMES[errno];
        }
        if (errno >= LIBBPF_ERRNO_START && errno < LIBBPF_ERRNO_START + LIBBPF_NAMES.length) {
            return "LIBBPF_ERRNO__" + LIBBPF_NAMES[errno - LIBBPF_ERRNO_START];
        }
        return "errno " + errno;
    }

    /** Description, e.g. {@code "Device or resource busy"}; {@code "Unknown error 200"} like glibc otherwise. */
    public static String describe(int errno) {
        if (errno > 0 && errno < DESCRIPTIONS.length && DESCRIPTIONS[errno] != null) {
            return DESCRIPTIONS[errno];
        }
        if (errno >= LIBBPF_ERRNO_START && errno < LIBBPF_ERRNO_START + LIBBPF_DESCRIPTIONS.length) {
            return LIBBPF_DESCRIPTIONS[errno - LIBBPF_ERRNO_START];
        }
        return errno == 0 ? "Success" : "Unknown error " + errno;
    }

    /** Name and description, e.g. {@code "EBUSY (Device or resource busy)"}. */
    public static String format(int errno) {
        return name(errno) + " (" + describe(errno) + ")";
    }

    /** Number for a symbolic name such as {@code "EMSGSIZE"}, or -1 when unknown. */
    public static int number(String name) {
        for (int i = 1; i < NAMES.length; i++) {
            if (name.equals(NAMES[i])) {
                return i;
            }
        }
        return "EWOULDBLOCK".equals(name) ? EAGAIN : -1;
    }
}
