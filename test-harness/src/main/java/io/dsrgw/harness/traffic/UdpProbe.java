package io.dsrgw.harness.traffic;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.Namespace;

/**
 * The client side of {@link UdpEchoServer}: sends ONE datagram of N bytes (the {@link Blob} of that size, so the
 * expected digest needs no trust in the server) and waits for the echo line. A datagram bigger than the client's
 * link MTU (e.g. 4000 bytes on a 1500-byte veth) is fragmented by the client's kernel; a correct answer therefore
 * means that all fragments reached one backend. Each attempt is a fresh datagram; a lost one is retried, because
 * the first datagrams to a destination may teach the client its path MTU (an IPv6 gateway answers "packet too
 * big" and drops the fragments, so the client re-fragments the next datagram smaller).
 *
 * <p>Runs in the client namespace as its own JVM ({@link #run}); its output is one line per attempt and a final
 * {@code RESULT} line that {@link #run} parses. The socket is unconnected on purpose: on a connected socket Linux
 * reports a received "packet too big" as EMSGSIZE on the next call instead of just lowering the path MTU.
 */
public final class UdpProbe {
    private static final Pattern RESULT = Pattern.compile(
            "^RESULT (ok|fail) attempts=(\\d+) from=(\\S+) backend=(\\S+) bytes=(-?\\d+) sha256=(\\S+)$",
            Pattern.MULTILINE);

    private UdpProbe() {
    }

    /**
     * The outcome of one probe run.
     *
     * @param ok       a reply came from the target address with the datagram's length and digest
     * @param attempts datagrams sent
     * @param from     the reply's source address ("-" when none)
     * @param backend  the backend named in the reply ("-" when none)
     * @param bytes    the byte count the backend reported (-1 when none)
     * @param sha256   the digest the backend reported ("-" when none)
     * @param output   the probe's whole output (for failure messages)
     */
    public record Result(boolean ok, int attempts, String from, String backend, long bytes, String sha256,
                         String output) {
    }

    /**
     * Runs the probe inside {@code ns} as {@code java -cp classpath UdpProbe ...} and parses its result.
     *
     * @param target  the VIP (IPv4 or IPv6 literal)
     * @param timeout per attempt
     */
    public static Result run(Namespace ns, String javaCommand, String classpath, String target, int port, int bytes,
                             int attempts, Duration timeout) throws CommandException {
        List<String> cmd = List.of(javaCommand, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, UdpProbe.class.getName(), "--to", hostPort(target, port),
                "--bytes", Integer.toString(bytes), "--attempts", Integer.toString(attempts),
                "--timeout-ms", Long.toString(timeout.toMillis()));
        Commands.Result r = Commands.run(ns.wrap(cmd), timeout.multipliedBy(attempts).plusSeconds(20));
        return parse(r.stdout() + r.stderr());
    }

    static Result parse(String output) {
        Matcher m = RESULT.matcher(output);
        if (!m.find()) {
            return new Result(false, 0, "-", "-", -1, "-", output);
        }
        return new Result(m.group(1).equals("ok"), Integer.parseInt(m.group(2)), m.group(3), m.group(4),
                Long.parseLong(m.group(5)), m.group(6), output);
    }

    static String hostPort(String address, int port) {
        return (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
    }

    /** {@code --to ADDRESS:PORT --bytes N [--attempts K] [--timeout-ms T]}; exit 0 when the echo matched. */
    public static void main(String[] args) throws IOException {
        String to = null;
        int bytes = -1;
        int attempts = 5;
        int timeoutMs = 1000;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--to" -> to = args[i + 1];
                case "--bytes" -> bytes = Integer.parseInt(args[i + 1]);
                case "--attempts" -> attempts = Integer.parseInt(args[i + 1]);
                case "--timeout-ms" -> timeoutMs = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("udp-probe: unknown argument " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (to == null || bytes < 1 || bytes > 65_507 || attempts < 1) {
            System.err.println("udp-probe: usage: --to ADDRESS:PORT --bytes 1..65507 [--attempts K] [--timeout-ms T]");
            System.exit(2);
        }
        InetAddress address = BackendHttpServer.host(to);
        InetSocketAddress target = new InetSocketAddress(address, BackendHttpServer.port(to));
        ByteArrayOutputStream payload = new ByteArrayOutputStream(bytes);
        String expected = Blob.write(bytes, payload);
        byte[] data = payload.toByteArray();
        String result = "RESULT fail attempts=" + attempts + " from=- backend=- bytes=-1 sha256=-";
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(timeoutMs);
            byte[] in = new byte[2048];
            outer:
            for (int a = 1; a <= attempts; a++) {
                socket.send(new DatagramPacket(data, data.length, target));
                long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
                while (true) {
                    DatagramPacket reply = new DatagramPacket(in, in.length);
                    try {
                        socket.receive(reply);
                    } catch (SocketTimeoutException e) {
                        System.out.println("attempt " + a + ": no reply within " + timeoutMs + " ms");
                        break;
                    }
                    String line = new String(in, 0, reply.getLength(), StandardCharsets.US_ASCII).strip();
                    String from = reply.getAddress().getHostAddress();
                    System.out.println("attempt " + a + ": reply from " + from + ": " + line);
                    String[] f = line.split(" ");
                    if (f.length == 3 && reply.getAddress().equals(address)) {
                        boolean ok = f[1].equals(Integer.toString(bytes)) && f[2].equals(expected);
                        result = "RESULT " + (ok ? "ok" : "fail") + " attempts=" + a + " from=" + from + " backend="
                                + f[0] + " bytes=" + f[1] + " sha256=" + f[2];
                        break outer;
                    }
                    if (System.nanoTime() > deadline) {
                        break;
                    }
                }
            }
        }
        System.out.println("expected: bytes=" + bytes + " sha256=" + expected);
        System.out.println(result);
        System.exit(result.startsWith("RESULT ok") ? 0 : 1);
    }
}
