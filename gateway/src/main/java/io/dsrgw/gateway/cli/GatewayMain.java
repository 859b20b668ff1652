package io.dsrgw.gateway.cli;

import io.dsrgw.conf.cli.Cli;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.concurrent.Callable;

/**
 * Entry point of the {@code dsr-gateway} command (picocli; conventions in {@link Cli}).
 *
 * <pre>
 * dsr-gateway run --config FILE
 * dsr-gateway replay --config FILE --in IN.pcap --out OUT.pcap
 * dsr-gateway check-config FILE
 * dsr-gateway --help | --version
 * </pre>
 * Exit codes: 0 ok, 1 runtime or configuration error (message on stderr), 2 bad usage (one line on stderr).
 */
public final class GatewayMain {
    /** Exit code: success. */
    public static final int EXIT_OK = Cli.EXIT_OK;
    /** Exit code: runtime or configuration error. */
    public static final int EXIT_ERROR = Cli.EXIT_ERROR;
    /** Exit code: bad command-line usage. */
    public static final int EXIT_USAGE = Cli.EXIT_USAGE;

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
        return commandLine(out, err).execute(args);
    }

    /** The configured command line (also what the build's man page and completion generators read). */
    static CommandLine commandLine(PrintStream out, PrintStream err) {
        return Cli.configure(new CommandLine(new Root(out, err)), out, err);
    }

    /** {@code dsr-gateway}: the program, its sub-commands and the streams they print to. */
    @Command(name = "dsr-gateway", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "The dsrgw L3 Direct Server Return load-balancing gateway.",
            subcommands = {Run.class, Replay.class, CheckConfig.class, CommandLine.HelpCommand.class},
            footerHeading = "%nExit codes:%n",
            footer = {"  0  ok", "  1  runtime or configuration error (message on stderr)",
                "  2  bad usage (one line on stderr)"})
    public static final class Root implements Callable<Integer> {
        final PrintStream out;
        final PrintStream err;
        @Spec
        CommandSpec spec;

        /** For the build's generators (man pages, completion), which instantiate the class by reflection. */
        public Root() {
            this(System.out, System.err);
        }

        Root(PrintStream out, PrintStream err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public Integer call() {
            throw Cli.usage(spec, "missing command (expected: run, replay, check-config or --help)");
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = {"Forward VIP traffic: creates the TUN device and the VIP routes, runs until SIGTERM or "
                + "SIGINT, then removes them and prints the final counters."})
    static final class Run implements Callable<Integer> {
        @ParentCommand
        Root root;
        @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
                description = "the gateway configuration file")
        String config;

        @Override
        public Integer call() {
            return RunCommand.run(config, root.out, root.err);
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = {"Run the forwarding pipeline over a pcap (RAW or Ethernet) and write every packet the "
                + "gateway would transmit to OUT.pcap (LINKTYPE_RAW); prints the counters as \"name value\" lines. "
                + "Needs no privileges."})
    static final class Replay implements Callable<Integer> {
        @ParentCommand
        Root root;
        @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
                description = "the gateway configuration file")
        String config;
        @Option(names = "--in", required = true, paramLabel = "IN.pcap", description = "the packets to replay")
        String in;
        @Option(names = "--out", required = true, paramLabel = "OUT.pcap",
                description = "where the transmitted packets are written")
        String outFile;

        @Override
        public Integer call() {
            return ReplayCommand.replay(config, in, outFile, root.out, root.err);
        }
    }

    @Command(name = "check-config", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = {"Validate a gateway configuration file with the same checks run applies; prints every "
                + "error as \"file:line path: value (expected: ...)\"."})
    static final class CheckConfig implements Callable<Integer> {
        @ParentCommand
        Root root;
        @Parameters(paramLabel = "FILE", description = "the gateway configuration file")
        String file;

        @Override
        public Integer call() {
            return CheckConfigCommand.check(file, root.out, root.err);
        }
    }
}
