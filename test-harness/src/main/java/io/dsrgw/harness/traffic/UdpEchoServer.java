package io.dsrgw.harness.traffic;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The UDP server each backend runs next to its {@link BackendHttpServer}: for every datagram it receives it
 * answers, from the same socket, {@code "NAME BYTES SHA256\n"} (the backend's name, the datagram's length and
 * the lowercase-hex SHA-256 of its payload). A client that sends one datagram bigger than its link MTU (the
 * kernel fragments it) and gets back the right length and digest knows that every fragment reached this one
 * backend and the kernel reassembled the datagram whole.
 *
 * <p>One socket per address, never a wildcard: a UDP reply leaves from the address the socket is bound to, and it
 * must be the VIP the client sent to (a wildcard socket would answer from the backend's own address).
 * One thread per socket; a datagram of up to 65,535 bytes.
 */
public final class UdpEchoServer implements AutoCloseable {
    /** The largest UDP payload over IPv4 and (without jumbograms) IPv6 is below this. */
    public static final int MAX_DATAGRAM_BYTES = 65_535;
    private final String name;
    private final DatagramChannel channel;
    private final Thread thread;

    private UdpEchoServer(String name, DatagramChannel channel) {
        this.name = name;
        this.channel = channel;
        this.thread = Thread.ofPlatform().daemon().name("udp-echo-" + name).unstarted(this::serve);
    }

    /** Binds to {@code address:port} ({@code port} 0 picks a free port) and starts answering. */
    public static UdpEchoServer start(String name, InetAddress address, int port) throws IOException {
        DatagramChannel ch = DatagramChannel.open(address instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            ch.bind(new InetSocketAddress(address, port));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        UdpEchoServer s = new UdpEchoServer(name, ch);
        s.thread.start();
        return s;
    }

    /** The bound address (with the chosen port). */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /** The reply to a datagram: "NAME BYTES SHA256\n". */
    public static String reply(String name, byte[] data, int length) {
        MessageDigest sha = Blob.sha256();
        sha.update(data, 0, length);
        return name + " " + length + " " + HexFormat.of().formatHex(sha.digest()) + "\n";
    }

    private void serve() {
        ByteBuffer buf = ByteBuffer.allocate(MAX_DATAGRAM_BYTES);
        while (channel.isOpen()) {
            try {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                buf.flip();
                byte[] answer = reply(name, buf.array(), buf.limit()).getBytes(StandardCharsets.US_ASCII);
                channel.send(ByteBuffer.wrap(answer), from);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // A send can fail (e.g. no route back yet); the client retries, so keep serving.
                System.err.println("udp-echo " + name + ": " + e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "UdpEchoServer[" + name + "]";
    }
}
