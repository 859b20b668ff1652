package io.dsrgw.gateway.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of the {@code dsr-gateway} command.
 *
 * <pre>
 * dsr-gateway run --config FILE
 * dsr-gateway replay --config FILE --in IN.pcap --out OUT.pcap
 * dsr-gateway check-config FILE
 * dsr-gateway --help
 * </pre>
 * Exit codes: 0 ok, 1 runtime or configuration error (message on stderr), 2 bad usage (message and usage text
 * on stderr).
 */
public final class GatewayMain {
    /** Exit code: success. */
    public static final int EXIT_OK = 0;
    /** Exit code: runtime or configuration error. */
    public static final int EXIT_ERROR = 1;
    /** Exit code: bad command-line usage. */
    public static final int EXIT_USAGE = 2;

    static final String USAGE = """
            usage: dsr-gateway run --config FILE
                   dsr-gateway replay --config FILE --in IN.pcap --out OUT.pcap
                   dsr-gateway check-config FILE
                   dsr-gateway --help

              run           forward VIP traffic: creates the TUN device and VIP routes, runs until SIGTERM/SIGINT,
                            then removes them and prints the final counters
              replay        run the same pipeline over a pcap (RAW or Ethernet) and write every packet the gateway
                            would transmit to OUT.pcap (LINKTYPE_RAW); prints counters as "name value" lines;
                            needs no privileges
              check-config  validate a gateway configuration file; prints all errors

            exit codes: 0 ok, 1 runtime or configuration error, 2 bad usage
            """;

    private GatewayMain() {
    }

    public static void main(String[] args) {
        int code = execute(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs a command and returns its exit code; never calls System.exit (tests call this). */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        List<String> list = Arrays.asList(args);
        if (list.isEmpty()) {
            return usage(err, "missing command (expected: run, replay, check-config or --help)");
        }
        String command = list.getFirst();
        List<String> rest = list.subList(1, list.size());
        if (rest.contains("--help") || rest.contains("-h")) {
            out.print(USAGE);
            return EXIT_OK;
        }
        try {
            return switch (command) {
                case "--help", "-h", "help" -> {
                    CommandLine.parse(rest, List.of(), 0);
                    out.print(USAGE);
                    yield EXIT_OK;
                }
                case "run" -> {
                    CommandLine cl = CommandLine.parse(rest, List.of("--config"), 0);
                    yield RunCommand.run(cl.required("--config"), out, err);
                }
                case "replay" -> {
                    CommandLine cl = CommandLine.parse(rest, List.of("--config", "--in", "--out"), 0);
                    yield ReplayCommand.replay(cl.required("--config"), cl.required("--in"), cl.required("--out"),
                            out, err);
                }
                case "check-config" -> {
                    CommandLine cl = CommandLine.parse(rest, List.of(), 1);
                    if (cl.positional().isEmpty()) {
                        throw new UsageException("missing FILE (expected: check-config FILE)");
                    }
                    yield CheckConfigCommand.check(cl.positional().getFirst(), out, err);
                }
                default -> throw new UsageException("unknown command " + command
                        + " (expected: run, replay, check-config or --help)");
            };
        } catch (UsageException e) {
            return usage(err, e.getMessage());
        }
    }

    private static int usage(PrintStream err, String message) {
        err.println("dsr-gateway: " + message);
        err.print(USAGE);
        return EXIT_USAGE;
    }
}
