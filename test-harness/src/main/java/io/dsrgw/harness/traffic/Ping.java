package io.dsrgw.harness.traffic;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.dsrgw.harness.netns.CommandException;
import io.dsrgw.harness.netns.Commands;
import io.dsrgw.harness.netns.Namespace;

/** Runs iputils {@code ping} inside a namespace (IPv4 or IPv6 by the address) and parses its summary. */
public final class Ping {
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) packets transmitted, (\\d+) (?:packets )?received");

    private Ping() {
    }

    /**
     * The outcome of one ping run.
     *
     * @param exitCode ping's exit code (0: at least one reply, 1: none, 2: error)
     * @param sent     echo requests sent
     * @param received echo replies received
     * @param output   ping's stdout and stderr
     */
    public record Result(int exitCode, int sent, int received, String output) {
        public boolean allAnswered() {
            return sent > 0 && received == sent;
        }

        public String describe() {
            return "ping exit " + exitCode + ", " + received + "/" + sent + " answered";
        }
    }

    /**
     * {@code count} echo requests of {@code payloadBytes} each, {@code interval} apart, waiting up to {@code wait}
     * for each reply ({@code -W}; not {@code -w}, which keeps sending until {@code count} replies or the deadline).
     */
    public static Result ping(Namespace ns, String address, int count, int payloadBytes, Duration interval,
                              Duration wait) throws CommandException {
        List<String> cmd = List.of("ping", address.indexOf(':') >= 0 ? "-6" : "-4", "-n", "-c", Integer.toString(count),
                "-s", Integer.toString(payloadBytes), "-i", seconds(interval), "-W", seconds(wait), address);
        Commands.Result r = Commands.run(ns.wrap(cmd), wait.plus(interval).multipliedBy(count).plusSeconds(10));
        return parse(r.exitCode(), r.stdout() + r.stderr());
    }

    static Result parse(int exitCode, String output) {
        Matcher m = SUMMARY.matcher(output);
        if (!m.find()) {
            return new Result(exitCode, 0, 0, output);
        }
        return new Result(exitCode, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), output);
    }

    private static String seconds(Duration d) {
        return String.format(Locale.ROOT, "%.3f", d.toMillis() / 1000.0);
    }
}
