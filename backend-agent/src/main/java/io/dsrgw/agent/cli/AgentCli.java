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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.dsrgw.conf.cli.Cli;
import io.dsrgw.encap.tunnel.TunnelKind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Parses the command line (picocli; conventions in {@link Cli}) and runs one command. Output that scripts read
 * (the plan, status, counters; {@code --json} on plan and status) goes to {@code out}; errors go to {@code err}
 * as {@code "dsr-agent <command>: <problem>"}, usage errors as one line {@code "dsr-agent: <problem> (see ...)"}.
 */
public final class AgentCli {
    /** Exit status: success. */
    public static final int EXIT_OK = Cli.EXIT_OK;
    /** Exit status: runtime or configuration error. */
    public static final int EXIT_ERROR = Cli.EXIT_ERROR;
    /** Exit status: bad command line. */
    public static final int EXIT_USAGE = Cli.EXIT_USAGE;

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
        return commandLine().execute(args);
    }

    /** The configured command line (also what the build's man page and completion generators read). */
    CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Root());
        for (String name : List.of("plan", "apply", "run", "down", "status", "drain", "undrain")) {
            cl.addSubcommand(name, new CommandLine(new HostCommand()));
        }
        cl.addSubcommand("check-config", new CommandLine(new CheckConfigCommand()));
        cl.addSubcommand("help", new CommandLine.HelpCommand());
        describe(cl);
        return Cli.configure(cl, out, err);
    }

    /** Per-command descriptions and options: the seven host commands share one class, not one text. */
    private static void describe(CommandLine cl) {
        Map<String, String[]> text = new LinkedHashMap<>();
        text.put("plan", new String[] {"Print the commands apply would run, one per line (\"nothing to change\"); "
            + "with --os windows the steps for a Windows backend instead."});
        text.put("apply", new String[] {"Make the host match the configuration (idempotent); needs root."});
        text.put("run", new String[] {"Apply, decapsulate (kernel tunnel devices and/or userspace, per mode) and "
            + "re-check every reconcile-interval, repairing drift. SIGTERM/SIGINT stop and leave the configuration "
            + "applied (use down to remove it)."});
        text.put("down", new String[] {"Remove what apply created (per the state file) and restore the sysctls."});
        text.put("status", new String[] {"Mode per tunnel kind, what the state file records, drift, whether the "
            + "server is drained, and the tunnel filter's drop counters (kernel mode)."});
        text.put("drain", new String[] {"Take this server out of rotation for new flows: the readiness endpoint "
            + "(health.listen, GET /ready) answers 503 draining within 1 s; the VIPs stay so open connections "
            + "finish; persists across restarts."});
        text.put("undrain", new String[] {"Undo drain: /ready answers per the host's state again."});
        text.forEach((name, description) -> {
            CommandSpec spec = cl.getSubcommands().get(name).getCommandSpec();
            spec.name(name);
            spec.usageMessage().description(description);
            if (!name.equals("plan")) {
                spec.remove(spec.findOption("--os"));
            }
            if (!name.equals("plan") && !name.equals("status")) {
                spec.remove(spec.findOption("--json"));
            }
        });
    }

    @Command(name = "dsr-agent", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "The dsrgw backend agent: tunnels, VIPs on lo, sysctls, decapsulation, readiness.",
            footerHeading = "%nExit status:%n", footer = {"  0  ok", "  1  error", "  2  bad usage"})
    final class Root implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            throw Cli.usage(spec, "missing command (expected one of: plan, apply, run, down, status, drain, "
                    + "undrain, check-config)");
        }
    }

    /** {@code plan|apply|run|down|status|drain|undrain --config FILE}. */
    @Command(mixinStandardHelpOptions = true, versionProvider = Cli.Version.class)
    final class HostCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE",
                description = "the agent configuration file")
        Path config;
        @Option(names = "--os", paramLabel = "OS", defaultValue = "linux",
                description = "linux (default), or windows: the steps for a Windows backend, and which tunnel "
                        + "kinds Windows cannot decapsulate (does not look at this host)")
        String os;
        @Option(names = "--json", description = "print the result as JSON (for scripts)")
        boolean json;

        @Override
        public Integer call() {
            if (os == null) {
                os = "linux"; // not an option of this command (only plan has --os)
            }
            if (!os.equals("linux") && !os.equals("windows")) {
                throw Cli.usage(spec, "--os " + os + " (expected: linux or windows)");
            }
            return runCommand(spec.name(), config, os, json);
        }
    }

    @Command(name = "check-config", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
            description = "Validate an agent configuration file.")
    final class CheckConfigCommand implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the agent configuration file")
        Path file;

        @Override
        public Integer call() {
            return CheckConfig.checkAgent(file, out, err);
        }
    }

    private int runCommand(String command, Path configFile, String os, boolean json) {
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
            String steps = WindowsPlan.render(config);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("os", "windows");
                m.put("steps", steps.lines().toList());
                return printJson(m);
            }
            out.print(steps);
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
                case "plan" -> plan(reconciler, json, modes);
                case "apply" -> apply(reconciler);
                case "down" -> down(reconciler, config);
                case "status" -> json ? statusJson(reconciler, config, modes) : status(reconciler, config, modes);
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

    private int plan(Reconciler reconciler, boolean json, DecapModes modes) throws IOException, PlanException {
        Plan plan = reconciler.plan();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("os", "linux");
            if (modes.linkLayerOnly()) {
                m.put("decapsulation", DecapModes.LINK_LAYER_ONLY);
            }
            m.put("changes", plan.operations().size());
            m.put("commands", plan.describe());
            return printJson(m);
        }
        if (modes.linkLayerOnly()) {
            out.println("# " + DecapModes.LINK_LAYER_ONLY); // a comment line: the output stays a runnable script
        }
        out.println(plan);
        return EXIT_OK;
    }

    /**
     * {@code status --json}: mode, kinds, state file, drift, drain and the tunnel filter's counters as one object
     * (the same facts as the text).
     */
    private int statusJson(Reconciler reconciler, AgentConfig config, DecapModes modes)
            throws IOException, PlanException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", modes.mode().id());
        m.put("kernel_kinds", modes.kernelKinds().stream().map(TunnelKind::id).toList());
        m.put("userspace_kinds", modes.userKinds().stream().map(TunnelKind::id).toList());
        Map<String, String> causes = new LinkedHashMap<>();
        modes.causes().forEach((k, v) -> causes.put(k.id(), v));
        m.put("kernel_unsupported", causes);
        m.put("probed", modes.probed());
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("path", config.stateFile().toString());
        state.put("exists", reconciler.stateFileExists());
        if (reconciler.stateFileExists()) {
            AgentState s = reconciler.owned();
            state.put("addresses", s.createdAddresses().size());
            state.put("devices", s.createdDevices().size());
            state.put("sysctls", s.sysctlOldValues().size());
        }
        m.put("state_file", state);
        Plan drift = reconciler.plan();
        m.put("applied", drift.isEmpty());
        m.put("drift", drift.describe());
        DrainFile file = DrainFile.forStateFile(config.stateFile());
        DrainState d = file.read();
        Map<String, Object> drain = new LinkedHashMap<>();
        drain.put("drained", d.problem() == null ? d.drained() : null);
        drain.put("since", d.since() == null ? null : d.since().toString());
        drain.put("file", file.path().toString());
        drain.put("problem", d.problem());
        m.put("drain", drain);
        if (!modes.kernelKinds().isEmpty()) {
            m.put("tunnel_filter", tunnelFilterCounterMap());
        }
        return printJson(m);
    }

    /**
     * Built on first use: Jackson's databind loads some 370 classes, which every other command (drain, run, ...)
     * would pay for at start-up.
     */
    private static final class JsonHolder {
        static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    }

    private int printJson(Object tree) {
        try {
            out.println(JsonHolder.JSON.writeValueAsString(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("json: " + e.getOriginalMessage(), e);
        }
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

    /** The tunnel filter's drop counters ({@code installed}, {@code tunnel_drop_ipv4}, ...) for --json. */
    private Map<String, Object> tunnelFilterCounterMap() throws IOException {
        List<String> argv = List.of("nft", "-j", "list", "table", NftTable.FAMILY, NftTable.NAME);
        CommandResult r = host.run(argv);
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Long> c = r.ok() ? NftJson.counterPackets(r.stdout(), String.join(" ", argv)) : Map.of();
        boolean installed = c.containsKey(TunnelFilter.COUNTER_DROP4) || c.containsKey(TunnelFilter.COUNTER_DROP6);
        m.put("installed", installed);
        if (installed) {
            m.put(TunnelFilter.COUNTER_DROP4, c.getOrDefault(TunnelFilter.COUNTER_DROP4, 0L));
            m.put(TunnelFilter.COUNTER_DROP6, c.getOrDefault(TunnelFilter.COUNTER_DROP6, 0L));
        } else {
            m.put("problem", r.ok() ? "no counters in table " + NftTable.QUALIFIED_NAME : r.failureMessage());
        }
        return m;
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

}
