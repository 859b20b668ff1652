package io.dsrgw.conf;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code dsr-gateway check-config FILE} and {@code dsr-agent check-config FILE}: validate a file without
 * starting anything. Prints {@code OK: FILE (N vips, M backends)} (agent: {@code (N vips, M gateways)}) to
 * {@code out} and returns 0, or prints every problem, one per line, and a count line to {@code err} and
 * returns 1; returns 2 with a usage line when no file is given.
 */
public final class CheckConfig {

    /** Exit code: the file is valid. */
    public static final int EXIT_OK = 0;
    /** Exit code: the file has problems (printed on err). */
    public static final int EXIT_INVALID = 1;
    /** Exit code: bad command line. */
    public static final int EXIT_USAGE = 2;

    private CheckConfig() {
    }

    /** @return 0 valid, 1 invalid, 2 usage (file == null) */
    public static int checkGateway(Path file, PrintStream out, PrintStream err) {
        if (file == null) {
            err.println("usage: dsr-gateway check-config FILE");
            return EXIT_USAGE;
        }
        try {
            GatewayConfig c = ConfigLoader.loadGateway(file);
            out.println("OK: " + file + " (" + c.vips().size() + " vips, " + c.backendCount() + " backends)");
            return EXIT_OK;
        } catch (ConfigException e) {
            return report(file, e, err);
        }
    }

    /** @return 0 valid, 1 invalid, 2 usage (file == null) */
    public static int checkAgent(Path file, PrintStream out, PrintStream err) {
        if (file == null) {
            err.println("usage: dsr-agent check-config FILE");
            return EXIT_USAGE;
        }
        try {
            AgentConfig c = ConfigLoader.loadAgent(file);
            out.println("OK: " + file + " (" + c.vips().size() + " vips, " + c.gateways().size() + " gateways)");
            return EXIT_OK;
        } catch (ConfigException e) {
            return report(file, e, err);
        }
    }

    private static int report(Path file, ConfigException e, PrintStream err) {
        for (ConfigError error : e.errors()) {
            err.println(error);
        }
        int n = e.errors().size();
        err.println(file + ": " + n + (n == 1 ? " error" : " errors"));
        return EXIT_INVALID;
    }

    /**
     * Stand-alone entry point: {@code CheckConfig gateway|agent FILE}.
     *
     * @param args "gateway" or "agent", then the file
     */
    public static void main(String[] args) {
        int code;
        if (args.length == 2 && args[0].equals("gateway")) {
            code = checkGateway(Path.of(args[1]), System.out, System.err);
        } else if (args.length == 2 && args[0].equals("agent")) {
            code = checkAgent(Path.of(args[1]), System.out, System.err);
        } else {
            System.err.println("usage: CheckConfig gateway|agent FILE");
            code = EXIT_USAGE;
        }
        System.exit(code);
    }
}
