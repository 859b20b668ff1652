package io.dsrgw.agent.cli;

import io.dsrgw.agent.health.DrainFile;
import io.dsrgw.agent.health.DrainState;
import io.dsrgw.agent.kernel.DecapModes;
import io.dsrgw.agent.kernel.WindowsPlan;
import io.dsrgw.agent.plan.CommandResult;
import io.dsrgw.agent.plan.DesiredState;
import io.dsrgw.agent.plan.NftJson;
import io.dsrgw.agent.plan.NftTable;
import io.dsrgw.agent.plan.TunnelDeviceSpec;
import io.dsrgw.agent.plan.TunnelFilter;
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
import java.time.Clock;
import java.util.List;
import java.util.Map;
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
                     [--os windows]  instead: the steps for a Windows backend and which kinds Windows cannot do
              apply  --config FILE   make the host match the configuration (idempotent); needs root
              run    --config FILE   apply, decapsulate (kernel tunnel devices and/or userspace, per mode) and
                                     re-check every reconcile-interval, repairing drift; SIGTERM/SIGINT stop
                                     and leave the configuration applied (use `down` to remove it)
              down   --config FILE   remove what apply created (per the state file) and restore sysctls
              status --config FILE   mode per tunnel kind, what the state file records, drift, whether the
                                     server is drained, and the tunnel filter's drop counters (kernel mode)
              drain  --config FILE   take this server out of rotation for new flows: the readiness endpoint
                                     (health.listen, GET /ready) answers 503 draining within 1 s; the VIPs
                                     stay so open connections finish; persists across restarts
              undrain --config FILE  undo drain: /ready answers per the host's state again
              check-config FILE      validate a configuration file
              --help                 this text

            exit status: 0 ok, 1 error, 2 usage
            """;

    private final Host host;
    private final Supplier<Probe> rootProbe;
    private final PrintStream out;
    private final PrintStream err;
    private final Clock clock;

    /**
     * @param host      the host to observe and change
     * @param rootProbe the privilege probe (Capabilities::root in production)
     */
    public AgentCli(Host host, Supplier<Probe> rootProbe, PrintStream out, PrintStream err) {
        this(host, rootProbe, out, err, Clock.systemUTC());
    }

    /** As above, with the clock {@code drain} records its time from (tests). */
    public AgentCli(Host host, Supplier<Probe> rootProbe, PrintStream out, PrintStream err, Clock clock) {
        this.host = host;
        this.rootProbe = rootProbe;
        this.out = out;
        this.err = err;
        this.clock = clock;
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
            case "plan", "apply", "run", "down", "status", "drain", "undrain" -> {
                Path config;
                String os;
                try {
                    os = parseOsOption(command, args);
                    config = parseConfigOption(command, stripOsOption(args));
                } catch (IllegalArgumentException e) {
                    return usage(e.getMessage());
                }
                if (config == null) {
                    out.print(USAGE);
                    return EXIT_OK;
                }
                return runCommand(command, config, os);
            }
            default -> {
                return usage("unknown command: " + command);
            }
        }
    }

    /** The value of {@code --os} ({@code linux} when absent); only {@code plan} takes it. */
    static String parseOsOption(String command, String[] args) {
        String os = "linux";
        for (int i = 1; i < args.length; i++) {
            String value = null;
            if (args[i].equals("--os")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(command + ": --os needs linux or windows");
                }
                value = args[i + 1];
            } else if (args[i].startsWith("--os=")) {
                value = args[i].substring("--os=".length());
            }
            if (value != null) {
                if (!command.equals("plan")) {
                    throw new IllegalArgumentException(command + ": --os is an option of plan only");
                }
                if (!value.equals("linux") && !value.equals("windows")) {
                    throw new IllegalArgumentException(command + ": --os " + value + " (expected: linux or windows)");
                }
                os = value;
            }
        }
        return os;
    }

    private static String[] stripOsOption(String[] args) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--os")) {
                i++;
            } else if (!args[i].startsWith("--os=")) {
                out.add(args[i]);
            }
        }
        return out.toArray(String[]::new);
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

    private int runCommand(String command, Path configFile, String os) {
        String prefix = "dsr-agent " + command + ": ";
        AgentConfig config;
        try {
            config = ConfigLoader.loadAgent(configFile);
        } catch (ConfigException e) {
            err.println(prefix + "invalid configuration:");
            err.println(e.getMessage());
            return EXIT_ERROR;
        }
        if (os.equals("windows")) {
            out.print(WindowsPlan.render(config));
            return EXIT_OK;
        }
        if (command.equals("drain") || command.equals("undrain")) {
            // Operator intent only: no probing, no host change; the file's permissions decide who may.
            try {
                return drain(command.equals("drain"), config);
            } catch (IOException e) {
                err.println(prefix + e.getMessage());
                return EXIT_ERROR;
            }
        }
        Probe root = rootProbe.get();
        if ((command.equals("apply") || command.equals("run") || command.equals("down")) && !root.available()) {
            err.println(prefix + "needs root (CAP_NET_ADMIN): " + root.cause());
            return EXIT_ERROR;
        }
        DesiredState desired = null;
        DecapModes modes = null;
        if (!command.equals("down")) {
            // down needs no desired state (it undoes what the state file records) and must not probe.
            try {
                modes = DecapModes.resolve(config, host, root.available());
                desired = DesiredState.forConfig(config, modes.kernelSetup());
            } catch (PlanException e) {
                err.println(prefix + configFile + ": " + e.getMessage().replace("\n", "\n" + prefix + configFile
                        + ": "));
                return EXIT_ERROR;
            } catch (IOException e) {
                err.println(prefix + e.getMessage());
                return EXIT_ERROR;
            }
        }
        Reconciler reconciler = new Reconciler(host, desired, config.stateFile());
        try {
            return switch (command) {
                case "plan" -> plan(reconciler);
                case "apply" -> apply(reconciler);
                case "down" -> down(reconciler, config);
                case "status" -> status(reconciler, config, modes);
                case "run" -> new RunCommand(config, modes, reconciler, host,
                        desired.tunnelDevices().stream().map(TunnelDeviceSpec::name).toList(), out, err).run();
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

    private int status(Reconciler reconciler, AgentConfig config, DecapModes modes)
            throws IOException, PlanException {
        out.println(modes.describe());
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
        out.println(drainedLine(DrainFile.forStateFile(config.stateFile())));
        if (!modes.kernelKinds().isEmpty()) {
            out.println(tunnelFilterCounters());
        }
        if (!modes.userKinds().isEmpty()) {
            out.println("userspace counters: only inside a running `dsr-agent run` (printed when it stops)");
        }
        return EXIT_OK;
    }

    private int drain(boolean drain, AgentConfig config) throws IOException {
        DrainFile file = DrainFile.forStateFile(config.stateFile());
        DrainState before = file.read();
        if (drain) {
            if (before.drained()) {
                out.println("already drained since " + before.since() + " (drain file " + file.path() + ")");
                return EXIT_OK;
            }
            DrainState now = file.drain(clock.instant());
            out.println("drained since " + now.since() + " (drain file " + file.path() + "): a running agent's "
                    + "GET /ready on " + config.healthListen() + " answers 503 draining within 1 s; the VIPs stay,"
                    + " so open connections finish; `dsr-agent undrain` undoes it");
        } else {
            boolean removed = file.undrain();
            if (!removed) {
                out.println("not drained (no drain file " + file.path() + ")");
            } else if (before.problem() != null) {
                out.println("undrained: removed the unreadable drain file (" + before.problem() + ")");
            } else {
                out.println("undrained (was drained since " + before.since() + "): a running agent's GET /ready on "
                        + config.healthListen() + " answers per the host's state again within 1 s");
            }
        }
        return EXIT_OK;
    }

    /** {@code drained: yes (since ..., drain file ...)} or {@code drained: no}. */
    static String drainedLine(DrainFile file) {
        DrainState d = file.read();
        if (d.problem() != null) {
            return "drained: unknown (" + d.problem() + "; the readiness endpoint answers not-ready)";
        }
        return d.drained() ? "drained: yes (since " + d.since() + ", drain file " + file.path()
                + "; the readiness endpoint answers 503 draining)" : "drained: no";
    }

    /** {@code tunnel filter: dropped ipv4 3, ipv6 0 packets not from a gateway} from the agent's nft table. */
    private String tunnelFilterCounters() throws IOException {
        List<String> argv = List.of("nft", "-j", "list", "table", NftTable.FAMILY, NftTable.NAME);
        CommandResult r = host.run(argv);
        if (!r.ok()) {
            return "tunnel filter: not installed (" + r.failureMessage() + ")";
        }
        Map<String, Long> c = NftJson.counterPackets(r.stdout(), String.join(" ", argv));
        if (!c.containsKey(TunnelFilter.COUNTER_DROP4) && !c.containsKey(TunnelFilter.COUNTER_DROP6)) {
            return "tunnel filter: not installed (no counters in table " + NftTable.QUALIFIED_NAME + ")";
        }
        return "tunnel filter: dropped ipv4 " + c.getOrDefault(TunnelFilter.COUNTER_DROP4, 0L) + ", ipv6 "
                + c.getOrDefault(TunnelFilter.COUNTER_DROP6, 0L) + " tunnel packets not from a gateway"
                + " (counters " + TunnelFilter.COUNTER_DROP4 + ", " + TunnelFilter.COUNTER_DROP6 + ")"
                + (c.containsKey(TunnelFilter.COUNTER_INNER_DROP4) || c.containsKey(TunnelFilter.COUNTER_INNER_DROP6)
                ? "; dropped ipv4 " + c.getOrDefault(TunnelFilter.COUNTER_INNER_DROP4, 0L) + ", ipv6 "
                + c.getOrDefault(TunnelFilter.COUNTER_INNER_DROP6, 0L) + " decapsulated packets not to a vip"
                + " (counters " + TunnelFilter.COUNTER_INNER_DROP4 + ", " + TunnelFilter.COUNTER_INNER_DROP6 + ")"
                : "");
    }

    private int usage(String problem) {
        err.println("dsr-agent: " + problem);
        err.print(USAGE);
        return EXIT_USAGE;
    }
}
