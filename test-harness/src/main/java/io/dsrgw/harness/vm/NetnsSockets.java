package io.dsrgw.harness.vm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.dsrgw.linux.Errno;

/**
 * TCP connections from inside a named network namespace, without a helper process: a short-lived platform thread
 * enters the namespace with {@code setns(open("/run/netns/NAME"), CLONE_NEWNET)} and creates the socket there. A
 * socket belongs to the namespace it was created in for its whole life, so the returned channel can then be used
 * from any thread. (Namespace membership is per thread on Linux; the helper thread ends right after.)
 */
final class NetnsSockets {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle SETNS;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(libc.find("open").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), errno);
        SETNS = linker.downcallHandle(libc.find("setns").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errno);
        CLOSE = linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private NetnsSockets() {
    }

    /** A blocking channel connected to {@code address} from inside namespace {@code ns}. */
    static SocketChannel connect(String ns, InetSocketAddress address, Duration timeout) throws IOException {
        try {
            return callIn(ns, () -> {
                SocketChannel ch = SocketChannel.open();
                try {
                    ch.socket().connect(address, (int) timeout.toMillis());
                    return ch;
                } catch (IOException e) {
                    ch.close();
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new IOException("connect to " + address + " in netns " + ns + ": " + e.getMessage(), e);
        }
    }

    /** Something to run inside a namespace. */
    @FunctionalInterface
    interface NetnsCall<T> {
        T call() throws Exception;
    }

    /**
     * Runs {@code call} on a short-lived platform thread inside namespace {@code ns} and returns its result; sockets
     * it creates stay in {@code ns}. An exception of {@code call} is rethrown as an IOException (with its message).
     */
    static <T> T callIn(String ns, NetnsCall<T> call) throws IOException {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().name("netns-" + ns).daemon().start(() -> {
            try {
                enter(ns);
                result.complete(call.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        try {
            return result.get();
        } catch (InterruptedException e) {
            t.interrupt();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running in netns " + ns, e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException("in netns " + ns + ": " + c, c);
        }
    }

    /** Moves the calling thread into network namespace {@code ns}. */
    private static void enter(String ns) throws IOException {
        String path = "/run/netns/" + ns;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                int errno = (int) ERRNO.get(state, 0L);
                throw new IOException("open(" + path + "): " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
            }
            try {
                int rc = (int) SETNS.invokeExact(state, fd, CLONE_NEWNET);
                if (rc != 0) {
                    int errno = (int) ERRNO.get(state, 0L);
                    throw new IOException("setns(" + path + ", CLONE_NEWNET): " + Errno.name(errno) + " ("
                            + Errno.describe(errno) + ")");
                }
            } finally {
                int ignored = (int) CLOSE.invokeExact(fd);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("setns into " + ns + ": " + e, e);
        }
    }
}
