package io.dsrgw.agent.cli;

import io.dsrgw.agent.plan.DesiredState;
import io.dsrgw.agent.plan.Host;
import io.dsrgw.agent.plan.Operation;
import io.dsrgw.agent.plan.Plan;
import io.dsrgw.agent.plan.PlanException;
import io.dsrgw.agent.plan.PlanExecutionException;
import io.dsrgw.agent.plan.Reconciler;
import io.dsrgw.agent.state.AgentState;
import io.dsrgw.conf.AgentConfig;
import io.dsrgw.conf.CheckConfig;
import io.dsrgw.conf.ConfigException;
import io.dsrgw.conf.ConfigLoader;
import io.dsrgw.linux.Probe;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Parses the command line and runs one command. Output that scripts read (the plan, status,
 * counters) goes to {@code out}; errors go to {@code err} as {@code "dsr-agent <command>: <problem>"}.
 */
public final class AgentCli {
    /** Exit status: success. */
    public static final int EXIT_OK = 0;
    /** Exit status: runtime or configuration error. */
    public static final int EXIT_ERROR = 1;
    /** Exit status: bad command line. */
    public static final int EXIT_USAGE = 2;

    static final String USAGE = """
            usage: dsr-agent <command> [options]

            commands:
              plan   --config FILE   print the commands apply would run, one per line ("nothing to change")
              apply  --config FILE   make the host match the configuration (idempotent); needs root
              run    --config FILE   apply, decapsulate IP-in-IP in userspace and re-check every
                                     reconcile-interval, repairing drift; SIGTERM/SIGINT stop decapsulation
                                     and leave the configuration applied (use `down` to remove it)
              down   --config FILE   remove what apply created (per the state file) and restore sysctls
              status --config FILE   what the state file records and any drift from the configuration
              check-config FILE      validate a configuration file
              --help                 this text

            exit status: 0 ok, 1 error, 2 usage
            """;

    private final Host host;
    private final Supplier<Probe> rootProbe;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * @param host      the host to observe and change
     * @param rootProbe the privilege probe (Capabilities::root in production)
     */
    public AgentCli(Host host, Supplier<Probe> rootProbe, PrintStream out, PrintStream err) {
        this.host = host;
        this.rootProbe = rootProbe;
        this.out = out;
        this.err = err;
    }

    /** Runs the command line; returns the exit status. */
    public int run(String[] args) {
        if (args.length == 0) {
            return usage("missing command");
        }
        String command = args[0];
        switch (command) {
            case "--help", "-h", "help" -> {
                out.print(USAGE);
                return EXIT_OK;
            }
            case "check-config" -> {
                if (args.length != 2 || args[1].startsWith("-")) {
                    return usage("check-config takes exactly one FILE");
                }
                return CheckConfig.checkAgent(Path.of(args[1]), out, err);
            }
            case "plan", "apply", "run", "down", "status" -> {
                Path config;
                try {
                    config = parseConfigOption(command, args);
                } catch (IllegalArgumentException e) {
                    return usage(e.getMessage());
                }
                if (config == null) {
                    out.print(USAGE);
                    return EXIT_OK;
                }
                return runCommand(command, config);
            }
            default -> {
                return usage("unknown command: " + command);
            }
        }
    }

    /** Returns the --config path, null for --help, or throws IllegalArgumentException with the usage problem. */
    static Path parseConfigOption(String command, String[] args) {
        Path config = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help") || a.equals("-h")) {
                return null;
            } else if (a.equals("--config") || a.equals("-c")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(command + ": " + a + " needs a FILE");
                }
                config = Path.of(args[++i]);
            } else if (a.startsWith("--config=")) {
                config = Path.of(a.substring("--config=".length()));
            } else {
                throw new IllegalArgumentException(command + ": unexpected argument: " + a);
            }
        }
        if (config == null) {
            throw new IllegalArgumentException(command + ": missing --config FILE");
        }
        return config;
    }

    private int runCommand(String command, Path configFile) {
        String prefix = "dsr-agent " + command + ": ";
        AgentConfig config;
        DesiredState desired;
        try {
            config = ConfigLoader.loadAgent(configFile);
            desired = DesiredState.forConfig(config);
        } catch (ConfigException e) {
            err.println(prefix + "invalid configuration:");
            err.println(e.getMessage());
            return EXIT_ERROR;
        } catch (PlanException e) {
            err.println(prefix + configFile + ": " + e.getMessage().replace("\n", "\n" + prefix + configFile + ": "));
            return EXIT_ERROR;
        }
        if (command.equals("apply") || command.equals("run") || command.equals("down")) {
            Probe root = rootProbe.get();
            if (!root.available()) {
                err.println(prefix + "needs root (CAP_NET_ADMIN): " + root.cause());
                return EXIT_ERROR;
            }
        }
        Reconciler reconciler = new Reconciler(host, desired, config.stateFile());
        try {
            return switch (command) {
                case "plan" -> plan(reconciler);
                case "apply" -> apply(reconciler);
                case "down" -> down(reconciler, config);
                case "status" -> status(reconciler, config);
                case "run" -> new RunCommand(config, reconciler, out, err).run();
                default -> throw new IllegalStateException(command);
            };
        } catch (PlanException | IOException e) {
            err.println(prefix + e.getMessage());
            return EXIT_ERROR;
        } catch (PlanExecutionException e) {
            err.println(prefix + e.getMessage());
            return EXIT_ERROR;
        }
    }

    private int plan(Reconciler reconciler) throws IOException, PlanException {
        out.println(reconciler.plan());
        return EXIT_OK;
    }

    private int apply(Reconciler reconciler) throws IOException, PlanException, PlanExecutionException {
        List<Operation> done = reconciler.apply(op -> out.println(op.describe()));
        if (done.isEmpty()) {
            out.println("nothing to change");
        }
        return EXIT_OK;
    }

    private int down(Reconciler reconciler, AgentConfig config) throws IOException, PlanExecutionException {
        if (!reconciler.stateFileExists()) {
            out.println("nothing to undo (no state file " + config.stateFile() + ")");
            return EXIT_OK;
        }
        List<Operation> done = reconciler.down(op -> out.println(op.describe()));
        if (done.isEmpty()) {
            out.println("nothing to change");
        }
        out.println("removed state file " + config.stateFile());
        return EXIT_OK;
    }

    private int status(Reconciler reconciler, AgentConfig config) throws IOException, PlanException {
        if (reconciler.stateFileExists()) {
            AgentState s = reconciler.owned();
            out.println("state file: " + config.stateFile() + " (" + s.createdAddresses().size() + " addresses, "
                    + s.createdDevices().size() + " devices created; " + s.sysctlOldValues().size()
                    + " sysctls recorded)");
        } else {
            out.println("state file: none (" + config.stateFile() + ": nothing created by the agent)");
        }
        Plan drift = reconciler.plan();
        if (drift.isEmpty()) {
            out.println("applied: yes (no drift)");
        } else {
            out.println("applied: no (" + drift.operations().size() + " operations pending)");
            for (String line : drift.describe()) {
                out.println("drift: " + line);
            }
        }
        out.println("counters: only inside a running `dsr-agent run` (printed when it stops)");
        return EXIT_OK;
    }

    private int usage(String problem) {
        err.println("dsr-agent: " + problem);
        err.print(USAGE);
        return EXIT_USAGE;
    }
}
