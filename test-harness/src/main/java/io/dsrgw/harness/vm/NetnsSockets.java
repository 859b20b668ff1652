package io.dsrgw.harness.vm;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.dsrgw.harness.netns.NetnsThreads;

/**
 * TCP connections from inside a named network namespace, without a helper process: a short-lived platform thread
 * enters the namespace ({@link NetnsThreads#enter(String)}) and creates the socket there. A
 * socket belongs to the namespace it was created in for its whole life, so the returned channel can then be used
 * from any thread. (Namespace membership is per thread on Linux; the helper thread ends right after.)
 */
final class NetnsSockets {
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
                NetnsThreads.enter(ns);
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
}
